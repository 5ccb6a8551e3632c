//! Starting the users service for one test and talking to it over HTTP.

use std::path::PathBuf;

use mart_auth::Role;
use mart_service::{ServiceConfig, testkit};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

/// The shared [`testkit::TestService`], with the users service's own requests.
pub struct TestService(testkit::TestService);

impl std::ops::Deref for TestService {
    type Target = testkit::TestService;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// A configuration with its own database, topics and key directory.
pub fn test_config(label: &str) -> ServiceConfig {
    let mut config = testkit::isolated_config(label);
    config.data_dir =
        std::env::temp_dir().join(format!("mart-users-test-{}", testkit::unique_suffix()));
    config
}

impl TestService {
    pub async fn start(label: &str) -> Self {
        Self::start_with(test_config(label)).await
    }

    /// Starts a service on `config` (several may share one: replicas).
    pub async fn start_with(config: ServiceConfig) -> Self {
        Self(testkit::TestService::start(config, mart_users::SUBGRAPH.start).await)
    }

    /// POSTs a GraphQL request with optional bearer token and extra headers;
    /// returns the whole response body.
    pub async fn send(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Value {
        self.post(token, headers, query, variables).await
    }

    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.gql_as(token, query, variables).await
    }

    /// `data` of a request that must succeed.
    pub async fn ok(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let body = self.gql(query, variables, token).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    pub async fn register(&self, email: &str, name: &str) -> String {
        let data = self
            .ok(
                REGISTER,
                json!({ "email": email, "password": PASSWORD, "name": name }),
                None,
            )
            .await;
        data["register"]["id"].as_str().unwrap().to_string()
    }

    /// Signs in with [`PASSWORD`]; returns the `login` payload.
    pub async fn login(&self, email: &str) -> Value {
        let data = self
            .ok(LOGIN, json!({ "email": email, "password": PASSWORD }), None)
            .await;
        data["login"].clone()
    }

    /// Registers and signs in; returns (user id, access token, refresh token).
    pub async fn customer(&self, email: &str) -> (String, String, String) {
        let id = self.register(email, "Test Customer").await;
        let session = self.login(email).await;
        (id, token_of(&session), refresh_of(&session))
    }

    /// An admin made the way `mart admin create` makes one, signed in.
    pub async fn admin(&self, email: &str) -> (String, String) {
        let accounts = mart_users::accounts(&self.config).await.unwrap();
        let (user, _) = accounts
            .ensure_user(email, Some(PASSWORD), Some("Staff"), Role::Admin)
            .await
            .unwrap();
        let session = self.login(email).await;
        (user.id.to_string(), token_of(&session))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.origin))
            .send()
            .await
            .unwrap()
    }

    pub fn key_dir(&self) -> PathBuf {
        self.config.data_dir.clone()
    }

    /// Stops the service but keeps its database and keys (for restarts).
    pub async fn halt(self) -> ServiceConfig {
        self.0.stop().await
    }

    pub async fn stop(self) {
        let config = self.halt().await;
        drop_everything(&config).await;
    }
}

pub async fn drop_everything(config: &ServiceConfig) {
    let name = config.database_name(mart_users::SERVICE);
    mart_service::db::drop_database(&config.database_url, &name)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&config.data_dir);
}

pub fn token_of(session: &Value) -> String {
    session["accessToken"].as_str().unwrap().to_string()
}

pub fn refresh_of(session: &Value) -> String {
    session["refreshToken"].as_str().unwrap().to_string()
}

/// The first error of a response: (code, message).
pub fn first_error(body: &Value) -> (String, String) {
    let error = &body["errors"][0];
    assert!(error.is_object(), "expected an error: {body:#}");
    (
        error["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        error["message"].as_str().unwrap_or("").to_string(),
    )
}

pub fn unique_email(label: &str) -> String {
    format!("{label}-{}@example.com", testkit::unique_suffix())
}

pub const REGISTER: &str = r#"
mutation($email: String!, $password: String!, $name: String!) {
  register(email: $email, password: $password, name: $name) { id email name role createdAt }
}"#;

pub const LOGIN: &str = r#"
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    accessToken refreshToken expiresAt user { id email role }
  }
}"#;

pub const REFRESH: &str = r#"
mutation($token: String!) {
  refreshToken(token: $token) { accessToken refreshToken expiresAt user { id } }
}"#;

pub const ME: &str = "{ me { id email name role addresses { id city country } } }";
