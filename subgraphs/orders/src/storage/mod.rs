//! Orders, their lines and status history in the orders database.

pub mod new_order;
pub mod rows;
pub mod schema;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use rows::{HistoryRow, LineRow, OrderRow};
use schema::{order_lines, order_status_history, orders};

/// `M-1000`, `M-1001`, … from a sequence (gaps when a placement loses a race); a
/// checked-out cart takes one at a time, placement a block ([`new_order::Numbers`]).
pub async fn next_number(conn: &mut AsyncPgConnection) -> QueryResult<String> {
    diesel::define_sql_function!(fn nextval(sequence: diesel::sql_types::Text) -> diesel::sql_types::BigInt);
    let n: i64 = diesel::select(nextval("order_numbers"))
        .get_result(conn)
        .await?;
    Ok(label(n))
}

/// How an order number is shown: `M-1000`.
pub fn label(number: i64) -> String {
    format!("M-{number}")
}

pub async fn find_by_idempotency_key(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    key: &str,
) -> QueryResult<Option<OrderRow>> {
    orders::table
        .filter(orders::user_id.eq(user_id))
        .filter(orders::idempotency_key.eq(key))
        .select(OrderRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<OrderRow>> {
    orders::table
        .find(id)
        .select(OrderRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .filter(orders::id.eq_any(ids))
        .select(OrderRow::as_select())
        .load(conn)
        .await
}

/// The orders among `ids` that exist, locked until the transaction ends, in
/// id order (the order every batch locks them in).
pub async fn lock_many(mut conn: &AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .filter(orders::id.eq_any(ids))
        .order(orders::id)
        .select(OrderRow::as_select())
        .for_update()
        .load(&mut conn)
        .await
}

/// Each order's new status and `cancel_reason` (set on a cancellation, cleared otherwise), in
/// one statement for the lot; the orders as they now are, in no particular order.
pub async fn set_statuses(
    mut conn: &AsyncPgConnection,
    changes: &[(Uuid, &str, Option<&str>)],
) -> QueryResult<Vec<OrderRow>> {
    use diesel::sql_types::{Array, Nullable, Text};
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = changes.iter().map(|c| c.0).collect();
    let statuses: Vec<&str> = changes.iter().map(|c| c.1).collect();
    let cancel_reasons: Vec<Option<&str>> = changes.iter().map(|c| c.2).collect();
    let update = diesel::sql_query(
        "UPDATE orders AS o \
         SET status = v.status, cancel_reason = v.cancel_reason, updated_at = CURRENT_TIMESTAMP \
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, status, cancel_reason) \
         WHERE o.id = v.id RETURNING o.*",
    )
    .bind::<Array<diesel::sql_types::Uuid>, _>(ids)
    .bind::<Array<Text>, _>(statuses)
    .bind::<Array<Nullable<Text>>, _>(cancel_reasons);
    // Diesel prepares a raw statement anew each time; its text is the same for any
    // number of orders, so it is kept prepared.
    mart_events::prepared::cached(update).load(&mut conn).await
}

/// History rows `(order, status, reason)`, in order, in one statement.
pub async fn record_histories(
    mut conn: &AsyncPgConnection,
    entries: &[(Uuid, &str, Option<&str>)],
) -> QueryResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = entries
        .iter()
        .map(|(id, status, reason)| {
            (
                order_status_history::order_id.eq(*id),
                order_status_history::status.eq(*status),
                order_status_history::reason.eq(*reason),
            )
        })
        .collect();
    diesel::insert_into(order_status_history::table)
        .values(rows)
        .execute(&mut conn)
        .await?;
    Ok(())
}

pub async fn lines_of(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<LineRow>> {
    order_lines::table
        .filter(order_lines::order_id.eq_any(ids))
        .order((order_lines::order_id, order_lines::line_no))
        .select(LineRow::as_select())
        .load(conn)
        .await
}

pub async fn history_of(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<HistoryRow>> {
    order_status_history::table
        .filter(order_status_history::order_id.eq_any(ids))
        .order(order_status_history::id)
        .select(HistoryRow::as_select())
        .load(conn)
        .await
}

/// A user's orders, newest first, `limit` of them after the position `after`
/// (`created_at`, `id` of the last order seen).
pub async fn list_for_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<OrderRow>> {
    let mut query = orders::table
        .filter(orders::user_id.eq(user_id))
        .select(OrderRow::as_select())
        .order((orders::created_at.desc(), orders::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            orders::created_at
                .lt(at)
                .or(orders::created_at.eq(at).and(orders::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// Orders in one of `waiting` whose reservation ran out.
pub async fn expired(
    conn: &mut AsyncPgConnection,
    waiting: &[&str],
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Uuid>> {
    orders::table
        .filter(orders::status.eq_any(waiting))
        .filter(orders::reservation_expires_at.lt(now))
        .order(orders::reservation_expires_at)
        .limit(limit)
        .select(orders::id)
        .load(conn)
        .await
}

/// Orders still waiting for stock or payment (the saga's backlog), counted
/// through the partial index the timeout task uses.
pub async fn count_waiting(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    // The statuses are written into the SQL, not bound: only then can the
    // planner prove the partial index's predicate and skip the whole table.
    orders::table
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "status IN ('PENDING', 'RESERVED')",
        ))
        .count()
        .get_result(conn)
        .await
}
