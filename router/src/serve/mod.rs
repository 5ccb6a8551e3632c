//! Accepts connections and serves HTTP/1.1 on them with bounds a slow or idle client cannot
//! stretch: a request whose headers take longer than `header_read_timeout_ms` from its first
//! byte (or from the connection's start) is cut off (slowloris), a keep-alive connection idle
//! for `idle_timeout_ms` is closed (see [`phase`] for why these are two bounds), and a request
//! whose handling, body included, takes longer than `request_timeout_ms` gets 408 (see
//! `http::timeout`). WebSocket upgrades and subscription streams are answered at once and
//! then live on their own bounds. On shutdown the listener stops, idle connections close, and
//! in-flight requests finish.

mod phase;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

pub use phase::Timeouts;
use phase::{Kind, Phase, Tracked, Watched};

/// Serves `app` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let stop = CancellationToken::new();
    // Each connection task holds a sender; the drain ends when the last one is dropped.
    let (alive, mut drained) = tokio::sync::mpsc::channel::<()>(1);
    let mut builder = http1::Builder::new();
    // hyper's own header timer would also close idle connections: `phase` keeps the time.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let phase = Phase::new();
        // The client's address is appended to `X-Forwarded-For` on subgraph requests.
        let (started, answered) = (phase.clone(), phase.clone());
        let service = app
            .clone()
            .map_request(move |request: hyper::Request<hyper::body::Incoming>| {
                started.request_started();
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            })
            .map_response(move |response: axum::response::Response| {
                if response.status() == hyper::StatusCode::SWITCHING_PROTOCOLS {
                    answered.upgraded();
                }
                let phase = answered.clone();
                response.map(|body| Body::new(Tracked::new(body, phase)))
            })
            .map_err(|never: Infallible| match never {});
        let connection = builder
            .serve_connection(
                TokioIo::new(Watched::new(stream, phase.clone())),
                TowerToHyperService::new(service),
            )
            .with_upgrades();
        let (stop, alive) = (stop.clone(), alive.clone());
        tokio::spawn(async move {
            let _alive = alive;
            tokio::pin!(connection);
            let stopped = stop.cancelled();
            tokio::pin!(stopped);
            let result = loop {
                let deadline = phase.deadline(&timeouts);
                let expiry = async {
                    match deadline {
                        Some((_, at)) => tokio::time::sleep_until(at.into()).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    result = connection.as_mut() => break result,
                    () = &mut stopped => {
                        // Finish the request in flight, then close; an idle connection closes now.
                        connection.as_mut().graceful_shutdown();
                        break connection.await;
                    }
                    () = phase.moved() => continue,
                    () = expiry => match phase.deadline(&timeouts) {
                        Some((Kind::Idle, at)) if at <= std::time::Instant::now() => {
                            // Between requests: a clean close, which a client sees before reuse.
                            connection.as_mut().graceful_shutdown();
                            break connection.await;
                        }
                        Some((Kind::Head, at)) if at <= std::time::Instant::now() => {
                            tracing::debug!(%peer, "closed a connection that sent no request headers in time");
                            return;
                        }
                        _ => continue,
                    },
                }
            };
            if let Err(error) = result {
                log_connection_error(peer, &error);
            }
        });
    }
    drop(listener);
    stop.cancel();
    drop(alive);
    let _ = drained.recv().await;
    Ok(())
}

fn log_connection_error(peer: SocketAddr, error: &hyper::Error) {
    // hyper's own header timer is off (the connection task times headers), so a
    // timeout is not among these.
    if !error.is_incomplete_message() && !error.is_closed() {
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}
