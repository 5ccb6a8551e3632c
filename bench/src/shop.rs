//! What the benchmarks do over plain GraphQL-over-HTTP through the router, as any
//! client would: sign in, stock the products ordered, register customers, place orders.

use std::time::Duration;

use anyhow::{Context, bail};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

pub struct Gql {
    http: reqwest::Client,
    url: String,
}

/// A registered, signed-in customer.
pub struct Customer {
    pub user_id: String,
    pub token: String,
}

impl Gql {
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            http,
            url: url.to_string(),
        })
    }

    /// `data` of the answer; an error for a non-2xx status or any `errors`.
    pub async fn call(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("POST {}", self.url))?;
        let status = response.status();
        let mut body: Value = response
            .json()
            .await
            .with_context(|| format!("HTTP {status} without a JSON body"))?;
        if !status.is_success() || body.get("errors").is_some() {
            bail!("HTTP {status}: {body}");
        }
        Ok(body.get_mut("data").map(Value::take).unwrap_or(Value::Null))
    }

    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let data = self
            .call(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                json!({ "e": email, "p": password }),
            )
            .await
            .with_context(|| format!("logging in as {email}"))?;
        data["login"]["accessToken"]
            .as_str()
            .map(str::to_string)
            .context("login answered without an access token")
    }

    /// `count` products on sale in EUR, each given `units` more units in the first
    /// warehouse (as `admin`), so no order of the run is refused for stock.
    pub async fn stocked_products(
        &self,
        admin: &str,
        count: usize,
        units: usize,
    ) -> anyhow::Result<Vec<String>> {
        let data = self
            .call(
                None,
                "{ warehouses { id } products(first: 100) { edges { node { id status price { currency } } } } }",
                json!({}),
            )
            .await?;
        let warehouse = data["warehouses"][0]["id"]
            .as_str()
            .context("no warehouse: seed the system first (mart seed, or mart up)")?;
        let products: Vec<String> = data["products"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| &e["node"])
            .filter(|p| p["status"] == "ACTIVE" && p["price"]["currency"] == "EUR")
            .filter_map(|p| p["id"].as_str().map(str::to_string))
            .take(count)
            .collect();
        if products.len() < count {
            bail!(
                "only {} products on sale in EUR, {count} wanted",
                products.len()
            );
        }
        let delta = i32::try_from(units).context("too many units for one stock adjustment")?;
        for product in &products {
            self.call(
                Some(admin),
                "mutation($i: AdjustStockInput!) { adjustStock(input: $i) { available } }",
                json!({ "i": { "productId": product, "warehouseId": warehouse, "delta": delta, "reason": "mart-bench" } }),
            )
            .await
            .with_context(|| format!("adding stock to {product}"))?;
        }
        Ok(products)
    }

    /// Registers and signs in `count` new customers, named after `run` (unique per run).
    pub async fn customers(&self, run: &str, count: usize) -> anyhow::Result<Vec<Customer>> {
        futures::stream::iter(0..count)
            .map(|i| async move {
                let email = format!("{run}-{i}@bench.example");
                let password = format!("bench-password-{run}");
                let data = self
                    .call(
                        None,
                        "mutation($e: String!, $p: String!, $n: String!) { register(email: $e, password: $p, name: $n) { id } }",
                        json!({ "e": email, "p": password, "n": format!("Bench customer {i}") }),
                    )
                    .await
                    .with_context(|| format!("registering {email}"))?;
                let user_id = data["register"]["id"]
                    .as_str()
                    .context("register answered without an id")?
                    .to_lowercase();
                let token = self.login(&email, &password).await?;
                Ok::<_, anyhow::Error>(Customer { user_id, token })
            })
            // Password hashing is deliberately slow: a few at a time keep both cores busy.
            .buffered(4)
            .try_collect()
            .await
    }

    /// Places one order of one unit of `product`; its id.
    pub async fn place_order(
        &self,
        token: &str,
        product: &str,
        payment_token: &str,
        key: &str,
    ) -> anyhow::Result<String> {
        let data = self
            .call(
                Some(token),
                PLACE_ORDER,
                json!({ "input": order_input(product, payment_token, key) }),
            )
            .await?;
        data["placeOrder"]["id"]
            .as_str()
            .map(str::to_lowercase)
            .context("placeOrder answered without an id")
    }
}

pub const PLACE_ORDER: &str =
    "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }";

/// One line of quantity 1, shipped to Berlin, paid with `payment_token`.
pub fn order_input(product: &str, payment_token: &str, key: &str) -> Value {
    json!({
        "lines": [{ "productId": product, "quantity": 1 }],
        "address": {
            "name": "Bench Customer",
            "line1": "1 Load Street",
            "city": "Berlin",
            "postalCode": "10115",
            "country": "DE"
        },
        "paymentToken": payment_token,
        "idempotencyKey": key,
    })
}
