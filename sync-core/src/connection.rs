//! The server's side of one connection: the `join`/`peer` handshake and routing of the
//! messages that follow. Frames in, [`Inbound`] events out; no IO.

use crate::document_id::DocumentId;
use crate::wire::{self, DocMessage, Message, PeerId, PeerMetadata, PROTOCOL_V1};

/// What the owner of a connection must do with one incoming frame.
#[derive(Debug, PartialEq)]
pub enum Inbound {
    /// Send these frames back (e.g. `peer` in answer to `join`).
    Reply(Vec<Vec<u8>>),
    /// A `sync` or `request` for a document.
    Doc {
        document_id: DocumentId,
        is_request: bool,
        message: DocMessage,
    },
    /// An `ephemeral` message to relay to the document's other peers.
    Ephemeral {
        document_id: DocumentId,
        message: Message,
    },
    /// Nothing to do (messages accepted and ignored, such as `remote-heads-changed`).
    Nothing,
    /// Send this frame, then close the connection.
    Close(Vec<u8>),
}

#[derive(Debug)]
enum Phase {
    AwaitingJoin,
    Joined {
        remote: PeerId,
        metadata: PeerMetadata,
    },
    Closed,
}

/// Handshake and routing state of one server-side connection.
#[derive(Debug)]
pub struct ServerConnection {
    local: PeerId,
    local_metadata: PeerMetadata,
    phase: Phase,
}

impl ServerConnection {
    /// A connection on which the server speaks as `local` with `local_metadata`.
    pub fn new(local: PeerId, local_metadata: PeerMetadata) -> Self {
        Self {
            local,
            local_metadata,
            phase: Phase::AwaitingJoin,
        }
    }

    /// The remote peer, once joined.
    pub fn remote(&self) -> Option<&PeerId> {
        match &self.phase {
            Phase::Joined { remote, .. } => Some(remote),
            _ => None,
        }
    }

    /// What the remote peer said about itself, once joined.
    pub fn remote_metadata(&self) -> Option<&PeerMetadata> {
        match &self.phase {
            Phase::Joined { metadata, .. } => Some(metadata),
            _ => None,
        }
    }

    /// An `error` frame for the remote peer (or for an unnamed one before `join`).
    pub fn error_frame(&self, text: &str) -> Vec<u8> {
        let target = self
            .remote()
            .cloned()
            .unwrap_or_else(|| PeerId(String::new()));
        wire::encode(&Message::Error {
            sender_id: self.local.clone(),
            message: text.to_owned(),
            target_id: target,
        })
    }

    /// A frame addressed to the remote peer. Panics if called before `join`.
    pub fn sync_frame(&self, document_id: &str, data: Vec<u8>) -> Vec<u8> {
        wire::encode(&Message::Sync(DocMessage {
            sender_id: self.local.clone(),
            target_id: self
                .remote()
                .cloned()
                .unwrap_or_else(|| PeerId(String::new())),
            document_id: document_id.to_owned(),
            data,
        }))
    }

    /// A `doc-unavailable` frame for the remote peer.
    pub fn unavailable_frame(&self, document_id: &str) -> Vec<u8> {
        wire::encode(&Message::DocUnavailable {
            sender_id: self.local.clone(),
            target_id: self
                .remote()
                .cloned()
                .unwrap_or_else(|| PeerId(String::new())),
            document_id: document_id.to_owned(),
        })
    }

    /// Handles one incoming frame.
    pub fn handle_frame(&mut self, frame: &[u8]) -> Inbound {
        if matches!(self.phase, Phase::Closed) {
            return Inbound::Nothing;
        }
        let message = match wire::decode(frame) {
            Ok(m) => m,
            Err(e) => return self.close(&format!("malformed message: {e}")),
        };
        match (&self.phase, message) {
            (
                _,
                Message::Join {
                    sender_id,
                    peer_metadata,
                    supported_protocol_versions,
                },
            ) => {
                if let Phase::Joined { remote, .. } = &self.phase {
                    if *remote != sender_id {
                        return self.close("a connection may join as one peer only");
                    }
                }
                if !supported_protocol_versions.iter().any(|v| v == PROTOCOL_V1) {
                    self.phase = Phase::Joined {
                        remote: sender_id,
                        metadata: peer_metadata,
                    };
                    return self.close("unsupported protocol version");
                }
                let reply = wire::encode(&Message::Peer {
                    sender_id: self.local.clone(),
                    peer_metadata: self.local_metadata.clone(),
                    selected_protocol_version: PROTOCOL_V1.to_owned(),
                    target_id: sender_id.clone(),
                });
                self.phase = Phase::Joined {
                    remote: sender_id,
                    metadata: peer_metadata,
                };
                Inbound::Reply(vec![reply])
            }
            (Phase::AwaitingJoin, _) => self.close("the first message must be `join`"),
            (Phase::Joined { remote, .. }, message) => {
                if message.sender_id() != remote {
                    return self.close("senderId does not match the joined peer");
                }
                self.route(message)
            }
            (Phase::Closed, _) => Inbound::Nothing,
        }
    }

    fn route(&mut self, message: Message) -> Inbound {
        match message {
            Message::Sync(body) | Message::Request(body) if body.data.is_empty() => {
                let _ = body;
                self.close("sync data must not be empty")
            }
            Message::Sync(body) => self.doc(body, false),
            Message::Request(body) => self.doc(body, true),
            Message::Ephemeral {
                ref document_id, ..
            } => match DocumentId::parse(document_id) {
                Ok(id) => Inbound::Ephemeral {
                    document_id: id,
                    message,
                },
                Err(_) => Inbound::Nothing,
            },
            Message::Error { .. } => {
                self.phase = Phase::Closed;
                Inbound::Close(Vec::new())
            }
            Message::Peer { .. } => self.close("`peer` is sent by servers only"),
            Message::DocUnavailable { .. }
            | Message::RemoteSubscriptionChange { .. }
            | Message::RemoteHeadsChanged { .. }
            | Message::Join { .. } => Inbound::Nothing,
        }
    }

    fn doc(&mut self, body: DocMessage, is_request: bool) -> Inbound {
        match DocumentId::parse(&body.document_id) {
            Ok(document_id) => Inbound::Doc {
                document_id,
                is_request,
                message: body,
            },
            // An id we cannot parse names no document we have.
            Err(_) => Inbound::Reply(vec![self.unavailable_frame(&body.document_id)]),
        }
    }

    fn close(&mut self, reason: &str) -> Inbound {
        let frame = self.error_frame(reason);
        self.phase = Phase::Closed;
        Inbound::Close(frame)
    }
}
