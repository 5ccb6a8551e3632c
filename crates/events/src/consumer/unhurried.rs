//! A handler's events from topics nobody waits on, fetched at the background cadence.
//!
//! A consumer fetches every topic it reads at one cadence, and each fetch costs the broker
//! the same per topic whether or not the topic holds anything new: tansu 0.6 runs six
//! SQLite queries per partition on every pass over a fetch, and a fetch that finds nothing
//! passes twice (four times at the background wait). An idle `mart up` cost the unpatched
//! tansu (queries planned anew each time; tools/tansu/) 5.30 s of CPU in 30 s with
//! inventory, payments and orders fetching nine partitions every 75 ms, 4.63 s with seven
//! (at 200 orders/s the difference was within the runs' noise).
//! A participant whose customer-facing step reads some topics and whose housekeeping
//! reads others (orders: stock and payment outcomes, then shipments) runs two consumers:
//! the interactive one over the first, and this over the rest. Not where both write the
//! same hot rows: a round of the second would hold their locks while the first waits.

use diesel_async::AsyncPgConnection;

use super::{BatchFuture, EventHandler, HandlerFuture, Urgency};
use crate::envelope::EventEnvelope;

/// `H` at [`Urgency::Background`], whatever its own urgency.
pub struct Unhurried<H>(pub H);

impl<H: EventHandler> EventHandler for Unhurried<H> {
    fn urgency(&self) -> Urgency {
        Urgency::Background
    }

    fn wants(&self, event_type: &str) -> bool {
        self.0.wants(event_type)
    }

    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> HandlerFuture<'a> {
        self.0.handle(conn, event)
    }

    fn handle_batch<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        self.0.handle_batch(conn, events)
    }

    fn committed(&self) {
        self.0.committed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Eager;

    impl EventHandler for Eager {
        fn urgency(&self) -> Urgency {
            Urgency::Interactive
        }

        fn wants(&self, event_type: &str) -> bool {
            event_type == "order.placed"
        }

        fn handle<'a>(
            &'a self,
            _conn: &'a mut AsyncPgConnection,
            _event: &'a EventEnvelope,
        ) -> HandlerFuture<'a> {
            Box::pin(async { Ok(()) })
        }
    }

    #[test]
    fn fetches_at_the_background_cadence_and_wants_what_the_handler_wants() {
        let unhurried = Unhurried(Eager);
        assert_eq!(unhurried.urgency(), Urgency::Background);
        assert!(unhurried.urgency().fetch_wait() > Eager.urgency().fetch_wait());
        assert!(unhurried.wants("order.placed"));
        assert!(!unhurried.wants("order.cancelled"));
    }
}
