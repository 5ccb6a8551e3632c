//! Queries on `products`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::{NewProductRow, ProductChanges, ProductRow};
use super::schema::products;

/// One of the unique columns of a product, and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductKey<'a> {
    Id(Uuid),
    Sku(&'a str),
    Slug(&'a str),
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &NewProductRow) -> QueryResult<ProductRow> {
    diesel::insert_into(products::table)
        .values(row)
        .returning(ProductRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    key: ProductKey<'_>,
) -> QueryResult<Option<ProductRow>> {
    let query = products::table.select(ProductRow::as_select()).into_boxed();
    let query = match key {
        ProductKey::Id(id) => query.filter(products::id.eq(id)),
        ProductKey::Sku(sku) => query.filter(products::sku.eq(sku)),
        ProductKey::Slug(slug) => query.filter(products::slug.eq(slug)),
    };
    query.first(conn).await.optional()
}

/// Reads a product and locks it until the end of the transaction.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ProductRow>> {
    products::table
        .find(id)
        .select(ProductRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &ProductChanges,
) -> QueryResult<ProductRow> {
    diesel::update(products::table.find(id))
        .set((changes, products::updated_at.eq(diesel::dsl::now)))
        .returning(ProductRow::as_returning())
        .get_result(conn)
        .await
}

/// Every product whose id is in `ids` or whose sku is in `skus`, in one query.
///
/// PostgreSQL plans `= ANY($1)` afresh on every execution (a custom plan for
/// the array it is given always looks cheaper than the generic one), which
/// cost ~80 µs a lookup here, four times the lookup itself; so one key is
/// asked for with `=`, whose plan is kept, and only one kind of key with
/// `ANY` alone.
pub async fn load_by_keys(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    skus: &[String],
) -> QueryResult<Vec<ProductRow>> {
    let query = products::table.select(ProductRow::as_select()).into_boxed();
    let query = match (ids, skus) {
        ([], []) => return Ok(Vec::new()),
        ([id], []) => query.filter(products::id.eq(*id)),
        ([], [sku]) => query.filter(products::sku.eq(sku)),
        (ids, []) => query.filter(products::id.eq_any(ids)),
        ([], skus) => query.filter(products::sku.eq_any(skus)),
        (ids, skus) => query.filter(products::id.eq_any(ids).or(products::sku.eq_any(skus))),
    };
    query.load(conn).await
}
