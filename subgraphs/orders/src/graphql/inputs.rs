//! Input types and their conversion to the domain's requests.

use async_graphql::{ID, InputObject};
use mart_events::catalog::AddressPayload;
use mart_service::ApiError;

use crate::domain::placement::{Destination, LineRequest, PlaceOrderRequest};

#[derive(InputObject)]
pub struct OrderLineInput {
    pub product_id: ID,
    /// 1 to 100.
    pub quantity: i32,
}

/// The same fields as the users service's `Address`.
#[derive(InputObject)]
pub struct OrderAddressInput {
    /// Who the parcel is for.
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
}

#[derive(InputObject)]
pub struct PlaceOrderInput {
    pub lines: Vec<OrderLineInput>,
    /// One of the caller's saved addresses (the users service's
    /// `Address.id`), copied into the order as it is now; give this or
    /// `address`.
    pub shipping_address_id: Option<ID>,
    pub address: Option<OrderAddressInput>,
    /// The card processor's token (test mode: tok_ok, tok_declined, tok_error).
    pub payment_token: String,
    /// Placing the same request again with the same key returns the first
    /// order; another request with a key already used is refused (CONFLICT).
    pub idempotency_key: String,
}

pub use mart_service::types::parse_id;

impl PlaceOrderInput {
    pub fn into_request(self) -> Result<PlaceOrderRequest, ApiError> {
        let destination = match (self.address, self.shipping_address_id) {
            (Some(a), None) => Destination::Address(AddressPayload {
                name: a.name,
                line1: a.line1,
                line2: a.line2,
                city: a.city,
                postal_code: a.postal_code,
                country: a.country,
            }),
            (None, Some(id)) => Destination::Saved(parse_id("shippingAddressId", &id)?),
            _ => {
                return Err(ApiError::bad_input(
                    "address",
                    "give exactly one of shippingAddressId or address",
                ));
            }
        };
        let lines = self
            .lines
            .iter()
            .map(|l| {
                Ok(LineRequest {
                    product_id: parse_id("lines.productId", &l.product_id)?,
                    quantity: l.quantity,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(PlaceOrderRequest {
            lines,
            destination,
            payment_token: self.payment_token,
            idempotency_key: self.idempotency_key,
        })
    }
}
