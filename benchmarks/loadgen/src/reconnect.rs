//! Workload 4, reconnect: one device holding N documents, all already on the server,
//! reconnects with nothing new on either side. Counts round trips and bytes on the wire,
//! with or without the device offering permessage-deflate on the reconnect.

use std::collections::HashMap;
use std::time::Duration;

use linli_sync_core::automerge::sync;
use serde_json::json;
use tokio::time::Instant;

use super::conn::Conn;
use super::device::{self, Target};
use super::docs;
use super::stats::ms;
use super::{LoadError, Run, Setup};

/// Puts `count` documents on the server from one device, then reconnects it, offering
/// permessage-deflate when `deflate` is set.
pub async fn run(run: &Run, count: usize, deflate: bool) -> Result<serde_json::Value, LoadError> {
    let seed = run.seed;
    let deadline = Instant::now() + run.timeout;
    let storage = format!("reconnect-store-{seed}");
    let actor = docs::actor(seed, "reconnect", 0);
    let mut first = device::session(&format!("reconnect-{seed}-a"), &storage);
    let mut targets = HashMap::new();
    for index in 0..count {
        let id = docs::document_id(seed, "reconnect", index);
        first.insert(id, docs::new_household(actor.clone(), index), None);
        targets.insert(id, Target::InStep);
    }
    let mut conn = Conn::connect(run.url(0), run.token(0).as_deref(), run.traffic.clone()).await?;
    device::drive(
        &mut conn,
        &mut first,
        &targets,
        false,
        Instant::now(),
        deadline,
    )
    .await?;
    conn.close().await;
    // What a device keeps between connections: its documents and each one's sync state.
    let mut second = device::session(&format!("reconnect-{seed}-b"), &storage);
    for id in targets.keys() {
        let state = first.sync_state(id).expect("held").encode();
        let doc = first.doc(id).expect("held").clone();
        second.insert(
            *id,
            doc,
            Some(sync::State::decode(&state).expect("state decodes")),
        );
    }
    drop(first);
    // Let the server store what it keeps of the first connection.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let setup = Setup::begin(run);
    let start = Instant::now();
    let (mut conn, deflate_accepted) = if deflate {
        Conn::connect_offering_deflate(run.url(0), run.token(0).as_deref(), run.traffic.clone())
            .await?
    } else {
        let conn = Conn::connect(run.url(0), run.token(0).as_deref(), run.traffic.clone()).await?;
        (conn, false)
    };
    let connected = start.elapsed();
    let driven = device::drive(&mut conn, &mut second, &targets, false, start, deadline).await?;
    let elapsed = start.elapsed();
    conn.close().await;
    let measured = setup.end(run);
    let bytes = measured["traffic"]["bytes_sent"].as_u64().unwrap_or(0)
        + measured["traffic"]["bytes_received"].as_u64().unwrap_or(0);
    Ok(json!({
        "docs": count,
        // Sync messages per document, each answered; the join/peer handshake is one more.
        "round_trips": driven.round_trips,
        "round_trips_with_handshake": driven.round_trips + 1,
        "wire_bytes": bytes,
        "deflate_offered": deflate,
        "deflate_accepted": deflate_accepted,
        "in_step_ms": ms(elapsed),
        "connect_ms": ms(connected),
        "measured": measured,
    }))
}
