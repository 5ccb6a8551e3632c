//! A payment's statuses and the use cases that move it.

mod batch;
mod error;
mod payment;
mod payments;

pub use batch::Learned;
pub use error::PaymentsError;
pub use payment::{Payment, PaymentEntry};
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

    pub const fn as_str(self) -> &'static str {
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

    /// A stored status. Only this type's texts are ever written (and the
    /// column is CHECKed to hold one), so nothing else is read.
    pub(crate) fn stored(value: &str) -> Self {
        Self::parse(value).unwrap_or(Self::Pending)
    }
}

#[cfg(test)]
mod tests {
    use super::PaymentStatus;

    #[test]
    fn stored_statuses_read_back() {
        for status in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::stored(status.as_str()), status);
        }
        assert_eq!(PaymentStatus::parse("LOST"), None);
    }
}
