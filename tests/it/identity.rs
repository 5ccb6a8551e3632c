//! Identity end to end: the real users and products subgraphs behind the real
//! router with token verification on, as `mart up` runs them.

use std::path::Path;

use mart_service::testkit::{DropDatabases, isolated_config, unique_suffix};
use mart_service::{ServiceConfig, ServiceName};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const PASSWORD: &str = "correct horse battery";

struct System {
    router_url: String,
    users_url: String,
    client: reqwest::Client,
    shutdown: CancellationToken,
    router: mart_router::RunningRouter,
    _databases: DropDatabases,
}

async fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

impl System {
    async fn start(label: &str) -> Self {
        let mut config: ServiceConfig = isolated_config(label);
        let databases = DropDatabases::new(&config);
        config.data_dir = std::env::temp_dir().join(format!("mart-it-{}", unique_suffix()));
        let shutdown = CancellationToken::new();
        let users = mart_users::start(&config, listener().await, shutdown.clone())
            .await
            .expect("users starts");
        let users_url = format!("http://{}/graphql", users.addr);
        config.urls.insert(ServiceName::Users, users_url.clone());
        let products = mart_products::start(&config, listener().await, shutdown.clone())
            .await
            .expect("products starts");

        let mut router = mart_router::RouterConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            supergraph_path: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("schema/supergraph.graphql"),
            hot_reload: false,
            ..Default::default()
        };
        router
            .subgraph_urls
            .insert("users".into(), users_url.clone());
        router.subgraph_urls.insert(
            "products".into(),
            format!("http://{}/graphql", products.addr),
        );
        router.auth.jwks_url = Some(config.jwks_url());
        let router = mart_router::start(router).await.expect("router starts");
        Self {
            router_url: router.graphql_url(),
            users_url,
            client: reqwest::Client::new(),
            shutdown,
            router,
            _databases: databases,
        }
    }

    async fn post(
        &self,
        url: &str,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(url)
            .json(&json!({ "query": query, "variables": variables }));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("an answer");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    async fn via_router(&self, query: &str, variables: Value, token: Option<&str>) -> (u16, Value) {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("authorization", b.as_str()))
            .collect();
        self.post(&self.router_url, query, variables, &headers)
            .await
    }

    async fn register_and_login(&self, email: &str) -> String {
        let (_, body) = self
            .via_router(
                "mutation($e: String!, $p: String!) { register(email: $e, password: $p, name: \"Ada\") { id } }",
                json!({ "e": email, "p": PASSWORD }),
                None,
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let (_, body) = self.login(email, PASSWORD).await;
        body["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("a token: {body}"))
            .to_string()
    }

    async fn login(&self, email: &str, password: &str) -> (u16, Value) {
        self.via_router(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
            json!({ "e": email, "p": password }),
            None,
        )
        .await
    }

    async fn stop(self) {
        let _ = self.router.stop().await;
        self.shutdown.cancel();
    }
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread")]
async fn customers_sign_up_log_in_and_see_only_what_is_theirs_through_the_router() {
    let system = System::start("identity_e2e").await;
    let email = format!("ada-{}@example.com", unique_suffix());
    let token = system.register_and_login(&email).await;

    let (status, body) = system
        .via_router("{ me { email role } }", json!({}), Some(&token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["email"], email.as_str(), "{body}");
    assert_eq!(body["data"]["me"]["role"], "CUSTOMER");

    // A wrong password and an unknown email get the same answer.
    let (_, wrong) = system.login(&email, "not the password at all").await;
    let (_, unknown) = system
        .login(&format!("nobody-{}@example.com", unique_suffix()), PASSWORD)
        .await;
    assert_eq!(code(&wrong), "UNAUTHENTICATED", "{wrong}");
    assert_eq!(wrong, unknown);

    // A tampered token is refused at the router with 401.
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[1] = format!("{}A", parts[1]);
    let (status, body) = system
        .via_router("{ me { email } }", json!({}), Some(&parts.join(".")))
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(code(&body), "UNAUTHENTICATED");
    assert!(!body.to_string().contains(&email));

    // A customer calling an admin mutation: refused at its path, nothing created.
    let (_, body) = system
        .via_router(
            "mutation { createCategory(input: { name: \"Contraband\", slug: \"contraband\" }) { id } }",
            json!({}),
            Some(&token),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["createCategory"]));
    assert!(
        body["data"].is_null() || body["data"]["createCategory"].is_null(),
        "{body}"
    );

    // A forged identity header, through the router and straight to the subgraph,
    // makes nobody anyone.
    let forged = [
        ("x-user-id", "00000000-0000-0000-0000-000000000001"),
        ("x-user-role", "ADMIN"),
    ];
    let (_, body) = system
        .post(&system.router_url, "{ me { email } }", json!({}), &forged)
        .await;
    assert!(body["data"]["me"].is_null(), "{body}");
    let (_, body) = system
        .post(&system.users_url, "{ me { email } }", json!({}), &forged)
        .await;
    assert!(body["data"]["me"].is_null(), "{body}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_wrong_passwords_are_throttled_through_the_router() {
    let system = System::start("identity_throttle").await;
    let email = format!("grace-{}@example.com", unique_suffix());
    system.register_and_login(&email).await;
    for attempt in 1..=5 {
        let (_, body) = system.login(&email, "guess guess guess").await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "attempt {attempt}: {body}");
    }
    let (_, body) = system.login(&email, PASSWORD).await;
    assert_eq!(code(&body), "TOO_MANY_REQUESTS", "{body}");
    assert!(body["data"].is_null() || body["data"]["login"].is_null());
    system.stop().await;
}
