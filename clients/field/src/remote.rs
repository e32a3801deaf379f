//! Talking to the server as the logged-in user: login and logout, sync and the list of
//! documents in scope, with the access token renewed when it is about to expire or the server
//! refuses it.

use std::time::Duration;

use linli_sync_core::DocumentId;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::session::{ServerUrl, Session};
use crate::{auth, crypto, http, local_store, FieldClient, SyncReport};

/// Renew the access token when less than this is left of it.
const RENEW_MARGIN_SECS: i64 = 30;
/// Page size when listing the documents in scope (the server's maximum).
const LIST_PAGE: usize = 5000;
/// Used when neither `--server` nor a login names one (a development server).
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// Where commands talk to and with which credentials.
pub struct Remote {
    pub(crate) server: ServerUrl,
    pub(crate) auth: Auth,
}

pub(crate) enum Auth {
    /// No token (development servers started with `--insecure-dev`).
    Anonymous,
    /// A token given on the command line; never renewed.
    Token(String),
    /// The stored session; renewed as needed.
    Session(Session),
}

impl Remote {
    /// The server's base address.
    pub fn server(&self) -> String {
        self.server.base()
    }

    /// The access token to present now, renewed first if it is about to expire.
    pub(crate) async fn token(
        &mut self,
        client: &FieldClient,
    ) -> Result<Option<String>, FieldError> {
        if let Auth::Session(session) = &self.auth {
            if session.expires_within(local_store::now_ms() / 1000, RENEW_MARGIN_SECS) {
                self.renew(client).await?;
            }
        }
        Ok(match &self.auth {
            Auth::Anonymous => None,
            Auth::Token(token) => Some(token.clone()),
            Auth::Session(session) => Some(session.access_token.clone()),
        })
    }

    /// The error for an answer of 401 that renewing could not help.
    pub(crate) fn refused(&self) -> FieldError {
        match self.auth {
            Auth::Anonymous => FieldError::NotLoggedIn,
            _ => FieldError::Unauthorized,
        }
    }

    /// Renews the session's access token; false when there is no session to renew.
    pub(crate) async fn renew(&mut self, client: &FieldClient) -> Result<bool, FieldError> {
        let Auth::Session(session) = &self.auth else {
            return Ok(false);
        };
        self.auth = Auth::Session(auth::refresh(&client.store, session).await?);
        Ok(true)
    }
}

/// A document the server lists as readable by the caller (`GET /api/documents`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteDocument {
    pub document_id: String,
    pub kind: String,
    pub org: String,
}

/// What `pull` with no document did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PullReport {
    /// Documents the server lists in the caller's scope.
    pub listed: usize,
    /// Those that were not on the device and were asked for.
    pub requested: Vec<String>,
    /// The sync round that fetched them.
    pub sync: SyncReport,
}

impl FieldClient {
    /// Where to talk to: `server` (else the logged-in server, else [`DEFAULT_SERVER`]) with
    /// `token` (else the stored session's, renewed as needed, when it belongs to that server).
    pub async fn remote(
        &self,
        server: Option<&str>,
        token: Option<&str>,
    ) -> Result<Remote, FieldError> {
        let session = Session::load(&self.store).await?;
        let server = match (server, &session) {
            (Some(s), _) => ServerUrl::parse(s)?,
            (None, Some(session)) => ServerUrl::parse(&session.server)?,
            (None, None) => ServerUrl::parse(DEFAULT_SERVER)?,
        };
        let auth = match (token, session) {
            (Some(token), _) => Auth::Token(token.to_owned()),
            (None, Some(session)) if session.server == server.base() => Auth::Session(session),
            // Another node of the same deployment: the session is good there, and is renewed
            // there from now on (the node it was made on may be the one that is down).
            (None, Some(mut session))
                if session.deployment.is_some()
                    && auth::deployment_of(&server).await == session.deployment =>
            {
                session.server = server.base();
                Auth::Session(session)
            }
            (None, _) => Auth::Anonymous,
        };
        Ok(Remote { server, auth })
    }

    /// Logs in at `server` as a new device and keeps the session in the local store (sealed
    /// when the store is encrypted; the store's encryption stays as it is).
    ///
    /// A new login is a new device, and the server accepts a document's changes only from the
    /// device whose actor first wrote to it; so the device starts a new actor, and unless
    /// `force`, a login is refused while changes by the current actor to documents the server
    /// already holds from it wait to be synced (they would be refused).
    pub async fn login(
        &mut self,
        server: &str,
        name: &str,
        password: &str,
        device_name: &str,
        force: bool,
    ) -> Result<Session, FieldError> {
        self.login_with(server, name, password, device_name, force, false)
            .await
    }

    /// Like [`login`](Self::login), and once the server has accepted the password, (re-)encrypts
    /// the whole store under a key derived from it (fresh salt, today's KDF parameters) in the
    /// same transaction that keeps the session, so the session is never written in clear:
    /// how the CLI logs in on a store that is not encrypted yet (new, or from before
    /// encryption), whose password has changed on the server, or whose KDF parameters are
    /// below today's. When the server refuses the login, nothing changes.
    pub async fn login_encrypted(
        &mut self,
        server: &str,
        name: &str,
        password: &str,
        device_name: &str,
        force: bool,
    ) -> Result<Session, FieldError> {
        self.login_with(server, name, password, device_name, force, true)
            .await
    }

