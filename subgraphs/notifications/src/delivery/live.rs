//! A user's live notifications: the messages the instance's [`Hub`] receives for
//! them, followed across Redis outages. After every (re)subscription of the hub, and
//! whenever the subscriber fell too far behind, the history is read from Postgres past the
//! last notification delivered, so what was published meanwhile still arrives; ids already
//! delivered are skipped, so each notification arrives once.

use std::sync::atomic::Ordering;

use futures::Stream;
use mart_service::Database;
use mart_service::subscriptions::RecentIds;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::delivery::hub::{Hub, Subscription};
use crate::domain::Notification;
use crate::storage::{self, NotificationRow};

/// Notifications buffered for a subscriber that reads slowly.
const BUFFER: usize = 64;

/// How many delivered ids are remembered to drop duplicates.
const REMEMBERED: usize = 1024;

const BACKFILL_PAGE: i64 = 200;

#[derive(Clone)]
pub struct Live {
    pub db: Database,
    pub hub: Hub,
}

impl Live {
    /// Notifications for `user` from now on, until the stream is dropped.
    pub fn follow(&self, user: Uuid) -> impl Stream<Item = Notification> + Send + use<> {
        let (tx, rx) = mpsc::channel(BUFFER);
        let follower = Follower {
            db: self.db.clone(),
            subscription: self.hub.subscribe(user),
            user,
            tx,
            last_seq: None,
            seen: RecentIds::new(REMEMBERED),
        };
        tokio::spawn(follower.run());
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|n| (n, rx)) })
    }
}

struct Follower {
    db: Database,
    subscription: Subscription,
    user: Uuid,
    tx: mpsc::Sender<Notification>,
    /// The highest seq delivered, or the latest at subscription time.
    last_seq: Option<i64>,
    seen: RecentIds,
}

/// The subscriber went away.
struct Closed;

impl Follower {
    async fn run(mut self) {
        // Taken before anything is delivered, so nothing committed after it is missed.
        loop {
            match self.latest_seq().await {
                Ok(seq) => {
                    self.last_seq = Some(seq);
                    break;
                }
                Err(reason) => {
                    tracing::warn!(user = %self.user, reason, "live notifications cannot start yet");
                    if self.pause().await.is_err() {
                        return;
                    }
                }
            }
        }
        let _ = self.follow().await;
    }

    async fn follow(&mut self) -> Result<(), Closed> {
        let mut caught_up = 0;
        loop {
            let generation = *self.subscription.generation.borrow_and_update();
            if generation > caught_up || self.subscription.lagging.swap(false, Ordering::Relaxed) {
                match self.backfill().await {
                    Ok(()) => caught_up = generation,
                    Err(BackfillError::Closed) => return Err(Closed),
                    Err(BackfillError::Failed(reason)) => {
                        tracing::warn!(user = %self.user, reason, "live notifications: history unreadable, retrying");
                        self.pause().await?;
                        continue;
                    }
                }
            }
            tokio::select! {
                () = self.tx.closed() => return Err(Closed),
                changed = self.subscription.generation.changed() => {
                    if changed.is_err() {
                        return Err(Closed);
                    }
                }
                row = self.subscription.messages.recv() => {
                    let Some(row) = row else { return Err(Closed) };
                    // Messages before the first subscription's backfill are in the history.
                    if caught_up > 0 {
                        self.deliver(row).await?;
                    }
                }
            }
        }
    }

    /// Waits a moment before retrying, or ends when the subscriber leaves.
    async fn pause(&self) -> Result<(), Closed> {
        tokio::select! {
            () = self.tx.closed() => Err(Closed),
            () = tokio::time::sleep(crate::delivery::channels::BACKOFF_MAX) => Ok(()),
        }
    }

    /// Delivers what was stored past `last_seq`, oldest first.
    async fn backfill(&mut self) -> Result<(), BackfillError> {
        loop {
            let after = self.last_seq.unwrap_or(0);
            let rows = {
                let mut conn = self
                    .db
                    .conn()
                    .await
                    .map_err(|e| BackfillError::Failed(e.to_string()))?;
                storage::since(&mut conn, self.user, after, BACKFILL_PAGE)
                    .await
                    .map_err(|e| BackfillError::Failed(e.to_string()))?
            };
            let full = rows.len() as i64 == BACKFILL_PAGE;
            for row in rows {
                self.deliver(row).await.map_err(|_| BackfillError::Closed)?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    async fn deliver(&mut self, row: NotificationRow) -> Result<(), Closed> {
        if !self.seen.insert(row.id) {
            return Ok(());
        }
        self.last_seq = Some(self.last_seq.map_or(row.seq, |s| s.max(row.seq)));
        self.tx.send(row.into()).await.map_err(|_| Closed)
    }

    async fn latest_seq(&self) -> Result<i64, String> {
        let mut conn = self.db.conn().await.map_err(|e| e.to_string())?;
        storage::latest_seq(&mut conn, self.user)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Why reading the history stopped.
enum BackfillError {
    Closed,
    Failed(String),
}
