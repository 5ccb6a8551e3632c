//! The GraphQL face of shipping: rates (`shippingQuote`, and
//! `Product.shippingEstimate` from the product's weight), `Order.shipment` and
//! the admin `updateShipmentStatus`.

use async_graphql::{
    Context, EmptySubscription, Enum, ID, Object, Result, SDLExportOptions, Schema, SchemaBuilder,
    SimpleObject,
};
use chrono::{DateTime, Utc};
use mart_service::ApiError;
use mart_service::identity::{require_admin, require_user};
use uuid::Uuid;

use crate::domain::{self, Shipping};
use crate::storage::{self, ShipmentRow};

pub type ShippingSchema = Schema<Query, Mutation, EmptySubscription>;

use mart_service::ApiResultExt;

pub use mart_service::types::Money;

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::ShipmentStatus")]
pub enum ShipmentStatus {
    LabelCreated,
    InTransit,
    Delivered,
    Returned,
    /// The order was cancelled before the parcel left.
    Cancelled,
}

#[derive(SimpleObject)]
pub struct ShipmentEvent {
    pub status: ShipmentStatus,
    pub at: DateTime<Utc>,
}

pub struct Shipment(pub ShipmentRow);

#[Object]
impl Shipment {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn order(&self) -> Order {
        Order {
            id: self.0.order_id,
        }
    }

    async fn carrier(&self) -> &str {
        &self.0.carrier
    }

    async fn tracking_number(&self) -> &str {
        &self.0.tracking_number
    }

    async fn status(&self) -> ShipmentStatus {
        self.0.status().into()
    }

    async fn weight_grams(&self) -> i64 {
        self.0.weight_grams
    }

    /// Every status the parcel had, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<ShipmentEvent>> {
        let shipping = ctx.data_unchecked::<Shipping>();
        let mut conn = shipping.db().conn().await.gql()?;
        let rows = storage::events_of(&mut conn, self.0.id).await.gql()?;
        Ok(rows
            .into_iter()
            .map(|r| ShipmentEvent {
                status: domain::ShipmentStatus::parse(&r.status)
                    .unwrap_or(domain::ShipmentStatus::LabelCreated)
                    .into(),
                at: r.at,
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

/// The orders service's order, extended with its shipment.
pub struct Order {
    pub id: Uuid,
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Null until the order is confirmed, and for other users' orders.
    async fn shipment(&self, ctx: &Context<'_>) -> Result<Option<Shipment>> {
        let user = require_user(ctx).gql()?;
        let shipping = ctx.data_unchecked::<Shipping>();
        let mut conn = shipping.db().conn().await.gql()?;
        let row = storage::find_by_order(&mut conn, self.id).await.gql()?;
        Ok(row.filter(|r| user.may_access(r.user_id)).map(Shipment))
    }
}

/// The products service's product, extended with a shipping estimate.
pub struct Product {
    pub id: ID,
    pub weight_grams: Option<i32>,
}

#[Object]
impl Product {
    async fn id(&self) -> &ID {
        &self.id
    }

    #[graphql(external)]
    async fn weight_grams(&self) -> i32 {
        self.weight_grams.unwrap_or(0)
    }

    /// What shipping one of this product to `country` costs in `currency`;
    /// null when it cannot be shipped there.
    #[graphql(requires = "weightGrams")]
    async fn shipping_estimate(
        &self,
        ctx: &Context<'_>,
        country: String,
        #[graphql(default = "EUR")] currency: String,
    ) -> Result<Option<Money>> {
        let Some(weight) = self.weight_grams else {
            return Err(ApiError::internal(
                "shippingEstimate resolved without weightGrams",
            ))
            .gql();
        };
        quote(ctx, &country, i64::from(weight), &currency).await
    }
}

/// An ISO 3166-1 alpha-2 country code has exactly two letters.
pub const COUNTRY_LEN: usize = 2;
/// An ISO 4217 currency code has exactly three letters; anything else cannot
/// match a rate and is refused rather than looked up.
pub const CURRENCY_LEN: usize = 3;

fn currency_code(currency: &str) -> Result<&str> {
    let ok = currency.len() == CURRENCY_LEN && currency.bytes().all(|b| b.is_ascii_uppercase());
    if ok {
        Ok(currency)
    } else {
        Err(ApiError::bad_input(
            "currency",
            "currency must be an ISO 4217 code of three uppercase letters, like EUR",
        ))
        .gql()
    }
}

fn country_code(country: &str) -> Result<String> {
    let code = country.trim().to_ascii_uppercase();
    if code.len() == COUNTRY_LEN && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(ApiError::bad_input(
            "country",
            "country must be an ISO 3166-1 alpha-2 code such as DE",
        ))
        .gql()
    }
}

async fn quote(
    ctx: &Context<'_>,
    country: &str,
    weight_grams: i64,
    currency: &str,
) -> Result<Option<Money>> {
    let country = country_code(country)?;
    let currency = currency_code(currency)?;
    if weight_grams < 0 {
        return Err(ApiError::bad_input(
            "weightGrams",
            "weightGrams must not be negative",
        ))
        .gql();
    }
    let shipping = ctx.data_unchecked::<Shipping>();
    let conn = shipping.db().conn().await.gql()?;
    let rate = storage::rate(&conn, &country, weight_grams, Some(currency))
        .await
        .gql()?;
    Ok(rate.map(|r| Money {
        amount_minor: r.amount_minor,
        currency: r.currency,
    }))
}

fn parse_id(field: &str, id: &ID) -> Result<Uuid> {
    mart_service::types::parse_id(field, id).gql()
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
        let order = Order {
            id: parse_id("orderId", &order_id)?,
        };
        order.shipment(ctx).await
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
        let id = parse_id("id", &id)?;
        let shipping = ctx.data_unchecked::<Shipping>();
        Ok(Shipment(
            shipping.update_status(id, status.into()).await.gql()?,
        ))
    }
}

pub fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .limit_depth(12)
}

pub fn schema(shipping: Shipping) -> ShippingSchema {
    builder().data(shipping).finish()
}

pub fn sdl() -> String {
    builder()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}
