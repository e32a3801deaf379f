//! Frames captured from `@automerge/automerge-repo` 2.5.6 (see fixtures/js/README.md) decode,
//! re-encode to the same message, and drive the server core to the document the JS client made.

use std::path::PathBuf;

use linli_sync_core::automerge::sync;
use linli_sync_core::connection::{Inbound, ServerConnection};
use linli_sync_core::contract::{to_json, validate_root, Kind};
use linli_sync_core::doc_sync::{DocumentSync, Pending};
use linli_sync_core::wire::{self, Message, PeerId, PeerMetadata};
use serde_json::Value;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/js")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(fixtures_dir().join("manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn frames() -> Vec<(Value, Vec<u8>)> {
    manifest()["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().expect("file");
            let bytes = std::fs::read(fixtures_dir().join(file)).expect("fixture file");
            (f.clone(), bytes)
        })
        .collect()
}

#[test]
fn every_captured_frame_decodes_as_its_manifest_says() {
    let frames = frames();
    assert!(frames.len() >= 20, "expected the full capture");
    let mut types = std::collections::BTreeSet::new();
    for (meta, bytes) in &frames {
        assert_eq!(meta["bytes"].as_u64(), Some(bytes.len() as u64));
        let msg = wire::decode(bytes).unwrap_or_else(|e| panic!("{}: {e}", meta["file"]));
        assert_eq!(
            msg.type_name(),
            meta["type"].as_str().unwrap(),
            "{}",
            meta["file"]
        );
        types.insert(msg.type_name());
        if let Some(doc) = meta["documentId"].as_str() {
            let id = match &msg {
                Message::Sync(m) | Message::Request(m) => m.document_id.clone(),
                Message::DocUnavailable { document_id, .. }
                | Message::Ephemeral { document_id, .. } => document_id.clone(),
                other => panic!("unexpected {other:?}"),
            };
            assert_eq!(id, doc);
            linli_sync_core::DocumentId::parse(&id).expect("a valid bs58check id");
        }
        if let Message::Sync(m) | Message::Request(m) = &msg {
            sync::Message::decode(&m.data).expect("data is an automerge sync message");
        }
    }
    for t in [
        "join",
        "peer",
        "sync",
        "request",
        "doc-unavailable",
        "ephemeral",
        "error",
    ] {
        assert!(types.contains(t), "no `{t}` frame captured");
    }
}

#[test]
fn captured_frames_survive_our_encoder() {
    for (meta, bytes) in frames() {
        let msg = wire::decode(&bytes).unwrap();
        let again = wire::decode(&wire::encode(&msg)).unwrap();
        assert_eq!(again, msg, "{}", meta["file"]);
    }
}

#[test]
fn javascript_join_carries_undefined_storage_id_as_absent() {
    let (_, bytes) = frames()
        .into_iter()
        .find(|(m, _)| m["type"] == "join")
        .unwrap();
    let Message::Join {
        peer_metadata,
        supported_protocol_versions,
        ..
    } = wire::decode(&bytes).unwrap()
    else {
        panic!("not a join")
    };
    assert_eq!(supported_protocol_versions, vec!["1".to_string()]);
    assert_eq!(peer_metadata.storage_id, None);
}

/// Replays client A's frames into our server core, committing whenever asked, and checks that
/// the document ends up as the JavaScript client left it.
#[test]
fn replaying_the_javascript_client_builds_its_document() {
    let manifest = manifest();
    let mut conn = ServerConnection::new(PeerId::from("server"), PeerMetadata::default());
    let mut doc = DocumentSync::tentative(linli_sync_core::automerge::ActorId::random());
    let mut committed = 0;
    for (meta, bytes) in frames() {
        if meta["from"] != "client" || meta["connection"] != "A" {
            continue;
        }
        match conn.handle_frame(&bytes) {
            Inbound::Reply(frames) => assert_eq!(frames.len(), 1),
            Inbound::Doc {
                is_request,
                message,
                ..
            } => {
                doc.receive(&message.sender_id, is_request, &message.data, 0)
                    .expect("applies");
                if let Pending::Commit(c) = doc.take_commit() {
                    committed += c.changes.len();
                    doc.committed(&c);
                }
                doc.poll_outgoing();
            }
            Inbound::Ephemeral { .. } | Inbound::Nothing => {}
            Inbound::Close(_) => panic!("closed on {}", meta["file"]),
        }
    }
    assert!(committed >= 2, "both changes were committed");
    let root = validate_root(doc.doc()).expect("the JS document is a valid volunteer");
    assert_eq!(root.kind, Kind::Volunteer);
    assert_eq!(to_json(doc.doc()), manifest["finalDoc"]);
}
