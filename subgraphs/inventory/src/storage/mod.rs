//! Postgres storage of stock: Diesel tables, rows and the queries on them.

pub mod ledger;
pub mod reservations;
pub mod rows;
pub mod schema;
pub mod stock;
pub mod warehouses;

use diesel::result::{DatabaseErrorKind, Error};

/// The constraint a failed write violated, for the violations the schema is
/// designed to raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation<'a> {
    Unique(&'a str),
    ForeignKey(&'a str),
    Check(&'a str),
}

pub fn violation(error: &Error) -> Option<Violation<'_>> {
    let Error::DatabaseError(kind, info) = error else {
        return None;
    };
    let constraint = info.constraint_name()?;
    match kind {
        DatabaseErrorKind::UniqueViolation => Some(Violation::Unique(constraint)),
        DatabaseErrorKind::ForeignKeyViolation => Some(Violation::ForeignKey(constraint)),
        DatabaseErrorKind::CheckViolation => Some(Violation::Check(constraint)),
        _ => None,
    }
}
