//! Subscriptions over HTTP as a client without WebSocket sees them: one POST to
//! the router, answered as Server-Sent Events (`Accept: text/event-stream`) or
//! as Apollo's multipart parts (`Accept: multipart/mixed;subscriptionSpec=1.0`).

use mart_service::testkit::clients::BodyReader;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Sse,
    Multipart,
}

impl Format {
    fn accept(self) -> &'static str {
        match self {
            Format::Sse => "text/event-stream",
            Format::Multipart => "multipart/mixed;subscriptionSpec=1.0",
        }
    }
}

/// One subscription's response body, read result by result.
pub struct HttpStream {
    format: Format,
    body: BodyReader,
    ended: bool,
}

impl HttpStream {
    /// POSTs `query` to the router at `url` as the holder of `token`.
    pub async fn open(
        url: &str,
        format: Format,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Self {
        let mut request = reqwest::Client::new()
            .post(url)
            .header("accept", format.accept())
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the router answers");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        let content_type = response.headers()["content-type"].to_str().unwrap();
        let expected = match format {
            Format::Sse => "text/event-stream",
            Format::Multipart => "multipart/mixed",
        };
        assert!(content_type.starts_with(expected), "{content_type}");
        Self {
            format,
            body: BodyReader::new(response),
            ended: false,
        }
    }

    /// The next result (`{"data": …, "errors": …}`); `None` once the stream
    /// completed (SSE `complete`, multipart closing boundary).
    pub async fn next_result(&mut self) -> Option<Value> {
        if self.ended {
            return None;
        }
        let result = match self.format {
            Format::Sse => self.sse_result().await,
            Format::Multipart => self.multipart_result().await,
        };
        self.ended = result.is_none();
        result
    }

    /// The next result's `data`, failing on errors or the end of the stream.
    pub async fn next_data(&mut self) -> Value {
        let result = self
            .next_result()
            .await
            .expect("the stream has another result");
        assert!(result.get("errors").is_none(), "{result:#}");
        result["data"].clone()
    }

    async fn sse_result(&mut self) -> Option<Value> {
        let (event, data) = self
            .body
            .sse_event()
            .await
            .expect("the SSE body ended without a complete event");
        match event.as_str() {
            "next" => Some(serde_json::from_str(&data).unwrap()),
            "complete" => None,
            other => panic!("unexpected SSE event {other:?}: {data}"),
        }
    }

    async fn multipart_result(&mut self) -> Option<Value> {
        let part = self.body.multipart_part().await?;
        assert!(part.get("payload").is_some(), "{part:#}");
        Some(part["payload"].clone())
    }
}
