//! Subscriptions over plain HTTP: the subscription runs in its own task and writes into a
//! bounded queue; the response body reads it as SSE events or multipart parts, with
//! keep-alives in between. A client that disconnects drops the body, which cancels the
//! subscription (and so the subgraph's stream); one that stops reading fills the queue and
//! gets a last `SUBSCRIBER_TOO_SLOW` result.
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_util::sync::DropGuard;

use super::execute::{self, EmitError, Ended, Subscription};
use super::multipart::{self, Framer};
use super::sse;
use crate::execution::SubgraphHeaders;
use crate::graphql_error::{GraphQLError, codes};
use crate::metrics::subscriptions::Transport;
use crate::pipeline::ReadyOperation;
use crate::response::body::data_body;
use crate::state::RouterState;
use crate::streams::StreamPermit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFormat {
    Sse,
    Multipart,
}

/// What the client's `Accept` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// The streaming format it names first, if any.
    pub stream: Option<StreamFormat>,
    /// It takes a single JSON response too.
    pub json: bool,
}

impl Accepted {
    pub fn of(headers: &HeaderMap) -> Accepted {
        let mut accepted = Accepted {
            stream: None,
            json: false,
        };
        let ranges = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','));
        for range in ranges {
            let mut params = range.split(';');
            let media = params.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused =
                params.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            if refused {
                continue;
            }
            let format = match media.as_str() {
                "text/event-stream" => Some(StreamFormat::Sse),
                "multipart/mixed" => Some(StreamFormat::Multipart),
                "application/json"
                | "application/graphql-response+json"
                | "*/*"
                | "application/*" => {
                    accepted.json = true;
                    None
                }
                _ => None,
            };
            accepted.stream = accepted.stream.or(format);
        }
        accepted
    }

    /// Answer even single results as SSE: the client takes nothing else.
    pub fn sse_only(self) -> bool {
        self.stream == Some(StreamFormat::Sse) && !self.json
    }
}

/// A response that is one SSE result and `complete` (a query's, or request errors).
pub fn sse_single(body: &[u8]) -> Response {
    streaming_response(StreamFormat::Sse, Body::from(sse::single(body)))
}

/// Starts the subscription and answers with its stream.
pub fn subscribe(
    state: Arc<RouterState>,
    ready: ReadyOperation,
    headers: SubgraphHeaders,
    expires: Option<Instant>,
    format: StreamFormat,
    permit: StreamPermit,
) -> Response {
    let config = &state.pipeline.config.subscriptions;
    let keepalive = config.keepalive_interval();
    let (queue, events) = mpsc::channel(config.queue_capacity());
    let cancel = state.shutdown.child_token();
    let body = EventBody {
        events,
        keepalive: keepalive_interval(keepalive),
        format,
        framer: Framer::default(),
        ended: false,
        _cancel_on_drop: cancel.clone().drop_guard(),
    };
    tokio::spawn(async move {
        let _permit = permit;
        let metrics = &state.pipeline.metrics.subscriptions;
        let transport = match format {
            StreamFormat::Sse => Transport::Sse,
            StreamFormat::Multipart => Transport::Multipart,
        };
        let _active = metrics.subscription_started(transport);
        let mut emit = |body: Vec<u8>| {
            queue.try_send(body).map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => EmitError::Full,
                mpsc::error::TrySendError::Closed(_) => EmitError::Closed,
            })
        };
        let subscription = Subscription {
            state: &state,
            ready: &ready,
            headers: &headers,
            cancel: &cancel,
            expires,
        };
        if execute::run(subscription, &mut emit).await == Ended::TooSlow {
            metrics.clients_dropped.increment(1);
            let error = GraphQLError::with_code(
                "The client did not read its events fast enough; the subscription ended.",
                codes::SUBSCRIBER_TOO_SLOW,
            );
            // The queue is full: wait a little for room for the last word, then give up.
            let last = data_body(b"null".to_vec(), &[error]);
            let _ = tokio::time::timeout(keepalive, queue.send(last)).await;
        }
        // Dropping the queue ends the body with the format's completion.
    });
    streaming_response(
        format,
        Body::from_stream(futures::stream::unfold(body, next_chunk)),
    )
}

fn keepalive_interval(every: Duration) -> Interval {
    let mut interval = tokio::time::interval_at(Instant::now() + every, every);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    interval
}

fn streaming_response(format: StreamFormat, body: Body) -> Response {
    let content_type = match format {
        StreamFormat::Sse => sse::CONTENT_TYPE,
        StreamFormat::Multipart => multipart::CONTENT_TYPE,
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Proxies such as nginx would otherwise hold events back.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

struct EventBody {
    events: mpsc::Receiver<Vec<u8>>,
    keepalive: Interval,
    format: StreamFormat,
    framer: Framer,
    ended: bool,
    /// The client went away when the body is dropped: stop the subscription.
    _cancel_on_drop: DropGuard,
}

async fn next_chunk(mut body: EventBody) -> Option<(Result<Bytes, Infallible>, EventBody)> {
    if body.ended {
        return None;
    }
    let chunk = tokio::select! {
        biased;
        event = body.events.recv() => match (event, body.format) {
            (Some(event), StreamFormat::Sse) => sse::next(&event),
            (Some(event), StreamFormat::Multipart) => body.framer.event(&event),
            (None, StreamFormat::Sse) => {
                body.ended = true;
                sse::complete()
            }
            (None, StreamFormat::Multipart) => {
                body.ended = true;
                body.framer.end()
            }
        },
        _ = body.keepalive.tick() => match body.format {
            StreamFormat::Sse => sse::keepalive(),
            StreamFormat::Multipart => body.framer.heartbeat(),
        },
    };
    Some((Ok(chunk), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Accepted {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        Accepted::of(&headers)
    }

    #[test]
    fn the_first_streaming_format_named_wins() {
        let apollo =
            accept("multipart/mixed;boundary=\"graphql\";subscriptionSpec=1.0,application/json");
        assert_eq!(apollo.stream, Some(StreamFormat::Multipart));
        assert!(apollo.json);
        let sse = accept("text/event-stream");
        assert!(sse.sse_only());
        assert_eq!(accept("application/json").stream, None);
        assert_eq!(
            accept("text/event-stream;q=0, application/json").stream,
            None
        );
    }
}
