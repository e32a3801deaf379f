//! The registry of documents in memory: one actor task per loaded document, started on first
//! use and stopped when no peer has used it for a while. A document whose peers stay
//! connected but quiet leaves memory too: it is parked, its peers' links and sync states kept
//! here (a few hundred bytes each instead of the document, its actor and its queue), and the
//! next command for it starts an actor that takes them back.
//!
//! Each actor's command queue is bounded. A sender that finds it full waits (up to
//! [`HubSettings::queue_wait`]) for room; every command is put in the queue while the registry
//! lock is held, so an actor's "is anything waiting? then remove me" stays atomic and eviction
//! never loses a command.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use linli_sync_core::wire::PeerId;
use linli_sync_core::DocumentId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::doc_actor::{self, DocCommand, ParkedLink};
use crate::store::group_commit::GroupCommitter;
use crate::store::Store;

/// Settings the document actors need.
#[derive(Clone, Debug)]
pub struct HubSettings {
    /// The server's peer id on the wire.
    pub server_peer: PeerId,
    /// How long an idle document stays loaded.
    pub evict_after: Duration,
    /// How long a quiet document with connected peers stays loaded before it is parked.
    pub park_after: Duration,
    /// Compact after this many new changes.
    pub snapshot_every: u64,
    /// The actor the server writes its own changes (compensations) as.
    pub server_actor: linli_sync_core::automerge::ActorId,
    /// Commands one document's queue holds.
    pub queue_capacity: usize,
    /// How long a sender waits for room in a full queue.
    pub queue_wait: Duration,
    /// This process's id among the nodes sharing the database (in change notices).
    pub node_id: String,
    /// The time zone visits are projected (dated) in.
    pub time_zone: String,
    /// Random per process: people's server-side actors are derived with it (unguessable).
    pub actor_secret: [u8; 32],
    /// Operations one received sync message may carry.
    pub max_ops_per_message: u64,
}

/// The connection holding a peer id: its number, its device (authenticated connections) and
/// the token that ends it.
type PeerHolder = (u64, Option<String>, CancellationToken);

/// A command could not be queued: the document's queue stayed full for the whole wait.
#[derive(Debug)]
pub struct Busy;

/// Shared handle to the document registry.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

/// A live connection of a device: its number, when it began (ms), and how to end it.
type DeviceConnection = (u64, i64, CancellationToken);

/// A document in the registry.
enum Slot {
    /// Its actor runs; commands go to its queue.
    Running(mpsc::Sender<DocCommand>),
    /// It left memory while these peers stayed connected.
    Parked(Vec<ParkedLink>),
}

struct Inner {
    store: Store,
    committer: GroupCommitter,
    settings: HubSettings,
    docs: Mutex<HashMap<DocumentId, Slot>>,
    /// Connected peers: the connection holding each peer id.
    peers: Mutex<HashMap<PeerId, PeerHolder>>,
    devices: Mutex<HashMap<String, Vec<DeviceConnection>>>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
}

