//! The order's life as a state machine: which saga event moves which status
//! where. Anything not listed changes nothing, so a duplicate or late event is
//! harmless.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Placed; waiting for inventory.
    Pending,
    /// Stock held; waiting for payment.
    Reserved,
    /// Stock held and payment authorized.
    Confirmed,
    /// A shipment (label) exists.
    AwaitingShipment,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        Self::Pending,
        Self::Reserved,
        Self::Confirmed,
        Self::AwaitingShipment,
        Self::Shipped,
        Self::Delivered,
        Self::Cancelled,
    ];

    /// The stored and wire name, e.g. `AWAITING_SHIPMENT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Reserved => "RESERVED",
            Self::Confirmed => "CONFIRMED",
            Self::AwaitingShipment => "AWAITING_SHIPMENT",
            Self::Shipped => "SHIPPED",
            Self::Delivered => "DELIVERED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// A stored status: the column's CHECK constraint admits only known names.
    pub fn stored(value: &str) -> Self {
        Self::parse(value).unwrap_or(Self::Pending)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Delivered | Self::Cancelled)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can happen to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    StockReserved,
    StockRejected,
    PaymentAuthorized,
    PaymentDeclined,
    ShipmentCreated,
    ShipmentShipped,
    ShipmentDelivered,
    /// The customer (or staff) asked to cancel.
    CancelRequested,
    /// Still waiting for stock or payment when the reservation ran out.
    ReservationExpired,
}

/// Why an order was cancelled, as stored and sent in events.
pub mod reason {
    pub const OUT_OF_STOCK: &str = "out_of_stock";
    pub const PAYMENT_DECLINED: &str = "payment_declined";
    pub const CUSTOMER_CANCELLED: &str = "customer_cancelled";
    pub const RESERVATION_EXPIRED: &str = "reservation_expired";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub reason: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Moved(Transition),
    /// Not an allowed move from the current status: nothing changes.
    Ignored,
    /// A cancellation asked for once the parcel left: refused.
    TooLateToCancel,
}

/// The status `event` leads to from `from`.
pub fn next(from: OrderStatus, event: OrderEvent) -> Outcome {
    use OrderEvent as E;
    use OrderStatus as S;
    let (to, why) = match (from, event) {
        (S::Pending, E::StockReserved) => (S::Reserved, None),
        (S::Pending, E::StockRejected) => (S::Cancelled, Some(reason::OUT_OF_STOCK)),
        // Payments authorizes only once stock is held, so an authorization seen
        // before the reservation (they travel on different topics) implies it.
        (S::Pending | S::Reserved, E::PaymentAuthorized) => (S::Confirmed, None),
        (S::Pending | S::Reserved, E::PaymentDeclined) => {
            (S::Cancelled, Some(reason::PAYMENT_DECLINED))
        }
        (S::Confirmed, E::ShipmentCreated) => (S::AwaitingShipment, None),
        (S::Confirmed | S::AwaitingShipment, E::ShipmentShipped) => (S::Shipped, None),
        (S::Shipped, E::ShipmentDelivered) => (S::Delivered, None),
        (S::Pending | S::Reserved | S::Confirmed | S::AwaitingShipment, E::CancelRequested) => {
            (S::Cancelled, Some(reason::CUSTOMER_CANCELLED))
        }
        (S::Shipped | S::Delivered, E::CancelRequested) => return Outcome::TooLateToCancel,
        (S::Pending | S::Reserved, E::ReservationExpired) => {
            (S::Cancelled, Some(reason::RESERVATION_EXPIRED))
        }
        _ => return Outcome::Ignored,
    };
    Outcome::Moved(Transition {
        from,
        to,
        reason: why,
    })
}

/// The event that `event` proves already happened, when it can arrive first.
/// Payments authorizes or declines only once inventory has reserved the stock,
/// but the two travel on different topics: a PENDING order that hears of its
/// payment was RESERVED meanwhile, and its history and subscribers say so.
fn implied_before(from: OrderStatus, event: OrderEvent) -> Option<OrderEvent> {
    match (from, event) {
        (OrderStatus::Pending, OrderEvent::PaymentAuthorized | OrderEvent::PaymentDeclined) => {
            Some(OrderEvent::StockReserved)
        }
        _ => None,
    }
}

/// Every move `event` makes from `from`, in order: the step it implies (see
/// [`implied_before`]) and then its own. Empty when nothing moves; the outcome
/// is that of `event` itself.
pub fn path(from: OrderStatus, event: OrderEvent) -> (Vec<Transition>, Outcome) {
    let mut moves = Vec::with_capacity(2);
    let mut at = from;
    if let Some(Outcome::Moved(step)) = implied_before(from, event).map(|before| next(from, before))
    {
        moves.push(step);
        at = step.to;
    }
    let outcome = next(at, event);
    if let Outcome::Moved(step) = outcome {
        moves.push(step);
    }
    (moves, outcome)
}

#[cfg(test)]
mod tests {
    use super::OrderEvent as E;
    use super::OrderStatus as S;
    use super::*;

    const EVENTS: [OrderEvent; 9] = [
        E::StockReserved,
        E::StockRejected,
        E::PaymentAuthorized,
        E::PaymentDeclined,
        E::ShipmentCreated,
        E::ShipmentShipped,
        E::ShipmentDelivered,
        E::CancelRequested,
        E::ReservationExpired,
    ];

    fn run(events: &[OrderEvent]) -> OrderStatus {
        events
            .iter()
            .fold(S::Pending, |status, event| match next(status, *event) {
                Outcome::Moved(t) => t.to,
                Outcome::Ignored | Outcome::TooLateToCancel => status,
            })
    }

