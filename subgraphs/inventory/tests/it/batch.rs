//! A round of placed orders reserved together, then sold together: each order
//! sees the stock the ones before it in the round left, and a redelivered
//! round changes nothing.

use chrono::TimeDelta;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use mart_inventory::domain::reservations::{
    CommitOutcome, ReservationError, ReservationStatus, ReserveError, ReserveOutcome,
    ReserveRequest, commit_batch, find_reservation, reserve_batch,
};
use uuid::Uuid;

use crate::support::{TestDb, assert_ledger_matches, events, level, line, stock_up, warehouse};

fn request(order_id: Uuid, product: Uuid, quantity: i32) -> ReserveRequest {
    ReserveRequest {
        order_id,
        lines: vec![line(product, quantity)],
        ttl: TimeDelta::minutes(15),
    }
}

async fn in_transaction(
    conn: &mut AsyncPgConnection,
    requests: &[ReserveRequest],
) -> Result<Vec<ReserveOutcome>, ReserveError> {
    conn.transaction(async |c| reserve_batch(c, requests).await)
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn later_orders_of_a_round_see_what_earlier_ones_took() {
    let store = TestDb::open("inv_batch").await;
    let mut conn = store.conn().await;
    let ams = warehouse(&mut conn, "AMS-1").await;
    let product = Uuid::now_v7();
    stock_up(&mut conn, product, ams, 3).await;
    let (first, second, third, empty) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let round = vec![
        request(first, product, 2),
        request(second, product, 2),
        request(third, product, 1),
        ReserveRequest {
            order_id: empty,
            lines: vec![],
            ttl: TimeDelta::minutes(15),
        },
    ];

    let outcomes = in_transaction(&mut conn, &round).await.unwrap();

    assert_eq!(outcomes[0], ReserveOutcome::Reserved);
    let ReserveOutcome::Insufficient(shortages) = &outcomes[1] else {
        panic!("the second order wanted 2 of the 1 left: {:?}", outcomes[1]);
    };
    assert_eq!((shortages[0].requested, shortages[0].available), (2, 1));
    assert_eq!(outcomes[2], ReserveOutcome::Reserved);
    assert!(matches!(outcomes[3], ReserveOutcome::Invalid(_)));
    let stock = level(&mut conn, product, ams).await;
    assert_eq!((stock.on_hand, stock.reserved), (3, 3));
    assert_ledger_matches(&mut conn, product, ams).await;
    for (order, units) in [(first, 2), (third, 1)] {
        let held = find_reservation(&conn, order).await.unwrap().unwrap();
        assert_eq!(held.lines.iter().map(|l| l.quantity).sum::<i32>(), units);
    }
    assert!(find_reservation(&conn, second).await.unwrap().is_none());
    let reserved: Vec<_> = events(&mut conn)
        .await
        .into_iter()
        .filter(|e| e.event_type == "inventory.reserved")
        .map(|e| e.payload["orderId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(reserved, [first.to_string(), third.to_string()]);

    // The same round again (a redelivery): nothing more is held or announced.
    let again = in_transaction(&mut conn, &round).await.unwrap();
    assert_eq!(again[0], ReserveOutcome::AlreadyReserved);
    assert_eq!(again[2], ReserveOutcome::AlreadyReserved);
    assert!(matches!(again[1], ReserveOutcome::Insufficient(_)));
    let stock = level(&mut conn, product, ams).await;
    assert_eq!(stock.reserved, 3);
    assert_ledger_matches(&mut conn, product, ams).await;
    let announced = events(&mut conn)
        .await
        .into_iter()
        .filter(|e| e.event_type == "inventory.reserved")
        .count();
    assert_eq!(announced, 2);

    // Both paid, one of them twice in the round; the refused order was never held.
    let paid = [first, second, third, first];
    let sold = conn
        .transaction(async |c| commit_batch(c, &paid).await)
        .await
        .unwrap();
    assert!(matches!(sold[0], CommitOutcome::Committed));
    assert!(matches!(
        sold[1],
        CommitOutcome::Refused(ReservationError::NotFound(_))
    ));
    assert!(matches!(sold[2], CommitOutcome::Committed));
    assert!(matches!(sold[3], CommitOutcome::AlreadyCommitted));
    let stock = level(&mut conn, product, ams).await;
    assert_eq!((stock.on_hand, stock.reserved), (0, 0));
    assert_ledger_matches(&mut conn, product, ams).await;
    for order in [first, third] {
        let held = find_reservation(&conn, order).await.unwrap().unwrap();
        assert_eq!(held.status, ReservationStatus::Committed);
    }
    let committed = events(&mut conn)
        .await
        .into_iter()
        .filter(|e| e.event_type == "inventory.committed")
        .count();
    assert_eq!(committed, 2);
    drop(conn);
    store.drop().await;
}
