//! The notifications table (history and the publisher's backlog) and the
//! order → owner map that addresses payment and shipment events.

mod schema;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use schema::{notifications, order_owners};

/// One stored notification; also what goes out on Redis (as JSON).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = notifications)]
#[serde(rename_all = "camelCase")]
pub struct NotificationRow {
    pub id: Uuid,
    pub seq: i64,
    /// Always set on rows a reader sees: rows without an owner are not shown.
    pub user_id: Option<Uuid>,
    pub order_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A notification about to be written for the event `event_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub event_id: Uuid,
    pub order_id: Uuid,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
}

/// The owners (and numbers, once known) of a round's worth of orders, each as
/// `(order, owner, number)`; a later call fills a missing number, and the owner of an
/// order never changes. Notifications that waited for an owner are addressed to them.
/// Two statements however many there are; an order named more than once is merged first
/// (one statement may not update a row twice). Returns each order's owner and number as
/// now stored.
pub async fn remember_owners(
    conn: &AsyncPgConnection,
    named: &[(Uuid, Uuid, Option<&str>)],
) -> QueryResult<HashMap<Uuid, (Uuid, Option<String>)>> {
    let mut merged: Vec<(Uuid, Uuid, Option<&str>)> = Vec::with_capacity(named.len());
    let mut at: HashMap<Uuid, usize> = HashMap::with_capacity(named.len());
    for &(order_id, user_id, number) in named {
        match at.get(&order_id) {
            Some(&i) => merged[i].2 = merged[i].2.or(number),
            None => {
                at.insert(order_id, merged.len());
                merged.push((order_id, user_id, number));
            }
        }
    }
    if merged.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<_> = merged
        .iter()
        .map(|&(order_id, user_id, number)| {
            (
                order_owners::order_id.eq(order_id),
                order_owners::user_id.eq(user_id),
                order_owners::number.eq(number),
            )
        })
        .collect();
    let upsert = diesel::insert_into(order_owners::table)
        .values(rows)
        .on_conflict(order_owners::order_id)
        .do_update()
        .set(order_owners::number.eq(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >("COALESCE(order_owners.number, excluded.number)")))
        .returning((
            order_owners::order_id,
            order_owners::user_id,
            order_owners::number,
        ));
    // Also when the owner was known: a notification written concurrently by another
    // replica, before this owner was committed, waits unaddressed.
    let orders: Vec<Uuid> = merged.iter().map(|m| m.0).collect();
    let owners: Vec<Uuid> = merged.iter().map(|m| m.1).collect();
    let address = diesel::sql_query(
        "UPDATE notifications AS n SET user_id = v.user_id \
         FROM unnest($1::uuid[], $2::uuid[]) AS v(order_id, user_id) \
         WHERE n.order_id = v.order_id AND n.user_id IS NULL",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&orders)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&owners);
    // The same text for any number of orders: kept prepared (diesel would not).
    let address = mart_events::prepared::cached(address);
    let (mut first, mut second) = (conn, conn);
    let (stored, _): (Vec<(Uuid, Uuid, Option<String>)>, usize) =
        futures::try_join!(upsert.get_results(&mut first), address.execute(&mut second))?;
    Ok(stored
        .into_iter()
        .map(|(order_id, user_id, number)| (order_id, (user_id, number)))
        .collect())
}

/// `(owner, number)` of each order an event naming its owner was seen for, in one
/// statement; orders with no known owner are absent.
pub async fn owners_of(
    mut conn: &AsyncPgConnection,
    orders: &[Uuid],
) -> QueryResult<HashMap<Uuid, (Uuid, Option<String>)>> {
    if orders.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Uuid, Option<String>)> = order_owners::table
        .filter(order_owners::order_id.eq_any(orders))
        .select((
            order_owners::order_id,
            order_owners::user_id,
            order_owners::number,
        ))
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(order_id, user_id, number)| (order_id, (user_id, number)))
        .collect())
}

/// Writes notifications (each addressed to its owner, or to nobody yet) in one statement,
/// in their order (their `seq`
/// follows it); a second write for an event is ignored. Returns how many rows were written.
pub async fn insert_all(
    mut conn: &AsyncPgConnection,
    new: &[(NewNotification, Option<Uuid>)],
) -> QueryResult<usize> {
    if new.is_empty() {
        return Ok(0);
    }
    let rows: Vec<_> = new
        .iter()
        .map(|(n, user_id)| {
            (
                notifications::id.eq(Uuid::now_v7()),
                notifications::event_id.eq(n.event_id),
                notifications::user_id.eq(*user_id),
                notifications::order_id.eq(n.order_id),
                notifications::kind.eq(n.kind),
                notifications::title.eq(&n.title),
                notifications::body.eq(&n.body),
            )
        })
        .collect();
    diesel::insert_into(notifications::table)
        .values(rows)
        .on_conflict(notifications::event_id)
        .do_nothing()
        .execute(&mut conn)
        .await
}

/// Where a page of a user's history starts: after this (created_at, id).
pub type Cursor = (DateTime<Utc>, Uuid);

/// Up to `limit` of `user_id`'s notifications, newest first, strictly after
/// `after`.
pub async fn page(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    after: Option<Cursor>,
    unread_only: bool,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let mut query = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .select(NotificationRow::as_select())
        .order((notifications::created_at.desc(), notifications::id.desc()))
        .limit(limit)
        .into_boxed();
    if unread_only {
        query = query.filter(notifications::read_at.is_null());
    }
    if let Some((at, id)) = after {
        query = query.filter(
            notifications::created_at
                .lt(at)
                .or(notifications::created_at
                    .eq(at)
                    .and(notifications::id.lt(id))),
        );
    }
    query.load(conn).await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<NotificationRow>> {
    notifications::table
        .find(id)
        .filter(notifications::user_id.is_not_null())
        .select(NotificationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Marks `id` read (keeping the first read time) and returns it.
pub async fn mark_read(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<NotificationRow> {
    diesel::update(notifications::table.find(id))
        .set(notifications::read_at.eq(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
        >("COALESCE(read_at, now())")))
        .returning(NotificationRow::as_returning())
        .get_result(conn)
        .await
}

/// The oldest addressed notifications not yet published, locked so that
/// another replica's publisher skips them. Call inside a transaction.
pub async fn lock_unpublished(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::published_at.is_null())
        .filter(notifications::user_id.is_not_null())
        .order(notifications::seq.asc())
        .limit(limit)
        .select(NotificationRow::as_select())
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

pub async fn mark_published(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<usize> {
    diesel::update(notifications::table.filter(notifications::id.eq_any(ids)))
        .set(notifications::published_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
}

/// `user_id`'s notifications with `seq` above `after_seq`, oldest first: what a
/// live subscriber may have missed while Redis was away.
pub async fn since(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::seq.gt(after_seq))
        .order(notifications::seq.asc())
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)
        .await
}

/// The highest `seq` of `user_id`'s notifications (0 when none): where a new
/// live subscriber starts.
pub async fn latest_seq(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::user_id.eq(user_id))
        .select(diesel::dsl::max(notifications::seq))
        .first::<Option<i64>>(conn)
        .await
        .map(|s| s.unwrap_or(0))
}
