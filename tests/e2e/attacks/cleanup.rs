//! Item 6: connections ended by a protocol error leaked, and shutdown hung. After a garbage
//! frame, a spoofed `senderId`, a second join or a client-sent `peer`, the server skipped its
//! peer-left cleanup: the peer count grew, documents stayed loaded for ever, and SIGTERM no
//! longer stopped the server. Now every way a connection ends cleans up after it.

use std::time::Duration;

use futures_util::SinkExt;
use linli_sync_core::automerge::Automerge;
use linli_sync_core::wire::{self, Message as Wire, PeerId, PeerMetadata};
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{field_client, http_get, sync_ok, Backend, ServerProcess, TestDb};
use crate::on_both_backends;
use crate::protocol::Raw;

async fn status(server: &ServerProcess) -> serde_json::Value {
    let (_, body) = http_get(&server.addr, "/api/status").await.expect("status");
    serde_json::from_str(&body).unwrap()
}

async fn protocol_errors_clean_up_after_themselves(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start(&db, &["--evict-after-secs", "1"]).await;
    // A stored document each abuser syncs first.
    let mut writer = field_client(db.dir.path(), "writer").await;
    let id = writer
        .create_household("c01/s01/m01/g01", "和平路 5号", Some("周强"))
        .await
        .unwrap()
        .0;
    sync_ok(&mut writer, &server).await;

    let spoofed = wire::encode(&Wire::Join {
        sender_id: PeerId("someone-else".into()),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: vec!["1".into()],
    });
    let peer_frame = wire::encode(&Wire::Peer {
        sender_id: PeerId("me".into()),
        peer_metadata: PeerMetadata::default(),
        selected_protocol_version: "1".into(),
        target_id: PeerId("server".into()),
    });
    let endings: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", vec![0xff, 0x00, 0x13, 0x37]),
        ("second join", spoofed),
        ("client-sent peer", peer_frame),
    ];
    for (n, (what, frame)) in endings.into_iter().enumerate() {
        let mut raw = Raw::connect(&server.ws_url(), &format!("abuser-{n}")).await;
        raw.session.request(id);
        raw.until(|r| {
            r.session
                .doc(&id)
                .is_some_and(|d: &Automerge| !d.get_heads().is_empty())
        })
        .await;
        raw.ws.send(Message::Binary(frame.into())).await.unwrap();
        // The server ends the connection; wait until it has.
        let mut closed = false;
        for _ in 0..100 {
            if status(&server).await["peers_connected"] == 0 {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            closed,
            "{what}: the peer is forgotten: {}",
            status(&server).await
        );
    }
    // Unused, the document is evicted.
    let mut evicted = false;
    for _ in 0..100 {
        if status(&server).await["documents_loaded"] == 0 {
            evicted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(evicted, "documents are unloaded: {}", status(&server).await);
    // And SIGTERM stops the server (ServerProcess::stop insists, within 30 s).
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(protocol_errors_clean_up_after_themselves);
