//! Following the user's scope (issue #19): an administrator may move a worker to another grid
//! or change their role. Before each sync the device asks who it is now (`GET /api/me`) and
//! keeps that in its session; after the sync, documents the server no longer shares are
//! removed from the device, those with changes of the device's own only once the changes are
//! in the server's quarantine, where a supervisor sees them. The sync report says both.

use crate::error::FieldError;
use crate::http;
use crate::net::{ScopeChange, SyncReport};
use crate::remote::{Auth, Remote};
use crate::session::Session;
use crate::FieldClient;

impl FieldClient {
    /// Asks the server who the logged-in user is now; stores a changed role or unit in the
    /// session and says what changed. Nothing to learn without a session.
    pub(crate) async fn learn_scope(
        &self,
        remote: &mut Remote,
    ) -> Result<Option<ScopeChange>, FieldError> {
        if !matches!(remote.auth, Auth::Session(_)) {
            return Ok(None);
        }
        let token = remote.token(self).await?;
        let mut response = http::get(&remote.server, "/api/me", token.as_deref()).await?;
        if response.status == 401 && remote.renew(self).await? {
            let token = remote.token(self).await?;
            response = http::get(&remote.server, "/api/me", token.as_deref()).await?;
        }
        match response.status {
            200 => {}
            // An older server without `/api/me`: the scope is learnt at the next login.
            404 => return Ok(None),
            _ => return Err(response.into_error()),
        }
        let (Some(role), Some(org)) = (
            response.body["role"].as_str(),
            response.body["org"].as_str(),
        ) else {
            return Ok(None);
        };
        let Auth::Session(known) = &remote.auth else {
            return Ok(None);
        };
        if known.role == role && known.org == org {
            return Ok(None);
        }
        let change = ScopeChange {
            from_role: known.role.clone(),
            from_org: known.org.clone(),
            to_role: role.to_owned(),
            to_org: org.to_owned(),
        };
        let mut lock = self.store.lock().await?;
        let mut session = Session::load_locked(&mut lock)
            .await?
            .unwrap_or_else(|| known.clone());
        session.role = role.to_owned();
        session.org = org.to_owned();
        session.save_locked(&mut lock).await?;
        lock.commit().await?;
        if let Auth::Session(held) = &mut remote.auth {
            held.role = role.to_owned();
            held.org = org.to_owned();
        }
        Ok(Some(change))
    }

    /// Removes from the device the documents the server said it will not share, unless they
    /// hold changes that are not yet in the server's quarantine.
    pub(crate) async fn remove_unshared(
        &mut self,
        report: &mut SyncReport,
    ) -> Result<(), FieldError> {
        let unshared: Vec<_> = self.session.unavailable().iter().copied().collect();
        for id in unshared {
            let held_back = report
                .undeliverable
                .iter()
                .any(|u| u.document == id.to_string() && !u.quarantined);
            if held_back {
                continue;
            }
            self.store.delete_document(&id).await?;
            self.session.remove(&id);
            report.removed.push(id.to_string());
        }
        Ok(())
    }
}
