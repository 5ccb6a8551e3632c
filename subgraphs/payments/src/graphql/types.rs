//! Payments' GraphQL types: `Payment`, and the `Order` entity it extends.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use mart_service::ApiResultExt;
use mart_service::identity::require_user;
use mart_service::types::Money;
use uuid::Uuid;

use crate::domain::{self, Payments};

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

pub struct Payment(pub domain::Payment);

impl Payment {
    fn money(&self, amount_minor: i64) -> Money {
        Money {
            amount_minor,
            currency: self.0.currency.clone().unwrap_or_default(),
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
        self.0.status.into()
    }

    /// What happened to the payment, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<PaymentEvent>> {
        let payments = ctx.data_unchecked::<Payments>();
        let history = payments.history(self.0.order_id).await.gql()?;
        Ok(history
            .into_iter()
            .map(|entry| PaymentEvent {
                kind: entry.kind,
                amount: entry.amount_minor.map(|a| self.money(a)),
                detail: entry.detail,
                at: entry.at,
            })
            .collect())
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

pub(super) async fn visible_payment(ctx: &Context<'_>, order_id: Uuid) -> Result<Option<Payment>> {
    let user = require_user(ctx).gql()?;
    let payments = ctx.data_unchecked::<Payments>();
    let payment = payments.payment_of_order(order_id).await.gql()?;
    Ok(payment
        .filter(|p| p.user_id.is_some_and(|owner| user.may_access(owner)))
        .map(Payment))
}
