//! The notifications table (history and the publisher's backlog) and the
//! order → owner map that addresses payment and shipment events.

mod schema;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use mart_events::prepared::cached;
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

/// The owner (and number, once known) of `order_id`. A later call fills a
/// missing number; the owner of an order never changes. Notifications that
/// waited for this owner are addressed to them. Returns the owner and number
/// as now stored, as [`owner_of`] would.
pub async fn remember_owner(
    conn: &AsyncPgConnection,
    order_id: Uuid,
    user_id: Uuid,
    number: Option<&str>,
) -> QueryResult<(Uuid, Option<String>)> {
    let upsert = diesel::insert_into(order_owners::table)
        .values((
            order_owners::order_id.eq(order_id),
            order_owners::user_id.eq(user_id),
            order_owners::number.eq(number),
        ))
        .on_conflict(order_owners::order_id)
        .do_update()
        .set(order_owners::number.eq(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >("COALESCE(order_owners.number, excluded.number)")))
        .returning((order_owners::user_id, order_owners::number));
    // Also when the owner was known: a notification written concurrently by
    // another replica, before this owner was committed, waits unaddressed.
    let address = diesel::update(
        notifications::table
            .filter(notifications::order_id.eq(order_id))
            .filter(notifications::user_id.is_null()),
    )
    .set(notifications::user_id.eq(user_id));
    // Independent of each other: sent together (pipelined), one round trip.
    let (mut first, mut second) = (conn, conn);
    let (owner, _) = futures::try_join!(
        cached(upsert).get_result(&mut first),
        cached(address).execute(&mut second)
    )?;
    Ok(owner)
}

/// `(owner, number)` of an order, if an event naming its owner was seen.
pub async fn owner_of(
    mut conn: &AsyncPgConnection,
    order_id: Uuid,
) -> QueryResult<Option<(Uuid, Option<String>)>> {
    order_owners::table
        .find(order_id)
        .select((order_owners::user_id, order_owners::number))
        .first(&mut conn)
        .await
        .optional()
}

/// Writes `new` (addressed to `user_id`, or to nobody yet); a second write for
/// the same event is ignored. `true` when a row was written.
pub async fn insert(
    mut conn: &AsyncPgConnection,
    new: &NewNotification,
    user_id: Option<Uuid>,
) -> QueryResult<bool> {
    let written = diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(Uuid::now_v7()),
            notifications::event_id.eq(new.event_id),
            notifications::user_id.eq(user_id),
            notifications::order_id.eq(new.order_id),
            notifications::kind.eq(new.kind),
            notifications::title.eq(&new.title),
            notifications::body.eq(&new.body),
        ))
        .on_conflict(notifications::event_id)
        .do_nothing()
        .execute(&mut conn)
        .await?;
    Ok(written == 1)
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
