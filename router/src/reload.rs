//! Hot reload: when the supergraph file changes, a new generation (supergraph, policy, empty
//! caches) is built and swapped in whole. A file that fails to load is logged and the previous
//! generation keeps serving.
use std::hash::Hasher;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use xxhash_rust::xxh3::Xxh3;

use crate::config::RouterConfig;
use crate::metrics::Metrics;
use crate::pipeline::{Generation, Generations};

#[derive(PartialEq, Eq, Clone, Copy)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &PathBuf) -> Option<FileStamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(FileStamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

fn content_hash(text: &str) -> u64 {
    let mut hasher = Xxh3::new();
    hasher.write(text.as_bytes());
    hasher.finish()
}

/// Polls the supergraph file until the task is dropped. Polling (rather than inotify) also
/// works for files replaced by rename and on bind mounts.
pub async fn watch(
    generations: Arc<Generations>,
    config: Arc<RouterConfig>,
    metrics: Arc<Metrics>,
) {
    let path = config.supergraph_path.clone();
    let mut last_stamp = stamp(&path);
    let mut last_hash = std::fs::read_to_string(&path)
        .ok()
        .map(|t| content_hash(&t));
    let mut interval =
        tokio::time::interval(Duration::from_millis(config.hot_reload_interval_ms.max(10)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let current = stamp(&path);
        if current == last_stamp {
            continue;
        }
        last_stamp = current;
        let Ok(text) = std::fs::read_to_string(&path) else {
            tracing::warn!(path = %path.display(), "supergraph file unreadable; keeping the current one");
            continue;
        };
        let hash = content_hash(&text);
        if Some(hash) == last_hash {
            continue;
        }
        last_hash = Some(hash);
        let build_config = config.clone();
        let built =
            tokio::task::spawn_blocking(move || Generation::from_sdl(&text, &build_config)).await;
        match built {
            Ok(Ok(generation)) => {
                generations.replace(generation);
                metrics.supergraph_reloads.increment(1);
                tracing::info!(path = %path.display(), "supergraph reloaded");
            }
            Ok(Err(error)) => {
                metrics.supergraph_reload_failures.increment(1);
                tracing::error!(path = %path.display(), %error, "new supergraph rejected; keeping the current one");
            }
            Err(join_error) => {
                metrics.supergraph_reload_failures.increment(1);
                tracing::error!(path = %path.display(), error = %join_error, "supergraph reload crashed; keeping the current one");
            }
        }
    }
}
