//! Delivery beyond the app: each published notification is handed to every
//! configured sender (email, SMS, push adapters plug in here).

use std::future::Future;
use std::pin::Pin;

use crate::storage::NotificationRow;

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
#[error("{channel}: {reason}")]
pub struct SendError {
    /// e.g. `email`.
    pub channel: &'static str,
    pub reason: String,
}

/// A way to reach the customer outside the app. Called once per notification,
/// after it went out live; failures are logged, not retried (an adapter that
/// needs retries keeps its own queue).
pub trait NotificationSender: Send + Sync + 'static {
    fn send<'a>(&'a self, notification: &'a NotificationRow) -> SendFuture<'a>;
}

/// The built-in sender: one log line per notification.
pub struct LogSender;

impl NotificationSender for LogSender {
    fn send<'a>(&'a self, n: &'a NotificationRow) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(
                notification = %n.id,
                user = ?n.user_id,
                kind = n.kind,
                title = n.title,
                "notification sent"
            );
            Ok(())
        })
    }
}
