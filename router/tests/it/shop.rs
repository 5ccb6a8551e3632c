//! Fixture "shop": products, inventory and reviews subgraphs sharing the Product entity.
//! Covers entities over three subgraphs, @requires (incl. nested), @provides, unions, lists
//! of lists, per-representation entity errors and non-null violations.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{
    Context, EmptyMutation, EmptySubscription, ID, Json, Object, Result, Schema, SimpleObject,
    Union,
};
use mart_router::RunningRouter;

use crate::harness::{Subgraph, compose, serve_subgraph, start_router};

pub const PRODUCTS_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query {
  products: [Product!]!
  product(id: ID!): Product
  topProducts(first: Int = 5): [Product]
  productMatrix: [[Product!]!]!
  search(term: String!): [SearchResult!]!
}
type Mutation { renameProduct(id: ID!, name: String!): Product }
union SearchResult = Product | Category
type Category { id: ID! name: String! }
type Dimensions @shareable { volume: Int! label: String! }
type Product @key(fields: "id") {
  id: ID!
  name: String!
  price: Int!
  weight: Int!
  dimensions: Dimensions!
}
type User @key(fields: "id") { id: ID! username: String! }
"#;

pub const INVENTORY_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@shareable"])
type Dimensions @shareable { volume: Int! }
type Product @key(fields: "id") {
  id: ID!
  price: Int! @external
  weight: Int! @external
  dimensions: Dimensions! @external
  inStock: Boolean
  shippingEstimate: Int! @requires(fields: "price weight")
  insuranceCost: Int! @requires(fields: "dimensions { volume }")
  stockNote(locale: String!): String
  restockEta: Int!
  warehouse: String!
}
"#;

pub const REVIEWS_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@provides"])
type Product @key(fields: "id") { id: ID! reviews: [Review!]! }
type Review { id: ID! body: String! author: User! @provides(fields: "username") }
type User @key(fields: "id") { id: ID! username: String! @external }
"#;

#[derive(SimpleObject, Clone)]
struct Dimensions {
    volume: i32,
    label: String,
}

#[derive(SimpleObject, Clone)]
struct Product {
    id: ID,
    name: String,
    price: i32,
    weight: i32,
    dimensions: Dimensions,
}

#[derive(SimpleObject, Clone)]
struct Category {
    id: ID,
    name: String,
}

#[derive(Union)]
enum SearchResult {
    Product(Product),
    Category(Category),
}

#[derive(SimpleObject, Clone)]
struct User {
    id: ID,
    username: String,
}

fn catalog() -> Vec<Product> {
    let product = |id: &str, name: &str, price, weight, volume| Product {
        id: ID::from(id),
        name: name.to_string(),
        price,
        weight,
        dimensions: Dimensions {
            volume,
            label: format!("{volume}l"),
        },
    };
    vec![
        product("p1", "Desk", 300, 20, 120),
        product("p2", "Lamp", 40, 2, 6),
        product("p3", "Chair", 150, 8, 60),
    ]
}

/// How often the products subgraph was asked to resolve User entities.
#[derive(Clone, Default)]
pub struct Counters {
    pub user_entity_calls: Arc<AtomicUsize>,
    pub inventory_requests: Arc<AtomicUsize>,
}

struct ProductsMutation;

#[Object]
impl ProductsMutation {
    async fn rename_product(&self, id: ID, name: String) -> Option<Product> {
        let mut product = catalog().into_iter().find(|p| p.id == id)?;
        product.name = name;
        Some(product)
    }
}

struct ProductsQuery;

#[Object]
impl ProductsQuery {
    async fn products(&self) -> Vec<Product> {
        catalog()
    }
    async fn product(&self, id: ID) -> Option<Product> {
        catalog().into_iter().find(|p| p.id == id)
    }
    async fn top_products(&self, #[graphql(default = 5)] first: i32) -> Vec<Option<Product>> {
        catalog()
            .into_iter()
            .take(first.max(0) as usize)
            .map(Some)
            .collect()
    }
    async fn product_matrix(&self) -> Vec<Vec<Product>> {
        let all = catalog();
        vec![all[..2].to_vec(), all[2..].to_vec()]
    }
    async fn search(&self, term: String) -> Vec<SearchResult> {
        let mut results: Vec<SearchResult> = catalog()
            .into_iter()
            .filter(|p| p.name.to_lowercase().contains(&term.to_lowercase()))
            .map(SearchResult::Product)
            .collect();
        results.push(SearchResult::Category(Category {
            id: ID::from("c1"),
            name: "Furniture".to_string(),
        }));
        results
    }
    #[graphql(entity)]
    async fn find_product(&self, id: ID) -> Option<Product> {
        catalog().into_iter().find(|p| p.id == id)
    }
    #[graphql(entity)]
    async fn find_user(&self, ctx: &Context<'_>, id: ID) -> User {
        ctx.data_unchecked::<Counters>()
            .user_entity_calls
            .fetch_add(1, Ordering::SeqCst);
        User {
            username: format!("user-{}", id.as_str()),
            id,
        }
    }
}

