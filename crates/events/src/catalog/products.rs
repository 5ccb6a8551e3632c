use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{MoneyPayload, domain_event};
use crate::topics::Topic;

/// The product's state after the change, so consumers need not call back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSnapshot {
    pub product_id: Uuid,
    pub sku: String,
    pub slug: String,
    pub name: String,
    pub price: MoneyPayload,
    pub weight_grams: i32,
    pub category_id: Option<Uuid>,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductCreated {
    pub product: ProductSnapshot,
}
domain_event!(ProductCreated, "product.created", v 1, Topic::Products, |e| e.product.product_id);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductUpdated {
    pub product: ProductSnapshot,
    /// Names of the fields the change touched (camelCase).
    pub changed: Vec<String>,
}
domain_event!(ProductUpdated, "product.updated", v 1, Topic::Products, |e| e.product.product_id);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductArchived {
    pub product_id: Uuid,
}
domain_event!(ProductArchived, "product.archived", v 1, Topic::Products, |e| e.product_id);
