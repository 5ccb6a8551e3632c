//! Batched address lookups.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use super::error::client_error;
use crate::domain::{Accounts, Address};

pub struct AddressLoader {
    accounts: Accounts,
}

impl AddressLoader {
    pub fn new(accounts: Accounts) -> Self {
        Self { accounts }
    }
}

impl Loader<Uuid> for AddressLoader {
    type Value = Vec<Address>;
    /// Mapped once per batch, so an internal error is logged once however many
    /// users' addresses it fails.
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Address>>, Self::Error> {
        self.accounts.addresses_of(keys).await.map_err(client_error)
    }
}
