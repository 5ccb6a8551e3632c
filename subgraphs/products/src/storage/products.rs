//! Queries on `products`.

use chrono::{DateTime, Utc};
use diesel::PgTextExpressionMethods;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::like_contains;
use super::rows::{NewProductRow, ProductChanges, ProductRow};
use super::schema::products;

/// One of the unique columns of a product, and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductKey<'a> {
    Id(Uuid),
    Sku(&'a str),
    Slug(&'a str),
}

/// A validated listing filter; `None` fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Matched case-insensitively inside name, sku and description.
    pub search: Option<String>,
    pub category_id: Option<Uuid>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    pub status: Option<&'static str>,
}

/// The position after which a page starts: the sort key of the last row seen.
pub type Position = (DateTime<Utc>, Uuid);

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

/// Up to `limit` products matching `filter`, in (created_at, id) order, starting
/// after `after`. The order only depends on values that never change, so a
/// cursor stays valid while products are added or edited.
pub async fn page(
    conn: &mut AsyncPgConnection,
    filter: &ListFilter,
    after: Option<Position>,
    limit: i64,
) -> QueryResult<Vec<ProductRow>> {
    let mut query = products::table.select(ProductRow::as_select()).into_boxed();
    if let Some(search) = &filter.search {
        let pattern = like_contains(search);
        query = query.filter(
            products::name
                .ilike(pattern.clone())
                .or(products::sku.ilike(pattern.clone()))
                .or(products::description.ilike(pattern)),
        );
    }
    if let Some(category_id) = filter.category_id {
        query = query.filter(products::category_id.eq(category_id));
    }
    if let Some(min) = filter.min_price_minor {
        query = query.filter(products::price_amount_minor.ge(min));
    }
    if let Some(max) = filter.max_price_minor {
        query = query.filter(products::price_amount_minor.le(max));
    }
    if let Some(status) = filter.status {
        query = query.filter(products::status.eq(status));
    }
    if let Some((created_at, id)) = after {
        query = query.filter(
            products::created_at
                .gt(created_at)
                .or(products::created_at.eq(created_at).and(products::id.gt(id))),
        );
    }
    query
        .order((products::created_at.asc(), products::id.asc()))
        .limit(limit)
        .load(conn)
        .await
}
