//! Queries on `discount_codes`.

use diesel::prelude::*;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::rows::DiscountRow;
use super::schema::{discount_codes, discount_uses};
use uuid::Uuid;

pub async fn insert(conn: &mut AsyncPgConnection, row: &DiscountRow) -> QueryResult<()> {
    diesel::insert_into(discount_codes::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<DiscountRow>> {
    discount_codes::table
        .find(code)
        .select(DiscountRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every code, newest first.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<DiscountRow>> {
    discount_codes::table
        .order(discount_codes::created_at.desc())
        .select(DiscountRow::as_select())
        .load(conn)
        .await
}

/// Takes one use of `code` for `order_id` of customer `user_id` if the code has a use
/// left, in total and for them; `false` if not. The code's row is locked by the update,
/// so concurrent checkouts take its uses one at a time and never more than it has.
pub async fn take_use(
    conn: &mut AsyncPgConnection,
    code: &str,
    user_id: Uuid,
    order_id: Uuid,
) -> QueryResult<bool> {
    let taken = diesel::sql_query(
        "WITH taken AS ( \
           UPDATE discount_codes SET uses = uses + 1 \
           WHERE code = $1 \
             AND (max_uses IS NULL OR uses < max_uses) \
             AND (max_uses_per_customer IS NULL OR max_uses_per_customer > ( \
                  SELECT count(*) FROM discount_uses \
                  WHERE code = $1 AND user_id = $2 AND released_at IS NULL)) \
           RETURNING code) \
         INSERT INTO discount_uses (order_id, code, user_id) SELECT $3, code, $2 FROM taken",
    )
    .bind::<Text, _>(code)
    .bind::<SqlUuid, _>(user_id)
    .bind::<SqlUuid, _>(order_id)
    .execute(conn)
    .await?;
    Ok(taken == 1)
}

/// Gives back the use order `order_id` took, if it took one not given back yet; `true`
/// if it did (so a redelivered cancellation gives nothing back twice).
pub async fn release_use(conn: &mut AsyncPgConnection, order_id: Uuid) -> QueryResult<bool> {
    let released = diesel::sql_query(
        "WITH released AS ( \
           UPDATE discount_uses SET released_at = now() \
           WHERE order_id = $1 AND released_at IS NULL RETURNING code) \
         UPDATE discount_codes SET uses = uses - 1 WHERE code IN (SELECT code FROM released)",
    )
    .bind::<SqlUuid, _>(order_id)
    .execute(conn)
    .await?;
    Ok(released == 1)
}

/// Uses of `code` customer `user_id` holds (taken and not given back).
pub async fn uses_by(conn: &mut AsyncPgConnection, code: &str, user_id: Uuid) -> QueryResult<i64> {
    discount_uses::table
        .filter(discount_uses::code.eq(code))
        .filter(discount_uses::user_id.eq(user_id))
        .filter(discount_uses::released_at.is_null())
        .count()
        .get_result(conn)
        .await
}
