//! Batched loads of order lines and history for lists of orders.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use mart_service::ApiError;
use uuid::Uuid;

use crate::domain::{Orders, OrdersError};
use crate::storage::rows::{HistoryRow, LineRow};

pub struct LinesLoader(pub Orders);
pub struct HistoryLoader(pub Orders);

fn group<T>(rows: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        grouped.entry(key(&row)).or_default().push(row);
    }
    grouped
}

/// A loader's error is handed to every field that asked.
fn shared(e: OrdersError) -> Arc<ApiError> {
    Arc::new(e.into())
}

impl Loader<Uuid> for LinesLoader {
    type Value = Vec<LineRow>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self.0.lines_of(keys).await.map_err(shared)?;
        Ok(group(rows, |r| r.order_id))
    }
}

impl Loader<Uuid> for HistoryLoader {
    type Value = Vec<HistoryRow>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self.0.history_of(keys).await.map_err(shared)?;
        Ok(group(rows, |r| r.order_id))
    }
}
