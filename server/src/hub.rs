//! The registry of documents in memory: one actor task per loaded document, started on first
//! use and stopped when no peer has used it for a while.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use linli_sync_core::wire::PeerId;
use linli_sync_core::DocumentId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::doc_actor::{self, DocCommand};
use crate::store::Store;

/// Settings the document actors need.
#[derive(Clone, Debug)]
pub struct HubSettings {
    /// The server's peer id on the wire.
    pub server_peer: PeerId,
    /// How long an idle document stays loaded.
    pub evict_after: Duration,
    /// Compact after this many new changes.
    pub snapshot_every: u64,
    /// The actor the server writes its own changes (compensations) as.
    pub server_actor: linli_sync_core::automerge::ActorId,
}

/// Shared handle to the document registry.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    settings: HubSettings,
    docs: Mutex<HashMap<DocumentId, mpsc::UnboundedSender<DocCommand>>>,
    peers: Mutex<HashMap<PeerId, (u64, CancellationToken)>>,
    devices: Mutex<HashMap<String, Vec<(u64, CancellationToken)>>>,
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

    /// Actor settings.
    pub fn settings(&self) -> &HubSettings {
        &self.inner.settings
    }

    /// Cancelled when the server shuts down.
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// Number of documents loaded in memory.
    pub fn loaded_documents(&self) -> usize {
        self.inner.docs.lock().expect("registry lock").len()
    }

    /// Number of peers connected.
    pub fn connected_peers(&self) -> usize {
        self.inner.peers.lock().expect("peer lock").len()
    }

    /// Delivers a command to a document's actor, starting the actor if needed.
    pub fn send(&self, id: DocumentId, cmd: DocCommand) {
        let mut docs = self.inner.docs.lock().expect("registry lock");
        let cmd = match docs.get(&id) {
            Some(tx) => match tx.send(cmd) {
                Ok(()) => return,
                Err(mpsc::error::SendError(cmd)) => cmd,
            },
            None => cmd,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(cmd);
        docs.insert(id, tx);
        self.inner
            .tracker
            .spawn(doc_actor::run(id, rx, self.clone()));
    }

    /// Removes a document from the registry if nothing is waiting for it. Called by its actor
    /// before it stops; holding the registry lock makes the check and the removal atomic.
    pub(crate) fn try_evict(
        &self,
        id: DocumentId,
        rx: &mpsc::UnboundedReceiver<DocCommand>,
    ) -> bool {
        let mut docs = self.inner.docs.lock().expect("registry lock");
        if rx.is_empty() {
            docs.remove(&id);
            true
        } else {
            false
        }
    }

    /// Records that `peer` joined on connection `conn`; an older connection of the same peer
    /// is ended (as the reference server does).
    pub fn peer_joined(&self, peer: &PeerId, conn: u64, kill: CancellationToken) {
        let old = self
            .inner
            .peers
            .lock()
            .expect("peer lock")
            .insert(peer.clone(), (conn, kill));
        if let Some((old_conn, old_kill)) = old {
            if old_conn != conn {
                old_kill.cancel();
            }
        }
    }

    /// Records that connection `conn` is authenticated as `device`.
    pub fn device_connected(&self, device: &str, conn: u64, kill: CancellationToken) {
        self.inner
            .devices
            .lock()
            .expect("device lock")
            .entry(device.to_owned())
            .or_default()
            .push((conn, kill));
    }

    /// Records that connection `conn` of `device` ended.
    pub fn device_disconnected(&self, device: &str, conn: u64) {
        let mut devices = self.inner.devices.lock().expect("device lock");
        if let Some(list) = devices.get_mut(device) {
            list.retain(|(c, _)| *c != conn);
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
            for (_, kill) in list {
                kill.cancel();
            }
        }
    }

    /// Records that connection `conn` of `peer` ended.
    pub fn peer_left(&self, peer: &PeerId, conn: u64) {
        let mut peers = self.inner.peers.lock().expect("peer lock");
        if peers.get(peer).is_some_and(|(c, _)| *c == conn) {
            peers.remove(peer);
        }
    }
}
