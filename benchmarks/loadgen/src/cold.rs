//! Workload 5, cold: `seed` puts N documents on the server; after the server is restarted,
//! `probe` measures how long until it serves, then the first-sync latency of documents
//! nobody has asked for since the restart.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use serde_json::json;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::conn::Conn;
use super::device::{self, Target};
use super::docs;
use super::stats::{ms, Percentiles};
use super::{LoadError, Run};

/// Documents one connection puts on the server before the next connection takes over.
const PER_CONNECTION: usize = 1000;

/// Puts `count` documents on the server over `parallel` connections at a time.
pub async fn seed(
    run: &Run,
    count: usize,
    parallel: usize,
) -> Result<serde_json::Value, LoadError> {
    let start = Instant::now();
    let deadline = start + run.timeout;
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for worker in 0..parallel.max(1) {
        let url = run.url(worker).to_owned();
        let token = run.token(worker);
        let traffic = run.traffic.clone();
        let next = next.clone();
        let seed = run.seed;
        tasks.spawn(async move {
            loop {
                let first = next.fetch_add(PER_CONNECTION, Ordering::SeqCst);
                if first >= count {
                    return Ok::<_, LoadError>(());
                }
                let actor = docs::actor(seed, "cold", worker);
                let mut session =
                    device::session(&format!("cold-{seed}-{first}"), &format!("cold-{worker}"));
                let mut targets = HashMap::new();
                for index in first..(first + PER_CONNECTION).min(count) {
                    let id = docs::document_id(seed, "cold", index);
                    session.insert(id, docs::new_household(actor.clone(), index), None);
                    targets.insert(id, Target::InStep);
                }
                let traffic = traffic.clone();
                device::sync_once(
                    &url,
                    token.as_deref(),
                    traffic,
                    &mut session,
                    &targets,
                    deadline,
                )
                .await?;
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| LoadError::Connection(e.to_string()))??;
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(json!({ "docs": count, "seed_secs": secs, "docs_per_sec": count as f64 / secs }))
}

/// Started right after the server process: retries until the handshake completes (time to
/// ready), then fetches `samples` random seeded documents one after another.
pub async fn probe(
    run: &Run,
    count: usize,
    samples: usize,
) -> Result<serde_json::Value, LoadError> {
    let start = Instant::now();
    let deadline = start + run.timeout;
    let token = run.token(0);
    let mut session = device::session(&format!("cold-probe-{}", run.seed), "cold-probe");
    let mut conn = loop {
        match Conn::connect(run.url(0), token.as_deref(), run.traffic.clone()).await {
            Ok(mut conn) => {
                conn.send_all(vec![session.join_frame()]).await?;
                match conn.recv().await {
                    Ok(Some(frame)) => {
                        session.handle_frame(&frame)?;
                        if session.is_connected() {
                            break conn;
                        }
                    }
                    _ => continue,
                }
            }
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Err(e) => return Err(e),
        }
    };
    let ready = start.elapsed();
    let after_ready = run.sample();
    let mut rng = rand::rngs::StdRng::seed_from_u64(run.seed ^ 0xc01d);
    let mut latencies = Vec::new();
    for _ in 0..samples {
        let id = docs::document_id(run.seed, "cold", rng.random_range(0..count));
        if session.doc(&id).is_some() {
            continue;
        }
        session.request(id);
        let targets = HashMap::from([(id, Target::Received)]);
        let asked = Instant::now();
        device::drive(&mut conn, &mut session, &targets, true, asked, deadline).await?;
        latencies.push(asked.elapsed());
    }
    conn.close().await;
    let server = after_ready
        .map(|s| json!({ "rss_when_ready_kib": s.rss_kib, "cpu_secs_to_ready": s.cpu_secs }));
    Ok(json!({
        "ready_ms": ms(ready),
        "first_sync": Percentiles::of(&mut latencies),
        "server": server,
    }))
}
