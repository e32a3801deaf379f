//! What the fuzz targets run, as plain functions, so that every input the fuzzer ever found
//! troublesome is replayed by `cargo test` (tests/regressions.rs) on stable Rust.

use std::collections::HashMap;

mod api;
pub use api::{api_json, CALLERS, ENDPOINTS};

use linli_sync_core::access::{Principal, Role};
use linli_sync_core::automerge::ActorId;
use linli_sync_core::connection::{Inbound, ServerConnection};
use linli_sync_core::contract::org::OrgPath;
use linli_sync_core::doc_sync::{DocumentSync, Pending};
use linli_sync_core::wire::{decode, encode, Message, PeerId, PeerMetadata, PROTOCOL_V1};
use linli_sync_core::DocumentId;

/// Any bytes a peer sends as one websocket frame: decoding never panics, and what decodes
/// encodes and decodes again to the same message.
pub fn decode_message(frame: &[u8]) {
    if let Ok(message) = decode(frame) {
        let again = decode(&encode(&message)).expect("what we encode decodes");
        assert_eq!(again, message);
    }
}

/// Any string as a document id (bs58check, `automerge:` URLs, legacy UUIDs): parsing never
/// panics, and a parsed id round-trips through its URL form.
pub fn document_id(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    if let Ok(id) = DocumentId::parse(text) {
        assert_eq!(DocumentId::parse(&id.url()).expect("own URL parses"), id);
    }
}

/// Splits fuzz input into frames, each preceded by its length as two little-endian bytes.
pub fn frames(mut input: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while input.len() >= 2 {
        let len = u16::from_le_bytes([input[0], input[1]]) as usize;
        input = &input[2..];
        let take = len.min(input.len());
        out.push(&input[..take]);
        input = &input[take..];
    }
    out
}

/// The whole ingest path as the server runs it, minus the database: frame bytes → the
/// connection's handshake and routing → the document's sync session → the access policy →
/// the commit decision (commit, compensate, quarantine, refuse) → the replies. A well-formed
/// `join` goes first so the fuzzer starts past the handshake (it may send its own too). The
/// peer is a grid worker; most commits are treated as durable, every fifth rolled back.
pub fn ingest(input: &[u8]) {
    let server = PeerId::from("server");
    let mut conn = ServerConnection::new(server, PeerMetadata::default());
    let join = encode(&Message::Join {
        sender_id: PeerId::from("phone"),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: vec![PROTOCOL_V1.to_owned()],
    });
    let _ = conn.handle_frame(&join);
    let worker = Principal {
        user: "worker".into(),
        role: Role::Worker,
        org: OrgPath::parse("c01/s01/m01/g01").expect("valid org"),
        device: "device".into(),
        extra_read: Vec::new(),
    };
    let mut docs: HashMap<DocumentId, DocumentSync> = HashMap::new();
    for (n, frame) in frames(input).into_iter().enumerate() {
        match conn.handle_frame(frame) {
            Inbound::Doc {
                document_id,
                is_request,
                message,
            } => {
                let peer = message.sender_id.clone();
                let doc = docs.entry(document_id).or_insert_with(|| {
                    let mut d = DocumentSync::tentative(ActorId::from(vec![0xee; 16]));
                    d.add_peer(peer.clone(), Some(worker.clone()), None);
                    d
                });
                let _ = doc.receive(&peer, is_request, &message.data, n as i64);
                match doc.take_commit() {
                    Pending::Commit(commit) if n % 5 != 4 => doc.committed(&commit),
                    Pending::Commit(commit) => {
                        doc.rollback(&commit);
                    }
                    Pending::Refused(..) | Pending::Nothing => {}
                }
                let _ = doc.poll_outgoing();
            }
            Inbound::Close(_) => break,
            _ => {}
        }
    }
}
