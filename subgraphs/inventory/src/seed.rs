//! Demo warehouses and initial stock. Warehouse ids derive from their code;
//! stock is only added where a product has no level in a warehouse yet, through
//! the ledger like any adjustment: seeding twice changes nothing.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use mart_service::{Database, ServiceConfig, StartError};
use uuid::Uuid;

use crate::domain::{Adjustment, InventoryError, adjust_stock};
use crate::storage::{stock, warehouses};

/// (code, name)
pub const WAREHOUSES: &[(&str, &str)] = &[
    ("AMS-1", "Amsterdam Fulfilment Centre"),
    ("BER-1", "Berlin Warehouse"),
    ("MAD-1", "Madrid Depot"),
];

const NAMESPACE: Uuid = Uuid::from_u128(0x6d61_7274_2d69_6e76_656e_746f_7279_2d31);

pub const SEED_REASON: &str = "initial stock (seed)";

pub fn warehouse_id(code: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("warehouse:{code}").as_bytes())
}

/// Deterministic and varied: about one product in eight is out of stock
/// everywhere, others miss some warehouses.
pub fn initial_quantity(product_id: Uuid, warehouse_index: usize) -> i32 {
    let bytes = product_id.as_bytes();
    if bytes[0].is_multiple_of(8) {
        return 0;
    }
    let q = i32::from(bytes[1 + warehouse_index % 15] % 60);
    if q < 12 { 0 } else { q }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("seeding stock failed: {0}")]
    Stock(#[from] InventoryError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedOutcome {
    pub warehouse_ids: Vec<Uuid>,
    /// Stock levels created by this run (zero on a rerun).
    pub new_levels: usize,
}

/// Opens (and migrates) the inventory database, creates the demo warehouses and
/// gives every product in `product_ids` its initial stock where it has none.
pub async fn seed(config: &ServiceConfig, product_ids: &[Uuid]) -> Result<SeedOutcome, SeedError> {
    let db = Database::open(
        config,
        crate::SERVICE,
        &[&mart_events::MIGRATIONS, &crate::MIGRATIONS],
    )
    .await
    .map_err(StartError::from)?;
    let mut conn = db.conn().await.map_err(StartError::from)?;
    let outcome = conn
        .transaction::<_, InventoryError, _>(async |c| seed_in(c, product_ids).await)
        .await?;
    tracing::info!(
        warehouses = outcome.warehouse_ids.len(),
        new_levels = outcome.new_levels,
        "inventory seeded"
    );
    Ok(outcome)
}

async fn seed_in(
    conn: &mut AsyncPgConnection,
    product_ids: &[Uuid],
) -> Result<SeedOutcome, InventoryError> {
    for (code, name) in WAREHOUSES {
        warehouses::insert_missing(conn, warehouse_id(code), code, name).await?;
    }
    // A warehouse made by hand with a seed code keeps its own id.
    let codes: Vec<&str> = WAREHOUSES.iter().map(|(code, _)| *code).collect();
    let existing = warehouses::by_codes(conn, &codes).await?;
    let warehouse_ids: Vec<Uuid> = codes
        .iter()
        .filter_map(|code| existing.iter().find(|w| w.code == *code).map(|w| w.id))
        .collect();

    let mut new_levels = 0;
    for &product_id in product_ids {
        for (index, &warehouse_id) in warehouse_ids.iter().enumerate() {
            if !stock::ensure(conn, product_id, warehouse_id).await? {
                continue;
            }
            new_levels += 1;
            let quantity = initial_quantity(product_id, index);
            if quantity > 0 {
                let adjustment = Adjustment {
                    product_id,
                    warehouse_id,
                    delta: quantity,
                    reason: SEED_REASON.to_string(),
                };
                adjust_stock(conn, &adjustment).await?;
            }
        }
    }
    Ok(SeedOutcome {
        warehouse_ids,
        new_levels,
    })
}
