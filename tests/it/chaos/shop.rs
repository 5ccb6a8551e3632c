//! The shop side of a chaos case: a product with a known stock, a burst of
//! orders for it placed through the router (each retried with its idempotency
//! key while a service is down, as a client would), and what must hold once
//! the saga has settled, read from the services' own databases.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use futures::{FutureExt as _, StreamExt};
use mart_bench::shop::{Customer, Gql};
use mart_service::{Database, ServiceName, testkit};
use serde_json::json;

use super::system::System;

/// Orders in a burst, and the units in stock for them: the rest must be
/// cancelled for want of stock, never oversold.
pub const ORDERS: usize = 110;
pub const STOCK: i64 = 80;

/// Every order settles within this much after the last restart.
pub const SETTLE_WITHIN: Duration = Duration::from_secs(60);

pub struct Shopper {
    pub gql: Arc<Gql>,
    /// One client per router; a burst spreads its orders over them.
    routers: Vec<Arc<Gql>>,
    admin: String,
    warehouse: String,
    customers: Arc<Vec<Customer>>,
}

impl Shopper {
    pub async fn new(system: &System, label: &str) -> Self {
        let gql = Gql::new(&system.router_url).unwrap();
        let admin = gql
            .login("admin@mart.example", "mart-admin-demo")
            .await
            .unwrap();
        let data = gql
            .call(None, "{ warehouses { id } }", json!({}))
            .await
            .unwrap();
        let warehouse = data["warehouses"][0]["id"].as_str().unwrap().to_string();
        let run = format!("{label}-{}", testkit::unique_suffix());
        let customers = gql.customers(&run, 10).await.unwrap();
        let gql = Arc::new(gql);
        let mut routers = vec![gql.clone()];
        for url in &system.router_urls()[1..] {
            routers.push(Arc::new(Gql::new(url).unwrap()));
        }
        Self {
            gql,
            routers,
            admin,
            warehouse,
            customers: Arc::new(customers),
        }
    }

    /// The first customer of the bursts (a tenth of each burst's orders are theirs).
    pub fn first_customer(&self) -> &Customer {
        &self.customers[0]
    }

