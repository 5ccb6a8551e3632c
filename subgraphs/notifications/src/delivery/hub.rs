//! One Redis subscription per service instance for every live subscriber. The hub
//! pattern-subscribes to all users' channels and hands each message to the subscribers of
//! its user on this instance, so a thousand open subscriptions cost one Redis connection
//! (each used to open its own). Every time the hub (re)subscribes it bumps its generation;
//! followers then read the history from Postgres past what they delivered, so nothing
//! published while Redis was away is missed.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::delivery::channels::{BACKOFF_MIN, Redis, bounded, next_backoff};
use crate::storage::NotificationRow;

/// Messages a subscriber may have waiting; past that it is marked lagging and catches up
/// from Postgres, rather than slowing the hub down for everyone.
const QUEUE: usize = 64;

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Redis,
    followers: Mutex<HashMap<Uuid, Vec<Registration>>>,
    next_id: AtomicU64,
    /// Bumped after each successful (re)subscription; 0 until the first.
    generation: watch::Sender<u64>,
}

struct Registration {
    id: u64,
    tx: mpsc::Sender<NotificationRow>,
    lagging: Arc<AtomicBool>,
}

/// A subscriber's end: its messages, the hub's generation, and a lag flag. Dropping it
/// unregisters.
pub struct Subscription {
    pub messages: mpsc::Receiver<NotificationRow>,
    pub generation: watch::Receiver<u64>,
    pub lagging: Arc<AtomicBool>,
    hub: Hub,
    user: Uuid,
    id: u64,
}

impl Hub {
    /// Starts the hub's Redis subscription; it runs until `shutdown`.
    pub fn start(redis: Redis, shutdown: CancellationToken) -> Hub {
        let hub = Hub {
            inner: Arc::new(Inner {
                redis,
                followers: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(0),
                generation: watch::Sender::new(0),
            }),
        };
        tokio::spawn(hub.clone().run(shutdown));
        hub
    }

    pub fn subscribe(&self, user: Uuid) -> Subscription {
        let (tx, messages) = mpsc::channel(QUEUE);
        let lagging = Arc::new(AtomicBool::new(false));
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.followers()
            .entry(user)
            .or_default()
            .push(Registration {
                id,
                tx,
                lagging: lagging.clone(),
            });
        Subscription {
            messages,
            generation: self.inner.generation.subscribe(),
            lagging,
            hub: self.clone(),
            user,
            id,
        }
    }

    fn followers(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Vec<Registration>>> {
        self.inner
            .followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    async fn run(self, shutdown: CancellationToken) {
        let mut backoff = BACKOFF_MIN;
        loop {
            let reason = tokio::select! {
                () = shutdown.cancelled() => return,
                reason = self.listen(&mut backoff) => reason,
            };
            tracing::warn!(reason, retry_in = ?backoff, "live notifications lost Redis, resubscribing");
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = next_backoff(backoff);
        }
    }

    /// One pattern subscription, from PSUBSCRIBE until it breaks; returns why.
    async fn listen(&self, backoff: &mut std::time::Duration) -> String {
        let redis = &self.inner.redis;
        let pattern = format!("{}*", redis.channel_prefix);
        let subscribed = async {
            let mut pubsub = bounded(redis.client.get_async_pubsub()).await?;
            bounded(pubsub.psubscribe(&pattern)).await?;
            Ok::<_, crate::delivery::channels::RedisFailure>(pubsub)
        };
        let pubsub = match subscribed.await {
            Ok(pubsub) => pubsub,
            Err(e) => return e.to_string(),
        };
        *backoff = BACKOFF_MIN;
        self.inner.generation.send_modify(|g| *g += 1);
        let mut messages = pubsub.into_on_message();
        while let Some(message) = messages.next().await {
            let row = message
                .get_payload::<String>()
                .ok()
                .and_then(|p| serde_json::from_str::<NotificationRow>(&p).ok());
            match row {
                Some(row) => self.dispatch(row),
                None => tracing::warn!("ignoring a malformed notification message"),
            }
        }
        "the redis connection closed".to_string()
    }

    fn dispatch(&self, row: NotificationRow) {
        let Some(user) = row.user_id else {
            return;
        };
        let followers = self.followers();
        for follower in followers.get(&user).into_iter().flatten() {
            if let Err(mpsc::error::TrySendError::Full(_)) = follower.tx.try_send(row.clone()) {
                follower.lagging.store(true, Ordering::Relaxed);
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut followers = self.hub.followers();
        if let Some(list) = followers.get_mut(&self.user) {
            list.retain(|r| r.id != self.id);
            if list.is_empty() {
                followers.remove(&self.user);
            }
        }
    }
}
