//! Every event type of the system, with its topic and version. Payload fields are
//! camelCase on the wire; money is integer minor units with a currency code.

mod checkout;
mod inventory;
mod orders;
mod payments;
mod products;
mod reservations;
mod shipping;
mod users;

pub use checkout::*;
pub use inventory::*;
pub use orders::*;
pub use payments::*;
pub use products::*;
pub use reservations::*;
pub use shipping::*;
pub use users::*;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::topics::Topic;

pub trait DomainEvent: Serialize + DeserializeOwned + Send + Sync {
    /// The `type` field of the envelope, e.g. `product.created`.
    const TYPE: &'static str;
    /// Bumped when the payload changes incompatibly.
    const VERSION: u16;
    const TOPIC: Topic;
    fn aggregate_id(&self) -> String;
}

/// An amount of money in minor units (cents) of `currency` (ISO 4217).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoneyPayload {
    pub amount_minor: i64,
    pub currency: Currency,
}

/// ISO 4217 code, three uppercase letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(code: &str) -> Option<Self> {
        let b = code.as_bytes();
        (b.len() == 3 && b.iter().all(u8::is_ascii_uppercase)).then(|| Self([b[0], b[1], b[2]]))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII by construction")
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).ok_or_else(|| serde::de::Error::custom("expected an ISO 4217 code"))
    }
}

/// Declares the [`DomainEvent`] constants of a payload type.
macro_rules! domain_event {
    ($ty:ty, $name:literal, v $version:literal, $topic:expr, |$e:ident| $aggregate:expr) => {
        impl $crate::catalog::DomainEvent for $ty {
            const TYPE: &'static str = $name;
            const VERSION: u16 = $version;
            const TOPIC: $crate::topics::Topic = $topic;
            fn aggregate_id(&self) -> String {
                let $e = self;
                $aggregate.to_string()
            }
        }
    };
}
pub(crate) use domain_event;
