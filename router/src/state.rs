//! What every request handler shares: the pipeline, the authenticator and the shutdown signal.
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use crate::auth::verify::Authenticator;
use crate::pipeline::Pipeline;
use crate::streams::StreamLimits;

pub struct RouterState {
    pub pipeline: Pipeline,
    pub authenticator: Authenticator,
    /// Cancelled when the router shuts down: WebSockets close with 1001 and subscription
    /// streams end, so the graceful drain does not wait on them forever.
    pub shutdown: CancellationToken,
    /// Places for WebSockets and subscription streams.
    pub streams: Arc<StreamLimits>,
}
