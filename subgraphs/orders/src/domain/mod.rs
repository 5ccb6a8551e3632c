//! What an order is and how it moves: the status state machine, the placement
//! rules, and the service that applies both to the database.

pub mod address;
pub mod admission;
mod error;
pub mod intake;
mod order;
pub mod orders;
pub mod placement;
pub mod reads;
mod settings;
pub mod status;
pub mod transition;

pub use error::OrdersError;
pub use order::{HistoryEntry, Order, OrderLine};
pub use orders::{Dependencies, Orders};
pub use settings::OrdersSettings;
pub use status::{OrderEvent, OrderStatus};
