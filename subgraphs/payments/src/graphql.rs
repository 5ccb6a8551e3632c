//! The GraphQL face of payments: `Payment`, `Order.payment` on the orders
//! service's entity, and the admin `refundPayment`.

use async_graphql::{
    Context, EmptySubscription, Enum, ID, Object, Result, SDLExportOptions, Schema, SchemaBuilder,
    SimpleObject,
};
use chrono::{DateTime, Utc};
use mart_service::identity::{require_admin, require_user};
use uuid::Uuid;

use crate::domain::{self, Payments};
use crate::storage::{self, PaymentEventRow, PaymentRow};

pub type PaymentsSchema = Schema<Query, Mutation, EmptySubscription>;

use mart_service::ApiResultExt;

pub use mart_service::types::Money;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::PaymentStatus")]
pub enum PaymentStatus {
    /// Waiting for the order's stock to be held.
    Pending,
    Authorized,
    Captured,
    Voided,
    Declined,
    Refunded,
    PartiallyRefunded,
    /// The order was cancelled before anything was authorized.
    Abandoned,
}

#[derive(SimpleObject)]
pub struct PaymentEvent {
    /// authorized, declined, captured, voided, refunded, abandoned, …
    pub kind: String,
    pub amount: Option<Money>,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

pub struct Payment(pub PaymentRow);

impl Payment {
    fn money(&self, amount_minor: i64) -> Money {
        Money {
            amount_minor,
            currency: self.0.currency.clone().unwrap_or_default(),
        }
    }

    fn event(&self, row: PaymentEventRow) -> PaymentEvent {
        PaymentEvent {
            kind: row.kind,
            amount: row.amount_minor.map(|a| self.money(a)),
            detail: row.detail,
            at: row.at,
        }
    }
}

#[Object]
impl Payment {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn order(&self) -> Order {
        Order {
            id: self.0.order_id,
        }
    }

    /// The order's total, fixed at placement.
    async fn amount(&self) -> Money {
        self.money(self.0.amount_minor.unwrap_or(0))
    }

    async fn refunded(&self) -> Money {
        self.money(self.0.refunded_minor)
    }

    async fn status(&self) -> PaymentStatus {
        self.0.status().into()
    }

    /// What happened to the payment, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<PaymentEvent>> {
        let payments = ctx.data_unchecked::<Payments>();
        let mut conn = payments.db().conn().await.gql()?;
        let rows = storage::events_of(&mut conn, self.0.order_id).await.gql()?;
        Ok(rows.into_iter().map(|r| self.event(r)).collect())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// The orders service's order, extended with its payment.
pub struct Order {
    pub id: Uuid,
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Null until payments has heard of the order, and for other users' orders.
    async fn payment(&self, ctx: &Context<'_>) -> Result<Option<Payment>> {
        visible_payment(ctx, self.id).await
    }
}

async fn visible_payment(ctx: &Context<'_>, order_id: Uuid) -> Result<Option<Payment>> {
    let user = require_user(ctx).gql()?;
    let payments = ctx.data_unchecked::<Payments>();
    let mut conn = payments.db().conn().await.gql()?;
    let row = storage::find(&mut conn, order_id).await.gql()?;
    Ok(row
        .filter(|r| r.amount_minor.is_some())
        .filter(|r| r.user_id.is_some_and(|owner| user.may_access(owner)))
        .map(Payment))
}

fn parse_id(field: &str, id: &ID) -> Result<Uuid> {
    mart_service::types::parse_id(field, id).gql()
}

pub struct Query;

#[Object]
impl Query {
    /// The payment of one of the caller's orders (any order for staff).
    async fn payment(&self, ctx: &Context<'_>, order_id: ID) -> Result<Option<Payment>> {
        let order_id = parse_id("orderId", &order_id)?;
        visible_payment(ctx, order_id).await
    }

    #[graphql(entity)]
    async fn find_order_by_id(&self, id: ID) -> Option<Order> {
        Uuid::parse_str(&id).ok().map(|id| Order { id })
    }
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// Staff only: gives back `amountMinor` (default: all that is left) of a
    /// captured payment.
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        amount_minor: Option<i64>,
    ) -> Result<Payment> {
        require_admin(ctx).gql()?;
        let order_id = parse_id("orderId", &order_id)?;
        let payments = ctx.data_unchecked::<Payments>();
        Ok(Payment(
            payments.refund(order_id, amount_minor).await.gql()?,
        ))
    }
}

pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .limit_depth(12)
}

pub fn schema(payments: Payments) -> PaymentsSchema {
    builder().data(payments).finish()
}

pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}
