use std::sync::Mutex;

use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};
use serde_json::json;
use uuid::Uuid;

use crate::support::{TestService, line, reserve};

const ADJUST: &str = r#"
mutation($input: AdjustStockInput!) {
  adjustStock(input: $input) { onHand reserved available warehouse { code } product { id } }
}"#;

const STOCK: &str = r#"
query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Product { id stock { onHand reserved available inStock byWarehouse { warehouse { code } onHand available } } }
  }
}"#;

/// SELECTs on `stock_levels` run by this process, with their binds.
static STOCK_QUERIES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn log_stock_queries() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(|event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let sql = query.to_string();
            if sql.starts_with("SELECT") && sql.contains("FROM \"stock_levels\"") {
                STOCK_QUERIES.lock().unwrap().push(sql);
            }
        }
    }))
}

async fn create_warehouse(service: &TestService, code: &str) -> String {
    let data = service
        .ok(
            "mutation($input: CreateWarehouseInput!) { createWarehouse(input: $input) { id code } }",
            json!({ "input": { "code": code, "name": format!("Warehouse {code}") } }),
        )
        .await;
    data["createWarehouse"]["id"].as_str().unwrap().to_string()
}

fn adjustment(product: Uuid, warehouse: &str, delta: i32, reason: &str) -> serde_json::Value {
    json!({ "input": { "productId": product, "warehouseId": warehouse, "delta": delta, "reason": reason } })
}

