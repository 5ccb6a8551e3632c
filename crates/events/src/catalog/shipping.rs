//! The shipping service's events. The aggregate is the order shipped.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::domain_event;
use crate::topics::Topic;

/// A label exists; the parcel waits for pickup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentCreated {
    pub order_id: Uuid,
    pub shipment_id: Uuid,
    pub carrier: String,
    pub tracking_number: String,
}
domain_event!(ShipmentCreated, "shipment.created", v 1, Topic::Shipping, |e| e.order_id);

/// The carrier has the parcel: payments captures, the order is SHIPPED.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentShipped {
    pub order_id: Uuid,
    pub shipment_id: Uuid,
}
domain_event!(ShipmentShipped, "shipment.shipped", v 1, Topic::Shipping, |e| e.order_id);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentDelivered {
    pub order_id: Uuid,
    pub shipment_id: Uuid,
}
domain_event!(ShipmentDelivered, "shipment.delivered", v 1, Topic::Shipping, |e| e.order_id);

/// The parcel came back to the warehouse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentReturned {
    pub order_id: Uuid,
    pub shipment_id: Uuid,
}
domain_event!(ShipmentReturned, "shipment.returned", v 1, Topic::Shipping, |e| e.order_id);

/// The order was cancelled before the parcel left: the label is void.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentCancelled {
    pub order_id: Uuid,
    pub shipment_id: Uuid,
}
domain_event!(ShipmentCancelled, "shipment.cancelled", v 1, Topic::Shipping, |e| e.order_id);
