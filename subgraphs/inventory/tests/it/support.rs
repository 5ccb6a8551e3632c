//! A database or a running service of one test's own.

use chrono::TimeDelta;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use mart_inventory::domain::reservations::{
    CommitOutcome, Reservation, ReservationError, ReservationLine, ReserveError, ReserveOutcome,
    ReserveRequest, commit_batch, find_reservation, reserve_batch,
};
use mart_inventory::domain::{Adjustment, StockLevel, adjust_stock, create_warehouse};
use mart_service::{Database, ServiceConfig, testkit};
use serde_json::Value;
use uuid::Uuid;

/// The inventory database, migrated, without the service (no broker needed).
pub struct TestDb {
    pub config: ServiceConfig,
    pub db: Database,
    /// Drops the database even when a test fails before it is closed.
    pub _databases: testkit::DropDatabases,
}

impl TestDb {
    pub async fn open(label: &str) -> Self {
        let config = testkit::isolated_config(label);
        let databases = testkit::DropDatabases::new(&config);
        let db = open_db(&config).await;
        Self {
            config,
            db,
            _databases: databases,
        }
    }

    pub async fn conn(&self) -> mart_service::db::PgConn {
        self.db.conn().await.unwrap()
    }

    pub async fn drop(self) {
        drop_db(&self.config, self.db).await;
    }
}

async fn open_db(config: &ServiceConfig) -> Database {
    Database::open(
        config,
        mart_inventory::SERVICE,
        &[&mart_events::MIGRATIONS, &mart_inventory::MIGRATIONS],
    )
    .await
    .unwrap()
}

async fn drop_db(config: &ServiceConfig, db: Database) {
    drop(db);
    let name = config.database_name(mart_inventory::SERVICE);
    mart_service::db::drop_database(&config.database_url, &name)
        .await
        .unwrap();
}

/// The shared [`testkit::TestService`], signed in as staff, and its database.
pub struct TestService {
    service: testkit::TestService,
    pub store: TestDb,
    pub auth: testkit::TestAuth,
    /// Sent with [`Self::gql`]: stock changes are for staff.
    admin_token: String,
}

impl std::ops::Deref for TestService {
    type Target = testkit::TestService;

    fn deref(&self) -> &Self::Target {
        &self.service
    }
}

impl TestService {
    pub async fn start(label: &str, settings: mart_inventory::Settings) -> Self {
        let mut config = testkit::isolated_config(label);
        let auth = testkit::TestAuth::start(&mut config).await;
        let admin_token = auth.token(mart_auth::Role::Admin);
        let service = testkit::TestService::start(config, move |config, listener, shutdown| {
            Box::pin(mart_inventory::start_with(
                config, listener, shutdown, settings,
            ))
        })
        .await;
        let config = service.config.clone();
        let db = open_db(&config).await;
        Self {
            service,
            store: TestDb {
                _databases: testkit::DropDatabases::new(&config),
                config,
                db,
            },
            auth,
            admin_token,
        }
    }

    /// As an admin.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(Some(&self.admin_token), query, variables).await
    }

    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// (code, field) of the first error.
    pub async fn error(&self, query: &str, variables: Value) -> (String, Option<String>) {
        let body = self.gql(query, variables).await;
        let error = &body["errors"][0]["extensions"];
        assert!(error.is_object(), "expected an error: {body:#}");
        (
            error["code"].as_str().unwrap_or("").to_string(),
            error["field"].as_str().map(str::to_string),
        )
    }

    pub async fn stop(self) {
        self.service.stop().await;
        self.store.drop().await;
    }
}

pub async fn warehouse(conn: &mut AsyncPgConnection, code: &str) -> Uuid {
    create_warehouse(conn, code, &format!("Warehouse {code}"))
        .await
        .unwrap()
        .id
}

pub async fn stock_up(conn: &mut AsyncPgConnection, product: Uuid, warehouse: Uuid, units: i32) {
    let adjustment = Adjustment {
        product_id: product,
        warehouse_id: warehouse,
        delta: units,
        reason: "delivery".into(),
    };
    adjust_stock(conn, &adjustment).await.unwrap();
}

pub fn line(product_id: Uuid, quantity: i32) -> ReservationLine {
    ReservationLine {
        product_id,
        quantity,
    }
}

/// Holds `lines` for `order` for a quarter of an hour (see [`reserve_for`]).
pub async fn reserve(
    conn: &mut AsyncPgConnection,
    order: Uuid,
    lines: &[ReservationLine],
) -> Result<Reservation, ReserveError> {
    reserve_for(conn, order, lines, TimeDelta::minutes(15)).await
}

