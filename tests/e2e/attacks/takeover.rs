//! Item 7: peer id takeover. A volunteer joining with a worker's peer id disconnected the
//! worker six times in eight seconds: a new connection with a peer id ended the older one,
//! whoever made it. Now a peer id belongs to the device whose connection holds it: the same
//! device may take it over (a reconnect), another device's join is refused.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linli_sync_core::client::ClientEvent;
use linli_sync_core::wire::{self, Message as Wire, PeerId, PeerMetadata};
use linli_sync_core::DocumentId;
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{Backend, ServerProcess, TestDb};
use crate::on_both_backends;
use crate::protocol::Raw;
use crate::records::ws_with;

async fn another_device_cannot_take_a_peer_id(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("worker", "worker", "c01/s01/m01/g01", None)
        .await;
    db.add_user("vol", "volunteer", "c01/s01/m01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tw, tv) = (db.token("worker").await, db.token("vol").await);
    let mut worker = Raw::connect(&ws_with(&server, &tw), "peer-of-the-worker").await;

    for _ in 0..3 {
        let (mut ws, _) = tokio_tungstenite::connect_async(ws_with(&server, &tv))
            .await
            .expect("connect");
        let join = wire::encode(&Wire::Join {
            sender_id: PeerId("peer-of-the-worker".into()),
            peer_metadata: PeerMetadata::default(),
            supported_protocol_versions: vec!["1".into()],
        });
        ws.send(Message::Binary(join.into())).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an answer");
        let Some(Ok(Message::Binary(bytes))) = answer else {
            panic!("an error frame, not {answer:?}");
        };
        match wire::decode(&bytes).expect("a message") {
            Wire::Error { message, .. } => assert!(message.contains("in use"), "{message}"),
            other => panic!("the join is refused, not answered with {other:?}"),
        }
    }

    // The worker's connection is still there and serving.
    let unknown = DocumentId::from_bytes(rand::random());
    worker.session.request(unknown);
    worker
        .until(|r| r.events.contains(&ClientEvent::Unavailable(unknown)))
        .await;
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(another_device_cannot_take_a_peer_id);
