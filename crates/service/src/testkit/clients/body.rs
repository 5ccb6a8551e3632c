//! Readers of streaming HTTP response bodies: Server-Sent Events and the multipart
//! parts of Apollo's multipart subscription protocol.

use serde_json::{Value, json};

use super::MESSAGE_TIMEOUT;

/// Reads a streaming HTTP response chunk by chunk. Events and parts can be split
/// across chunks, or share one, so both readers buffer until a whole one has arrived.
pub struct BodyReader {
    response: reqwest::Response,
    buffer: String,
}

impl BodyReader {
    /// A reader of `response`'s body, which nothing has read yet.
    pub fn new(response: reqwest::Response) -> BodyReader {
        BodyReader {
            response,
            buffer: String::new(),
        }
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

    /// The next SSE event as (event, data), skipping comments (the server's
    /// keep-alives); `None` at the body's end.
    pub async fn sse_event(&mut self) -> Option<(String, String)> {
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
                if event.is_empty() && data.is_empty() {
                    continue;
                }
                return Some((event, data));
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    /// The next multipart part's JSON, skipping heartbeats (`{}`); `None` after the
    /// closing boundary. A body that ends without that boundary fails the test: the
    /// protocol always closes it.
    pub async fn multipart_part(&mut self) -> Option<Value> {
        const BOUNDARY: &str = "\r\n--graphql";
        loop {
            // A part is complete once the boundary after it has arrived.
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
                    let value: Value = serde_json::from_str(body).unwrap();
                    if value == json!({}) {
                        continue;
                    }
                    return Some(value);
                }
            }
            if !self.fill().await {
                panic!("the multipart body ended without its closing boundary");
            }
        }
    }
}
