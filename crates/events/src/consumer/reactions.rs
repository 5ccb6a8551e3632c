//! One shape for every saga participant's consumer. A participant says which event types it
//! reacts to, which of them it applies a run at a time (a few statements for many events),
//! and how it reacts to each; [`Saga`] turns that into the [`EventHandler`] the consumer
//! runs. The four saga consumers (inventory, payments, shipping, orders) differed only in
//! those three answers, each with its own copy of the loop that splits a round into runs.
use std::ops::Range;

use diesel_async::AsyncPgConnection;

use super::{BatchFuture, EventHandler, HandlerError, HandlerFuture, Urgency};
use crate::catalog::DomainEvent;
use crate::envelope::EventEnvelope;

/// A saga participant's reactions, run by [`Saga`].
pub trait Reactions: Send + Sync + 'static {
    /// The event types reacted to; the consumer skips the rest unread.
    const HANDLED: &'static [&'static str];

    /// How soon events should be applied. Default: [`Urgency::Background`], since only a
    /// step a customer waits on (the way to CONFIRMED) is worth the broker's extra fetches.
    const URGENCY: Urgency = Urgency::Background;

    /// The run an event type is applied in: consecutive events whose types share a run are
    /// given to [`Reactions::react_to_run`] together, an event of a type in none (`None`,
    /// the default) to [`Reactions::react`] alone, always in their order.
    fn run_of(event_type: &str) -> Option<usize> {
        let _ = event_type;
        None
    }

    /// Reacts to consecutive events of one run, in the round's transaction. On failure,
    /// the position (in `events`) of the event at fault. Default: one by one.
    fn react_to_run<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(async move {
            for (at, event) in events.iter().enumerate() {
                self.react(conn, event).await.map_err(|e| (at, e))?;
            }
            Ok(())
        })
    }

    /// Reacts to one event of a type in no run, in the round's transaction.
    fn react<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> HandlerFuture<'a>;

    /// Called once a round that applied events has committed. Default: nothing.
    fn committed(&self) {}
}

/// The [`EventHandler`] of a participant's [`Reactions`].
pub struct Saga<R>(pub R);

impl<R: Reactions> EventHandler for Saga<R> {
    fn urgency(&self) -> Urgency {
        R::URGENCY
    }

    fn wants(&self, event_type: &str) -> bool {
        R::HANDLED.contains(&event_type)
    }

    /// An event of a run's type alone (a redelivery, a retry) goes the run's way too, so each
    /// participant has one code path per event type.
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        if R::run_of(&event.event_type).is_none() {
            return self.0.react(conn, event);
        }
        Box::pin(async move {
            let one = [event];
            self.0.react_to_run(conn, &one).await.map_err(|(_, e)| e)
        })
    }

    fn handle_batch<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(async move {
            for run in runs(events, R::run_of) {
                let batch = &events[run.clone()];
                let done = if R::run_of(&batch[0].event_type).is_some() {
                    self.0.react_to_run(conn, batch).await
                } else {
                    self.0.react(conn, batch[0]).await.map_err(|e| (0, e))
                };
                done.map_err(|(at, e)| (run.start + at, e))?;
            }
            Ok(())
        })
    }

    fn committed(&self) {
        self.0.committed();
    }
}

/// Splits a round's events into the runs a [`EventHandler::handle_batch`]
/// applies together: consecutive events that `group` puts in the same group
/// form one run; an event in no group (`None`) is a run of its own.
pub fn runs<G: PartialEq>(
    events: &[&EventEnvelope],
    group: impl Fn(&str) -> Option<G>,
) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut open: Option<G> = None;
    for (at, event) in events.iter().enumerate() {
        let this = group(&event.event_type);
        match (&open, &this, runs.last_mut()) {
            (Some(g), Some(h), Some(run)) if g == h => run.end = at + 1,
            _ => runs.push(at..at + 1),
        }
        open = this;
    }
    runs
}

/// The payloads of a run of events of one type; on failure, the position of the one that
/// does not decode.
pub fn decode_run<E: DomainEvent>(
    events: &[&EventEnvelope],
) -> Result<Vec<E>, (usize, HandlerError)> {
    events
        .iter()
        .enumerate()
        .map(|(at, event)| event.decode().map_err(|e| (at, e.into())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(event_type: &str) -> EventEnvelope {
        EventEnvelope {
            id: uuid::Uuid::now_v7(),
            event_type: event_type.to_string(),
            version: 1,
            occurred_at: chrono::Utc::now(),
            aggregate_id: "x".into(),
            payload: serde_json::Value::Null,
            traceparent: None,
        }
    }

    #[test]
    fn runs_group_neighbours_and_leave_the_rest_alone() {
        let events: Vec<EventEnvelope> = ["a", "a", "b", "x", "x", "a", "b", "b"]
            .into_iter()
            .map(event)
            .collect();
        let refs: Vec<&EventEnvelope> = events.iter().collect();
        let grouped = |t: &str| (t == "a" || t == "b").then(|| t.to_string());
        assert_eq!(runs(&refs, grouped), [0..2, 2..3, 3..4, 4..5, 5..6, 6..8]);
        assert_eq!(
            runs(&refs, |t| (t != "x").then_some(())),
            [0..3, 3..4, 4..5, 5..8]
        );
        assert!(runs(&[], |_| Some(())).is_empty());
    }
}
