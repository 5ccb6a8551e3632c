//! Warehouses, and the rules for creating one.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::InventoryError;
use crate::storage::rows::WarehouseRow;
use crate::storage::{Violation, violation, warehouses};

/// A warehouse as the use cases hand it out.
#[derive(Debug, Clone, PartialEq)]
pub struct Warehouse {
    pub id: Uuid,
    /// Short and unique, e.g. `AMS-1`.
    pub code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<WarehouseRow> for Warehouse {
    fn from(row: WarehouseRow) -> Self {
        Self {
            id: row.id,
            code: row.code,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

/// A warehouse code is a short label printed on pick lists: `AMS-1`.
pub const CODE_MAX: usize = 16;
/// A warehouse name: a display label, short by nature.
pub const NAME_MAX: usize = 100;

/// `AMS-1`: 2 to 16 uppercase letters, digits and hyphens.
pub fn validate_code(code: &str) -> Result<String, InventoryError> {
    let code = code.trim();
    let ok = (2..=CODE_MAX).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        return Err(InventoryError::bad_input(
            "code",
            format!("code must be 2 to {CODE_MAX} uppercase letters, digits or hyphens"),
        ));
    }
    Ok(code.to_string())
}

pub fn validate_name(name: &str) -> Result<String, InventoryError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(InventoryError::bad_input(
            "name",
            format!("name must be 1 to {NAME_MAX} characters"),
        ));
    }
    Ok(name.to_string())
}

pub async fn create_warehouse(
    conn: &mut AsyncPgConnection,
    code: &str,
    name: &str,
) -> Result<Warehouse, InventoryError> {
    let code = validate_code(code)?;
    let name = validate_name(name)?;
    let row = warehouses::insert(conn, Uuid::now_v7(), &code, &name)
        .await
        .map_err(|e| match violation(&e) {
            Some(Violation::Unique("warehouses_code_key")) => InventoryError::CodeTaken(code),
            _ => InventoryError::from(e),
        })?;
    Ok(row.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_and_uppercase() {
        assert_eq!(validate_code(" AMS-1 ").unwrap(), "AMS-1");
        for bad in ["A", "ams-1", "AMS 1", "ABCDEFGHIJKLMNOPQ"] {
            assert!(validate_code(bad).is_err(), "{bad:?}");
        }
    }
}
