//! Business rules of stock, independent of GraphQL.

pub mod allocation;
pub mod reads;
pub mod stock;
pub mod warehouses;

pub use stock::{AdjustError, Adjustment, adjust_stock};
pub use warehouses::create_warehouse;
