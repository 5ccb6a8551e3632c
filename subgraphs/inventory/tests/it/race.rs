use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use mart_inventory::domain::reservations::{ReservationLine, ReserveError};
use uuid::Uuid;

use crate::support::{
    TestDb, assert_ledger_matches, ledger_totals, level, line, reserve, stock_up, warehouse,
};

/// Runs `reserve` for each order on its own pooled connection, all at once.
async fn race(
    store: &TestDb,
    orders: Vec<(Uuid, Vec<ReservationLine>)>,
) -> Vec<Result<mart_inventory::domain::reservations::Reservation, ReserveError>> {
    let tasks: Vec<_> = orders
        .into_iter()
        .map(|(order, lines)| {
            let db = store.db.clone();
            tokio::spawn(async move {
                let mut conn = db.conn().await.unwrap();
                reserve(&mut conn, order, &lines).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

fn tally<T>(results: &[Result<T, ReserveError>]) -> (usize, usize) {
    let granted = results.iter().filter(|r| r.is_ok()).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(ReserveError::Insufficient(_))))
        .count();
    for r in results {
        if let Err(e) = r
            && !matches!(e, ReserveError::Insufficient(_))
        {
            panic!("unexpected failure: {e:?}");
        }
    }
    (granted, refused)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_orders_racing_for_fifty_units_get_exactly_fifty() {
    let store = TestDb::open("inv_race").await;
    let mut conn = store.conn().await;
    let ams = warehouse(&mut conn, "AMS-1").await;
    let product = Uuid::now_v7();
    stock_up(&mut conn, product, ams, 50).await;

    let orders = (0..200)
        .map(|_| (Uuid::now_v7(), vec![line(product, 1)]))
        .collect();
    let results = race(&store, orders).await;

    assert_eq!(tally(&results), (50, 150));
    let level = level(&mut conn, product, ams).await;
    assert_eq!(
        (level.on_hand, level.reserved, level.available()),
        (50, 50, 0)
    );
    let totals = ledger_totals(&mut conn, product, ams).await;
    assert_eq!(
        (totals.entries, totals.on_hand, totals.reserved),
        (51, 50, 50)
    );
    let held: Count =
        diesel::sql_query("SELECT count(*) AS n FROM reservations WHERE status = 'ACTIVE'")
            .get_result(&mut conn)
            .await
            .unwrap();
    assert_eq!(held.n, 50);
    drop(conn);
    store.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_of_several_products_in_any_line_order_neither_deadlock_nor_oversell() {
    let store = TestDb::open("inv_race_multi").await;
    let mut conn = store.conn().await;
    let (ams, ber) = (
        warehouse(&mut conn, "AMS-1").await,
        warehouse(&mut conn, "BER-1").await,
    );
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    for product in [a, b] {
        stock_up(&mut conn, product, ams, 12).await;
        stock_up(&mut conn, product, ber, 18).await;
    }

    // Half the orders list b before a: locks must still be taken in one order.
    let orders = (0..120)
        .map(|i| {
            let lines = if i % 2 == 0 {
                vec![line(a, 1), line(b, 1)]
            } else {
                vec![line(b, 1), line(a, 1)]
            };
            (Uuid::now_v7(), lines)
        })
        .collect();
    let results = race(&store, orders).await;

    assert_eq!(tally(&results), (30, 90));
    for product in [a, b] {
        for w in [ams, ber] {
            let l = level(&mut conn, product, w).await;
            assert_eq!(l.available(), 0, "{l:?}");
            assert_ledger_matches(&mut conn, product, w).await;
        }
    }
    drop(conn);
    store.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_order_reserved_ten_times_at_once_is_granted_once() {
    let store = TestDb::open("inv_race_same").await;
    let mut conn = store.conn().await;
    let ams = warehouse(&mut conn, "AMS-1").await;
    let product = Uuid::now_v7();
    stock_up(&mut conn, product, ams, 10).await;

    let order = Uuid::now_v7();
    let orders = (0..10).map(|_| (order, vec![line(product, 3)])).collect();
    let results = race(&store, orders).await;

    let reservations: Vec<_> = results.into_iter().map(|r| r.unwrap()).collect();
    assert!(reservations.iter().all(|r| *r == reservations[0]));
    assert_eq!(reservations[0].quantity_of(product), 3);
    let level = level(&mut conn, product, ams).await;
    assert_eq!(level.reserved, 3);
    let totals = ledger_totals(&mut conn, product, ams).await;
    assert_eq!((totals.entries, totals.reserved), (2, 3));

    // Asking again later, even for more, returns the same reservation.
    let again = reserve(&mut conn, order, &[line(product, 7)])
        .await
        .unwrap();
    assert_eq!(again, reservations[0]);
    assert_eq!(
        crate::support::level(&mut conn, product, ams)
            .await
            .reserved,
        3
    );
    drop(conn);
    store.drop().await;
}
