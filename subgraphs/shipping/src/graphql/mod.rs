//! The GraphQL face of shipping: rates (`shippingQuote`, and
//! `Product.shippingEstimate` from the product's weight), `Order.shipment` and
//! the admin `updateShipmentStatus`. Resolvers call the domain only.

mod types;

use async_graphql::{
    Context, EmptySubscription, ID, Object, Result, SDLExportOptions, Schema, SchemaBuilder,
};
use mart_service::identity::require_admin;
use mart_service::types::Money;
use mart_service::types::id_arg;
use mart_service::{ApiError, ApiResultExt, DbError};
use uuid::Uuid;

use crate::domain::{Shipping, ShippingError};
use types::{Order, Product, Shipment, ShipmentStatus, quote, visible_shipment};

pub type ShippingSchema = Schema<Query, Mutation, EmptySubscription>;

impl From<ShippingError> for ApiError {
    fn from(e: ShippingError) -> Self {
        match e {
            ShippingError::BadInput { field, message } => ApiError::bad_input(field, message),
            ShippingError::NoShipment(_) => ApiError::NotFound(e.to_string()),
            ShippingError::NotAllowed { .. } => ApiError::Conflict(e.to_string()),
            // diesel's NotFound stays NOT_FOUND; other storage errors are internal
            // or SERVICE_UNAVAILABLE.
            ShippingError::Storage(DbError::Query(e)) => e.into(),
            ShippingError::Storage(e) => e.into(),
        }
    }
}

pub struct Query;

#[Object]
impl Query {
    /// The cost of shipping `weightGrams` to `country`, in `currency`; null when
    /// nothing ships there. What orders asks at placement.
    async fn shipping_quote(
        &self,
        ctx: &Context<'_>,
        country: String,
        weight_grams: i64,
        currency: String,
    ) -> Result<Option<Money>> {
        quote(ctx, &country, weight_grams, &currency).await
    }

    /// The shipment of one of the caller's orders (any order for staff).
    async fn shipment(&self, ctx: &Context<'_>, order_id: ID) -> Result<Option<Shipment>> {
        visible_shipment(ctx, id_arg("orderId", &order_id)?).await
    }

    #[graphql(entity)]
    async fn find_order_by_id(&self, id: ID) -> Option<Order> {
        Uuid::parse_str(&id).ok().map(|id| Order { id })
    }

    #[graphql(entity)]
    async fn find_product_by_id(
        &self,
        #[graphql(key)] id: ID,
        weight_grams: Option<i32>,
    ) -> Product {
        Product { id, weight_grams }
    }
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// Staff only: the parcel left (IN_TRANSIT: the payment is captured), arrived
    /// (DELIVERED) or came back (RETURNED).
    async fn update_shipment_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: ShipmentStatus,
    ) -> Result<Shipment> {
        require_admin(ctx).gql()?;
        let id = id_arg("id", &id)?;
        let shipping = ctx.data_unchecked::<Shipping>();
        Ok(Shipment(
            shipping.update_status(id, status.into()).await.gql()?,
        ))
    }
}

pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    mart_service::graphql::harden(
        Schema::build(Query, Mutation, EmptySubscription).enable_federation(),
        12,
    )
}

pub fn schema(shipping: Shipping) -> ShippingSchema {
    builder().data(shipping).finish()
}

pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}
