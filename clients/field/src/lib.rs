//! Linli's offline field client: documents live in a local SQLite file, are created and
//! edited with no network, and are synced with the server over the automerge-repo protocol
//! when a connection is available. The CLI in `main.rs` is a thin layer over [`FieldClient`].
//!
//! - `local_store.rs`: the SQLite file (documents, sync states, settings).
//! - `household.rs`, `volunteer.rs`: offline edits of the contract's records.
//! - `status.rs`: pending changes, last sync, login.
//! - `session.rs`, `auth.rs`, `http.rs`, `remote.rs`: login, token renewal, the JSON API.
//! - `net.rs`: one sync round over a websocket.

mod auth;
mod error;
mod household;
mod http;
mod local_store;
mod net;
mod remote;
mod session;
mod status;
mod volunteer;

use std::path::Path;
use std::time::Duration;

use linli_sync_core::automerge::{transaction::Transactable, ActorId, Automerge, ROOT};
use linli_sync_core::client::ClientSession;
use linli_sync_core::contract::{root_string, Kind};
use linli_sync_core::wire::{PeerId, PeerMetadata};
use linli_sync_core::DocumentId;

pub use error::FieldError;
pub use household::{HouseholdEdit, MemberEdit, NewVisit};
pub use local_store::LocalStore;
pub use net::SyncReport;
pub use remote::{PullReport, Remote, RemoteDocument, DEFAULT_SERVER};
pub use session::{ServerUrl, Session};
pub use status::{LoginInfo, Status};
pub use volunteer::{EntryEdit, EntryEdited};

/// A device: its local store and its sync session.
pub struct FieldClient {
    store: LocalStore,
    session: ClientSession,
    actor: ActorId,
    storage_id: String,
}

impl FieldClient {
    /// Opens the device's store and loads every document in it.
    pub async fn open(path: &Path) -> Result<Self, FieldError> {
        let store = LocalStore::open(path).await?;
        let actor = store.actor().await?;
        let peer = store
            .meta_or_init("peer_id", || {
                format!("field-{:016x}", rand::random::<u64>())
            })
            .await?;
        let storage_id = store
            .meta_or_init("storage_id", || {
                format!("field-store-{:032x}", rand::random::<u128>())
            })
            .await?;
        let mut session = ClientSession::new(
            PeerId(peer),
            PeerMetadata {
                storage_id: Some(storage_id.clone()),
                is_ephemeral: Some(false),
            },
        );
        for d in store.load_all().await? {
            session.insert(d.id, d.doc, d.sync_state);
        }
        Ok(Self {
            store,
            session,
            actor,
            storage_id,
        })
    }

    /// This device's storage id, which the server keeps sync positions under.
    pub fn storage_id(&self) -> &str {
        &self.storage_id
    }

    /// The local copy of a document.
    pub fn document(&self, id: &DocumentId) -> Option<&Automerge> {
        self.session.doc(id)
    }

    /// The ids of every local document.
    pub fn document_ids(&self) -> Vec<DocumentId> {
        self.session.ids().copied().collect()
    }

    /// A document's content as JSON.
    pub fn show(&self, id: &DocumentId) -> Result<serde_json::Value, FieldError> {
        let doc = self
            .session
            .doc(id)
            .ok_or_else(|| FieldError::NoSuchDocument(id.to_string()))?;
        Ok(linli_sync_core::contract::to_json(doc))
    }

    /// Sets a text field at the document's root (e.g. `name`, `address`).
    pub async fn set_field(
        &mut self,
        id: &DocumentId,
        key: &str,
        value: &str,
    ) -> Result<(), FieldError> {
        if matches!(key, "kind" | "schema" | "org") {
            return Err(FieldError::Invalid(format!("`{key}` is fixed at creation")));
        }
        let actor = self.actor.clone();
        let doc = self.doc_mut(id)?;
        doc.set_actor(actor);
        let mut tx = doc.transaction();
        tx.put(ROOT, key, value)?;
        tx.commit();
        self.persist(id).await
    }

    /// Makes an arbitrary local change to a document (offline) with this device's actor.
    pub async fn change(
        &mut self,
        id: &DocumentId,
        edit: impl FnOnce(
            &mut linli_sync_core::automerge::transaction::Transaction<'_>,
        ) -> Result<(), FieldError>,
    ) -> Result<(), FieldError> {
        let actor = self.actor.clone();
        let doc = self.doc_mut(id)?;
        doc.set_actor(actor);
        let mut tx = doc.transaction();
        edit(&mut tx)?;
        tx.commit();
        self.persist(id).await
    }

    /// Creates a document from any schema-1 record (offline); returns its id.
    pub async fn create<T: linli_sync_core::autosurgeon::Reconcile>(
        &mut self,
        record: &T,
    ) -> Result<DocumentId, FieldError> {
        let mut doc = Automerge::new();
        doc.set_actor(self.actor.clone());
        let mut tx = doc.transaction();
        linli_sync_core::autosurgeon::reconcile(&mut tx, record)?;
        tx.commit();
        let id = DocumentId::from_bytes(rand::random());
        self.session.insert(id, doc, None);
        self.persist(&id).await?;
        Ok(id)
    }

    /// Marks a document to be fetched from the server at the next sync.
    pub fn pull(&mut self, id: DocumentId) {
        if self.session.doc(&id).is_none() {
            self.session.request(id);
        }
    }

    /// Connects to `url` with the access token `token` (if any), exchanges changes until every
    /// document is in step with the server (or `timeout` passes), and saves the result.
    pub async fn sync_with(
        &mut self,
        url: &str,
        token: Option<&str>,
        timeout: Duration,
    ) -> Result<SyncReport, FieldError> {
        let report = net::sync(&mut self.session, url, token, timeout).await;
        // Whatever happened, keep what arrived.
        for id in self.document_ids() {
            self.persist(&id).await?;
        }
        let report = report?;
        if report.complete {
            self.store
                .set_meta("last_sync_ms", &local_store::now_ms().to_string())
                .await?;
        }
        Ok(report)
    }

    /// Like [`sync_with`](Self::sync_with) without a token (development servers).
    pub async fn sync(&mut self, url: &str, timeout: Duration) -> Result<SyncReport, FieldError> {
        self.sync_with(url, None, timeout).await
    }

    /// Closes the local store.
    pub async fn close(self) {
        self.store.close().await;
    }

    /// Fails unless the local document `id` exists and is a `kind` record.
    fn expect_kind(&self, id: &DocumentId, kind: Kind) -> Result<(), FieldError> {
        let doc = self
            .session
            .doc(id)
            .filter(|d| !d.get_heads().is_empty())
            .ok_or_else(|| FieldError::NoSuchDocument(id.to_string()))?;
        match root_string(doc, "kind") {
            Some(k) if k == kind.as_str() => Ok(()),
            other => Err(FieldError::Invalid(format!(
                "document {id} is a {}, not a {}",
                other.as_deref().unwrap_or("document of no known kind"),
                kind.as_str()
            ))),
        }
    }

    fn doc_mut(&mut self, id: &DocumentId) -> Result<&mut Automerge, FieldError> {
        self.session
            .doc_mut(id)
            .ok_or_else(|| FieldError::NoSuchDocument(id.to_string()))
    }

    async fn persist(&self, id: &DocumentId) -> Result<(), FieldError> {
        if let Some(doc) = self.session.doc(id) {
            if doc.get_heads().is_empty() {
                return Ok(());
            }
            self.store
                .save(id, doc, self.session.sync_state(id))
                .await?;
        }
        Ok(())
    }
}

/// A fresh random id for an item in a document (member, visit, entry).
pub(crate) fn new_item_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}
