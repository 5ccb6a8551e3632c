//! Payments and their event log in the payments database.

pub mod schema;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use mart_events::prepared::cached;
use schema::{payment_events, payments};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = payments)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct PaymentRow {
    pub order_id: Uuid,
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub payment_token: Option<String>,
    pub stock_reserved: bool,
    pub order_cancelled: bool,
    pub status: String,
    pub provider_ref: Option<String>,
    pub refunded_minor: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payment_events)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct PaymentEventRow {
    pub id: i64,
    pub order_id: Uuid,
    pub kind: String,
    pub amount_minor: Option<i64>,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// What an event taught us about an order's payment.
#[derive(Debug, Default, Clone, Copy)]
pub struct Facts<'a> {
    pub user_id: Option<Uuid>,
    pub amount: Option<(i64, &'a str)>,
    pub payment_token: Option<&'a str>,
    pub stock_reserved: bool,
    pub order_cancelled: bool,
}

impl<'a> Facts<'a> {
    /// These facts and `later` ones about the same order: facts only add.
    pub fn and(self, later: Facts<'a>) -> Facts<'a> {
        Facts {
            user_id: later.user_id.or(self.user_id),
            amount: later.amount.or(self.amount),
            payment_token: later.payment_token.or(self.payment_token),
            stock_reserved: self.stock_reserved || later.stock_reserved,
            order_cancelled: self.order_cancelled || later.order_cancelled,
        }
    }
}

/// Adds `facts` to the order's payment, creating it in `initial_status` if it is the
/// first we hear of the order, and returns it locked for the rest of the transaction.
pub async fn record_facts(
    conn: &AsyncPgConnection,
    order_id: Uuid,
    facts: &Facts<'_>,
    initial_status: &str,
) -> QueryResult<PaymentRow> {
    record_all_facts(conn, &[(order_id, *facts)], initial_status)
        .await?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// [`record_facts`] for many orders (each at most once) in one statement; a `None`
/// leaves a column as it is and a flag once set stays set (facts only add). The rows as
/// they now are, locked for the rest of the transaction, in no particular order. The
/// caller passes them in order-id order, the order the rows are locked in.
pub async fn record_all_facts(
    mut conn: &AsyncPgConnection,
    facts: &[(Uuid, Facts<'_>)],
    initial_status: &str,
) -> QueryResult<Vec<PaymentRow>> {
    use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Uuid as PgUuid};
    if facts.is_empty() {
        return Ok(Vec::new());
    }
    fn column<'f, 'a, T>(facts: &'f [(Uuid, Facts<'a>)], f: impl Fn(&Facts<'a>) -> T) -> Vec<T> {
        facts.iter().map(|(_, facts)| f(facts)).collect()
    }
    let upsert = diesel::sql_query(
        "INSERT INTO payments AS p (order_id, id, status, user_id, amount_minor, currency, \
           payment_token, stock_reserved, order_cancelled) \
         SELECT f.order_id, f.id, $3, f.user_id, f.amount_minor, f.currency, f.payment_token, \
           f.stock_reserved, f.order_cancelled \
         FROM unnest($1::uuid[], $2::uuid[], $4::uuid[], $5::int8[], $6::text[], $7::text[], \
           $8::bool[], $9::bool[]) AS f(order_id, id, user_id, amount_minor, currency, \
           payment_token, stock_reserved, order_cancelled) \
         ON CONFLICT (order_id) DO UPDATE SET \
           user_id = COALESCE(excluded.user_id, p.user_id), \
           amount_minor = COALESCE(excluded.amount_minor, p.amount_minor), \
           currency = COALESCE(excluded.currency, p.currency), \
           payment_token = COALESCE(excluded.payment_token, p.payment_token), \
           stock_reserved = p.stock_reserved OR excluded.stock_reserved, \
           order_cancelled = p.order_cancelled OR excluded.order_cancelled \
         RETURNING p.*",
    )
    .bind::<Array<PgUuid>, _>(
        facts
            .iter()
            .map(|(order_id, _)| *order_id)
            .collect::<Vec<_>>(),
    )
    .bind::<Array<PgUuid>, _>(facts.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>())
    .bind::<Text, _>(initial_status)
    .bind::<Array<Nullable<PgUuid>>, _>(column(facts, |f| f.user_id))
    .bind::<Array<Nullable<BigInt>>, _>(column(facts, |f| f.amount.map(|a| a.0)))
    .bind::<Array<Nullable<Text>>, _>(column(facts, |f| f.amount.map(|a| a.1)))
    .bind::<Array<Nullable<Text>>, _>(column(facts, |f| f.payment_token))
    .bind::<Array<Bool>, _>(column(facts, |f| f.stock_reserved))
    .bind::<Array<Bool>, _>(column(facts, |f| f.order_cancelled));
    // The same text for any number of orders: kept prepared (diesel would not).
    cached(upsert).load(&mut conn).await
}

pub async fn lock(conn: &mut AsyncPgConnection, order_id: Uuid) -> QueryResult<Option<PaymentRow>> {
    payments::table
        .find(order_id)
        .select(PaymentRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, order_id: Uuid) -> QueryResult<Option<PaymentRow>> {
    payments::table
        .find(order_id)
        .select(PaymentRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Moves the payment to `status` and logs why.
/// The new status and its log entry, pipelined: one round trip.
pub async fn set_status(
    conn: &AsyncPgConnection,
    order_id: Uuid,
    status: &str,
    provider_ref: Option<&str>,
    event: (&str, Option<i64>, Option<&str>),
) -> QueryResult<PaymentRow> {
    let changed = diesel::update(payments::table.find(order_id));
    let status_now = (
        payments::status.eq(status),
        payments::updated_at.eq(diesel::dsl::now),
    );
    let update = async {
        let mut conn = conn;
        match provider_ref {
            Some(reference) => {
                let update = changed
                    .set((status_now, payments::provider_ref.eq(reference)))
                    .returning(PaymentRow::as_returning());
                cached(update).get_result(&mut conn).await
            }
            None => {
                let update = changed
                    .set(status_now)
                    .returning(PaymentRow::as_returning());
                cached(update).get_result(&mut conn).await
            }
        }
    };
    let (row, ()) = futures::try_join!(update, log_event(conn, order_id, event))?;
    Ok(row)
}

/// Moves each payment `(order, status, processor reference)` to its status in one
/// statement; a reference of `None` leaves the stored one.
pub async fn set_statuses(
    mut conn: &AsyncPgConnection,
    changes: &[(Uuid, &str, Option<&str>)],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, Nullable, Text};
    let ids: Vec<Uuid> = changes.iter().map(|c| c.0).collect();
    let statuses: Vec<&str> = changes.iter().map(|c| c.1).collect();
    let references: Vec<Option<&str>> = changes.iter().map(|c| c.2).collect();
    // Arrays keep the text the same for any number of payments: prepared once.
    let update = diesel::sql_query(
        "UPDATE payments AS p \
         SET status = v.status, provider_ref = COALESCE(v.provider_ref, p.provider_ref), \
             updated_at = CURRENT_TIMESTAMP \
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(order_id, status, provider_ref) \
         WHERE p.order_id = v.order_id",
    )
    .bind::<Array<diesel::sql_types::Uuid>, _>(ids)
    .bind::<Array<Text>, _>(statuses)
    .bind::<Array<Nullable<Text>>, _>(references);
    cached(update).execute(&mut conn).await?;
    Ok(())
}

/// Log entries `(order, kind, amount, detail)`, in one statement.
pub async fn log_events(
    mut conn: &AsyncPgConnection,
    entries: &[(Uuid, &str, Option<i64>, Option<&str>)],
) -> QueryResult<()> {
    let rows: Vec<_> = entries
        .iter()
        .map(|&(order_id, kind, amount_minor, detail)| {
            (
                payment_events::order_id.eq(order_id),
                payment_events::kind.eq(kind),
                payment_events::amount_minor.eq(amount_minor),
                payment_events::detail.eq(detail),
            )
        })
        .collect();
    diesel::insert_into(payment_events::table)
        .values(rows)
        .execute(&mut conn)
        .await?;
    Ok(())
}

pub async fn add_refund(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    amount_minor: i64,
    status: &str,
) -> QueryResult<PaymentRow> {
    let row = diesel::update(payments::table.find(order_id))
        .set((
            payments::refunded_minor.eq(payments::refunded_minor + amount_minor),
            payments::status.eq(status),
            payments::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PaymentRow::as_returning())
        .get_result(conn)
        .await?;
    log_event(conn, order_id, ("refunded", Some(amount_minor), None)).await?;
    Ok(row)
}

pub async fn log_event(
    mut conn: &AsyncPgConnection,
    order_id: Uuid,
    (kind, amount_minor, detail): (&str, Option<i64>, Option<&str>),
) -> QueryResult<()> {
    diesel::insert_into(payment_events::table)
        .values((
            payment_events::order_id.eq(order_id),
            payment_events::kind.eq(kind),
            payment_events::amount_minor.eq(amount_minor),
            payment_events::detail.eq(detail),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

pub async fn events_of(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
) -> QueryResult<Vec<PaymentEventRow>> {
    payment_events::table
        .filter(payment_events::order_id.eq(order_id))
        .order(payment_events::id)
        .select(PaymentEventRow::as_select())
        .load(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_about_one_order_only_add_up() {
        let placed = Facts {
            user_id: Some(Uuid::from_u128(7)),
            amount: Some((1299, "EUR")),
            payment_token: Some("sealed"),
            ..Facts::default()
        };
        let reserved = Facts {
            stock_reserved: true,
            ..Facts::default()
        };
        // Whichever arrives first, the order ends up with both.
        for merged in [placed.and(reserved), reserved.and(placed)] {
            assert_eq!(merged.user_id, Some(Uuid::from_u128(7)));
            assert_eq!(merged.amount, Some((1299, "EUR")));
            assert_eq!(merged.payment_token, Some("sealed"));
            assert!(merged.stock_reserved);
            assert!(!merged.order_cancelled);
        }
        let cancelled = Facts {
            order_cancelled: true,
            ..Facts::default()
        };
        let all = placed.and(reserved).and(cancelled).and(Facts::default());
        assert!(all.stock_reserved && all.order_cancelled);
        assert_eq!(all.amount, Some((1299, "EUR")));
    }
}
