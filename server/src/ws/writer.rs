//! The writing half of a `/sync` connection: one task drains the connection's outbox into
//! the socket, each write bounded in time; and the reading half's last act, lingering until
//! the peer closes too.

use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio_util::sync::CancellationToken;

use crate::outbox::{OutboxReceiver, Outgoing};

/// How long one write may block before the peer counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection this side ended keeps reading (and discarding) what its peer still
/// sends, waiting for the peer to close too.
const LINGER: Duration = Duration::from_secs(2);

/// Reads and discards what the peer still sends until it closes too, or [`LINGER`] passes.
/// A socket closed with unread input is reset by the kernel, and a reset throws away what is
/// still queued for the peer: the error frame saying why the connection ends, sent by the
/// writer meanwhile. (Immediate when the peer already closed.)
pub(super) async fn linger(stream: &mut futures_util::stream::SplitStream<WebSocket>) {
    let drain = async {
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, WsMessage::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// Sends what the outbox holds until a close, a failed write or the end of the connection.
pub(super) async fn writer(
    mut sink: futures_util::stream::SplitSink<WebSocket, WsMessage>,
    mut rx: OutboxReceiver,
    kill: CancellationToken,
) {
    loop {
        let item = tokio::select! {
            biased;
            _ = kill.cancelled() => break,
            item = rx.recv() => item,
        };
        let Some(item) = item else { break };
        let (message, last) = match item {
            Outgoing::Frame(bytes) => (WsMessage::Binary(bytes.into()), false),
            Outgoing::Ping => (WsMessage::Ping(Vec::new().into()), false),
            Outgoing::Close(bytes) => {
                if let Some(frame) = rx
                    .take_last_words()
                    .or(Some(bytes).filter(|b| !b.is_empty()))
                {
                    write(&mut sink, WsMessage::Binary(frame.into()), &kill).await;
                }
                (WsMessage::Close(None), true)
            }
        };
        if !write(&mut sink, message, &kill).await || last {
            break;
        }
    }
    if let Some(frame) = rx.take_last_words() {
        // Closed from outside with something to say (the queue was full): one short try.
        let send = sink.send(WsMessage::Binary(frame.into()));
        let _ = tokio::time::timeout(Duration::from_secs(1), send).await;
    }
    let ended_here = !kill.is_cancelled();
    kill.cancel();
    if ended_here {
        let _ = tokio::time::timeout(WRITE_TIMEOUT, sink.close()).await;
    } else {
        // Ended from outside (a peer not reading, a revoked device, a second connection of the
        // same peer): one short try at a proper close, then the socket is dropped.
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
    }
}

/// Writes one message; false if it failed, took longer than WRITE_TIMEOUT, or the connection
/// was ended meanwhile (a write blocked on a peer that does not read is abandoned then).
async fn write(
    sink: &mut futures_util::stream::SplitSink<WebSocket, WsMessage>,
    message: WsMessage,
    kill: &CancellationToken,
) -> bool {
    tokio::select! {
        biased;
        _ = kill.cancelled() => false,
        sent = tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)) => matches!(sent, Ok(Ok(()))),
    }
}
