//! Business rules of stock, independent of GraphQL.

pub mod allocation;
mod error;
mod ledger;
mod level;
pub mod reads;
pub mod reservations;
pub mod stock;
pub mod warehouses;

pub use error::InventoryError;
pub use ledger::{LedgerEntry, LedgerKind};
pub use level::StockLevel;
pub use stock::{Adjustment, adjust_stock};
pub use warehouses::{Warehouse, create_warehouse};
