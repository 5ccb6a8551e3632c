//! Fixture "requires with arguments": two @requires of the same field with different
//! arguments, which the planner fetches under an internal alias and renames on the way in.
use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use serde_json::json;

use crate::harness::{Subgraph, compose, query, serve_subgraph, start_router};

const INVENTORY_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])
type Query { products: [Product!]! }
type Product @key(fields: "upc") {
  upc: String!
  price(withDiscount: Boolean!): Int! @external
  isExpensive: Boolean! @requires(fields: "price(withDiscount: false)")
  reducedPrice: Int! @requires(fields: "price(withDiscount: true)")
}
"#;

const PRODUCTS_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Product @key(fields: "upc") { upc: String! price(withDiscount: Boolean!): Int! }
"#;

struct InventoryProduct {
    upc: String,
    price: Option<i32>,
}

#[Object(name = "Product")]
impl InventoryProduct {
    async fn upc(&self) -> &str {
        &self.upc
    }
    async fn is_expensive(&self) -> Option<bool> {
        self.price.map(|p| p >= 100)
    }
    async fn reduced_price(&self) -> Option<i32> {
        self.price
    }
}

struct InventoryQuery;

#[Object]
impl InventoryQuery {
    async fn products(&self) -> Vec<InventoryProduct> {
        vec![InventoryProduct {
            upc: "u1".to_string(),
            price: None,
        }]
    }
    #[graphql(entity)]
    async fn find_product(
        &self,
        #[graphql(key)] upc: String,
        price: Option<i32>,
    ) -> InventoryProduct {
        InventoryProduct { upc, price }
    }
}

struct PricedProduct {
    upc: String,
}

#[Object(name = "Product")]
impl PricedProduct {
    async fn upc(&self) -> &str {
        &self.upc
    }
    async fn price(&self, with_discount: bool) -> i32 {
        if with_discount { 90 } else { 100 }
    }
}

struct ProductsQuery;

#[Object]
impl ProductsQuery {
    #[graphql(entity)]
    async fn find_product(&self, upc: String) -> PricedProduct {
        PricedProduct { upc }
    }
}

#[tokio::test]
async fn requires_of_one_field_with_different_arguments_get_their_own_values() {
    let inventory = serve_subgraph(
        Schema::build(InventoryQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let products = serve_subgraph(
        Schema::build(ProductsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let supergraph = compose(&[
        Subgraph {
            name: "inventory",
            url: inventory,
            sdl: INVENTORY_SDL,
        },
        Subgraph {
            name: "products",
            url: products,
            sdl: PRODUCTS_SDL,
        },
    ]);
    let router = start_router(&supergraph).await;
    let body = query(
        &router,
        "{ products { upc isExpensive reducedPrice } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({"data": {"products": [{"upc": "u1", "isExpensive": true, "reducedPrice": 90}]}})
    );
}
