//! A payment's statuses and the use cases that move it.

mod batch;
mod payments;

pub use batch::Learned;
pub use payments::{Payments, PaymentsSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Waiting for the order's amount and for its stock to be held.
    Pending,
    Authorized,
    Captured,
    Voided,
    Declined,
    Refunded,
    PartiallyRefunded,
    /// The order was cancelled before anything was authorized.
    Abandoned,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 8] = [
        Self::Pending,
        Self::Authorized,
        Self::Captured,
        Self::Voided,
        Self::Declined,
        Self::Refunded,
        Self::PartiallyRefunded,
        Self::Abandoned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Authorized => "AUTHORIZED",
            Self::Captured => "CAPTURED",
            Self::Voided => "VOIDED",
            Self::Declined => "DECLINED",
            Self::Refunded => "REFUNDED",
            Self::PartiallyRefunded => "PARTIALLY_REFUNDED",
            Self::Abandoned => "ABANDONED",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}
