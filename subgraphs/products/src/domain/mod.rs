//! Business rules of the catalogue, independent of GraphQL.

pub mod catalog;
mod error;
pub mod facets;
pub mod listing;
pub mod product;
mod records;
pub mod search;
pub mod validate;

pub use catalog::{Catalog, Page, ProductLookup};
pub use error::ProductsError;
pub use facets::{PriceBand, Tally};
pub use listing::ListRequest;
pub use product::{
    DimensionsInput, FieldUpdate, MoneyInput, NewCategory, NewProduct, ProductPatch, ProductStatus,
};
pub use records::{Category, Dimensions, Price, Product};
pub use search::ProductSort;
