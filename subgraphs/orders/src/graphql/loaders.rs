//! Batched loads of order lines and history for lists of orders.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use mart_service::ApiError;
use uuid::Uuid;

use crate::domain::{HistoryEntry, OrderLine, Orders, OrdersError};

pub struct LinesLoader(pub Orders);
pub struct HistoryLoader(pub Orders);

fn group<T>(items: Vec<T>, key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    for item in items {
        grouped.entry(key(&item)).or_default().push(item);
    }
    grouped
}

/// A loader's error is handed to every field that asked.
fn shared(e: OrdersError) -> Arc<ApiError> {
    Arc::new(e.into())
}

impl Loader<Uuid> for LinesLoader {
    type Value = Vec<OrderLine>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let lines = self.0.lines_of(keys).await.map_err(shared)?;
        Ok(group(lines, |l| l.order_id))
    }
}

impl Loader<Uuid> for HistoryLoader {
    type Value = Vec<HistoryEntry>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let entries = self.0.history_of(keys).await.map_err(shared)?;
        Ok(group(entries, |e| e.order_id))
    }
}
