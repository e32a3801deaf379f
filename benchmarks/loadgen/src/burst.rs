//! Workload 1, burst: D devices, each holding the K documents of its group with E offline
//! changes to each, all reconnect at once; done when every device holds every change of its
//! group and the server acknowledged them. Also the floor: the same changes applied in
//! process with bare automerge.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use linli_sync_core::automerge::{Automerge, ChangeHash};
use linli_sync_core::DocumentId;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::device::{self, Target};
use super::docs::{self, heads};
use super::stats::{ms, Percentiles};
use super::{LoadError, Run, Setup};

/// The shape of a burst.
#[derive(Clone, Copy, Debug, clap::Args, serde::Serialize)]
pub struct BurstShape {
    /// Devices reconnecting at once.
    #[arg(long = "devices", short = 'D', default_value_t = 500)]
    pub devices: usize,
    /// Documents each device holds (those of its group).
    #[arg(long = "docs", short = 'K', default_value_t = 20)]
    pub docs: usize,
    /// Offline changes each device made to each of its documents.
    #[arg(long = "edits", short = 'E', default_value_t = 10)]
    pub edits: usize,
    /// Devices sharing the same documents.
    #[arg(long, default_value_t = 5)]
    pub group: usize,
}

/// Every document and device of a burst, built before anything is timed.
pub struct Plan {
    pub shape: BurstShape,
    /// Per document: id, the base (as saved), the heads once every change is in.
    pub documents: Vec<(DocumentId, Vec<u8>, Vec<ChangeHash>)>,
    /// Per device: its documents (base plus its own changes).
    pub devices: Vec<Vec<(DocumentId, Automerge)>>,
    /// Per document: each device's new changes, encoded (for the floor).
    pub changes: Vec<Vec<Vec<u8>>>,
}

impl Plan {
    /// Builds the burst deterministically from `seed`.
    pub fn build(shape: BurstShape, seed: u64) -> Self {
        let groups = shape.devices.div_ceil(shape.group);
        let creator = docs::actor(seed, "creator", 0);
        let mut documents = Vec::new();
        let mut bases = Vec::new();
        for index in 0..groups * shape.docs {
            let base = docs::new_household(creator.clone(), index);
            documents.push((
                docs::document_id(seed, "burst", index),
                base.save(),
                Vec::new(),
            ));
            bases.push(base);
        }
        let mut changes = vec![Vec::new(); documents.len()];
        let mut devices = Vec::new();
        for d in 0..shape.devices {
            let group = d / shape.group;
            let mut held = Vec::new();
            for k in 0..shape.docs {
                let index = group * shape.docs + k;
                let base = &bases[index];
                let mut doc = base.fork().with_actor(docs::actor(seed, "device", d));
                for e in 0..shape.edits {
                    docs::add_visit(&mut doc, format!("d{d}e{e}"), None);
                }
                let mut bytes = Vec::new();
                for change in doc.get_changes(&base.get_heads()) {
                    bytes.extend_from_slice(change.raw_bytes());
                }
                changes[index].push(bytes);
                held.push((documents[index].0, doc));
            }
            devices.push(held);
        }
        for (index, (_, base, expected)) in documents.iter_mut().enumerate() {
            let mut merged = Automerge::load(base).expect("base loads");
            for bytes in &changes[index] {
                merged.load_incremental(bytes).expect("changes load");
            }
            *expected = heads(&merged);
        }
        Plan {
            shape,
            documents,
            devices,
            changes,
        }
    }

    /// Changes every device made, in all.
    pub fn change_count(&self) -> usize {
        self.shape.devices * self.shape.docs * self.shape.edits
    }
}

/// The floor: every device's changes applied to each document in process (bare automerge,
/// `load_incremental` per device batch as it would arrive), no network, no storage.
pub fn floor(plan: &Plan) -> serde_json::Value {
    let bases: Vec<Automerge> = plan
        .documents
        .iter()
        .map(|(_, base, _)| Automerge::load(base).expect("base loads"))
        .collect();
    let start = std::time::Instant::now();
    for (index, mut doc) in bases.into_iter().enumerate() {
        for bytes in &plan.changes[index] {
            doc.load_incremental(bytes).expect("changes load");
        }
        assert_eq!(heads(&doc), plan.documents[index].2);
    }
    let secs = start.elapsed().as_secs_f64();
    json!({
        "converged_secs": secs,
        "changes": plan.change_count(),
        "changes_per_sec": plan.change_count() as f64 / secs,
    })
}

