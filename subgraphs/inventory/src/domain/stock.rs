//! Manual stock adjustments by staff.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use super::{InventoryError, LedgerKind, StockLevel};
use crate::emit;
use crate::storage::rows::NewLedgerRow;
use crate::storage::{Violation, ledger, stock, violation};

/// Larger single changes are typos, not deliveries.
pub const MAX_DELTA: i32 = 1_000_000;
/// The reason is kept in the ledger and copied into `inventory.stock_adjusted`:
/// a note such as "delivery 4711" or "stocktake", not a document.
pub const REASON_MAX: usize = 500;

#[derive(Debug, Clone)]
pub struct Adjustment {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    /// Units added (positive) or removed (negative).
    pub delta: i32,
    /// Why, for the ledger: "delivery 4711", "stocktake", "damaged".
    pub reason: String,
}

impl Adjustment {
    fn validate(&self) -> Result<String, InventoryError> {
        if self.delta == 0 || self.delta.abs() > MAX_DELTA {
            return Err(InventoryError::bad_input(
                "delta",
                format!("delta must be non-zero and at most {MAX_DELTA} either way"),
            ));
        }
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > REASON_MAX {
            return Err(InventoryError::bad_input(
                "reason",
                format!("reason must be 1 to {REASON_MAX} characters"),
            ));
        }
        Ok(reason.to_string())
    }
}

/// Changes `on_hand` by `delta`, never below what is reserved, and records the
/// change in the ledger and the outbox, all in one transaction (a savepoint when
/// the caller already has one open). The caller signals the outbox after commit.
pub async fn adjust_stock(
    conn: &mut AsyncPgConnection,
    adjustment: &Adjustment,
) -> Result<StockLevel, InventoryError> {
    let reason = adjustment.validate()?;
    let Adjustment {
        product_id,
        warehouse_id,
        delta,
        ..
    } = *adjustment;
    conn.transaction::<_, InventoryError, _>(async |c| {
        stock::ensure(c, product_id, warehouse_id)
            .await
            .map_err(|e| match violation(&e) {
                Some(Violation::ForeignKey(_)) => InventoryError::UnknownWarehouse(warehouse_id),
                _ => InventoryError::from(e),
            })?;
        let Some(level) = stock::add_on_hand(c, product_id, warehouse_id, delta).await? else {
            let current = StockLevel::from(
                stock::find(c, product_id, warehouse_id)
                    .await?
                    .ok_or(diesel::result::Error::NotFound)?,
            );
            return Err(InventoryError::BelowZero {
                removing: -delta,
                on_hand: current.on_hand,
                reserved: current.reserved,
                available: current.available(),
            });
        };
        ledger::append(
            c,
            &[NewLedgerRow {
                product_id,
                warehouse_id,
                kind: LedgerKind::Adjustment.as_str(),
                on_hand_delta: delta,
                reserved_delta: 0,
                order_id: None,
                reason: Some(reason.clone()),
            }],
        )
        .await?;
        emit::stock_adjusted(c, &level, delta, &reason).await?;
        Ok(level.into())
    })
    .await
}
