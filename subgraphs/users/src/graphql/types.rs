//! GraphQL types: thin wrappers over domain values.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::loaders::AddressLoader;
use crate::domain::{Address, AddressInput, Session, User};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Role", remote = "mart_auth::Role")]
pub enum RoleValue {
    Customer,
    Admin,
}

/// An account. Visible to its owner and to staff only.
pub struct UserObject(pub User);

#[Object(name = "User")]
impl UserObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn role(&self) -> RoleValue {
        self.0.role.into()
    }

    /// Oldest first.
    async fn addresses(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AddressObject>> {
        let loaded = ctx
            .data_unchecked::<DataLoader<AddressLoader>>()
            .load_one(self.0.id)
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_iter()
            .map(AddressObject)
            .collect())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub struct AddressObject(pub Address);

#[Object(name = "Address")]
impl AddressObject {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Who the parcel is for.
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn line1(&self) -> &str {
        &self.0.line1
    }

    async fn line2(&self) -> Option<&str> {
        self.0.line2.as_deref()
    }

    async fn city(&self) -> &str {
        &self.0.city
    }

    async fn postal_code(&self) -> &str {
        &self.0.postal_code
    }

    /// ISO 3166-1 alpha-2, e.g. `DE`.
    async fn country(&self) -> &str {
        &self.0.country
    }
}

#[derive(InputObject)]
#[graphql(name = "AddressInput")]
pub struct AddressInputValue {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
}

impl From<AddressInputValue> for AddressInput {
    fn from(v: AddressInputValue) -> Self {
        AddressInput {
            name: v.name,
            line1: v.line1,
            line2: v.line2,
            city: v.city,
            postal_code: v.postal_code,
            country: v.country,
        }
    }
}

/// A signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`.
    pub access_token: String,
    /// Works once: exchange it with `refreshToken` for a new pair before
    /// `expiresAt`; keep it secret.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    pub user: UserObject,
}

impl From<Session> for AuthPayload {
    fn from(s: Session) -> Self {
        AuthPayload {
            access_token: s.access_token,
            refresh_token: s.refresh_token,
            expires_at: s.expires_at,
            user: UserObject(s.user),
        }
    }
}
