use std::time::Duration;

use mart_events::EventEnvelope;
use mart_events::catalog::UserRegistered;
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn register_then_login_then_me() {
    let service = TestService::start("users_flow").await;
    let email = unique_email("ada");
    let registered = service
        .ok(
            REGISTER,
            json!({ "email": email, "password": PASSWORD, "name": "Ada Lovelace" }),
            None,
        )
        .await;
    let user = &registered["register"];
    assert_eq!(user["email"], email.as_str());
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!(user["role"], "CUSTOMER");

    let session = service.login(&email).await;
    assert_eq!(session["user"]["id"], user["id"]);
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(session["expiresAt"].as_str().unwrap()).unwrap();
    let ttl = expires_at.timestamp() - chrono::Utc::now().timestamp();
    assert!((890..=900).contains(&ttl), "15 minutes, got {ttl} s");

    let me = service.ok(ME, json!({}), Some(&token_of(&session))).await;
    assert_eq!(me["me"]["id"], user["id"]);
    assert_eq!(me["me"]["email"], email.as_str());
    assert_eq!(me["me"]["addresses"], json!([]));

    // Anonymous: no one.
    assert_eq!(service.ok(ME, json!({}), None).await["me"], json!(null));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn emails_are_unique_whatever_their_case() {
    let service = TestService::start("users_dup").await;
    let email = unique_email("Grace");
    service.register(&email, "Grace").await;
    let body = service
        .gql(
            REGISTER,
            json!({ "email": email.to_uppercase(), "password": PASSWORD, "name": "Imposter" }),
            None,
        )
        .await;
    assert_eq!(first_error(&body).0, "CONFLICT");
    assert_eq!(body["data"], json!(null));
    // And signing in works with any case.
    let session = service.login(&email.to_uppercase()).await;
    assert_eq!(session["user"]["email"], email.as_str());
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn password_rules_are_enforced() {
    let service = TestService::start("users_pw").await;
    let email = unique_email("rules");
    for (password, why) in [
        ("short", "fewer than 10 characters"),
        ("nine char", "nine characters"),
        (email.as_str(), "the email itself"),
    ] {
        let body = service
            .gql(
                REGISTER,
                json!({ "email": email, "password": password, "name": "R" }),
                None,
            )
            .await;
        let error = &body["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{why}: {body}"
        );
        assert_eq!(error["extensions"]["field"], "password", "{why}");
        assert!(
            !body.to_string().contains(password),
            "the password is not echoed back ({why})"
        );
    }
    let body = service
        .gql(
            REGISTER,
            json!({ "email": "not-an-email", "password": PASSWORD, "name": "R" }),
            None,
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "email");
    // Nothing was created by the refused attempts.
    let body = service
        .gql(LOGIN, json!({ "email": email, "password": PASSWORD }), None)
        .await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_schema_has_no_password_field() {
    let service = TestService::start("users_sdl").await;
    let sdl = service.ok("{ _service { sdl } }", json!({}), None).await["_service"]["sdl"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(sdl.contains(r#"type User @key(fields: "id")"#), "{sdl}");
    assert!(!sdl.to_lowercase().contains("passwordhash"));
    assert!(
        sdl.contains("@requiresScopes(scopes: [[\"admin\"]])"),
        "{sdl}"
    );
    assert_eq!(sdl, mart_users::sdl());
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_publishes_user_registered() {
    let service = TestService::start("users_event").await;
    let email = unique_email("evt");
    let id = service.register(&email, "Event Person").await;

    let topic = mart_events::Topic::Users.name(&service.config.topic_prefix);
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &service.config.kafka_brokers)
        .set(
            "group.id",
            format!("reader-{}", mart_service::testkit::unique_suffix()),
        )
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let message = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
        .await
        .expect("user.registered arrives within 30 s")
        .unwrap();
    assert_eq!(message.key(), Some(id.as_bytes()));
    let raw = std::str::from_utf8(message.payload().unwrap()).unwrap();
    assert!(!raw.contains("argon2") && !raw.contains(PASSWORD), "{raw}");
    let envelope: EventEnvelope = serde_json::from_str(raw).unwrap();
    let event: UserRegistered = envelope.decode().unwrap();
    assert_eq!(event.user_id.to_string(), id);
    assert_eq!(event.email, email);
    assert_eq!(event.name, "Event Person");
    assert_eq!(event.role, "CUSTOMER");
    service.stop().await;
}
