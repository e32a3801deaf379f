//! Several nodes on one PostgreSQL database. Every commit that stores new changes sends, in
//! its transaction, a `NOTIFY` on [`CHANGES_CHANNEL`] naming the committing node and the
//! document; each node `LISTEN`s and tells the actor of a document it holds in memory to catch
//! up from the change log. Notices from this node are ignored; a document not in memory needs
//! nothing (it loads fresh from the database). When the listening connection is lost, every
//! loaded document catches up once it is back, since notices may have been missed meanwhile.
//! SQLite serves one node and runs none of this.

use std::time::Duration;

use linli_sync_core::DocumentId;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::doc_actor::DocCommand;
use crate::hub::Hub;
use crate::store::CHANGES_CHANNEL;

/// A fresh id for this process among the nodes sharing a database.
pub fn node_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The payload announcing new changes of `document` stored by `node` (well under the
/// 8000 bytes PostgreSQL allows: a node id and a document id).
pub fn notice(node: &str, document: &str) -> String {
    format!("{node} {document}")
}

/// The node and document a payload names.
fn parse(payload: &str) -> Option<(&str, DocumentId)> {
    let (node, document) = payload.split_once(' ')?;
    Some((node, DocumentId::parse(document).ok()?))
}

/// Starts listening for other nodes' notices until `shutdown`.
pub fn spawn(pool: PgPool, hub: Hub, tracker: &TaskTracker, shutdown: CancellationToken) {
    tracker.spawn(listen(pool, hub, tracker.clone(), shutdown));
}

async fn listen(pool: PgPool, hub: Hub, tracker: TaskTracker, shutdown: CancellationToken) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let mut listener = match subscribe(&pool).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other nodes' changes; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        // Documents loaded before this point may have missed notices.
        catch_up_all(&hub, &tracker);
        loop {
            let next = tokio::select! {
                _ = shutdown.cancelled() => return,
                next = listener.try_recv() => next,
            };
            match next {
                Ok(Some(notification)) => on_notice(&hub, &tracker, notification.payload()),
                // The connection was lost and is back (sqlx reconnects and listens again).
                Ok(None) => {
                    tracing::warn!(
                        "lost the connection listening for other nodes' changes; catching up"
                    );
                    catch_up_all(&hub, &tracker);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "listening for other nodes' changes failed; reconnecting");
                    break;
                }
            }
        }
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    Ok(listener)
}

fn on_notice(hub: &Hub, tracker: &TaskTracker, payload: &str) {
    match parse(payload) {
        Some((node, id)) if node != hub.settings().node_id => wake(hub, tracker, id),
        Some(_) => {}
        None => tracing::warn!(payload, "ignored a malformed change notice"),
    }
}

fn catch_up_all(hub: &Hub, tracker: &TaskTracker) {
    for id in hub.loaded_ids() {
        wake(hub, tracker, id);
    }
}

/// Tells a loaded document's actor to catch up; a full queue is waited for in a task of its
/// own, so one busy document does not hold up the notices of the others.
fn wake(hub: &Hub, tracker: &TaskTracker, id: DocumentId) {
    if hub.try_send_if_loaded(id, DocCommand::CatchUp) || !hub.is_loaded(id) {
        return;
    }
    let hub = hub.clone();
    tracker.spawn(async move { hub.send_if_loaded(id, DocCommand::CatchUp).await });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_name_the_node_and_the_document() {
        let id = DocumentId::from_bytes(rand::random());
        let payload = notice("0123456789abcdef", &id.to_string());
        assert!(payload.len() < 100);
        assert_eq!(parse(&payload), Some(("0123456789abcdef", id)));
        assert_eq!(parse("no-space"), None);
        assert_eq!(parse("node not-a-document-id"), None);
    }
}
