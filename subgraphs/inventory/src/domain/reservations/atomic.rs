//! One transaction per reservation change, without a savepoint when the caller
//! already has a transaction open.
//!
//! The saga's consumer applies a batch of events in one transaction. A savepoint
//! per event would give each its own subtransaction id: past 64 of them Postgres
//! snapshots overflow into `pg_subtrans`, and a stock row locked by one
//! subtransaction after another changed it becomes a multixact that grows with
//! every event of the batch, so a batch slows down quadratically. The bodies run
//! here therefore return their refusals (not found, not active) before writing
//! anything: there is never a partial change to undo, and a database error
//! aborts the caller's whole transaction anyway.

use diesel_async::{AsyncConnection, AsyncPgConnection, TransactionManager};

type Manager = <AsyncPgConnection as AsyncConnection>::TransactionManager;

pub(super) async fn atomically<T, E>(
    conn: &mut AsyncPgConnection,
    body: impl AsyncFnOnce(&mut AsyncPgConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let depth = Manager::transaction_manager_status_mut(conn).transaction_depth()?;
    if depth.is_some() {
        return body(conn).await;
    }
    // What `AsyncConnection::transaction` does, for a body that is generic.
    Manager::begin_transaction(conn).await?;
    match body(conn).await {
        Ok(value) => {
            Manager::commit_transaction(conn).await?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn).await {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}
