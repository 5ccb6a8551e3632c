//! Input types, converted to the domain's plain structs (validation happens there).

use async_graphql::{Enum, ID, InputObject, MaybeUndefined};
use mart_service::ApiError;

use super::types::ProductStatus;
use crate::domain::{self, FieldUpdate, ListRequest};

#[derive(InputObject)]
pub struct MoneyInput {
    /// Minor units (cents); at least 0.
    pub amount_minor: i64,
    /// ISO 4217, e.g. EUR.
    pub currency: String,
}

#[derive(InputObject)]
pub struct DimensionsInput {
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
}

#[derive(InputObject)]
pub struct CreateProductInput {
    pub sku: String,
    /// Derived from the name when absent.
    pub slug: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub price: MoneyInput,
    pub weight_grams: i32,
    pub dimensions: Option<DimensionsInput>,
    pub category_id: Option<ID>,
}

/// Absent fields are left as they are; `null` clears `dimensions` or `categoryId`.
/// The sku never changes.
#[derive(InputObject)]
pub struct UpdateProductInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<MoneyInput>,
    pub weight_grams: Option<i32>,
    pub dimensions: MaybeUndefined<DimensionsInput>,
    pub category_id: MaybeUndefined<ID>,
}

#[derive(InputObject)]
pub struct CreateCategoryInput {
    pub name: String,
    /// Derived from the name when absent.
    pub slug: Option<String>,
    pub description: Option<String>,
}

#[derive(InputObject, Default)]
pub struct ProductFilter {
    /// Words to find, each as the start of a word of the name, sku, category or
    /// description (stemmed: "mugs" finds "Mug"); all must match. Names close to the
    /// text match too ("skilet" finds "Skillet"), ranked after exact matches. At most
    /// 200 characters; words past the eighth are ignored.
    pub search: Option<String>,
    pub category_id: Option<ID>,
    /// Lowest price in minor units, inclusive.
    pub min_price: Option<i64>,
    /// Highest price in minor units, inclusive.
    pub max_price: Option<i64>,
    /// ACTIVE when absent.
    pub status: Option<ProductStatus>,
}

fn money(m: MoneyInput) -> domain::MoneyInput {
    domain::MoneyInput {
        amount_minor: m.amount_minor,
        currency: m.currency,
    }
}

fn dimensions(d: DimensionsInput) -> domain::DimensionsInput {
    domain::DimensionsInput {
        length_mm: d.length_mm,
        width_mm: d.width_mm,
        height_mm: d.height_mm,
    }
}

pub use mart_service::types::parse_id;

impl CreateProductInput {
    pub fn into_domain(self) -> Result<domain::NewProduct, ApiError> {
        let category_id = self
            .category_id
            .map(|id| parse_id("categoryId", &id))
            .transpose()?;
        Ok(domain::NewProduct {
            sku: self.sku,
            slug: self.slug,
            name: self.name,
            description: self.description,
            price: money(self.price),
            weight_grams: self.weight_grams,
            dimensions: self.dimensions.map(dimensions),
            category_id,
        })
    }
}

impl UpdateProductInput {
    pub fn into_domain(self) -> Result<domain::ProductPatch, ApiError> {
        let category_id = match self.category_id {
            MaybeUndefined::Undefined => FieldUpdate::Unchanged,
            MaybeUndefined::Null => FieldUpdate::Clear,
            MaybeUndefined::Value(id) => FieldUpdate::Set(parse_id("categoryId", &id)?),
        };
        let dimensions = match self.dimensions {
            MaybeUndefined::Undefined => FieldUpdate::Unchanged,
            MaybeUndefined::Null => FieldUpdate::Clear,
            MaybeUndefined::Value(d) => FieldUpdate::Set(dimensions(d)),
        };
        Ok(domain::ProductPatch {
            slug: self.slug,
            name: self.name,
            description: self.description,
            price: self.price.map(money),
            weight_grams: self.weight_grams,
            dimensions,
            category_id,
        })
    }
}

impl CreateCategoryInput {
    pub fn into_domain(self) -> domain::NewCategory {
        domain::NewCategory {
            name: self.name,
            slug: self.slug,
            description: self.description,
        }
    }
}

impl ProductFilter {
    pub fn into_request(
        self,
        sort: Option<ProductSort>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListRequest, ApiError> {
        Ok(ListRequest {
            search: self.search,
            category_id: self
                .category_id
                .map(|id| parse_id("filter.categoryId", &id))
                .transpose()?,
            min_price_minor: self.min_price,
            max_price_minor: self.max_price,
            status: self.status.map(Into::into),
            sort: sort.map(Into::into),
            first,
            after,
        })
    }
}

/// The order of a product listing.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "domain::ProductSort")]
pub enum ProductSort {
    /// Best match first; the default when searching. Without a search: oldest first.
    Relevance,
    /// Cheapest first.
    PriceAscending,
    /// Dearest first.
    PriceDescending,
    /// Newest first.
    Newest,
    /// Oldest first; the default without a search.
    Oldest,
}
