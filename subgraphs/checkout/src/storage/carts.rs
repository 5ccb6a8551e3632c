//! Queries on `carts` and `cart_lines`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::{CartRow, LineRow};
use super::schema::{cart_lines, carts};

pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    user_id: Option<Uuid>,
    expires_at: DateTime<Utc>,
) -> QueryResult<CartRow> {
    diesel::insert_into(carts::table)
        .values((
            carts::id.eq(id),
            carts::user_id.eq(user_id),
            carts::expires_at.eq(expires_at),
        ))
        .returning(CartRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<CartRow>> {
    carts::table
        .find(id)
        .select(CartRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Reads a cart and locks it until the end of the transaction: changes to one cart
/// happen one at a time.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<CartRow>> {
    carts::table
        .find(id)
        .select(CartRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The customer's active cart.
pub async fn active_of(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> QueryResult<Option<CartRow>> {
    carts::table
        .filter(carts::user_id.eq(user_id))
        .filter(carts::status.eq("ACTIVE"))
        .select(CartRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A cart's lines, oldest first.
pub async fn lines(conn: &mut AsyncPgConnection, cart_id: Uuid) -> QueryResult<Vec<LineRow>> {
    cart_lines::table
        .filter(cart_lines::cart_id.eq(cart_id))
        .order((cart_lines::added_at, cart_lines::product_id))
        .select(LineRow::as_select())
        .load(conn)
        .await
}

/// Sets the quantity of `product_id` in the cart, adding the line if it is new.
pub async fn set_line(
    conn: &mut AsyncPgConnection,
    cart_id: Uuid,
    product_id: Uuid,
    quantity: i32,
) -> QueryResult<()> {
    diesel::insert_into(cart_lines::table)
        .values((
            cart_lines::cart_id.eq(cart_id),
            cart_lines::product_id.eq(product_id),
            cart_lines::quantity.eq(quantity),
        ))
        .on_conflict((cart_lines::cart_id, cart_lines::product_id))
        .do_update()
        .set(cart_lines::quantity.eq(excluded(cart_lines::quantity)))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_line(
    conn: &mut AsyncPgConnection,
    cart_id: Uuid,
    product_id: Uuid,
) -> QueryResult<()> {
    diesel::delete(
        cart_lines::table
            .filter(cart_lines::cart_id.eq(cart_id))
            .filter(cart_lines::product_id.eq(product_id)),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a change: the cart lives `expires_at` from now on.
pub async fn touch(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(carts::table.find(id))
        .set((
            carts::updated_at.eq(diesel::dsl::now),
            carts::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives a guest's cart to the customer who signed in.
pub async fn adopt(conn: &mut AsyncPgConnection, id: Uuid, user_id: Uuid) -> QueryResult<()> {
    diesel::update(carts::table.find(id))
        .set(carts::user_id.eq(user_id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a guest's cart merged into another: it is seen no more.
pub async fn mark_merged(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(carts::table.find(id))
        .set(carts::status.eq("MERGED"))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes up to `limit` carts that expired before `now` (their lines go with them);
/// returns how many.
pub async fn delete_expired(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM carts WHERE id IN (SELECT id FROM carts WHERE expires_at <= $1 LIMIT $2)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .execute(conn)
    .await
}

/// Where the cart goes (an address as validated).
pub async fn set_address(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    address: serde_json::Value,
) -> QueryResult<()> {
    diesel::update(carts::table.find(id))
        .set(carts::shipping_address.eq(address))
        .execute(conn)
        .await?;
    Ok(())
}

/// The discount code the cart carries (`None`: none).
pub async fn set_discount_code(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    code: Option<&str>,
) -> QueryResult<()> {
    diesel::update(carts::table.find(id))
        .set(carts::discount_code.eq(code))
        .execute(conn)
        .await?;
    Ok(())
}

/// A checked-out cart: ORDERED, naming its order and the checkout's idempotency key.
pub async fn mark_ordered(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    order_id: Uuid,
    key: &str,
) -> QueryResult<()> {
    diesel::update(carts::table.find(id))
        .set((
            carts::status.eq("ORDERED"),
            carts::order_id.eq(order_id),
            carts::checkout_key.eq(key),
            carts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
