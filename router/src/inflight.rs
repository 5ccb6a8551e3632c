//! Sharing one result between identical work in flight: the first caller with a key (the
//! leader) does the work; callers with the same key while it runs (followers) wait for its
//! result instead of repeating it. Used for whole client queries (`pipeline::execute_with`)
//! and for single subgraph requests (`subgraph::client`).
//!
//! The entry lives exactly as long as the leader: it is removed when the leader finishes
//! *or is dropped* (a client that disconnects drops its request's future). Followers of a
//! dropped leader start over and one of them leads; nothing outlives the work, so a finished
//! result is never handed to a later request.
use std::collections::HashMap;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use hyper::HeaderMap;
use tokio::sync::watch;
use xxhash_rust::xxh3::Xxh3;

/// What makes two pieces of work identical, as length-prefixed parts: compared in full,
/// so a hash collision can never hand one caller another's answer; hashed once (xxh3).
#[derive(Clone, PartialEq, Eq)]
pub struct Key {
    hash: u64,
    bytes: Vec<u8>,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Builds a [`Key`] part by part.
pub struct KeyBuilder {
    bytes: Vec<u8>,
}

impl KeyBuilder {
    pub fn with_capacity(capacity: usize) -> KeyBuilder {
        KeyBuilder {
            bytes: Vec::with_capacity(capacity),
        }
    }

