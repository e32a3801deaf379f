//! One task per loaded document. It owns the document's [`DocumentSync`], applies the
//! messages peers send, commits new changes to the store, and only then sends the replies that
//! acknowledge them, to the author and to every other peer syncing the document (fan-out).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use linli_sync_core::access::Principal;
use linli_sync_core::automerge::{sync, ActorId, Automerge, ChangeHash};
use linli_sync_core::contract::fields::Implausible;
use linli_sync_core::contract::{mirror, to_json};
use linli_sync_core::doc_sync::{
    Commit, DocumentSync, Existence, ParkedPeer, Quarantined, Received,
};
pub use linli_sync_core::server_edit::{EditError, MergeStep, ReviewTarget, ServerEdit};
use linli_sync_core::wire::{self, DocMessage, Message, PeerId};
use linli_sync_core::DocumentId;
use tokio::sync::mpsc;

mod commit;

use crate::clock::now_ms;
use crate::hub::Hub;
use crate::outbox::{Outbox, Outgoing};
use crate::store::projection::{Projection, ProjectionWrite};
use crate::store::{Binding, CommitExtras, NewConflict, Origin, QuarantineEntry, Resolved, Store};

/// Commands handled at most this many per commit.
const MAX_BATCH: usize = 256;

/// The answer to a request that edits a document: `Ok` once the edit is durable.
pub type Done = tokio::sync::oneshot::Sender<Result<(), ActorError>>;

/// A read of a document's content, run by its actor ([`DocCommand::Read`]).
pub type Reader = Box<dyn FnOnce(Option<&linli_sync_core::automerge::Automerge>) + Send>;

/// Why a document's actor did not make an edit a request asked for.
#[derive(Debug, thiserror::Error)]
pub enum ActorError {
    /// The request does not fit the document (400); the message is for the client.
    #[error("{0}")]
    Invalid(String),
    /// The field no longer holds the values the request was made on; nothing was written.
    #[error("{0}")]
    Changed(String),
    /// The edit was made, storing it failed, and it was taken back (503, or 500 when the
    /// database's error is the server's fault: `error::storage_unavailable`).
    #[error("storage failed: {0}")]
    Storage(#[source] Arc<sqlx::Error>),
    /// The edit was made and taken back unstored for a reason a retry may overcome (another
    /// node kept storing first, an actor bound to another device meanwhile) (503).
    #[error("the edit could not be stored; try again")]
    NotStored,
    /// Nobody answered: the document could not be loaded, the server is shutting down, or
    /// the actor's queue stayed full or it did not answer in time (503).
    #[error("the document's actor did not answer")]
    Gone,
}

impl From<linli_sync_core::conflicts::ResolveError> for ActorError {
    fn from(e: linli_sync_core::conflicts::ResolveError) -> Self {
        match e {
            linli_sync_core::conflicts::ResolveError::Changed(_) => {
                ActorError::Changed(e.to_string())
            }
            e => ActorError::Invalid(e.to_string()),
        }
    }
}

impl From<EditError> for ActorError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Resolve(e) => e.into(),
            EditError::Review(e) => ActorError::Invalid(e.to_string()),
            e @ (EditError::Deliver(_) | EditError::Move(_)) => ActorError::Invalid(e.to_string()),
        }
    }
}

/// The connection a message came from.
#[derive(Clone, Debug)]
pub struct PeerLink {
    pub id: PeerId,
    pub conn: u64,
    /// Present when the peer keeps its data durably; its sync state is then persisted.
    pub storage_id: Option<String>,
    /// Who is connected, when authenticated; such peers are held to the access policy.
    pub principal: Option<Principal>,
    pub outbox: Outbox,
}

