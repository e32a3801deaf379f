//! Crash consistency under the load generator's burst workload (issue #7): D devices, each
//! holding the K household documents of its group of five with E offline visits to each, all
//! reconnect at once, and keep adding a visit per document and syncing; meanwhile the server
//! is killed with SIGKILL at a random moment and restarted, again and again. Every change the
//! server ever told a device it holds must survive, every device must converge with the server
//! afterwards, and the database must pass its integrity check.
//!
//! CI runs a small burst (`CI_SHAPE`) for `crash::CI_CYCLES` cycles per backend. The full run:
//! `LINLI_CRASH_CYCLES=50 LINLI_CRASH_BURST=100x20x10 cargo test -p linli-tests --test e2e -- crash_burst --nocapture`
//! (`LINLI_CRASH_BURST` is devices x documents x edits).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use linli_loadgen::burst::{BurstShape, Plan};
use linli_loadgen::conn::{Conn, Traffic};
use linli_loadgen::device::{self, Target};
use linli_loadgen::docs::{self, GRID};
use linli_loadgen::LoadError;
use linli_sync_core::automerge::ChangeHash;
use linli_sync_core::client::ClientSession;
use linli_sync_core::DocumentId;
use tokio::time::Instant;

use crate::crash::{assert_kept, cycles, integrity_check};
use crate::harness::{Backend, ServerProcess, TestDb};
use crate::on_both_backends;

/// The burst in CI: 10 devices in two groups, 4 documents each, 5 offline visits to each.
const CI_SHAPE: BurstShape = BurstShape {
    devices: 10,
    docs: 4,
    edits: 5,
    group: 5,
};
/// Every simulated phone connects from 127.0.0.1: lift the per-address cap (phones in the
/// field come from many addresses).
const FLAGS: &[&str] = &["--max-connections-per-address", "100000"];
/// How long one sync round of a device may take before it starts the next, while the server
/// is being killed.
const ROUND: Duration = Duration::from_secs(5);
/// How long a device may take to get in step once the server is up for good.
const FINAL_ROUND: Duration = Duration::from_secs(300);

/// One simulated phone: its documents (kept across server kills, as a phone keeps them) and,
/// per document, every set of heads the server said it holds.
struct Phone {
    index: usize,
    token: String,
    session: ClientSession,
    docs: Vec<DocumentId>,
    acked: HashMap<DocumentId, Vec<Vec<ChangeHash>>>,
    rounds: usize,
    /// Errors the server sent (a refusal would be a bug here).
    refused: Vec<String>,
    /// Why the last round did not get in step, if it did not.
    last_failure: Option<String>,
}

impl Phone {
    /// One visit more to each of its documents, offline.
    fn edit(&mut self) {
        self.rounds += 1;
        for id in &self.docs {
            let doc = self
                .session
                .doc_mut(id)
                .expect("the phone holds its documents");
            docs::add_visit(doc, format!("p{}r{}", self.index, self.rounds), None);
        }
    }

    /// What the server said it holds of each document on this connection: each of those
    /// changes was acknowledged, whoever wrote it.
    fn record_acks(&mut self) {
        for id in &self.docs {
            let theirs = self
                .session
                .sync_state(id)
                .and_then(|s| s.their_heads.clone());
            if let Some(heads) = theirs.filter(|h| !h.is_empty()) {
                self.acked.entry(*id).or_default().push(heads);
            }
        }
    }

    /// Connects and syncs until the server holds exactly what the phone holds (or `round`
    /// passes, or the connection fails); true when in step.
    async fn sync_round(&mut self, url: &str, round: Duration) -> bool {
        let targets: HashMap<DocumentId, Target> =
            self.docs.iter().map(|id| (*id, Target::InStep)).collect();
        let result = async {
            let mut conn =
                Conn::connect(url, Some(&self.token), Arc::new(Traffic::default())).await?;
            let now = Instant::now();
            let driven = device::drive(
                &mut conn,
                &mut self.session,
                &targets,
                false,
                now,
                now + round,
            )
            .await;
            if driven.is_ok() {
                conn.close().await;
            }
            driven
        }
        .await;
        self.record_acks();
        self.session.disconnected();
        self.last_failure = result.as_ref().err().map(ToString::to_string);
        match result {
            Ok(_) => true,
            Err(LoadError::Server(e)) => {
                self.refused.push(e);
                false
            }
            Err(_) => false,
        }
    }

