//! The `/sync` websocket endpoint: `sync_handler` takes a connection slot and checks the token
//! before the upgrade; then one task per connection (`connection.rs`, a `Connection` fed one
//! event at a time) reads frames, feeds them through the sans-IO `ServerConnection` and routes
//! document messages to their actors, and a writer task (`writer.rs`) drains the connection's
//! `Outbox`.
//!
//! Hostile input is held to the limits of `limits.rs` and the flags in `config.rs`: connection
//! caps before the upgrade; then per connection a message rate (read more slowly above it,
//! closed after a sustained flood), a bound on document messages waiting for their actors (the
//! connection is not read while it is reached), a bound on distinct documents, a bounded
//! outbox, and a bounded wait for room in a document's queue.

mod connection;
mod writer;

use std::net::SocketAddr;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::response::{IntoResponse, Response};

use crate::auth::extract::{verify, PresentedToken};
use crate::error::AppError;
use crate::AppState;

/// `GET /sync`: takes a connection slot and authenticates (both before the upgrade), then
/// speaks the automerge-repo websocket protocol.
pub async fn sync_handler(
    State(app): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    PresentedToken(token): PresentedToken,
    ws: WebSocketUpgrade,
) -> Response {
    // Counted before authenticating, so that a flood of upgrades costs no database work. The
    // address is the socket's peer: behind a reverse proxy, the proxy's.
    let slot = match app.connections.acquire(client.ip()) {
        Ok(slot) => slot,
        Err(refused) => {
            // Debug only: a flood of refusals must not become a flood of log lines.
            tracing::debug!(address = %client.ip(), ?refused, "refused a sync connection");
            return refused.into_response();
        }
    };
    let auth = match verify(&app, token.as_deref()).await {
        Ok(Some(auth)) => Some(auth),
        Ok(None) if app.config.insecure_dev => None,
        Ok(None) => return AppError::Unauthorized.into_response(),
        Err(e) => return e.into_response(),
    };
    if let Some(auth) = &auth {
        // When each device last synced, for the administrators' device list; a failure to
        // note it does not hold up the sync.
        if let Err(e) = app.store.device_seen(&auth.principal.device).await {
            tracing::warn!(error = %e, "could not note a device's connection");
        }
    }
    let limit = app.config.max_frame_bytes;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .read_buffer_size(app.config.ws_read_buffer_bytes)
        .on_upgrade(move |socket| {
            // Boxed, and made before the task's own future: the task then keeps a pointer to
            // the connection's state, not a second room for the socket and the app.
            let serve = Box::pin(connection::Connection::serve(socket, app, auth));
            async move {
                serve.await;
                drop(slot);
            }
        })
}
