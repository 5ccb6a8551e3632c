//! Free text has a maximum (docs/limits.md): an over-long value is refused
//! with `BAD_USER_INPUT` naming its field, before the ledger or the outbox
//! sees it.

use serde_json::json;
use uuid::Uuid;

use crate::support::{TestService, events, ledger_totals};

const ADJUST: &str = r#"
mutation($input: AdjustStockInput!) { adjustStock(input: $input) { onHand } }"#;
const CREATE: &str = r#"
mutation($input: CreateWarehouseInput!) { createWarehouse(input: $input) { id } }"#;

#[tokio::test(flavor = "multi_thread")]
async fn over_long_reasons_and_names_are_refused_and_nothing_is_recorded() {
    let service = TestService::start("inv_limits", Default::default()).await;
    let data = service
        .ok(
            CREATE,
            json!({ "input": { "code": "AMS-1", "name": "Amsterdam" } }),
        )
        .await;
    let ams = data["createWarehouse"]["id"].as_str().unwrap().to_string();
    let product = Uuid::now_v7();
    let adjust = |reason: String| json!({ "input": { "productId": product, "warehouseId": ams, "delta": 4, "reason": reason } });
    service.ok(ADJUST, adjust("r".repeat(500))).await;

    for reason in ["r".repeat(501), "r".repeat(300_000)] {
        let (code, field) = service.error(ADJUST, adjust(reason)).await;
        assert_eq!(
            (code.as_str(), field.as_deref()),
            ("BAD_USER_INPUT", Some("reason"))
        );
    }
    let (code, field) = service
        .error(
            CREATE,
            json!({ "input": { "code": "BER-1", "name": "n".repeat(101) } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("name"))
    );
    let (code, field) = service
        .error(
            CREATE,
            json!({ "input": { "code": "C".repeat(17), "name": "Cologne" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("code"))
    );

    // Only the adjustment at the limit reached the ledger and the outbox.
    let mut conn = service.store.conn().await;
    let totals = ledger_totals(&mut conn, product, ams.parse().unwrap()).await;
    assert_eq!((totals.entries, totals.on_hand), (1, 4));
    let types: Vec<_> = events(&mut conn)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(types, ["inventory.stock_adjusted"]);
    drop(conn);
    let warehouses = service.ok("{ warehouses { code } }", json!({})).await;
    assert_eq!(warehouses["warehouses"], json!([{ "code": "AMS-1" }]));
    service.stop().await;
}
