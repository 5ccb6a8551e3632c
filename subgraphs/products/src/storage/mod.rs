//! Postgres storage of the catalogue: Diesel tables, rows and the queries on them.

pub mod categories;
pub mod products;
pub mod rows;
pub mod schema;
pub mod search;

use diesel::result::{DatabaseErrorKind, Error};

/// Which named constraint a failed write violated, for the errors the schema is
/// designed to raise (uniqueness of sku/slug, an unknown category).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation<'a> {
    Unique(&'a str),
    ForeignKey(&'a str),
}

pub fn violation(error: &Error) -> Option<Violation<'_>> {
    let Error::DatabaseError(kind, info) = error else {
        return None;
    };
    let constraint = info.constraint_name()?;
    match kind {
        DatabaseErrorKind::UniqueViolation => Some(Violation::Unique(constraint)),
        DatabaseErrorKind::ForeignKeyViolation => Some(Violation::ForeignKey(constraint)),
        _ => None,
    }
}
