//! Batched loads of order lines and history for lists of orders.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use mart_service::Database;
use uuid::Uuid;

use crate::storage::{self, rows::HistoryRow, rows::LineRow};

pub struct LinesLoader(pub Database);
pub struct HistoryLoader(pub Database);

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        grouped.entry(key(&row)).or_default().push(row);
    }
    grouped
}

impl Loader<Uuid> for LinesLoader {
    type Value = Vec<LineRow>;
    type Error = Arc<mart_service::ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = self.0.conn().await.map_err(|e| Arc::new(e.into()))?;
        let rows = storage::lines_of(&mut conn, keys)
            .await
            .map_err(|e| Arc::new(e.into()))?;
        Ok(group(rows, |r| r.order_id))
    }
}

impl Loader<Uuid> for HistoryLoader {
    type Value = Vec<HistoryRow>;
    type Error = Arc<mart_service::ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut conn = self.0.conn().await.map_err(|e| Arc::new(e.into()))?;
        let rows = storage::history_of(&mut conn, keys)
            .await
            .map_err(|e| Arc::new(e.into()))?;
        Ok(group(rows, |r| r.order_id))
    }
}
