//! Logging in (`POST /api/login`) and renewing the access token (`POST /api/refresh`, which
//! rotates the refresh token: each may be used once).

use serde::Deserialize;
use serde_json::json;

use crate::error::FieldError;
use crate::http;
use crate::local_store::LocalStore;
use crate::session::{ServerUrl, Session};

/// The server's `TokenPair`.
#[derive(Deserialize)]
struct TokenPair {
    access_token: String,
    refresh_token: String,
    expires_at: i64,
    user: String,
    role: String,
    org: String,
    device: String,
    #[serde(default)]
    deployment: Option<String>,
}

impl TokenPair {
    fn into_session(self, server: &ServerUrl) -> Session {
        Session {
            server: server.base(),
            user: self.user,
            role: self.role,
            org: self.org,
            device: self.device,
            access_token: self.access_token,
            refresh_token: self.refresh_token,
            expires_at: self.expires_at,
            deployment: self.deployment,
        }
    }
}

fn pair(response: http::Response) -> Result<TokenPair, FieldError> {
    serde_json::from_value(response.body).map_err(|e| FieldError::Server {
        status: 200,
        message: format!("unexpected token answer: {e}"),
    })
}

/// Logs `name` in on a new device called `device_name`; returns the session (not yet stored).
pub async fn login(
    server: &ServerUrl,
    name: &str,
    password: &str,
    device_name: &str,
) -> Result<Session, FieldError> {
    let body = json!({ "name": name, "password": password, "device_name": device_name });
    let response = http::post(server, "/api/login", &body, None).await?;
    match response.status {
        200 => Ok(pair(response)?.into_session(server)),
        401 => Err(FieldError::LoginFailed),
        _ => Err(response.into_error()),
    }
}

/// The deployment `server` belongs to (`GET /api/deployment`); `None` when it does not say
/// (an older server) or cannot be reached.
pub async fn deployment_of(server: &ServerUrl) -> Option<String> {
    let response = http::get(server, "/api/deployment", None).await.ok()?;
    if response.status != 200 {
        return None;
    }
    response.body["deployment"].as_str().map(str::to_owned)
}

/// Renews the access token of `stale` and stores the new pair; returns the session to use.
///
/// Runs under the store's write lock, so two processes on one store never present the same
/// refresh token (the server would take the second use for theft and revoke the device): the
/// one that waited finds the session already renewed and uses that. A refused refresh token
/// ends the session (it is forgotten: only a new login helps).
pub async fn refresh(store: &LocalStore, stale: &Session) -> Result<Session, FieldError> {
    let mut lock = store.lock().await?;
    match Session::load_locked(&mut lock).await? {
        None => return Err(FieldError::NotLoggedIn),
        Some(current) if current.refresh_token != stale.refresh_token => return Ok(current),
        Some(_) => {}
    }
    let server = ServerUrl::parse(&stale.server)?;
    let body = json!({ "refresh_token": stale.refresh_token });
    let response = http::post(&server, "/api/refresh", &body, None).await?;
    match response.status {
        200 => {
            let session = pair(response)?.into_session(&server);
            session.save_locked(&mut lock).await?;
            lock.commit().await?;
            Ok(session)
        }
        401 if response.body["wipe"] == true => {
            // The device was revoked: erase everything it holds, as the server asks.
            drop(lock);
            store.wipe().await?;
            Err(FieldError::DeviceWiped)
        }
        401 => {
            Session::forget_locked(&mut lock).await?;
            lock.commit().await?;
            Err(FieldError::SessionEnded)
        }
        _ => Err(response.into_error()),
    }
}