    /// A new product with `STOCK` units.
    pub async fn product(&self, name: &str) -> String {
        let sku = format!("CHAOS-{}", testkit::unique_suffix()).to_uppercase();
        let input = json!({
            "sku": sku, "name": name, "weightGrams": 300,
            "price": { "amountMinor": 1250, "currency": "EUR" },
        });
        let data = self
            .gql
            .call(
                Some(&self.admin),
                "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await
            .unwrap();
        let product = data["createProduct"]["id"].as_str().unwrap().to_string();
        let stock = json!({ "productId": product, "warehouseId": self.warehouse, "delta": STOCK, "reason": "chaos" });
        self.gql
            .call(
                Some(&self.admin),
                "mutation($i: AdjustStockInput!) { adjustStock(input: $i) { available } }",
                json!({ "i": stock }),
            )
            .await
            .unwrap();
        product
    }

    /// Places `ORDERS` orders of one unit of `product`, a few at a time, each through
    /// the next router in turn; each is retried with its key until the router accepts
    /// it. `placed` counts the accepted ones as they come.
    pub fn burst(
        &self,
        product: String,
        placed: Arc<AtomicUsize>,
    ) -> tokio::task::JoinHandle<Vec<String>> {
        let routers = self.routers.clone();
        let customers = self.customers.clone();
        let run = testkit::unique_suffix();
        tokio::spawn(async move {
            futures::stream::iter(0..ORDERS)
                .map(|i| {
                    let (gql, customers, product, placed) = (
                        routers[i % routers.len()].clone(),
                        customers.clone(),
                        product.clone(),
                        placed.clone(),
                    );
                    let key = format!("chaos-{run}-{i}");
                    async move {
                        let who = &customers[i % customers.len()];
                        let id = testkit::eventually(
                            "placeOrder to be accepted",
                            Duration::from_secs(180),
                            || {
                                gql.place_order(&who.token, &product, "tok_ok", &key)
                                    .map(Result::ok)
                            },
                        )
                        .await;
                        placed.fetch_add(1, Ordering::Relaxed);
                        id
                    }
                })
                .buffer_unordered(4)
                .collect()
                .await
        })
    }
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn scalar(db: &Database, sql: &str) -> i64 {
    let mut conn = db.conn().await.unwrap();
    let rows: Vec<N> = diesel::sql_query(sql).load(&mut conn).await.unwrap();
    rows[0].n
}

/// What the databases say about one burst once the saga has run.
#[derive(Debug, PartialEq, Eq)]
pub struct Settled {
    pub unsettled: i64,
    pub shipped: i64,
    pub cancelled: i64,
    pub sold: i64,
    pub left: (i64, i64),
    pub ledger_mismatches: i64,
    pub authorized: i64,
    pub authorized_twice: i64,
}

impl Settled {
    /// What every case must end with.
    pub fn expected() -> Self {
        Self {
            unsettled: 0,
            shipped: STOCK,
            cancelled: ORDERS as i64 - STOCK,
            sold: STOCK,
            left: (0, 0),
            ledger_mismatches: 0,
            authorized: STOCK,
            authorized_twice: 0,
        }
    }

    pub async fn read(system: &System, product: &str, orders: &[String]) -> Self {
        let product = uuid::Uuid::parse_str(product).unwrap();
        let ids: Vec<String> = orders
            .iter()
            .map(|o| format!("'{}'", uuid::Uuid::parse_str(o).unwrap()))
            .collect();
        let ids = ids.join(",");
        let orders_db = system.database(ServiceName::Orders).await;
        let inventory = system.database(ServiceName::Inventory).await;
        let payments = system.database(ServiceName::Payments).await;
        let status = |s: &str| {
            format!(
                "SELECT count(*)::bigint AS n FROM orders WHERE id IN ({ids}) AND status = '{s}'"
            )
        };
        Self {
            unsettled: scalar(
                &orders_db,
                &format!(
                    "SELECT count(*)::bigint AS n FROM orders WHERE id IN ({ids}) \
                     AND status NOT IN ('AWAITING_SHIPMENT', 'CANCELLED')"
                ),
            )
            .await,
            shipped: scalar(&orders_db, &status("AWAITING_SHIPMENT")).await,
            cancelled: scalar(&orders_db, &status("CANCELLED")).await,
            sold: scalar(
                &inventory,
                &format!(
                    "SELECT (-coalesce(sum(on_hand_delta), 0))::bigint AS n FROM stock_ledger \
                     WHERE product_id = '{product}' AND kind = 'sale'"
                ),
            )
            .await,
            left: (
                scalar(
                    &inventory,
                    &format!("SELECT coalesce(sum(on_hand), 0)::bigint AS n FROM stock_levels WHERE product_id = '{product}'"),
                )
                .await,
                scalar(
                    &inventory,
                    &format!("SELECT coalesce(sum(reserved), 0)::bigint AS n FROM stock_levels WHERE product_id = '{product}'"),
                )
                .await,
            ),
            ledger_mismatches: scalar(
                &inventory,
                "SELECT count(*)::bigint AS n FROM stock_levels l WHERE \
                 l.on_hand <> (SELECT coalesce(sum(g.on_hand_delta), 0) FROM stock_ledger g \
                   WHERE g.product_id = l.product_id AND g.warehouse_id = l.warehouse_id) \
                 OR l.reserved <> (SELECT coalesce(sum(g.reserved_delta), 0) FROM stock_ledger g \
                   WHERE g.product_id = l.product_id AND g.warehouse_id = l.warehouse_id)",
            )
            .await,
            authorized: scalar(
                &payments,
                &format!("SELECT count(*)::bigint AS n FROM payment_events WHERE kind = 'authorized' AND order_id IN ({ids})"),
            )
            .await,
            authorized_twice: scalar(
                &payments,
                "SELECT count(*)::bigint AS n FROM (SELECT order_id FROM payment_events \
                 WHERE kind = 'authorized' GROUP BY order_id HAVING count(*) > 1) twice",
            )
            .await,
        }
    }
}

/// Waits until the burst has settled as it must, within [`SETTLE_WITHIN`] of
/// `since` (the last restart); returns how long after `since` that was.
pub async fn settles(
    system: &System,
    product: &str,
    orders: &[String],
    since: Instant,
) -> Duration {
    let expected = Settled::expected();
    let deadline = since + SETTLE_WITHIN;
    loop {
        let now = Settled::read(system, product, orders).await;
        if now == expected {
            return since.elapsed();
        }
        if Instant::now() >= deadline {
            panic!(
                "not settled {SETTLE_WITHIN:?} after the last restart:\n  now      {now:?}\n  expected {expected:?}{}",
                system.logs()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