    async fn login_with(
        &mut self,
        server: &str,
        name: &str,
        password: &str,
        device_name: &str,
        force: bool,
        encrypt: bool,
    ) -> Result<Session, FieldError> {
        let server = ServerUrl::parse(server)?;
        if name.trim().is_empty() || password.is_empty() {
            return Err(FieldError::Invalid("name and password are required".into()));
        }
        let stranded = self.stranded_changes();
        if stranded > 0 && !force {
            return Err(FieldError::Invalid(format!(
                "{stranded} local changes to documents this device already synced are not on the \
                 server yet; a new login is a new device, whose changes to them the server would \
                 refuse. Run `linli-field sync` with the current login first, or pass --force"
            )));
        }
        let session = auth::login(&server, name.trim(), password, device_name).await?;
        // Derived only once the server has accepted the password (Argon2 takes a moment, and a
        // refused login must change nothing).
        let encryption = if encrypt {
            Some(crypto::new_encryption(password)?)
        } else {
            None
        };
        let mut lock = self.store.lock().await?;
        let rekeyed = match encryption {
            Some((encryption, key)) => Some(lock.reencrypt(&encryption, key).await?),
            None => None,
        };
        session.save_locked(&mut lock).await?;
        let actor = local_store::new_actor();
        lock.set_meta("actor", &actor.to_hex_string()).await?;
        lock.commit().await?;
        self.actor = actor;
        if let Some(keyed) = rekeyed {
            self.store.adopt(keyed).await?;
        }
        Ok(session)
    }

    /// Stores `session` as this device's login (tools and tests; `login` is the usual way).
    pub async fn set_session(&self, session: &Session) -> Result<(), FieldError> {
        let mut lock = self.store.lock().await?;
        session.save_locked(&mut lock).await?;
        lock.commit().await
    }

    /// The stored session, if any.
    pub async fn session(&self) -> Result<Option<Session>, FieldError> {
        Session::load(&self.store).await
    }

    /// One sync round with `remote`, renewing the access token once if the server refuses it.
    pub async fn sync_remote(
        &mut self,
        remote: &mut Remote,
        timeout: Duration,
    ) -> Result<SyncReport, FieldError> {
        let scope = self.learn_scope(remote).await?;
        let url = remote.server.sync_url();
        let token = remote.token(self).await?;
        let mut report = match self.sync_with(&url, token.as_deref(), timeout).await {
            Err(FieldError::Unauthorized) if remote.renew(self).await? => {
                let token = remote.token(self).await?;
                self.sync_with(&url, token.as_deref(), timeout).await
            }
            Err(FieldError::Unauthorized) => Err(remote.refused()),
            result => result,
        }?;
        self.hand_over_undeliverable(remote, &mut report).await;
        report.scope = scope;
        self.remove_unshared(&mut report).await?;
        Ok(report)
    }

    /// Hands the changes of each undeliverable document to the server's quarantine (`POST
    /// /api/quarantine`), so that they are not lost with the device; they stay pending here.
    /// A failure only leaves `quarantined` false: the next sync tries again.
    async fn hand_over_undeliverable(&self, remote: &mut Remote, report: &mut SyncReport) {
        use base64::Engine;
        for item in &mut report.undeliverable {
            let Ok(id) = DocumentId::parse(&item.document) else {
                continue;
            };
            let changes: Vec<String> = self
                .pending_change_bytes(&id)
                .iter()
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
                .collect();
            let body = serde_json::json!({ "document_id": item.document, "changes": changes });
            let Ok(token) = remote.token(self).await else {
                continue;
            };
            if let Ok(response) =
                http::post(&remote.server, "/api/quarantine", &body, token.as_deref()).await
            {
                item.quarantined = response.status == 200;
            }
        }
    }

    /// Every document the server lets the caller read (optionally of one `kind`).
    pub async fn list_remote(
        &self,
        remote: &mut Remote,
        kind: Option<&str>,
    ) -> Result<Vec<RemoteDocument>, FieldError> {
        let mut all = Vec::new();
        loop {
            let mut path = format!("/api/documents?limit={LIST_PAGE}&offset={}", all.len());
            if let Some(kind) = kind {
                path.push_str(&format!("&kind={kind}"));
            }
            let token = remote.token(self).await?;
            let mut response = http::get(&remote.server, &path, token.as_deref()).await?;
            if response.status == 401 && remote.renew(self).await? {
                let token = remote.token(self).await?;
                response = http::get(&remote.server, &path, token.as_deref()).await?;
            }
            if response.status == 401 {
                return Err(remote.refused());
            }
            if response.status != 200 {
                return Err(response.into_error());
            }
            let page: Vec<RemoteDocument> =
                serde_json::from_value(response.body).map_err(|e| FieldError::Server {
                    status: 200,
                    message: format!("unexpected document list: {e}"),
                })?;
            let full = page.len() == LIST_PAGE;
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }

    /// Fetches every document in the caller's scope that is not on the device yet, in one
    /// sync round (which also sends and receives changes to the ones that are).
    pub async fn pull_all(
        &mut self,
        remote: &mut Remote,
        timeout: Duration,
    ) -> Result<PullReport, FieldError> {
        let listed = self.list_remote(remote, None).await?;
        let mut requested = Vec::new();
        for item in &listed {
            let id = DocumentId::parse(&item.document_id).map_err(|e| FieldError::Server {
                status: 200,
                message: format!("listed document id {}: {e}", item.document_id),
            })?;
            if self.document(&id).is_none() {
                self.pull(id);
                requested.push(item.document_id.clone());
            }
        }
        let sync = self.sync_remote(remote, timeout).await?;
        Ok(PullReport {
            listed: listed.len(),
            requested,
            sync,
        })
    }
}
