//! The server's side of one document: applies peers' sync messages, enforces the access policy
//! on them, decides what must be committed, and produces replies only once every change they
//! reflect is durable.
//!
//! The owner drives it: [`DocumentSync::receive`] for each incoming message, then
//! [`DocumentSync::take_commit`]; if that yields a [`Commit`], persist it and call
//! [`DocumentSync::committed`] (or [`DocumentSync::rollback`] on failure); then send what
//! [`DocumentSync::poll_outgoing`] returns. Replies are never produced while a commit is owed,
//! which is how "acknowledged only after COMMIT" holds.
//!
//! Peers added with a [`Principal`] are held to the access policy: they are served the
//! document only if they may read it; changes by actors bound to another device are refused
//! whole; writes their role may not make are undone by a compensating change of the server's,
//! committed together with them, so that no other peer ever sees the refused state.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, Automerge, ChangeHash, Patch, PatchLog, ReadDoc};

use crate::access::{self, Principal};
use crate::conflicts::{self, FieldConflict, ResolveError};
use crate::contract::fields::Implausible;
use crate::contract::{read_string, root_is_empty, root_string, validate_root, RootInfo};
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
    /// Applied, but some writes were refused and are being undone; tell the peer why.
    Compensated(String),
    /// Refused whole (tell the peer why); the peer is ignored for this document until it
    /// reconnects.
    Refused(String),
    /// The document does not exist for this peer (absent, or not readable by it): answer
    /// `doc-unavailable`.
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
    #[error("sync message refused before it was applied: {0}")]
    TooCostly(#[from] crate::message_cost::TooCostly),
}

/// Why changes stored by another writer could not be taken in.
#[derive(Debug, thiserror::Error)]
pub enum StoredError {
    #[error("actor {0} is bound to another device in storage")]
    BindingTaken(String),
    #[error("stored changes do not apply: {0}")]
    Corrupt(String),
}

/// Refused changes to keep in quarantine, with who sent them and why.
#[derive(Debug, Clone)]
pub struct Quarantined {
    pub reason: String,
    /// The refused changes, raw.
    pub changes: Vec<Vec<u8>>,
    pub peer: PeerId,
    pub principal: Option<Principal>,
    /// The refused field writes, when the changes were kept and undone (not refused whole):
    /// what a supervisor who accepts them would write.
    pub writes: Vec<access::FieldWrite>,
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
    /// Actors seen for the first time, and the device each is now bound to.
    pub bindings: Vec<(ActorId, Principal)>,
    /// Refused (and compensated) changes to keep in quarantine.
    pub quarantine: Vec<Quarantined>,
    /// Reviewed fields this commit leaves with concurrent values (to open or refresh items).
    pub conflicts: Vec<FieldConflict>,
    /// Fields a supervisor resolved in this commit (to close their items), with who did.
    pub resolved: Vec<(Vec<String>, Principal, serde_json::Value)>,
    /// Accepted values that are unlikely to be right (to open review items for).
    pub flags: Vec<Implausible>,
    /// Reviewed fields this commit wrote that now hold one value (their open conflict items
    /// are superseded).
    pub superseded: Vec<Vec<String>>,
    /// Members marked removed while edited elsewhere: the removal and the fields edited.
    pub removed_while_edited: Vec<(FieldConflict, Vec<String>)>,
    /// The document moved to another unit in this commit: from where, and from which day
    /// (its stored row and rights follow the new unit once durable).
    pub moved: Option<Moved>,
}

/// A move of a document to another unit (see `ServerEdit::Move`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The unit it was in.
    pub from: crate::contract::OrgPath,
    /// The day it belongs to the new unit from (`YYYY-MM-DD`): the day the family moved.
    pub on: String,
}

/// The outcome of [`DocumentSync::take_commit`].
#[derive(Debug)]
pub enum Pending {
    /// Nothing to persist; replies may go out.
    Nothing,
    /// Persist this, then call `committed` or `rollback`.
    Commit(Commit),
    /// A new document was refused and reset to empty; persist only the quarantine.
    Refused(Quarantined, BTreeSet<PeerId>),
}

struct PeerState {
    sync: sync::State,
    refused: bool,
    principal: Option<Principal>,
}

/// The patches that took the document from heads `from` to heads `to`, in order. Any change
/// made without patches leaves the document at other heads than `to`, which is how such a
/// gap is noticed: the log then says nothing until it starts again.
#[derive(Default)]
struct RecordLog {
    from: Vec<ChangeHash>,
    to: Vec<ChangeHash>,
    patches: Vec<Patch>,
}

