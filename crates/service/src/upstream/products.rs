//! The products subgraph, asked for what a product costs and weighs now: through its
//! `_entities` resolver, so one request answers for every product of an order or cart.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::client::{GraphqlClient, UpstreamError};

/// What the products service says about one product now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductQuote {
    pub price_minor: i64,
    pub currency: String,
    pub weight_grams: i32,
    pub active: bool,
    /// Taxes may depend on it.
    pub category_id: Option<Uuid>,
}

/// The products subgraph, asked through its `_entities` resolver.
pub struct ProductsClient(pub GraphqlClient);

const PRODUCTS_QUERY: &str = "query Pricing($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id status weightGrams price { amountMinor currency } category { id } }
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
    category: Option<CategoryRef>,
}

#[derive(Deserialize)]
struct CategoryRef {
    id: Uuid,
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
                    category_id: p.category.map(|c| c.id),
                };
                (p.id, quote)
            })
            .collect())
    }
}
