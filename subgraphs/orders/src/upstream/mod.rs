//! The synchronous calls orders makes at placement: prices and weights from the
//! products subgraph, the shipping cost from the shipping subgraph, and a saved
//! address from the users subgraph.

pub mod users;

use serde::Deserialize;
use serde_json::json;

pub use mart_service::upstream::{CallPolicy, GraphqlClient, ProductsClient, UpstreamError};
pub use users::{SavedAddress, UsersClient};

use crate::domain::placement::ShippingQuote;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyData {
    amount_minor: i64,
    currency: String,
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
