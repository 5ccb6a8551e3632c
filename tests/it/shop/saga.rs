//! The order saga across every service: what a customer and staff see as an
//! order moves, and what it leaves behind in stock and payments.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::support::{Shop, ShopOptions, order_input};

fn statuses(order: &serde_json::Value) -> Vec<String> {
    order["statusHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_goes_from_placed_to_delivered_and_the_payment_is_captured() {
    let shop = Shop::start("happy").await;
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 3)], "tok_ok", "happy-1"))
        .await;

    shop.wait_for_status(&ada, order, "AWAITING_SHIPMENT").await;
    let payment = shop.wait_for_payment(&ada, order, "AUTHORIZED").await;
    assert_eq!(
        payment["amount"],
        json!({ "amountMinor": 3 * 1299 + 490, "currency": "EUR" })
    );
    // Sold at authorization: off the shelf, nothing held any more.
    assert_eq!(shop.stock(mug).await, (7, 0, 7));

    let shipment = shop.wait_for_shipment(&ada, order).await;
    assert_eq!(shipment["status"], "LABEL_CREATED");
    assert!(
        shipment["trackingNumber"]
            .as_str()
            .unwrap()
            .starts_with("MRT")
    );
    let id = shipment["id"].as_str().unwrap();

    let moved = shop.set_shipment_status(id, "IN_TRANSIT").await;
    assert!(moved.get("errors").is_none(), "{moved:#}");
    shop.wait_for_status(&ada, order, "SHIPPED").await;
    let payment = shop.wait_for_payment(&ada, order, "CAPTURED").await;
    let kinds: Vec<_> = payment["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(kinds, vec![json!("authorized"), json!("captured")]);

    shop.set_shipment_status(id, "DELIVERED").await;
    let delivered = shop.wait_for_status(&ada, order, "DELIVERED").await;
    assert_eq!(
        statuses(&delivered),
        [
            "PENDING",
            "RESERVED",
            "CONFIRMED",
            "AWAITING_SHIPMENT",
            "SHIPPED",
            "DELIVERED"
        ]
    );
    let holds = shop.provider.holds();
    assert_eq!(holds.len(), 1, "authorized exactly once");
    assert_eq!(holds[0].captured_minor, 3 * 1299 + 490);
    assert_eq!(shop.stock(mug).await, (7, 0, 7));
    let changes = shop.status_changes(order).await;
    assert_eq!(
        changes,
        [
            "PENDING",
            "RESERVED",
            "CONFIRMED",
            "AWAITING_SHIPMENT",
            "SHIPPED",
            "DELIVERED"
        ],
        "every status change emits order.status_changed"
    );

    // Another customer sees nothing of it.
    let eve = shop.customer();
    assert!(shop.order(&eve, order).await.is_null());
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_without_enough_stock_is_cancelled_and_holds_nothing() {
    let shop = Shop::start("outofstock").await;
    let mug = shop.product(1299, 400, 2).await;
    let lamp = shop.product(4500, 1200, 5).await;
    let ada = shop.customer();
    let order = shop
        .place_ok(&ada, order_input(&[(lamp, 1), (mug, 3)], "tok_ok", "oos-1"))
        .await;
    let cancelled = shop.wait_for_status(&ada, order, "CANCELLED").await;
    assert_eq!(cancelled["cancelReason"], "out_of_stock");
    assert_eq!(shop.stock(mug).await, (2, 0, 2));
    assert_eq!(shop.stock(lamp).await, (5, 0, 5), "all lines or none");
    let payment = shop.wait_for_payment(&ada, order, "ABANDONED").await;
    assert_eq!(payment["events"][0]["kind"], "abandoned");
    assert!(shop.provider.holds().is_empty());
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_payment_cancels_the_order_and_releases_the_stock() {
    let shop = Shop::start("declined").await;
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 4)], "tok_declined", "dec-1"))
        .await;
    let cancelled = shop.wait_for_status(&ada, order, "CANCELLED").await;
    assert_eq!(cancelled["cancelReason"], "payment_declined");
    shop.wait_for_payment(&ada, order, "DECLINED").await;
    super::support::wait_for_stock(&shop, mug, (10, 0, 10)).await;
    assert!(shop.provider.holds().is_empty());
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_processor_errors_are_retried_then_declined() {
    let shop = Shop::start("tokerror").await;
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_error", "err-1"))
        .await;
    let cancelled = shop.wait_for_status(&ada, order, "CANCELLED").await;
    assert_eq!(cancelled["cancelReason"], "payment_declined");
    let payment = shop.wait_for_payment(&ada, order, "DECLINED").await;
    assert!(payment["events"].to_string().contains("declined"));
    let retries = mart_payments::PaymentsSettings::default()
        .retry
        .max_attempts;
    assert_eq!(shop.provider.transient_failures(), u64::from(retries));
    super::support::wait_for_stock(&shop, mug, (10, 0, 10)).await;
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_before_shipping_voids_the_payment_and_restocks() {
    let shop = Shop::start("cancelbefore").await;
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 2)], "tok_ok", "cb-1"))
        .await;
    shop.wait_for_status(&ada, order, "AWAITING_SHIPMENT").await;
    let shipment = shop.wait_for_shipment(&ada, order).await;

    let body = shop
        .gql(
            &shop.orders_url,
            Some(&ada),
            "mutation($id: ID!) { cancelOrder(id: $id) { status cancelReason } }",
            json!({ "id": order }),
        )
        .await;
    assert_eq!(
        body["data"]["cancelOrder"]["status"], "CANCELLED",
        "{body:#}"
    );
    assert_eq!(
        body["data"]["cancelOrder"]["cancelReason"],
        "customer_cancelled"
    );

    shop.wait_for_payment(&ada, order, "VOIDED").await;
    super::support::wait_for_stock(&shop, mug, (10, 0, 10)).await;
    let what = "the shipment to be cancelled";
    mart_service::testkit::eventually(what, super::support::SAGA_TIMEOUT, || async {
        (shop.shipment(&ada, order).await["status"] == "CANCELLED").then_some(())
    })
    .await;
    // The label is void: staff cannot ship it any more.
    let refused = shop
        .set_shipment_status(shipment["id"].as_str().unwrap(), "IN_TRANSIT")
        .await;
    assert_eq!(super::support::error_code(&refused), "CONFLICT");
    assert!(shop.provider.holds()[0].voided);
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_after_shipping_is_refused() {
    let shop = Shop::start("cancelafter").await;
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "ca-1"))
        .await;
    shop.wait_for_status(&ada, order, "AWAITING_SHIPMENT").await;
    let shipment = shop.wait_for_shipment(&ada, order).await;
    shop.set_shipment_status(shipment["id"].as_str().unwrap(), "IN_TRANSIT")
        .await;
    shop.wait_for_status(&ada, order, "SHIPPED").await;

    let body = shop
        .gql(
            &shop.orders_url,
            Some(&ada),
            "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
            json!({ "id": order }),
        )
        .await;
    assert_eq!(super::support::error_code(&body), "CONFLICT");
    assert_eq!(shop.order(&ada, order).await["status"], "SHIPPED");
    shop.wait_for_payment(&ada, order, "CAPTURED").await;
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_still_waiting_when_its_reservation_expires_is_cancelled() {
    let options = ShopOptions {
        orders: mart_orders::OrdersSettings {
            reservation_ttl: Duration::from_secs(5),
            expiry_sweep: Duration::from_millis(200),
            ..Default::default()
        },
        // Nobody answers for the payment: the order waits, stock held.
        without_payments: true,
        ..Default::default()
    };
    let shop = Shop::start_with("expiry", options).await;
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "exp-1"))
        .await;
    shop.wait_for_status(&ada, order, "RESERVED").await;
    assert_eq!(shop.stock(mug).await, (10, 1, 9));
    let cancelled = shop.wait_for_status(&ada, order, "CANCELLED").await;
    assert_eq!(cancelled["cancelReason"], "reservation_expired");
    assert_eq!(statuses(&cancelled), ["PENDING", "RESERVED", "CANCELLED"]);
    super::support::wait_for_stock(&shop, mug, (10, 0, 10)).await;
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_buyers_for_ten_units_end_with_ten_confirmed_orders() {
    let shop = Arc::new(Shop::start("nooversell").await);
    let mug = shop.product(1299, 400, 10).await;
    let buyers = (0..50).map(|i| {
        let shop = shop.clone();
        tokio::spawn(async move {
            let who = shop.customer();
            let id = shop
                .place_ok(
                    &who,
                    order_input(&[(mug, 1)], "tok_ok", &format!("race-{i}")),
                )
                .await;
            (who, id)
        })
    });
    let orders: Vec<_> = futures::future::join_all(buyers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let mut confirmed = 0;
    let mut cancelled = 0;
    for (who, id) in &orders {
        let what = format!("order {id} to settle");
        let status =
            mart_service::testkit::eventually(&what, super::support::SAGA_TIMEOUT, || async {
                let order = shop.order(who, *id).await;
                let status = order["status"].as_str().unwrap().to_string();
                matches!(status.as_str(), "AWAITING_SHIPMENT" | "CANCELLED").then_some(status)
            })
            .await;
        if status == "CANCELLED" {
            cancelled += 1;
        } else {
            confirmed += 1;
        }
    }
    assert_eq!((confirmed, cancelled), (10, 40));
    assert_eq!(shop.stock(mug).await, (0, 0, 0));

    // The ledger explains the stock: one delivery, ten holds, ten sales.
    let admin = shop.admin();
    let body = shop
        .gql(
            &shop.inventory_url,
            Some(&admin),
            "query($p: ID!) { stockLedger(productId: $p, first: 200) { kind onHandDelta reservedDelta orderId } }",
            json!({ "p": mug }),
        )
        .await;
    let entries = body["data"]["stockLedger"]
        .as_array()
        .unwrap_or_else(|| panic!("{body:#}"));
    let sum = |f: &str| entries.iter().map(|e| e[f].as_i64().unwrap()).sum::<i64>();
    assert_eq!((sum("onHandDelta"), sum("reservedDelta")), (0, 0));
    let kinds = |k: &str| entries.iter().filter(|e| e["kind"] == k).count();
    assert_eq!(
        (kinds("ADJUSTMENT"), kinds("RESERVATION"), kinds("SALE")),
        (1, 10, 10),
        "{body:#}"
    );
    let sold: std::collections::HashSet<_> = entries
        .iter()
        .filter(|e| e["kind"] == "SALE")
        .map(|e| e["orderId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sold.len(), 10, "ten different orders bought one each");
    assert_eq!(
        shop.provider.holds().len(),
        10,
        "only the confirmed orders were charged"
    );
    Arc::into_inner(shop).unwrap().stop().await;
}

/// The payment token reaches payments, and no one else: `order.placed` (and so orders'
/// outbox and the topic every consumer reads) carries it sealed.
#[tokio::test(flavor = "multi_thread")]
async fn the_payment_token_travels_sealed_and_only_payments_opens_it() {
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Envelope {
        #[diesel(sql_type = Text)]
        envelope: String,
    }

    let shop = Shop::start("sealed").await;
    let mug = shop.product(1299, 400, 10).await;
    let ada = shop.customer();
    let order = shop
        .place_ok(&ada, order_input(&[(mug, 1)], "tok_ok", "sealed-1"))
        .await;
    // Authorized: payments opened the token.
    shop.wait_for_payment(&ada, order, "AUTHORIZED").await;

    let mut conn = shop.orders_db.conn().await.unwrap();
    let envelopes: Vec<Envelope> = diesel::sql_query(
        "SELECT envelope::text AS envelope FROM outbox_events WHERE envelope->>'type' = 'order.placed'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert!(!envelopes.is_empty(), "order.placed is in the outbox");
    for Envelope { envelope } in envelopes {
        assert!(
            !envelope.contains("tok_ok"),
            "the raw token is in the outbox: {envelope}"
        );
        let envelope: serde_json::Value = serde_json::from_str(&envelope).unwrap();
        let token = envelope["payload"]["paymentToken"]
            .as_str()
            .unwrap_or_default();
        assert!(token.starts_with("sealed:v1:"), "{envelope}");
    }
}
