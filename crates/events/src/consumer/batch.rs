//! What one round of the consumer takes from Kafka: the events its handler
//! wants, and the offset to commit for every partition it read, the skipped
//! messages included.

use std::collections::HashMap;

use rdkafka::error::KafkaResult;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use serde::Deserialize;

use super::EventHandler;
use crate::dead_letter::{NewDeadLetter, Stage};
use crate::envelope::EventEnvelope;

/// Just the type, read without building the payload (other fields are skipped):
/// most messages on a topic are for other consumers.
#[derive(Deserialize)]
struct TypeOnly {
    #[serde(rename = "type")]
    event_type: String,
}

pub(crate) struct Batch {
    /// The name the consumer records its events under.
    consumer: String,
    pub events: Vec<EventEnvelope>,
    /// Where each of `events` came from, with its bytes (for a dead letter).
    pub origins: Vec<Origin>,
    /// Messages that are not events: recorded as dead letters, then passed.
    pub poison: Vec<NewDeadLetter>,
    /// Messages taken, wanted or not.
    pub messages: usize,
    /// Next offset per (topic, partition).
    next: HashMap<(String, i32), i64>,
}

/// A wanted message's place on the broker and its bytes as received.
pub(crate) struct Origin {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    pub payload: Vec<u8>,
}

impl Origin {
    fn of(message: &BorrowedMessage<'_>) -> Self {
        Self {
            topic: message.topic().to_string(),
            partition: message.partition(),
            offset: message.offset(),
            key: message
                .key()
                .map(|k| String::from_utf8_lossy(k).into_owned()),
            payload: message.payload().unwrap_or_default().to_vec(),
        }
    }

    /// The dead letter recording this message, rejected for `error`.
    pub fn dead_letter(
        self,
        consumer: &str,
        event: Option<&EventEnvelope>,
        error: String,
    ) -> NewDeadLetter {
        NewDeadLetter {
            stage: Stage::Consume,
            consumer: Some(consumer.to_string()),
            topic: self.topic,
            partition: Some(self.partition),
            offset: Some(self.offset),
            key: self.key,
            event_id: event.map(|e| e.id),
            event_type: event.map(|e| e.event_type.clone()),
            payload: self.payload,
            error,
        }
    }
}

impl Batch {
    pub fn new(consumer: &str) -> Self {
        Self {
            consumer: consumer.to_string(),
            events: Vec::new(),
            origins: Vec::new(),
            poison: Vec::new(),
            messages: 0,
            next: HashMap::new(),
        }
    }

    pub fn add(&mut self, message: &BorrowedMessage<'_>, handler: &dyn EventHandler) {
        self.messages += 1;
        let next = self
            .next
            .entry((message.topic().to_string(), message.partition()))
            .or_insert(0);
        *next = (*next).max(message.offset() + 1);
        let Some(payload) = message.payload() else {
            let letter =
                Origin::of(message).dead_letter(&self.consumer, None, "empty message".into());
            self.poison.push(letter);
            return;
        };
        let wanted = match serde_json::from_slice::<TypeOnly>(payload) {
            Ok(t) => handler.wants(&t.event_type),
            // Decoded in full below, to record why it is not an envelope.
            Err(_) => true,
        };
        if !wanted {
            return;
        }
        match serde_json::from_slice::<EventEnvelope>(payload) {
            Ok(envelope) => {
                self.events.push(envelope);
                self.origins.push(Origin::of(message));
            }
            Err(e) => {
                let error = format!("not an event envelope: {e}");
                let letter = Origin::of(message).dead_letter(&self.consumer, None, error);
                self.poison.push(letter);
            }
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
