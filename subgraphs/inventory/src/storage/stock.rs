//! Queries on `stock_levels`. Writers lock rows in (product_id, warehouse_id)
//! order, so two transactions touching the same rows never wait on each other in
//! a cycle.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mart_events::prepared::cached;
use uuid::Uuid;

use super::rows::StockLevelRow;
use super::schema::stock_levels;

/// Creates an empty level if the product has none in the warehouse yet.
pub async fn ensure(
    conn: &mut AsyncPgConnection,
    product_id: Uuid,
    warehouse_id: Uuid,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(stock_levels::table)
        .values((
            stock_levels::product_id.eq(product_id),
            stock_levels::warehouse_id.eq(warehouse_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Every level of `product_ids`, locked until the end of the transaction, in
/// the fixed lock order.
pub async fn lock_for_products(
    mut conn: &AsyncPgConnection,
    product_ids: &[Uuid],
) -> QueryResult<Vec<StockLevelRow>> {
    stock_levels::table
        .filter(stock_levels::product_id.eq_any(product_ids))
        .order((
            stock_levels::product_id.asc(),
            stock_levels::warehouse_id.asc(),
        ))
        .select(StockLevelRow::as_select())
        .for_update()
        .load(&mut conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    product_id: Uuid,
    warehouse_id: Uuid,
) -> QueryResult<Option<StockLevelRow>> {
    stock_levels::table
        .find((product_id, warehouse_id))
        .select(StockLevelRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Adds `delta` to `on_hand` unless that would leave less on hand than is
/// reserved; `None` when refused. One statement: safe under concurrency.
pub async fn add_on_hand(
    conn: &mut AsyncPgConnection,
    product_id: Uuid,
    warehouse_id: Uuid,
    delta: i32,
) -> QueryResult<Option<StockLevelRow>> {
    diesel::update(stock_levels::table.find((product_id, warehouse_id)))
        .filter((stock_levels::on_hand + delta).ge(stock_levels::reserved))
        .set((
            stock_levels::on_hand.eq(stock_levels::on_hand + delta),
            stock_levels::updated_at.eq(diesel::dsl::now),
        ))
        .returning(StockLevelRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// How much one level's columns move: `(product, warehouse, on_hand delta, reserved
/// delta)`.
pub type Change = (Uuid, Uuid, i32, i32);

/// Moves stock between the columns of levels the caller has locked, one statement for
/// any number of levels (each at most once); the table's CHECK refuses any result with
/// reserved outside 0..=on_hand. `NotFound` if one of the levels does not exist.
pub async fn apply_all(mut conn: &AsyncPgConnection, changes: &[Change]) -> QueryResult<()> {
    use diesel::sql_types::{Array, Int4, Uuid as PgUuid};
    if changes.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&Change) -> Uuid| changes.iter().map(f).collect::<Vec<_>>();
    let delta = |f: fn(&Change) -> i32| changes.iter().map(f).collect::<Vec<_>>();
    let update = diesel::sql_query(
        "UPDATE stock_levels AS s \
         SET on_hand = s.on_hand + v.on_hand, reserved = s.reserved + v.reserved, \
             updated_at = CURRENT_TIMESTAMP \
         FROM unnest($1::uuid[], $2::uuid[], $3::int4[], $4::int4[]) \
           AS v(product_id, warehouse_id, on_hand, reserved) \
         WHERE s.product_id = v.product_id AND s.warehouse_id = v.warehouse_id",
    )
    .bind::<Array<PgUuid>, _>(column(|c| c.0))
    .bind::<Array<PgUuid>, _>(column(|c| c.1))
    .bind::<Array<Int4>, _>(delta(|c| c.2))
    .bind::<Array<Int4>, _>(delta(|c| c.3));
    // The same text for any number of levels: kept prepared (diesel would not).
    let updated = cached(update).execute(&mut conn).await?;
    if updated != changes.len() {
        return Err(diesel::result::Error::NotFound);
    }
    Ok(())
}

/// Every level of `product_ids`, in one query (for batched GraphQL lookups).
pub async fn for_products(
    conn: &mut AsyncPgConnection,
    product_ids: &[Uuid],
) -> QueryResult<Vec<StockLevelRow>> {
    stock_levels::table
        .filter(stock_levels::product_id.eq_any(product_ids))
        .order((
            stock_levels::product_id.asc(),
            stock_levels::warehouse_id.asc(),
        ))
        .select(StockLevelRow::as_select())
        .load(conn)
        .await
}
