//! One sync round over a websocket: join, exchange sync messages until the server holds
//! everything we hold (and we hold everything it sends), then close.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linli_sync_core::client::{ClientEvent, ClientSession};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::error::FieldError;

/// How long the connection must be quiet, with everything in step, before the round ends.
const SETTLE: Duration = Duration::from_millis(250);

/// What one sync round achieved.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SyncReport {
    /// Every document is in step with the server (all local changes acknowledged).
    pub complete: bool,
    /// Documents that changed because of what the server sent.
    pub updated: Vec<String>,
    /// Documents the server does not have or will not share.
    pub unavailable: Vec<String>,
    /// Errors the server reported.
    pub errors: Vec<String>,
    /// Documents holding local changes the server will not take (a sync that leaves any is
    /// never complete).
    pub undeliverable: Vec<Undeliverable>,
    /// The user's role or unit changed since this device last knew it (an administrator
    /// moved them): what it was and what it is.
    pub scope: Option<ScopeChange>,
    /// Documents removed from this device: the server no longer shares them with the user,
    /// and any changes of theirs it held were handed to the server's quarantine first.
    pub removed: Vec<String>,
}

/// A user's role and unit before and after an administrator changed them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScopeChange {
    pub from_role: String,
    pub from_org: String,
    pub to_role: String,
    pub to_org: String,
}

/// A document whose local changes cannot be delivered: the server answers that it does not
/// have it or will not share it (the user's scope changed, or it was never stored).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Undeliverable {
    pub document: String,
    /// Local changes the server has not acknowledged.
    pub pending: usize,
    pub reason: String,
    /// The changes were handed to the server's quarantine, where a supervisor sees them.
    pub quarantined: bool,
}

/// Documents the server refused to sync that hold changes it never acknowledged.
fn undeliverable(session: &ClientSession) -> Vec<Undeliverable> {
    session
        .unavailable()
        .iter()
        .filter_map(|id| {
            let doc = session.doc(id)?;
            let shared = session
                .sync_state(id)
                .map(|s| s.shared_heads.clone())
                .unwrap_or_default();
            let pending = doc.get_changes(&shared).len();
            (pending > 0).then(|| Undeliverable {
                document: id.to_string(),
                pending,
                reason: "the server will not sync this document with you (it is outside your \
                         scope now, or it was never stored)"
                    .into(),
                quarantined: false,
            })
        })
        .collect()
}

/// Runs one sync round against `url`.
pub async fn sync(
    session: &mut ClientSession,
    url: &str,
    token: Option<&str>,
    timeout: Duration,
) -> Result<SyncReport, FieldError> {
    let result = tokio::time::timeout(timeout, round(session, url, token)).await;
    session.disconnected();
    match result {
        Ok(r) => r,
        Err(_) => Err(FieldError::Timeout(timeout)),
    }
}

async fn round(
    session: &mut ClientSession,
    url: &str,
    token: Option<&str>,
) -> Result<SyncReport, FieldError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| FieldError::Connection(e.to_string()))?;
    if let Some(token) = token {
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| FieldError::Invalid("token is not a valid header value".into()))?;
        request.headers_mut().insert("authorization", value);
    }
    // No Nagle: sync messages are small and answered at once; with Nagle on, a second small
    // frame waits for the server's delayed ACK (up to 40 ms on Linux).
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(r) if r.status().as_u16() == 401 => {
                FieldError::Unauthorized
            }
            e => FieldError::Connection(e.to_string()),
        })?;
    ws.send(Message::Binary(session.join_frame().into()))
        .await
        .map_err(|e| FieldError::Connection(e.to_string()))?;
    let mut report = SyncReport::default();
    let mut quiet_since = Instant::now();
    loop {
        let next = tokio::time::timeout(SETTLE, ws.next()).await;
        match next {
            Ok(Some(Ok(Message::Binary(bytes)))) => {
                quiet_since = Instant::now();
                let events = session
                    .handle_frame(&bytes)
                    .map_err(|e| FieldError::Connection(e.to_string()))?;
                for event in events {
                    match event {
                        ClientEvent::Changed(id) => {
                            let id = id.to_string();
                            if !report.updated.contains(&id) {
                                report.updated.push(id);
                            }
                        }
                        ClientEvent::Unavailable(id) => report.unavailable.push(id.to_string()),
                        ClientEvent::Error(e) => report.errors.push(e),
                        ClientEvent::Connected { .. } => {}
                    }
                }
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) => {
                return Err(FieldError::Connection(
                    "server closed the connection".into(),
                ));
            }
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(e))) => return Err(FieldError::Connection(e.to_string())),
            Err(_) => {}
        }
        let frames = session.poll_frames();
        if !frames.is_empty() {
            quiet_since = Instant::now();
        }
        for frame in frames {
            ws.send(Message::Binary(frame.into()))
                .await
                .map_err(|e| FieldError::Connection(e.to_string()))?;
        }
        let all_in_step = session.is_connected()
            && session
                .ids()
                .filter(|id| !session.unavailable().contains(id))
                .all(|id| session.is_synced(id));
        if (all_in_step || !report.errors.is_empty()) && quiet_since.elapsed() >= SETTLE {
            report.undeliverable = undeliverable(session);
            report.complete =
                all_in_step && report.errors.is_empty() && report.undeliverable.is_empty();
            let _ = ws.close(None).await;
            return Ok(report);
        }
    }
}