/// What a document actor is asked to do.
///
/// Kept small (the large parts boxed): a document's queue allocates room for 32 commands at
/// once, loaded or not yet busy.
pub enum DocCommand {
    /// A `sync` or `request` message.
    Sync {
        peer: Box<PeerLink>,
        is_request: bool,
        raw_id: String,
        data: Vec<u8>,
        /// The message's share of its connection's in-flight budget
        /// (`--max-in-flight-per-connection`, `--max-in-flight-bytes-per-connection`), given
        /// back once the batch holding it is committed and answered.
        in_flight: Vec<tokio::sync::OwnedSemaphorePermit>,
    },
    /// An `ephemeral` message to relay to the other peers.
    Ephemeral { from: PeerId, message: Box<Message> },
    /// The peer's connection ended.
    PeerGone { peer: PeerId, conn: u64 },
    /// A change the server makes as `by` (a supervisor's decision, merge, settled conflict,
    /// accepted writes); the reply comes once it is durable.
    Edit {
        edit: Box<ServerEdit>,
        by: Box<Principal>,
        reply: Done,
    },
    /// Reads the document where it is held: the reader sees its content (`None` while it
    /// does not exist) and sends its answer itself.
    Read(Reader),
    /// A registration merged into this household was written to after the merge: move what
    /// is new there (visits, members) over, as the merge's plan says.
    Forward {
        from: String,
        household: Box<linli_sync_core::contract::Household>,
    },
    /// Another node stored changes of this document (or its notices may have been missed):
    /// read those after the highest `seq` held here, apply them and sync them to the peers.
    CatchUp,
}

struct Link {
    peer: PeerLink,
    /// The document id exactly as this peer writes it.
    raw_id: String,
}

/// A peer of a document that left memory while the peer stayed connected: its link and its
/// sync state, kept by the hub and given back to the document's next actor.
pub struct ParkedLink {
    link: Link,
    sync: ParkedPeer,
}

impl ParkedLink {
    /// True when this is `peer` on connection `conn`.
    pub(crate) fn is(&self, peer: &PeerId, conn: u64) -> bool {
        self.link.peer.id == *peer && self.link.peer.conn == conn
    }

    /// Where to persist the peer's sync state when it leaves while parked: its storage id
    /// and the encoded state (`None` for peers that keep nothing).
    pub(crate) fn state_to_save(&self) -> Option<(&str, Vec<u8>)> {
        let storage_id = self.link.peer.storage_id.as_deref()?;
        Some((storage_id, self.sync.sync_state().encode()))
    }
}

struct Actor {
    key: String,
    hub: Hub,
    sync: DocumentSync,
    links: HashMap<PeerId, Link>,
    /// Highest ephemeral `count` relayed per (original sender, session): peers relay what they
    /// receive back to us, so anything not newer is a bounce and is dropped.
    ephemeral_seen: HashMap<(PeerId, String), u64>,
    changes_since_snapshot: u64,
    /// The highest change `seq` of the document held here: every stored change up to it is
    /// in memory (and durable), none after it is.
    last_seq: i64,
    /// The projection rows this node last wrote for the document, and the `last_seq` they
    /// were written at: while no other change has been stored since, the next commit writes
    /// only the rows that differ from them.
    projected: Option<(i64, Arc<Projection>)>,
    /// The record as JSON at the given heads (`contract::to_json`), advanced by each commit's
    /// patches, so that projecting a commit does not read the whole document again.
    record: Option<(Vec<ChangeHash>, serde_json::Value)>,
    /// Another node stored changes: catch up before the next commit.
    stale: bool,
    /// Something owed was forgotten (a failed commit) since the batch began.
    lost: bool,
    /// When to ask the peers to send everything again after a storage failure dropped what
    /// they sent (a peer never sends a change twice on one connection otherwise).
    resend_at: Option<tokio::time::Instant>,
    /// The wait before the next such request; doubles while storage keeps failing.
    resend_backoff: Duration,
    /// Settlements waiting for their commit.
    durable_replies: Vec<Done>,
    /// Why the last commit of the current batch failed, when storage failed.
    failure: Option<Arc<sqlx::Error>>,
    /// In-flight slots of the messages in the current batch.
    in_flight: Vec<tokio::sync::OwnedSemaphorePermit>,
}

