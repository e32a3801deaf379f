//! The server's side of one document: applies peers' sync messages, decides what must be
//! committed, and produces replies only once every change they reflect is durable.
//!
//! The owner drives it: [`DocumentSync::receive`] for each incoming message, then
//! [`DocumentSync::take_commit`]; if that yields a [`Commit`], persist it and call
//! [`DocumentSync::committed`] (or [`DocumentSync::rollback`] on failure); then send what
//! [`DocumentSync::poll_outgoing`] returns. Replies are never produced while a commit is owed,
//! which is how "acknowledged only after COMMIT" holds.

use std::collections::{BTreeMap, BTreeSet};

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};

use crate::contract::{root_is_empty, validate_root, ContractError, RootInfo};
use crate::wire::PeerId;

/// Whether the document is known to storage yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Existence {
    /// Not in storage: created by the first sync that carries a valid root.
    Tentative,
    /// In storage, with the root it was created with.
    Stored(RootInfo),
}

/// What [`DocumentSync::receive`] did with a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// Applied (possibly with nothing new in it).
    Applied,
    /// The peer asked for a document that does not exist: answer `doc-unavailable`.
    Unavailable,
    /// The peer's earlier changes to this document were refused; it is ignored until it
    /// reconnects.
    Ignored,
}

/// Why a message could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("sync data is not an automerge sync message: {0}")]
    BadSyncMessage(String),
    #[error("sync message carries changes automerge cannot apply: {0}")]
    BadChanges(String),
}

/// Changes that must be made durable before any reply is sent.
#[derive(Debug)]
pub struct Commit {
    /// Set when this commit creates the document.
    pub create: Option<RootInfo>,
    /// The new changes, in an order where dependencies come first.
    pub changes: Vec<automerge::Change>,
    /// The heads the document will have once the commit is durable.
    pub heads: Vec<ChangeHash>,
    /// Peers whose messages carried these changes.
    pub authors: BTreeSet<PeerId>,
}

/// A new document whose root broke the contract: keep its bytes in quarantine and tell the
/// peers that sent it.
#[derive(Debug)]
pub struct Refusal {
    pub reason: ContractError,
    /// The refused changes, raw.
    pub changes: Vec<Vec<u8>>,
    pub authors: BTreeSet<PeerId>,
}

/// The outcome of [`DocumentSync::take_commit`].
#[derive(Debug)]
pub enum Pending {
    /// Nothing to persist; replies may go out.
    Nothing,
    /// Persist this, then call `committed` or `rollback`.
    Commit(Commit),
    /// The document was refused and reset to empty; nothing is persisted but the quarantine.
    Refused(Refusal),
}

struct PeerState {
    sync: sync::State,
    refused: bool,
}

/// Server-side sync state for one document and all peers syncing it.
pub struct DocumentSync {
    doc: Automerge,
    existence: Existence,
    durable_heads: Vec<ChangeHash>,
    peers: BTreeMap<PeerId, PeerState>,
    /// Peers whose messages brought changes not yet committed.
    uncommitted_authors: BTreeSet<PeerId>,
    commit_in_flight: bool,
}

impl DocumentSync {
    /// A document loaded from storage.
    pub fn stored(doc: Automerge, root: RootInfo) -> Self {
        let heads = doc.get_heads();
        Self {
            doc,
            existence: Existence::Stored(root),
            durable_heads: heads,
            peers: BTreeMap::new(),
            uncommitted_authors: BTreeSet::new(),
            commit_in_flight: false,
        }
    }

    /// A document storage does not know (yet).
    pub fn tentative() -> Self {
        Self {
            doc: Automerge::new(),
            existence: Existence::Tentative,
            durable_heads: Vec::new(),
            peers: BTreeMap::new(),
            uncommitted_authors: BTreeSet::new(),
            commit_in_flight: false,
        }
    }

    /// The document as it stands in memory.
    pub fn doc(&self) -> &Automerge {
        &self.doc
    }

    /// Whether the document is stored yet.
    pub fn existence(&self) -> &Existence {
        &self.existence
    }

    /// Peers currently syncing this document.
    pub fn peers(&self) -> impl Iterator<Item = &PeerId> {
        self.peers.keys()
    }

    /// True when no peer is syncing the document (it may be evicted from memory).
    pub fn is_idle(&self) -> bool {
        self.peers.is_empty() && !self.commit_in_flight && self.uncommitted_authors.is_empty()
    }

    /// Starts syncing with a peer, resuming from a persisted sync state when one is given.
    pub fn add_peer(&mut self, peer: PeerId, resume: Option<sync::State>) {
        self.peers.entry(peer).or_insert_with(|| PeerState {
            sync: resume.unwrap_or_default(),
            refused: false,
        });
    }

