//! The synchronous calls orders makes at placement: prices and weights from the
//! products subgraph, the shipping cost from the shipping subgraph, and a saved
//! address from the users subgraph.

pub mod breaker;
pub mod client;
pub mod users;

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

pub use client::{CallPolicy, GraphqlClient, UpstreamError};
pub use users::{SavedAddress, UsersClient};

use crate::domain::placement::{ProductQuote, ShippingQuote};

/// The products subgraph, asked through its `_entities` resolver.
pub struct ProductsClient(pub GraphqlClient);

const PRODUCTS_QUERY: &str = "query OrderPricing($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id status weightGrams price { amountMinor currency } }
  }
}";

#[derive(Deserialize)]
struct Entities {
    #[serde(rename = "_entities")]
    entities: Vec<Option<ProductEntity>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProductEntity {
    id: Uuid,
    status: String,
    weight_grams: i32,
    price: MoneyData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyData {
    amount_minor: i64,
    currency: String,
}

impl ProductsClient {
    /// Quotes for the products that exist; unknown ids are left out.
    pub async fn quotes(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, ProductQuote>, UpstreamError> {
        let representations: Vec<_> = ids
            .iter()
            .map(|id| json!({ "__typename": "Product", "id": id }))
            .collect();
        let data: Entities = self
            .0
            .query(
                PRODUCTS_QUERY,
                json!({ "representations": representations }),
            )
            .await?;
        Ok(data
            .entities
            .into_iter()
            .flatten()
            .map(|p| {
                let quote = ProductQuote {
                    price_minor: p.price.amount_minor,
                    currency: p.price.currency,
                    weight_grams: p.weight_grams,
                    active: p.status == "ACTIVE",
                };
                (p.id, quote)
            })
            .collect())
    }
}

/// The shipping subgraph's rate table.
pub struct ShippingClient(pub GraphqlClient);

const RATE_QUERY: &str = "query OrderShipping($country: String!, $weightGrams: Int!, $currency: String!) {
  shippingQuote(country: $country, weightGrams: $weightGrams, currency: $currency) { amountMinor currency }
}";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RateData {
    shipping_quote: Option<MoneyData>,
}

impl ShippingClient {
    /// `None` when nothing ships that weight to `country` in `currency`.
    pub async fn quote(
        &self,
        country: &str,
        weight_grams: i64,
        currency: &str,
    ) -> Result<Option<ShippingQuote>, UpstreamError> {
        let variables =
            json!({ "country": country, "weightGrams": weight_grams, "currency": currency });
        let data: RateData = self.0.query(RATE_QUERY, variables).await?;
        Ok(data.shipping_quote.map(|m| ShippingQuote {
            amount_minor: m.amount_minor,
            currency: m.currency,
        }))
    }
}