/// Runs the actor for document `id` until it leaves memory or the server shuts down; `parked`
/// are the peers that stayed connected when it last left memory.
pub async fn run(
    id: DocumentId,
    mut rx: mpsc::Receiver<DocCommand>,
    hub: Hub,
    parked: Vec<ParkedLink>,
) {
    let key = id.to_string();
    let (mut sync, pending, last_seq) =
        match load(hub.store(), &key, hub.settings().server_actor.clone()).await {
            Ok(loaded) => loaded,
            Err(e) => {
                tracing::error!(document = %key, error = %e, "could not load document");
                fail_all(&hub, id, &mut rx);
                return;
            }
        };
    sync.set_max_ops(hub.settings().max_ops_per_message);
    let mut links = HashMap::new();
    for ParkedLink { link, sync: state } in parked {
        sync.restore_peer(link.peer.id.clone(), state);
        links.insert(link.peer.id.clone(), link);
    }
    let mut actor = Actor {
        key,
        hub: hub.clone(),
        sync,
        links,
        ephemeral_seen: HashMap::new(),
        changes_since_snapshot: pending,
        last_seq,
        projected: None,
        record: None,
        stale: false,
        lost: false,
        resend_at: None,
        resend_backoff: FIRST_RESEND,
        durable_replies: Vec::new(),
        failure: None,
        in_flight: Vec::new(),
    };
    let evict_after = hub.settings().evict_after;
    let park_after = hub.settings().park_after;
    let shutdown = hub.shutdown_token().clone();
    loop {
        let first = tokio::select! {
            cmd = rx.recv() => cmd,
            _ = tokio::time::sleep(evict_after), if actor.sync.is_idle() => {
                if hub.try_evict(id, &rx) {
                    return;
                }
                continue;
            }
            _ = tokio::time::sleep(park_after), if !actor.sync.is_idle() && actor.is_quiet() => {
                if actor.park(id, &rx) {
                    return;
                }
                continue;
            }
            _ = shutdown.cancelled(), if actor.sync.is_idle() => {
                if hub.try_evict(id, &rx) {
                    return;
                }
                continue;
            }
            _ = resend_timer(actor.resend_at), if actor.resend_at.is_some() => {
                actor.resend_at = None;
                tracing::info!(document = %actor.key, "asking peers to send again what a storage failure dropped");
                actor.sync.ask_peers_to_resend();
                Box::pin(actor.finish_batch()).await;
                continue;
            }
        };
        let Some(first) = first else { return };
        actor.failure = None;
        // Boxed: the task itself then holds only the loop's state between batches, not
        // room for the largest state of handling and committing one (issue #21: memory).
        Box::pin(actor.handle(first)).await;
        let mut handled = 1;
        while handled < MAX_BATCH {
            let Ok(cmd) = rx.try_recv() else { break };
            Box::pin(actor.handle(cmd)).await;
            handled += 1;
        }
        Box::pin(actor.finish_batch()).await;
        let durable = actor.sync.is_durable() && !std::mem::take(&mut actor.lost);
        let failure = actor.failure.take();
        for reply in actor.durable_replies.drain(..) {
            let _ = reply.send(match (durable, &failure) {
                (true, _) => Ok(()),
                (false, Some(e)) => Err(ActorError::Storage(e.clone())),
                (false, None) => Err(ActorError::NotStored),
            });
        }
        actor.in_flight.clear();
    }
}

/// The first wait before peers are asked to resend after a storage failure, and the longest.
const FIRST_RESEND: Duration = Duration::from_millis(500);
const LAST_RESEND: Duration = Duration::from_secs(8);

