//! Payments and their event log in the payments database.

pub mod schema;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use schema::{payment_events, payments};

use crate::domain::PaymentStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
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

impl PaymentRow {
    pub fn status(&self) -> PaymentStatus {
        PaymentStatus::parse(&self.status).unwrap_or(PaymentStatus::Pending)
    }
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
#[derive(Debug, Default)]
pub struct Facts<'a> {
    pub user_id: Option<Uuid>,
    pub amount: Option<(i64, &'a str)>,
    pub payment_token: Option<&'a str>,
    pub stock_reserved: bool,
    pub order_cancelled: bool,
}

/// Creates the payment row if this is the first event about the order, adds
/// `facts` to it, and returns it locked for the rest of the transaction.
pub async fn record_facts(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    facts: &Facts<'_>,
) -> QueryResult<PaymentRow> {
    diesel::insert_into(payments::table)
        .values((
            payments::order_id.eq(order_id),
            payments::id.eq(Uuid::now_v7()),
            payments::status.eq(PaymentStatus::Pending.as_str()),
        ))
        .on_conflict(payments::order_id)
        .do_nothing()
        .execute(conn)
        .await?;
    let current: PaymentRow = payments::table
        .find(order_id)
        .select(PaymentRow::as_select())
        .for_update()
        .first(conn)
        .await?;
    diesel::update(payments::table.find(order_id))
        .set((
            payments::user_id.eq(facts.user_id.or(current.user_id)),
            payments::amount_minor.eq(facts.amount.map(|a| a.0).or(current.amount_minor)),
            payments::currency.eq(facts.amount.map(|a| a.1.to_string()).or(current.currency)),
            payments::payment_token.eq(facts
                .payment_token
                .map(str::to_string)
                .or(current.payment_token)),
            payments::stock_reserved.eq(current.stock_reserved || facts.stock_reserved),
            payments::order_cancelled.eq(current.order_cancelled || facts.order_cancelled),
        ))
        .returning(PaymentRow::as_returning())
        .get_result(conn)
        .await
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
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    status: PaymentStatus,
    provider_ref: Option<&str>,
    event: (&str, Option<i64>, Option<&str>),
) -> QueryResult<PaymentRow> {
    let row: PaymentRow = diesel::update(payments::table.find(order_id))
        .set((
            payments::status.eq(status.as_str()),
            payments::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PaymentRow::as_returning())
        .get_result(conn)
        .await?;
    let row = match provider_ref {
        Some(reference) => {
            diesel::update(payments::table.find(order_id))
                .set(payments::provider_ref.eq(reference))
                .returning(PaymentRow::as_returning())
                .get_result(conn)
                .await?
        }
        None => row,
    };
    log_event(conn, order_id, event).await?;
    Ok(row)
}

pub async fn add_refund(
    conn: &mut AsyncPgConnection,
    order_id: Uuid,
    amount_minor: i64,
    status: PaymentStatus,
) -> QueryResult<PaymentRow> {
    let row = diesel::update(payments::table.find(order_id))
        .set((
            payments::refunded_minor.eq(payments::refunded_minor + amount_minor),
            payments::status.eq(status.as_str()),
            payments::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PaymentRow::as_returning())
        .get_result(conn)
        .await?;
    log_event(conn, order_id, ("refunded", Some(amount_minor), None)).await?;
    Ok(row)
}

pub async fn log_event(
    conn: &mut AsyncPgConnection,
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
        .execute(conn)
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
