//! What the run needs before it starts, made through the router as a client
//! would: stock for the products ordered, and signed-in customers.

use anyhow::{Context, bail};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use super::gql::Gql;

const LOGIN: &str =
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }";

pub async fn login(gql: &Gql, email: &str, password: &str) -> anyhow::Result<String> {
    let data = gql
        .call(None, LOGIN, json!({ "e": email, "p": password }))
        .await
        .with_context(|| format!("logging in as {email}"))?;
    data["login"]["accessToken"]
        .as_str()
        .map(str::to_string)
        .context("login answered without an access token")
}

/// `count` products on sale in EUR, each given `units` more units in the first
/// warehouse (as `admin`).
pub async fn stocked_products(
    gql: &Gql,
    admin: &str,
    count: usize,
    units: i64,
) -> anyhow::Result<Vec<String>> {
    let data = gql
        .call(
            None,
            "{ warehouses { id } products(first: 100) { edges { node { id status price { currency } } } } }",
            json!({}),
        )
        .await?;
    let warehouse = data["warehouses"][0]["id"]
        .as_str()
        .context("no warehouse: seed the system first (mart seed, or mart up)")?
        .to_string();
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
        gql.call(
            Some(admin),
            "mutation($i: AdjustStockInput!) { adjustStock(input: $i) { available } }",
            json!({ "i": { "productId": product, "warehouseId": warehouse, "delta": delta, "reason": "mart-bench" } }),
        )
        .await
        .with_context(|| format!("adding stock to {product}"))?;
    }
    Ok(products)
}

/// Registers and signs in `count` new customers; returns their access tokens.
pub async fn customers(gql: &Gql, run: &str, count: usize) -> anyhow::Result<Vec<String>> {
    futures::stream::iter(0..count)
        .map(|i| async move {
            let email = format!("bench-{run}-{i}@bench.example");
            let password = format!("bench-password-{run}");
            gql.call(
                None,
                "mutation($e: String!, $p: String!, $n: String!) { register(email: $e, password: $p, name: $n) { id } }",
                json!({ "e": email, "p": password, "n": format!("Bench customer {i}") }),
            )
            .await
            .with_context(|| format!("registering {email}"))?;
            login(gql, &email, &password).await
        })
        // Password hashing is deliberately slow: a few at a time.
        .buffer_unordered(4)
        .try_collect()
        .await
}

/// One line of quantity 1, shipped to Berlin, paid with `token`.
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
