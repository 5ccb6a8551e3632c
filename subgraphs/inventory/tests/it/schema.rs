use serde_json::json;

use crate::support::TestService;

#[tokio::test(flavor = "multi_thread")]
async fn the_exported_sdl_is_what_the_service_serves() {
    let service = TestService::start("inv_sdl", Default::default()).await;
    let served = service.ok("{ _service { sdl } }", json!({})).await["_service"]["sdl"]
        .as_str()
        .unwrap()
        .to_string();
    let exported = mart_inventory::sdl();
    assert_eq!(exported, served);
    assert!(
        exported.contains("https://specs.apollo.dev/federation/v2"),
        "{exported}"
    );
    assert!(
        exported.contains(r#"type Product @key(fields: "id")"#),
        "{exported}"
    );
    assert!(exported.contains("stock: StockInfo!"), "{exported}");
    service.stop().await;
}
