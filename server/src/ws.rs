//! The `/sync` websocket endpoint: one task per connection reads frames, feeds them through
//! the sans-IO [`ServerConnection`], and routes document messages to their actors; a writer
//! task drains the connection's [`Outbox`].
//!
//! Hostile input is held to the limits of `limits.rs` and the flags in `config.rs`: connection
//! caps before the upgrade; then per connection a message rate (read more slowly above it,
//! closed after a sustained flood), a bound on document messages waiting for their actors (the
//! connection is not read while it is reached), a bound on distinct documents, a bounded
//! outbox, and a bounded wait for room in a document's queue.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use linli_sync_core::connection::{Inbound, ServerConnection};
use linli_sync_core::wire::{PeerId, PeerMetadata};
use linli_sync_core::DocumentId;
use tokio_util::sync::CancellationToken;

use crate::auth::extract::{verify, PresentedToken};
use crate::auth::Authenticated;
use crate::doc_actor::{DocCommand, PeerLink};
use crate::error::AppError;
use crate::hub::Busy;
use crate::limits::{Gate, InFlight, MessageGate};
use crate::outbox::{Outbox, OutboxLimits, OutboxReceiver, Outgoing};
use crate::AppState;

/// How long one write may block before the peer counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection this side ended keeps reading (and discarding) what its peer still
/// sends, waiting for the peer to close too.
const LINGER: Duration = Duration::from_secs(2);

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// `GET /sync`: takes a connection slot and authenticates (both before the upgrade), then
/// speaks the automerge-repo websocket protocol.
pub async fn sync_handler(
    State(app): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    PresentedToken(token): PresentedToken,
    ws: WebSocketUpgrade,
) -> Response {
    // Counted before authenticating, so that a flood of upgrades costs no database work. The
    // address is the socket's peer: behind a reverse proxy, the proxy's.
    let slot = match app.connections.acquire(client.ip()) {
        Ok(slot) => slot,
        Err(refused) => {
            // Debug only: a flood of refusals must not become a flood of log lines.
            tracing::debug!(address = %client.ip(), ?refused, "refused a sync connection");
            return refused.into_response();
        }
    };
    let auth = match verify(&app, token.as_deref()).await {
        Ok(Some(auth)) => Some(auth),
        Ok(None) if app.config.insecure_dev => None,
        Ok(None) => return AppError::Unauthorized.into_response(),
        Err(e) => return e.into_response(),
    };
    let limit = app.config.max_frame_bytes;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .read_buffer_size(app.config.ws_read_buffer_bytes)
        .on_upgrade(move |socket| async move {
            connection(socket, app, auth).await;
            drop(slot);
        })
}

