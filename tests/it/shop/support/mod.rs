//! The whole shop for one test: users, products, inventory, orders, payments
//! and shipping, each on its own loopback port and database, sharing one broker
//! topic prefix so the saga runs between them as in production. As in
//! production, users signs the access tokens and every other service verifies
//! them against its JWKS.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mart::registry;
use mart_auth::{KeySet, Role, SigningKey, TokenIssuer, TokenSettings};
use mart_inventory::domain::{Adjustment, adjust_stock, create_warehouse};
use mart_payments::TestModeProvider;
use mart_products::domain::{Catalog, MoneyInput, NewProduct};
use mart_service::{Database, ServiceConfig, ServiceHandle, ServiceName, testkit};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

mod queries;

pub use queries::*;

/// Long enough for a saga step on a loaded 2-core machine.
pub const SAGA_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Customer {
    pub id: Uuid,
    pub token: String,
}

pub struct Shop {
    pub config: ServiceConfig,
    pub provider: Arc<TestModeProvider>,
    pub orders_url: String,
    pub payments_url: String,
    pub shipping_url: String,
    pub inventory_url: String,
    pub users_url: String,
    pub orders_db: Database,
    /// Signs with the users service's own key, for customers who need no account.
    auth: TokenIssuer,
    catalog: Catalog,
    inventory_db: Database,
    warehouse_id: Uuid,
    client: reqwest::Client,
    shutdown: CancellationToken,
    running: Mutex<Vec<Running>>,
    kit: Kit,
    /// Drops the shop's databases even when a test fails before `stop`.
    _databases: testkit::DropDatabases,
}

/// One service of the shop, stoppable on its own.
struct Running {
    service: ServiceName,
    addr: std::net::SocketAddr,
    token: CancellationToken,
    handle: Option<ServiceHandle>,
}

/// What every start of a service needs.
struct Kit {
    provider: Arc<TestModeProvider>,
    orders: mart_orders::OrdersSettings,
}

impl Kit {
    async fn launch(
        &self,
        service: ServiceName,
        config: &ServiceConfig,
        listener: TcpListener,
        token: CancellationToken,
    ) -> ServiceHandle {
        // Payments and orders take test settings; the rest start as `mart serve` starts them.
        let started = match service {
            ServiceName::Payments => {
                let options = mart_payments::StartOptions {
                    provider: Some(self.provider.clone()),
                    ..Default::default()
                };
                mart_payments::start_with(config, listener, token, options).await
            }
            ServiceName::Orders => {
                let options = mart_orders::StartOptions {
                    settings: self.orders.clone(),
                };
                mart_orders::start_with(config, listener, token, options).await
            }
            other => {
                let subgraph =
                    registry::subgraph(other).unwrap_or_else(|| panic!("the shop has no {other}"));
                (subgraph.start)(config, listener, token).await
            }
        };
        started.unwrap_or_else(|e| panic!("{service} starts: {e}"))
    }
}

#[derive(Default)]
pub struct ShopOptions {
    pub orders: mart_orders::OrdersSettings,
    /// Leave payments out: orders then wait for a payment that never comes.
    pub without_payments: bool,
    /// Another broker than the environment's (e.g. one the test kills).
    pub kafka_brokers: Option<String>,
}

pub fn issuer() -> TokenIssuer {
    let (key, _) = SigningKey::generate_ed25519().expect("a fresh key");
    TokenIssuer::new(
        KeySet::new(key),
        TokenSettings {
            issuer: "mart-users".into(),
            audience: "mart".into(),
            access_token_ttl: Duration::from_secs(3600),
        },
    )
}

async fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

fn url(handle: &ServiceHandle) -> String {
    format!("http://{}/graphql", handle.addr)
}

impl Shop {
    pub async fn start(label: &str) -> Self {
        Self::start_with(label, ShopOptions::default()).await
    }

