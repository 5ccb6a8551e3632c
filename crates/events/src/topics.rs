//! One topic per producing service, plus one for the orders' status changes and
//! one for stock movements (what no saga step waits on stays off the topics the
//! saga's consumers fetch); the message key is the aggregate id, so the events of
//! one aggregate stay in order.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Products,
    Inventory,
    /// Stock movements no saga step waits on: `inventory.committed`,
    /// `inventory.released` and `inventory.stock_adjusted`. On the inventory topic,
    /// orders and payments fetched every order's `inventory.committed` only to skip
    /// it (see [`Topic::OrderStatus`] for what that costs).
    Stock,
    Users,
    Orders,
    /// `order.status_changed` only: four or more per order, read only by live
    /// updates. On the orders topic every saga consumer fetched them to skip
    /// them, and a broker that stores records in SQL (tansu) runs a query per
    /// record fetched (bench/README.md).
    OrderStatus,
    Payments,
    Shipping,
    /// `checkout.completed`: a cart checked out, for orders to turn into an order.
    Checkout,
}

impl Topic {
    pub const ALL: &'static [Topic] = &[
        Topic::Products,
        Topic::Inventory,
        Topic::Stock,
        Topic::Users,
        Topic::Orders,
        Topic::OrderStatus,
        Topic::Payments,
        Topic::Shipping,
        Topic::Checkout,
    ];

    /// The name without the deployment's prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Products => "products",
            Topic::Inventory => "inventory",
            Topic::Stock => "stock",
            Topic::Users => "users",
            Topic::Orders => "orders",
            Topic::OrderStatus => "order-status",
            Topic::Payments => "payments",
            Topic::Shipping => "shipping",
            Topic::Checkout => "checkout",
        }
    }

    /// The full topic name for a deployment whose prefix is `prefix`.
    pub fn name(self, prefix: &str) -> String {
        format!("{prefix}{}", self.as_str())
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
