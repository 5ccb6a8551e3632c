use std::time::{Duration, Instant};

use mart_events::EventEnvelope;
use mart_events::catalog::UserRegistered;
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use serde_json::{Value, json};

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
    let id = service.register(&email, "Grace").await;
    // Registering it again, in any case, creates nothing.
    let body = service
        .gql(
            REGISTER,
            json!({ "email": email.to_uppercase(), "password": "imposter password", "name": "Imposter" }),
            None,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_ne!(body["data"]["register"]["id"], id.as_str());
    let body = service
        .gql(
            LOGIN,
            json!({ "email": email, "password": "imposter password" }),
            None,
        )
        .await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");
    // And signing in works with any case.
    let session = service.login(&email.to_uppercase()).await;
    assert_eq!(session["user"]["id"], id.as_str());
    assert_eq!(session["user"]["email"], email.as_str());
    service.stop().await;
}

/// Registering an email that has an account answers like registering a new
/// one, in shape and in time: the answer does not tell which emails exist.
#[tokio::test(flavor = "multi_thread")]
async fn registering_a_taken_email_answers_like_a_new_account() {
    let service = TestService::start("users_dup_quiet").await;
    let taken = unique_email("taken");
    let (owner_id, _, _) = service.customer(&taken).await;
    let register = |email: String, name: &'static str| {
        let service = &service;
        async move {
            let started = Instant::now();
            let body = service
                .gql(
                    REGISTER,
                    json!({ "email": email, "password": "another password", "name": name }),
                    None,
                )
                .await;
            (body, started.elapsed())
        }
    };

    let (fresh, _) = register(unique_email("fresh"), "Fresh").await;
    let (again, _) = register(taken.clone(), "Imposter").await;
    assert!(again.get("errors").is_none(), "no CONFLICT: {again:#}");
    let (fresh, again) = (&fresh["data"]["register"], &again["data"]["register"]);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(fresh), keys(again));
    assert_eq!(again["email"], taken.as_str());
    assert_eq!(again["name"], "Imposter");
    assert_eq!(again["role"], "CUSTOMER");
    let again_id = again["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(again_id).is_ok(), "{again_id}");
    assert_ne!(again_id, owner_id);
    chrono::DateTime::parse_from_rfc3339(again["createdAt"].as_str().unwrap()).unwrap();

    // Nothing was created or changed: staff find no account with that id,
    // the owner's password and name still hold, the imposter's does not.
    let (_, admin) = service.admin(&unique_email("staff")).await;
    let user = "query($id: ID!) { user(id: $id) { id name } }";
    let found = service
        .ok(user, json!({ "id": again_id }), Some(&admin))
        .await;
    assert_eq!(found["user"], json!(null));
    let owner = service
        .ok(user, json!({ "id": owner_id }), Some(&admin))
        .await;
    assert_eq!(owner["user"]["name"], "Test Customer");
    let body = service
        .gql(
            LOGIN,
            json!({ "email": taken, "password": "another password" }),
            None,
        )
        .await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");
    service.login(&taken).await;

    // Both pay one password hash: compare the fastest of four of each, taken
    // in turns (a new account's event is published just after its answer).
    let mut new = Duration::MAX;
    let mut existing = Duration::MAX;
    for round in 0..8 {
        if round % 2 == 0 {
            new = new.min(register(unique_email("fresh"), "Fresh").await.1);
        } else {
            existing = existing.min(register(taken.clone(), "Imposter").await.1);
        }
    }
    let ratio = existing.as_secs_f64() / new.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "taken email {existing:?} vs new email {new:?}"
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn registrations_are_limited_per_client_address() {
    let mut config = test_config("users_register_rate");
    config.registrations_per_address = 3;
    let service = TestService::start_with(config).await;
    let register = |email: String, client: &'static str| {
        let service = &service;
        async move {
            service
                .send(
                    REGISTER,
                    json!({ "email": email, "password": PASSWORD, "name": "Many" }),
                    None,
                    &[("x-forwarded-for", client)],
                )
                .await
        }
    };
    let first = unique_email("first");
    for email in [first.clone(), unique_email("second"), first.clone()] {
        // A taken email counts like any other registration.
        let body = register(email, "203.0.113.20").await;
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    let refused = unique_email("fourth");
    let body = register(refused.clone(), "203.0.113.20").await;
    let (code, _) = first_error(&body);
    assert_eq!(code, "TOO_MANY_REQUESTS", "{body:#}");
    assert_eq!(body["data"], json!(null));
    assert!(
        body["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            <= 900
    );
    // Nothing was created by the refused one.
    let body = service
        .gql(
            LOGIN,
            json!({ "email": refused, "password": PASSWORD }),
            None,
        )
        .await;
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");
    // Another address registers.
    let body = register(unique_email("elsewhere"), "203.0.113.21").await;
    assert!(body.get("errors").is_none(), "{body:#}");
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
