use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::domain_event;
use crate::topics::Topic;

/// A new account. Carries what a welcome message needs, never a credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRegistered {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    /// `CUSTOMER` or `ADMIN`.
    pub role: String,
    pub registered_at: DateTime<Utc>,
}
domain_event!(UserRegistered, "user.registered", v 1, Topic::Users, |e| e.user_id);
