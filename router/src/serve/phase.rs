//! Where a connection is between its requests, so that an idle keep-alive connection and a
//! client that is slow to send headers get different bounds.
//!
//! hyper has one timer for both: its header read timeout starts as soon as a connection
//! waits for a request, so with 10 s for slowloris every keep-alive connection idle for
//! 10 s was closed too. Clients pool connections for longer (reqwest and Go 90 s, browsers
//! minutes), and one that reused a connection at the instant the router closed it got
//! "connection reset by peer" on a POST it cannot safely retry: one placeOrder in 360,000
//! in the 30-minute soak at 200/s (bench/LOG.md, session 15). Go's server and Envoy keep the
//! two apart, and so does this: [`Phase`] follows each connection through
//!
//! ```text
//! Head ──service called──▶ Busy ──response ended──▶ Idle ──first byte──▶ Head ─▶ …
//!                           └──101──▶ Upgraded (a WebSocket: its own bounds)
//! ```
//!
//! and the connection task closes it when `Head` outlasts the header timeout or `Idle`
//! the idle timeout.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// The bounds a connection's phases have.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From a request's first byte (or the connection's start) to its complete headers.
    pub header_read: Duration,
    /// Between the end of a response and the first byte of the next request.
    pub idle: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Reading a request's headers (or waiting for a new connection's first request).
    Head = 0,
    /// A request is being handled and answered.
    Busy = 1,
    /// Between requests.
    Idle = 2,
    /// Switched protocols: no longer HTTP/1.1 requests.
    Upgraded = 3,
}

const KIND_SHIFT: u32 = 62;
const SINCE_MASK: u64 = (1 << KIND_SHIFT) - 1;

/// One connection's phase and since when (milliseconds after it was accepted), in one atomic
/// word: set by the socket's reads, the service and the response body, read by the
/// connection task.
pub(super) struct Phase {
    accepted: Instant,
    state: AtomicU64,
    /// Wakes the connection task when a deadline may have moved earlier.
    moved: Notify,
}

impl Phase {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            accepted: Instant::now(),
            state: AtomicU64::new(Kind::Head as u64),
            moved: Notify::new(),
        })
    }

    fn pack(&self, kind: Kind) -> u64 {
        let since = self.accepted.elapsed().as_millis() as u64 & SINCE_MASK;
        ((kind as u64) << KIND_SHIFT) | since
    }

    fn unpack(word: u64) -> (Kind, Duration) {
        let kind = match word >> KIND_SHIFT {
            0 => Kind::Head,
            1 => Kind::Busy,
            2 => Kind::Idle,
            _ => Kind::Upgraded,
        };
        (kind, Duration::from_millis(word & SINCE_MASK))
    }

    /// Moves from `from` to `to`, stamped now; false if the phase was not `from`.
    fn advance(&self, from: Kind, to: Kind) -> bool {
        let current = self.state.load(Ordering::Acquire);
        Self::unpack(current).0 == from
            && self
                .state
                .compare_exchange(current, self.pack(to), Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    /// The socket delivered bytes: if the connection was idle, a request begins.
    fn bytes_arrived(&self) {
        if self.advance(Kind::Idle, Kind::Head) {
            self.moved.notify_one();
        }
    }

    /// hyper parsed a request's headers and called the service.
    pub(super) fn request_started(&self) {
        self.state.store(self.pack(Kind::Busy), Ordering::Release);
    }

    /// The response was switched to another protocol.
    pub(super) fn upgraded(&self) {
        self.state
            .store(self.pack(Kind::Upgraded), Ordering::Release);
    }

    /// The response's body ended (or was dropped): the connection waits for the next request.
    fn response_ended(&self) {
        if self.advance(Kind::Busy, Kind::Idle) {
            self.moved.notify_one();
        }
    }

    /// When the current phase runs out, or `None` if it has no bound here.
    pub(super) fn deadline(&self, timeouts: &Timeouts) -> Option<(Kind, Instant)> {
        let (kind, since) = Self::unpack(self.state.load(Ordering::Acquire));
        let bound = match kind {
            Kind::Head => timeouts.header_read,
            Kind::Idle => timeouts.idle,
            Kind::Busy | Kind::Upgraded => return None,
        };
        Some((kind, self.accepted + since + bound))
    }

    /// Resolves when a transition may have brought a deadline forward.
    pub(super) async fn moved(&self) {
        self.moved.notified().await
    }
}

/// The accepted socket, telling [`Phase`] when bytes arrive.
pub(super) struct Watched<S> {
    inner: S,
    phase: Arc<Phase>,
}

impl<S> Watched<S> {
    pub(super) fn new(inner: S, phase: Arc<Phase>) -> Self {
        Self { inner, phase }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.phase.bytes_arrived();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A response body that tells [`Phase`] when it is over: at its end, or when hyper drops it
/// (a client gone mid-response), whichever comes first.
pub(super) struct Tracked<B> {
    inner: B,
    phase: Arc<Phase>,
    ended: bool,
}

impl<B> Tracked<B> {
    pub(super) fn new(inner: B, phase: Arc<Phase>) -> Self {
        Self {
            inner,
            phase,
            ended: false,
        }
    }

    fn end(&mut self) {
        // Once: a drop after the end must not end the next request's phase.
        if !self.ended {
            self.ended = true;
            self.phase.response_ended();
        }
    }
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            this.end();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for Tracked<B> {
    fn drop(&mut self) {
        self.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUTS: Timeouts = Timeouts {
        header_read: Duration::from_secs(10),
        idle: Duration::from_secs(120),
    };

    #[test]
    fn each_phase_has_its_own_bound() {
        let phase = Phase::new();
        let (kind, at) = phase.deadline(&TIMEOUTS).unwrap();
        assert_eq!(
            kind,
            Kind::Head,
            "a new connection must send its headers in time"
        );
        assert!(at <= Instant::now() + TIMEOUTS.header_read);

        phase.request_started();
        assert!(
            phase.deadline(&TIMEOUTS).is_none(),
            "a request in progress is not idle"
        );

        let body = Tracked::new(http_body_util::Empty::<bytes::Bytes>::new(), phase.clone());
        drop(body);
        let (kind, at) = phase.deadline(&TIMEOUTS).unwrap();
        assert_eq!(kind, Kind::Idle);
        assert!(
            at > Instant::now() + TIMEOUTS.header_read,
            "idle gets the longer bound"
        );

        phase.bytes_arrived();
        assert_eq!(phase.deadline(&TIMEOUTS).unwrap().0, Kind::Head);
        // More bytes of the same headers do not restart the clock.
        let (_, first) = phase.deadline(&TIMEOUTS).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        phase.bytes_arrived();
        assert_eq!(phase.deadline(&TIMEOUTS).unwrap().1, first);

        phase.upgraded();
        assert!(phase.deadline(&TIMEOUTS).is_none());
    }

    #[test]
    fn a_body_ends_its_request_once() {
        let phase = Phase::new();
        phase.request_started();
        let mut first = Tracked::new(http_body_util::Empty::<bytes::Bytes>::new(), phase.clone());
        first.end();
        assert_eq!(phase.deadline(&TIMEOUTS).unwrap().0, Kind::Idle);
        // A pipelined second request starts before the first body is dropped.
        phase.request_started();
        drop(first);
        assert!(
            phase.deadline(&TIMEOUTS).is_none(),
            "the second request is still busy"
        );
    }
}
