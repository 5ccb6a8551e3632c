//! Queries on `login_failures`: one row per failed sign-in and subject.

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::login_failures;

/// Failures per subject since `since`, for the subjects that have any.
pub async fn count_since(
    conn: &mut AsyncPgConnection,
    subjects: &[String],
    since: DateTime<Utc>,
) -> QueryResult<Vec<(String, i64)>> {
    login_failures::table
        .filter(login_failures::subject.eq_any(subjects))
        .filter(login_failures::failed_at.gt(since))
        .group_by(login_failures::subject)
        .select((login_failures::subject, count_star()))
        .load(conn)
        .await
}

pub async fn record(conn: &mut AsyncPgConnection, subjects: &[String]) -> QueryResult<()> {
    let rows: Vec<_> = subjects
        .iter()
        .map(|s| login_failures::subject.eq(s))
        .collect();
    diesel::insert_into(login_failures::table)
        .values(&rows)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn clear(conn: &mut AsyncPgConnection, subject: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Drops failures older than `before`: they no longer count.
pub async fn delete_older_than(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at.lt(before)))
        .execute(conn)
        .await
}
