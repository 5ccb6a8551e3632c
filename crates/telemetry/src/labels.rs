//! Label values that clients choose, bounded.
//!
//! A GraphQL operation name is whatever the client sends. As a label it becomes a series
//! held until the process ends, so a client sending a new name with each request would
//! grow the registry (and Prometheus) without end. [`OperationNames`] admits the first
//! [`OperationNames::DEFAULT_LIMIT`] well-formed names it sees and folds the rest into
//! [`OTHER`]; real clients use a few dozen names, known at build time.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

/// The label of an operation without a name.
pub const ANONYMOUS: &str = "anonymous";
/// The label of a name that is not a GraphQL name, or of a name past the limit.
pub const OTHER: &str = "other";
/// Longest operation name kept as a label (GraphQL names have no limit).
pub const MAX_NAME_LEN: usize = 64;

/// The operation names a registry has admitted as label values.
#[derive(Clone)]
pub struct OperationNames {
    seen: Arc<RwLock<HashSet<String>>>,
    limit: usize,
}

impl Default for OperationNames {
    fn default() -> Self {
        Self::new(Self::DEFAULT_LIMIT)
    }
}

impl OperationNames {
    /// Distinct names kept per registry: the playground's and the storefront's
    /// operations come to ~40; twice that leaves room for other clients.
    pub const DEFAULT_LIMIT: usize = 100;

    pub fn new(limit: usize) -> Self {
        Self {
            seen: Arc::default(),
            limit,
        }
    }

    /// The label for operation `name`.
    pub fn label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_string();
        };
        if !is_graphql_name(name) {
            return OTHER.to_string();
        }
        if self
            .seen
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(name)
        {
            return name.to_string();
        }
        let mut seen = self.seen.write().unwrap_or_else(|e| e.into_inner());
        if seen.len() < self.limit {
            seen.insert(name.to_string());
            name.to_string()
        } else if seen.contains(name) {
            name.to_string()
        } else {
            OTHER.to_string()
        }
    }
}

/// `/[_A-Za-z][_0-9A-Za-z]*/`, at most [`MAX_NAME_LEN`] long.
fn is_graphql_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_NAME_LEN
        && chars
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_past_the_limit_fold_into_other() {
        let names = OperationNames::new(2);
        assert_eq!(names.label(Some("PlaceOrder")), "PlaceOrder");
        assert_eq!(names.label(Some("Cart")), "Cart");
        assert_eq!(names.label(Some("Spam1")), OTHER);
        assert_eq!(names.label(Some("PlaceOrder")), "PlaceOrder");
        assert_eq!(names.label(None), ANONYMOUS);
    }

    #[test]
    fn what_is_not_a_graphql_name_is_other() {
        let names = OperationNames::default();
        assert_eq!(names.label(Some("a\"b")), OTHER);
        assert_eq!(names.label(Some("1st")), OTHER);
        assert_eq!(names.label(Some(&"x".repeat(65))), OTHER);
        assert_eq!(names.label(Some(&"x".repeat(64))), "x".repeat(64));
    }
}
