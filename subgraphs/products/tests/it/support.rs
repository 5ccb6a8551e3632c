//! Starting the service for one test and talking to it over HTTP.

use std::sync::Mutex;

use diesel::QueryableByName;
use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};
use diesel::sql_types::{Jsonb, Text};
use diesel_async::RunQueryDsl;
use mart_auth::Role;
use mart_service::testkit::TestAuth;
use mart_service::{Database, testkit};
use serde_json::{Value, json};

/// The shared [`testkit::TestService`], signed in as staff, with its database.
pub struct TestService {
    service: testkit::TestService,
    pub db: Database,
    pub auth: TestAuth,
    /// Sent with [`Self::gql`]: the catalogue's mutations are for staff.
    admin_token: String,
    /// Drops the databases even when a test fails before `stop`.
    _databases: testkit::DropDatabases,
}

impl std::ops::Deref for TestService {
    type Target = testkit::TestService;

    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl TestService {
    pub async fn start(label: &str) -> Self {
        install_query_log();
        let mut config = testkit::isolated_config(label);
        let databases = testkit::DropDatabases::new(&config);
        let auth = TestAuth::start(&mut config).await;
        let admin_token = auth.token(Role::Admin);
        let service = testkit::TestService::start(config, mart_products::SUBGRAPH.start).await;
        let db = Database::open(
            &service.config,
            mart_products::SERVICE,
            &[&mart_events::MIGRATIONS, &mart_products::MIGRATIONS],
        )
        .await
        .unwrap();
        Self {
            service,
            db,
            auth,
            admin_token,
            _databases: databases,
        }
    }

    /// POSTs a GraphQL request as an admin and returns the whole response body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(Some(&self.admin_token), query, variables).await
    }

    /// `data` of a request that must succeed.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// The first error of a request that must fail: (code, field).
    pub async fn error(&self, query: &str, variables: Value) -> (String, Option<String>) {
        let body = self.gql(query, variables).await;
        let error = &body["errors"][0];
        assert!(error.is_object(), "expected an error: {body:#}");
        let code = error["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let field = error["extensions"]["field"].as_str().map(str::to_string);
        (code, field)
    }

    pub async fn outbox(&self) -> Vec<OutboxRow> {
        let mut conn = self.db.conn().await.unwrap();
        diesel::sql_query(
            "SELECT envelope->>'type' AS event_type, envelope, \
             (published_at IS NOT NULL) AS published FROM outbox_events ORDER BY seq",
        )
        .load(&mut conn)
        .await
        .unwrap()
    }

    pub async fn stop(self) {
        let config = self.service.stop().await;
        let name = config.database_name(mart_products::SERVICE);
        drop(self.db);
        mart_service::db::drop_database(&config.database_url, &name)
            .await
            .unwrap();
    }
}

#[derive(Debug, QueryableByName)]
pub struct OutboxRow {
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = Jsonb)]
    pub envelope: Value,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub published: bool,
}

pub const CREATE_CATEGORY: &str = r#"
mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id name slug } }"#;

pub const CREATE_PRODUCT: &str = r#"
mutation($input: CreateProductInput!) {
  createProduct(input: $input) {
    id sku slug name description weightGrams status createdAt updatedAt
    price { amountMinor currency }
    dimensions { lengthMm widthMm heightMm }
    category { id slug }
  }
}"#;

/// A valid product input; tests override fields.
pub fn product_input(sku: &str, name: &str, price: i64) -> Value {
    json!({
        "sku": sku,
        "name": name,
        "description": format!("{name}, for tests"),
        "price": { "amountMinor": price, "currency": "EUR" },
        "weightGrams": 500,
    })
}

pub async fn create_product(service: &TestService, input: Value) -> Value {
    let data = service.ok(CREATE_PRODUCT, json!({ "input": input })).await;
    data["createProduct"].clone()
}

/// Every SQL statement run by this process since it started, with its binds.
/// Lets a test count the statements its own (uniquely named) rows appear in.
static QUERY_LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn log_queries() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(|event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            QUERY_LOG.lock().unwrap().push(query.to_string());
        }
    }))
}

fn install_query_log() {
    set_default_instrumentation(log_queries).unwrap();
}

/// A position in the statement log, to look only at what ran after it.
pub fn query_log_mark() -> usize {
    QUERY_LOG.lock().unwrap().len()
}

pub fn queries_mentioning(needle: &str, since: usize) -> Vec<String> {
    QUERY_LOG.lock().unwrap()[since..]
        .iter()
        .filter(|q| q.contains(needle))
        .cloned()
        .collect()
}
