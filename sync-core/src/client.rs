//! A client's side of the protocol: joins a server, keeps one sync state per document, applies
//! what the server sends and produces what to send back. Used by the Rust field client and by
//! the in-memory test harness; no IO.

use std::collections::{BTreeMap, BTreeSet};

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};

use crate::document_id::DocumentId;
use crate::wire::{self, DocMessage, Message, PeerId, PeerMetadata, PROTOCOL_V1};

/// Something the server told the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// The handshake completed.
    Connected { server: PeerId },
    /// A document changed because of what the server sent.
    Changed(DocumentId),
    /// The server does not have (or will not share) a document.
    Unavailable(DocumentId),
    /// The server reported an error.
    Error(String),
}

/// Why a frame from the server could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("malformed message from server: {0}")]
    Decode(#[from] wire::DecodeError),
    #[error("bad sync message for {0}: {1}")]
    Sync(DocumentId, String),
}

struct ClientDoc {
    doc: Automerge,
    sync: sync::State,
    /// True when we hold no copy and asked the server for one.
    requested: bool,
}

/// A client session over any number of documents.
pub struct ClientSession {
    local: PeerId,
    metadata: PeerMetadata,
    server: Option<PeerId>,
    docs: BTreeMap<DocumentId, ClientDoc>,
    unavailable: BTreeSet<DocumentId>,
}

impl ClientSession {
    /// A session that will join as `local`.
    pub fn new(local: PeerId, metadata: PeerMetadata) -> Self {
        Self {
            local,
            metadata,
            server: None,
            docs: BTreeMap::new(),
            unavailable: BTreeSet::new(),
        }
    }

    /// The `join` frame that opens a connection.
    pub fn join_frame(&self) -> Vec<u8> {
        wire::encode(&Message::Join {
            sender_id: self.local.clone(),
            peer_metadata: self.metadata.clone(),
            supported_protocol_versions: vec![PROTOCOL_V1.to_owned()],
        })
    }

    /// True once the server answered `join`.
    pub fn is_connected(&self) -> bool {
        self.server.is_some()
    }

    /// Adds a document held locally, resuming from a persisted sync state if given.
    pub fn insert(&mut self, id: DocumentId, doc: Automerge, resume: Option<sync::State>) {
        self.docs.insert(
            id,
            ClientDoc {
                doc,
                sync: resume.unwrap_or_default(),
                requested: false,
            },
        );
    }

    /// Drops a local document (the server no longer shares it); returns it if it was held.
    pub fn remove(&mut self, id: &DocumentId) -> Option<Automerge> {
        self.unavailable.remove(id);
        self.docs.remove(id).map(|d| d.doc)
    }

    /// Asks the server for a document we have no copy of.
    pub fn request(&mut self, id: DocumentId) {
        self.unavailable.remove(&id);
        self.docs.entry(id).or_insert_with(|| ClientDoc {
            doc: Automerge::new(),
            sync: sync::State::new(),
            requested: true,
        });
    }

    /// The local copy of a document.
    pub fn doc(&self, id: &DocumentId) -> Option<&Automerge> {
        self.docs.get(id).map(|d| &d.doc)
    }

    /// Mutable access to a local document, to make changes.
    pub fn doc_mut(&mut self, id: &DocumentId) -> Option<&mut Automerge> {
        self.docs.get_mut(id).map(|d| &mut d.doc)
    }

    /// The ids of all local documents.
    pub fn ids(&self) -> impl Iterator<Item = &DocumentId> {
        self.docs.keys()
    }

    /// Documents the server said it does not have.
    pub fn unavailable(&self) -> &BTreeSet<DocumentId> {
        &self.unavailable
    }

    /// The sync state of a document, to persist between connections.
    pub fn sync_state(&self, id: &DocumentId) -> Option<&sync::State> {
        self.docs.get(id).map(|d| &d.sync)
    }

    /// True when the server is known to have exactly our heads of this document.
    pub fn is_synced(&self, id: &DocumentId) -> bool {
        self.docs.get(id).is_some_and(|d| {
            let ours: BTreeSet<ChangeHash> = d.doc.get_heads().into_iter().collect();
            let theirs: Option<BTreeSet<ChangeHash>> = d
                .sync
                .their_heads
                .as_ref()
                .map(|h| h.iter().copied().collect());
            theirs.as_ref() == Some(&ours)
        })
    }

    /// The connection dropped: forget the in-flight parts of every sync state.
    pub fn disconnected(&mut self) {
        self.server = None;
        for d in self.docs.values_mut() {
            d.sync = sync::State::decode(&d.sync.encode()).unwrap_or_default();
        }
    }

    /// Handles one frame from the server.
    pub fn handle_frame(&mut self, frame: &[u8]) -> Result<Vec<ClientEvent>, ClientError> {
        let mut events = Vec::new();
        match wire::decode(frame)? {
            Message::Peer { sender_id, .. } => {
                self.server = Some(sender_id.clone());
                events.push(ClientEvent::Connected { server: sender_id });
            }
            Message::Sync(body) | Message::Request(body) => {
                let Ok(id) = DocumentId::parse(&body.document_id) else {
                    return Ok(events);
                };
                let msg = sync::Message::decode(&body.data)
                    .map_err(|e| ClientError::Sync(id, e.to_string()))?;
                let entry = self.docs.entry(id).or_insert_with(|| ClientDoc {
                    doc: Automerge::new(),
                    sync: sync::State::new(),
                    requested: false,
                });
                let before = entry.doc.get_heads();
                entry
                    .doc
                    .receive_sync_message(&mut entry.sync, msg)
                    .map_err(|e| ClientError::Sync(id, e.to_string()))?;
                if entry.doc.get_heads() != before {
                    entry.requested = false;
                    events.push(ClientEvent::Changed(id));
                }
            }
            Message::DocUnavailable { document_id, .. } => {
                if let Ok(id) = DocumentId::parse(&document_id) {
                    if self.docs.get(&id).is_some_and(|d| d.requested) {
                        self.docs.remove(&id);
                    }
                    self.unavailable.insert(id);
                    events.push(ClientEvent::Unavailable(id));
                }
            }
            Message::Error { message, .. } => events.push(ClientEvent::Error(message)),
            _ => {}
        }
        Ok(events)
    }

    /// Frames to send now: a sync (or request) message for every document that needs one.
    pub fn poll_frames(&mut self) -> Vec<Vec<u8>> {
        let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
        ids.iter().filter_map(|id| self.poll_document(id)).collect()
    }

    /// The frame to send now for one document, if it needs one (cheaper than
    /// [`Self::poll_frames`] when only this document changed).
    pub fn poll_document(&mut self, id: &DocumentId) -> Option<Vec<u8>> {
        let server = self.server.clone()?;
        let d = self.docs.get_mut(id)?;
        let msg = d.doc.generate_sync_message(&mut d.sync)?;
        let body = DocMessage {
            sender_id: self.local.clone(),
            target_id: server,
            document_id: id.to_string(),
            data: msg.encode(),
        };
        Some(wire::encode(&if d.requested {
            Message::Request(body)
        } else {
            Message::Sync(body)
        }))
    }
}
