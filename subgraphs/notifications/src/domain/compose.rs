//! Which events become notifications, and their wording. Pure: the handler
//! looks up the order's owner and number, this decides what the customer reads.

use mart_events::EventEnvelope;
use mart_events::catalog::{
    DomainEvent, MoneyPayload, OrderCancelled, OrderConfirmed, OrderPlaced, PaymentCaptured,
    PaymentDeclined, PaymentRefunded, ShipmentDelivered, ShipmentReturned, ShipmentShipped,
};
use mart_events::envelope::EnvelopeError;
use uuid::Uuid;

/// What an event means for the order's owner, before it is addressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub order_id: Uuid,
    pub kind: Kind,
    /// Facts the wording needs beyond the order's number.
    pub detail: Detail,
}

/// What a notification is about. [`Kind::as_str`] is its stored name, which is
/// also its name in the GraphQL `NotificationKind` (`graphql/types.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OrderPlaced,
    OrderConfirmed,
    OrderCancelled,
    PaymentDeclined,
    PaymentCaptured,
    PaymentRefunded,
    ShipmentShipped,
    ShipmentDelivered,
    ShipmentReturned,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::OrderPlaced,
        Kind::OrderConfirmed,
        Kind::OrderCancelled,
        Kind::PaymentDeclined,
        Kind::PaymentCaptured,
        Kind::PaymentRefunded,
        Kind::ShipmentShipped,
        Kind::ShipmentDelivered,
        Kind::ShipmentReturned,
    ];

    /// The stored and GraphQL name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OrderPlaced => "ORDER_PLACED",
            Kind::OrderConfirmed => "ORDER_CONFIRMED",
            Kind::OrderCancelled => "ORDER_CANCELLED",
            Kind::PaymentDeclined => "PAYMENT_DECLINED",
            Kind::PaymentCaptured => "PAYMENT_CAPTURED",
            Kind::PaymentRefunded => "PAYMENT_REFUNDED",
            Kind::ShipmentShipped => "SHIPMENT_SHIPPED",
            Kind::ShipmentDelivered => "SHIPMENT_DELIVERED",
            Kind::ShipmentReturned => "SHIPMENT_RETURNED",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    None,
    Amount(MoneyPayload),
    Reason(String),
}

/// The event types [`draft`] makes a notification of.
pub const DRAFTED: &[&str] = &[
    OrderPlaced::TYPE,
    OrderConfirmed::TYPE,
    OrderCancelled::TYPE,
    PaymentDeclined::TYPE,
    PaymentCaptured::TYPE,
    PaymentRefunded::TYPE,
    ShipmentShipped::TYPE,
    ShipmentDelivered::TYPE,
    ShipmentReturned::TYPE,
];

/// The draft for `event`, or `None` for events customers are not told about.
pub fn draft(event: &EventEnvelope) -> Result<Option<Draft>, EnvelopeError> {
    let make = |order_id, kind, detail| {
        Ok(Some(Draft {
            order_id,
            kind,
            detail,
        }))
    };
    match event.event_type.as_str() {
        OrderPlaced::TYPE => {
            let e: OrderPlaced = event.decode()?;
            make(e.order_id, Kind::OrderPlaced, Detail::Amount(e.total))
        }
        OrderConfirmed::TYPE => {
            let e: OrderConfirmed = event.decode()?;
            make(e.order_id, Kind::OrderConfirmed, Detail::None)
        }
        OrderCancelled::TYPE => {
            let e: OrderCancelled = event.decode()?;
            make(e.order_id, Kind::OrderCancelled, Detail::Reason(e.reason))
        }
        PaymentDeclined::TYPE => {
            let e: PaymentDeclined = event.decode()?;
            make(e.order_id, Kind::PaymentDeclined, Detail::Reason(e.reason))
        }
        PaymentCaptured::TYPE => {
            let e: PaymentCaptured = event.decode()?;
            make(e.order_id, Kind::PaymentCaptured, Detail::Amount(e.amount))
        }
        PaymentRefunded::TYPE => {
            let e: PaymentRefunded = event.decode()?;
            make(e.order_id, Kind::PaymentRefunded, Detail::Amount(e.amount))
        }
        ShipmentShipped::TYPE => {
            let e: ShipmentShipped = event.decode()?;
            make(e.order_id, Kind::ShipmentShipped, Detail::None)
        }
        ShipmentDelivered::TYPE => {
            let e: ShipmentDelivered = event.decode()?;
            make(e.order_id, Kind::ShipmentDelivered, Detail::None)
        }
        ShipmentReturned::TYPE => {
            let e: ShipmentReturned = event.decode()?;
            make(e.order_id, Kind::ShipmentReturned, Detail::None)
        }
        _ => Ok(None),
    }
}

