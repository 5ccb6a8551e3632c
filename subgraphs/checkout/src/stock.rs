//! The inventory subgraph, asked how many of each product of a cart can be ordered:
//! one `_entities` call for all its lines.

use std::collections::HashMap;

use mart_service::upstream::{GraphqlClient, UpstreamError};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

pub struct InventoryClient(pub GraphqlClient);

const STOCK_QUERY: &str = "query CartStock($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id stock { available } } }
}";

#[derive(Deserialize)]
struct Entities {
    #[serde(rename = "_entities")]
    entities: Vec<Option<ProductStock>>,
}

#[derive(Deserialize)]
struct ProductStock {
    id: Uuid,
    stock: Stock,
}

#[derive(Deserialize)]
struct Stock {
    available: i32,
}

impl InventoryClient {
    /// Units that can be ordered now, per product (unknown products: none).
    pub async fn available(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, i32>, UpstreamError> {
        let representations: Vec<_> = ids
            .iter()
            .map(|id| json!({ "__typename": "Product", "id": id }))
            .collect();
        let data: Entities = self
            .0
            .query(STOCK_QUERY, json!({ "representations": representations }))
            .await?;
        Ok(data
            .entities
            .into_iter()
            .flatten()
            .map(|p| (p.id, p.stock.available))
            .collect())
    }
}