    fn moved_to(from: OrderStatus, event: OrderEvent) -> Option<OrderStatus> {
        match next(from, event) {
            Outcome::Moved(t) => Some(t.to),
            _ => None,
        }
    }

    #[test]
    fn happy_path_reaches_delivered() {
        let path = [
            (E::StockReserved, S::Reserved),
            (E::PaymentAuthorized, S::Confirmed),
            (E::ShipmentCreated, S::AwaitingShipment),
            (E::ShipmentShipped, S::Shipped),
            (E::ShipmentDelivered, S::Delivered),
        ];
        let mut status = S::Pending;
        for (event, expected) in path {
            status = moved_to(status, event).unwrap_or_else(|| panic!("{event:?} from {status}"));
            assert_eq!(status, expected);
        }
    }

    #[test]
    fn failures_cancel_with_their_reason() {
        let rejected = next(S::Pending, E::StockRejected);
        assert!(
            matches!(rejected, Outcome::Moved(t) if t.to == S::Cancelled && t.reason == Some("out_of_stock"))
        );
        let declined = next(S::Reserved, E::PaymentDeclined);
        assert!(
            matches!(declined, Outcome::Moved(t) if t.to == S::Cancelled && t.reason == Some("payment_declined"))
        );
        let expired = next(S::Reserved, E::ReservationExpired);
        assert!(matches!(expired, Outcome::Moved(t) if t.reason == Some("reservation_expired")));
    }

    #[test]
    fn a_payment_heard_before_the_reservation_records_the_reservation_first() {
        let statuses = |event| {
            let (moves, _) = path(S::Pending, event);
            moves.iter().map(|t| (t.from, t.to)).collect::<Vec<_>>()
        };
        assert_eq!(
            statuses(E::PaymentAuthorized),
            [(S::Pending, S::Reserved), (S::Reserved, S::Confirmed)]
        );
        assert_eq!(
            statuses(E::PaymentDeclined),
            [(S::Pending, S::Reserved), (S::Reserved, S::Cancelled)]
        );
        // In the usual order nothing is implied, and nothing moves twice.
        assert_eq!(statuses(E::StockReserved), [(S::Pending, S::Reserved)]);
        let (moves, _) = path(S::Reserved, E::PaymentAuthorized);
        assert_eq!(moves.len(), 1);
        let (moves, outcome) = path(S::Confirmed, E::StockReserved);
        assert!(moves.is_empty() && outcome == Outcome::Ignored);
    }

    #[test]
    fn duplicate_events_change_nothing() {
        assert_eq!(run(&[E::StockReserved, E::StockReserved]), S::Reserved);
        assert_eq!(
            run(&[E::StockReserved, E::PaymentAuthorized, E::PaymentAuthorized]),
            S::Confirmed
        );
        let delivered = [
            E::StockReserved,
            E::PaymentAuthorized,
            E::ShipmentCreated,
            E::ShipmentShipped,
            E::ShipmentDelivered,
        ];
        let twice: Vec<_> = delivered.iter().flat_map(|e| [*e, *e]).collect();
        assert_eq!(run(&twice), S::Delivered);
    }

    #[test]
    fn late_events_do_not_revive_a_finished_order() {
        for event in EVENTS {
            assert_eq!(next(S::Cancelled, event), Outcome::Ignored, "{event:?}");
            if event != E::CancelRequested {
                assert_eq!(next(S::Delivered, event), Outcome::Ignored, "{event:?}");
            }
        }
        // A reservation confirmed after the payment already moved the order on.
        assert_eq!(run(&[E::PaymentAuthorized, E::StockReserved]), S::Confirmed);
        // A decline after confirmation (a stale duplicate) does not cancel.
        assert_eq!(
            run(&[E::StockReserved, E::PaymentAuthorized, E::PaymentDeclined]),
            S::Confirmed
        );
        // Expiry never cancels a paid order.
        assert_eq!(
            run(&[
                E::StockReserved,
                E::PaymentAuthorized,
                E::ReservationExpired
            ]),
            S::Confirmed
        );
    }

    #[test]
    fn out_of_order_events_wait_for_their_turn() {
        assert_eq!(next(S::Pending, E::ShipmentCreated), Outcome::Ignored);
        assert_eq!(next(S::Reserved, E::ShipmentDelivered), Outcome::Ignored);
        assert_eq!(next(S::Confirmed, E::ShipmentDelivered), Outcome::Ignored);
        assert_eq!(next(S::Reserved, E::StockRejected), Outcome::Ignored);
    }

    #[test]
    fn cancelling_is_allowed_until_the_parcel_leaves() {
        for from in [S::Pending, S::Reserved, S::Confirmed, S::AwaitingShipment] {
            assert_eq!(
                moved_to(from, E::CancelRequested),
                Some(S::Cancelled),
                "{from}"
            );
        }
        assert_eq!(
            next(S::Shipped, E::CancelRequested),
            Outcome::TooLateToCancel
        );
        assert_eq!(
            next(S::Delivered, E::CancelRequested),
            Outcome::TooLateToCancel
        );
    }

    #[test]
    fn every_move_changes_the_status_and_final_states_are_absorbing() {
        for from in OrderStatus::ALL {
            for event in EVENTS {
                if let Outcome::Moved(t) = next(from, event) {
                    assert_ne!(t.from, t.to, "{from} --{event:?}-> itself");
                    assert!(!from.is_final(), "{from} is final but moved on {event:?}");
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("SHIPPING"), None);
    }
}