    pub async fn start_with(label: &str, options: ShopOptions) -> Self {
        let mut config = testkit::isolated_config(label);
        let databases = testkit::DropDatabases::new(&config);
        if let Some(brokers) = options.kafka_brokers {
            config.kafka_brokers = brokers;
        }
        // Users generates its development key here on first start.
        config.data_dir =
            std::env::temp_dir().join(format!("mart-shop-test-{}", testkit::unique_suffix()));
        config.auth.private_key = None;
        // Every subgraph verifies against the users service's JWKS, found from
        // its URL (the production default).
        config.auth.jwks_url = None;
        let shutdown = CancellationToken::new();
        let kit = Kit {
            provider: Arc::new(TestModeProvider::new()),
            orders: options.orders,
        };
        let mut running = Vec::new();
        let mut order = vec![
            ServiceName::Users,
            ServiceName::Products,
            ServiceName::Inventory,
            ServiceName::Shipping,
            ServiceName::Payments,
            ServiceName::Orders,
            // Calls products and shipping: started after them, it knows their URLs.
            ServiceName::Checkout,
        ];
        if options.without_payments {
            order.retain(|s| *s != ServiceName::Payments);
        }
        for service in order {
            let token = shutdown.child_token();
            let handle = kit
                .launch(service, &config, listener().await, token.clone())
                .await;
            config.urls.insert(service, url(&handle));
            running.push(Running {
                service,
                addr: handle.addr,
                token,
                handle: Some(handle),
            });
        }
        let service_url = |s| config.urls.get(&s).cloned().unwrap_or_default();
        let auth = TokenIssuer::new(
            KeySet::new(SigningKey::from_file(&config.signing_key_path()).unwrap()),
            TokenSettings {
                issuer: config.auth.issuer.clone(),
                audience: config.auth.audience.clone(),
                access_token_ttl: Duration::from_secs(3600),
            },
        );

        let products_db = open(&config, ServiceName::Products, &mart_products::MIGRATIONS).await;
        let inventory_db = open(&config, ServiceName::Inventory, &mart_inventory::MIGRATIONS).await;
        let orders_db = open(&config, ServiceName::Orders, &mart_orders::MIGRATIONS).await;
        let warehouse = {
            let mut conn = inventory_db.conn().await.unwrap();
            create_warehouse(&mut conn, "TST-1", "Test warehouse")
                .await
                .unwrap()
        };
        Self {
            _databases: databases,
            provider: kit.provider.clone(),
            orders_url: service_url(ServiceName::Orders),
            payments_url: service_url(ServiceName::Payments),
            shipping_url: service_url(ServiceName::Shipping),
            inventory_url: service_url(ServiceName::Inventory),
            users_url: service_url(ServiceName::Users),
            orders_db,
            auth,
            catalog: Catalog::new(products_db, mart_events::OutboxSignal::new()),
            inventory_db,
            warehouse_id: warehouse.id,
            client: reqwest::Client::new(),
            shutdown,
            running: Mutex::new(running),
            kit,
            config,
        }
    }

    /// The `/metrics` address of every service running now.
    pub fn metrics_urls(&self) -> Vec<(ServiceName, String)> {
        self.running
            .lock()
            .unwrap()
            .iter()
            .map(|r| (r.service, format!("http://{}/metrics", r.addr)))
            .collect()
    }

    /// A signed-in customer without an account in users (enough for anything
    /// but saved addresses).
    pub fn customer(&self) -> Customer {
        self.token_for(Role::Customer)
    }

    pub fn admin(&self) -> Customer {
        self.token_for(Role::Admin)
    }

    fn token_for(&self, role: Role) -> Customer {
        let id = Uuid::now_v7();
        let token = self.auth.issue(id, role).expect("a signed token").token;
        Customer { id, token }
    }

    /// A product priced `price_cents` EUR, weighing `weight_grams`, with
    /// `stock` units in the test warehouse.
    pub async fn product(&self, price_cents: i64, weight_grams: i32, stock: i32) -> Uuid {
        let n = testkit::unique_suffix();
        let product = self
            .catalog
            .create_product(&NewProduct {
                sku: format!("SKU-{n}").to_uppercase(),
                slug: None,
                name: format!("Test product {n}"),
                description: None,
                price: MoneyInput {
                    amount_minor: price_cents,
                    currency: "EUR".into(),
                },
                weight_grams,
                dimensions: None,
                category_id: None,
            })
            .await
            .expect("the product is created");
        if stock > 0 {
            let mut conn = self.inventory_db.conn().await.unwrap();
            adjust_stock(
                &mut conn,
                &Adjustment {
                    product_id: product.id,
                    warehouse_id: self.warehouse_id,
                    delta: stock,
                    reason: "test delivery".into(),
                },
            )
            .await
            .expect("stock is added");
        }
        product.id
    }

