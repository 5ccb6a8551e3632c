//! Accepts connections and serves HTTP/1.1 on them with bounds a slow or idle client cannot
//! stretch: a connection that has not sent a request's headers within
//! `header_read_timeout_ms` is closed (slowloris), and a request whose handling, body
//! included, takes longer than `request_timeout_ms` gets 408 (see `http::timeout`). WebSocket
//! upgrades and subscription streams are answered at once and then live on their own bounds.
//! On shutdown the listener stops, idle connections close, and in-flight requests finish.
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Serves `app` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let stop = CancellationToken::new();
    // Each connection task holds a sender; the drain ends when the last one is dropped.
    let (alive, mut drained) = tokio::sync::mpsc::channel::<()>(1);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
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
        // The client's address is appended to `X-Forwarded-For` on subgraph requests.
        let service = app
            .clone()
            .map_request(move |request: hyper::Request<hyper::body::Incoming>| {
                let mut request = request.map(axum::body::Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            })
            .map_err(|never: Infallible| match never {});
        let connection = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
            .with_upgrades();
        let (stop, alive) = (stop.clone(), alive.clone());
        tokio::spawn(async move {
            let _alive = alive;
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stop.cancelled() => {
                    // Finish the request in flight, then close; an idle connection closes now.
                    connection.as_mut().graceful_shutdown();
                    connection.await
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
    if error.is_timeout() {
        tracing::debug!(%peer, "closed a connection that sent no request headers in time");
    } else if !error.is_incomplete_message() && !error.is_closed() {
        tracing::debug!(%peer, %error, "connection ended with an error");
    }
}