impl RecordLog {
    /// `patches` took the document from `before` to `after`.
    fn extend(&mut self, before: &[ChangeHash], after: Vec<ChangeHash>, patches: &[Patch]) {
        if self.to.as_slice() == before {
            self.patches.extend_from_slice(patches);
            self.to = after;
        }
    }
}

/// A peer's sync state kept while its document is out of memory ([`DocumentSync::take_peers`]).
pub struct ParkedPeer(Box<PeerState>);

impl ParkedPeer {
    /// The automerge sync state (to persist when the peer leaves while parked).
    pub fn sync_state(&self) -> &sync::State {
        &self.0.sync
    }
}

/// Server-side sync state for one document and all peers syncing it.
pub struct DocumentSync {
    doc: Automerge,
    existence: Existence,
    durable_heads: Vec<ChangeHash>,
    /// Boxed states: a map node has room for eleven entries, allocated with the first.
    peers: BTreeMap<PeerId, Box<PeerState>>,
    /// Peers whose messages brought changes not yet committed.
    uncommitted_authors: BTreeSet<PeerId>,
    commit_in_flight: bool,
    /// The device each actor of this document is bound to.
    actors: HashMap<ActorId, String>,
    new_bindings: Vec<(ActorId, Principal)>,
    quarantine: Vec<Quarantined>,
    /// Who brought the first content of a tentative document (its creator).
    creator: Option<(PeerId, Option<Principal>)>,
    resolved: Vec<(Vec<String>, Principal, serde_json::Value)>,
    /// Implausible values accepted since the last commit.
    flags: Vec<Implausible>,
    /// When the last message was received (milliseconds since the epoch, as the caller said).
    received_ms: i64,
    server_actor: ActorId,
    /// What the changes owed since the durable heads wrote, as patches collected while
    /// receiving them (what the policy judged), when every owed change came that way;
    /// `None` when something else changed the document (then a commit diffs it: a diff walks
    /// the whole document, which for a busy household costs far more than the rest).
    owed_patches: Option<Vec<Patch>>,
    /// What moved the document on since the record's JSON was last taken, as patches
    /// ([`take_record_patches`](Self::take_record_patches)).
    record_log: RecordLog,
    /// Operations one received message may carry ([`crate::message_cost`]).
    max_ops: u64,
    /// A move not yet committed (the unit the document was in before it).
    moved: Option<Moved>,
}

impl DocumentSync {
    /// A document loaded from storage, with its actor bindings (actor → device).
    pub fn stored(
        doc: Automerge,
        root: RootInfo,
        actors: HashMap<ActorId, String>,
        server_actor: ActorId,
    ) -> Self {
        let heads = doc.get_heads();
        Self::new(doc, Existence::Stored(root), heads, actors, server_actor)
    }

    /// A document storage does not know (yet).
    pub fn tentative(server_actor: ActorId) -> Self {
        Self::new(
            Automerge::new(),
            Existence::Tentative,
            Vec::new(),
            HashMap::new(),
            server_actor,
        )
    }

    fn new(
        doc: Automerge,
        existence: Existence,
        durable_heads: Vec<ChangeHash>,
        actors: HashMap<ActorId, String>,
        server_actor: ActorId,
    ) -> Self {
        Self {
            doc,
            existence,
            durable_heads,
            peers: BTreeMap::new(),
            uncommitted_authors: BTreeSet::new(),
            commit_in_flight: false,
            actors,
            new_bindings: Vec::new(),
            quarantine: Vec::new(),
            creator: None,
            resolved: Vec::new(),
            flags: Vec::new(),
            received_ms: 0,
            server_actor,
            owed_patches: Some(Vec::new()),
            record_log: RecordLog::default(),
            max_ops: crate::message_cost::DEFAULT_MAX_OPS,
            moved: None,
        }
    }

