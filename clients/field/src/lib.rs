//! Linli's offline field client: documents live in a local SQLite file, are created and
//! edited with no network, and are synced with the server over the automerge-repo protocol
//! when a connection is available. The CLI in `main.rs` is a thin layer over [`FieldClient`].
//!
//! - `local_store.rs`: the SQLite file (documents, sync states, settings).
//! - `crypto.rs`, `unlocked.rs`: encryption at rest (a key derived from the password) and the
//!   unlocked-key file that spares later commands the password.
//! - `household.rs`, `volunteer.rs`, `requests.rs`: offline edits of the contract's records;
//!   `checks.rs`: the values they take, checked before anything is written.
//! - `due.rs`: which households are due a visit (follow-up plans), from the local documents.
//! - `status.rs`: pending changes, last sync, login.
//! - `session.rs`, `auth.rs`, `http.rs`, `remote.rs`: login, token renewal, the JSON API.
//! - `volunteer_online.rs`: a volunteer's hours and stars, certificates, activities and
//!   check-in codes through the server; the hours on the device and kept scans without it.
//! - `net.rs`: one sync round over a websocket.

mod auth;
pub mod checks;
mod crypto;
mod due;
mod error;
mod household;
mod http;
mod local_store;
mod net;
mod remote;
mod requests;
mod scope;
mod session;
mod status;
mod unlocked;
mod volunteer;
mod volunteer_online;
#[cfg(test)]
mod worker_day_tests;

use std::path::Path;
use std::time::Duration;

use linli_sync_core::automerge::{transaction::Transactable, ActorId, Automerge, ROOT};
use linli_sync_core::client::ClientSession;
use linli_sync_core::contract::{root_string, Kind};
use linli_sync_core::wire::{PeerId, PeerMetadata};
use linli_sync_core::DocumentId;

pub use crypto::{Encryption, KdfParams, StoreKey, KDF_PARAMS};
pub use due::{DueReport, HouseholdDue};
pub use error::FieldError;
pub use household::{EmploymentChange, EmploymentRecorded, HouseholdEdit, MemberEdit, NewVisit};
pub use local_store::{LocalStore, StoreState};
pub use net::{ScopeChange, SyncReport, Undeliverable};
pub use remote::{PullReport, Remote, RemoteDocument, DEFAULT_SERVER};
pub use requests::{Assignment, NewRequest, RequestSummary, RequestUpdate};
pub use session::{ServerUrl, Session};
pub use status::{LoginInfo, Status};
pub use unlocked::UnlockedKey;
pub use volunteer::{EntryEdit, EntryEdited};
pub use volunteer_online::{
    check_api_id, check_code, check_year, is_unreachable, Activity, Certificate, CheckInOutcome,
    Credited, DeviceStanding, Mine, MyAttendance, PendingCheckIn, SendReport, SentCheckIn,
    Standing,
};

/// A device: its local store and its sync session.
pub struct FieldClient {
    store: LocalStore,
    session: ClientSession,
    actor: ActorId,
    storage_id: String,
}

/// What opening a store with a password did to its encryption.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyChange {
    /// Nothing: the store was encrypted with this password and today's KDF parameters.
    None,
    /// The store was not encrypted (new, or from before encryption): it is now.
    Encrypted,
    /// The store's KDF parameters were below today's: it was re-encrypted with them.
    Strengthened,
}

impl FieldClient {
    /// Opens an unencrypted store (for tests and tools: records are kept in clear) and loads
    /// every document in it. Refuses an encrypted store ([`FieldError::Encrypted`]); the
    /// `linli-field` CLI never uses this for a store that holds anything.
    pub async fn open(path: &Path) -> Result<Self, FieldError> {
        let store = LocalStore::open(path).await?;
        if store.state().await? == StoreState::Encrypted {
            return Err(FieldError::Encrypted);
        }
        Self::from_store(store).await
    }

    /// Opens an encrypted store with its key (from [`store_key`](Self::store_key) or the
    /// unlocked-key file) and loads every document in it. A key that does not fit gives
    /// [`FieldError::WrongPassword`]; a store that is not encrypted,
    /// [`FieldError::NotEncrypted`].
    pub async fn open_encrypted(path: &Path, key: &StoreKey) -> Result<Self, FieldError> {
        let mut store = LocalStore::open(path).await?;
        store.use_key(key.clone()).await?;
        Self::from_store(store).await
    }

    /// Opens a store with the user's password: an encrypted store with the key the password
    /// derives ([`FieldError::WrongPassword`], changing nothing, when it does not fit); a store
    /// that is not encrypted (new, or from before encryption) is encrypted in place first; one
    /// whose KDF parameters are below today's is re-encrypted with them.
    pub async fn open_with_password(
        path: &Path,
        password: &str,
    ) -> Result<(Self, KeyChange), FieldError> {
        let mut store = LocalStore::open(path).await?;
        let change = match store.encryption().await? {
            Some(encryption) => {
                let key = encryption.key_for(password)?;
                store.use_key(key).await?;
                if encryption.params.weaker_than(&KDF_PARAMS) {
                    store.encrypt(password).await?;
                    KeyChange::Strengthened
                } else {
                    KeyChange::None
                }
            }
            None => {
                store.encrypt(password).await?;
                KeyChange::Encrypted
            }
        };
        Ok((Self::from_store(store).await?, change))
    }

    /// A device over an opened store (encrypted or not, as `store` is): loads every
    /// document in it.
    pub async fn from_store(store: LocalStore) -> Result<Self, FieldError> {
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

    /// The key the store is encrypted with, when it is.
    pub fn store_key(&self) -> Option<&StoreKey> {
        self.store.key()
    }

    /// True when the store is encrypted at rest.
    pub fn is_encrypted(&self) -> bool {
        self.store.is_encrypted()
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
        commit_now(tx);
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
        commit_now(tx);
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
        commit_now(tx);
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

/// A document id as given on the command line (with or without `automerge:`); `what` names
/// the option in the error.
pub fn parse_doc_id(what: &str, s: &str) -> Result<DocumentId, FieldError> {
    DocumentId::parse(s.trim().trim_start_matches("automerge:"))
        .map_err(|e| FieldError::Invalid(format!("{what}: `{s}` is not a document id: {e}")))
}

/// A fresh random id for an item in a document (member, visit, entry).
pub(crate) fn new_item_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Commits a local change stamped with this device's clock (automerge's Rust library leaves
/// the time at 0, and review screens and history show each change's time).
fn commit_now(tx: linli_sync_core::automerge::transaction::Transaction<'_>) {
    tx.commit_with(
        linli_sync_core::automerge::transaction::CommitOptions::default()
            .with_time(local_store::now_ms() / 1000),
    );
}
