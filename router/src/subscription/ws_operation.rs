//! One operation on a WebSocket, in its own task: prepared like an HTTP request (same
//! validation, plan cache and authorization), then a subscription streams `next` messages
//! until it ends, and a query or mutation (GraphiQL sends everything over the socket) answers
//! one `next` and `complete`.
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use hyper::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::execute::{self, Ended, Subscription};
use super::init_payload;
use super::protocol::{Protocol, close};
use super::ws_writer::Outbox;
use crate::auth::verify::AuthFailure;
use crate::auth::{Caller, RequestIdentity};
use crate::graphql_error::{GraphQLError, codes};
use crate::metrics::subscriptions::Transport;
use crate::pipeline::{self, GraphQLRequest, Stop};
use crate::response::body::data_body;
use crate::schema::index::OperationType;
use crate::state::RouterState;

/// Who a socket belongs to, settled by `connection_init`.
pub struct Session {
    pub caller: Caller,
    /// The upgrade request's headers with the `connection_init` payload's `Authorization`:
    /// what header propagation and identity forwarding read, as for an HTTP request.
    pub client_headers: HeaderMap,
}

impl Session {
    /// The socket's caller: the `connection_init` payload's credentials (see
    /// [`init_payload`]) win over the upgrade request's header; verified like an HTTP request's. `Err` is the close code and
    /// reason.
    pub async fn establish(
        state: &RouterState,
        upgrade_headers: &HeaderMap,
        payload: Option<Value>,
    ) -> Result<Session, (u16, String)> {
        let forbidden = |reason: &str| (close::FORBIDDEN, format!("Forbidden: {reason}"));
        let mut client_headers = upgrade_headers.clone();
        let from_payload =
            init_payload::authorization(payload.as_ref()).map_err(|reason| forbidden(&reason))?;
        if let Some(value) = from_payload {
            let value = HeaderValue::from_str(&value)
                .map_err(|_| forbidden("Authorization is not a valid header value"))?;
            client_headers.insert(AUTHORIZATION, value);
        }
        match state.authenticator.authenticate(&client_headers).await {
            Ok(caller) => Ok(Session {
                caller,
                client_headers,
            }),
            Err(AuthFailure::KeysUnavailable) => Err((
                close::INTERNAL_ERROR,
                AuthFailure::KeysUnavailable.to_string(),
            )),
            Err(failure) => Err(forbidden(&failure.to_string())),
        }
    }
}

pub struct Operation {
    pub state: Arc<RouterState>,
    pub protocol: Protocol,
    pub session: Arc<Session>,
    pub client_ip: Option<IpAddr>,
    pub id: String,
    pub outbox: Outbox,
    pub cancel: CancellationToken,
}

impl Operation {
    pub async fn run(self, request: GraphQLRequest) {
        let started = Instant::now();
        let state = &self.state;
        let identity = RequestIdentity {
            caller: self.session.caller.clone(),
            client_ip: self.client_ip,
        };
        // Counted like HTTP requests: every operation, whatever its kind.
        state.pipeline.metrics.requests.increment(1);
        let prepared = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => return,
            prepared = pipeline::prepare_request(&state.pipeline, request, &identity, false) => prepared,
        };
        let ready = match prepared {
            Ok(ready) => ready,
            Err(stop) => {
                let errors = match stop {
                    Stop::Errors(errors) => errors,
                    Stop::Refused(_) => vec![GraphQLError::with_code(
                        "The operation was refused.",
                        codes::BAD_REQUEST,
                    )],
                };
                state.pipeline.metrics.requests_with_errors.increment(1);
                let _ = self.outbox.push(self.protocol.error(&self.id, &errors));
                return;
            }
        };
        let headers =
            pipeline::subgraph_headers(&state.pipeline, &self.session.client_headers, &identity);
        if ready.kind() != OperationType::Subscription {
            let executed = tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return,
                executed = pipeline::execute_with(&state.pipeline, &ready, &headers) => executed,
            };
            let (data, errors) = executed;
            if !errors.is_empty() {
                state.pipeline.metrics.requests_with_errors.increment(1);
            }
            state
                .pipeline
                .metrics
                .request_duration
                .record(started.elapsed());
            let next = self.protocol.next(&self.id, &data_body(data, &errors));
            if self.outbox.push(next).is_ok() {
                let _ = self.outbox.push(self.protocol.complete(&self.id));
            }
            return;
        }
        let _active = state
            .pipeline
            .metrics
            .subscriptions
            .subscription_started(Transport::WebSocket);
        let (outbox, protocol, id) = (&self.outbox, self.protocol, self.id.as_str());
        let mut emit = |body: Vec<u8>| outbox.push(protocol.next(id, &body));
        let subscription = Subscription {
            state,
            ready: &ready,
            headers: &headers,
            cancel: &self.cancel,
            // The connection closes itself with 4403 when the token expires.
            expires: None,
        };
        match execute::run(subscription, &mut emit).await {
            Ended::Completed | Ended::Expired => {
                let _ = outbox.push(protocol.complete(id));
            }
            // Cancelled: the client asked (nothing to send). TooSlow: the outbox already told
            // the connection to drop the client.
            Ended::Cancelled | Ended::TooSlow => {}
        }
    }
}
