//! Subscriptions over HTTP as a client without WebSocket sees them: one POST to
//! the router, answered as Server-Sent Events (`Accept: text/event-stream`) or
//! as Apollo's multipart parts (`Accept: multipart/mixed;subscriptionSpec=1.0`).

use serde_json::{Value, json};

use crate::ws::MESSAGE_TIMEOUT;

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
    response: reqwest::Response,
    buffer: String,
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
            response,
            buffer: String::new(),
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

    /// More of the body; `false` at its end.
    async fn fill(&mut self) -> bool {
        let chunk = tokio::time::timeout(MESSAGE_TIMEOUT, self.response.chunk())
            .await
            .expect("more of the body before the timeout")
            .expect("a readable body");
        match chunk {
            Some(bytes) => {
                self.buffer.push_str(std::str::from_utf8(&bytes).unwrap());
                true
            }
            None => false,
        }
    }

    async fn sse_result(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut data) = (String::new(), String::new());
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        event = value.trim().to_string();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                match event.as_str() {
                    // A comment: the router's keep-alive.
                    "" if data.is_empty() => continue,
                    "next" => return Some(serde_json::from_str(&data).unwrap()),
                    "complete" => return None,
                    other => panic!("unexpected SSE event {other:?}: {data}"),
                }
            }
            assert!(
                self.fill().await,
                "the SSE body ended without a complete event"
            );
        }
    }

    async fn multipart_result(&mut self) -> Option<Value> {
        const BOUNDARY: &str = "\r\n--graphql";
        loop {
            // A part is whole once the boundary after it has arrived.
            if let Some(start) = self.buffer.find(BOUNDARY) {
                let rest = &self.buffer[start + BOUNDARY.len()..];
                if rest.starts_with("--") {
                    return None;
                }
                if let Some(next) = rest.find(BOUNDARY) {
                    let part = rest[..next].to_string();
                    self.buffer.drain(..start + BOUNDARY.len() + next);
                    let (headers, body) = part.split_once("\r\n\r\n").expect("part headers");
                    assert!(
                        headers
                            .to_ascii_lowercase()
                            .contains("content-type: application/json"),
                        "{headers}"
                    );
                    let part: Value = serde_json::from_str(body).unwrap();
                    // `{}` is a heartbeat.
                    if part == json!({}) {
                        continue;
                    }
                    assert!(part.get("payload").is_some(), "{part:#}");
                    return Some(part["payload"].clone());
                }
            }
            assert!(
                self.fill().await,
                "the multipart body ended without its closing boundary"
            );
        }
    }
}
