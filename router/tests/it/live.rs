//! Fixture "live": an orders subgraph with subscriptions (served over HTTP and WebSocket at
//! `/graphql`, on its own runtime so a test can kill it like a crashed process) and a products
//! subgraph the router asks for the products of each event's order lines. The test publishes
//! the order events itself; the subgraph records every socket's upgrade headers and
//! `connection_init` payload.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{
    Context, Data, EmptyMutation, EmptySubscription, ID, Object, Schema, SimpleObject, Subscription,
};
use async_graphql_axum::{GraphQL, GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use futures::Stream;
use mart_router::{RouterConfig, RunningRouter};
use serde_json::Value;
use tokio::sync::broadcast;

use crate::harness::{Subgraph, compose, serve_subgraph, test_config, write_supergraph};

pub const ORDERS_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@authenticated"])
type Query { order(id: ID!): Order }
type Subscription {
  orderStatusChanged(orderId: ID!): OrderStatusUpdate!
  myOrderUpdates: OrderStatusUpdate! @authenticated
}
type OrderStatusUpdate { orderId: ID! seq: Int! status: String! note: String! order: Order! }
type Order @key(fields: "id") { id: ID! lines: [OrderLine!]! }
type OrderLine { quantity: Int! product: Product! }
type Product @key(fields: "id", resolvable: false) { id: ID! }
"#;

pub const PRODUCTS_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Query { product(id: ID!): Product }
type Product @key(fields: "id") { id: ID! name: String! }
"#;

/// One status change of an order. `status: "DONE"` ends the subgraph's stream after it.
#[derive(Clone, Debug)]
pub struct Update {
    pub order_id: String,
    pub seq: i32,
    pub status: String,
    /// Padding, for tests that need large events.
    pub note: String,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Product")]
struct ProductRef {
    id: ID,
}

#[derive(SimpleObject, Clone)]
struct OrderLine {
    quantity: i32,
    product: ProductRef,
}

#[derive(SimpleObject, Clone)]
struct Order {
    id: ID,
    lines: Vec<OrderLine>,
}

fn order(id: &str) -> Order {
    Order {
        id: ID::from(id),
        lines: vec![
            OrderLine {
                quantity: 2,
                product: ProductRef { id: ID::from("p1") },
            },
            OrderLine {
                quantity: 1,
                product: ProductRef { id: ID::from("p2") },
            },
        ],
    }
}

#[derive(SimpleObject, Clone)]
struct OrderStatusUpdate {
    order_id: ID,
    seq: i32,
    status: String,
    note: String,
    order: Order,
}

impl From<Update> for OrderStatusUpdate {
    fn from(update: Update) -> Self {
        OrderStatusUpdate {
            order_id: ID::from(update.order_id.clone()),
            seq: update.seq,
            status: update.status,
            note: update.note,
            order: order(&update.order_id),
        }
    }
}

struct OrdersQuery;

#[Object(name = "Query")]
impl OrdersQuery {
    async fn order(&self, id: ID) -> Option<Order> {
        Some(order(&id))
    }
}

struct OrdersSubscription;

/// The updates of one order (all of them when `order_id` is `None`) until a `DONE`.
fn updates(
    events: &broadcast::Sender<Update>,
    order_id: Option<String>,
) -> impl Stream<Item = OrderStatusUpdate> + use<> {
    let receiver = events.subscribe();
    futures::stream::unfold(Some(receiver), move |receiver| {
        let order_id = order_id.clone();
        async move {
            let mut receiver = receiver?;
            loop {
                match receiver.recv().await {
                    Ok(update) if order_id.as_ref().is_none_or(|id| *id == update.order_id) => {
                        let done = update.status == "DONE";
                        let next = (!done).then_some(receiver);
                        return Some((OrderStatusUpdate::from(update), next));
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    })
}

#[Subscription]
impl OrdersSubscription {
    async fn order_status_changed(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
    ) -> impl Stream<Item = OrderStatusUpdate> + use<> {
        updates(ctx.data_unchecked(), Some(order_id.to_string()))
    }

    async fn my_order_updates(
        &self,
        ctx: &Context<'_>,
    ) -> impl Stream<Item = OrderStatusUpdate> + use<> {
        updates(ctx.data_unchecked(), None)
    }
}

type OrdersSchema = Schema<OrdersQuery, EmptyMutation, OrdersSubscription>;

/// What the subgraph saw of one socket: upgrade headers and `connection_init` payload.
pub type SocketRecord = (HeaderMap, Value);

#[derive(Clone)]
struct OrdersApp {
    schema: OrdersSchema,
    sockets: Arc<Mutex<Vec<SocketRecord>>>,
}

async fn websocket(
    State(app): State<OrdersApp>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
    headers: HeaderMap,
) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let sockets = app.sockets.clone();
            GraphQLWebSocket::new(socket, app.schema, protocol)
                .on_connection_init(move |payload| async move {
                    sockets.lock().unwrap().push((headers, payload));
                    Ok(Data::default())
                })
                .serve()
        })
}

struct ProductsQuery;

#[derive(SimpleObject)]
struct Product {
    id: ID,
    name: String,
}

fn product(id: &ID) -> Product {
    let name = match id.as_str() {
        "p1" => "Desk",
        "p2" => "Lamp",
        _ => "Unknown",
    };
    Product {
        id: id.clone(),
        name: name.to_string(),
    }
}

#[Object(name = "Query")]
impl ProductsQuery {
    async fn product(&self, id: ID) -> Option<Product> {
        Some(product(&id))
    }

    #[graphql(entity)]
    async fn find_product_by_id(&self, id: ID) -> Product {
        product(&id)
    }
}

/// A server on its own runtime: `kill` stops it and every connection it holds at once.
pub struct KillableServer {
    runtime: Option<tokio::runtime::Runtime>,
    pub url: String,
}

impl KillableServer {
    fn start(app: Router) -> KillableServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the subgraph");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let url = format!("http://{}/graphql", listener.local_addr().expect("addr"));
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = axum::serve(listener, app).await;
        });
        KillableServer {
            runtime: Some(runtime),
            url,
        }
    }

    pub fn kill(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for KillableServer {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct Live {
    pub router: RunningRouter,
    pub orders: KillableServer,
    events: broadcast::Sender<Update>,
    sockets: Arc<Mutex<Vec<SocketRecord>>>,
}

impl Live {
    pub fn publish(&self, order_id: &str, seq: i32, status: &str) {
        self.publish_update(Update {
            order_id: order_id.to_string(),
            seq,
            status: status.to_string(),
            note: String::new(),
        });
    }

    pub fn publish_update(&self, update: Update) {
        let _ = self.events.send(update);
    }

    /// Subscriptions the orders subgraph is serving right now.
    pub fn subgraph_streams(&self) -> usize {
        self.events.receiver_count()
    }

    /// [`subgraph_streams`](Self::subgraph_streams) that outlives `self` (to stop the router).
    pub fn stream_counter(&self) -> impl Fn() -> usize + use<> {
        let events = self.events.clone();
        move || events.receiver_count()
    }

    /// Upgrade headers and `connection_init` payloads of the sockets the subgraph accepted.
    pub fn subgraph_sockets(&self) -> Vec<SocketRecord> {
        self.sockets.lock().unwrap().clone()
    }
}

pub struct Subgraphs {
    pub orders: KillableServer,
    pub supergraph: String,
    events: broadcast::Sender<Update>,
    sockets: Arc<Mutex<Vec<SocketRecord>>>,
}

/// Starts both subgraphs and composes their supergraph.
pub async fn subgraphs() -> Subgraphs {
    let (events, _) = broadcast::channel(1024);
    let sockets = Arc::new(Mutex::new(Vec::new()));
    let schema = Schema::build(OrdersQuery, EmptyMutation, OrdersSubscription)
        .enable_federation()
        .enable_subscription_in_federation()
        .data(events.clone())
        .finish();
    let app = Router::new()
        .route(
            "/graphql",
            get(websocket).post_service(GraphQL::new(schema.clone())),
        )
        .with_state(OrdersApp {
            schema,
            sockets: sockets.clone(),
        });
    let orders = KillableServer::start(app);
    let products = serve_subgraph(
        Schema::build(ProductsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let supergraph = compose(&[
        Subgraph {
            name: "orders",
            url: orders.url.clone(),
            sdl: ORDERS_SDL,
        },
        Subgraph {
            name: "products",
            url: products,
            sdl: PRODUCTS_SDL,
        },
    ]);
    Subgraphs {
        orders,
        supergraph,
        events,
        sockets,
    }
}

/// The test router's configuration: short keep-alives so pings happen during tests.
pub fn config(supergraph: &str) -> RouterConfig {
    let mut config = test_config(write_supergraph(supergraph));
    config.subscriptions.keepalive_interval_ms = 500;
    config
}

/// Both subgraphs and a router (authentication off) over them.
pub async fn start() -> Live {
    start_with(|_| {}).await
}

pub async fn start_with(adjust: impl FnOnce(&mut RouterConfig)) -> Live {
    let subgraphs = subgraphs().await;
    let mut config = config(&subgraphs.supergraph);
    adjust(&mut config);
    let router = mart_router::start(config).await.expect("router starts");
    Live {
        router,
        orders: subgraphs.orders,
        events: subgraphs.events,
        sockets: subgraphs.sockets,
    }
}

/// Polls `probe` until it holds or `timeout` passes (then fails the test with `what`).
pub async fn eventually(what: &str, timeout: Duration, mut probe: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !probe() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