impl Hub {
    /// A registry over `store`; tasks it starts are tracked by `tracker`.
    pub fn new(
        store: Store,
        settings: HubSettings,
        tracker: TaskTracker,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                committer: GroupCommitter::start(store.clone()),
                store,
                settings,
                docs: Mutex::new(HashMap::new()),
                peers: Mutex::new(HashMap::new()),
                devices: Mutex::new(HashMap::new()),
                tracker,
                shutdown,
            }),
        }
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Where document actors hand their commits (group commit).
    pub fn committer(&self) -> &GroupCommitter {
        &self.inner.committer
    }

    /// Actor settings.
    pub fn settings(&self) -> &HubSettings {
        &self.inner.settings
    }

    /// Cancelled when the server shuts down.
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// Number of documents loaded in memory (their actors running).
    pub fn loaded_documents(&self) -> usize {
        let docs = self.inner.docs.lock().expect("registry lock");
        docs.values()
            .filter(|slot| matches!(slot, Slot::Running(_)))
            .count()
    }

    /// Number of documents parked: out of memory, with connected peers waiting for changes.
    pub fn parked_documents(&self) -> usize {
        let docs = self.inner.docs.lock().expect("registry lock");
        docs.values()
            .filter(|slot| matches!(slot, Slot::Parked(_)))
            .count()
    }

    /// The documents loaded or parked right now (those with peers to keep up to date).
    pub fn loaded_ids(&self) -> Vec<DocumentId> {
        self.inner
            .docs
            .lock()
            .expect("registry lock")
            .keys()
            .copied()
            .collect()
    }

    /// True when the document is loaded in memory or parked.
    pub fn is_loaded(&self, id: DocumentId) -> bool {
        self.inner
            .docs
            .lock()
            .expect("registry lock")
            .contains_key(&id)
    }

    /// Number of peers connected.
    pub fn connected_peers(&self) -> usize {
        self.inner.peers.lock().expect("peer lock").len()
    }

    /// Delivers a command to a document's actor, starting the actor if needed. When its queue
    /// is full, waits up to [`HubSettings::queue_wait`] for room; after that the command is
    /// handed back undelivered.
    pub async fn send(&self, id: DocumentId, cmd: DocCommand) -> Result<(), Busy> {
        let deadline = Instant::now() + self.inner.settings.queue_wait;
        self.deliver(id, cmd, Some(deadline), true).await
    }

    /// Delivers a command to a document's actor if it is loaded or parked (a document not in
    /// memory holds no state of any peer), waiting for room as long as it takes. A parked
    /// document is loaded again for it.
    pub async fn send_if_loaded(&self, id: DocumentId, cmd: DocCommand) {
        let _ = self.deliver(id, cmd, None, false).await;
    }

    /// Delivers a command to a loaded document's actor if there is room right now; drops it
    /// otherwise (for messages that are lossy by nature, such as ephemeral ones). A parked
    /// document is loaded again for it.
    pub fn try_send_if_loaded(&self, id: DocumentId, cmd: DocCommand) -> bool {
        let mut docs = self.inner.docs.lock().expect("registry lock");
        match docs.get(&id) {
            Some(Slot::Running(tx)) => tx.try_send(cmd).is_ok(),
            Some(Slot::Parked(_)) => {
                self.start(&mut docs, id, cmd);
                true
            }
            None => false,
        }
    }

    /// Connection `conn` of `peer` ended: the document's actor saves the peer's sync state
    /// and forgets it; a parked document is not loaded for that, the hub does it itself.
    pub async fn peer_gone(&self, id: DocumentId, peer: &PeerId, conn: u64) {
        let parked = {
            let mut docs = self.inner.docs.lock().expect("registry lock");
            match docs.get_mut(&id) {
                Some(Slot::Parked(links)) => {
                    let gone = links
                        .iter()
                        .position(|link| link.is(peer, conn))
                        .map(|at| links.swap_remove(at));
                    if links.is_empty() {
                        docs.remove(&id);
                    }
                    Some(gone)
                }
                _ => None,
            }
        };
        match parked {
            Some(Some(link)) => {
                if let Some((storage_id, state)) = link.state_to_save() {
                    let key = id.to_string();
                    if let Err(e) = self.store().save_sync_state(storage_id, &key, &state).await {
                        tracing::warn!(error = %e, "could not save a sync state");
                    }
                }
            }
            Some(None) => {}
            None => {
                let cmd = DocCommand::PeerGone {
                    peer: peer.clone(),
                    conn,
                };
                self.send_if_loaded(id, cmd).await;
            }
        }
    }

    async fn deliver(
        &self,
        id: DocumentId,
        mut cmd: DocCommand,
        deadline: Option<Instant>,
        start: bool,
    ) -> Result<(), Busy> {
        loop {
            let full = {
                let mut docs = self.inner.docs.lock().expect("registry lock");
                let sent = match docs.get(&id) {
                    Some(Slot::Running(tx)) => tx.try_send(cmd).map_err(|e| (e, tx.clone())),
                    Some(Slot::Parked(_)) => {
                        self.start(&mut docs, id, cmd);
                        return Ok(());
                    }
                    None if start => {
                        self.start(&mut docs, id, cmd);
                        return Ok(());
                    }
                    None => return Ok(()),
                };
                match sent {
                    Ok(()) => return Ok(()),
                    Err((mpsc::error::TrySendError::Full(back), tx)) => {
                        cmd = back;
                        tx
                    }
                    // The actor ended without leaving the registry: start another.
                    Err((mpsc::error::TrySendError::Closed(back), _)) => {
                        cmd = back;
                        docs.remove(&id);
                        continue;
                    }
                }
            };
            // Wait for room without holding the registry lock, then try again under it (a
            // reservation taken here is given back at once: sending happens under the lock).
            let room = full.reserve();
            let room = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, room).await {
                    Ok(room) => room,
                    Err(_) => return Err(Busy),
                },
                None => room.await,
            };
            drop(room);
        }
    }

    /// Starts the document's actor with `cmd` first in its queue (under the registry lock),
    /// handing it the peers parked with the document, if any.
    fn start(&self, docs: &mut HashMap<DocumentId, Slot>, id: DocumentId, cmd: DocCommand) {
        let (tx, rx) = mpsc::channel(self.inner.settings.queue_capacity.max(1));
        tx.try_send(cmd).expect("a new queue has room");
        let parked = match docs.insert(id, Slot::Running(tx)) {
            Some(Slot::Parked(links)) => links,
            _ => Vec::new(),
        };
        self.inner
            .tracker
            .spawn(doc_actor::run(id, rx, self.clone(), parked));
    }

    /// Removes a document from the registry if nothing is waiting for it. Called by its actor
    /// before it stops; holding the registry lock makes the check and the removal atomic.
    pub(crate) fn try_evict(&self, id: DocumentId, rx: &mpsc::Receiver<DocCommand>) -> bool {
        let mut docs = self.inner.docs.lock().expect("registry lock");
        if rx.is_empty() {
            docs.remove(&id);
            true
        } else {
            false
        }
    }

    /// Parks a quiet document whose peers stay connected, if nothing is waiting for it (as
    /// [`try_evict`](Self::try_evict)); otherwise hands its peers back.
    pub(crate) fn try_park(
        &self,
        id: DocumentId,
        rx: &mpsc::Receiver<DocCommand>,
        links: Vec<ParkedLink>,
    ) -> Result<(), Vec<ParkedLink>> {
        let mut docs = self.inner.docs.lock().expect("registry lock");
        if !rx.is_empty() {
            return Err(links);
        }
        if links.is_empty() {
            docs.remove(&id);
        } else {
            docs.insert(id, Slot::Parked(links));
        }
        Ok(())
    }

    /// Records that `peer` joined on connection `conn` of `device` (`None`: unauthenticated,
    /// development only). A peer id belongs to the device whose connection holds it: a newer
    /// connection of the same device takes it over and the older one is ended (a reconnect,
    /// as the reference server does); another device may not have it, and false is returned.
    pub fn peer_joined(
        &self,
        peer: &PeerId,
        conn: u64,
        device: Option<&str>,
        kill: CancellationToken,
    ) -> bool {
        let mut peers = self.inner.peers.lock().expect("peer lock");
        if let Some((old_conn, old_device, old_kill)) = peers.get(peer) {
            if *old_conn != conn {
                if old_device.as_deref() != device {
                    return false;
                }
                old_kill.cancel();
            }
        }
        peers.insert(peer.clone(), (conn, device.map(str::to_owned), kill));
        true
    }

    /// Records that connection `conn` is authenticated as `device`.
    pub fn device_connected(&self, device: &str, conn: u64, kill: CancellationToken) {
        self.inner
            .devices
            .lock()
            .expect("device lock")
            .entry(device.to_owned())
            .or_default()
            .push((conn, crate::clock::now_ms(), kill));
    }

    /// Records that connection `conn` of `device` ended.
    pub fn device_disconnected(&self, device: &str, conn: u64) {
        let mut devices = self.inner.devices.lock().expect("device lock");
        if let Some(list) = devices.get_mut(device) {
            list.retain(|(c, _, _)| *c != conn);
            if list.is_empty() {
                devices.remove(device);
            }
        }
    }

    /// Ends every connection of a revoked device at once.
    pub fn revoke_device(&self, device: &str) {
        if let Some(list) = self
            .inner
            .devices
            .lock()
            .expect("device lock")
            .remove(device)
        {
            for (_, _, kill) in list {
                kill.cancel();
            }
        }
    }

    /// Ends the connections of `device` that began before `before_ms` (its user changed
    /// then: those connections still act as the user was; later ones already see the change).
    pub fn end_connections_before(&self, device: &str, before_ms: i64) {
        let mut devices = self.inner.devices.lock().expect("device lock");
        if let Some(list) = devices.get_mut(device) {
            list.retain(|(_, started, kill)| {
                let old = *started < before_ms;
                if old {
                    kill.cancel();
                }
                !old
            });
            if list.is_empty() {
                devices.remove(device);
            }
        }
    }

    /// Records that connection `conn` of `peer` ended.
    pub fn peer_left(&self, peer: &PeerId, conn: u64) {
        let mut peers = self.inner.peers.lock().expect("peer lock");
        if peers.get(peer).is_some_and(|(c, _, _)| *c == conn) {
            peers.remove(peer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_sync_core::automerge::ActorId;

    fn read() -> DocCommand {
        DocCommand::Read(Box::new(|_| {}))
    }

    #[tokio::test]
    async fn a_full_queue_makes_senders_wait_and_then_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open(None, dir.path()).await.unwrap();
        let wait = Duration::from_millis(200);
        let hub = Hub::new(
            store,
            HubSettings {
                server_peer: PeerId("server".into()),
                evict_after: Duration::from_secs(60),
                park_after: Duration::from_secs(30),
                snapshot_every: 256,
                server_actor: ActorId::random(),
                queue_capacity: 2,
                queue_wait: wait,
                node_id: "test".into(),
                time_zone: linli_sync_core::calendar::DEFAULT_TIME_ZONE.into(),
                actor_secret: rand::random(),
                max_ops_per_message: linli_sync_core::message_cost::DEFAULT_MAX_OPS,
            },
            TaskTracker::new(),
            CancellationToken::new(),
        );
        // A stand-in for a busy actor: registered, not reading its queue.
        let id = DocumentId::from_bytes(rand::random());
        let (tx, mut rx) = mpsc::channel(2);
        hub.inner.docs.lock().unwrap().insert(id, Slot::Running(tx));
        hub.send(id, read()).await.unwrap();
        hub.send(id, read()).await.unwrap();
        let started = Instant::now();
        assert!(hub.send(id, read()).await.is_err(), "the queue is full");
        assert!(started.elapsed() >= wait, "the sender waited first");
        assert!(
            !hub.try_send_if_loaded(id, read()),
            "lossy sends do not wait"
        );

        // Room made while a sender waits lets it in.
        let waiting = tokio::spawn({
            let hub = hub.clone();
            async move { hub.send(id, read()).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        rx.recv().await.unwrap();
        waiting.await.unwrap().unwrap();
        assert_eq!(rx.len(), 2);

        // A document not in memory is not loaded just to be told a peer left.
        let other = DocumentId::from_bytes(rand::random());
        hub.send_if_loaded(other, read()).await;
        assert_eq!(hub.loaded_documents(), 1);
    }
}