/// Uploads every base document (not timed), then lets all devices reconnect at once.
pub async fn run(run: &Run, plan: Plan) -> Result<serde_json::Value, LoadError> {
    upload_bases(run, &plan).await?;
    let expected: HashMap<DocumentId, Vec<ChangeHash>> = plan
        .documents
        .iter()
        .map(|(id, _, h)| (*id, h.clone()))
        .collect();
    let expected = Arc::new(expected);
    let setup = Setup::begin(run);
    let start = Instant::now();
    let deadline = start + run.timeout;
    let mut tasks = JoinSet::new();
    for (d, held) in plan.devices.into_iter().enumerate() {
        let url = run.url(d).to_owned();
        let token = run.token(d);
        let traffic = run.traffic.clone();
        let expected = expected.clone();
        let seed = run.seed;
        tasks.spawn(async move {
            let mut session =
                device::session(&format!("burst-{seed}-{d}"), &format!("store-{seed}-{d}"));
            let mut targets = HashMap::new();
            for (id, doc) in held {
                targets.insert(id, Target::Heads(expected[&id].clone()));
                session.insert(id, doc, None);
            }
            // A device whose connection fails reconnects and carries on, as phones do.
            let mut retries = 0;
            loop {
                let attempt = async {
                    let mut conn =
                        super::conn::Conn::connect(&url, token.as_deref(), traffic.clone()).await?;
                    let driven =
                        device::drive(&mut conn, &mut session, &targets, false, start, deadline)
                            .await?;
                    conn.close().await;
                    Ok::<_, LoadError>(driven.done)
                }
                .await;
                match attempt {
                    Err(LoadError::Connect(_) | LoadError::Connection(_)) if retries < 5 => {
                        session.disconnected();
                        retries += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    other => return other.map(|done| (done, retries)),
                }
            }
        });
    }
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    let mut reconnects = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined.map_err(|e| LoadError::Connection(e.to_string()))? {
            Ok((done, retries)) => {
                latencies.extend(done.into_iter().map(|(_, t)| t));
                reconnects += retries;
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    let converged = start.elapsed();
    let measured = setup.end(run);
    if !errors.is_empty() {
        return Err(LoadError::Incomplete(format!(
            "{} of {} devices failed; first: {}",
            errors.len(),
            plan.shape.devices,
            errors[0]
        )));
    }
    let changes = plan.shape.devices * plan.shape.docs * plan.shape.edits;
    Ok(json!({
        "converged_secs": converged.as_secs_f64(),
        "changes": changes,
        "changes_per_sec": changes as f64 / converged.as_secs_f64(),
        "doc_sync_latency": Percentiles::of(&mut latencies),
        "reconnects": reconnects,
        "measured": measured,
        "converged_ms": ms(converged),
    }))
}

/// Puts every base document on the server, a group's documents per connection, a few
/// connections at a time.
async fn upload_bases(run: &Run, plan: &Plan) -> Result<(), LoadError> {
    let per_group = plan.shape.docs;
    let gate = Arc::new(Semaphore::new(16));
    let mut tasks = JoinSet::new();
    for (g, chunk) in plan.documents.chunks(per_group).enumerate() {
        let chunk: Vec<(DocumentId, Vec<u8>)> =
            chunk.iter().map(|(id, b, _)| (*id, b.clone())).collect();
        let url = run.url(g).to_owned();
        let token = run.token(g);
        let traffic = Arc::new(super::conn::Traffic::default());
        let gate = gate.clone();
        let deadline = Instant::now() + run.timeout;
        let seed = run.seed;
        tasks.spawn(async move {
            let _slot = gate.acquire().await;
            let mut session =
                device::session(&format!("setup-{seed}-{g}"), &format!("setup-{seed}-{g}"));
            let mut targets = HashMap::new();
            for (id, bytes) in chunk {
                session.insert(id, Automerge::load(&bytes).expect("base loads"), None);
                targets.insert(id, Target::InStep);
            }
            device::sync_once(
                &url,
                token.as_deref(),
                traffic,
                &mut session,
                &targets,
                deadline,
            )
            .await?;
            Ok::<_, LoadError>(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| LoadError::Connection(e.to_string()))??;
    }
    // Let the servers settle what the set-up connections left (sync states, eviction timers).
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}
