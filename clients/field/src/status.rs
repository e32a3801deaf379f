//! What the device holds that the server does not: pending changes per document, the last
//! completed sync, and who is logged in.
//!
//! A change is pending when the server has not acknowledged it: it is not covered by the heads
//! the device and the server are known to share (`sync::State::shared_heads`, saved with every
//! document). The server advertises only heads it has committed, and whatever it sends is
//! covered by the heads it advertises with it, so the uncovered changes are exactly this
//! device's own changes still owed to the server.

use std::collections::BTreeMap;

use linli_sync_core::automerge::{Automerge, Change, ChangeHash};
use serde::Serialize;

use crate::session::Session;
use crate::{FieldClient, FieldError};

/// What `status` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Documents on the device.
    pub documents: usize,
    /// Local changes the server has not acknowledged yet, in total.
    pub pending_changes: usize,
    /// The same per document id (documents with none pending are left out).
    pub pending_by_document: BTreeMap<String, usize>,
    /// Milliseconds since the epoch of the last sync that completed, if any.
    pub last_sync_ms: Option<i64>,
    /// The same as `YYYY-MM-DDTHH:MM:SSZ`.
    pub last_sync: Option<String>,
    /// Who is logged in, if anyone.
    pub login: Option<LoginInfo>,
    /// The store is encrypted at rest.
    pub encrypted: bool,
}

/// The logged-in user, without the tokens.
#[derive(Debug, Clone, Serialize)]
pub struct LoginInfo {
    pub server: String,
    pub user: String,
    pub role: String,
    pub org: String,
    pub device: String,
    /// When the current access token expires (it is renewed as needed), seconds since the
    /// epoch.
    pub access_expires_at: i64,
}

impl From<Session> for LoginInfo {
    fn from(s: Session) -> Self {
        Self {
            server: s.server,
            user: s.user,
            role: s.role,
            org: s.org,
            device: s.device,
            access_expires_at: s.expires_at,
        }
    }
}

/// The changes of `doc` not covered by `shared` heads.
fn pending(doc: &Automerge, shared: &[ChangeHash]) -> Vec<Change> {
    doc.get_changes(shared)
}

impl FieldClient {
    /// Pending changes, the time of the last completed sync, and the login.
    pub async fn status(&self) -> Result<Status, FieldError> {
        let mut by_document = BTreeMap::new();
        let mut documents = 0;
        for id in self.session.ids() {
            let Some(doc) = self.session.doc(id) else {
                continue;
            };
            if doc.get_heads().is_empty() {
                // Asked for, not received: nothing of ours in it.
                continue;
            }
            documents += 1;
            let n = pending(doc, self.shared_heads(id)).len();
            if n > 0 {
                by_document.insert(id.to_string(), n);
            }
        }
        let last_sync_ms = self
            .store
            .meta("last_sync_ms")
            .await?
            .and_then(|s| s.parse().ok());
        Ok(Status {
            documents,
            pending_changes: by_document.values().sum(),
            pending_by_document: by_document,
            last_sync_ms,
            last_sync: last_sync_ms.map(linli_sync_core::calendar::iso_from_ms),
            login: Session::load(&self.store).await?.map(LoginInfo::from),
            encrypted: self.store.is_encrypted(),
        })
    }

    /// Pending changes by the current actor to documents where the server already holds
    /// changes of that actor (so it has bound the actor to this device).
    pub(crate) fn stranded_changes(&self) -> usize {
        let mut stranded = 0;
        for id in self.session.ids() {
            let Some(doc) = self.session.doc(id) else {
                continue;
            };
            let ours = |c: &&Change| c.actor_id() == &self.actor;
            let waiting = pending(doc, self.shared_heads(id))
                .iter()
                .filter(ours)
                .count();
            let total = doc.get_changes(&[]).iter().filter(ours).count();
            if waiting > 0 && total > waiting {
                stranded += waiting;
            }
        }
        stranded
    }

    /// The raw bytes of a document's changes the server has not acknowledged.
    pub(crate) fn pending_change_bytes(&self, id: &linli_sync_core::DocumentId) -> Vec<Vec<u8>> {
        self.session
            .doc(id)
            .map(|doc| {
                pending(doc, self.shared_heads(id))
                    .iter()
                    .map(|c| c.raw_bytes().to_vec())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn shared_heads(&self, id: &linli_sync_core::DocumentId) -> &[ChangeHash] {
        self.session
            .sync_state(id)
            .map(|s| s.shared_heads.as_slice())
            .unwrap_or_default()
    }
}
