//! The GraphQL face of payments: `Payment`, `Order.payment` on the orders
//! service's entity, and the admin `refundPayment`. Resolvers call the domain
//! only.

mod types;

use async_graphql::{
    Context, EmptySubscription, ID, Object, Result, SDLExportOptions, Schema, SchemaBuilder,
};
use mart_service::identity::require_admin;
use mart_service::types::id_arg;
use mart_service::{ApiError, ApiResultExt, DbError};
use uuid::Uuid;

use crate::domain::{Payments, PaymentsError};
use types::{Order, Payment, visible_payment};

pub type PaymentsSchema = Schema<Query, Mutation, EmptySubscription>;

impl From<PaymentsError> for ApiError {
    fn from(e: PaymentsError) -> Self {
        match e {
            PaymentsError::NoPayment(_) => ApiError::NotFound(e.to_string()),
            PaymentsError::NotRefundable(_) => ApiError::Conflict(e.to_string()),
            PaymentsError::BadRefundAmount { .. } => ApiError::bad_input("amount", e.to_string()),
            PaymentsError::ProcessorUnavailable => ApiError::ServiceUnavailable(e.to_string()),
            PaymentsError::ProcessorRefused(detail) => ApiError::Conflict(detail),
            PaymentsError::Corrupt(detail) => ApiError::internal(detail),
            // diesel's NotFound stays NOT_FOUND; other storage errors are internal
            // or SERVICE_UNAVAILABLE.
            PaymentsError::Storage(DbError::Query(e)) => e.into(),
            PaymentsError::Storage(e) => e.into(),
        }
    }
}

pub struct Query;

#[Object]
impl Query {
    /// The payment of one of the caller's orders (any order for staff).
    async fn payment(&self, ctx: &Context<'_>, order_id: ID) -> Result<Option<Payment>> {
        let order_id = id_arg("orderId", &order_id)?;
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
        let order_id = id_arg("orderId", &order_id)?;
        let payments = ctx.data_unchecked::<Payments>();
        Ok(Payment(
            payments.refund(order_id, amount_minor).await.gql()?,
        ))
    }
}

pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    mart_service::graphql::harden(
        Schema::build(Query, Mutation, EmptySubscription).enable_federation(),
        12,
    )
}

pub fn schema(payments: Payments) -> PaymentsSchema {
    builder().data(payments).finish()
}

pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}
