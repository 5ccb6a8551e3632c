use base64::Engine;
use mart_auth::claims::now_secs;
use mart_auth::{AccessClaims, Role};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::*;

const ENTITY: &str = r#"
query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id email addresses { id } } } }"#;
const USER: &str = "query($id: ID!) { user(id: $id) { id email } }";
const SET_ROLE: &str = r#"
mutation($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }"#;

fn reps(id: &str) -> Value {
    json!({ "reps": [{ "__typename": "User", "id": id }] })
}

#[tokio::test(flavor = "multi_thread")]
async fn customers_see_only_their_own_account() {
    let service = TestService::start("users_own").await;
    let (alice, alice_token, _) = service.customer(&unique_email("alice")).await;
    let (bob, _, _) = service.customer(&unique_email("bob")).await;

    let own = service.ok(ENTITY, reps(&alice), Some(&alice_token)).await;
    assert_eq!(own["_entities"][0]["id"], alice.as_str());

    let body = service.gql(ENTITY, reps(&bob), Some(&alice_token)).await;
    assert_eq!(first_error(&body).0, "FORBIDDEN");
    assert_eq!(body["data"]["_entities"], json!([null]), "{body}");
    assert!(
        !body.to_string().contains("bob-"),
        "no trace of bob: {body}"
    );

    // In a batch, the refused representation alone is null.
    let both = json!({ "reps": [
        { "__typename": "User", "id": alice },
        { "__typename": "User", "id": bob },
    ] });
    let body = service.gql(ENTITY, both, Some(&alice_token)).await;
    assert_eq!(body["data"]["_entities"][0]["id"], alice.as_str(), "{body}");
    assert_eq!(body["data"]["_entities"][1], json!(null));
    assert_eq!(first_error(&body).0, "FORBIDDEN");
    assert!(
        !body.to_string().contains("bob-"),
        "no trace of bob: {body}"
    );

    let body = service
        .gql(USER, json!({ "id": bob }), Some(&alice_token))
        .await;
    assert_eq!(first_error(&body).0, "FORBIDDEN");
    assert_eq!(body["data"], json!(null));

    // Unknown ids answer the same as other people's: ids cannot be probed.
    let body = service
        .gql(
            USER,
            json!({ "id": Uuid::new_v4().to_string() }),
            Some(&alice_token),
        )
        .await;
    assert_eq!(first_error(&body).0, "FORBIDDEN");

    let body = service.gql(ENTITY, reps(&alice), None).await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");
    assert_eq!(body["data"]["_entities"], json!([null]));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_see_everyone_and_change_roles() {
    let service = TestService::start("users_staff").await;
    let (carol, carol_token, _) = service.customer(&unique_email("carol")).await;
    let (admin, admin_token) = service.admin(&unique_email("admin")).await;

    let seen = service.ok(ENTITY, reps(&carol), Some(&admin_token)).await;
    assert_eq!(seen["_entities"][0]["id"], carol.as_str());
    let unknown = Uuid::new_v4().to_string();
    let seen = service
        .ok(USER, json!({ "id": unknown }), Some(&admin_token))
        .await;
    assert_eq!(seen["user"], json!(null));

    // A customer may not promote anyone, themselves included.
    let body = service
        .gql(
            SET_ROLE,
            json!({ "id": carol, "role": "ADMIN" }),
            Some(&carol_token),
        )
        .await;
    assert_eq!(first_error(&body).0, "FORBIDDEN");
    assert_eq!(body["data"], json!(null));

    let promoted = service
        .ok(
            SET_ROLE,
            json!({ "id": carol, "role": "ADMIN" }),
            Some(&admin_token),
        )
        .await;
    assert_eq!(promoted["setUserRole"]["role"], "ADMIN");
    let body = service
        .gql(
            SET_ROLE,
            json!({ "id": admin, "role": "CUSTOMER" }),
            Some(&admin_token),
        )
        .await;
    assert_eq!(
        first_error(&body).0,
        "BAD_USER_INPUT",
        "no demoting yourself"
    );

    // Carol's old token still says customer until it expires; a new sign-in
    // carries the new role.
    let body = service
        .gql(USER, json!({ "id": admin }), Some(&carol_token))
        .await;
    assert_eq!(first_error(&body).0, "FORBIDDEN");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_headers_are_ignored() {
    let service = TestService::start("users_forged_hdr").await;
    let (victim, _, _) = service.customer(&unique_email("victim")).await;
    let (_, customer_token, _) = service.customer(&unique_email("sneaky")).await;
    let forged = [
        ("x-user-id", victim.as_str()),
        ("x-user-role", "admin"),
        ("x-user-scopes", "admin customer"),
        ("x-forwarded-user", victim.as_str()),
    ];
    let body = service.send(ME, json!({}), None, &forged).await;
    assert_eq!(body["data"]["me"], json!(null), "still anonymous: {body}");
    let body = service
        .send(
            USER,
            json!({ "id": victim }),
            Some(&customer_token),
            &forged,
        )
        .await;
    assert_eq!(first_error(&body).0, "FORBIDDEN");
    service.stop().await;
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Sends `token` to `me`; asserts the whole request was refused.
async fn assert_refused(service: &TestService, token: &str, what: &str) {
    let body = service.gql(ME, json!({}), Some(token)).await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED", "{what}: {body}");
    assert_eq!(body["data"], json!(null), "{what}: nothing executed");
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_expired_and_tampered_tokens_are_refused() {
    let service = TestService::start("users_bad_tokens").await;
    let (id, token, _) = service.customer(&unique_email("mallory")).await;
    let user = Uuid::parse_str(&id).unwrap();
    // The service's own key, read from its key file: as if stolen.
    let issuer = mart_users::keys::issuer(&service.config).unwrap();
    let kid = issuer.keys().signing().kid().to_string();
    let claims = |role| {
        AccessClaims::new(
            &service.config.auth.issuer,
            &service.config.auth.audience,
            user,
            role,
            now_secs(),
            900,
        )
    };

    let mut expired = claims(Role::Customer);
    expired.iat = now_secs() - 3600;
    expired.exp = now_secs() - 60;
    assert_refused(&service, &issuer.sign(expired).unwrap().token, "expired").await;

    let mut foreign = claims(Role::Customer);
    foreign.aud = "someone-else".into();
    assert_refused(
        &service,
        &issuer.sign(foreign).unwrap().token,
        "wrong audience",
    )
    .await;

    let parts: Vec<&str> = token.split('.').collect();
    let mut upgraded: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    upgraded["role"] = json!("admin");
    upgraded["scope"] = json!("admin customer");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(upgraded.to_string().as_bytes()),
        parts[2]
    );
    assert_refused(&service, &tampered, "tampered payload").await;

    let none_header = b64(format!(r#"{{"alg":"none","kid":"{kid}"}}"#).as_bytes());
    let unsigned = format!(
        "{none_header}.{}.",
        b64(&serde_json::to_vec(&claims(Role::Admin)).unwrap())
    );
    assert_refused(&service, &unsigned, "alg none").await;

    let jwks: Value = service
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid.clone());
    let hs256 = jsonwebtoken::encode(
        &header,
        &claims(Role::Admin),
        &jsonwebtoken::EncodingKey::from_secret(jwks["keys"][0].to_string().as_bytes()),
    )
    .unwrap();
    assert_refused(&service, &hs256, "HS256 with the public key").await;

    let (stranger, _) = mart_auth::SigningKey::generate_ed25519().unwrap();
    let stranger =
        mart_auth::TokenIssuer::new(mart_auth::KeySet::new(stranger), issuer.settings().clone());
    assert_refused(
        &service,
        &stranger.issue(user, Role::Admin).unwrap().token,
        "unknown key",
    )
    .await;

    assert_refused(&service, "not-a-jwt", "garbage").await;
    // The genuine token still works.
    assert_eq!(
        service.ok(ME, json!({}), Some(&token)).await["me"]["id"],
        id.as_str()
    );
    service.stop().await;
}
