//! One simulated device on one connection: the client side of the protocol
//! ([`ClientSession`]) driven until its documents reach the state a workload waits for.

use std::collections::HashMap;
use std::time::Duration;

use linli_sync_core::automerge::ChangeHash;
use linli_sync_core::client::{ClientEvent, ClientSession};
use linli_sync_core::wire::{self, Message, PeerId, PeerMetadata};
use linli_sync_core::DocumentId;
use tokio::time::Instant;

use super::conn::Conn;
use super::docs::heads;
use super::LoadError;

/// What a document must reach before a device counts it as done.
#[derive(Clone, Debug)]
pub enum Target {
    /// These heads (sorted), both held and known to be held by the server.
    Heads(Vec<ChangeHash>),
    /// The server is known to hold exactly what we hold.
    InStep,
    /// We hold something (a requested document arrived) and are in step with the server.
    Received,
}

/// What driving a device to its targets took.
#[derive(Debug, Default)]
pub struct Driven {
    /// When each document was done, counted from the `since` instant given.
    pub done: Vec<(DocumentId, Duration)>,
    /// The most sync messages the device sent for any one document (each answered by the
    /// server: round trips after the handshake).
    pub round_trips: u32,
}

/// A session for a device with a new peer id and a durable storage id.
pub fn session(peer: &str, storage_id: &str) -> ClientSession {
    ClientSession::new(
        PeerId(peer.to_owned()),
        PeerMetadata {
            storage_id: Some(storage_id.to_owned()),
            is_ephemeral: Some(false),
        },
    )
}

fn is_done(session: &ClientSession, id: &DocumentId, target: &Target) -> bool {
    let Some(doc) = session.doc(id) else {
        return false;
    };
    match target {
        Target::Heads(want) => &heads(doc) == want && session.is_synced(id),
        Target::InStep => session.is_synced(id),
        Target::Received => !doc.get_heads().is_empty() && session.is_synced(id),
    }
}

/// The document a frame is about, if any.
fn frame_document(frame: &[u8]) -> Option<DocumentId> {
    match wire::decode(frame).ok()? {
        Message::Sync(body) | Message::Request(body) => DocumentId::parse(&body.document_id).ok(),
        Message::DocUnavailable { document_id, .. } => DocumentId::parse(&document_id).ok(),
        _ => None,
    }
}

/// Joins (unless `joined`) and exchanges sync messages until every document in `targets` is
/// done, or `deadline` passes. The connection stays open.
pub async fn drive(
    conn: &mut Conn,
    session: &mut ClientSession,
    targets: &HashMap<DocumentId, Target>,
    joined: bool,
    since: Instant,
    deadline: Instant,
) -> Result<Driven, LoadError> {
    let mut pending: Vec<DocumentId> = targets.keys().copied().collect();
    let mut sends: HashMap<DocumentId, u32> = HashMap::new();
    let mut out = Driven::default();
    let mut frames = Vec::new();
    if joined {
        frames = poll_all(session, &mut sends);
    } else {
        frames.push(session.join_frame());
    }
    conn.send_all(frames).await?;
    while !pending.is_empty() {
        let frame = match tokio::time::timeout_at(deadline, conn.recv()).await {
            Err(_) => {
                return Err(LoadError::Timeout(format!(
                    "{} of {} documents not in step",
                    pending.len(),
                    targets.len()
                )))
            }
            Ok(r) => {
                r?.ok_or_else(|| LoadError::Connection("server closed the connection".into()))?
            }
        };
        let about = frame_document(&frame);
        for event in session.handle_frame(&frame)? {
            match event {
                ClientEvent::Error(e) => return Err(LoadError::Server(e)),
                ClientEvent::Unavailable(id) if targets.contains_key(&id) => {
                    return Err(LoadError::Server(format!("document {id} unavailable")))
                }
                _ => {}
            }
        }
        let reply = match about {
            Some(id) => session
                .poll_document(&id)
                .map(|f| {
                    *sends.entry(id).or_default() += 1;
                    vec![f]
                })
                .unwrap_or_default(),
            // The handshake completed (or something without a document): everything may speak.
            None => poll_all(session, &mut sends),
        };
        conn.send_all(reply).await?;
        let now = since.elapsed();
        pending.retain(|id| {
            let done = is_done(session, id, &targets[id]);
            if done {
                out.done.push((*id, now));
            }
            !done
        });
    }
    out.round_trips = sends.values().copied().max().unwrap_or(0);
    Ok(out)
}

/// One connection that joins, syncs until every target is done, and closes: how documents
/// are put on a server before the measured part of a workload.
pub async fn sync_once(
    url: &str,
    token: Option<&str>,
    traffic: std::sync::Arc<super::conn::Traffic>,
    session: &mut ClientSession,
    targets: &HashMap<DocumentId, Target>,
    deadline: Instant,
) -> Result<(), LoadError> {
    let mut conn = Conn::connect(url, token, traffic).await?;
    drive(&mut conn, session, targets, false, Instant::now(), deadline).await?;
    conn.close().await;
    Ok(())
}

fn poll_all(session: &mut ClientSession, sends: &mut HashMap<DocumentId, u32>) -> Vec<Vec<u8>> {
    let ids: Vec<DocumentId> = session.ids().copied().collect();
    ids.iter()
        .filter_map(|id| {
            let f = session.poll_document(id)?;
            *sends.entry(*id).or_default() += 1;
            Some(f)
        })
        .collect()
}
