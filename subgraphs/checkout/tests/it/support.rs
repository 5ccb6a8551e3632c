//! The checkout service with a products service of its own, and GraphQL sent to each.

use std::time::Duration;

use mart_auth::Role;
use mart_service::testkit::{self, TestAuth};
use mart_service::{ServiceConfig, ServiceName};
use serde_json::{Value, json};

pub struct Shop {
    pub checkout: testkit::TestService,
    pub products: testkit::TestService,
    pub shipping: testkit::TestService,
    pub auth: TestAuth,
    admin: String,
    _databases: testkit::DropDatabases,
}

impl Shop {
    pub async fn start(label: &str) -> Self {
        Self::start_with(label, |_| {}).await
    }

    pub async fn start_with(label: &str, adjust: impl FnOnce(&mut ServiceConfig)) -> Self {
        let mut config = testkit::isolated_config(label);
        let databases = testkit::DropDatabases::new(&config);
        let auth = TestAuth::start(&mut config).await;
        adjust(&mut config);
        let products =
            testkit::TestService::start(config.clone(), mart_products::SUBGRAPH.start).await;
        config
            .urls
            .insert(ServiceName::Products, products.url.clone());
        let shipping =
            testkit::TestService::start(config.clone(), mart_shipping::SUBGRAPH.start).await;
        config
            .urls
            .insert(ServiceName::Shipping, shipping.url.clone());
        let checkout = testkit::TestService::start(config, mart_checkout::SUBGRAPH.start).await;
        Self {
            checkout,
            products,
            shipping,
            admin: auth.token(Role::Admin),
            auth,
            _databases: databases,
        }
    }

    /// A product for sale at `price` EUR cents; its id.
    pub async fn product(&self, sku: &str, price: i64) -> String {
        self.product_in(sku, price, None).await
    }

    /// A product of `category` (an id) for sale at `price` EUR cents; its id.
    pub async fn product_in(&self, sku: &str, price: i64, category: Option<&str>) -> String {
        let body = self
            .products
            .gql_as(
                Some(&self.admin),
                "mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }",
                json!({ "input": {
                    "sku": sku, "name": format!("Product {sku}"),
                    "price": { "amountMinor": price, "currency": "EUR" }, "weightGrams": 100,
                    "categoryId": category,
                } }),
            )
            .await;
        body["data"]["createProduct"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createProduct: {body}"))
            .to_string()
    }

    /// Staff changes the catalogue.
    pub async fn staff(&self, mutation: &str, variables: Value) {
        let body = self
            .products
            .gql_as(Some(&self.admin), mutation, variables)
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }

    /// A staff token.
    pub fn admin(&self) -> &str {
        &self.admin
    }

    /// Sends `query` to checkout as `token` (anonymous when `None`).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.checkout.gql_as(token, query, variables).await
    }

    /// `data.<field>` of a request that must succeed.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = self.gql(token, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .clone()
    }

    /// (code, field) of the first error of a request that must fail.
    pub async fn error(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (String, Option<String>) {
        let body = self.gql(token, query, variables).await;
        let error = &body["errors"][0];
        assert!(error.is_object(), "expected an error: {body:#}");
        (
            error["extensions"]["code"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            error["extensions"]["field"].as_str().map(str::to_string),
        )
    }

    pub async fn stop(self) {
        self.checkout.stop().await;
        self.products.stop().await;
        self.shipping.stop().await;
    }
}

pub const CART_FIELDS: &str = "id hasOwner itemCount subtotal { amountMinor currency } \
    lines { product { id } quantity available unitPrice { amountMinor } lineTotal { amountMinor } }";

pub fn create_cart() -> String {
    format!("mutation {{ createCart {{ {CART_FIELDS} }} }}")
}

pub fn add(cart: &str, product: &str, quantity: i64) -> (String, Value) {
    (
        format!(
            "mutation($c: ID!, $p: ID!, $q: Int!) {{ addToCart(cartId: $c, productId: $p, quantity: $q) {{ {CART_FIELDS} }} }}"
        ),
        json!({ "c": cart, "p": product, "q": quantity }),
    )
}

pub fn set(cart: &str, product: &str, quantity: i64) -> (String, Value) {
    (
        format!(
            "mutation($c: ID!, $p: ID!, $q: Int!) {{ setCartQuantity(cartId: $c, productId: $p, quantity: $q) {{ {CART_FIELDS} }} }}"
        ),
        json!({ "c": cart, "p": product, "q": quantity }),
    )
}

pub fn read(cart: &str) -> (String, Value) {
    (
        format!("query($c: ID!) {{ cart(id: $c) {{ {CART_FIELDS} }} }}"),
        json!({ "c": cart }),
    )
}

/// (product id, quantity) of each line, in order.
pub fn lines(cart: &Value) -> Vec<(String, i64)> {
    cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["product"]["id"].as_str().unwrap().to_string(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect()
}

pub const SHORT: Duration = Duration::from_secs(10);
