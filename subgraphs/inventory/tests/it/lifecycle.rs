use mart_inventory::domain::reservations::{
    ReservationError, ReservationStatus, ReserveError, find_reservation, release_reservation,
};
use mart_inventory::domain::{Adjustment, InventoryError, adjust_stock};
use uuid::Uuid;

use crate::support::{
    TestDb, assert_ledger_matches, commit, events, level, line, reserve, stock_up, warehouse,
};

#[tokio::test(flavor = "multi_thread")]
async fn released_stock_is_available_again_and_committed_stock_is_gone() {
    let store = TestDb::open("inv_lifecycle").await;
    let mut conn = store.conn().await;
    let ams = warehouse(&mut conn, "AMS-1").await;
    let product = Uuid::now_v7();
    stock_up(&mut conn, product, ams, 20).await;

    let cancelled = Uuid::now_v7();
    let held = reserve(&mut conn, cancelled, &[line(product, 5)])
        .await
        .unwrap();
    assert_eq!(held.status, ReservationStatus::Active);
    assert_eq!(level(&mut conn, product, ams).await.available(), 15);

    let released = release_reservation(&mut conn, cancelled, "order_cancelled")
        .await
        .unwrap();
    assert_eq!(released.status, ReservationStatus::Released);
    let l = level(&mut conn, product, ams).await;
    assert_eq!((l.on_hand, l.reserved), (20, 0));
    // Releasing twice changes nothing; a released reservation cannot be sold.
    let twice = release_reservation(&mut conn, cancelled, "order_cancelled")
        .await
        .unwrap();
    assert_eq!(twice, released);
    assert!(matches!(
        commit(&mut conn, cancelled).await,
        Err(ReservationError::NotActive {
            status: ReservationStatus::Released,
            ..
        })
    ));

    let sold = Uuid::now_v7();
    reserve(&mut conn, sold, &[line(product, 4)]).await.unwrap();
    let committed = commit(&mut conn, sold).await.unwrap();
    assert_eq!(committed.status, ReservationStatus::Committed);
    let l = level(&mut conn, product, ams).await;
    assert_eq!((l.on_hand, l.reserved), (16, 0));
    assert_eq!(commit(&mut conn, sold).await.unwrap(), committed);
    assert!(matches!(
        release_reservation(&mut conn, sold, "order_cancelled").await,
        Err(ReservationError::NotActive {
            status: ReservationStatus::Committed,
            ..
        })
    ));
    assert_eq!(
        find_reservation(&conn, sold).await.unwrap().unwrap().status,
        ReservationStatus::Committed
    );

    let nobody = Uuid::now_v7();
    assert!(matches!(
        release_reservation(&mut conn, nobody, "order_cancelled").await,
        Err(ReservationError::NotFound(id)) if id == nobody
    ));
    assert!(matches!(
        commit(&mut conn, nobody).await,
        Err(ReservationError::NotFound(_))
    ));

    assert_ledger_matches(&mut conn, product, ams).await;
    for rewrite in [
        "UPDATE stock_ledger SET on_hand_delta = 0",
        "DELETE FROM stock_ledger",
        "TRUNCATE stock_ledger CASCADE",
    ] {
        let refused =
            diesel_async::RunQueryDsl::execute(diesel::sql_query(rewrite), &mut conn).await;
        let message = refused.expect_err(rewrite).to_string();
        assert!(message.contains("append-only"), "{rewrite}: {message}");
    }
    let kinds: Vec<String> = events(&mut conn)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        kinds,
        [
            "inventory.stock_adjusted",
            "inventory.reserved",
            "inventory.released",
            "inventory.reserved",
            "inventory.committed",
        ]
    );
    drop(conn);
    store.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_is_reserved_across_warehouses_or_not_at_all() {
    let store = TestDb::open("inv_all_or_nothing").await;
    let mut conn = store.conn().await;
    let (ams, ber) = (
        warehouse(&mut conn, "AMS-1").await,
        warehouse(&mut conn, "BER-1").await,
    );
    let (plenty, scarce) = (Uuid::now_v7(), Uuid::now_v7());
    stock_up(&mut conn, plenty, ams, 6).await;
    stock_up(&mut conn, plenty, ber, 4).await;
    stock_up(&mut conn, scarce, ams, 1).await;

    let refused = reserve(
        &mut conn,
        Uuid::now_v7(),
        &[line(plenty, 8), line(scarce, 2)],
    )
    .await;
    let Err(ReserveError::Insufficient(shortages)) = refused else {
        panic!("expected a shortage, got {refused:?}");
    };
    assert_eq!(shortages.len(), 1);
    assert_eq!(
        (
            shortages[0].product_id,
            shortages[0].requested,
            shortages[0].available
        ),
        (scarce, 2, 1)
    );
    assert_eq!(
        level(&mut conn, plenty, ams).await.reserved,
        0,
        "nothing held"
    );

    // Eight units of `plenty` span both warehouses.
    let order = Uuid::now_v7();
    let held = reserve(&mut conn, order, &[line(plenty, 8), line(scarce, 1)])
        .await
        .unwrap();
    assert_eq!(held.quantity_of(plenty), 8);
    assert_eq!(held.lines.len(), 3);
    assert_eq!(level(&mut conn, plenty, ams).await.reserved, 6);
    assert_eq!(level(&mut conn, plenty, ber).await.reserved, 2);

    assert!(matches!(
        reserve(&mut conn, Uuid::now_v7(), &[]).await,
        Err(ReserveError::Invalid(_))
    ));
    assert!(matches!(
        reserve(&mut conn, Uuid::now_v7(), &[line(plenty, 0)]).await,
        Err(ReserveError::Invalid(_))
    ));
    drop(conn);
    store.drop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stock_held_for_orders_cannot_be_adjusted_away() {
    let store = TestDb::open("inv_adjust_reserved").await;
    let mut conn = store.conn().await;
    let ams = warehouse(&mut conn, "AMS-1").await;
    let product = Uuid::now_v7();
    stock_up(&mut conn, product, ams, 16).await;
    reserve(&mut conn, Uuid::now_v7(), &[line(product, 10)])
        .await
        .unwrap();

    let remove = |delta| Adjustment {
        product_id: product,
        warehouse_id: ams,
        delta,
        reason: "damaged".into(),
    };
    let refused = adjust_stock(&mut conn, &remove(-7)).await;
    assert!(
        matches!(
            refused,
            Err(InventoryError::BelowZero {
                removing: 7,
                on_hand: 16,
                reserved: 10,
                available: 6
            })
        ),
        "{refused:?}"
    );
    let l = adjust_stock(&mut conn, &remove(-6)).await.unwrap();
    assert_eq!((l.on_hand, l.reserved, l.available()), (10, 10, 0));
    assert_ledger_matches(&mut conn, product, ams).await;
    drop(conn);
    store.drop().await;
}