struct InventoryProduct {
    id: ID,
    price: Option<i32>,
    weight: Option<i32>,
    volume: Option<i64>,
}

#[Object(name = "Product")]
impl InventoryProduct {
    async fn id(&self) -> &ID {
        &self.id
    }
    async fn in_stock(&self) -> Option<bool> {
        Some(self.id.as_str() != "p2")
    }
    async fn shipping_estimate(&self) -> Result<i32> {
        let (Some(price), Some(weight)) = (self.price, self.weight) else {
            return Err("price and weight are required".into());
        };
        Ok(if price > 100 { 0 } else { weight * 5 })
    }
    async fn insurance_cost(&self) -> Result<i32> {
        let volume = self.volume.ok_or("dimensions.volume is required")?;
        Ok(volume as i32 * 2)
    }
    async fn stock_note(&self, locale: String) -> Option<String> {
        Some(format!("{locale}:{}", self.id.as_str()))
    }
    async fn restock_eta(&self) -> Result<i32> {
        if self.id.as_str() == "p3" {
            return Err("restock data unavailable for p3".into());
        }
        Ok(7)
    }
    /// Declared `String!` in the SDL the router composes, but null for p2: a subgraph that
    /// breaks its contract.
    async fn warehouse(&self) -> Option<String> {
        (self.id.as_str() != "p2").then(|| "north".to_string())
    }
}

struct InventoryQuery;

#[Object]
impl InventoryQuery {
    #[graphql(entity)]
    async fn find_product(
        &self,
        ctx: &Context<'_>,
        #[graphql(key)] id: ID,
        price: Option<i32>,
        weight: Option<i32>,
        dimensions: Option<Json<serde_json::Value>>,
    ) -> InventoryProduct {
        ctx.data_unchecked::<Counters>()
            .inventory_requests
            .fetch_add(1, Ordering::SeqCst);
        InventoryProduct {
            id,
            price,
            weight,
            volume: dimensions.and_then(|d| d.0.get("volume").and_then(|v| v.as_i64())),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "User")]
struct ReviewUser {
    id: ID,
    username: String,
}

#[derive(SimpleObject)]
struct Review {
    id: ID,
    body: String,
    author: ReviewUser,
}

#[derive(SimpleObject)]
#[graphql(name = "Product")]
struct ReviewedProduct {
    id: ID,
    reviews: Vec<Review>,
}

struct ReviewsQuery;

#[Object]
impl ReviewsQuery {
    #[graphql(entity)]
    async fn find_product(&self, id: ID) -> ReviewedProduct {
        let reviews = match id.as_str() {
            "p1" => vec![("r1", "Sturdy", "u1"), ("r2", "Heavy", "u2")],
            "p2" => vec![("r3", "Bright", "u1")],
            _ => vec![],
        };
        ReviewedProduct {
            reviews: reviews
                .into_iter()
                .map(|(rid, body, uid)| Review {
                    id: ID::from(rid),
                    body: body.to_string(),
                    author: ReviewUser {
                        id: ID::from(uid),
                        username: format!("user-{uid}"),
                    },
                })
                .collect(),
            id,
        }
    }
    #[graphql(entity)]
    async fn find_user(&self, id: ID) -> ReviewUser {
        ReviewUser {
            username: String::new(),
            id,
        }
    }
}

pub struct Shop {
    pub router: RunningRouter,
    pub supergraph: String,
    pub counters: Counters,
}

/// Starts the three subgraphs and a router over their composed supergraph. With
/// `inventory_down`, the inventory URL points at a closed port.
pub async fn start(inventory_down: bool) -> Shop {
    let counters = Counters::default();
    let products = serve_subgraph(
        Schema::build(ProductsQuery, ProductsMutation, EmptySubscription)
            .enable_federation()
            .data(counters.clone())
            .finish(),
    )
    .await;
    let inventory = if inventory_down {
        crate::harness::closed_port_url()
    } else {
        serve_subgraph(
            Schema::build(InventoryQuery, EmptyMutation, EmptySubscription)
                .enable_federation()
                .data(counters.clone())
                .finish(),
        )
        .await
    };
    let reviews = serve_subgraph(
        Schema::build(ReviewsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let supergraph = compose(&[
        Subgraph {
            name: "products",
            url: products,
            sdl: PRODUCTS_SDL,
        },
        Subgraph {
            name: "inventory",
            url: inventory,
            sdl: INVENTORY_SDL,
        },
        Subgraph {
            name: "reviews",
            url: reviews,
            sdl: REVIEWS_SDL,
        },
    ]);
    Shop {
        router: start_router(&supergraph).await,
        supergraph,
        counters,
    }
}