/// `(title, body)` of `draft` for the order numbered `number` (if known).
pub fn wording(draft: &Draft, number: Option<&str>) -> (String, String) {
    let order = match number {
        Some(n) => format!("Order {n}"),
        None => "Your order".to_string(),
    };
    let amount = match &draft.detail {
        Detail::Amount(m) => money(m),
        _ => String::new(),
    };
    let reason = match &draft.detail {
        Detail::Reason(r) => r.replace('_', " "),
        _ => String::new(),
    };
    match draft.kind {
        Kind::OrderPlaced => (
            format!("{order} received"),
            format!("We received your order of {amount} and are reserving the items."),
        ),
        Kind::OrderConfirmed => (
            format!("{order} confirmed"),
            "Your items are reserved and your payment is authorized.".into(),
        ),
        Kind::OrderCancelled => (
            format!("{order} cancelled"),
            format!("Your order was cancelled ({reason})."),
        ),
        Kind::PaymentDeclined => (
            format!("Payment for {} declined", order.to_lowercase()),
            format!("Your payment could not be taken ({reason})."),
        ),
        Kind::PaymentCaptured => (
            format!("Payment for {} taken", order.to_lowercase()),
            format!("{amount} was charged to your card."),
        ),
        Kind::PaymentRefunded => (
            format!("Refund for {}", order.to_lowercase()),
            format!("{amount} is on its way back to you."),
        ),
        Kind::ShipmentShipped => (
            format!("{order} shipped"),
            "Your parcel is on its way.".into(),
        ),
        Kind::ShipmentDelivered => (
            format!("{order} delivered"),
            "Your parcel has arrived.".into(),
        ),
        Kind::ShipmentReturned => (
            format!("{order} returned"),
            "Your parcel came back to our warehouse.".into(),
        ),
    }
}

/// `1234 EUR` minor units → `12.34 EUR` (two decimals; enough for the
/// currencies the shop sells in).
fn money(m: &MoneyPayload) -> String {
    let sign = if m.amount_minor < 0 { "-" } else { "" };
    let abs = m.amount_minor.unsigned_abs();
    format!(
        "{sign}{}.{:02} {}",
        abs / 100,
        abs % 100,
        m.currency.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use mart_events::catalog::Currency;

    #[test]
    fn money_is_shown_in_major_units() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(
            money(&MoneyPayload {
                amount_minor: 1234,
                currency: eur
            }),
            "12.34 EUR"
        );
        assert_eq!(
            money(&MoneyPayload {
                amount_minor: 5,
                currency: eur
            }),
            "0.05 EUR"
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn wording_names_the_order_when_known() {
        let d = Draft {
            order_id: Uuid::nil(),
            kind: Kind::OrderCancelled,
            detail: Detail::Reason("out_of_stock".into()),
        };
        assert_eq!(
            wording(&d, Some("M-1")),
            (
                "Order M-1 cancelled".into(),
                "Your order was cancelled (out of stock).".into()
            )
        );
        assert_eq!(wording(&d, None).0, "Your order cancelled");
    }
}