    pub async fn archive(&self, product: Uuid) {
        self.catalog.archive_product(product).await.unwrap();
    }

    /// The federation router over the checked-in supergraph, pointed at this
    /// shop's subgraphs, forwarding the caller's `Authorization`.
    pub async fn router(&self) -> mart_router::RunningRouter {
        let mut config = self.router_config();
        config.headers.propagate = vec!["authorization".into()];
        mart_router::start(config).await.expect("the router starts")
    }

    /// A router configuration over the checked-in supergraph and this shop's
    /// subgraphs where they run now (a restarted service has a new port).
    pub fn router_config(&self) -> mart_router::RouterConfig {
        let supergraph =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/supergraph.graphql");
        let mut config = mart_router::RouterConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            supergraph_path: supergraph,
            hot_reload: false,
            subgraph_timeout_ms: 10_000,
            ..Default::default()
        };
        for (service, url) in &self.config.urls {
            config
                .subgraph_urls
                .insert(service.as_str().to_string(), url.clone());
        }
        // The first instance of each: `another_orders` adds a second one.
        let running = self.running.lock().unwrap();
        for service in ServiceName::subgraphs() {
            if let Some(r) = running.iter().find(|r| r.service == service) {
                config.subgraph_urls.insert(
                    service.as_str().to_string(),
                    format!("http://{}/graphql", r.addr),
                );
            }
        }
        drop(running);
        config
    }

    /// Another orders instance on the same configuration (database, topics);
    /// returns its GraphQL URL. It stops with the shop.
    pub async fn another_orders(&self) -> String {
        let token = self.shutdown.child_token();
        let handle = self
            .kit
            .launch(
                ServiceName::Orders,
                &self.config,
                listener().await,
                token.clone(),
            )
            .await;
        let url = url(&handle);
        self.running.lock().unwrap().push(Running {
            service: ServiceName::Orders,
            addr: handle.addr,
            token,
            handle: Some(handle),
        });
        url
    }

    /// Stops `service` for good (until the shop stops).
    pub async fn stop_service(&self, service: ServiceName) {
        let handle = {
            let mut running = self.running.lock().unwrap();
            let entry = running.iter_mut().find(|r| r.service == service).unwrap();
            entry.token.cancel();
            entry.handle.take()
        };
        if let Some(handle) = handle {
            handle.join().await;
        }
    }

    /// Stops `service` (as a crash between two events would) and starts it
    /// again on the same address after `down_for`.
    pub async fn restart(&self, service: ServiceName, down_for: Duration) {
        let (addr, handle) = {
            let mut running = self.running.lock().unwrap();
            let entry = running.iter_mut().find(|r| r.service == service).unwrap();
            entry.token.cancel();
            (entry.addr, entry.handle.take())
        };
        if let Some(handle) = handle {
            handle.join().await;
        }
        tokio::time::sleep(down_for).await;
        let listener = TcpListener::bind(addr).await.expect("the same port again");
        let token = self.shutdown.child_token();
        let handle = self
            .kit
            .launch(service, &self.config, listener, token.clone())
            .await;
        let mut running = self.running.lock().unwrap();
        let entry = running.iter_mut().find(|r| r.service == service).unwrap();
        entry.token = token;
        entry.handle = Some(handle);
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        let handles: Vec<_> = self
            .running
            .lock()
            .unwrap()
            .iter_mut()
            .filter_map(|r| r.handle.take())
            .collect();
        for handle in handles {
            let _ = tokio::time::timeout(Duration::from_secs(10), handle.join()).await;
        }
        let Shop {
            config,
            orders_db,
            catalog,
            inventory_db,
            ..
        } = self;
        drop((orders_db, catalog, inventory_db));
        for service in [
            ServiceName::Users,
            ServiceName::Products,
            ServiceName::Inventory,
            ServiceName::Orders,
            ServiceName::Payments,
            ServiceName::Shipping,
        ] {
            let name = config.database_name(service);
            mart_service::db::drop_database(&config.database_url, &name)
                .await
                .unwrap();
        }
        let _ = std::fs::remove_dir_all(&config.data_dir);
    }
}

pub async fn open(
    config: &ServiceConfig,
    service: ServiceName,
    migrations: &'static diesel_migrations::EmbeddedMigrations,
) -> Database {
    Database::open(config, service, &[&mart_events::MIGRATIONS, migrations])
        .await
        .unwrap()
}