    /// Rounds of syncing, with a visit more after each round in step, until `stop`.
    async fn work(&mut self, url: &str, stop: &AtomicBool) {
        while !stop.load(Ordering::SeqCst) {
            if self.sync_round(url, ROUND).await {
                self.edit();
            } else {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// `LINLI_CRASH_BURST=DxKxE`, or the CI shape.
fn shape() -> BurstShape {
    let Ok(spec) = std::env::var("LINLI_CRASH_BURST") else {
        return CI_SHAPE;
    };
    let n: Vec<usize> = spec
        .split('x')
        .map(|v| v.parse().expect("LINLI_CRASH_BURST is DxKxE"))
        .collect();
    assert_eq!(n.len(), 3, "LINLI_CRASH_BURST is DxKxE");
    BurstShape {
        devices: n[0],
        docs: n[1],
        edits: n[2],
        group: 5,
    }
}

/// Puts the burst's base documents on the server, then gives each phone its documents with
/// the burst's offline visits.
async fn prepare(plan: Plan, server: &ServerProcess, tokens: &[String]) -> Vec<Phone> {
    let url = server.ws_url();
    let mut setup = device::session("crash-setup", "crash-setup");
    let mut targets = HashMap::new();
    for (id, base, _) in &plan.documents {
        let doc = linli_sync_core::automerge::Automerge::load(base).expect("base loads");
        setup.insert(*id, doc, None);
        targets.insert(*id, Target::InStep);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let token = tokens.last().expect("a token for the set-up");
    device::sync_once(
        &url,
        Some(token),
        Arc::default(),
        &mut setup,
        &targets,
        deadline,
    )
    .await
    .expect("the base documents are stored");

    plan.devices
        .into_iter()
        .enumerate()
        .map(|(index, held)| {
            let mut session = device::session(&format!("phone-{index}"), &format!("phone-{index}"));
            let docs = held.iter().map(|(id, _)| *id).collect();
            for (id, doc) in held {
                session.insert(id, doc, None);
            }
            Phone {
                index,
                token: tokens[index].clone(),
                session,
                docs,
                acked: HashMap::new(),
                rounds: 0,
                refused: Vec::new(),
                last_failure: None,
            }
        })
        .collect()
}

async fn burst_survives_sigkill_without_losing_acknowledged_changes(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let shape = shape();
    db.add_user("crew", "worker", GRID, None).await;
    let tokens = db.tokens("crew", shape.devices + 1).await;
    let server = ServerProcess::start_with(&db, FLAGS).await;
    let plan = Plan::build(shape, 7);
    let mut phones = prepare(plan, &server, &tokens).await;
    server.kill().await;

    // The burst reconnects into the first cycle; every cycle ends with a SIGKILL somewhere
    // in the middle of it (later kills for bigger bursts).
    let spread = 1200 + 10 * (shape.devices * shape.docs) as u64;
    let cycles = cycles();
    for cycle in 0..cycles {
        let server = ServerProcess::start_with(&db, FLAGS).await;
        let url = server.ws_url();
        let stop = AtomicBool::new(false);
        let delay = Duration::from_millis(100 + rand::random::<u64>() % spread);
        let killer = async {
            tokio::time::sleep(delay).await;
            server.kill().await;
            stop.store(true, Ordering::SeqCst);
        };
        let workers =
            futures_util::future::join_all(phones.iter_mut().map(|p| p.work(&url, &stop)));
        tokio::join!(killer, workers);
        eprintln!(
            "crash burst cycle {}/{cycles}: killed after {delay:?}",
            cycle + 1
        );
    }

    // Up for good: every phone gets in step (the server then holds everything), then every
    // phone gets in step again (and so holds everything too).
    let server = ServerProcess::start_with(&db, FLAGS).await;
    let url = server.ws_url();
    for pass in 0..2 {
        let rounds = phones.iter_mut().map(|p| {
            let url = url.clone();
            async move {
                for _ in 0..3 {
                    if p.sync_round(&url, FINAL_ROUND).await {
                        return;
                    }
                }
                panic!(
                    "phone {} not in step after 3 tries (pass {pass}): {:?}",
                    p.index, p.last_failure
                );
            }
        });
        futures_util::future::join_all(rounds).await;
    }

    // What the server holds, fetched by a new device.
    let all: Vec<DocumentId> = {
        let mut ids: Vec<DocumentId> = phones.iter().flat_map(|p| p.docs.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let mut verifier = device::session("crash-verifier", "crash-verifier");
    let mut targets = HashMap::new();
    for id in &all {
        verifier.request(*id);
        targets.insert(*id, Target::Received);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let token = tokens.last().unwrap();
    device::sync_once(
        &url,
        Some(token),
        Arc::default(),
        &mut verifier,
        &targets,
        deadline,
    )
    .await
    .expect("the verifier gets every document");

    let mut acknowledged = 0;
    for phone in &phones {
        assert!(
            phone.refused.is_empty(),
            "phone {}: {:?}",
            phone.index,
            phone.refused
        );
        for id in &phone.docs {
            let stored = verifier.doc(id).expect("the server has it");
            let who = format!("phone {}", phone.index);
            acknowledged += assert_kept(&who, id, stored, phone.acked.get(id));
            assert_eq!(
                docs::heads(phone.session.doc(id).unwrap()),
                docs::heads(stored),
                "phone {} converged on {id}",
                phone.index
            );
        }
    }
    let visits: usize = phones.iter().map(|p| p.rounds).sum();
    eprintln!(
        "crash burst: {acknowledged} acknowledged heads checked after {cycles} kills; \
         {visits} rounds of visits beyond the burst"
    );
    assert!(acknowledged > 0, "the workload saw acknowledgements");
    server.stop().await;
    integrity_check(&db, backend).await;
    db.cleanup().await;
}
on_both_backends!(burst_survives_sigkill_without_losing_acknowledged_changes);
