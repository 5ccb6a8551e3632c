use async_graphql::SimpleObject;

/// An amount in minor units (cents) of an ISO 4217 currency.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
#[graphql(shareable)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: String,
}

impl Money {
    pub fn new(amount_minor: i64, currency: impl Into<String>) -> Self {
        Self {
            amount_minor,
            currency: currency.into(),
        }
    }
}
