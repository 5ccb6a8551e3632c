//! Carts in the checkout database: Diesel tables, rows and the queries on them.

pub mod carts;
pub mod discounts;
pub mod rows;
pub mod schema;
pub mod taxes;
