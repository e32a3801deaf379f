//! Who is logged in on this device and where: the server's address and the token pair from
//! `POST /api/login`, kept in the local store's settings so later commands need neither
//! (sealed, like the documents, when the store is encrypted).

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::local_store::{LocalStore, MetaLock};

/// The settings key the session is stored under (one JSON value, written at once).
const KEY: &str = "session";

/// A logged-in user on this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The server's base address, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    pub user: String,
    pub role: String,
    pub org: String,
    /// The device id the server gave this login.
    pub device: String,
    pub access_token: String,
    pub refresh_token: String,
    /// When the access token expires, seconds since the epoch.
    pub expires_at: i64,
    /// The deployment the server named at login (its storage id): the session is good with
    /// any server naming the same one (another node of the cluster). Absent for sessions
    /// stored by older versions.
    #[serde(default)]
    pub deployment: Option<String>,
}

impl Session {
    /// The stored session, if any.
    pub async fn load(store: &LocalStore) -> Result<Option<Self>, FieldError> {
        store.secret_meta(KEY).await?.map(|s| parse(&s)).transpose()
    }

    /// The stored session, read under the store's write lock.
    pub async fn load_locked(lock: &mut MetaLock) -> Result<Option<Self>, FieldError> {
        lock.secret_meta(KEY).await?.map(|s| parse(&s)).transpose()
    }

    /// Stores this session under the store's write lock.
    pub async fn save_locked(&self, lock: &mut MetaLock) -> Result<(), FieldError> {
        let json = serde_json::to_string(self).map_err(|e| FieldError::Corrupt(e.to_string()))?;
        lock.set_secret_meta(KEY, &json).await
    }

    /// True when a session is stored (tells without decrypting it).
    pub async fn is_stored(store: &LocalStore) -> Result<bool, FieldError> {
        Ok(store.meta(KEY).await?.is_some())
    }

    /// Forgets the stored session.
    pub async fn forget(store: &LocalStore) -> Result<(), FieldError> {
        store.delete_meta(KEY).await
    }

    /// Forgets the stored session under the store's write lock.
    pub async fn forget_locked(lock: &mut MetaLock) -> Result<(), FieldError> {
        lock.delete_meta(KEY).await
    }

    /// True when the access token has expired or will within `margin_secs`.
    pub fn expires_within(&self, now_secs: i64, margin_secs: i64) -> bool {
        self.expires_at <= now_secs + margin_secs
    }
}

fn parse(s: &str) -> Result<Session, FieldError> {
    serde_json::from_str(s).map_err(|e| FieldError::Corrupt(format!("stored session: {e}")))
}

/// A server's address. Accepts the base address (`http://host:8080`, `https://…`) or the sync
/// endpoint (`ws://host:8080/sync`, `wss://…`), with or without a path prefix (a reverse
/// proxy's `/linli`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl {
    /// `http` or `https`.
    scheme: &'static str,
    /// `host[:port]`.
    authority: String,
    /// The path prefix without a trailing slash (usually empty).
    prefix: String,
}

impl ServerUrl {
    /// Parses an address as typed by an operator.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let bad = |why: &str| FieldError::Invalid(format!("server address `{s}`: {why}"));
        let url = url::Url::parse(s.trim()).map_err(|e| bad(&e.to_string()))?;
        let scheme = match url.scheme() {
            "http" | "ws" => "http",
            "https" | "wss" => "https",
            _ => return Err(bad("use http://, https://, ws:// or wss://")),
        };
        let host = url.host_str().ok_or_else(|| bad("no host"))?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let path = url.path().trim_end_matches('/');
        let prefix = path.strip_suffix("/sync").unwrap_or(path).to_owned();
        Ok(Self {
            scheme,
            authority,
            prefix,
        })
    }

    /// The base address, e.g. `http://127.0.0.1:8080`.
    pub fn base(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.prefix)
    }

    /// The websocket sync endpoint, e.g. `ws://127.0.0.1:8080/sync`.
    pub fn sync_url(&self) -> String {
        let scheme = if self.scheme == "https" { "wss" } else { "ws" };
        format!("{scheme}://{}{}/sync", self.authority, self.prefix)
    }

    /// True for `https`/`wss` addresses.
    pub fn is_tls(&self) -> bool {
        self.scheme == "https"
    }

    /// `host[:port]`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The request target of an API path such as `/api/login`.
    pub fn target(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::ServerUrl;

    #[test]
    fn addresses() {
        let plain = ServerUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(plain.base(), "http://127.0.0.1:8080");
        assert_eq!(plain.sync_url(), "ws://127.0.0.1:8080/sync");
        assert_eq!(plain.target("/api/login"), "/api/login");
        let sync = ServerUrl::parse("ws://127.0.0.1:8080/sync").unwrap();
        assert_eq!(sync, plain);
        let proxied = ServerUrl::parse("https://linli.example/linli/").unwrap();
        assert_eq!(proxied.sync_url(), "wss://linli.example/linli/sync");
        assert_eq!(proxied.target("/api/documents"), "/linli/api/documents");
        assert!(proxied.is_tls());
        assert!(ServerUrl::parse("ftp://x").is_err());
        assert!(ServerUrl::parse("not a url").is_err());
    }
}
