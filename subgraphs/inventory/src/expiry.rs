//! The background task that gives back the stock of reservations nobody
//! committed or released in time.

use std::time::Duration;

use chrono::Utc;
use mart_events::OutboxSignal;
use mart_service::Database;
use tokio_util::sync::CancellationToken;

use crate::domain::reservations::expire_reservations;

/// Runs [`expire_reservations`] every `interval` until `shutdown`. Failures are
/// logged and retried at the next tick.
pub async fn run(
    db: Database,
    outbox: OutboxSignal,
    interval: Duration,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        let mut conn = match db.conn().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "cannot expire reservations now");
                continue;
            }
        };
        match expire_reservations(&mut conn, Utc::now()).await {
            Ok(expired) if expired.is_empty() => {}
            Ok(expired) => {
                tracing::info!(count = expired.len(), "expired reservations released");
                outbox.committed();
            }
            Err(e) => tracing::warn!(error = %e, "expiring reservations failed"),
        }
    }
}
