//! Queries on `reservations` and `reservation_lines`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mart_events::prepared::cached;
use uuid::Uuid;

use super::rows::{ReservationLineRow, ReservationRow};
use super::schema::{reservation_lines, reservations};

/// Inserts a reservation with `status` for each `(order, expiry)`, skipping
/// orders that have one; returns the orders it inserted. A concurrent claim of
/// the same order waits here until the first commits or rolls back: exactly
/// one wins.
pub async fn claim_many(
    mut conn: &AsyncPgConnection,
    status: &str,
    claims: &[(Uuid, DateTime<Utc>)],
) -> QueryResult<Vec<Uuid>> {
    let rows: Vec<_> = claims
        .iter()
        .map(|(order_id, expires_at)| {
            (
                reservations::order_id.eq(*order_id),
                reservations::status.eq(status),
                reservations::expires_at.eq(*expires_at),
            )
        })
        .collect();
    diesel::insert_into(reservations::table)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(reservations::order_id)
        .get_results(&mut conn)
        .await
}

/// Which of `order_ids` have a reservation (whatever its status).
pub async fn existing(mut conn: &AsyncPgConnection, order_ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    reservations::table
        .filter(reservations::order_id.eq_any(order_ids))
        .select(reservations::order_id)
        .load(&mut conn)
        .await
}

pub async fn find(
    mut conn: &AsyncPgConnection,
    order_id: Uuid,
) -> QueryResult<Option<ReservationRow>> {
    reservations::table
        .find(order_id)
        .select(ReservationRow::as_select())
        .first(&mut conn)
        .await
        .optional()
}

/// Reads the reservation and locks it until the end of the transaction.
pub async fn lock(
    mut conn: &AsyncPgConnection,
    order_id: Uuid,
) -> QueryResult<Option<ReservationRow>> {
    reservations::table
        .find(order_id)
        .select(ReservationRow::as_select())
        .for_update()
        .first(&mut conn)
        .await
        .optional()
}

pub async fn close(
    mut conn: &AsyncPgConnection,
    order_id: Uuid,
    status: &str,
) -> QueryResult<ReservationRow> {
    let update = diesel::update(reservations::table.find(order_id))
        .set((
            reservations::status.eq(status),
            reservations::closed_at.eq(diesel::dsl::now),
        ))
        .returning(ReservationRow::as_returning());
    cached(update).get_result(&mut conn).await
}

pub async fn insert_lines(
    mut conn: &AsyncPgConnection,
    lines: &[ReservationLineRow],
) -> QueryResult<()> {
    diesel::insert_into(reservation_lines::table)
        .values(lines)
        .execute(&mut conn)
        .await?;
    Ok(())
}

pub async fn lines(
    mut conn: &AsyncPgConnection,
    order_id: Uuid,
) -> QueryResult<Vec<ReservationLineRow>> {
    reservation_lines::table
        .filter(reservation_lines::order_id.eq(order_id))
        .order((
            reservation_lines::product_id.asc(),
            reservation_lines::warehouse_id.asc(),
        ))
        .select(ReservationLineRow::as_select())
        .load(&mut conn)
        .await
}

/// The reservations of `order_ids` that exist, locked until the transaction
/// ends, in order id order.
pub async fn lock_many(
    mut conn: &AsyncPgConnection,
    order_ids: &[Uuid],
) -> QueryResult<Vec<ReservationRow>> {
    reservations::table
        .filter(reservations::order_id.eq_any(order_ids))
        .order(reservations::order_id)
        .select(ReservationRow::as_select())
        .for_update()
        .load(&mut conn)
        .await
}

/// The lines of every reservation of `order_ids`.
pub async fn lines_of_many(
    mut conn: &AsyncPgConnection,
    order_ids: &[Uuid],
) -> QueryResult<Vec<ReservationLineRow>> {
    reservation_lines::table
        .filter(reservation_lines::order_id.eq_any(order_ids))
        .order((
            reservation_lines::order_id.asc(),
            reservation_lines::product_id.asc(),
            reservation_lines::warehouse_id.asc(),
        ))
        .select(ReservationLineRow::as_select())
        .load(&mut conn)
        .await
}

/// Gives every reservation of `order_ids` its final `status`.
pub async fn close_many(
    mut conn: &AsyncPgConnection,
    order_ids: &[Uuid],
    status: &str,
) -> QueryResult<usize> {
    let update =
        diesel::update(reservations::table.filter(reservations::order_id.eq_any(order_ids))).set((
            reservations::status.eq(status),
            reservations::closed_at.eq(diesel::dsl::now),
        ));
    cached(update).execute(&mut conn).await
}

/// Orders whose `status` reservation expired at or before `now`, oldest first.
pub async fn due(
    conn: &mut AsyncPgConnection,
    status: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Uuid>> {
    reservations::table
        .filter(reservations::status.eq(status))
        .filter(reservations::expires_at.le(now))
        .order(reservations::expires_at.asc())
        .limit(limit)
        .select(reservations::order_id)
        .load(conn)
        .await
}
