//! The four subgraphs as async-graphql schemas behind `POST /graphql`.
use async_graphql::{EmptyMutation, EmptySubscription, ID, Object, Schema};
use async_graphql_axum::GraphQL;
use axum::Router;
use axum::routing::post_service;

use super::data::data;

fn serve<Q, M>(schema: Schema<Q, M, EmptySubscription>) -> Router
where
    Q: async_graphql::ObjectType + 'static,
    M: async_graphql::ObjectType + 'static,
{
    Router::new().route("/graphql", post_service(GraphQL::new(schema)))
}

fn index(id: &str, len: usize) -> Option<usize> {
    let n: usize = id.parse().ok()?;
    (1..=len).contains(&n).then(|| n - 1)
}

// accounts

struct AccountsQuery;

#[Object]
impl AccountsQuery {
    async fn me(&self) -> Option<AccountsUser> {
        Some(AccountsUser(0))
    }
    async fn users(&self) -> Vec<AccountsUser> {
        (0..data().users.len()).map(AccountsUser).collect()
    }
    async fn user(&self, id: ID) -> Option<AccountsUser> {
        index(&id, data().users.len()).map(AccountsUser)
    }
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<AccountsUser> {
        index(&id, data().users.len()).map(AccountsUser)
    }
}

struct AccountsUser(usize);

#[Object(name = "User")]
impl AccountsUser {
    async fn id(&self) -> ID {
        ID(data().users[self.0].id.clone())
    }
    async fn name(&self) -> &str {
        &data().users[self.0].name
    }
    async fn username(&self) -> &str {
        &data().users[self.0].username
    }
    async fn birthday(&self) -> i32 {
        data().users[self.0].birthday
    }
}

pub fn accounts() -> Router {
    serve(
        Schema::build(AccountsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
}

// products

struct ProductsQuery;

#[Object]
impl ProductsQuery {
    async fn top_products(&self, #[graphql(default = 5)] first: i32) -> Vec<ProductsProduct> {
        let first = usize::try_from(first).unwrap_or(0);
        (0..data().products.len().min(first))
            .map(ProductsProduct)
            .collect()
    }
    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<ProductsProduct> {
        index(&upc, data().products.len()).map(ProductsProduct)
    }
}

struct ProductsProduct(usize);

#[Object(name = "Product")]
impl ProductsProduct {
    async fn upc(&self) -> &str {
        &data().products[self.0].upc
    }
    async fn name(&self) -> &str {
        &data().products[self.0].name
    }
    async fn price(&self) -> i32 {
        data().products[self.0].price
    }
    async fn weight(&self) -> i32 {
        data().products[self.0].weight
    }
}

pub fn products() -> Router {
    serve(
        Schema::build(ProductsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
}

// reviews

struct ReviewsQuery;

#[Object]
impl ReviewsQuery {
    #[graphql(entity)]
    async fn find_review_by_id(&self, id: ID) -> Option<ReviewsReview> {
        index(&id, data().reviews.len()).map(ReviewsReview)
    }
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<ReviewsUser> {
        index(&id, data().users.len()).map(ReviewsUser)
    }
    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<ReviewsProduct> {
        index(&upc, data().products.len()).map(ReviewsProduct)
    }
}

struct ReviewsReview(usize);

#[Object(name = "Review")]
impl ReviewsReview {
    async fn id(&self) -> ID {
        ID(data().reviews[self.0].id.clone())
    }
    async fn body(&self) -> &str {
        &data().reviews[self.0].body
    }
    async fn author(&self) -> ReviewsUser {
        ReviewsUser(data().reviews[self.0].author)
    }
    async fn product(&self) -> ReviewsProduct {
        ReviewsProduct(data().reviews[self.0].product)
    }
}

struct ReviewsUser(usize);

#[Object(name = "User")]
impl ReviewsUser {
    async fn id(&self) -> ID {
        ID(data().users[self.0].id.clone())
    }
    /// Provided with a review's author.
    async fn username(&self) -> &str {
        &data().users[self.0].username
    }
    async fn reviews(&self) -> Vec<ReviewsReview> {
        let user = self.0;
        (0..data().reviews.len())
            .filter(|r| data().reviews[*r].author == user)
            .map(ReviewsReview)
            .collect()
    }
}

struct ReviewsProduct(usize);

#[Object(name = "Product")]
impl ReviewsProduct {
    async fn upc(&self) -> &str {
        &data().products[self.0].upc
    }
    async fn reviews(&self) -> Vec<ReviewsReview> {
        let product = self.0;
        (0..data().reviews.len())
            .filter(|r| data().reviews[*r].product == product)
            .map(ReviewsReview)
            .collect()
    }
}

pub fn reviews() -> Router {
    serve(
        Schema::build(ReviewsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
}

// inventory

struct InventoryQuery;

#[Object]
impl InventoryQuery {
    #[graphql(entity)]
    async fn find_product_by_upc(
        &self,
        #[graphql(key)] upc: String,
        price: Option<i32>,
        weight: Option<i32>,
    ) -> Option<InventoryProduct> {
        let product = index(&upc, data().products.len())?;
        Some(InventoryProduct {
            product,
            price,
            weight,
        })
    }
}

struct InventoryProduct {
    product: usize,
    price: Option<i32>,
    weight: Option<i32>,
}

#[Object(name = "Product")]
impl InventoryProduct {
    async fn upc(&self) -> &str {
        &data().products[self.product].upc
    }
    async fn in_stock(&self) -> bool {
        self.product % 3 != 2
    }
    /// Free above 1,000, else half the weight (from the price and weight the router sends).
    async fn shipping_estimate(&self) -> Option<i32> {
        let (price, weight) = (self.price?, self.weight?);
        Some(if price > 1000 { 0 } else { weight / 2 })
    }
}

pub fn inventory() -> Router {
    serve(
        Schema::build(InventoryQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
}
