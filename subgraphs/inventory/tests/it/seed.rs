use mart_service::testkit;
use uuid::Uuid;

use crate::support::{TestDb, assert_ledger_matches, ledger_totals};

#[tokio::test(flavor = "multi_thread")]
async fn seeding_twice_stocks_each_product_once_through_the_ledger() {
    let config = testkit::isolated_config("inv_seed");
    let products: Vec<Uuid> = (0..20).map(|_| Uuid::now_v7()).collect();
    let first = mart_inventory::seed(&config, &products).await.unwrap();
    assert_eq!(first.warehouse_ids.len(), mart_inventory::WAREHOUSES.len());
    assert_eq!(first.new_levels, products.len() * first.warehouse_ids.len());
    let second = mart_inventory::seed(&config, &products).await.unwrap();
    assert_eq!(second.warehouse_ids, first.warehouse_ids);
    assert_eq!(second.new_levels, 0);

    let store = TestDb {
        _databases: mart_service::testkit::DropDatabases::new(&config),
        db: mart_service::Database::open(
            &config,
            mart_inventory::SERVICE,
            &[&mart_events::MIGRATIONS, &mart_inventory::MIGRATIONS],
        )
        .await
        .unwrap(),
        config,
    };
    let mut conn = store.conn().await;
    let mut stocked = 0;
    for &product in &products {
        for (index, &warehouse) in first.warehouse_ids.iter().enumerate() {
            let expected = mart_inventory::initial_quantity(product, index);
            let totals = ledger_totals(&mut conn, product, warehouse).await;
            assert_eq!(totals.on_hand, i64::from(expected));
            assert_eq!(totals.entries, i64::from(expected > 0));
            assert_ledger_matches(&mut conn, product, warehouse).await;
            stocked += usize::from(expected > 0);
        }
    }
    assert!(stocked > 0, "the seed stocks something");
    drop(conn);
    store.drop().await;
}
