//! One `/sync` connection after the upgrade: a [`Connection`] is fed one event at a time
//! (`handle_*`: a frame, a ping tick) and answers with what to send or with why it [`Ended`];
//! `finish` then tells the peer (an `error` frame, or a bare close), lets its documents and
//! the hub forget it, and lingers until the peer closes too.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message as WsMessage, WebSocket};
use futures_util::stream::SplitStream;
use futures_util::StreamExt;
use linli_sync_core::access::Principal;
use linli_sync_core::connection::{Inbound, ServerConnection};
use linli_sync_core::wire::{DocMessage, Message, PeerId, PeerMetadata};
use linli_sync_core::DocumentId;
use tokio_util::sync::CancellationToken;

use super::writer::{linger, writer};
use crate::auth::Authenticated;
use crate::doc_actor::{DocCommand, PeerLink};
use crate::hub::Busy;
use crate::limits::{Gate, InFlight, MessageGate};
use crate::outbox::{Outbox, OutboxLimits, Outgoing};
use crate::AppState;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// Why a connection ended, which decides what the peer is told before the socket closes.
#[derive(Debug)]
enum Ended {
    /// The peer closed, or its socket ended.
    PeerClosed,
    /// Ended from outside: a revoked device, a peer that does not read what it is sent, the
    /// same peer id joining again.
    Killed,
    /// The server is shutting down: a bare close.
    ShuttingDown,
    /// The peer stopped answering pings.
    Silent,
    /// The server will not go on with this peer: an `error` frame says why.
    Refused(String),
    /// The sync session ended with a frame of its own (a protocol error).
    Session(Vec<u8>),
}

/// What a connection waits for between frames.
enum Event {
    Frame(Option<Result<WsMessage, axum::Error>>),
    Ping,
}

/// The state of one connection.
pub(super) struct Connection {
    conn: u64,
    app: AppState,
    session: ServerConnection,
    outbox: Outbox,
    /// Cancelled when the connection is ended from outside (or by the writer).
    kill: CancellationToken,
    shutdown: CancellationToken,
    gate: MessageGate,
    in_flight: InFlight,
    principal: Option<Principal>,
    /// Documents this connection synced: told when it goes.
    touched: HashSet<DocumentId>,
    /// The peer id this connection joined as: kept for the clean-up even when a protocol
    /// error closes the session (which forgets its remote).
    joined: Option<PeerId>,
    last_heard: Instant,
    ping_every: Duration,
}

impl Connection {
    /// Sets up serving `socket` (its writer task, the connection's state) and returns the
    /// future that serves it until it ends.
    ///
    /// Not an `async fn`: an async fn keeps room for its arguments (the socket, the app, the
    /// token) in its future for as long as it runs. The future returned holds only what the
    /// connection keeps; an idle peer's connection costs that much (issue #21).
    pub(super) fn serve(
        socket: WebSocket,
        app: AppState,
        auth: Option<Authenticated>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let expiry = expiry_instant(auth.as_ref());
        let (sink, stream) = socket.split();
        let config = app.config.clone();
        let (outbox, rx, kill) = Outbox::new(OutboxLimits {
            frames: config.outbox_frames,
            bytes: config.outbox_bytes,
        });
        app.tracker.spawn(writer(sink, rx, kill.clone()));
        let this = Connection {
            conn: NEXT_CONN.fetch_add(1, Ordering::Relaxed),
            session: ServerConnection::new(
                app.hub.settings().server_peer.clone(),
                PeerMetadata {
                    storage_id: Some(app.storage_id.clone()),
                    is_ephemeral: Some(false),
                },
            ),
            outbox,
            shutdown: app.hub.shutdown_token().clone(),
            gate: MessageGate::new(
                config.max_messages_per_sec,
                config.message_burst,
                Duration::from_secs(config.flood_grace_secs),
            ),
            in_flight: InFlight::new(
                config.max_in_flight_per_connection,
                config.max_in_flight_bytes_per_connection,
            ),
            principal: auth.map(|a| a.principal),
            touched: HashSet::new(),
            joined: None,
            last_heard: Instant::now(),
            ping_every: config.ping_interval(),
            kill,
            app,
        };
        if let Some(p) = &this.principal {
            this.app
                .hub
                .device_connected(&p.device, this.conn, this.kill.clone());
        }
        this.run(stream, expiry)
    }

