use serde_json::json;

use crate::support::TestService;

#[tokio::test(flavor = "multi_thread")]
async fn the_exported_sdl_is_what_the_service_serves() {
    let service = TestService::start("products_sdl").await;
    let served = service.ok("{ _service { sdl } }", json!({})).await["_service"]["sdl"]
        .as_str()
        .unwrap()
        .to_string();
    let exported = mart_products::sdl();
    assert_eq!(exported, served);
    assert!(
        exported.contains("https://specs.apollo.dev/federation/v2"),
        "{exported}"
    );
    assert!(exported.contains(r#"@key(fields: "id")"#), "{exported}");
    assert!(exported.contains(r#"@key(fields: "sku")"#), "{exported}");

    let health = reqwest::get(service.url.replace("/graphql", "/health"))
        .await
        .unwrap();
    assert!(health.status().is_success());
    service.stop().await;
}
