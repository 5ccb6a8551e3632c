//! A user's live notifications: their Redis channel, followed across Redis
//! outages. After every (re)subscription the history is read from Postgres
//! past the last notification delivered, so what was published while the
//! subscription was down still arrives; ids already delivered are skipped, so
//! each notification arrives once.

use std::time::Duration;

use futures::{Stream, StreamExt};
use mart_service::Database;
use mart_service::subscriptions::RecentIds;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::delivery::channels::{BACKOFF_MIN, Redis, bounded, next_backoff};
use crate::storage::{self, NotificationRow};

/// Notifications buffered for a subscriber that reads slowly. When full,
/// reading from Redis pauses; Redis then drops a client that falls too far
/// behind, and the resubscription catches up from Postgres.
const BUFFER: usize = 64;

/// How many delivered ids are remembered to drop duplicates.
const REMEMBERED: usize = 1024;

const BACKFILL_PAGE: i64 = 200;

#[derive(Clone)]
pub struct Live {
    pub db: Database,
    pub redis: Redis,
}

impl Live {
    /// Notifications for `user` from now on, until the stream is dropped.
    pub fn follow(&self, user: Uuid) -> impl Stream<Item = NotificationRow> + Send + use<> {
        let (tx, rx) = mpsc::channel(BUFFER);
        let follower = Follower {
            live: self.clone(),
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
    live: Live,
    user: Uuid,
    tx: mpsc::Sender<NotificationRow>,
    /// The highest seq delivered, or the latest at subscription time.
    last_seq: Option<i64>,
    seen: RecentIds,
}

/// Why following stopped for now.
enum Stop {
    /// The subscriber went away: stop for good.
    Closed,
    /// Redis or Postgres failed: retry after a backoff.
    Failed(String),
}

impl Follower {
    async fn run(mut self) {
        let mut backoff = BACKOFF_MIN;
        loop {
            match self.subscribe_and_forward(&mut backoff).await {
                Stop::Closed => return,
                Stop::Failed(reason) => {
                    tracing::warn!(user = %self.user, reason, retry_in = ?backoff, "live notifications interrupted, resubscribing");
                }
            }
            tokio::select! {
                _ = self.tx.closed() => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = next_backoff(backoff);
        }
    }

    /// One Redis subscription, from SUBSCRIBE until it breaks.
    async fn subscribe_and_forward(&mut self, backoff: &mut Duration) -> Stop {
        if self.last_seq.is_none() {
            // Taken before subscribing, so nothing committed after it is missed.
            match self.latest_seq().await {
                Ok(seq) => self.last_seq = Some(seq),
                Err(e) => return Stop::Failed(e),
            }
        }
        let subscribed = async {
            let mut pubsub = bounded(self.live.redis.client.get_async_pubsub()).await?;
            bounded(pubsub.subscribe(self.live.redis.channel(self.user))).await?;
            Ok::<_, crate::delivery::channels::RedisFailure>(pubsub)
        };
        let pubsub = tokio::select! {
            _ = self.tx.closed() => return Stop::Closed,
            p = subscribed => match p {
                Ok(p) => p,
                Err(e) => return Stop::Failed(e.to_string()),
            },
        };
        *backoff = BACKOFF_MIN;
        if let Err(stop) = self.backfill().await {
            return stop;
        }
        let mut messages = pubsub.into_on_message();
        loop {
            let message = tokio::select! {
                _ = self.tx.closed() => return Stop::Closed,
                m = messages.next() => m,
            };
            let Some(message) = message else {
                return Stop::Failed("the redis connection closed".into());
            };
            let row = message
                .get_payload::<String>()
                .ok()
                .and_then(|p| serde_json::from_str::<NotificationRow>(&p).ok());
            match row {
                Some(row) if row.user_id == Some(self.user) => {
                    if self.deliver(row).await.is_err() {
                        return Stop::Closed;
                    }
                }
                _ => tracing::warn!(user = %self.user, "ignoring a malformed notification message"),
            }
        }
    }

    /// Delivers what was stored past `last_seq`, oldest first.
    async fn backfill(&mut self) -> Result<(), Stop> {
        loop {
            let after = self.last_seq.unwrap_or(0);
            let rows = {
                let mut conn = self
                    .live
                    .db
                    .conn()
                    .await
                    .map_err(|e| Stop::Failed(e.to_string()))?;
                storage::since(&mut conn, self.user, after, BACKFILL_PAGE)
                    .await
                    .map_err(|e| Stop::Failed(e.to_string()))?
            };
            let full = rows.len() as i64 == BACKFILL_PAGE;
            for row in rows {
                self.deliver(row).await.map_err(|_| Stop::Closed)?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    async fn deliver(
        &mut self,
        row: NotificationRow,
    ) -> Result<(), mpsc::error::SendError<NotificationRow>> {
        if !self.seen.insert(row.id) {
            return Ok(());
        }
        self.last_seq = Some(self.last_seq.map_or(row.seq, |s| s.max(row.seq)));
        self.tx.send(row).await
    }

    async fn latest_seq(&self) -> Result<i64, String> {
        let mut conn = self.live.db.conn().await.map_err(|e| e.to_string())?;
        storage::latest_seq(&mut conn, self.user)
            .await
            .map_err(|e| e.to_string())
    }
}
