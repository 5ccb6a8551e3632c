//! What one round of the consumer takes from Kafka: the events its handler
//! wants, and the offset to commit for every partition it read, the skipped
//! messages included.

use std::collections::HashMap;

use rdkafka::error::KafkaResult;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use serde::Deserialize;

use super::EventHandler;
use crate::envelope::EventEnvelope;

/// Just the type, read without building the payload (other fields are skipped):
/// most messages on a topic are for other consumers.
#[derive(Deserialize)]
struct TypeOnly {
    #[serde(rename = "type")]
    event_type: String,
}

#[derive(Default)]
pub(crate) struct Batch {
    pub events: Vec<EventEnvelope>,
    /// Messages taken, wanted or not.
    pub messages: usize,
    /// Next offset per (topic, partition).
    next: HashMap<(String, i32), i64>,
}

impl Batch {
    pub fn add(&mut self, message: &BorrowedMessage<'_>, handler: &dyn EventHandler) {
        self.messages += 1;
        let next = self
            .next
            .entry((message.topic().to_string(), message.partition()))
            .or_insert(0);
        *next = (*next).max(message.offset() + 1);
        let Some(payload) = message.payload() else {
            tracing::warn!(topic = message.topic(), "skipping an empty message");
            return;
        };
        let wanted = match serde_json::from_slice::<TypeOnly>(payload) {
            Ok(t) => handler.wants(&t.event_type),
            // Decoded in full below, to log why it is not an envelope.
            Err(_) => true,
        };
        if !wanted {
            return;
        }
        match serde_json::from_slice::<EventEnvelope>(payload) {
            Ok(envelope) => self.events.push(envelope),
            Err(e) => tracing::error!(
                topic = message.topic(),
                offset = message.offset(),
                error = %e,
                "skipping a message that is not an event envelope"
            ),
        }
    }

    /// The positions to commit once the batch is applied.
    pub fn offsets(&self) -> KafkaResult<TopicPartitionList> {
        let mut list = TopicPartitionList::new();
        for ((topic, partition), next) in &self.next {
            list.add_partition_offset(topic, *partition, Offset::Offset(*next))?;
        }
        Ok(list)
    }
}
