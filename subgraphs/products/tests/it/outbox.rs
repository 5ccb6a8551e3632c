use std::time::Duration;

use mart_service::testkit::eventually;
use serde_json::json;

use crate::support::{TestService, create_product, product_input};

#[tokio::test(flavor = "multi_thread")]
async fn every_change_writes_its_event_and_the_relay_publishes_it() {
    let service = TestService::start("products_outbox").await;
    let product = create_product(&service, product_input("EVT-1", "Evented", 1000)).await;
    let id = product["id"].as_str().unwrap();

    let update = "mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id } }";
    service
        .ok(
            update,
            json!({ "id": id, "input": { "name": "Evented v2", "weightGrams": 750 } }),
        )
        .await;
    // Setting a field to the value it has is not a change.
    service
        .ok(
            update,
            json!({ "id": id, "input": { "name": "Evented v2" } }),
        )
        .await;
    let archive = "mutation($id: ID!) { archiveProduct(id: $id) { id } }";
    service.ok(archive, json!({ "id": id })).await;
    service.ok(archive, json!({ "id": id })).await;

    let events = service.outbox().await;
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        ["product.created", "product.updated", "product.archived"]
    );
    for event in &events {
        assert_eq!(event.envelope["aggregateId"], id);
    }
    let created = &events[0].envelope["payload"]["product"];
    assert_eq!(created["sku"], "EVT-1");
    assert_eq!(
        created["price"],
        json!({ "amountMinor": 1000, "currency": "EUR" })
    );
    let updated = &events[1].envelope["payload"];
    assert_eq!(updated["changed"], json!(["name", "weightGrams"]));
    assert_eq!(updated["product"]["name"], "Evented v2");
    assert_eq!(events[2].envelope["payload"]["productId"], id);

    // The relay sends them to the broker and marks them.
    eventually(
        "the relay to publish the events",
        Duration::from_secs(20),
        || async {
            let events = service.outbox().await;
            events.iter().all(|e| e.published).then_some(())
        },
    )
    .await;
    service.stop().await;
}
