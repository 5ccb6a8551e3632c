use serde_json::json;

use crate::support::*;

const LOGOUT: &str = "mutation($t: String!) { logout(refreshToken: $t) }";

#[tokio::test(flavor = "multi_thread")]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let service = TestService::start("users_refresh").await;
    let email = unique_email("rotate");
    let (id, _, first) = service.customer(&email).await;

    let data = service.ok(REFRESH, json!({ "token": first }), None).await;
    let second = refresh_of(&data["refreshToken"]);
    let access = token_of(&data["refreshToken"]);
    assert_ne!(second, first, "a new refresh token each time");
    assert_eq!(data["refreshToken"]["user"]["id"], id.as_str());
    let me = service.ok(ME, json!({}), Some(&access)).await;
    assert_eq!(me["me"]["id"], id.as_str(), "the new access token works");

    // The spent token again: refused, and the whole family with it.
    let body = service.gql(REFRESH, json!({ "token": first }), None).await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");
    assert_eq!(body["data"], json!(null));
    let body = service.gql(REFRESH, json!({ "token": second }), None).await;
    assert_eq!(
        first_error(&body).0,
        "UNAUTHENTICATED",
        "the unspent successor is revoked too"
    );

    // A separate sign-in is a separate family and still works.
    let other = refresh_of(&service.login(&email).await);
    service.ok(REFRESH, json!({ "token": other }), None).await;
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_ends_the_session() {
    let service = TestService::start("users_logout").await;
    let (_, _, refresh) = service.customer(&unique_email("bye")).await;
    let data = service.ok(LOGOUT, json!({ "t": refresh }), None).await;
    assert_eq!(data["logout"], true);
    let body = service
        .gql(REFRESH, json!({ "token": refresh }), None)
        .await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");
    let data = service.ok(LOGOUT, json!({ "t": refresh }), None).await;
    assert_eq!(data["logout"], false, "already ended");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn made_up_refresh_tokens_are_refused() {
    let service = TestService::start("users_refresh_bad").await;
    for token in ["", "nonsense", &"A".repeat(43)] {
        let body = service.gql(REFRESH, json!({ "token": token }), None).await;
        assert_eq!(first_error(&body).0, "UNAUTHENTICATED", "{token:?}");
    }
    service.stop().await;
}
