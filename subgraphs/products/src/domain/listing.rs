//! Validating a page request of the product listing.

use uuid::Uuid;

use super::product::ProductStatus;
use super::search::{After, ProductSort, TextQuery};
use super::{ProductsError, validate};
use crate::storage::search::Filter;

pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;
/// The search text (its meaning: [`super::search`]); nothing longer than a name is
/// worth searching for.
pub const SEARCH_MAX: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub search: Option<String>,
    pub category_id: Option<Uuid>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    /// Only active products when absent.
    pub status: Option<ProductStatus>,
    /// Relevance when searching, else oldest first, when absent.
    pub sort: Option<ProductSort>,
    pub first: Option<i32>,
    pub after: Option<String>,
}

/// A validated request: what to match, where to start, how many.
#[derive(Debug, Clone)]
pub struct PageQuery {
    pub filter: Filter,
    pub sort: ProductSort,
    pub after: Option<After>,
    pub size: i64,
}

impl ListRequest {
    pub fn validate(&self) -> Result<PageQuery, ProductsError> {
        let size = self.first.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(ProductsError::bad_input(
                "first",
                format!("first must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        let search = match &self.search {
            Some(s) => Some(validate::optional_text("filter.search", s, SEARCH_MAX)?)
                .filter(|s| !s.is_empty()),
            None => None,
        };
        let sort = ProductSort::effective(self.sort, search.is_some());
        let after = match &self.after {
            None => None,
            Some(raw) => Some(After::decode(sort, raw)?),
        };
        for (field, price) in [
            ("filter.minPrice", self.min_price_minor),
            ("filter.maxPrice", self.max_price_minor),
        ] {
            if let Some(price) = price {
                validate::amount_minor(field, price)?;
            }
        }
        if let (Some(min), Some(max)) = (self.min_price_minor, self.max_price_minor)
            && min > max
        {
            return Err(ProductsError::bad_input(
                "filter.maxPrice",
                "filter.maxPrice must not be below filter.minPrice",
            ));
        }
        Ok(PageQuery {
            filter: Filter {
                text: search.as_deref().map(TextQuery::parse),
                category_id: self.category_id,
                min_price_minor: self.min_price_minor,
                max_price_minor: self.max_price_minor,
                status: Some(self.status.unwrap_or(ProductStatus::Active).as_str()),
            },
            sort,
            after,
            size: i64::from(size),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected_field(request: ListRequest) -> &'static str {
        match request.validate().unwrap_err() {
            ProductsError::BadInput { field, .. } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn page_size_is_bounded() {
        for first in [0, -1, MAX_PAGE_SIZE + 1] {
            let request = ListRequest {
                first: Some(first),
                ..Default::default()
            };
            assert_eq!(rejected_field(request), "first");
        }
        assert_eq!(ListRequest::default().validate().unwrap().size, 20);
    }

    #[test]
    fn price_range_must_be_ordered() {
        let request = ListRequest {
            min_price_minor: Some(500),
            max_price_minor: Some(100),
            ..Default::default()
        };
        assert_eq!(rejected_field(request), "filter.maxPrice");
    }

    #[test]
    fn garbage_cursors_are_rejected() {
        let request = ListRequest {
            after: Some("nope".into()),
            ..Default::default()
        };
        assert_eq!(rejected_field(request), "after");
    }

    #[test]
    fn blank_search_does_not_filter_and_status_defaults_to_active() {
        let request = ListRequest {
            search: Some("  ".into()),
            ..Default::default()
        };
        let query = request.validate().unwrap();
        assert_eq!(query.filter.text, None);
        assert_eq!(query.sort, ProductSort::Oldest);
        assert_eq!(query.filter.status, Some("ACTIVE"));
    }
}