    pub fn part(&mut self, part: &[u8]) -> &mut KeyBuilder {
        self.bytes
            .extend_from_slice(&(part.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(part);
        self
    }

    /// Every header, name and value, in the map's order.
    pub fn headers(&mut self, headers: &HeaderMap) -> &mut KeyBuilder {
        self.part(&(headers.len() as u32).to_le_bytes());
        for (name, value) in headers {
            self.part(name.as_str().as_bytes()).part(value.as_bytes());
        }
        self
    }

    pub fn finish(self) -> Key {
        let mut hasher = Xxh3::new();
        hasher.write(&self.bytes);
        Key {
            hash: hasher.finish(),
            bytes: self.bytes,
        }
    }
}

/// Identical work in flight, by key. Keys compare in full: a hash alone could make two
/// callers' requests (another user's, say) share an answer.
pub struct InFlight<K, V> {
    entries: Mutex<HashMap<K, watch::Receiver<Option<V>>>>,
}

/// Who did the work for a [`InFlight::run`] result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Leader,
    Follower,
}

impl<K: Hash + Eq + Clone, V: Clone> Default for InFlight<K, V> {
    fn default() -> Self {
        InFlight {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> InFlight<K, V> {
    /// `work`'s result, or the result of identical work already in flight under `key`.
    pub async fn run<F, Fut>(&self, key: K, work: F) -> (V, Role)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        loop {
            let mut waiting = match self.join(&key) {
                Joined::Leader(leader) => {
                    let value = work().await;
                    leader.finish(value.clone());
                    return (value, Role::Leader);
                }
                Joined::Follower(receiver) => receiver,
            };
            match waiting.wait_for(Option::is_some).await {
                Ok(value) => {
                    if let Some(value) = value.as_ref() {
                        return (value.clone(), Role::Follower);
                    }
                }
                // The leader was dropped before it had a result: start over.
                Err(_) => continue,
            }
        }
    }

    /// How many keys are in flight.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    fn join(&self, key: &K) -> Joined<'_, K, V> {
        let mut entries = self.lock();
        if let Some(receiver) = entries.get(key) {
            return Joined::Follower(receiver.clone());
        }
        let (sender, receiver) = watch::channel(None);
        entries.insert(key.clone(), receiver);
        Joined::Leader(Leader {
            owner: self,
            key: Some(key.clone()),
            sender,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, watch::Receiver<Option<V>>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

enum Joined<'a, K: Hash + Eq + Clone, V: Clone> {
    Leader(Leader<'a, K, V>),
    Follower(watch::Receiver<Option<V>>),
}

/// The leader's hold on its entry; dropping it (finished or not) removes the entry.
struct Leader<'a, K: Hash + Eq + Clone, V: Clone> {
    owner: &'a InFlight<K, V>,
    key: Option<K>,
    sender: watch::Sender<Option<V>>,
}

impl<K: Hash + Eq + Clone, V: Clone> Leader<'_, K, V> {
    fn finish(mut self, value: V) {
        self.remove();
        // Followers hold receivers; with none left the value is simply dropped.
        let _ = self.sender.send(Some(value));
    }

    fn remove(&mut self) {
        if let Some(key) = self.key.take() {
            let mut entries = self.owner.lock();
            // Only this leader's entry: after `remove` another leader may own the key.
            if entries
                .get(&key)
                .is_some_and(|receiver| receiver.same_channel(&self.sender.subscribe()))
            {
                entries.remove(&key);
            }
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Drop for Leader<'_, K, V> {
    fn drop(&mut self) {
        self.remove();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn concurrent_callers_share_one_run_and_the_entry_goes_with_it() {
        let inflight: InFlight<&str, u32> = InFlight::default();
        let runs = AtomicUsize::new(0);
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let work = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            let _ = released.await;
            7
        };
        let leader = inflight.run("q", work);
        let follower = async {
            // Joins once the leader's entry exists.
            while inflight.len() == 0 {
                tokio::task::yield_now().await;
            }
            let result = inflight.run("q", || async { unreachable!("a follower's own work") });
            let _ = release.send(());
            result.await
        };
        let (a, b) = tokio::join!(leader, follower);
        assert_eq!(a, (7, Role::Leader));
        assert_eq!(b, (7, Role::Follower));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(inflight.len(), 0);
    }

    #[tokio::test]
    async fn a_dropped_leader_leaves_no_answer_behind_and_a_follower_takes_over() {
        let inflight: InFlight<&str, u32> = InFlight::default();
        let leader = inflight.run("q", std::future::pending::<u32>);
        // Polled once, so it leads, then dropped: the client went away mid-request.
        assert!(
            tokio::time::timeout(Duration::from_millis(10), leader)
                .await
                .is_err()
        );
        assert_eq!(inflight.len(), 0, "the dropped leader's entry is gone");
        // A later caller does the work itself rather than inheriting anything.
        assert_eq!(
            inflight.run("q", || async { 2 }).await,
            (2, Role::Leader),
            "fresh work after the leader was dropped"
        );
    }

    #[tokio::test]
    async fn followers_of_a_dropped_leader_elect_a_new_one() {
        let inflight: InFlight<&str, u32> = InFlight::default();
        let runs = AtomicUsize::new(0);
        let (stop_leader, leader_stopped) = tokio::sync::oneshot::channel::<()>();
        let leader = async {
            tokio::select! {
                _ = inflight.run("q", std::future::pending::<u32>) => unreachable!(),
                _ = leader_stopped => {}
            }
        };
        let followers = async {
            while inflight.len() == 0 {
                tokio::task::yield_now().await;
            }
            let work = || async {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                5
            };
            let first = inflight.run("q", work);
            let second = inflight.run("q", work);
            let _ = stop_leader.send(());
            tokio::join!(first, second)
        };
        let ((), (first, second)) = tokio::join!(leader, followers);
        assert_eq!(first.0, 5);
        assert_eq!(second.0, 5);
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "one follower led the retry, the other shared it"
        );
        assert_eq!(inflight.len(), 0);
    }

    #[tokio::test]
    async fn different_keys_do_not_share() {
        let inflight: InFlight<String, String> = InFlight::default();
        let (a, b) = tokio::join!(
            inflight.run("alice".into(), || async { "alice's".to_string() }),
            inflight.run("bob".into(), || async { "bob's".to_string() }),
        );
        assert_eq!(a, ("alice's".to_string(), Role::Leader));
        assert_eq!(b, ("bob's".to_string(), Role::Leader));
    }
}
