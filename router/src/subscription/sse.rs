//! GraphQL over Server-Sent Events, "distinct connections" mode: one response per operation,
//! `event: next` with each result as `data`, then `event: complete`. Request errors are a
//! `next` too (an `EventSource` cannot read a 4xx body). Keep-alives are SSE comments.
use bytes::Bytes;

pub const CONTENT_TYPE: &str = "text/event-stream; charset=utf-8";

/// One result; `body` is single-line JSON (the router never writes raw newlines in JSON).
pub fn next(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() + 20);
    out.extend_from_slice(b"event: next\ndata: ");
    out.extend_from_slice(body);
    out.extend_from_slice(b"\n\n");
    out.into()
}

pub fn complete() -> Bytes {
    Bytes::from_static(b"event: complete\ndata:\n\n")
}

pub fn keepalive() -> Bytes {
    Bytes::from_static(b":\n\n")
}

/// A whole stream of one result: a query's, or a request's errors.
pub fn single(body: &[u8]) -> Bytes {
    let mut out = next(body).to_vec();
    out.extend_from_slice(&complete());
    out.into()
}
