//! The wire protocol against the running server with a raw client built on sync-core's
//! `ClientSession`: live fan-out, refusal messages, and malformed input.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linli_sync_core::automerge::{transaction::Transactable, Automerge, ROOT};
use linli_sync_core::client::{ClientEvent, ClientSession};
use linli_sync_core::wire::{PeerId, PeerMetadata};
use linli_sync_core::DocumentId;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::{field_client, sync_ok, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A connected raw client (also used by `limits.rs`).
pub(crate) struct Raw {
    pub(crate) ws: Ws,
    pub(crate) session: ClientSession,
    pub(crate) events: Vec<ClientEvent>,
}

impl Raw {
    pub(crate) async fn connect(url: &str, name: &str) -> Self {
        let (mut ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        let session = ClientSession::new(PeerId(name.into()), PeerMetadata::default());
        ws.send(Message::Binary(session.join_frame().into()))
            .await
            .unwrap();
        let mut raw = Self {
            ws,
            session,
            events: Vec::new(),
        };
        raw.until(|r| r.session.is_connected()).await;
        raw
    }

    pub(crate) async fn flush(&mut self) {
        for frame in self.session.poll_frames() {
            self.ws.send(Message::Binary(frame.into())).await.unwrap();
        }
    }

    /// Pumps frames until `done` holds (or fails after 20 s).
    pub(crate) async fn until(&mut self, done: impl Fn(&Self) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(self) {
            self.flush().await;
            let next = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .expect("condition reached within 20 s");
            match next {
                Some(Ok(Message::Binary(bytes))) => {
                    let events = self.session.handle_frame(&bytes).expect("valid frame");
                    self.events.extend(events);
                }
                Some(Ok(_)) => {}
                other => panic!("connection ended: {other:?}"),
            }
        }
        self.flush().await;
    }
}

/// A field client that put a volunteer's record on `server`, and a raw peer in step with
/// that record (its events cleared).
async fn writer_and_listener(
    db: &TestDb,
    server: &ServerProcess,
    user: &str,
    name: &str,
) -> (linli_field::FieldClient, DocumentId, Raw) {
    let mut writer = field_client(db.dir.path(), "writer").await;
    let id = writer
        .create_volunteer("c01/s01/m01", user, name)
        .await
        .unwrap();
    sync_ok(&mut writer, server).await;
    let mut listener = Raw::connect(&server.ws_url(), "listener").await;
    listener.session.request(id);
    listener.until(|r| r.session.is_synced(&id)).await;
    listener.events.clear();
    (writer, id, listener)
}

/// The writer logs `minutes` and syncs; the listener, sending nothing, receives the entry.
async fn logged_hours_reach(
    writer: &mut linli_field::FieldClient,
    server: &ServerProcess,
    listener: &mut Raw,
    id: DocumentId,
    minutes: i64,
) {
    let entry = writer
        .log_hours(&id, "2026-11-23", minutes, "陪护就医", "elderly")
        .await
        .unwrap();
    sync_ok(writer, server).await;
    listener
        .until(|r| r.events.contains(&ClientEvent::Changed(id)))
        .await;
    let json = linli_sync_core::contract::to_json(listener.session.doc(&id).unwrap());
    assert_eq!(json["entries"][&entry]["minutes"], minutes);
}

/// A peer that only listens receives another device's change as soon as it is committed.
async fn committed_changes_fan_out_to_idle_peers(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start(&db, &[]).await;
    let (mut writer, id, mut listener) = writer_and_listener(&db, &server, "vol-w", "孙八").await;
    // The listener sends nothing new; the change arrives on its own.
    logged_hours_reach(&mut writer, &server, &mut listener, id, 50).await;
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(committed_changes_fan_out_to_idle_peers);

/// What `/api/status` says of documents in memory: (loaded, parked).
async fn documents_in_memory(server: &ServerProcess) -> (u64, u64) {
    let (_, body) = crate::harness::http_get(&server.addr, "/api/status")
        .await
        .expect("status");
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    (
        status["documents_loaded"].as_u64().unwrap(),
        status["documents_parked"].as_u64().unwrap(),
    )
}

/// Waits (up to 10 s) until the server holds `want` documents (loaded, parked).
async fn until_in_memory(server: &ServerProcess, want: (u64, u64), what: &str) {
    let mut seen = (u64::MAX, u64::MAX);
    for _ in 0..100 {
        seen = documents_in_memory(server).await;
        if seen == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: (loaded, parked) stayed {seen:?}, not {want:?}");
}

/// A document whose peer stays connected but quiet leaves memory (it is parked: issue #21,
/// idle peers); a change another device makes later still reaches the quiet peer at once,
/// and when the peer leaves, the parked document is forgotten without being loaded again.
async fn a_quiet_document_is_parked_and_its_peer_still_gets_changes(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start(&db, &["--park-after-secs", "1"]).await;
    let (mut writer, id, mut listener) = writer_and_listener(&db, &server, "vol-p", "周九").await;
    until_in_memory(&server, (0, 1), "the quiet document is parked").await;

    logged_hours_reach(&mut writer, &server, &mut listener, id, 40).await;
    until_in_memory(&server, (0, 1), "parked again once quiet").await;

    listener.ws.close(None).await.unwrap();
    until_in_memory(
        &server,
        (0, 0),
        "a parked document forgets a peer that left",
    )
    .await;
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(a_quiet_document_is_parked_and_its_peer_still_gets_changes);

/// The server's peer id travels in every sync message, so it is as short as the anchors'
/// (`node-anchor`, 11 bytes): a thousand documents in step must not cost more bytes than
/// on the stock servers. Two server processes get different ids.
#[tokio::test]
async fn the_server_peer_id_is_short_and_per_process() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let mut ids = Vec::new();
    for name in ["first", "second"] {
        let server = ServerProcess::start(&db, &[]).await;
        let raw = Raw::connect(&server.ws_url(), name).await;
        let server_id = raw
            .events
            .iter()
            .find_map(|e| match e {
                ClientEvent::Connected { server } => Some(server.0.clone()),
                _ => None,
            })
            .expect("peer message");
        assert!(
            server_id.len() <= "node-anchor".len(),
            "server peer id {server_id:?} is longer than the anchors'"
        );
        ids.push(server_id);
        server.stop().await;
    }
    assert_ne!(ids[0], ids[1], "each process has its own peer id");
    db.cleanup().await;
}

/// A new document without a valid root gets an `error` naming the rule that refused it.
#[tokio::test]
async fn invalid_root_is_answered_with_the_reason() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = ServerProcess::start(&db, &[]).await;
    let mut raw = Raw::connect(&server.ws_url(), "bad-root").await;
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "kind", "household").unwrap();
    tx.put(ROOT, "schema", 1).unwrap();
    tx.put(ROOT, "org", "c01/s01").unwrap();
    tx.commit();
    let id = DocumentId::from_bytes(rand::random());
    raw.session.insert(id, doc, None);
    raw.until(|r| r.events.iter().any(|e| matches!(e, ClientEvent::Error(_))))
        .await;
    let message = raw
        .events
        .iter()
        .find_map(|e| match e {
            ClientEvent::Error(m) => Some(m.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        message.contains("refused")
            && message.contains("household must be scoped to an org path of depth [4]"),
        "{message}"
    );
    let items = db.store().await.quarantined().await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].peer.as_deref(), Some("bad-root"));
    server.stop().await;
}

/// Garbage on one connection ends that connection with an `error`; everyone else carries on
/// and nothing stored is harmed.
#[tokio::test]
async fn malformed_frames_end_only_their_connection() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = ServerProcess::start(&db, &[]).await;
    let mut good = field_client(db.dir.path(), "good").await;
    let id = good
        .create_volunteer("c01/s01/m01", "vol-g", "周九")
        .await
        .unwrap();
    sync_ok(&mut good, &server).await;

    for garbage in [
        vec![0xff, 0x00, 0x13],
        vec![0xa1, 0x61],
        b"not cbor at all".to_vec(),
    ] {
        let (mut ws, _) = tokio_tungstenite::connect_async(server.ws_url())
            .await
            .unwrap();
        ws.send(Message::Binary(garbage.into())).await.unwrap();
        let mut saw_error = false;
        while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await
        {
            match msg {
                Message::Binary(bytes) => {
                    let decoded = linli_sync_core::wire::decode(&bytes).unwrap();
                    assert_eq!(decoded.type_name(), "error");
                    saw_error = true;
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
        assert!(saw_error, "the server explains before closing");
    }

    good.log_hours(&id, "2026-11-24", 30, "垃圾分类宣传", "environment")
        .await
        .unwrap();
    sync_ok(&mut good, &server).await;
    assert_eq!(good.status().await.unwrap().pending_changes, 0);
    server.stop().await;
}
