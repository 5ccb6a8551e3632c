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
pub async fn load_by_keys(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    skus: &[String],
) -> QueryResult<Vec<ProductRow>> {
    products::table
        .filter(products::id.eq_any(ids).or(products::sku.eq_any(skus)))
        .select(ProductRow::as_select())
        .load(conn)
        .await
}
