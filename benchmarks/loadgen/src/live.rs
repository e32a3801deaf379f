//! Workload 3, live: P peers editing one document together at R changes a second each (the
//! setting of automerge-repo issue #207). Latency is from the moment a peer commits a change
//! to the moment each other peer holds it; every change carries its commit time in its
//! message.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use linli_sync_core::client::ClientSession;
use linli_sync_core::DocumentId;
use serde_json::json;
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use super::conn::{Conn, Traffic};
use super::device::{self, Target};
use super::docs::{self, heads};
use super::stats::Percentiles;
use super::{LoadError, Run, Setup};

/// How long peers wait for the last changes after everyone stopped editing.
const DRAIN: Duration = Duration::from_secs(30);

struct Peer {
    index: usize,
    session: ClientSession,
    conn: Conn,
    url: String,
    token: Option<String>,
    traffic: Arc<Traffic>,
    /// Times the connection was lost and made again.
    reconnects: usize,
}

/// Connection attempts in a row before a peer gives up.
const MAX_ATTEMPTS: usize = 5;

impl Peer {
    /// The connection was lost: connect again and rejoin, as automerge-repo clients do (the
    /// document and what the server is known to hold are kept).
    async fn reconnect(&mut self) -> Result<(), LoadError> {
        self.session.disconnected();
        self.reconnects += 1;
        let mut last = None;
        for _ in 0..MAX_ATTEMPTS {
            match Conn::connect(&self.url, self.token.as_deref(), self.traffic.clone()).await {
                Ok(mut conn) => {
                    conn.send_all(vec![self.session.join_frame()]).await?;
                    self.conn = conn;
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(last.expect("at least one attempt"))
    }

    /// Sends the document's next sync message, if it has one; reconnects if that fails.
    async fn send_update(&mut self, id: &DocumentId) -> Result<(), LoadError> {
        if let Some(frame) = self.session.poll_document(id) {
            if self.conn.send_all(vec![frame]).await.is_err() {
                self.reconnect().await?;
            }
        }
        Ok(())
    }
}

/// Connects every peer to one shared document, then edits for `duration`.
pub async fn run(
    run: &Run,
    peers: usize,
    rate: f64,
    duration: Duration,
) -> Result<serde_json::Value, LoadError> {
    let id = docs::document_id(run.seed, "live", 0);
    let deadline = Instant::now() + run.timeout;
    let mut first = device::session(&format!("live-{}-0", run.seed), "live-store-0");
    let actor0 = docs::actor(run.seed, "live", 0);
    first.insert(id, docs::new_household(actor0, 0), None);
    let mut conn = Conn::connect(run.url(0), run.token(0).as_deref(), run.traffic.clone()).await?;
    let targets = HashMap::from([(id, Target::InStep)]);
    device::drive(
        &mut conn,
        &mut first,
        &targets,
        false,
        Instant::now(),
        deadline,
    )
    .await?;
    let base = heads(first.doc(&id).expect("created"));
    let mut all = vec![Peer {
        index: 0,
        session: first,
        conn,
        url: run.url(0).to_owned(),
        token: run.token(0),
        traffic: run.traffic.clone(),
        reconnects: 0,
    }];
    for index in 1..peers {
        let mut session = device::session(
            &format!("live-{}-{index}", run.seed),
            &format!("live-store-{index}"),
        );
        session.request(id);
        let mut conn = Conn::connect(
            run.url(index),
            run.token(index).as_deref(),
            run.traffic.clone(),
        )
        .await?;
        let targets = HashMap::from([(id, Target::Heads(base.clone()))]);
        device::drive(
            &mut conn,
            &mut session,
            &targets,
            false,
            Instant::now(),
            deadline,
        )
        .await?;
        all.push(Peer {
            index,
            session,
            conn,
            url: run.url(index).to_owned(),
            token: run.token(index),
            traffic: run.traffic.clone(),
            reconnects: 0,
        });
    }

    let setup = Setup::begin(run);
    let epoch = Instant::now();
    let made_total = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let period = Duration::from_secs_f64(1.0 / rate);
    let mut tasks = JoinSet::new();
    for peer in all {
        let made_total = made_total.clone();
        let stopped = stopped.clone();
        let seed = run.seed;
        tasks.spawn(edit(
            peer, id, seed, peers, epoch, period, duration, made_total, stopped,
        ));
    }
    let mut latencies = Vec::new();
    let mut missing = 0;
    let mut reconnects = 0;
    let mut errors = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined.map_err(|e| LoadError::Connection(e.to_string()))? {
            Ok((samples, short, again)) => {
                latencies.extend(samples);
                missing += short;
                reconnects += again;
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    let measured = setup.end(run);
    if let Some(e) = errors.first() {
        return Err(LoadError::Incomplete(format!(
            "{} peers failed; first: {e}",
            errors.len()
        )));
    }
    let made = made_total.load(Ordering::Relaxed);
    Ok(json!({
        "changes": made,
        "deliveries": latencies.len(),
        "deliveries_missing": missing,
        "reconnects": reconnects,
        "delivery_latency": Percentiles::of(&mut latencies),
        "measured": measured,
    }))
}

/// One peer: a change every `period` until `duration` is over, meanwhile applying what
/// arrives; then waits until it holds every other peer's changes. Returns the delivery
/// latencies it saw, how many changes it never got, and how often it reconnected.
#[allow(clippy::too_many_arguments)]
async fn edit(
    mut peer: Peer,
    id: DocumentId,
    seed: u64,
    peers: usize,
    epoch: Instant,
    period: Duration,
    duration: Duration,
    made_total: Arc<AtomicUsize>,
    stopped: Arc<AtomicUsize>,
) -> Result<(Vec<Duration>, usize, usize), LoadError> {
    let me = docs::actor(seed, "live-editor", peer.index);
    if let Some(doc) = peer.session.doc_mut(&id) {
        doc.set_actor(me.clone());
    }
    // Peers start their ticks spread over one period, as people would.
    let offset = period.mul_f64(peer.index as f64 / peers as f64);
    let mut tick = tokio::time::interval_at(epoch + offset, period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let stop_editing = epoch + duration;
    let give_up = stop_editing + DRAIN;
    let (mut editing, mut made, mut received) = (true, 0usize, 0usize);
    let mut samples = Vec::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if editing && Instant::now() >= stop_editing {
                    editing = false;
                    stopped.fetch_add(1, Ordering::SeqCst);
                }
                if editing {
                    let stamp = epoch.elapsed().as_micros();
                    let doc = peer.session.doc_mut(&id).expect("held");
                    docs::add_visit(doc, format!("p{}v{made}", peer.index), Some(format!("t={stamp}")));
                    made += 1;
                    made_total.fetch_add(1, Ordering::SeqCst);
                    peer.send_update(&id).await?;
                }
            }
            frame = peer.conn.recv() => {
                let Ok(Some(frame)) = frame else {
                    peer.reconnect().await?;
                    continue;
                };
                let before = peer.session.doc(&id).expect("held").get_heads();
                peer.session.handle_frame(&frame)?;
                let now = epoch.elapsed();
                for change in peer.session.doc(&id).expect("held").get_changes(&before) {
                    if change.actor_id() == &me {
                        continue;
                    }
                    let stamp = change.message().and_then(|m| m.strip_prefix("t=")).and_then(|t| t.parse::<u64>().ok());
                    if let Some(stamp) = stamp {
                        samples.push(now.saturating_sub(Duration::from_micros(stamp)));
                        received += 1;
                    }
                }
                peer.send_update(&id).await?;
            }
            _ = tokio::time::sleep_until(give_up) => break,
        }
        let everyone_stopped = stopped.load(Ordering::SeqCst) == peers;
        if !editing && everyone_stopped && received == made_total.load(Ordering::SeqCst) - made {
            break;
        }
    }
    let missing = made_total.load(Ordering::SeqCst) - made - received;
    peer.conn.close().await;
    Ok((samples, missing, peer.reconnects))
}
