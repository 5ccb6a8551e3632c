//! Batched address lookups.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::domain::{Accounts, Address, UsersError};

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
    type Error = Arc<UsersError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Address>>, Self::Error> {
        self.accounts.addresses_of(keys).await.map_err(Arc::new)
    }
}
