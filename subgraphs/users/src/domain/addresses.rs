//! A user's postal addresses.

use std::collections::HashMap;

use mart_service::Identity;
use uuid::Uuid;

use super::{Accounts, Address, AddressInput, UsersError, access, validate};
use crate::storage::addresses;
use crate::storage::rows::AddressRow;

impl From<AddressRow> for Address {
    fn from(row: AddressRow) -> Self {
        Address {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            line1: row.line1,
            line2: row.line2,
            city: row.city,
            postal_code: row.postal_code,
            country: row.country,
        }
    }
}

impl Accounts {
    /// Adds an address to the caller's own account.
    pub async fn add_address(
        &self,
        identity: &Identity,
        input: &AddressInput,
    ) -> Result<Address, UsersError> {
        let caller = access::require_signed_in(identity)?;
        let clean = validate::address(input)?;
        let mut conn = self.db.conn().await?;
        if addresses::count_for_user(&mut conn, caller.id).await? >= self.policy.max_addresses {
            return Err(UsersError::bad_input(
                "address",
                format!(
                    "an account keeps at most {} addresses",
                    self.policy.max_addresses
                ),
            ));
        }
        let row = AddressRow {
            id: Uuid::now_v7(),
            user_id: caller.id,
            name: clean.name,
            line1: clean.line1,
            line2: clean.line2,
            city: clean.city,
            postal_code: clean.postal_code,
            country: clean.country,
        };
        Ok(addresses::insert(&mut conn, &row).await?.into())
    }

    /// Removes an address of the caller's (staff: anyone's); returns it.
    pub async fn remove_address(
        &self,
        identity: &Identity,
        address_id: Uuid,
    ) -> Result<Address, UsersError> {
        access::require_signed_in(identity)?;
        let mut conn = self.db.conn().await?;
        let row = addresses::find(&mut conn, address_id)
            .await?
            .ok_or(UsersError::NoAddress(address_id))?;
        access::authorize_user_access(identity, row.user_id)?;
        addresses::delete(&mut conn, address_id).await?;
        Ok(row.into())
    }

    /// The addresses of each of `user_ids`, oldest first. Callers have
    /// authorised access to these users already (the `User` objects they hold
    /// came through [`Accounts::user`] or [`Accounts::me`]).
    pub async fn addresses_of(
        &self,
        user_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<Address>>, UsersError> {
        let mut conn = self.db.conn().await?;
        let mut by_user: HashMap<Uuid, Vec<Address>> = HashMap::new();
        for row in addresses::for_users(&mut conn, user_ids).await? {
            by_user.entry(row.user_id).or_default().push(row.into());
        }
        Ok(by_user)
    }
}