#[tokio::test(flavor = "multi_thread")]
async fn adjustments_change_stock_through_the_ledger_and_show_on_the_product() {
    set_default_instrumentation(log_stock_queries).unwrap();
    let service = TestService::start("inv_stock", Default::default()).await;
    let ams = create_warehouse(&service, "AMS-1").await;
    let ber = create_warehouse(&service, "BER-1").await;
    let (product, other, never_stocked) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());

    let level = service
        .ok(ADJUST, adjustment(product, &ams, 10, "delivery 4711"))
        .await;
    assert_eq!(
        level["adjustStock"],
        json!({ "onHand": 10, "reserved": 0, "available": 10,
                "warehouse": { "code": "AMS-1" }, "product": { "id": product } })
    );
    let level = service
        .ok(ADJUST, adjustment(product, &ams, -3, "stocktake"))
        .await;
    assert_eq!(level["adjustStock"]["onHand"], 7);
    service
        .ok(ADJUST, adjustment(product, &ber, 5, "delivery 4712"))
        .await;
    service
        .ok(ADJUST, adjustment(other, &ber, 1, "delivery 4713"))
        .await;
    {
        let mut conn = service.store.conn().await;
        reserve(
            &mut conn,
            Uuid::now_v7(),
            &[line(product, 2), line(other, 1)],
        )
        .await
        .unwrap();
    }

    let representations = json!([
        { "__typename": "Product", "id": never_stocked },
        { "__typename": "Product", "id": product },
        { "__typename": "Product", "id": other },
    ]);
    let mark = STOCK_QUERIES.lock().unwrap().len();
    let data = service.ok(STOCK, json!({ "r": representations })).await;
    let entities = &data["_entities"];
    assert_eq!(entities[0]["id"], never_stocked.to_string());
    assert_eq!(
        entities[0]["stock"],
        json!({ "onHand": 0, "reserved": 0, "available": 0, "inStock": false, "byWarehouse": [] })
    );
    let stock = &entities[1]["stock"];
    assert_eq!(
        (
            &stock["onHand"],
            &stock["reserved"],
            &stock["available"],
            &stock["inStock"]
        ),
        (&json!(12), &json!(2), &json!(10), &json!(true))
    );
    let mut by_warehouse: Vec<(String, i64)> = stock["byWarehouse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["warehouse"]["code"].as_str().unwrap().to_string(),
                l["onHand"].as_i64().unwrap(),
            )
        })
        .collect();
    by_warehouse.sort();
    assert_eq!(
        by_warehouse,
        [("AMS-1".to_string(), 7), ("BER-1".to_string(), 5)]
    );
    assert_eq!(entities[2]["stock"]["available"], 0);
    assert_eq!(entities[2]["stock"]["inStock"], false);

    let statements: Vec<String> = STOCK_QUERIES.lock().unwrap()[mark..]
        .iter()
        .filter(|q| q.contains(&product.to_string()))
        .cloned()
        .collect();
    assert_eq!(
        statements.len(),
        1,
        "one statement for the batch: {statements:#?}"
    );
    assert!(statements[0].contains(&never_stocked.to_string()));
    assert!(statements[0].contains(&other.to_string()));

    let ledger = service
        .ok(
            "query($p: ID!, $w: ID) { stockLedger(productId: $p, warehouseId: $w) { kind onHandDelta reservedDelta reason warehouse { code } } }",
            json!({ "p": product, "w": ams }),
        )
        .await;
    assert_eq!(
        ledger["stockLedger"],
        json!([
            { "kind": "RESERVATION", "onHandDelta": 0, "reservedDelta": 2, "reason": null, "warehouse": { "code": "AMS-1" } },
            { "kind": "ADJUSTMENT", "onHandDelta": -3, "reservedDelta": 0, "reason": "stocktake", "warehouse": { "code": "AMS-1" } },
            { "kind": "ADJUSTMENT", "onHandDelta": 10, "reservedDelta": 0, "reason": "delivery 4711", "warehouse": { "code": "AMS-1" } },
        ])
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_adjustments_are_refused_with_clear_codes() {
    let service = TestService::start("inv_stock_errors", Default::default()).await;
    let ams = create_warehouse(&service, "AMS-1").await;
    let product = Uuid::now_v7();
    service
        .ok(ADJUST, adjustment(product, &ams, 4, "delivery"))
        .await;

    let cases = [
        (
            adjustment(product, &ams, -5, "damaged"),
            "BAD_USER_INPUT",
            Some("delta"),
        ),
        (
            adjustment(Uuid::now_v7(), &ams, -1, "damaged"),
            "BAD_USER_INPUT",
            Some("delta"),
        ),
        (
            adjustment(product, &ams, 0, "nothing"),
            "BAD_USER_INPUT",
            Some("delta"),
        ),
        (
            adjustment(product, &ams, 2, "   "),
            "BAD_USER_INPUT",
            Some("reason"),
        ),
        (
            adjustment(product, &Uuid::now_v7().to_string(), 2, "delivery"),
            "NOT_FOUND",
            None,
        ),
        (
            adjustment(product, "not-an-id", 2, "delivery"),
            "BAD_USER_INPUT",
            Some("warehouseId"),
        ),
    ];
    for (variables, code, field) in cases {
        let got = service.error(ADJUST, variables.clone()).await;
        assert_eq!(
            (got.0.as_str(), got.1.as_deref()),
            (code, field),
            "{variables}"
        );
    }
    let body = service
        .gql(ADJUST, adjustment(product, &ams, -5, "damaged"))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("only 4 available"), "{message}");

    // Nothing of the refused adjustments reached the ledger or the outbox.
    let mut conn = service.store.conn().await;
    let totals = crate::support::ledger_totals(&mut conn, product, ams.parse().unwrap()).await;
    assert_eq!((totals.entries, totals.on_hand), (1, 4));
    assert_eq!(crate::support::events(&mut conn).await.len(), 1);
    drop(conn);

    let create =
        "mutation($input: CreateWarehouseInput!) { createWarehouse(input: $input) { id } }";
    let (code, _) = service
        .error(
            create,
            json!({ "input": { "code": "AMS-1", "name": "Again" } }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let (code, field) = service
        .error(
            create,
            json!({ "input": { "code": "ams one", "name": "Bad" } }),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("code"))
    );
    let warehouses = service.ok("{ warehouses { code } }", json!({})).await;
    assert_eq!(warehouses["warehouses"], json!([{ "code": "AMS-1" }]));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_change_stock_or_warehouses() {
    let service = TestService::start("inv_authz", Default::default()).await;
    let ams = create_warehouse(&service, "AMS-9").await;
    let product = Uuid::now_v7();
    let customer = service.auth.token(mart_auth::Role::Customer);
    let code = |body: &serde_json::Value| body["errors"][0]["extensions"]["code"].clone();

    for token in [None, Some(customer.as_str())] {
        let body = service
            .gql_as(token, ADJUST, adjustment(product, &ams, 1000, "free stock"))
            .await;
        let expected = if token.is_none() {
            "UNAUTHENTICATED"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(code(&body), expected, "{body}");
        let body = service
            .gql_as(
                token,
                "mutation { createWarehouse(input: { code: \"EVIL-1\", name: \"x\" }) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(code(&body), expected, "{body}");
    }
    // Stock is unchanged and readable by anyone.
    let body = service
        .gql_as(
            None,
            STOCK,
            json!({ "r": [{ "__typename": "Product", "id": product }] }),
        )
        .await;
    assert_eq!(body["data"]["_entities"][0]["stock"]["onHand"], 0, "{body}");
    service.stop().await;
}

/// The ledger names customers' orders and why their payments were declined:
/// staff only, whoever calls the subgraph (issue 16).
#[tokio::test(flavor = "multi_thread")]
async fn only_admins_read_the_stock_ledger() {
    let service = TestService::start("inv_ledger_authz", Default::default()).await;
    let ams = create_warehouse(&service, "AMS-8").await;
    let product = Uuid::now_v7();
    service
        .ok(ADJUST, adjustment(product, &ams, 3, "delivery"))
        .await;
    {
        let mut conn = service.store.conn().await;
        reserve(&mut conn, Uuid::now_v7(), &[line(product, 1)])
            .await
            .unwrap();
    }
    let ledger = "query($p: ID!) { stockLedger(productId: $p) { kind orderId reason } }";
    let customer = service.auth.token(mart_auth::Role::Customer);
    for (token, expected) in [
        (None, "UNAUTHENTICATED"),
        (Some(customer.as_str()), "FORBIDDEN"),
    ] {
        let body = service.gql_as(token, ledger, json!({ "p": product })).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], expected, "{body}");
        assert!(
            body["data"].is_null(),
            "nothing of the ledger leaks: {body}"
        );
    }
    let data = service.ok(ledger, json!({ "p": product })).await;
    let kinds: Vec<_> = data["stockLedger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["RESERVATION", "ADJUSTMENT"]);

    // The exported SDL tells the router to refuse it before asking us.
    let sdl = mart_inventory::sdl();
    let field = sdl
        .lines()
        .find(|l| l.trim_start().starts_with("stockLedger("))
        .expect("stockLedger in the SDL");
    assert!(
        field.contains(r#"@requiresScopes(scopes: [["admin"]])"#),
        "{field}"
    );
    service.stop().await;
}
