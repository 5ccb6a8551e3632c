//! One subgraph of a test's own on a loopback port, and GraphQL sent to it.

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::ServiceConfig;
use crate::http::ServiceHandle;
use crate::subgraph::Starting;

/// A running subgraph. Its databases are the caller's to drop (see
/// [`super::DropDatabases`]): replicas may share one configuration.
pub struct TestService {
    pub config: ServiceConfig,
    /// `http://127.0.0.1:<port>` (no path).
    pub origin: String,
    /// `{origin}/graphql`.
    pub url: String,
    pub client: reqwest::Client,
    shutdown: CancellationToken,
    handle: ServiceHandle,
}

impl TestService {
    /// Starts a subgraph on a free loopback port with `config`: `start` is its
    /// [`Subgraph::start`](crate::Subgraph::start), or a closure that starts it
    /// with settings of the test's.
    pub async fn start<F>(config: ServiceConfig, start: F) -> Self
    where
        F: for<'a> FnOnce(&'a ServiceConfig, TcpListener, CancellationToken) -> Starting<'a>,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let shutdown = CancellationToken::new();
        let handle = start(&config, listener, shutdown.clone())
            .await
            .unwrap_or_else(|e| panic!("the service does not start: {e}"));
        let origin = format!("http://{}", handle.addr);
        Self {
            url: format!("{origin}/graphql"),
            origin,
            config,
            client: reqwest::Client::new(),
            shutdown,
            handle,
        }
    }

    /// POSTs a GraphQL request with `token` (anonymous when `None`); asserts a
    /// 2xx status and returns the whole response body.
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post(token, &[], query, variables).await
    }

    /// [`Self::gql_as`] with extra request headers.
    pub async fn post(
        &self,
        token: Option<&str>,
        headers: &[(&str, &str)],
        query: &str,
        variables: Value,
    ) -> Value {
        let mut request = self
            .client
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the service answers");
        assert!(
            response.status().is_success(),
            "HTTP {} for {query}",
            response.status()
        );
        response.json().await.expect("a JSON body")
    }

    /// Stops the service and waits for its tasks; returns its configuration
    /// (to start it again, or to drop what it kept).
    pub async fn stop(self) -> ServiceConfig {
        self.shutdown.cancel();
        self.handle.join().await;
        self.config
    }
}
