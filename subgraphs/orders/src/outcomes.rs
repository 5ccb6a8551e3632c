//! How sagas end, for `/metrics`: `mart_saga_outcomes_total{outcome, reason}` counts every
//! order that reached CONFIRMED or CANCELLED (by the reason recorded with the move:
//! `out_of_stock`, `payment_declined`, `reservation_expired`, `customer_cancelled`, ...).
//!
//! Counted where the move is applied. A move made by the saga's consumer is counted before
//! its round commits, so a round that fails to commit and is run again counts its moves
//! twice: rare (a lost database connection), and the alert rules read rates, not totals.

use mart_telemetry::Registry;

use crate::domain::status::{OrderStatus, Outcome};

const OUTCOMES: &str = "mart_saga_outcomes_total";

/// Where orders' final moves are counted.
#[derive(Clone)]
pub struct SagaOutcomes {
    registry: Registry,
}

impl std::fmt::Debug for SagaOutcomes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SagaOutcomes")
    }
}

impl SagaOutcomes {
    pub fn new(registry: &Registry) -> Self {
        registry.describe_counter(
            OUTCOMES,
            "Orders that reached CONFIRMED or CANCELLED, by outcome and cancellation reason",
        );
        // Shown as 0 from the start, so that a rate over them is defined before the first order.
        let _ = registry.counter(OUTCOMES, &[("outcome", "confirmed"), ("reason", "")]);
        Self {
            registry: registry.clone(),
        }
    }

    /// Counts `outcome` if it moved an order to an end of its saga.
    pub fn record(&self, outcome: &Outcome) {
        let Outcome::Moved(transition) = outcome else {
            return;
        };
        let label = match transition.to {
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Cancelled => "cancelled",
            _ => return,
        };
        self.registry
            .counter(
                OUTCOMES,
                &[
                    ("outcome", label),
                    ("reason", transition.reason.unwrap_or("")),
                ],
            )
            .increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status::Transition;

    #[test]
    fn counts_confirmations_and_cancellations_by_reason_only() {
        let registry = Registry::new();
        let outcomes = SagaOutcomes::new(&registry);
        let moved = |to, reason| {
            Outcome::Moved(Transition {
                from: OrderStatus::Pending,
                to,
                reason,
            })
        };
        outcomes.record(&moved(OrderStatus::Confirmed, None));
        outcomes.record(&moved(OrderStatus::Cancelled, Some("payment_declined")));
        outcomes.record(&moved(OrderStatus::Cancelled, Some("payment_declined")));
        outcomes.record(&moved(OrderStatus::Reserved, None));
        outcomes.record(&Outcome::Ignored);
        let text = registry.render();
        assert!(
            text.contains("mart_saga_outcomes_total{outcome=\"confirmed\",reason=\"\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "mart_saga_outcomes_total{outcome=\"cancelled\",reason=\"payment_declined\"} 2"
            ),
            "{text}"
        );
        assert!(!text.contains("reserved"), "{text}");
    }
}
