//! Business rules of the catalogue, independent of GraphQL.

pub mod catalog;
mod error;
pub mod listing;
pub mod product;
pub mod validate;

pub use crate::storage::products::ProductLookup;
pub use catalog::{Catalog, Page};
pub use error::ProductsError;
pub use listing::ListRequest;
pub use product::{
    DimensionsInput, FieldUpdate, MoneyInput, NewCategory, NewProduct, ProductPatch, ProductStatus,
};
