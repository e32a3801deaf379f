//! The automerge-repo network protocol, version "1": message types and their CBOR codec.
//!
//! Field names and shapes follow `@automerge/automerge-repo` (network/messages.ts) and its
//! websocket adapter (messages.ts). One websocket binary frame carries one message.

mod codec;

pub use codec::{decode, encode, DecodeError};

use std::collections::BTreeMap;

/// The only protocol version this implementation speaks.
pub const PROTOCOL_V1: &str = "1";

/// A peer's id on the wire (any string the peer chooses).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub String);

impl PeerId {
    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for PeerId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl std::fmt::Display for PeerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a peer says about itself in `join` and `peer`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// Present when the peer has durable storage; sync state may then be kept across connections.
    pub storage_id: Option<String>,
    /// True for peers that keep nothing (e.g. a browser tab without storage).
    pub is_ephemeral: Option<bool>,
}

/// Message body shared by `sync` and `request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocMessage {
    pub sender_id: PeerId,
    pub target_id: PeerId,
    /// The document id exactly as the peer wrote it.
    pub document_id: String,
    /// An encoded automerge sync message.
    pub data: Vec<u8>,
}

/// The heads one storage holds of a document (for `remote-heads-changed`).
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteHeads {
    pub heads: Vec<String>,
    pub timestamp: f64,
}

/// Every message of protocol version "1".
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// Client → server: opens the conversation.
    Join {
        sender_id: PeerId,
        peer_metadata: PeerMetadata,
        supported_protocol_versions: Vec<String>,
    },
    /// Server → client: answers `join`.
    Peer {
        sender_id: PeerId,
        peer_metadata: PeerMetadata,
        selected_protocol_version: String,
        target_id: PeerId,
    },
    /// Either way: something went wrong; the sender may close the connection after it.
    Error {
        sender_id: PeerId,
        message: String,
        target_id: PeerId,
    },
    /// An automerge sync message for one document.
    Sync(DocMessage),
    /// Like `sync`, sent by a peer that has no copy of the document.
    Request(DocMessage),
    /// The sender cannot or will not serve the document.
    DocUnavailable {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: String,
    },
    /// Transient data (cursors, presence) relayed to the other peers of a document.
    Ephemeral {
        sender_id: PeerId,
        target_id: PeerId,
        count: u64,
        session_id: String,
        document_id: String,
        data: Vec<u8>,
    },
    /// Subscribe to / unsubscribe from heads of remote storages.
    RemoteSubscriptionChange {
        sender_id: PeerId,
        target_id: PeerId,
        add: Vec<String>,
        remove: Vec<String>,
    },
    /// Heads of a document at other storages.
    RemoteHeadsChanged {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: String,
        new_heads: BTreeMap<String, RemoteHeads>,
    },
}

impl Message {
    /// The `type` string of this message on the wire.
    pub fn type_name(&self) -> &'static str {
        match self {
            Message::Join { .. } => "join",
            Message::Peer { .. } => "peer",
            Message::Error { .. } => "error",
            Message::Sync(_) => "sync",
            Message::Request(_) => "request",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral { .. } => "ephemeral",
            Message::RemoteSubscriptionChange { .. } => "remote-subscription-change",
            Message::RemoteHeadsChanged { .. } => "remote-heads-changed",
        }
    }

    /// Who sent the message.
    pub fn sender_id(&self) -> &PeerId {
        match self {
            Message::Join { sender_id, .. }
            | Message::Peer { sender_id, .. }
            | Message::Error { sender_id, .. }
            | Message::DocUnavailable { sender_id, .. }
            | Message::Ephemeral { sender_id, .. }
            | Message::RemoteSubscriptionChange { sender_id, .. }
            | Message::RemoteHeadsChanged { sender_id, .. } => sender_id,
            Message::Sync(m) | Message::Request(m) => &m.sender_id,
        }
    }
}
