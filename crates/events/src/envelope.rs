//! The envelope every event travels in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::DomainEvent;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope {
    /// Unique per event; consumers deduplicate on it.
    pub id: Uuid,
    /// e.g. `product.created`
    #[serde(rename = "type")]
    pub event_type: String,
    /// The payload's schema version for this type.
    pub version: u16,
    pub occurred_at: DateTime<Utc>,
    /// The entity the event is about; also the Kafka message key.
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    /// W3C trace context of the request or consumed event that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("expected event {expected} v{expected_version}, got {actual} v{actual_version}")]
    WrongType {
        expected: &'static str,
        expected_version: u16,
        actual: String,
        actual_version: u16,
    },
    #[error("payload of {event_type} does not match its schema: {source}")]
    Payload {
        event_type: String,
        source: serde_json::Error,
    },
}

impl EventEnvelope {
    pub fn wrap<E: DomainEvent>(event: &E) -> Self {
        let aggregate_id = event.aggregate_id();
        Self {
            id: Uuid::now_v7(),
            event_type: E::TYPE.to_string(),
            version: E::VERSION,
            occurred_at: Utc::now(),
            traceparent: crate::trace::current_for(&aggregate_id),
            aggregate_id,
            payload: serde_json::to_value(event).expect("event payloads serialize"),
        }
    }

    pub fn is<E: DomainEvent>(&self) -> bool {
        self.event_type == E::TYPE && self.version == E::VERSION
    }

    /// The typed payload, if this envelope holds an `E`.
    pub fn decode<E: DomainEvent>(&self) -> Result<E, EnvelopeError> {
        if !self.is::<E>() {
            return Err(EnvelopeError::WrongType {
                expected: E::TYPE,
                expected_version: E::VERSION,
                actual: self.event_type.clone(),
                actual_version: self.version,
            });
        }
        serde_json::from_value(self.payload.clone()).map_err(|source| EnvelopeError::Payload {
            event_type: self.event_type.clone(),
            source,
        })
    }
}
