//! The orders subgraph, asked whether it has made the order of a checked-out cart yet
//! (it makes it from the `checkout.completed` event), with the customer's own token.

use mart_service::identity::AccessToken;
use mart_service::upstream::{GraphqlClient, UpstreamError};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

pub struct OrdersClient(pub GraphqlClient);

const ORDER_QUERY: &str = "query CheckedOutOrder($id: ID!) { order(id: $id) { id } }";

#[derive(Deserialize)]
struct OrderData {
    order: Option<serde_json::Value>,
}

impl OrdersClient {
    /// Whether orders has order `id` for the customer whose token this is.
    pub async fn has(&self, token: &AccessToken, id: Uuid) -> Result<bool, UpstreamError> {
        let data: OrderData = self
            .0
            .query_as(token, ORDER_QUERY, json!({ "id": id }))
            .await?;
        Ok(data.order.is_some())
    }
}