async fn connection(socket: WebSocket, app: AppState, auth: Option<Authenticated>) {
    let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let config = app.config.clone();
    let (sink, mut stream) = socket.split();
    let (outbox, rx, kill) = Outbox::new(OutboxLimits {
        frames: config.outbox_frames,
        bytes: config.outbox_bytes,
    });
    app.tracker.spawn(writer(sink, rx, kill.clone()));
    let flood_grace = Duration::from_secs(config.flood_grace_secs);
    let mut gate = MessageGate::new(
        config.max_messages_per_sec,
        config.message_burst,
        flood_grace,
    );
    let in_flight = InFlight::new(
        config.max_in_flight_per_connection,
        config.max_in_flight_bytes_per_connection,
    );

    let hub = &app.hub;
    let mut session = ServerConnection::new(
        hub.settings().server_peer.clone(),
        PeerMetadata {
            storage_id: Some(app.storage_id.clone()),
            is_ephemeral: Some(false),
        },
    );
    let mut touched: HashSet<DocumentId> = HashSet::new();
    // The peer id this connection joined as: kept for the clean-up even when a protocol error
    // closes the session (which forgets its remote).
    let mut joined: Option<PeerId> = None;
    let ping_every = config.ping_interval();
    let mut ping = tokio::time::interval(ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    let mut last_heard = Instant::now();
    let shutdown = hub.shutdown_token().clone();
    let principal = auth.as_ref().map(|a| a.principal.clone());
    if let Some(p) = &principal {
        hub.device_connected(&p.device, conn, kill.clone());
    }
    let expiry = expiry_instant(auth.as_ref());

    loop {
        let frame = tokio::select! {
            frame = stream.next() => frame,
            _ = ping.tick() => {
                if last_heard.elapsed() > ping_every * 3 {
                    tracing::info!(conn, "peer stopped answering pings");
                    break;
                }
                outbox.send(Outgoing::Ping);
                continue;
            }
            _ = kill.cancelled() => break,
            _ = tokio::time::sleep_until(expiry) => {
                outbox.send(Outgoing::Close(session.error_frame("access token expired; refresh it and reconnect")));
                break;
            }
            _ = shutdown.cancelled() => {
                outbox.send(Outgoing::Close(Vec::new()));
                break;
            }
        };
        if let Some(Ok(_)) = &frame {
            match gate.check() {
                Gate::Pass => {}
                Gate::Wait(pause) => {
                    // Not reading the socket meanwhile pushes back on the sender (TCP).
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => gate.waited(),
                        _ = kill.cancelled() => break,
                        _ = shutdown.cancelled() => {
                            outbox.send(Outgoing::Close(Vec::new()));
                            break;
                        }
                    }
                }
                Gate::Flood => {
                    tracing::warn!(conn, "peer kept sending above its message rate; closing");
                    outbox.send(Outgoing::Close(session.error_frame(&format!(
                        "too many messages: more than {} a second for {} s; closing this connection",
                        config.max_messages_per_sec, config.flood_grace_secs
                    ))));
                    break;
                }
            }
        }
        let bytes = match frame {
            Some(Ok(WsMessage::Binary(bytes))) => bytes,
            Some(Ok(WsMessage::Close(_))) | None => break,
            Some(Ok(WsMessage::Text(_))) => {
                outbox.send(Outgoing::Close(
                    session.error_frame("frames must be binary CBOR"),
                ));
                break;
            }
            Some(Ok(_)) => {
                last_heard = Instant::now();
                continue;
            }
            Some(Err(e)) => {
                tracing::info!(conn, error = %e, "websocket error; closing");
                outbox.send(Outgoing::Close(
                    session.error_frame(&read_error(&e, config.max_frame_bytes)),
                ));
                break;
            }
        };
        last_heard = Instant::now();
        match session.handle_frame(&bytes) {
            Inbound::Reply(frames) => {
                if let Some(peer) = session.remote() {
                    let device = principal.as_ref().map(|p| p.device.as_str());
                    if !hub.peer_joined(peer, conn, device, kill.clone()) {
                        tracing::warn!(conn, %peer, "peer id held by another device; refused");
                        outbox.send(Outgoing::Close(session.error_frame(
                            "this peer id is in use by another device; join with your own",
                        )));
                        break;
                    }
                    joined = Some(peer.clone());
                }
                for f in frames {
                    outbox.send(Outgoing::Frame(f));
                }
            }
            Inbound::Doc {
                document_id,
                is_request,
                message,
            } => {
                let Some(peer) = session.remote().cloned() else {
                    continue;
                };
                if !touched.contains(&document_id)
                    && touched.len() >= config.max_documents_per_connection
                {
                    tracing::warn!(conn, "peer asked for too many documents; closing");
                    outbox.send(Outgoing::Close(session.error_frame(&format!(
                        "too many documents: a connection may sync at most {}; closing this connection",
                        config.max_documents_per_connection
                    ))));
                    break;
                }
                // Room in the connection's in-flight budget until its document has handled the
                // message; without room this connection is not read until there is (other
                // connections are not held up).
                let slots = tokio::select! {
                    slots = in_flight.acquire(message.data.len()) => slots,
                    _ = kill.cancelled() => break,
                    _ = shutdown.cancelled() => {
                        outbox.send(Outgoing::Close(Vec::new()));
                        break;
                    }
                };
                let metadata = session.remote_metadata().cloned().unwrap_or_default();
                let storage_id = metadata
                    .storage_id
                    .filter(|_| metadata.is_ephemeral != Some(true));
                touched.insert(document_id);
                let sent = hub.send(
                    document_id,
                    DocCommand::Sync {
                        peer: PeerLink {
                            id: peer,
                            conn,
                            storage_id,
                            principal: principal.clone(),
                            outbox: outbox.clone(),
                        },
                        is_request,
                        raw_id: message.document_id,
                        data: message.data,
                        in_flight: slots,
                    },
                );
                let sent = tokio::select! {
                    sent = sent => sent,
                    _ = kill.cancelled() => break,
                };
                last_heard = Instant::now();
                if let Err(Busy) = sent {
                    // Nothing of this message was applied or acknowledged; the client sends it
                    // again when it reconnects.
                    tracing::warn!(conn, document = %document_id, "document queue stayed full; closing");
                    outbox.send(Outgoing::Close(session.error_frame(&format!(
                        "document {document_id} is too busy; nothing of this message was saved; try again later"
                    ))));
                    break;
                }
            }
            Inbound::Ephemeral {
                document_id,
                message,
            } => {
                // Ephemeral messages are lossy by nature: dropped if the document is busy.
                if touched.contains(&document_id) {
                    let from = message.sender_id().clone();
                    hub.try_send_if_loaded(document_id, DocCommand::Ephemeral { from, message });
                }
            }
            Inbound::Nothing => {}
            Inbound::Close(frame) => {
                outbox.send(Outgoing::Close(frame));
                break;
            }
        }
    }

    if let Some(peer) = joined.as_ref() {
        for id in touched {
            // Never dropped: the actor saves the peer's sync state and forgets it.
            hub.send_if_loaded(
                id,
                DocCommand::PeerGone {
                    peer: peer.clone(),
                    conn,
                },
            )
            .await;
        }
        hub.peer_left(peer, conn);
    }
    if let Some(p) = &principal {
        hub.device_disconnected(&p.device, conn);
    }
    // Dropping our outbox lets the writer finish once the actors drop theirs; a close already
    // queued goes out first.
    drop(outbox);
    linger(&mut stream).await;
}

/// Reads and discards what the peer still sends until it closes too, or [`LINGER`] passes.
/// A socket closed with unread input is reset by the kernel, and a reset throws away what is
/// still queued for the peer: the error frame saying why the connection ends, sent by the
/// writer meanwhile. (Immediate when the peer already closed.)
async fn linger(stream: &mut futures_util::stream::SplitStream<WebSocket>) {
    let drain = async {
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, WsMessage::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// When the connection must end because its token expires (far away without a token).
fn expiry_instant(auth: Option<&Authenticated>) -> tokio::time::Instant {
    let far = tokio::time::Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600);
    let Some(a) = auth else { return far };
    let left_ms = a.expires_at * 1000 - crate::clock::now_ms();
    tokio::time::Instant::now() + Duration::from_millis(left_ms.max(0) as u64)
}

/// What to tell a peer whose frame could not be read.
fn read_error(e: &axum::Error, max_frame_bytes: usize) -> String {
    let text = e.to_string();
    if text.contains("Message too long") {
        format!(
            "message too large: this server accepts at most {max_frame_bytes} bytes per message; send fewer changes at once"
        )
    } else {
        format!("unreadable websocket frame: {text}")
    }
}

async fn writer(
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
