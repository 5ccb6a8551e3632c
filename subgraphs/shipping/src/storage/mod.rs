//! Rates and shipments in the shipping database. Rows carry statuses as the
//! text the table stores; the domain gives them meaning.

pub mod rates;
pub mod rows;
pub mod schema;
pub mod shipments;

pub use rates::rate;
pub use rows::{RateRow, ShipmentEventRow, ShipmentRow};
pub use shipments::{
    events_of, find, find_by_order, insert_shipments, lock, lock_by_order, log_status,
    log_statuses, set_status,
};
