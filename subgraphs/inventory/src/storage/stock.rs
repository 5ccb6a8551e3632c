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

/// Moves stock between the columns of a level the caller has locked; the table's
/// CHECK refuses any result with reserved outside 0..=on_hand.
pub async fn apply(
    mut conn: &AsyncPgConnection,
    product_id: Uuid,
    warehouse_id: Uuid,
    on_hand_delta: i32,
    reserved_delta: i32,
) -> QueryResult<StockLevelRow> {
    let update = diesel::update(stock_levels::table.find((product_id, warehouse_id)))
        .set((
            stock_levels::on_hand.eq(stock_levels::on_hand + on_hand_delta),
            stock_levels::reserved.eq(stock_levels::reserved + reserved_delta),
            stock_levels::updated_at.eq(diesel::dsl::now),
        ))
        .returning(StockLevelRow::as_returning());
    cached(update).get_result(&mut conn).await
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