    /// Reads frames and pings until the connection ends, then finishes it.
    async fn run(mut self, mut stream: SplitStream<WebSocket>, expiry: tokio::time::Instant) {
        let mut ping = tokio::time::interval(self.ping_every);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ping.tick().await;
        let ended = loop {
            let event = tokio::select! {
                frame = stream.next() => Event::Frame(frame),
                _ = ping.tick() => Event::Ping,
                _ = self.kill.cancelled() => break Ended::Killed,
                _ = tokio::time::sleep_until(expiry) => {
                    break Ended::Refused("access token expired; refresh it and reconnect".into())
                }
                _ = self.shutdown.cancelled() => break Ended::ShuttingDown,
            };
            let handled = match event {
                Event::Ping => self.handle_ping(),
                // Boxed: while a connection waits for its next frame (which is nearly always),
                // its task holds only the loop's state, not room for the largest state of
                // handling a frame (issue #21: idle peers).
                Event::Frame(frame) => Box::pin(self.handle_frame(frame)).await,
            };
            if let Err(ended) = handled {
                break ended;
            }
        };
        Box::pin(self.finish(ended, &mut stream)).await;
    }

    /// A ping tick: the peer is pinged, or ends as silent after three unanswered intervals.
    fn handle_ping(&mut self) -> Result<(), Ended> {
        if self.last_heard.elapsed() > self.ping_every * 3 {
            tracing::info!(conn = self.conn, "peer stopped answering pings");
            return Err(Ended::Silent);
        }
        self.outbox.send(Outgoing::Ping);
        Ok(())
    }

    /// What the socket gave: a frame (paced by the message rate), its end, or an error.
    async fn handle_frame(
        &mut self,
        frame: Option<Result<WsMessage, axum::Error>>,
    ) -> Result<(), Ended> {
        if let Some(Ok(_)) = &frame {
            self.pace().await?;
        }
        let bytes = match frame {
            Some(Ok(WsMessage::Binary(bytes))) => bytes,
            Some(Ok(WsMessage::Close(_))) | None => return Err(Ended::PeerClosed),
            Some(Ok(WsMessage::Text(_))) => {
                return Err(Ended::Refused("frames must be binary CBOR".into()))
            }
            Some(Ok(_)) => {
                self.last_heard = Instant::now();
                return Ok(());
            }
            Some(Err(e)) => {
                tracing::info!(conn = self.conn, error = %e, "websocket error; closing");
                return Err(Ended::Refused(read_error(
                    &e,
                    self.app.config.max_frame_bytes,
                )));
            }
        };
        self.last_heard = Instant::now();
        match self.session.handle_frame(&bytes) {
            Inbound::Reply(frames) => self.handle_reply(frames),
            Inbound::Doc {
                document_id,
                is_request,
                message,
            } => self.handle_doc(document_id, is_request, message).await,
            Inbound::Ephemeral {
                document_id,
                message,
            } => {
                self.handle_ephemeral(document_id, message);
                Ok(())
            }
            Inbound::Nothing => Ok(()),
            Inbound::Close(frame) => Err(Ended::Session(frame)),
        }
    }

    /// Holds the connection to its message rate: above it the next frame is read later (not
    /// reading pushes back on the sender through TCP); a flood past the grace period ends it.
    async fn pace(&mut self) -> Result<(), Ended> {
        match self.gate.check() {
            Gate::Pass => Ok(()),
            Gate::Wait(pause) => {
                self.unless_ended(tokio::time::sleep(pause), true).await?;
                self.gate.waited();
                Ok(())
            }
            Gate::Flood => {
                tracing::warn!(
                    conn = self.conn,
                    "peer kept sending above its message rate; closing"
                );
                let config = &self.app.config;
                Err(Ended::Refused(format!(
                    "too many messages: more than {} a second for {} s; closing this connection",
                    config.max_messages_per_sec, config.flood_grace_secs
                )))
            }
        }
    }

    /// Frames the session answers with (`peer` after `join`); a peer id another device holds
    /// is refused.
    fn handle_reply(&mut self, frames: Vec<Vec<u8>>) -> Result<(), Ended> {
        if let Some(peer) = self.session.remote() {
            let device = self.principal.as_ref().map(|p| p.device.as_str());
            if !self
                .app
                .hub
                .peer_joined(peer, self.conn, device, self.kill.clone())
            {
                tracing::warn!(conn = self.conn, %peer, "peer id held by another device; refused");
                return Err(Ended::Refused(
                    "this peer id is in use by another device; join with your own".into(),
                ));
            }
            self.joined = Some(peer.clone());
        }
        for f in frames {
            self.outbox.send(Outgoing::Frame(f));
        }
        Ok(())
    }

