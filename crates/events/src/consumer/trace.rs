//! A consumer round's spans, when traces are exported: one consumer span per event, child
//! of the span that wrote it (its envelope's `traceparent`: the Kafka hop), and the round's
//! database transaction as a span within the first. Events the round writes continue the
//! trace of the event about the same aggregate ([`crate::trace::scope_round`]).

use std::collections::HashMap;
use std::future::Future;

use mart_telemetry::trace::{exporting, set_parent, traceparent};
use tracing::{Instrument, Span};

use crate::EventEnvelope;

/// The spans of one round (none when traces are not exported).
pub(super) struct Round {
    /// Kept open until the round ends.
    _events: Vec<Span>,
    transaction: Span,
    by_aggregate: HashMap<String, String>,
}

impl Round {
    pub(super) fn start(consumer: &str, events: &[&EventEnvelope]) -> Self {
        if !exporting() || events.is_empty() {
            return Self {
                _events: Vec::new(),
                transaction: Span::none(),
                by_aggregate: HashMap::new(),
            };
        }
        let spans: Vec<Span> = events
            .iter()
            .map(|event| {
                let span = tracing::info_span!(
                    parent: None,
                    "consume",
                    otel.name = %format!("{consumer} {}", event.event_type),
                    otel.kind = "consumer",
                    messaging.operation.type = "process",
                    messaging.consumer.group.name = consumer,
                    mart.event.type = event.event_type.as_str(),
                    mart.aggregate = event.aggregate_id.as_str(),
                );
                set_parent(&span, event.traceparent.as_deref());
                span
            })
            .collect();
        let by_aggregate = events
            .iter()
            .zip(&spans)
            .filter_map(|(event, span)| Some((event.aggregate_id.clone(), traceparent(span)?)))
            .collect();
        let transaction = tracing::info_span!(
            parent: &spans[0],
            "round",
            otel.name = %format!("{consumer} transaction"),
            db.system.name = "postgresql",
            messages = events.len(),
        );
        Self {
            _events: spans,
            transaction,
            by_aggregate,
        }
    }

    /// Runs the round's `work` within its spans.
    pub(super) async fn run<F: Future>(self, work: F) -> F::Output {
        let Self {
            _events,
            transaction,
            by_aggregate,
        } = self;
        crate::trace::scope_round(by_aggregate, work)
            .instrument(transaction)
            .await
    }
}
