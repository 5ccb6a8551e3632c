//! The users subgraph, asked for the caller's saved addresses with the caller's
//! own token: users decides whose addresses they are, so neither orders nor checkout
//! can be led to read someone else's.

use crate::identity::AccessToken;
use mart_events::catalog::AddressPayload;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::client::{GraphqlClient, UpstreamError};

pub struct UsersClient(pub GraphqlClient);

// `me` rather than a lookup by id: it only ever holds the caller's own
// addresses (a handful; users caps how many an account keeps).
const ADDRESSES_QUERY: &str = "query SavedAddresses {
  me { id addresses { id name line1 line2 city postalCode country } }
}";

#[derive(Deserialize)]
struct MeData {
    me: Option<Me>,
}

#[derive(Deserialize)]
struct Me {
    id: Uuid,
    addresses: Vec<AddressData>,
}

#[derive(Deserialize)]
struct AddressData {
    id: Uuid,
    #[serde(flatten)]
    address: AddressPayload,
}

/// What users said about a saved address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavedAddress {
    Found(AddressPayload),
    /// Not one of the caller's addresses: unknown, removed, someone else's, or
    /// the caller has no account (any more).
    NotTheirs,
}

impl UsersClient {
    /// The caller's saved address `address_id`, as users holds it now.
    pub async fn saved_address(
        &self,
        token: &AccessToken,
        caller: Uuid,
        address_id: Uuid,
    ) -> Result<SavedAddress, UpstreamError> {
        let data: MeData = self.0.query_as(token, ADDRESSES_QUERY, json!({})).await?;
        // A token users refuses is an UNAUTHENTICATED error, not a null `me`:
        // null means the signed-in account does not exist.
        let Some(me) = data.me else {
            return Ok(SavedAddress::NotTheirs);
        };
        if me.id != caller {
            return Err(UpstreamError::Invalid {
                service: "users",
                reason: format!("the token of {caller} was answered for {}", me.id),
            });
        }
        Ok(me
            .addresses
            .into_iter()
            .find(|a| a.id == address_id)
            .map_or(SavedAddress::NotTheirs, |a| SavedAddress::Found(a.address)))
    }
}
