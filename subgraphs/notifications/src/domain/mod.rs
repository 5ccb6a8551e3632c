//! Notifications' rules: which events become notifications and their wording
//! (`compose`), and what a user may do with their history (`inbox`).

pub mod compose;
mod error;
mod inbox;
mod notification;

pub use error::NotificationsError;
pub use inbox::{Inbox, MAX_PAGE};
pub use notification::{Notification, UnknownKind};
