//! Queries on `login_failures`: one row per counted attempt and subject (a
//! failed sign-in, a sign-in in progress, a registration; the subject's prefix
//! says which), so that attempts can be counted within a window.

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use super::schema::login_failures;

/// The first key of the two-key advisory locks taken on subjects ("MUsr"):
/// the two-key space is apart from the one-key locks migrations take.
const LOCK_CLASS: i32 = 0x4d55_7372;

/// Takes a transaction-scoped advisory lock per subject, so that whoever
/// counts a subject's attempts and then adds one does so alone until the
/// transaction ends. Locks are taken in one order (by key), so two callers
/// locking the same subjects cannot deadlock. Only within a transaction.
pub async fn lock_subjects(conn: &mut AsyncPgConnection, subjects: &[String]) -> QueryResult<()> {
    let mut keys: Vec<i32> = subjects.iter().map(|s| lock_key(s)).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind::<Integer, _>(LOCK_CLASS)
            .bind::<Integer, _>(key)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// 32 bits of the subject's SHA-256: two subjects sharing a key only wait for
/// each other.
fn lock_key(subject: &str) -> i32 {
    let digest = Sha256::digest(subject.as_bytes());
    i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Attempts per subject since `since`, for the subjects that have any.
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

/// One row per subject: (subject, row id).
pub async fn record(
    conn: &mut AsyncPgConnection,
    subjects: &[String],
) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<_> = subjects
        .iter()
        .map(|s| login_failures::subject.eq(s))
        .collect();
    diesel::insert_into(login_failures::table)
        .values(&rows)
        .returning((login_failures::subject, login_failures::id))
        .get_results(conn)
        .await
}

pub async fn clear(conn: &mut AsyncPgConnection, subject: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject)))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn delete_ids(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(ids)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Drops attempts older than `before`: they no longer count.
pub async fn delete_older_than(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at.lt(before)))
        .execute(conn)
        .await
}
