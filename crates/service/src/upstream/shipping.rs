//! The shipping subgraph's rate table, asked for the cost of sending a weight to a
//! country: by orders at placement and by checkout for a cart with an address.

use serde::Deserialize;
use serde_json::json;

use super::client::{GraphqlClient, UpstreamError};

/// What shipping costs, in the currency asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingQuote {
    pub amount_minor: i64,
    pub currency: String,
}

/// The shipping subgraph's rate table.
pub struct ShippingClient(pub GraphqlClient);

const RATE_QUERY: &str = "query Shipping($country: String!, $weightGrams: Int!, $currency: String!) {
  shippingQuote(country: $country, weightGrams: $weightGrams, currency: $currency) { amountMinor currency }
}";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RateData {
    shipping_quote: Option<MoneyData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyData {
    amount_minor: i64,
    currency: String,
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
