//! The `/sync` websocket endpoint: one task per connection reads frames, feeds them through
//! the sans-IO [`ServerConnection`], and routes document messages to their actors; a writer
//! task drains the connection's [`Outbox`].

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use linli_sync_core::connection::{Inbound, ServerConnection};
use linli_sync_core::wire::PeerMetadata;
use linli_sync_core::DocumentId;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::auth::{authenticate, bearer, Authenticated};
use crate::doc_actor::{DocCommand, PeerLink};
use crate::error::AppError;
use crate::outbox::{Outbox, Outgoing};
use crate::AppState;

/// How long one write may block before the peer counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// `?token=` on the upgrade request.
#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `GET /sync`: authenticates (before the upgrade), then speaks the automerge-repo websocket
/// protocol.
pub async fn sync_handler(
    State(app): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let auth = match bearer(&headers, query.token.as_deref()) {
        Some(token) => match authenticate(&app.keys, app.hub.store(), &token).await {
            Ok(a) => Some(a),
            Err(e) => return e.into_response(),
        },
        None if app.config.insecure_dev => None,
        None => return AppError::Unauthorized.into_response(),
    };
    let limit = app.config.max_frame_bytes;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| connection(socket, app, auth))
}

async fn connection(socket: WebSocket, app: AppState, auth: Option<Authenticated>) {
    let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let (sink, mut stream) = socket.split();
    let (outbox, rx, kill) = Outbox::new();
    app.tracker.spawn(writer(sink, rx, kill.clone()));

    let hub = &app.hub;
    let mut session = ServerConnection::new(
        hub.settings().server_peer.clone(),
        PeerMetadata {
            storage_id: Some(app.storage_id.clone()),
            is_ephemeral: Some(false),
        },
    );
    let mut touched: HashSet<DocumentId> = HashSet::new();
    let ping_every = app.config.ping_interval();
    let mut ping = tokio::time::interval(ping_every);
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
                break;
            }
        };
        last_heard = Instant::now();
        match session.handle_frame(&bytes) {
            Inbound::Reply(frames) => {
                if let Some(peer) = session.remote() {
                    hub.peer_joined(peer, conn, kill.clone());
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
                let metadata = session.remote_metadata().cloned().unwrap_or_default();
                let storage_id = metadata
                    .storage_id
                    .filter(|_| metadata.is_ephemeral != Some(true));
                touched.insert(document_id);
                hub.send(
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
                    },
                );
            }
            Inbound::Ephemeral {
                document_id,
                message,
            } => {
                if touched.contains(&document_id) {
                    let from = message.sender_id().clone();
                    hub.send(document_id, DocCommand::Ephemeral { from, message });
                }
            }
            Inbound::Nothing => {}
            Inbound::Close(frame) => {
                outbox.send(Outgoing::Close(frame));
                break;
            }
        }
    }

    if let Some(peer) = session.remote() {
        for id in touched {
            hub.send(
                id,
                DocCommand::PeerGone {
                    peer: peer.clone(),
                    conn,
                },
            );
        }
        hub.peer_left(peer, conn);
    }
    if let Some(p) = &principal {
        hub.device_disconnected(&p.device, conn);
    }
    // Dropping our outbox lets the writer finish once the actors drop theirs; a close already
    // queued goes out first.
    drop(outbox);
}

/// When the connection must end because its token expires (far away without a token).
fn expiry_instant(auth: Option<&Authenticated>) -> tokio::time::Instant {
    let far = tokio::time::Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600);
    let Some(a) = auth else { return far };
    let left_ms = a.expires_at * 1000 - crate::store::now_ms();
    tokio::time::Instant::now() + Duration::from_millis(left_ms.max(0) as u64)
}

async fn writer(
    mut sink: futures_util::stream::SplitSink<WebSocket, WsMessage>,
    mut rx: mpsc::Receiver<Outgoing>,
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
                if !bytes.is_empty() {
                    let _ = tokio::time::timeout(
                        WRITE_TIMEOUT,
                        sink.send(WsMessage::Binary(bytes.into())),
                    )
                    .await;
                }
                (WsMessage::Close(None), true)
            }
        };
        match tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)).await {
            Ok(Ok(())) if !last => {}
            _ => break,
        }
    }
    kill.cancel();
    let _ = sink.close().await;
}
