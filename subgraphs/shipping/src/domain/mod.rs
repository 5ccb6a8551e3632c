//! Shipping's use cases: a label per confirmed order (and voiding it), staff
//! moving a parcel along, rates and what a customer may read.

mod error;
mod rates;
mod shipment;
mod status;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures::future::try_join_all;
use mart_events::catalog::OrderConfirmed;
use mart_events::{HandlerError, OutboxSignal};
use mart_service::Database;
use uuid::Uuid;

pub use error::ShippingError;
pub use rates::{COUNTRY_LEN, CURRENCY_LEN, Price};
pub use shipment::{Shipment, StatusChange};
pub use status::ShipmentStatus;

use crate::emit;
use crate::storage::{self, ShipmentRow};

/// The carrier of a destination the rate table does not list.
const FALLBACK_CARRIER: &str = "Mart Freight";

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

    /// What shipping `weight_grams` to `country` costs in `currency`; `None`
    /// when nothing ships there.
    pub async fn quote(
        &self,
        country: &str,
        weight_grams: i64,
        currency: &str,
    ) -> Result<Option<Price>, ShippingError> {
        let country = rates::country_code(country)?;
        let currency = rates::currency_code(currency)?;
        let weight_grams = rates::weight(weight_grams)?;
        let conn = self.0.db.conn().await?;
        let rate = storage::rate(&conn, &country, weight_grams, Some(currency)).await?;
        Ok(rate.map(|r| Price {
            amount_minor: r.amount_minor,
            currency: r.currency,
        }))
    }

    /// The order's shipment, once it has one. Who may see it is the caller's
    /// check ([`Shipment::user_id`]).
    pub async fn shipment_of_order(
        &self,
        order_id: Uuid,
    ) -> Result<Option<Shipment>, ShippingError> {
        let mut conn = self.0.db.conn().await?;
        let row = storage::find_by_order(&mut conn, order_id).await?;
        Ok(row.map(Shipment::from))
    }

    /// Every status the parcel had, oldest first.
    pub async fn history(&self, shipment_id: Uuid) -> Result<Vec<StatusChange>, ShippingError> {
        let mut conn = self.0.db.conn().await?;
        let rows = storage::events_of(&mut conn, shipment_id).await?;
        Ok(rows.into_iter().map(StatusChange::from).collect())
    }

    /// Creates the labels for a round of confirmed orders (once per order): the
    /// carriers looked up once per destination and weight, then the shipments,
    /// their first status and their events in one statement each (pipelined), not
    /// three per order.
    pub async fn on_orders_confirmed(
        &self,
        conn: &AsyncPgConnection,
        orders: &[OrderConfirmed],
    ) -> Result<(), HandlerError> {
        let mut routes: Vec<(&str, i64)> = orders
            .iter()
            .map(|o| (o.shipping_address.country.as_str(), o.total_weight_grams))
            .collect();
        routes.sort_unstable();
        routes.dedup();
        let rates = try_join_all(
            routes
                .iter()
                .map(|&(country, weight)| storage::rate(conn, country, weight, None)),
        )
        .await?;
        let carriers: HashMap<(&str, i64), Option<String>> = routes
            .into_iter()
            .zip(rates.into_iter().map(|rate| rate.map(|r| r.carrier)))
            .collect();
        let now = Utc::now();
        let rows = orders
            .iter()
            .map(|order| {
                let address = &order.shipping_address;
                let route = (address.country.as_str(), order.total_weight_grams);
                Ok(ShipmentRow {
                    id: Uuid::now_v7(),
                    order_id: order.order_id,
                    user_id: order.user_id,
                    carrier: carriers[&route]
                        .clone()
                        .unwrap_or_else(|| FALLBACK_CARRIER.to_string()),
                    tracking_number: tracking_number(),
                    status: ShipmentStatus::LabelCreated.as_str().to_string(),
                    weight_grams: order.total_weight_grams,
                    shipping_address: serde_json::to_value(address)
                        .map_err(|e| HandlerError::Permanent(e.to_string()))?,
                    created_at: now,
                    updated_at: now,
                })
            })
            .collect::<Result<Vec<_>, HandlerError>>()?;
        // An order that has its label already (a redelivery) gets no new one.
        let created = storage::insert_shipments(conn, &rows).await?;
        if created.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = created.iter().map(|row| row.id).collect();
        let events: Vec<_> = created.iter().map(emit::created).collect();
        futures::try_join!(
            storage::log_statuses(conn, &ids, ShipmentStatus::LabelCreated.as_str()),
            mart_events::outbox::enqueue_all(conn, &events),
        )?;
        Ok(())
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
        let to = ShipmentStatus::Cancelled;
        if !ShipmentStatus::stored(&shipment.status).may_become(to) {
            return Ok(false);
        }
        let row = storage::set_status(conn, shipment.id, to.as_str()).await?;
        emit::cancelled(conn, &row).await?;
        Ok(true)
    }

    /// Staff moving a parcel along: IN_TRANSIT, DELIVERED or RETURNED.
    pub async fn update_status(
        &self,
        id: Uuid,
        to: ShipmentStatus,
    ) -> Result<Shipment, ShippingError> {
        if to == ShipmentStatus::LabelCreated || to == ShipmentStatus::Cancelled {
            return Err(ShippingError::BadInput {
                field: "status",
                message: "set IN_TRANSIT, DELIVERED or RETURNED; labels are created and cancelled by the order",
            });
        }
        let mut conn = self.0.db.conn().await?;
        let (row, moved) = conn
            .transaction::<_, ShippingError, _>(async |conn| {
                let current = storage::lock(conn, id)
                    .await?
                    .ok_or(ShippingError::NoShipment(id))?;
                let from = ShipmentStatus::stored(&current.status);
                if from == to {
                    return Ok((current, false));
                }
                if !from.may_become(to) {
                    return Err(ShippingError::NotAllowed { from, to });
                }
                let row = storage::set_status(conn, id, to.as_str()).await?;
                emit::moved(conn, &row, to).await?;
                Ok((row, true))
            })
            .await?;
        if moved {
            self.0.outbox.committed();
        }
        Ok(row.into())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tracking_numbers_look_like_one() {
        let n = super::tracking_number();
        assert!(n.starts_with("MRT") && n.len() == 15, "{n}");
        assert_ne!(n, super::tracking_number());
    }
}