/// Attempts of [`reserve_for`] before it returns [`ReserveError::Raced`]. The
/// consumer tries again for as long as it takes, but the order is found
/// reserved the second time: more than that would be a bug, not bad luck.
const RACED_ATTEMPTS: usize = 5;

/// Reserves one order the way the saga's consumer reserves a round: with
/// [`reserve_batch`] inside a transaction of its own, committed whatever the
/// outcome, and rolled back and run again when another transaction reserved
/// the order meanwhile. The reservation as it is then (the existing one when
/// the order had one), or why nothing was held.
pub async fn reserve_for(
    conn: &mut AsyncPgConnection,
    order: Uuid,
    lines: &[ReservationLine],
    ttl: TimeDelta,
) -> Result<Reservation, ReserveError> {
    let round = [ReserveRequest {
        order_id: order,
        lines: lines.to_vec(),
        ttl,
    }];
    let mut attempt = 1;
    let outcome = loop {
        let result = conn
            .transaction(async |c| {
                let mut outcomes = reserve_batch(c, &round).await?;
                assert_eq!(outcomes.len(), 1, "one outcome per request");
                Ok(outcomes.remove(0))
            })
            .await;
        match result {
            Err(ReserveError::Raced(_)) if attempt < RACED_ATTEMPTS => attempt += 1,
            result => break result?,
        }
    };
    match outcome {
        ReserveOutcome::Reserved | ReserveOutcome::AlreadyReserved => {
            Ok(find_reservation(conn, order)
                .await?
                .expect("a reserved order has a reservation"))
        }
        ReserveOutcome::Insufficient(shortages) => Err(ReserveError::Insufficient(shortages)),
        ReserveOutcome::Invalid(detail) => Err(ReserveError::Invalid(detail)),
    }
}

/// Sells the stock held for `order` the way the saga's consumer sells a round:
/// with [`commit_batch`] inside a transaction of its own. The reservation as it
/// is then, or why nothing was sold.
pub async fn commit(
    conn: &mut AsyncPgConnection,
    order: Uuid,
) -> Result<Reservation, ReservationError> {
    let outcome = conn
        .transaction(async |c| {
            let mut outcomes = commit_batch(c, &[order]).await?;
            assert_eq!(outcomes.len(), 1, "one outcome per order");
            Ok::<_, ReservationError>(outcomes.remove(0))
        })
        .await?;
    match outcome {
        CommitOutcome::Committed | CommitOutcome::AlreadyCommitted => {
            Ok(find_reservation(conn, order)
                .await?
                .expect("a committed order has a reservation"))
        }
        CommitOutcome::Refused(error) => Err(error),
    }
}

pub async fn level(conn: &mut AsyncPgConnection, product: Uuid, warehouse: Uuid) -> StockLevel {
    mart_inventory::storage::stock::find(conn, product, warehouse)
        .await
        .unwrap()
        .expect("a stock level")
        .into()
}

#[derive(Debug, PartialEq, Eq, QueryableByName)]
pub struct LedgerTotals {
    #[diesel(sql_type = BigInt)]
    pub entries: i64,
    #[diesel(sql_type = BigInt)]
    pub on_hand: i64,
    #[diesel(sql_type = BigInt)]
    pub reserved: i64,
}

/// What the ledger says a level holds: the sums of its deltas.
pub async fn ledger_totals(
    conn: &mut AsyncPgConnection,
    product: Uuid,
    warehouse: Uuid,
) -> LedgerTotals {
    diesel::sql_query(
        "SELECT count(*) AS entries, coalesce(sum(on_hand_delta), 0)::bigint AS on_hand, \
         coalesce(sum(reserved_delta), 0)::bigint AS reserved \
         FROM stock_ledger WHERE product_id = $1 AND warehouse_id = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(product)
    .bind::<diesel::sql_types::Uuid, _>(warehouse)
    .get_result(conn)
    .await
    .unwrap()
}

/// The ledger agrees with the level it explains.
pub async fn assert_ledger_matches(conn: &mut AsyncPgConnection, product: Uuid, warehouse: Uuid) {
    let level = level(conn, product, warehouse).await;
    let totals = ledger_totals(conn, product, warehouse).await;
    assert_eq!(
        (totals.on_hand, totals.reserved),
        (i64::from(level.on_hand), i64::from(level.reserved)),
        "ledger vs level {level:?}"
    );
}

#[derive(Debug, QueryableByName)]
pub struct EventRow {
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub payload: Value,
}

pub async fn events(conn: &mut AsyncPgConnection) -> Vec<EventRow> {
    diesel::sql_query(
        "SELECT envelope->>'type' AS event_type, envelope->'payload' AS payload \
         FROM outbox_events ORDER BY seq",
    )
    .load(conn)
    .await
    .unwrap()
}
