//! The writing half of a client WebSocket: one task writes what the connection and its
//! operations queue, in order, through a bounded queue; a client too slow to keep up fills it
//! and is dropped (the close request jumps the queue).
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::stream::SplitSink;
use futures::{FutureExt, SinkExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::execute::EmitError;
use super::protocol::truncate;

/// How long a closing handshake may take before the socket is just dropped.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

pub fn close_frame(code: u16, reason: &str) -> Option<CloseFrame> {
    Some(CloseFrame {
        code,
        reason: truncate(reason.to_string()).into(),
    })
}

/// What goes to the socket writer, in order.
pub enum Outgoing {
    Text(String),
    /// A WebSocket ping frame: browsers answer it themselves, so it tells a live client
    /// from a dead connection whatever the subprotocol.
    Ping,
    Close(Option<CloseFrame>),
}

/// The sending side a connection's operations share: a bounded queue to the writer.
#[derive(Clone)]
pub struct Outbox {
    pub queue: mpsc::Sender<Outgoing>,
    /// Fired when the queue is full: the connection drops the client.
    pub too_slow: CancellationToken,
}

impl Outbox {
    pub fn push(&self, message: String) -> Result<(), EmitError> {
        self.send(Outgoing::Text(message))
    }

    pub fn ping(&self) -> Result<(), EmitError> {
        self.send(Outgoing::Ping)
    }

    fn send(&self, outgoing: Outgoing) -> Result<(), EmitError> {
        match self.queue.try_send(outgoing) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.too_slow.cancel();
                Err(EmitError::Full)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(EmitError::Closed),
        }
    }
}

/// Writes queued messages in order. A close request on `abort` (a client too slow to read)
/// jumps the queue.
pub async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Outgoing>,
    abort: oneshot::Receiver<Option<CloseFrame>>,
) {
    // Fused: the receiver must not be polled again once it has answered.
    let mut abort = abort.fuse();
    loop {
        let outgoing = tokio::select! {
            biased;
            Ok(frame) = &mut abort => return close_sink(&mut sink, frame).await,
            outgoing = queue.recv() => outgoing,
        };
        let message = match outgoing {
            Some(Outgoing::Text(text)) => Message::Text(text.into()),
            Some(Outgoing::Ping) => Message::Ping(Default::default()),
            Some(Outgoing::Close(frame)) => return close_sink(&mut sink, frame).await,
            None => return,
        };
        tokio::select! {
            biased;
            Ok(frame) = &mut abort => return close_sink(&mut sink, frame).await,
            sent = sink.send(message) => if sent.is_err() { return },
        }
    }
}

async fn close_sink(sink: &mut SplitSink<WebSocket, Message>, frame: Option<CloseFrame>) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        let _ = sink.send(Message::Close(frame)).await;
        let _ = sink.close().await;
    })
    .await;
}