/// Fires at `at` (never when `None`).
async fn resend_timer(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The actor a person's edits made on the server (reviews, settlements, merges) are written
/// as: one per user, derived with this process's secret so that nobody can compute it and
/// write with it first (the history would then show their device as the approval's author).
fn person_actor(secret: &[u8; 32], user: &str) -> ActorId {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(secret);
    hasher.update(format!("linli-user:{user}").as_bytes());
    ActorId::from(hasher.finalize()[..16].to_vec())
}

/// Loads a document from the store, or starts a tentative one. Also returns how many changes
/// were loaded beyond the snapshot, and the highest change `seq` loaded.
async fn load(
    store: &Store,
    key: &str,
    server_actor: ActorId,
) -> Result<(DocumentSync, u64, i64), sqlx::Error> {
    let Some(stored) = store.load_document(key).await? else {
        return Ok((DocumentSync::tentative(server_actor), 0, 0));
    };
    let actors = store
        .actor_bindings(key)
        .await?
        .into_iter()
        .filter_map(|(actor, device)| Some((ActorId::from_str(&actor).ok()?, device)))
        .collect();
    let mut doc = match &stored.snapshot {
        Some(bytes) => Automerge::load(bytes).map_err(corrupt)?,
        None => Automerge::new(),
    };
    for change in &stored.changes {
        doc.load_incremental(change).map_err(corrupt)?;
    }
    Ok((
        DocumentSync::stored(doc, stored.root, actors, server_actor),
        stored.changes.len() as u64,
        stored.last_seq,
    ))
}

fn corrupt(e: linli_sync_core::automerge::AutomergeError) -> sqlx::Error {
    sqlx::Error::Decode(format!("stored document does not load: {e}").into())
}

/// The document could not be loaded: tell everyone waiting and stop.
fn fail_all(hub: &Hub, id: DocumentId, rx: &mut mpsc::Receiver<DocCommand>) {
    loop {
        while let Ok(cmd) = rx.try_recv() {
            if let DocCommand::Sync { peer, .. } = cmd {
                let frame = error_frame(
                    hub,
                    &peer.id,
                    "the server could not load this document; try again later",
                );
                peer.outbox.send(Outgoing::Frame(frame));
            }
        }
        if hub.try_evict(id, rx) {
            return;
        }
    }
}

fn error_frame(hub: &Hub, target: &PeerId, text: &str) -> Vec<u8> {
    wire::encode(&Message::Error {
        sender_id: hub.settings().server_peer.clone(),
        message: text.to_owned(),
        target_id: target.clone(),
    })
}

impl Actor {
    /// Nothing owed, pending or timed: the document may leave memory with its peers parked.
    fn is_quiet(&self) -> bool {
        self.sync.is_quiet()
            && self.resend_at.is_none()
            && !self.stale
            && self.durable_replies.is_empty()
    }

    /// Leaves memory while peers stay connected: their links and sync states go to the hub,
    /// which gives them to the next actor of the document. False (and nothing changed) when
    /// a command arrived meanwhile.
    fn park(&mut self, id: DocumentId, rx: &mpsc::Receiver<DocCommand>) -> bool {
        let peers = self.sync.take_peers();
        let mut parked = Vec::with_capacity(peers.len());
        for (peer, state) in peers {
            match self.links.remove(&peer) {
                Some(link) => parked.push(ParkedLink { link, sync: state }),
                // Every peer is added with its link; one without is forgotten as if gone.
                None => tracing::warn!(document = %self.key, %peer, "a peer without a link"),
            }
        }
        match self.hub.try_park(id, rx, parked) {
            Ok(()) => true,
            Err(back) => {
                for ParkedLink { link, sync: state } in back {
                    self.sync.restore_peer(link.peer.id.clone(), state);
                    self.links.insert(link.peer.id.clone(), link);
                }
                false
            }
        }
    }

    async fn handle(&mut self, cmd: DocCommand) {
        match cmd {
            DocCommand::Sync {
                peer,
                is_request,
                raw_id,
                data,
                in_flight,
            } => {
                self.in_flight.extend(in_flight);
                self.handle_sync(*peer, is_request, raw_id, data).await
            }
            DocCommand::Ephemeral { from, message } => self.relay(&from, *message),
            DocCommand::PeerGone { peer, conn } => self.peer_gone(&peer, conn).await,
            DocCommand::Edit { edit, by, reply } => {
                let actor = person_actor(&self.hub.settings().actor_secret, &by.user);
                let result = self
                    .sync
                    .apply_server_edit(&edit, &actor, &by, now_ms() / 1000);
                self.reply_when_durable(result, reply);
            }
            DocCommand::Read(read) => read(match self.sync.existence() {
                Existence::Stored(_) => Some(self.sync.doc()),
                Existence::Tentative => None,
            }),
            DocCommand::Forward { from, household } => self.forward_in(&from, &household).await,
            DocCommand::CatchUp => self.stale = true,
        }
    }

    async fn handle_sync(
        &mut self,
        peer: PeerLink,
        is_request: bool,
        raw_id: String,
        data: Vec<u8>,
    ) {
        let fresh = match self.links.get(&peer.id) {
            Some(link) => link.peer.conn != peer.conn,
            None => true,
        };
        if fresh {
            // A new connection: start its sync state afresh or from what its storage kept.
            self.sync.remove_peer(&peer.id);
            let resume = self.resume_state(&peer).await;
            self.sync
                .add_peer(peer.id.clone(), peer.principal.clone(), resume);
            self.audit_emergency_read(&peer).await;
        }
        let peer_id = peer.id.clone();
        self.links.insert(peer_id.clone(), Link { peer, raw_id });
        match self.sync.receive(&peer_id, is_request, &data, now_ms()) {
            Ok(Received::Applied) | Ok(Received::Ignored) => {}
            Ok(Received::Compensated(reason)) => {
                tracing::info!(document = %self.key, peer = %peer_id, %reason, "undid refused writes");
                self.send_error(
                    &peer_id,
                    &format!("document {}: refused and undone: {reason}", self.key),
                );
            }
            Ok(Received::Refused(reason)) => {
                tracing::info!(document = %self.key, peer = %peer_id, %reason, "refused a message");
                self.send_error(
                    &peer_id,
                    &format!("document {} refused: {reason}", self.key),
                );
            }
            Ok(Received::Unavailable) => {
                if let Some(link) = self.links.remove(&peer_id) {
                    self.sync.remove_peer(&peer_id);
                    let frame = wire::encode(&Message::DocUnavailable {
                        sender_id: self.hub.settings().server_peer.clone(),
                        target_id: peer_id.clone(),
                        document_id: link.raw_id.clone(),
                    });
                    link.peer.outbox.send(Outgoing::Frame(frame));
                }
            }
            Err(e) => {
                tracing::info!(document = %self.key, peer = %peer_id, error = %e, "refused a sync message");
                self.send_error(&peer_id, &format!("document {}: {e}", self.key));
            }
        }
    }

    /// A peer reading this document only through an emergency grant: audited, once per
    /// connection (its writes are refused: `access::may_write_in`).
    async fn audit_emergency_read(&self, peer: &PeerLink) {
        let (Some(who), Existence::Stored(root)) = (&peer.principal, self.sync.existence()) else {
            return;
        };
        if !linli_sync_core::access::reads_by_grant(who, &root.org) {
            return;
        }
        if let Err(e) = self
            .hub
            .store()
            .audit(
                Some(&who.user),
                "emergency_read",
                Some(&self.key),
                Some(root.org.as_str()),
                None,
            )
            .await
        {
            tracing::warn!(document = %self.key, error = %e, "could not audit an emergency read");
        }
    }

    async fn resume_state(&self, peer: &PeerLink) -> Option<sync::State> {
        let storage_id = peer.storage_id.as_deref()?;
        match self
            .hub
            .store()
            .load_sync_state(storage_id, &self.key)
            .await
        {
            Ok(Some(bytes)) => sync::State::decode(&bytes).ok(),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "could not load a sync state; starting afresh");
                None
            }
        }
    }

    fn relay(&mut self, from: &PeerId, message: Message) {
        let Message::Ephemeral {
            sender_id,
            count,
            session_id,
            data,
            ..
        } = message
        else {
            return;
        };
        // Only peers that may read the document take part in its ephemeral traffic.
        if !self.links.contains_key(from) || !self.sync.may_read(from) {
            return;
        }
        let key = (sender_id.clone(), session_id.clone());
        if self
            .ephemeral_seen
            .get(&key)
            .is_some_and(|last| count <= *last)
        {
            return;
        }
        self.ephemeral_seen.insert(key, count);
        for (peer_id, link) in &self.links {
            if peer_id == from || *peer_id == sender_id {
                continue;
            }
            let frame = wire::encode(&Message::Ephemeral {
                sender_id: sender_id.clone(),
                target_id: peer_id.clone(),
                count,
                session_id: session_id.clone(),
                document_id: link.raw_id.clone(),
                data: data.clone(),
            });
            link.peer.outbox.send(Outgoing::Frame(frame));
        }
    }

    async fn peer_gone(&mut self, peer: &PeerId, conn: u64) {
        let Some(link) = self.links.get(peer) else {
            return;
        };
        if link.peer.conn != conn {
            return;
        }
        let link = self.links.remove(peer).expect("checked above");
        let state = self.sync.remove_peer(peer);
        if let (Some(storage_id), Some(state)) = (link.peer.storage_id.as_deref(), state) {
            if let Err(e) = self
                .hub
                .store()
                .save_sync_state(storage_id, &self.key, &state.encode())
                .await
            {
                tracing::warn!(error = %e, "could not save a sync state");
            }
        }
    }

    fn send_error(&self, peer: &PeerId, text: &str) {
        if let Some(link) = self.links.get(peer) {
            link.peer
                .outbox
                .send(Outgoing::Frame(error_frame(&self.hub, peer, text)));
        }
    }

    /// Catches up with other nodes if told to, commits what the last batch brought, then sends
    /// every reply that is now safe to send.
    async fn finish_batch(&mut self) {
        if std::mem::take(&mut self.stale) {
            self.catch_up().await;
        }
        self.commit_owed().await;
        for (peer, data) in self.sync.poll_outgoing() {
            if let Some(link) = self.links.get(&peer) {
                let frame = wire::encode(&Message::Sync(DocMessage {
                    sender_id: self.hub.settings().server_peer.clone(),
                    target_id: peer.clone(),
                    document_id: link.raw_id.clone(),
                    data,
                }));
                link.peer.outbox.send(Outgoing::Frame(frame));
            }
        }
    }

    /// A server-side edit was made: answer once it is committed (or at once, if it failed).
    fn reply_when_durable<E: Into<ActorError>>(&mut self, result: Result<(), E>, reply: Done) {
        match result {
            Ok(()) => self.durable_replies.push(reply),
            Err(e) => {
                let _ = reply.send(Err(e.into()));
            }
        }
    }

    /// Brings the record's JSON to the commit's heads (the document's now): by the patches
    /// that moved the document on since it was last brought up to date (messages, and other
    /// nodes' changes taken in after a commit refused as behind), else read afresh.
    fn advance_record(&mut self, commit: &Commit) {
        let logged = self.sync.take_record_patches();
        let doc = self.sync.doc();
        if let (Some((heads, json)), Some((from, patches))) = (&mut self.record, logged) {
            if *heads == from && mirror::apply(json, doc, &patches) {
                *heads = commit.heads.clone();
                return;
            }
        }
        self.record = Some((commit.heads.clone(), to_json(doc)));
    }

    /// Bindings, quarantine and review items to write in the commit's transaction.
    fn commit_extras(&self, commit: &Commit) -> CommitExtras {
        let root = commit
            .create
            .clone()
            .or_else(|| match self.sync.existence() {
                Existence::Stored(root) => Some(root.clone()),
                Existence::Tentative => None,
            });
        CommitExtras {
            known_seq: self.last_seq,
            notice: Some(crate::cluster::notice(
                &self.hub.settings().node_id,
                &self.key,
            )),
            projection: root.and_then(|r| {
                let json = self
                    .record
                    .as_ref()
                    .filter(|(heads, _)| *heads == commit.heads)
                    .map(|(_, json)| json);
                let time_zone = &self.hub.settings().time_zone;
                let rows = match json {
                    Some(json) => Projection::of_json(json, &r, time_zone)?,
                    None => Projection::of(self.sync.doc(), &r, time_zone)?,
                };
                Some(ProjectionWrite {
                    org: r.org.to_string(),
                    rows: Arc::new(rows),
                    base: self
                        .projected
                        .as_ref()
                        .filter(|(seq, _)| *seq == self.last_seq)
                        .map(|(_, rows)| rows.clone()),
                })
            }),
            bindings: commit
                .bindings
                .iter()
                .map(|(actor, who)| Binding {
                    actor: actor.to_hex_string(),
                    user: who.user.clone(),
                    device: who.device.clone(),
                })
                .collect(),
            quarantine: commit
                .quarantine
                .iter()
                .map(|q| self.quarantine_entry(q))
                .collect(),
            conflicts: commit
                .conflicts
                .iter()
                .map(|c| NewConflict {
                    path: c.path.join("/"),
                    candidates: serde_json::to_string(&c.values).unwrap_or_default(),
                    item: "conflict",
                    note: None,
                })
                .chain(commit.flags.iter().map(|f| self.flag_item(commit, f)))
                .chain(
                    commit
                        .removed_while_edited
                        .iter()
                        .map(|(removal, fields)| NewConflict {
                            path: removal.path.join("/"),
                            candidates: serde_json::to_string(&removal.values).unwrap_or_default(),
                            item: "removed_edited",
                            note: Some(format!("removed_while_edited: {}", fields.join(", "))),
                        }),
                )
                .collect(),
            superseded: commit.superseded.iter().map(|p| p.join("/")).collect(),
            resolved: commit
                .resolved
                .iter()
                .map(|(path, by, value)| Resolved {
                    path: path.join("/"),
                    by: by.user.clone(),
                    value: value.to_string(),
                })
                .collect(),
            moved: commit
                .moved
                .as_ref()
                .and_then(|moved| match self.sync.existence() {
                    Existence::Stored(root) => Some(crate::store::Move {
                        from: moved.from.to_string(),
                        to: root.org.to_string(),
                        on: moved.on.clone(),
                    }),
                    Existence::Tentative => None,
                }),
        }
    }

    /// Writes one merge step as `by`'s change (a household only).
    /// Moves what is new in a registration merged into this one (written to it after the
    /// merge, by a device that still held it) over here, and records it in the merge's plan.
    async fn forward_in(&mut self, from: &str, other: &linli_sync_core::contract::Household) {
        use linli_sync_core::merge;
        let store = self.hub.store().clone();
        let Ok(Some(record)) = store.merge_of(from).await else {
            return;
        };
        if record.kept != self.key {
            return;
        }
        let Ok(before) = serde_json::from_str::<merge::MergePlan>(&record.plan) else {
            return;
        };
        let Ok(keep) = linli_sync_core::contract::read_record::<linli_sync_core::contract::Household>(
            self.sync.doc(),
        ) else {
            return;
        };
        let more = merge::plan(&keep, other, &[], Some(&before));
        if more.added_members.is_empty() && more.added_visits.is_empty() {
            return;
        }
        let Existence::Stored(root) = self.sync.existence() else {
            return;
        };
        // Written as the supervisor who merged (history shows the merge's author).
        let by = Principal {
            user: record.by_user.clone(),
            role: linli_sync_core::access::Role::Supervisor,
            org: root.org.clone(),
            device: "merge".into(),
            extra_read: Vec::new(),
        };
        let step = MergeStep::Absorb {
            other: Box::new(other.clone()),
            plan: more.clone(),
        };
        let actor = person_actor(&self.hub.settings().actor_secret, &by.user);
        let edit = ServerEdit::Merge(step);
        if self
            .sync
            .apply_server_edit(&edit, &actor, &by, now_ms() / 1000)
            .is_err()
        {
            return;
        }
        let mut plan = before;
        plan.added_members.extend(more.added_members);
        plan.added_visits.extend(more.added_visits);
        if let Ok(json) = serde_json::to_string(&plan) {
            if let Err(e) = store.update_merge_plan(record.id, &json).await {
                tracing::warn!(document = %self.key, error = %e, "could not record forwarded writes");
            }
        }
    }

    /// After a commit brought peers' writes to a registration merged into another: tell the
    /// authors, and send what they wrote to the kept registration.
    pub(super) fn follow_merge(&self, authors: &std::collections::BTreeSet<PeerId>) {
        let Some(kept) = linli_sync_core::merge::merged_into(self.sync.doc()) else {
            return;
        };
        if authors.is_empty() {
            return;
        }
        for peer in authors {
            self.send_error(
                peer,
                &format!(
                    "document {} was merged into {kept} by a supervisor: what you wrote here is moved there; open automerge:{kept}",
                    self.key
                ),
            );
        }
        let Ok(household) = linli_sync_core::contract::read_record::<
            linli_sync_core::contract::Household,
        >(self.sync.doc()) else {
            return;
        };
        let Ok(kept_id) = DocumentId::parse(&kept) else {
            return;
        };
        let hub = self.hub.clone();
        let from = self.key.clone();
        tokio::spawn(async move {
            let _ = hub
                .send(
                    kept_id,
                    DocCommand::Forward {
                        from,
                        household: Box::new(household),
                    },
                )
                .await;
        });
    }

    /// The review item for an implausible value: the value with the actor of the commit's
    /// last change that is not the server's (who wrote it), and why it is flagged.
    fn flag_item(&self, commit: &Commit, flag: &Implausible) -> NewConflict {
        let author = commit
            .changes
            .iter()
            .rev()
            .find(|c| *c.actor_id() != self.hub.settings().server_actor);
        let candidates = serde_json::json!([{
            "value": flag.value,
            "actor": author.map(|c| c.actor_id().to_hex_string()).unwrap_or_default(),
            "time": author.map(|c| c.timestamp()).unwrap_or(0),
        }]);
        NewConflict {
            path: flag.path.join("/"),
            candidates: candidates.to_string(),
            item: "implausible",
            note: Some(flag.why.clone()),
        }
    }

    /// Who a peer is, for the change log and quarantine.
    fn origin_of(&self, peer: &PeerId) -> Origin {
        let principal = self.links.get(peer).and_then(|l| l.peer.principal.as_ref());
        Origin {
            peer: Some(peer.0.clone()),
            user: principal.map(|p| p.user.clone()),
            device: principal.map(|p| p.device.clone()),
        }
    }

    fn quarantine_entry(&self, q: &Quarantined) -> QuarantineEntry {
        QuarantineEntry {
            document_id: self.key.clone(),
            origin: Origin {
                peer: Some(q.peer.0.clone()),
                user: q.principal.as_ref().map(|p| p.user.clone()),
                device: q.principal.as_ref().map(|p| p.device.clone()),
            },
            reason: q.reason.clone(),
            bytes: q.changes.concat(),
            org: match self.sync.existence() {
                Existence::Stored(root) => Some(root.org.to_string()),
                Existence::Tentative => q.principal.as_ref().map(|p| p.org.to_string()),
            },
            writes: {
                let writes: Vec<serde_json::Value> = q
                    .writes
                    .iter()
                    .filter_map(|w| {
                        let value = w.json_value()?;
                        Some(serde_json::json!({ "path": w.path_string(), "value": value }))
                    })
                    .collect();
                (!writes.is_empty()).then(|| serde_json::Value::from(writes).to_string())
            },
        }
    }

    /// Saves the document (durable: called right after a commit) as its snapshot, covering
    /// the changes up to `last_seq`, all of which it holds.
    async fn compact(&mut self) {
        let bytes = self.sync.doc().save();
        match self
            .hub
            .store()
            .save_snapshot(&self.key, &bytes, self.last_seq)
            .await
        {
            Ok(()) => self.changes_since_snapshot = 0,
            Err(e) => {
                tracing::warn!(document = %self.key, error = %e, "compaction failed; will retry")
            }
        }
    }
}
