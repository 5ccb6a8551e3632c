//! Writing a new order in one statement, and the order numbers it takes.
//!
//! A placement wrote its order, lines, first history row and two events as a
//! transaction of seven statements in four round trips (BEGIN, `nextval`, the order,
//! the other four pipelined, COMMIT), each statement its own reply from PostgreSQL and
//! its own wake-up here. One statement of data-modifying CTEs is atomic by itself, so
//! it needs no transaction, and its rows follow the order's only when the order was
//! inserted: an idempotency key used before inserts nothing at all.

use std::collections::VecDeque;
use std::sync::Mutex;

use diesel::QueryResult;
use diesel::sql_types::{Array, BigInt, Bytea, Int4, Int8, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use mart_events::EventEnvelope;
use mart_events::prepared::cached;

use super::rows::{LineRow, OrderRow};

const INSERT: &str = "\
WITH o AS (
  INSERT INTO orders (id, number, user_id, idempotency_key, status, cancel_reason, currency,
    subtotal_minor, shipping_minor, total_minor, total_weight_grams, shipping_address,
    reservation_expires_at, created_at, updated_at, request_fingerprint, discount_minor,
    tax_minor, discount_code)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
  ON CONFLICT (user_id, idempotency_key) DO NOTHING
  RETURNING *
), lines AS (
  INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price_minor,
    weight_grams, discount_minor, tax_minor)
  SELECT o.id, l.* FROM o,
    unnest($20::int4[], $21::uuid[], $22::int4[], $23::int8[], $24::int4[], $25::int8[],
      $26::int8[]) AS l
), history AS (
  INSERT INTO order_status_history (order_id, status) SELECT o.id, o.status FROM o
), events AS (
  INSERT INTO outbox_events (event_id, topic, message_key, envelope)
  SELECT e.event_id, e.topic, e.message_key, e.envelope FROM o,
    unnest($27::uuid[], $28::text[], $29::text[], $30::jsonb[])
      WITH ORDINALITY AS e(event_id, topic, message_key, envelope, n)
  ORDER BY e.n
)
SELECT * FROM o";

/// Inserts `order` with its `lines`, its first status in the history and `events` (each
/// with its topic, in order) unless its user already has an order under its idempotency
/// key: `None` then, and nothing is written.
pub async fn insert(
    mut conn: &AsyncPgConnection,
    order: &OrderRow,
    lines: &[LineRow],
    events: &[(&str, EventEnvelope)],
) -> QueryResult<Option<OrderRow>> {
    use diesel::sql_types::Uuid as PgUuid;
    fn column<T>(lines: &[LineRow], f: impl Fn(&LineRow) -> T) -> Vec<T> {
        lines.iter().map(f).collect()
    }
    let query = diesel::sql_query(INSERT)
        .bind::<PgUuid, _>(order.id)
        .bind::<Text, _>(&order.number)
        .bind::<PgUuid, _>(order.user_id)
        .bind::<Text, _>(&order.idempotency_key)
        .bind::<Text, _>(&order.status)
        .bind::<Nullable<Text>, _>(order.cancel_reason.as_deref())
        .bind::<Text, _>(&order.currency)
        .bind::<BigInt, _>(order.subtotal_minor)
        .bind::<BigInt, _>(order.shipping_minor)
        .bind::<BigInt, _>(order.total_minor)
        .bind::<BigInt, _>(order.total_weight_grams)
        .bind::<Jsonb, _>(&order.shipping_address)
        .bind::<Timestamptz, _>(order.reservation_expires_at)
        .bind::<Timestamptz, _>(order.created_at)
        .bind::<Timestamptz, _>(order.updated_at)
        .bind::<Nullable<Bytea>, _>(order.request_fingerprint.as_deref())
        .bind::<BigInt, _>(order.discount_minor)
        .bind::<BigInt, _>(order.tax_minor)
        .bind::<Nullable<Text>, _>(order.discount_code.as_deref())
        .bind::<Array<Int4>, _>(column(lines, |l| l.line_no))
        .bind::<Array<PgUuid>, _>(column(lines, |l| l.product_id))
        .bind::<Array<Int4>, _>(column(lines, |l| l.quantity))
        .bind::<Array<Int8>, _>(column(lines, |l| l.unit_price_minor))
        .bind::<Array<Int4>, _>(column(lines, |l| l.weight_grams))
        .bind::<Array<Int8>, _>(column(lines, |l| l.discount_minor))
        .bind::<Array<Int8>, _>(column(lines, |l| l.tax_minor))
        .bind::<Array<PgUuid>, _>(events.iter().map(|(_, e)| e.id).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(events.iter().map(|(topic, _)| *topic).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(
            events
                .iter()
                .map(|(_, e)| e.aggregate_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind::<Array<Jsonb>, _>(
            events
                .iter()
                .map(|(_, e)| serde_json::to_value(e).expect("envelopes serialize"))
                .collect::<Vec<_>>(),
        );
    // The text is the same for any number of lines and events: prepared once.
    let inserted: Vec<OrderRow> = cached(query).load(&mut conn).await?;
    Ok(inserted.into_iter().next())
}

/// How many order numbers a placement takes from the sequence at once.
const BLOCK: i64 = 32;

/// Order numbers (`M-1000`, `M-1001`, …) handed out from blocks taken from the
/// database's sequence, so a placement seldom spends a statement on its number. As
/// with any sequence, a number a placement wrote is never handed out again, and a
/// block unused when the process stops leaves a gap; a placement that wrote nothing
/// (its key was used before) gives its number back. Where several processes place
/// orders, each counts up through its own block.
#[derive(Default)]
pub struct Numbers {
    spare: Mutex<VecDeque<i64>>,
}

impl Numbers {
    /// The next number (shown as [`super::label`] spells it), taking a new block over
    /// `conn` when this one is used up.
    pub async fn next(&self, conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        if let Some(n) = self.take() {
            return Ok(n);
        }
        let block: Vec<i64> = diesel::select(
            diesel::dsl::sql::<Array<BigInt>>(
                "ARRAY(SELECT nextval('order_numbers') FROM generate_series(1, ",
            )
            .bind::<BigInt, _>(BLOCK)
            .sql("))"),
        )
        .get_result(conn)
        .await?;
        let mut spare = self
            .spare
            .lock()
            .expect("the numbers' lock is never poisoned");
        spare.extend(block);
        Ok(spare.pop_front().expect("a block is never empty"))
    }

    /// `number`, taken by [`Numbers::next`] and not written, is handed out next.
    pub fn unused(&self, number: i64) {
        self.spare
            .lock()
            .expect("the numbers' lock is never poisoned")
            .push_front(number);
    }

    fn take(&self) -> Option<i64> {
        self.spare
            .lock()
            .expect("the numbers' lock is never poisoned")
            .pop_front()
    }
}
