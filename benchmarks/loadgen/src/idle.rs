//! Workload 2, idle: C peers connect, each puts one document on the server, then they all
//! stay connected doing nothing. Reports the server's memory per connected peer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::conn::Conn;
use super::device::{self, Target};
use super::docs;
use super::{LoadError, Run};

/// Connections opened at once while the peers come in.
const CONNECTING_AT_ONCE: usize = 128;

/// Connects `peers` peers, holds them idle for `settle`, reads the server's memory.
pub async fn run(
    run: &Run,
    peers: usize,
    settle: Duration,
) -> Result<serde_json::Value, LoadError> {
    let before = run.sample();
    let gate = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let ready = Arc::new(AtomicUsize::new(0));
    let (measured_tx, measured_rx) = watch::channel(false);
    let deadline = Instant::now() + run.timeout;
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for index in 0..peers {
        let url = run.url(index).to_owned();
        let token = run.token(index);
        let traffic = run.traffic.clone();
        let (gate, ready, mut measured) = (gate.clone(), ready.clone(), measured_rx.clone());
        let seed = run.seed;
        tasks.spawn(async move {
            let connected = async {
                let _slot = gate.acquire().await;
                let id = docs::document_id(seed, "idle", index);
                let mut session =
                    device::session(&format!("idle-{seed}-{index}"), &format!("idle-{index}"));
                let doc = docs::new_household(docs::actor(seed, "idle", index), index);
                session.insert(id, doc, None);
                let mut conn = Conn::connect(&url, token.as_deref(), traffic).await?;
                let targets = HashMap::from([(id, Target::InStep)]);
                device::drive(&mut conn, &mut session, &targets, false, Instant::now(), deadline)
                    .await?;
                Ok::<_, LoadError>(conn)
            }
            .await;
            ready.fetch_add(1, Ordering::SeqCst);
            let mut conn = connected?;
            // Keep reading (the server's pings are answered while reading) until measured.
            loop {
                tokio::select! {
                    _ = measured.changed() => break,
                    frame = conn.recv() => if !matches!(frame, Ok(Some(_))) {
                        return Err(LoadError::Connection("the server closed an idle connection".into()));
                    },
                }
            }
            conn.close().await;
            Ok(())
        });
    }
    while ready.load(Ordering::SeqCst) < peers {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connect_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(settle).await;
    let after = run.sample();
    let _ = measured_tx.send(true);
    let mut errors = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Err(e) = joined.map_err(|e| LoadError::Connection(e.to_string()))? {
            errors.push(e.to_string());
        }
    }
    if let Some(e) = errors.first() {
        return Err(LoadError::Incomplete(format!(
            "{} of {peers} peers failed; first: {e}",
            errors.len()
        )));
    }
    let server = match (before, after) {
        (Some(b), Some(a)) => json!({
            "rss_before_kib": b.rss_kib,
            "rss_connected_kib": a.rss_kib,
            "peak_rss_kib": a.peak_rss_kib,
            "kib_per_peer": (a.rss_kib as f64 - b.rss_kib as f64) / peers as f64,
        }),
        _ => serde_json::Value::Null,
    };
    Ok(json!({
        "peers": peers,
        "connect_secs": connect_secs,
        "server": server,
        "traffic": run.traffic.totals(),
    }))
}
