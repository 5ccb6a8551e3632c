//! Holding stock for orders: reserve (all or nothing, once per order), then
//! release, commit (sell) or let expire.
//!
//! These are plain functions over a connection so that a Kafka handler can call
//! them inside the transaction that records the event as handled. Reserving
//! and selling take a whole round of orders ([`reserve_batch`],
//! [`commit_batch`]) and run only inside the caller's transaction; releasing
//! and expiring run alone in their own transaction or inside the caller's
//! (see [`atomic`] for why not a savepoint there). Events go to the outbox on
//! the same connection: signal the relay after the outer commit.
//!
//! Safety under concurrency comes from the database: the order id is the
//! primary key of `reservations` (a second reserve of the same order waits for
//! the first, then fails with [`ReserveError::Raced`] or finds it reserved),
//! stock rows are locked in (product, warehouse) order before they are read and
//! changed, and a CHECK keeps `reserved` within `0..=on_hand`.

mod atomic;
mod batch;
mod close;

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use mart_events::catalog::Shortage;
use uuid::Uuid;

use crate::storage::reservations as table;
use crate::storage::rows::{ReservationLineRow, ReservationRow};

pub use batch::{CommitOutcome, ReserveOutcome, ReserveRequest, commit_batch, reserve_batch};
pub use close::{expire_reservations, release_reservation};

/// Most lines one order may reserve.
pub const MAX_LINES: usize = 500;

/// Units of a product an order wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationLine {
    pub product_id: Uuid,
    pub quantity: i32,
}

/// Units held in one warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservedLine {
    pub product_id: Uuid,
    pub warehouse_id: Uuid,
    pub quantity: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationStatus {
    /// Stock is held until `expires_at`.
    Active,
    /// Given back before it was sold.
    Released,
    /// Sold: the units left `on_hand`.
    Committed,
    /// Given back because nobody committed or released it in time.
    Expired,
}

impl ReservationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Released => "RELEASED",
            Self::Committed => "COMMITTED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Statuses come from our own column, whose CHECK allows only these.
    fn from_column(value: &str) -> Self {
        match value {
            "RELEASED" => Self::Released,
            "COMMITTED" => Self::Committed,
            "EXPIRED" => Self::Expired,
            _ => Self::Active,
        }
    }
}

impl std::fmt::Display for ReservationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub order_id: Uuid,
    pub status: ReservationStatus,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// In (product, warehouse) order.
    pub lines: Vec<ReservedLine>,
}

impl Reservation {
    fn from_rows(row: ReservationRow, lines: Vec<ReservationLineRow>) -> Self {
        Self {
            order_id: row.order_id,
            status: ReservationStatus::from_column(&row.status),
            expires_at: row.expires_at,
            created_at: row.created_at,
            closed_at: row.closed_at,
            lines: lines
                .into_iter()
                .map(|l| ReservedLine {
                    product_id: l.product_id,
                    warehouse_id: l.warehouse_id,
                    quantity: l.quantity,
                })
                .collect(),
        }
    }

    /// Units held per product, summed over warehouses.
    pub fn quantity_of(&self, product_id: Uuid) -> i32 {
        self.lines
            .iter()
            .filter(|l| l.product_id == product_id)
            .map(|l| l.quantity)
            .sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    #[error("invalid reservation: {0}")]
    Invalid(String),
    /// Nothing was reserved; every line that could not be covered is listed.
    #[error("not enough stock for {} of the order's products", .0.len())]
    Insufficient(Vec<Shortage>),
    /// Another transaction reserved this order while [`reserve_batch`] held
    /// it: roll back and try again (the order is then found reserved).
    #[error("order {0} was reserved concurrently")]
    Raced(Uuid),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum ReservationError {
    #[error("order {0} has no reservation")]
    NotFound(Uuid),
    #[error("the reservation of order {order_id} is {status}")]
    NotActive {
        order_id: Uuid,
        status: ReservationStatus,
    },
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// The order's reservation as it is now, if it has one.
pub async fn find_reservation(
    conn: &AsyncPgConnection,
    order_id: Uuid,
) -> QueryResult<Option<Reservation>> {
    let (row, lines) =
        futures::try_join!(table::find(conn, order_id), table::lines(conn, order_id))?;
    Ok(row.map(|row| Reservation::from_rows(row, lines)))
}
