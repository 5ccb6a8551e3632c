//! A shipment's statuses, which moves staff may make, and the use cases.

use std::sync::Arc;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use mart_events::catalog::{
    OrderConfirmed, ShipmentCancelled, ShipmentCreated, ShipmentDelivered, ShipmentReturned,
    ShipmentShipped,
};
use mart_events::{HandlerError, OutboxSignal, enqueue};
use mart_service::{ApiError, Database};
use uuid::Uuid;

use crate::storage::{self, ShipmentRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentStatus {
    LabelCreated,
    InTransit,
    Delivered,
    Returned,
    /// The order was cancelled before the parcel left.
    Cancelled,
}

impl ShipmentStatus {
    pub const ALL: [ShipmentStatus; 5] = [
        Self::LabelCreated,
        Self::InTransit,
        Self::Delivered,
        Self::Returned,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LabelCreated => "LABEL_CREATED",
            Self::InTransit => "IN_TRANSIT",
            Self::Delivered => "DELIVERED",
            Self::Returned => "RETURNED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Whether a parcel in `self` may move to `to`.
    pub fn may_become(self, to: ShipmentStatus) -> bool {
        use ShipmentStatus as S;
        matches!(
            (self, to),
            (S::LabelCreated, S::InTransit)
                | (S::LabelCreated, S::Cancelled)
                | (S::InTransit, S::Delivered)
                | (S::InTransit, S::Returned)
                | (S::Delivered, S::Returned)
        )
    }
}

#[derive(Clone)]
pub struct Shipping(Arc<Inner>);

struct Inner {
    db: Database,
    outbox: OutboxSignal,
}

fn tracking_number() -> String {
    let raw = Uuid::new_v4().simple().to_string().to_uppercase();
    format!("MRT{}", &raw[..12])
}

impl Shipping {
    pub fn new(db: Database, outbox: OutboxSignal) -> Self {
        Self(Arc::new(Inner { db, outbox }))
    }

    pub fn db(&self) -> &Database {
        &self.0.db
    }

    /// Creates the label for a confirmed order (once per order).
    pub async fn on_order_confirmed(
        &self,
        conn: &AsyncPgConnection,
        order: &OrderConfirmed,
    ) -> Result<bool, HandlerError> {
        let address = &order.shipping_address;
        let carrier = storage::rate(conn, &address.country, order.total_weight_grams, None)
            .await?
            .map(|r| r.carrier)
            .unwrap_or_else(|| "Mart Freight".to_string());
        let now = Utc::now();
        let row = ShipmentRow {
            id: Uuid::now_v7(),
            order_id: order.order_id,
            user_id: order.user_id,
            carrier,
            tracking_number: tracking_number(),
            status: ShipmentStatus::LabelCreated.as_str().to_string(),
            weight_grams: order.total_weight_grams,
            shipping_address: serde_json::to_value(address)
                .map_err(|e| HandlerError::Permanent(e.to_string()))?,
            created_at: now,
            updated_at: now,
        };
        let Some(created) = storage::insert_shipment(conn, &row).await? else {
            return Ok(false);
        };
        let event = ShipmentCreated {
            order_id: created.order_id,
            shipment_id: created.id,
            carrier: created.carrier.clone(),
            tracking_number: created.tracking_number.clone(),
        };
        // Sent together (pipelined): one round trip.
        futures::try_join!(
            storage::log_status(conn, created.id, ShipmentStatus::LabelCreated),
            enqueue(conn, &event),
        )?;
        Ok(true)
    }

    /// Voids a label that has not left; a parcel already on its way is not
    /// touched (orders refuses that cancellation).
    pub async fn on_order_cancelled(
        &self,
        conn: &mut AsyncPgConnection,
        order_id: Uuid,
    ) -> Result<bool, HandlerError> {
        let Some(shipment) = storage::lock_by_order(conn, order_id).await? else {
            return Ok(false);
        };
        if !shipment.status().may_become(ShipmentStatus::Cancelled) {
            return Ok(false);
        }
        storage::set_status(conn, shipment.id, ShipmentStatus::Cancelled).await?;
        let event = ShipmentCancelled {
            order_id,
            shipment_id: shipment.id,
        };
        enqueue(conn, &event).await?;
        Ok(true)
    }

    /// Staff moving a parcel along: IN_TRANSIT, DELIVERED or RETURNED.
    pub async fn update_status(
        &self,
        id: Uuid,
        to: ShipmentStatus,
    ) -> Result<ShipmentRow, ApiError> {
        if to == ShipmentStatus::LabelCreated || to == ShipmentStatus::Cancelled {
            return Err(ApiError::bad_input(
                "status",
                "set IN_TRANSIT, DELIVERED or RETURNED; labels are created and cancelled by the order",
            ));
        }
        let mut conn = self.0.db.conn().await?;
        let (row, moved) = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let current = storage::lock(conn, id)
                    .await?
                    .ok_or_else(|| ApiError::NotFound(format!("no shipment {id}")))?;
                let from = current.status();
                if from == to {
                    return Ok((current, false));
                }
                if !from.may_become(to) {
                    return Err(ApiError::Conflict(format!(
                        "a {} shipment cannot become {}",
                        from.as_str(),
                        to.as_str()
                    )));
                }
                let row = storage::set_status(conn, id, to).await?;
                let (order_id, shipment_id) = (row.order_id, row.id);
                match to {
                    ShipmentStatus::InTransit => {
                        enqueue(
                            conn,
                            &ShipmentShipped {
                                order_id,
                                shipment_id,
                            },
                        )
                        .await?
                    }
                    ShipmentStatus::Delivered => {
                        enqueue(
                            conn,
                            &ShipmentDelivered {
                                order_id,
                                shipment_id,
                            },
                        )
                        .await?
                    }
                    _ => {
                        enqueue(
                            conn,
                            &ShipmentReturned {
                                order_id,
                                shipment_id,
                            },
                        )
                        .await?
                    }
                };
                Ok((row, true))
            })
            .await?;
        if moved {
            self.0.outbox.committed();
        }
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::ShipmentStatus as S;

    #[test]
    fn parcels_move_forward_only() {
        assert!(S::LabelCreated.may_become(S::InTransit));
        assert!(S::InTransit.may_become(S::Delivered));
        assert!(S::Delivered.may_become(S::Returned));
        assert!(!S::LabelCreated.may_become(S::Delivered), "must ship first");
        assert!(!S::InTransit.may_become(S::Cancelled), "too late to cancel");
        assert!(!S::Delivered.may_become(S::InTransit));
        for to in S::ALL {
            assert!(!S::Cancelled.may_become(to), "cancelled is final");
        }
    }

    #[test]
    fn tracking_numbers_look_like_one() {
        let n = super::tracking_number();
        assert!(n.starts_with("MRT") && n.len() == 15, "{n}");
        assert_ne!(n, super::tracking_number());
    }
}
