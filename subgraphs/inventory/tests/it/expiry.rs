use std::time::Duration;

use chrono::{TimeDelta, Utc};
use mart_inventory::domain::reservations::{
    ReservationStatus, expire_reservations, find_reservation,
};
use mart_service::testkit::eventually;
use serde_json::json;
use uuid::Uuid;

use crate::support::{
    TestDb, TestService, assert_ledger_matches, events, level, line, reserve_for, stock_up,
    warehouse,
};

#[tokio::test(flavor = "multi_thread")]
async fn reservations_past_their_expiry_are_released() {
    let store = TestDb::open("inv_expiry").await;
    let mut conn = store.conn().await;
    let ams = warehouse(&mut conn, "AMS-1").await;
    let product = Uuid::now_v7();
    stock_up(&mut conn, product, ams, 10).await;

    let (stale, fresh) = (Uuid::now_v7(), Uuid::now_v7());
    reserve_for(
        &mut conn,
        stale,
        &[line(product, 4)],
        TimeDelta::seconds(-1),
    )
    .await
    .unwrap();
    reserve_for(&mut conn, fresh, &[line(product, 3)], TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(level(&mut conn, product, ams).await.available(), 3);

    let expired = expire_reservations(&mut conn, Utc::now()).await.unwrap();
    assert_eq!(expired, [stale]);
    let stale_now = find_reservation(&conn, stale).await.unwrap().unwrap();
    assert_eq!(stale_now.status, ReservationStatus::Expired);
    assert!(stale_now.closed_at.is_some());
    assert_eq!(level(&mut conn, product, ams).await.available(), 7);
    assert!(
        expire_reservations(&mut conn, Utc::now())
            .await
            .unwrap()
            .is_empty()
    );

    let later = Utc::now() + TimeDelta::hours(2);
    assert_eq!(
        expire_reservations(&mut conn, later).await.unwrap(),
        [fresh]
    );
    let l = level(&mut conn, product, ams).await;
    assert_eq!((l.on_hand, l.reserved), (10, 0));
    assert_ledger_matches(&mut conn, product, ams).await;

    let released: Vec<_> = events(&mut conn)
        .await
        .into_iter()
        .filter(|e| e.event_type == "inventory.released")
        .map(|e| e.payload)
        .collect();
    assert_eq!(
        released,
        [
            json!({ "orderId": stale, "reason": "expired" }),
            json!({ "orderId": fresh, "reason": "expired" }),
        ]
    );
    drop(conn);
    store.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_running_service_expires_reservations_by_itself() {
    let settings = mart_inventory::Settings {
        expiry_interval: Duration::from_millis(100),
    };
    let service = TestService::start("inv_expiry_task", settings).await;
    let mut conn = service.store.conn().await;
    let ams = warehouse(&mut conn, "AMS-1").await;
    let product = Uuid::now_v7();
    stock_up(&mut conn, product, ams, 5).await;
    let order = Uuid::now_v7();
    reserve_for(&mut conn, order, &[line(product, 5)], TimeDelta::seconds(2))
        .await
        .unwrap();

    let query = r#"query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { stock { available reserved } } } }"#;
    let vars = json!({ "r": [{ "__typename": "Product", "id": product }] });
    let stock = service.ok(query, vars.clone()).await["_entities"][0]["stock"].clone();
    assert_eq!(stock, json!({ "available": 0, "reserved": 5 }));

    eventually(
        "the reservation to expire",
        Duration::from_secs(10),
        || async {
            let stock = service.ok(query, vars.clone()).await["_entities"][0]["stock"].clone();
            (stock == json!({ "available": 5, "reserved": 0 })).then_some(())
        },
    )
    .await;
    let status = find_reservation(&conn, order)
        .await
        .unwrap()
        .unwrap()
        .status;
    assert_eq!(status, ReservationStatus::Expired);
    drop(conn);
    service.stop().await;
}