    /// Stops syncing with a peer; returns its sync state so it can be persisted.
    pub fn remove_peer(&mut self, peer: &PeerId) -> Option<sync::State> {
        self.peers.remove(peer).map(|p| p.sync)
    }

    /// Applies one `sync` (`is_request == false`) or `request` message from a peer.
    pub fn receive(
        &mut self,
        peer: &PeerId,
        is_request: bool,
        data: &[u8],
    ) -> Result<Received, ReceiveError> {
        if matches!(self.existence, Existence::Tentative) && is_request && self.doc_is_blank() {
            // Asking for a document nobody has stored: it does not exist for this peer.
            return Ok(Received::Unavailable);
        }
        let state = self.peers.entry(peer.clone()).or_insert_with(|| PeerState {
            sync: sync::State::new(),
            refused: false,
        });
        if state.refused {
            return Ok(Received::Ignored);
        }
        let message =
            sync::Message::decode(data).map_err(|e| ReceiveError::BadSyncMessage(e.to_string()))?;
        let brings_changes = !message.changes.is_empty();
        let before = self.doc.get_heads();
        let result = self.doc.receive_sync_message(&mut state.sync, message);
        if brings_changes && self.doc.get_heads() != before {
            self.uncommitted_authors.insert(peer.clone());
        }
        result.map_err(|e| {
            // Start this peer afresh: its view of our state is unknown now.
            state.sync = sync::State::new();
            ReceiveError::BadChanges(e.to_string())
        })?;
        Ok(Received::Applied)
    }

    fn doc_is_blank(&self) -> bool {
        self.doc.get_heads().is_empty()
    }

    /// What must happen before replies can be sent: nothing, a commit, or a refusal.
    pub fn take_commit(&mut self) -> Pending {
        if self.commit_in_flight || self.doc.get_heads() == self.durable_heads {
            return Pending::Nothing;
        }
        let create = match &self.existence {
            Existence::Stored(_) => None,
            Existence::Tentative => {
                if root_is_empty(&self.doc) {
                    // Only empty changes so far (e.g. `repo.create()` before its first edit):
                    // they carry no data, so nothing is stored until the root has content.
                    return Pending::Nothing;
                }
                match validate_root(&self.doc) {
                    Ok(root) => Some(root),
                    Err(reason) => return Pending::Refused(self.refuse(reason)),
                }
            }
        };
        let changes = self.doc.get_changes(&self.durable_heads);
        self.commit_in_flight = true;
        Pending::Commit(Commit {
            create,
            changes,
            heads: self.doc.get_heads(),
            authors: std::mem::take(&mut self.uncommitted_authors),
        })
    }

    fn refuse(&mut self, reason: ContractError) -> Refusal {
        let changes = self
            .doc
            .get_changes(&[])
            .into_iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        let authors = std::mem::take(&mut self.uncommitted_authors);
        for (peer, state) in self.peers.iter_mut() {
            if authors.contains(peer) {
                state.refused = true;
            }
            state.sync = sync::State::new();
        }
        self.doc = Automerge::new();
        Refusal {
            reason,
            changes,
            authors,
        }
    }

    /// The commit handed out by `take_commit` is durable.
    pub fn committed(&mut self, commit: &Commit) {
        self.commit_in_flight = false;
        self.durable_heads = commit.heads.clone();
        if let Some(root) = &commit.create {
            self.existence = Existence::Stored(root.clone());
        }
    }

    /// The commit failed: forget everything not durable and start every peer afresh, so that
    /// nothing unpersisted is ever acknowledged. Returns the peers that should be told.
    pub fn rollback(&mut self) -> BTreeSet<PeerId> {
        self.commit_in_flight = false;
        self.doc = match self.existence {
            Existence::Tentative => Automerge::new(),
            Existence::Stored(_) => self
                .doc
                .fork_at(&self.durable_heads)
                .unwrap_or_else(|_| Automerge::new()),
        };
        for state in self.peers.values_mut() {
            state.sync = sync::State::new();
        }
        std::mem::take(&mut self.uncommitted_authors);
        self.peers.keys().cloned().collect()
    }

    /// Sync messages to send, one per peer that needs one. Empty while a commit is owed.
    pub fn poll_outgoing(&mut self) -> Vec<(PeerId, Vec<u8>)> {
        let owed = self.commit_in_flight
            || (self.doc.get_heads() != self.durable_heads
                && !(matches!(self.existence, Existence::Tentative) && root_is_empty(&self.doc)));
        if owed {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (peer, state) in self.peers.iter_mut() {
            if state.refused {
                continue;
            }
            if let Some(msg) = self.doc.generate_sync_message(&mut state.sync) {
                out.push((peer.clone(), msg.encode()));
            }
        }
        out
    }
}
