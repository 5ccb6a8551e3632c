//! The events a catalogue change emits, written to the outbox in the change's
//! own transaction.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use mart_events::catalog::{
    Currency, MoneyPayload, ProductArchived, ProductCreated, ProductSnapshot, ProductUpdated,
};
use mart_events::enqueue;

use crate::storage::rows::ProductRow;

pub fn snapshot(row: &ProductRow) -> ProductSnapshot {
    ProductSnapshot {
        product_id: row.id,
        sku: row.sku.clone(),
        slug: row.slug.clone(),
        name: row.name.clone(),
        price: MoneyPayload {
            amount_minor: row.price_amount_minor,
            currency: Currency::parse(&row.price_currency)
                .expect("the price_currency column is CHECKed to be three uppercase letters"),
        },
        weight_grams: row.weight_grams,
        category_id: row.category_id,
        status: row.status.clone(),
    }
}

pub async fn created(conn: &mut AsyncPgConnection, row: &ProductRow) -> QueryResult<()> {
    let event = ProductCreated {
        product: snapshot(row),
    };
    enqueue(conn, &event).await.map(drop)
}

pub async fn updated(
    conn: &mut AsyncPgConnection,
    row: &ProductRow,
    changed: &[&str],
) -> QueryResult<()> {
    let event = ProductUpdated {
        product: snapshot(row),
        changed: changed.iter().map(|f| f.to_string()).collect(),
    };
    enqueue(conn, &event).await.map(drop)
}

pub async fn archived(conn: &mut AsyncPgConnection, row: &ProductRow) -> QueryResult<()> {
    enqueue(conn, &ProductArchived { product_id: row.id })
        .await
        .map(drop)
}
