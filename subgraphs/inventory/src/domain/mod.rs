//! Business rules of stock, independent of GraphQL.

pub mod allocation;
mod error;
pub mod reads;
pub mod stock;
pub mod warehouses;

pub use error::InventoryError;
pub use stock::{Adjustment, adjust_stock};
pub use warehouses::create_warehouse;
