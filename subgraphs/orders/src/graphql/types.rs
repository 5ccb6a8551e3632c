//! Output types: thin wrappers over the domain's orders.

use async_graphql::dataloader::DataLoader;
use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::loaders::{HistoryLoader, LinesLoader};
pub use mart_service::types::Money;
use mart_service::types::{Connection, Node};

use crate::domain;

/// A product, resolved by the products subgraph.
#[derive(SimpleObject)]
#[graphql(unresolvable = "id")]
pub struct Product {
    pub id: ID,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::status::OrderStatus")]
pub enum OrderStatus {
    /// Placed; waiting for stock.
    Pending,
    /// Stock held; waiting for payment.
    Reserved,
    /// Stock held and payment authorized.
    Confirmed,
    /// A shipping label exists.
    AwaitingShipment,
    Shipped,
    Delivered,
    Cancelled,
}

/// Where an order goes, as given at placement.
#[derive(SimpleObject)]
pub struct OrderAddress {
    /// Who the parcel is for.
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// One line, priced when the order was placed.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct OrderLine {
    pub quantity: i32,
    pub unit_price: Money,
    /// Unit price times quantity, before discount and tax.
    pub line_total: Money,
    /// The line's share of the order's discount.
    pub discount: Money,
    /// Tax on the line total less its discount (rounded per line, half away from zero).
    pub tax: Money,
    #[graphql(skip)]
    pub product_id: Uuid,
}

#[ComplexObject]
impl OrderLine {
    async fn product(&self) -> Product {
        Product {
            id: ID(self.product_id.to_string()),
        }
    }
}

#[derive(SimpleObject)]
pub struct OrderStatusEntry {
    pub status: OrderStatus,
    pub at: DateTime<Utc>,
    /// Why, for cancellations: out_of_stock, payment_declined,
    /// customer_cancelled or reservation_expired.
    pub reason: Option<String>,
}

impl From<domain::HistoryEntry> for OrderStatusEntry {
    fn from(entry: domain::HistoryEntry) -> Self {
        Self {
            status: entry.status.into(),
            at: entry.at,
            reason: entry.reason,
        }
    }
}

pub struct Order(pub domain::Order);

impl Order {
    fn money(&self, amount_minor: i64) -> Money {
        Money {
            amount_minor,
            currency: self.0.currency.clone(),
        }
    }

    fn line(&self, line: domain::OrderLine) -> OrderLine {
        OrderLine {
            quantity: line.quantity,
            unit_price: self.money(line.unit_price_minor),
            line_total: self.money(line.total_minor()),
            discount: self.money(line.discount_minor),
            tax: self.money(line.tax_minor),
            product_id: line.product_id,
        }
    }
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Human-readable, e.g. `M-1042`.
    async fn number(&self) -> &str {
        &self.0.number
    }

    async fn status(&self) -> OrderStatus {
        self.0.status.into()
    }

    /// Set when the order is CANCELLED.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }

    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLine>> {
        let loader = ctx.data_unchecked::<DataLoader<LinesLoader>>();
        let lines = loader.load_one(self.0.id).await?.unwrap_or_default();
        Ok(lines.into_iter().map(|l| self.line(l)).collect())
    }

    async fn subtotal(&self) -> Money {
        self.money(self.0.subtotal_minor)
    }

    async fn shipping_cost(&self) -> Money {
        self.money(self.0.shipping_minor)
    }

    /// Taken off the subtotal by a discount code (orders from a cart; else zero).
    async fn discount(&self) -> Money {
        self.money(self.0.discount_minor)
    }

    /// The discount code used, if any.
    async fn discount_code(&self) -> Option<&str> {
        self.0.discount_code.as_deref()
    }

    /// Tax on the lines less their discount: the sum of the lines' tax (orders from a
    /// cart; zero for orders placed with `placeOrder`, whose prices are as they are).
    async fn tax(&self) -> Money {
        self.money(self.0.tax_minor)
    }

    /// What the payment authorizes: subtotal − discount + tax + shipping, fixed at
    /// placement.
    async fn total(&self) -> Money {
        self.money(self.0.total_minor)
    }

    async fn total_weight_grams(&self) -> i64 {
        self.0.total_weight_grams
    }

    async fn shipping_address(&self) -> OrderAddress {
        let a = self.0.shipping_address.clone();
        OrderAddress {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            postal_code: a.postal_code,
            country: a.country,
        }
    }

    /// Every status the order had, oldest first.
    async fn status_history(&self, ctx: &Context<'_>) -> Result<Vec<OrderStatusEntry>> {
        let loader = ctx.data_unchecked::<DataLoader<HistoryLoader>>();
        let entries = loader.load_one(self.0.id).await?.unwrap_or_default();
        Ok(entries.into_iter().map(OrderStatusEntry::from).collect())
    }

    /// An order still waiting for payment is cancelled after this.
    async fn reservation_expires_at(&self) -> DateTime<Utc> {
        self.0.reservation_expires_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

impl Node for Order {
    const NAME: &'static str = "Order";
}

/// A page of orders, newest first.
pub type OrderConnection = Connection<Order>;
