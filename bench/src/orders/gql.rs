//! GraphQL over HTTP to the router, keep-alive connections reused.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

pub struct Gql {
    http: reqwest::Client,
    url: String,
}

impl Gql {
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            http,
            url: url.to_string(),
        })
    }

    /// `data` of the answer; an error for a non-2xx status or any `errors`.
    pub async fn call(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("POST {}", self.url))?;
        let status = response.status();
        let mut body: Value = response
            .json()
            .await
            .with_context(|| format!("HTTP {status} without a JSON body"))?;
        if !status.is_success() || body.get("errors").is_some() {
            bail!("HTTP {status}: {body}");
        }
        Ok(body.get_mut("data").map(Value::take).unwrap_or(Value::Null))
    }
}
