use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

async fn attempt(service: &TestService, email: &str, password: &str, ip: Option<&str>) -> Value {
    let headers: Vec<(&str, &str)> = ip.map(|ip| ("x-forwarded-for", ip)).into_iter().collect();
    service
        .send(
            LOGIN,
            json!({ "email": email, "password": password }),
            None,
            &headers,
        )
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_unknown_email_look_the_same() {
    let service = TestService::start("users_same").await;
    let email = unique_email("known");
    service.register(&email, "Known").await;

    let wrong_password = attempt(&service, &email, "not the password", None).await;
    let unknown_email = attempt(&service, &unique_email("nobody"), PASSWORD, None).await;
    assert_eq!(wrong_password, unknown_email, "identical answers");
    assert_eq!(first_error(&wrong_password).0, "UNAUTHENTICATED");
    assert_eq!(wrong_password["data"], json!(null));

    // Similar time: both pay one argon2 verification. Compare the faster of
    // three of each, which filters scheduling noise on a busy machine.
    let mut known = Duration::MAX;
    let mut unknown = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        attempt(&service, &email, "still not it!", None).await;
        known = known.min(start.elapsed());
        let start = Instant::now();
        attempt(&service, &unique_email("ghost"), "still not it!", None).await;
        unknown = unknown.min(start.elapsed());
    }
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown email {unknown:?} vs wrong password {known:?}"
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn five_failures_for_one_email_lock_it_for_a_while() {
    let service = TestService::start("users_rate_email").await;
    let email = unique_email("victim");
    service.register(&email, "Victim").await;
    for n in 1..=5 {
        let body = attempt(&service, &email, "guess guess guess", None).await;
        assert_eq!(first_error(&body).0, "UNAUTHENTICATED", "attempt {n}");
    }
    // Even the right password is refused now, without a token.
    let body = attempt(&service, &email, PASSWORD, None).await;
    let (code, _) = first_error(&body);
    assert_eq!(code, "TOO_MANY_REQUESTS", "{body}");
    assert_eq!(body["data"], json!(null));
    assert!(
        body["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .unwrap()
            <= 900
    );
    // Other accounts are unaffected.
    let other = unique_email("bystander");
    service.register(&other, "Bystander").await;
    service.login(&other).await;
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_failures_from_one_address_lock_that_address() {
    let service = TestService::start("users_rate_ip").await;
    let target = unique_email("target");
    service.register(&target, "Target").await;
    for n in 1..=20 {
        let body = attempt(
            &service,
            &unique_email("spray"),
            "guess guess guess",
            Some("203.0.113.9"),
        )
        .await;
        assert_eq!(first_error(&body).0, "UNAUTHENTICATED", "attempt {n}");
    }
    let body = attempt(&service, &target, PASSWORD, Some("203.0.113.9")).await;
    assert_eq!(first_error(&body).0, "TOO_MANY_REQUESTS", "{body}");
    // The router appends the client it saw last: that hop is the one counted.
    let body = attempt(
        &service,
        &target,
        PASSWORD,
        Some("203.0.113.9, 198.51.100.4"),
    )
    .await;
    assert!(
        body.get("errors").is_none(),
        "another client gets in: {body}"
    );
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_share_the_failure_counts() {
    let config = test_config("users_rate_replicas");
    let first = TestService::start_with(config.clone()).await;
    let second = TestService::start_with(config).await;
    let email = unique_email("shared");
    first.register(&email, "Shared").await;
    for n in 1..=5 {
        let replica = if n % 2 == 0 { &first } else { &second };
        let body = attempt(replica, &email, "guess guess guess", None).await;
        assert_eq!(first_error(&body).0, "UNAUTHENTICATED", "attempt {n}");
    }
    for replica in [&first, &second] {
        let body = attempt(replica, &email, PASSWORD, None).await;
        assert_eq!(first_error(&body).0, "TOO_MANY_REQUESTS");
    }
    second.halt().await;
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_successful_login_forgives_earlier_failures_of_that_email() {
    let service = TestService::start("users_rate_reset").await;
    let email = unique_email("typo");
    service.register(&email, "Typo").await;
    for _ in 0..4 {
        attempt(&service, &email, "typo typo typo", None).await;
    }
    service.login(&email).await;
    for _ in 0..4 {
        attempt(&service, &email, "typo typo typo", None).await;
    }
    service.login(&email).await;
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_wrong_passwords_pass_no_more_than_the_limit() {
    let service = TestService::start("users_rate_parallel").await;
    let email = unique_email("rushed");
    service.register(&email, "Rushed").await;
    let client = reqwest::Client::new();
    let attempts: Vec<_> = (0..12)
        .map(|_| {
            let request = client
                .post(&service.url)
                .header("x-forwarded-for", "203.0.113.77")
                .json(&json!({
                    "query": LOGIN,
                    "variables": { "email": email, "password": "guess guess guess" },
                }));
            tokio::spawn(async move {
                let response = request.send().await.expect("the service answers");
                response.json::<Value>().await.expect("a JSON body")
            })
        })
        .collect();
    let mut codes = Vec::new();
    for attempt in attempts {
        codes.push(first_error(&attempt.await.unwrap()).0);
    }
    let checked = codes.iter().filter(|c| *c == "UNAUTHENTICATED").count();
    let refused = codes.iter().filter(|c| *c == "TOO_MANY_REQUESTS").count();
    assert_eq!((checked, refused), (5, 7), "{codes:?}");
    service.stop().await;
}

fn trusting(label: &str, proxies: &[&str]) -> mart_service::ServiceConfig {
    let mut config = test_config(label);
    config.trusted_proxies = proxies.iter().map(|p| p.parse().unwrap()).collect();
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_that_is_not_a_trusted_proxy_cannot_pick_its_address() {
    // The test client connects from loopback, which is not trusted here.
    let service = TestService::start_with(trusting("users_xff_untrusted", &["192.0.2.1"])).await;
    let target = unique_email("target");
    service.register(&target, "Target").await;
    for n in 1..=20 {
        let forged = format!("198.51.100.{n}");
        let body = attempt(
            &service,
            &unique_email("spray"),
            "guess guess guess",
            Some(&forged),
        )
        .await;
        assert_eq!(first_error(&body).0, "UNAUTHENTICATED", "attempt {n}");
    }
    // Every failure counted against the peer, whatever it forwarded.
    let body = attempt(&service, &target, PASSWORD, Some("198.51.100.200")).await;
    assert_eq!(first_error(&body).0, "TOO_MANY_REQUESTS", "{body}");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_addresses_are_read_past_trusted_proxies_only() {
    // The router on loopback behind a load balancer in 10.0.0.0/8.
    let service = TestService::start_with(trusting(
        "users_xff_trusted",
        &["127.0.0.0/8", "::1", "10.0.0.0/8"],
    ))
    .await;
    let target = unique_email("target");
    service.register(&target, "Target").await;
    for n in 1..=20 {
        // The client wrote the first entry itself; the balancer appended the
        // client, the router appended the balancer.
        let body = attempt(
            &service,
            &unique_email("spray"),
            "guess guess guess",
            Some("192.0.2.66, 203.0.113.9, 10.1.2.3"),
        )
        .await;
        assert_eq!(first_error(&body).0, "UNAUTHENTICATED", "attempt {n}");
    }
    let body = attempt(&service, &target, PASSWORD, Some("203.0.113.9")).await;
    assert_eq!(first_error(&body).0, "TOO_MANY_REQUESTS", "{body}");
    let body = attempt(&service, &target, PASSWORD, Some("203.0.113.10, 10.1.2.3")).await;
    assert!(
        body.get("errors").is_none(),
        "another client gets in: {body}"
    );
    service.stop().await;
}
