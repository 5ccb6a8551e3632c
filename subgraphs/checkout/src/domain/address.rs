//! Where a cart goes: a typed address, or one of the customer's saved ones.

use mart_events::catalog::AddressPayload;
use mart_service::identity::AccessToken;
use mart_service::upstream::{SavedAddress, UpstreamError};
use uuid::Uuid;

use super::carts::Edit;
use super::{Cart, Carts, CheckoutError};

impl Carts {
    /// Sets where the cart goes: one of the signed-in customer's saved addresses, as
    /// users holds it now (asked with their own token, so only theirs is found).
    pub async fn set_saved_address(
        &self,
        id: Uuid,
        user: Uuid,
        token: &AccessToken,
        address_id: Uuid,
    ) -> Result<Cart, CheckoutError> {
        let saved = self
            .services
            .users
            .saved_address(token, user, address_id)
            .await
            .map_err(|e| match e {
                UpstreamError::Refused { ref code, .. } if code == "UNAUTHENTICATED" => {
                    CheckoutError::SignInRequired
                }
                other => other.into(),
            })?;
        let SavedAddress::Found(address) = saved else {
            return Err(CheckoutError::bad_input(
                "savedAddressId",
                "savedAddressId is not one of your saved addresses",
            ));
        };
        let address = mart_service::address::validate(&address)
            .map_err(|e| CheckoutError::bad_input("savedAddressId", e.message))?;
        self.change(id, Some(user), Edit::Address(address)).await
    }

    /// Sets where the cart goes: a postal address (validated as orders validates it).
    pub async fn set_address(
        &self,
        id: Uuid,
        caller: Option<Uuid>,
        address: &AddressPayload,
    ) -> Result<Cart, CheckoutError> {
        let address = mart_service::address::validate(address)
            .map_err(|e| CheckoutError::bad_input(address_field(e.field), e.message))?;
        self.change(id, caller, Edit::Address(address)).await
    }
}

/// The input field of an address's field, as `setCartAddress` spells it.
fn address_field(field: mart_service::address::AddressField) -> &'static str {
    use mart_service::address::AddressField as F;
    match field {
        F::Name => "address.name",
        F::Line1 => "address.line1",
        F::Line2 => "address.line2",
        F::City => "address.city",
        F::PostalCode => "address.postalCode",
        F::Country => "address.country",
    }
}
