//! A shipment's statuses and which moves staff may make.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentStatus {
    LabelCreated,
    InTransit,
    Delivered,
    Returned,
    /// The order was cancelled before the parcel left.
    Cancelled,
}

impl ShipmentStatus {
    pub const ALL: [ShipmentStatus; 5] = [
        Self::LabelCreated,
        Self::InTransit,
        Self::Delivered,
        Self::Returned,
        Self::Cancelled,
    ];

    /// The text the tables store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LabelCreated => "LABEL_CREATED",
            Self::InTransit => "IN_TRANSIT",
            Self::Delivered => "DELIVERED",
            Self::Returned => "RETURNED",
            Self::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// A stored status. Only this module's texts are ever written (and
    /// `shipments.status` is CHECKed to hold one), so nothing else is read.
    pub(crate) fn stored(value: &str) -> Self {
        Self::parse(value).unwrap_or(Self::LabelCreated)
    }

    /// Whether a parcel in `self` may move to `to`.
    pub fn may_become(self, to: ShipmentStatus) -> bool {
        use ShipmentStatus as S;
        matches!(
            (self, to),
            (S::LabelCreated, S::InTransit)
                | (S::LabelCreated, S::Cancelled)
                | (S::InTransit, S::Delivered)
                | (S::InTransit, S::Returned)
                | (S::Delivered, S::Returned)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ShipmentStatus as S;

    #[test]
    fn parcels_move_forward_only() {
        assert!(S::LabelCreated.may_become(S::InTransit));
        assert!(S::InTransit.may_become(S::Delivered));
        assert!(S::Delivered.may_become(S::Returned));
        assert!(!S::LabelCreated.may_become(S::Delivered), "must ship first");
        assert!(!S::InTransit.may_become(S::Cancelled), "too late to cancel");
        assert!(!S::Delivered.may_become(S::InTransit));
        for to in S::ALL {
            assert!(!S::Cancelled.may_become(to), "cancelled is final");
        }
    }

    #[test]
    fn stored_statuses_read_back() {
        for status in S::ALL {
            assert_eq!(S::parse(status.as_str()), Some(status));
        }
        assert_eq!(S::parse("LOST"), None);
    }
}