    /// A `sync` or `request` for a document: handed to the document's actor once the
    /// connection has room in its in-flight budget (without room this connection is not read
    /// until there is; other connections are not held up).
    async fn handle_doc(
        &mut self,
        document_id: DocumentId,
        is_request: bool,
        message: DocMessage,
    ) -> Result<(), Ended> {
        let Some(peer) = self.session.remote().cloned() else {
            return Ok(());
        };
        let most = self.app.config.max_documents_per_connection;
        if !self.touched.contains(&document_id) && self.touched.len() >= most {
            tracing::warn!(
                conn = self.conn,
                "peer asked for too many documents; closing"
            );
            return Err(Ended::Refused(format!(
                "too many documents: a connection may sync at most {most}; closing this connection"
            )));
        }
        let slots = self
            .unless_ended(self.in_flight.acquire(message.data.len()), true)
            .await?;
        let metadata = self.session.remote_metadata().cloned().unwrap_or_default();
        let storage_id = metadata
            .storage_id
            .filter(|_| metadata.is_ephemeral != Some(true));
        self.touched.insert(document_id);
        let command = DocCommand::Sync {
            peer: Box::new(PeerLink {
                id: peer,
                conn: self.conn,
                storage_id,
                principal: self.principal.clone(),
                outbox: self.outbox.clone(),
            }),
            is_request,
            raw_id: message.document_id,
            data: message.data,
            in_flight: slots,
        };
        // Once queued, a message is the actor's to finish, shutdown or not.
        let sent = self
            .unless_ended(self.app.hub.send(document_id, command), false)
            .await?;
        self.last_heard = Instant::now();
        if let Err(Busy) = sent {
            // Nothing of this message was applied or acknowledged; the client sends it again
            // when it reconnects.
            tracing::warn!(conn = self.conn, document = %document_id, "document queue stayed full; closing");
            return Err(Ended::Refused(format!(
                "document {document_id} is too busy; nothing of this message was saved; try again later"
            )));
        }
        Ok(())
    }

    /// An `ephemeral` message, relayed to a document this connection syncs; lossy by nature,
    /// so dropped while the document is busy.
    fn handle_ephemeral(&mut self, document_id: DocumentId, message: Message) {
        if self.touched.contains(&document_id) {
            let from = message.sender_id().clone();
            self.app.hub.try_send_if_loaded(
                document_id,
                DocCommand::Ephemeral {
                    from,
                    message: Box::new(message),
                },
            );
        }
    }

    /// Waits for `fut` unless the connection is ended from outside first (or the server shuts
    /// down, when `or_shutdown`).
    async fn unless_ended<T>(
        &self,
        fut: impl Future<Output = T>,
        or_shutdown: bool,
    ) -> Result<T, Ended> {
        tokio::select! {
            out = fut => Ok(out),
            _ = self.kill.cancelled() => Err(Ended::Killed),
            _ = self.shutdown.cancelled(), if or_shutdown => Err(Ended::ShuttingDown),
        }
    }

    /// Tells the peer why the connection ends, lets its documents and the hub forget it, and
    /// lingers until the peer closes too.
    async fn finish(self, ended: Ended, stream: &mut SplitStream<WebSocket>) {
        match ended {
            Ended::Refused(why) => self
                .outbox
                .send(Outgoing::Close(self.session.error_frame(&why))),
            Ended::Session(frame) => self.outbox.send(Outgoing::Close(frame)),
            Ended::ShuttingDown => self.outbox.send(Outgoing::Close(Vec::new())),
            Ended::PeerClosed | Ended::Killed | Ended::Silent => {}
        }
        let hub = &self.app.hub;
        if let Some(peer) = self.joined.as_ref() {
            for id in &self.touched {
                // Never dropped: the peer's sync state is saved and the document forgets it.
                hub.peer_gone(*id, peer, self.conn).await;
            }
            hub.peer_left(peer, self.conn);
        }
        if let Some(p) = &self.principal {
            hub.device_disconnected(&p.device, self.conn);
        }
        // Dropping our outbox lets the writer finish once the actors drop theirs; a close
        // already queued goes out first.
        drop(self.outbox);
        linger(stream).await;
    }
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