    /// Sets how many operations one received message may carry; a message with more is
    /// refused before anything of it is applied.
    pub fn set_max_ops(&mut self, max_ops: u64) {
        self.max_ops = max_ops;
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

    /// True when `actor`'s device is known here.
    pub fn knows_actor(&self, actor: &ActorId) -> bool {
        self.actors.contains_key(actor)
    }

    /// True when no peer is syncing the document (it may be evicted from memory).
    pub fn is_idle(&self) -> bool {
        self.peers.is_empty() && !self.commit_in_flight && self.uncommitted_authors.is_empty()
    }

    /// True when nothing is owed, pending or in flight: everything in memory is durable and
    /// no commit waits to be taken. Such a document may leave memory while its peers stay
    /// connected: their sync states are parked ([`take_peers`](Self::take_peers)) and handed
    /// to the next load ([`restore_peer`](Self::restore_peer)).
    pub fn is_quiet(&self) -> bool {
        self.is_durable()
            && self.uncommitted_authors.is_empty()
            && self.new_bindings.is_empty()
            && self.quarantine.is_empty()
            && self.resolved.is_empty()
            && self.flags.is_empty()
            && self.moved.is_none()
    }

    /// The patches that took the document from the heads of the last call (returned with
    /// them) to its heads now, when every change since came with patches (a peer's judged
    /// message, another node's stored changes); `None` otherwise. The next call starts from
    /// the heads now. For keeping the record's JSON ([`crate::contract::mirror`]).
    pub fn take_record_patches(&mut self) -> Option<(Vec<ChangeHash>, Vec<Patch>)> {
        let heads = self.doc.get_heads();
        let log = std::mem::replace(
            &mut self.record_log,
            RecordLog {
                from: heads.clone(),
                to: heads.clone(),
                patches: Vec::new(),
            },
        );
        (log.to == heads).then_some((log.from, log.patches))
    }

    /// Takes every peer's sync state out, to be kept while the document is out of memory.
    pub fn take_peers(&mut self) -> Vec<(PeerId, ParkedPeer)> {
        std::mem::take(&mut self.peers)
            .into_iter()
            .map(|(id, state)| (id, ParkedPeer(state)))
            .collect()
    }

    /// Gives a peer back the sync state it had when the document left memory: it goes on
    /// exactly where it was (what it holds, what it was sent, whether it was refused).
    pub fn restore_peer(&mut self, peer: PeerId, parked: ParkedPeer) {
        self.peers.insert(peer, parked.0);
    }

    /// May this peer read the document as it is stored? (Peers without a principal may.)
    pub fn may_read(&self, peer: &PeerId) -> bool {
        let Some(state) = self.peers.get(peer) else {
            return false;
        };
        match (&state.principal, &self.existence) {
            (None, _) => true,
            (Some(_), Existence::Tentative) => true,
            (Some(who), Existence::Stored(root)) => {
                access::can_read(who, root, access::owner_of(&self.doc).as_deref())
            }
        }
    }

    /// Starts syncing with a peer, held to `principal`'s rights if given, resuming from a
    /// persisted sync state when one is given.
    pub fn add_peer(
        &mut self,
        peer: PeerId,
        principal: Option<Principal>,
        resume: Option<sync::State>,
    ) {
        self.peers.entry(peer).or_insert_with(|| {
            Box::new(PeerState {
                sync: resume.unwrap_or_default(),
                refused: false,
                principal,
            })
        });
    }

    /// Stops syncing with a peer; returns its sync state so it can be persisted.
    pub fn remove_peer(&mut self, peer: &PeerId) -> Option<sync::State> {
        self.peers.remove(peer).map(|p| p.sync)
    }

    /// Applies one `sync` (`is_request == false`) or `request` message from a peer that was
    /// added with [`add_peer`](Self::add_peer) (an unknown peer is added without a principal).
    /// `now_ms` stamps any compensating change.
    pub fn receive(
        &mut self,
        peer: &PeerId,
        is_request: bool,
        data: &[u8],
        now_ms: i64,
    ) -> Result<Received, ReceiveError> {
        if matches!(self.existence, Existence::Tentative)
            && is_request
            && self.doc.get_heads().is_empty()
        {
            // Asking for a document nobody has stored: it does not exist for this peer.
            return Ok(Received::Unavailable);
        }
        if !self.peers.contains_key(peer) {
            self.add_peer(peer.clone(), None, None);
        }
        if !self.may_read(peer) {
            return Ok(Received::Unavailable);
        }
        if self.foreign_to_tentative(peer) {
            // Someone else's document is being created: it does not exist for this peer yet.
            return Ok(Received::Unavailable);
        }
        let state = self.peers.get_mut(peer).expect("added above");
        if state.refused {
            return Ok(Received::Ignored);
        }
        let message =
            sync::Message::decode(data).map_err(|e| ReceiveError::BadSyncMessage(e.to_string()))?;
        // What applying it would cost, counted before anything is loaded: a small message can
        // carry millions of operations.
        crate::message_cost::count_ops(message.changes.iter(), self.max_ops)?;
        self.received_ms = now_ms;
        let before = self.doc.get_heads();
        // What a judged peer's changes write is learnt while applying them (automerge's
        // incremental patch log), not by diffing the document afterwards.
        let judged = state.principal.is_some() && matches!(self.existence, Existence::Stored(_));
        let mut log = PatchLog::new(judged);
        let result = self
            .doc
            .receive_sync_message_log_patches(&mut state.sync, message, &mut log);
        if let Err(e) = result {
            state.sync = sync::State::new();
            if self.doc.get_heads() != before {
                self.uncommitted_authors.insert(peer.clone());
                self.owed_patches = None;
            }
            return Err(ReceiveError::BadChanges(e.to_string()));
        }
        if self.doc.get_heads() == before {
            return Ok(Received::Applied);
        }
        let patches = if judged {
            let patches = self.doc.make_patches(&mut log);
            self.record_log
                .extend(&before, self.doc.get_heads(), &patches);
            patches
        } else {
            self.owed_patches = None;
            Vec::new()
        };
        self.uncommitted_authors.insert(peer.clone());
        let principal = state.principal.clone();
        if matches!(self.existence, Existence::Tentative)
            && self.creator.is_none()
            && !root_is_empty(&self.doc)
        {
            self.creator = Some((peer.clone(), principal.clone()));
        }
        let Some(who) = principal else {
            return Ok(Received::Applied);
        };
        if let Some(reason) = self.bind_actors(&before, &who) {
            return Ok(self.refuse_message(peer, &before, reason, &who));
        }
        let Existence::Stored(root) = &self.existence else {
            // A new document is judged as a whole when its root is complete (`take_commit`).
            return Ok(Received::Applied);
        };
        let mut judgement =
            access::judge_patches(&who, root.kind, &self.doc, &before, &patches, Some(now_ms));
        if !access::may_write(&who, root, &self.doc, &before) {
            // Read access by an emergency grant (or as a request's former assignee): every
            // write is refused and undone.
            judgement.implausible.clear();
            judgement.refused = access::field_writes(&self.doc, &patches)
                .into_iter()
                .map(|w| {
                    let path = w.path_string();
                    let org = root.org.to_string();
                    (w, access::Violation::ReadOnly { path, org })
                })
                .collect();
        }
        let flags = stable_paths(&self.doc, judgement.implausible);
        self.flags.extend(flags);
        let refused = judgement.refused;
        if refused.is_empty() {
            if let Some(owed) = &mut self.owed_patches {
                owed.extend(patches);
            }
            return Ok(Received::Applied);
        }
        self.owed_patches = None;
        let reason = refused
            .iter()
            .map(|(_, v)| v.to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join("; ");
        let changes = raw_changes(&self.doc, &before);
        let writes: Vec<_> = refused.into_iter().map(|(w, _)| w).collect();
        access::compensate(&mut self.doc, &before, &writes, &self.server_actor, now_ms);
        self.quarantine.push(Quarantined {
            reason: reason.clone(),
            changes,
            peer: peer.clone(),
            principal: Some(who),
            writes,
        });
        Ok(Received::Compensated(reason))
    }

    /// Moves the stored document to `to` (see `ServerEdit::Move`): its `org` is written as
    /// `actor`'s change, and from now on its rights follow the new unit. Committed with the
    /// next `take_commit`.
    pub(crate) fn move_to(
        &mut self,
        to: &crate::contract::OrgPath,
        on: &str,
        actor: &ActorId,
        by: &Principal,
        time_secs: i64,
        message: &str,
    ) -> Result<(), String> {
        if !crate::calendar::is_date(on) {
            return Err(format!("the day of the move is not a date: {on:?}"));
        }
        let Existence::Stored(root) = &self.existence else {
            return Err("the document is not stored".into());
        };
        let from = root.org.clone();
        if &from == to {
            return Err(format!("the record is in {to} already"));
        }
        let written: Result<(), automerge::AutomergeError> =
            self.server_edit(actor, by, time_secs, message, |tx| {
                use automerge::transaction::Transactable;
                tx.put(automerge::ROOT, "org", to.as_str())
            });
        written.map_err(|e| e.to_string())?;
        if let Existence::Stored(root) = &mut self.existence {
            root.org = to.clone();
        }
        self.moved.get_or_insert(Moved {
            from,
            on: on.to_owned(),
        });
        Ok(())
    }

    /// Applies changes a device handed over (see `ServerEdit::Deliver`): all of them, judged
    /// as `author`'s and bound to their device, or none (the document stays as it was).
    /// Committed with the next `take_commit`.
    pub(crate) fn deliver(
        &mut self,
        changes: &[u8],
        author: &Principal,
        now_ms: i64,
    ) -> Result<(), String> {
        let Existence::Stored(root) = &self.existence else {
            return Err("the document is not stored".into());
        };
        let root = root.clone();
        let before = self.doc.get_heads();
        let mut log = PatchLog::new(true);
        let loaded = self.doc.load_incremental_log_patches(changes, &mut log);
        let undo = |sync: &mut Self| {
            sync.doc = sync
                .doc
                .fork_at(&before)
                .unwrap_or_else(|_| Automerge::new());
        };
        if let Err(e) = loaded {
            undo(self);
            return Err(format!("the changes cannot be read: {e}"));
        }
        if !self.doc.get_missing_deps(&[]).is_empty() {
            // Queued for changes the server never had: they would be applied unjudged when
            // those arrived.
            undo(self);
            return Err("they build on changes the server does not have".into());
        }
        if self.doc.get_heads() == before {
            return Err(
                "nothing in them is new: they are in the record already, or cannot be read".into(),
            );
        }
        let patches = self.doc.make_patches(&mut log);
        let judgement = access::judge_patches(
            author,
            root.kind,
            &self.doc,
            &before,
            &patches,
            Some(now_ms),
        );
        let mut refused: Vec<String> = judgement
            .refused
            .iter()
            .map(|(_, v)| v.to_string())
            .collect();
        if !access::may_write(author, &root, &self.doc, &before) {
            refused.push(format!("{} may not write this document", author.user));
        }
        if refused.is_empty() {
            if let Some(reason) = self.bind_actors(&before, author) {
                refused.push(reason);
            }
        }
        if !refused.is_empty() {
            undo(self);
            refused.sort();
            refused.dedup();
            return Err(refused.join("; "));
        }
        let flags = stable_paths(&self.doc, judgement.implausible);
        self.flags.extend(flags);
        self.owed_patches = None;
        Ok(())
    }

    /// True when the document is still being created by another user than this peer's.
    fn foreign_to_tentative(&self, peer: &PeerId) -> bool {
        let Existence::Tentative = self.existence else {
            return false;
        };
        let Some((_, Some(creator))) = &self.creator else {
            return false;
        };
        match self.peers.get(peer).and_then(|p| p.principal.as_ref()) {
            Some(who) => who.user != creator.user,
            None => false,
        }
    }

    /// Binds the new changes' actors to `who`'s device; returns why not, if one is bound to
    /// another device.
    fn bind_actors(&mut self, before: &[ChangeHash], who: &Principal) -> Option<String> {
        let mut fresh = Vec::new();
        for change in self.doc.get_changes(before) {
            let actor = change.actor_id().clone();
            if actor == self.server_actor {
                return Some("changes may not use the server's actor".into());
            }
            match self.actors.get(&actor) {
                Some(device) if *device == who.device => {}
                Some(_) => return Some(format!("actor {actor} belongs to another device")),
                None => {
                    if !fresh.contains(&actor) {
                        fresh.push(actor);
                    }
                }
            }
        }
        for actor in fresh {
            self.actors.insert(actor.clone(), who.device.clone());
            self.new_bindings.push((actor, who.clone()));
        }
        None
    }

    /// Takes a whole message back out of the document (it cannot be compensated).
    fn refuse_message(
        &mut self,
        peer: &PeerId,
        before: &[ChangeHash],
        reason: String,
        who: &Principal,
    ) -> Received {
        let changes = raw_changes(&self.doc, before);
        self.doc = self
            .doc
            .fork_at(before)
            .unwrap_or_else(|_| Automerge::new());
        if let Some(state) = self.peers.get_mut(peer) {
            state.refused = true;
            state.sync = sync::State::new();
        }
        self.quarantine.push(Quarantined {
            reason: reason.clone(),
            changes,
            peer: peer.clone(),
            principal: Some(who.clone()),
            writes: Vec::new(),
        });
        Received::Refused(reason)
    }

    /// What must happen before replies can be sent: nothing, a commit, or a refusal.
    pub fn take_commit(&mut self) -> Pending {
        if self.commit_in_flight {
            return Pending::Nothing;
        }
        // With no new heads, only refused messages may be waiting: store just the quarantine.
        if self.doc.get_heads() == self.durable_heads && self.quarantine.is_empty() {
            return Pending::Nothing;
        }
        let create = match &self.existence {
            Existence::Stored(_) => None,
            Existence::Tentative => {
                if self.doc.get_heads().is_empty() || root_is_empty(&self.doc) {
                    // Only empty changes so far (e.g. `repo.create()` before its first edit):
                    // they carry no data, so nothing is stored until the root has content.
                    return match self.quarantine.pop() {
                        Some(q) => Pending::Refused(q, BTreeSet::new()),
                        None => Pending::Nothing,
                    };
                }
                match self.judge_creation() {
                    Ok(root) => Some(root),
                    Err(reason) => return self.refuse_creation(reason),
                }
            }
        };
        let changes = self.doc.get_changes(&self.durable_heads);
        let kind = match (&create, &self.existence) {
            (Some(root), _) | (None, Existence::Stored(root)) => Some(root.kind),
            _ => None,
        };
        let owed_patches = self.owed_patches.take();
        let detected = match (kind, owed_patches) {
            (Some(k), Some(patches)) => conflicts::detect_all_in(&self.doc, k, &patches),
            (Some(k), None) => conflicts::detect_all(&self.doc, k, &self.durable_heads),
            (None, _) => conflicts::Detected::default(),
        };
        self.commit_in_flight = true;
        Pending::Commit(Commit {
            create,
            changes,
            heads: self.doc.get_heads(),
            authors: std::mem::take(&mut self.uncommitted_authors),
            bindings: std::mem::take(&mut self.new_bindings),
            quarantine: std::mem::take(&mut self.quarantine),
            conflicts: detected.conflicts,
            superseded: detected.single,
            removed_while_edited: detected.removed_while_edited,
            resolved: std::mem::take(&mut self.resolved),
            flags: std::mem::take(&mut self.flags),
            moved: self.moved.take(),
        })
    }

    /// A supervisor resolves a conflicted field: writes `value` at `path` as `actor` (theirs),
    /// superseding every concurrent value. Committed with the next `take_commit`.
    ///
    /// `seen` are the values the supervisor was shown: if the field holds anything else now
    /// (someone changed it since), nothing is written and [`ResolveError::Changed`] says what
    /// it holds, so a stale resolution never overwrites a newer value.
    pub fn resolve_conflict(
        &mut self,
        path: &[String],
        value: &serde_json::Value,
        seen: &[conflicts::ConflictValue],
        actor: &ActorId,
        by: &Principal,
        time_secs: i64,
    ) -> Result<(), ResolveError> {
        if let Existence::Stored(root) = &self.existence {
            conflicts::check_value(root.kind, path, value)?;
        }
        let current = conflicts::current_values(&self.doc, path);
        if !conflicts::same_values(seen, &current) {
            return Err(ResolveError::Changed(current));
        }
        let message = format!("linli: settled by {}", by.user);
        self.server_edit(actor, by, time_secs, &message, |tx| {
            conflicts::write_value(tx, path, value)
        })?;
        self.resolved
            .push((path.to_vec(), by.clone(), value.clone()));
        Ok(())
    }

    /// A change of a person's own made on the server (a review decision), as `actor`, bound
    /// to them; committed with the next `take_commit`. Nothing is written if `edit` fails.
    pub fn server_edit<E>(
        &mut self,
        actor: &ActorId,
        by: &Principal,
        time_secs: i64,
        message: &str,
        edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let previous = self.doc.get_actor().clone();
        self.doc.set_actor(actor.clone());
        self.owed_patches = None;
        let mut tx = self.doc.transaction();
        let result = edit(&mut tx);
        match result {
            Ok(()) => {
                tx.commit_with(
                    automerge::transaction::CommitOptions::default()
                        .with_message(message.to_owned())
                        .with_time(time_secs),
                );
            }
            Err(_) => {
                tx.rollback();
            }
        }
        self.doc.set_actor(previous);
        if result.is_ok() && !self.actors.contains_key(actor) {
            self.actors.insert(actor.clone(), by.device.clone());
            self.new_bindings.push((actor.clone(), by.clone()));
        }
        result
    }

    /// Applies changes another writer (another server node) already stored, with the
    /// document's root and its actor bindings as stored. They are durable, so the durable
    /// heads move with them; changes received here and not committed yet stay owed. Call it
    /// between commits (not while one handed out by `take_commit` is pending).
    ///
    /// `changes` must be exactly the stored changes not durable here yet: those after the
    /// highest `seq` the caller holds, in `seq` order. Returns how many were new here, or
    /// [`StoredError::BindingTaken`] when an actor bound here but not committed yet is stored
    /// as another device's: then [`forget_owed`](Self::forget_owed) and apply again.
    pub fn apply_stored(
        &mut self,
        root: &RootInfo,
        changes: &[Vec<u8>],
        bindings: impl IntoIterator<Item = (ActorId, String)>,
    ) -> Result<usize, StoredError> {
        debug_assert!(!self.commit_in_flight, "apply_stored between commits only");
        for (actor, device) in bindings {
            if let Some((_, who)) = self.new_bindings.iter().find(|(a, _)| *a == actor) {
                if who.device != device {
                    return Err(StoredError::BindingTaken(actor.to_hex_string()));
                }
                self.new_bindings.retain(|(a, _)| *a != actor);
            }
            self.actors.entry(actor).or_insert(device);
        }
        let parsed = changes
            .iter()
            .map(|bytes| automerge::Change::from_bytes(bytes.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoredError::Corrupt(e.to_string()))?;
        let fresh = parsed
            .iter()
            .filter(|c| self.doc.get_change_by_hash(&c.hash()).is_none())
            .count();
        let mut heads: BTreeSet<ChangeHash> = self.durable_heads.iter().copied().collect();
        heads.extend(parsed.iter().map(|c| c.hash()));
        for change in &parsed {
            for dep in change.deps() {
                heads.remove(dep);
            }
        }
        let hashes: Vec<ChangeHash> = parsed.iter().map(|c| c.hash()).collect();
        let before = self.doc.get_heads();
        let mut log = PatchLog::new(true);
        self.doc
            .apply_changes_log_patches(parsed, &mut log)
            .map_err(|e| StoredError::Corrupt(e.to_string()))?;
        let patches = self.doc.make_patches(&mut log);
        self.record_log
            .extend(&before, self.doc.get_heads(), &patches);
        if let Some(missing) = hashes
            .iter()
            .find(|h| self.doc.get_change_by_hash(h).is_none())
        {
            return Err(StoredError::Corrupt(format!(
                "stored change {missing} misses a dependency"
            )));
        }
        // The stored root is the truth: another node may have moved the document.
        self.existence = Existence::Stored(root.clone());
        self.durable_heads = heads.into_iter().collect();
        self.owed_patches = if self.is_durable() {
            Some(Vec::new())
        } else {
            None
        };
        Ok(fresh)
    }

    /// The commit handed out by `take_commit` was not made because another writer stored
    /// changes first: take its contents back, so that the next `take_commit` (after
    /// [`apply_stored`](Self::apply_stored)) offers them again, judged against the merged
    /// document. For a stored document only (a tentative one is rolled back).
    pub fn retract(&mut self, commit: Commit) {
        self.commit_in_flight = false;
        self.owed_patches = None;
        self.uncommitted_authors.extend(commit.authors);
        let mut bindings = commit.bindings;
        bindings.append(&mut self.new_bindings);
        self.new_bindings = bindings;
        let mut quarantine = commit.quarantine;
        quarantine.append(&mut self.quarantine);
        self.quarantine = quarantine;
        let mut resolved = commit.resolved;
        resolved.append(&mut self.resolved);
        self.resolved = resolved;
        let mut flags = commit.flags;
        flags.append(&mut self.flags);
        self.flags = flags;
    }

    /// True when everything in memory is durable.
    pub fn is_durable(&self) -> bool {
        !self.commit_in_flight && self.doc.get_heads() == self.durable_heads
    }

    /// Judges a new document whole: its root, the creator's right to create it, and every
    /// write and value in it (anything refused refuses the document). Implausible values are
    /// kept and flagged.
    fn judge_creation(&mut self) -> Result<RootInfo, String> {
        let root = validate_root(&self.doc).map_err(|e| e.to_string())?;
        if let Some((_, Some(who))) = &self.creator {
            let owner = root_string(&self.doc, "user");
            access::check_create(who, &root, owner.as_deref()).map_err(|e| e.to_string())?;
            let patches = self.doc.diff(&[], &self.doc.get_heads());
            let judgement = access::judge_patches(
                who,
                root.kind,
                &self.doc,
                &[],
                &patches,
                Some(self.received_ms),
            );
            if let Some((_, v)) = judgement.refused.first() {
                return Err(v.to_string());
            }
            let flags = stable_paths(&self.doc, judgement.implausible);
            self.flags.extend(flags);
        }
        Ok(root)
    }

    fn refuse_creation(&mut self, reason: String) -> Pending {
        let changes = raw_changes(&self.doc, &[]);
        let authors = std::mem::take(&mut self.uncommitted_authors);
        for (peer, state) in self.peers.iter_mut() {
            if authors.contains(peer) {
                state.refused = true;
            }
            state.sync = sync::State::new();
        }
        let (peer, principal) = self.creator.take().unwrap_or_else(|| {
            (
                authors
                    .iter()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| PeerId::from("")),
                None,
            )
        });
        self.doc = Automerge::new();
        self.actors.clear();
        self.new_bindings.clear();
        self.quarantine.clear();
        Pending::Refused(
            Quarantined {
                reason,
                changes,
                peer,
                principal,
                writes: Vec::new(),
            },
            authors,
        )
    }

    /// The commit handed out by `take_commit` is durable.
    pub fn committed(&mut self, commit: &Commit) {
        self.commit_in_flight = false;
        self.durable_heads = commit.heads.clone();
        // Every peer hears the new durable heads, even one whose later message already showed
        // these heads: automerge then records them as known to that peer and would stay
        // silent, while the peer still waits for the acknowledgement this commit is.
        for state in self.peers.values_mut() {
            state.sync.have_responded = false;
        }
        self.owed_patches = if self.doc.get_heads() == self.durable_heads {
            Some(Vec::new())
        } else {
            None
        };
        if let Some(root) = &commit.create {
            self.existence = Existence::Stored(root.clone());
        }
    }

    /// The commit failed: forget everything not durable and start every peer afresh, so that
    /// nothing unpersisted is ever acknowledged. Returns the peers that should be told.
    pub fn rollback(&mut self, commit: &Commit) -> BTreeSet<PeerId> {
        self.commit_in_flight = false;
        for (actor, _) in &commit.bindings {
            self.actors.remove(actor);
        }
        if let (Some(moved), Existence::Stored(root)) = (&commit.moved, &mut self.existence) {
            root.org = moved.from.clone();
        }
        self.forget_owed()
    }

    /// Asks every peer to send again what it already sent, after a [`rollback`](Self::rollback)
    /// worth retrying at once (another node kept storing first): a peer never resends a change
    /// it once sent on the same connection, so the dropped changes would otherwise stay
    /// missing until it reconnects. The next message to each carries automerge's `SYNC_RESET`
    /// flag, or empty heads for peers that predate it (as if this side had lost everything).
    /// After a storage failure, not at once (the peers would resend into the same failure)
    /// but a little later, when storage may work again. The message goes out even when this
    /// side has nothing new and is still waiting for the peer's answer.
    pub fn ask_peers_to_resend(&mut self) {
        for state in self.peers.values_mut() {
            state.sync.needs_reset = true;
            state.sync.have_responded = false;
        }
    }

    /// Forgets everything not durable (no commit being pending) and starts every peer afresh,
    /// as [`rollback`](Self::rollback) does. Returns the peers that should be told.
    pub fn forget_owed(&mut self) -> BTreeSet<PeerId> {
        for (actor, _) in self.new_bindings.drain(..) {
            self.actors.remove(&actor);
        }
        self.quarantine.clear();
        self.resolved.clear();
        self.flags.clear();
        self.doc = match self.existence {
            Existence::Tentative => Automerge::new(),
            Existence::Stored(_) => self
                .doc
                .fork_at(&self.durable_heads)
                .unwrap_or_else(|_| Automerge::new()),
        };
        for state in self.peers.values_mut() {
            state.sync = sync::State {
                their_capabilities: state.sync.their_capabilities.take(),
                ..sync::State::new()
            };
        }
        self.owed_patches = Some(Vec::new());
        self.uncommitted_authors.clear();
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
        let readable: Vec<PeerId> = self
            .peers
            .keys()
            .filter(|p| self.may_read(p))
            .cloned()
            .collect();
        let mut out = Vec::new();
        for peer in readable {
            let state = self.peers.get_mut(&peer).expect("listed");
            if state.refused {
                continue;
            }
            what_they_have_from_their_heads(&self.doc, &mut state.sync);
            if let Some(msg) = self.doc.generate_sync_message(&mut state.sync) {
                out.push((peer, msg.encode()));
            }
        }
        out
    }
}

/// Says what a peer has by the heads it last told us, when we know all of them: it holds
/// exactly those changes and their ancestors, so what it lacks is what came after them.
///
/// Automerge works out the changes to send from the peer's last `have` (its summary of what it
/// added since its last sync with us). A peer that stays quiet after its first message keeps a
/// `have` that counts from the empty document, and each later message to it would then walk
/// and bloom-test the document's whole history: a watcher of a household visited 10,000 times
/// cost the server some 3 ms per change it was sent (issue #21, `long_history` bench). Known
/// heads say the same thing precisely; a peer's `have` still matters, and is kept, while it
/// holds changes we do not.
fn what_they_have_from_their_heads(doc: &Automerge, state: &mut sync::State) {
    let (Some(heads), Some(have)) = (&state.their_heads, &state.their_have) else {
        return;
    };
    let already = matches!(have.as_slice(), [one] if one.last_sync == *heads);
    if already || !heads.iter().all(|h| doc.get_change_by_hash(h).is_some()) {
        return;
    }
    state.their_have = Some(vec![sync::Have {
        last_sync: heads.clone(),
        bloom: sync::BloomFilter::default(),
    }]);
}

/// Names list items in flagged paths by their `id` (a visit's index moves when another
/// device's visit is inserted before it; its id does not): `visits/3/at` → `visits/<id>/at`.
fn stable_paths(doc: &Automerge, flags: Vec<Implausible>) -> Vec<Implausible> {
    flags
        .into_iter()
        .map(|mut flag| {
            if flag.path.len() >= 2 && flag.path[0] == "visits" {
                if let Some(id) = crate::access::resolve(doc, &flag.path[..2], None)
                    .and_then(|(_, obj)| read_string(doc, &obj, "id"))
                {
                    flag.path[1] = id;
                }
            }
            flag
        })
        .collect()
}

fn raw_changes(doc: &Automerge, since: &[ChangeHash]) -> Vec<Vec<u8>> {
    doc.get_changes(since)
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect()
}
