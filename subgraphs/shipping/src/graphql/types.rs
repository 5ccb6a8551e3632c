//! Shipping's GraphQL types: `Shipment`, and the `Order` and `Product`
//! entities it extends.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use mart_service::ApiError;
use mart_service::ApiResultExt;
use mart_service::identity::require_user;
use mart_service::types::Money;
use uuid::Uuid;

use crate::domain::{self, Shipping};

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

pub struct Shipment(pub domain::Shipment);

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
        self.0.status.into()
    }

    async fn weight_grams(&self) -> i64 {
        self.0.weight_grams
    }

    /// Every status the parcel had, oldest first.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<ShipmentEvent>> {
        let shipping = ctx.data_unchecked::<Shipping>();
        let history = shipping.history(self.0.id).await.gql()?;
        Ok(history
            .into_iter()
            .map(|change| ShipmentEvent {
                status: change.status.into(),
                at: change.at,
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
        visible_shipment(ctx, self.id).await
    }
}

/// The order's shipment, if the caller may see it (its owner or staff).
pub(super) async fn visible_shipment(
    ctx: &Context<'_>,
    order_id: Uuid,
) -> Result<Option<Shipment>> {
    let user = require_user(ctx).gql()?;
    let shipping = ctx.data_unchecked::<Shipping>();
    let shipment = shipping.shipment_of_order(order_id).await.gql()?;
    Ok(shipment
        .filter(|s| user.may_access(s.user_id))
        .map(Shipment))
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

/// A rate as GraphQL money.
pub(super) async fn quote(
    ctx: &Context<'_>,
    country: &str,
    weight_grams: i64,
    currency: &str,
) -> Result<Option<Money>> {
    let shipping = ctx.data_unchecked::<Shipping>();
    let price = shipping
        .quote(country, weight_grams, currency)
        .await
        .gql()?;
    Ok(price.map(|p| Money {
        amount_minor: p.amount_minor,
        currency: p.currency,
    }))
}
