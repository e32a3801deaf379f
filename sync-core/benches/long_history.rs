//! Issue #21, long histories: what the server's side of a document pays to take in one more
//! change as the document's history grows — a household visited 10, 1,000 and 10,000 times
//! (each visit its own change, as phones add them) and a volunteer with 1,000 entries. One
//! message through `DocumentSync` as `doc_actor` drives it (`receive` → `take_commit` →
//! `committed` → `poll_outgoing`): the change applied, every write judged by the policy,
//! conflicts looked for, and the new change fanned out to 15 other peers in step with the
//! document. Each peer's sync state is the one the server kept from earlier syncs (as it
//! does), so a reply costs what a live connection's reply costs. The database and the
//! projection are the server's benches (`server/benches/projection.rs`).
//!
//! And loading a cold document: `Automerge::load` of the saved household with 10,000 changes.

#[allow(dead_code)]
mod fixtures;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use linli_sync_core::access::{Principal, Role};
use linli_sync_core::automerge::sync::{self, SyncDoc};
use linli_sync_core::automerge::transaction::CommitOptions;
use linli_sync_core::automerge::{ActorId, Automerge, ReadDoc, ROOT};
use linli_sync_core::contract::{Entry, Kind, OrgPath, RootInfo, Volunteer, SCHEMA_VERSION};
use linli_sync_core::doc_sync::{DocumentSync, Pending, Received};
use linli_sync_core::wire::PeerId;

/// Peers in step with the document besides the one sending the change.
const WATCHERS: usize = 15;
const COMMUNITY: &str = "c01/s01/m01";

/// A household with `n` visits, each its own change by the worker's phone.
fn household_with_visits(n: usize) -> Automerge {
    let mut doc = Automerge::new().with_actor(fixtures::worker_actor());
    fixtures::write(&mut doc, &fixtures::household(0), 0);
    for i in 0..n {
        add_visit(&mut doc, i);
    }
    doc
}

fn add_visit(doc: &mut Automerge, i: usize) {
    let mut tx = doc.transaction();
    let visits = tx.get(ROOT, "visits").expect("read").expect("visits").1;
    let end = tx.length(&visits);
    let visit = fixtures::visit(i, "家庭情况稳定，无特殊困难".into());
    linli_sync_core::autosurgeon::reconcile_insert(&mut tx, visits, end, &visit).expect("a visit");
    tx.commit_with(CommitOptions::default().with_time(1_795_161_600 + i as i64 * 60));
}

fn volunteer() -> Principal {
    Principal {
        user: "vol-1".into(),
        role: Role::Volunteer,
        org: OrgPath::parse(COMMUNITY).expect("valid org"),
        device: "dev-vol-1".into(),
        extra_read: Vec::new(),
    }
}

fn volunteer_actor() -> ActorId {
    ActorId::from(vec![0x22; 16])
}

fn entry(i: usize) -> Entry {
    Entry {
        date: format!("2026-{:02}-{:02}", 1 + (i / 28) % 12, 1 + i % 28),
        minutes: 60 + (i % 4) as i64 * 30,
        activity: "助老送餐".into(),
        category: "elderly".into(),
        source: "self".into(),
        status: "submitted".into(),
        review: None,
    }
}

/// A volunteer document with `n` entries, each its own change by the volunteer's phone.
fn volunteer_with_entries(n: usize) -> Automerge {
    let mut doc = Automerge::new().with_actor(volunteer_actor());
    let record = Volunteer {
        kind: "volunteer".into(),
        schema: SCHEMA_VERSION,
        org: COMMUNITY.into(),
        user: "vol-1".into(),
        name: "王芳".into(),
        registered_on: Some("2026-01-05".into()),
        skills: vec!["助老".into()],
        entries: Default::default(),
    };
    let mut tx = doc.transaction();
    linli_sync_core::autosurgeon::reconcile(&mut tx, &record).expect("reconcile");
    tx.commit();
    for i in 0..n {
        add_entry(&mut doc, i);
    }
    doc
}

fn add_entry(doc: &mut Automerge, i: usize) {
    let mut tx = doc.transaction();
    let entries = tx.get(ROOT, "entries").expect("read").expect("entries").1;
    linli_sync_core::autosurgeon::reconcile_prop(
        &mut tx,
        entries,
        format!("e{i}").as_str(),
        entry(i),
    )
    .expect("an entry");
    tx.commit_with(CommitOptions::default().with_time(1_795_161_600 + i as i64 * 60));
}

/// Runs the sync protocol between `client` and `server` until neither has anything to send;
/// returns the server's state for that peer.
fn in_step(client: &mut Automerge, server: &Automerge) -> (sync::State, sync::State) {
    let mut server = server.clone();
    let (mut cs, mut ss) = (sync::State::new(), sync::State::new());
    for _ in 0..20 {
        let a = client.generate_sync_message(&mut cs);
        if let Some(m) = &a {
            server
                .receive_sync_message(&mut ss, m.clone())
                .expect("server applies");
        }
        let b = server.generate_sync_message(&mut ss);
        if let Some(m) = &b {
            client
                .receive_sync_message(&mut cs, m.clone())
                .expect("client applies");
        }
        if a.is_none() && b.is_none() {
            return (cs, ss);
        }
    }
    panic!("the peers never came in step")
}

/// What one case needs: the stored document, the sender's message with one more change, and
/// every peer's kept sync state.
struct Case {
    stored: Automerge,
    root: RootInfo,
    who: Principal,
    actor: ActorId,
    message: Vec<u8>,
    states: Vec<(PeerId, sync::State)>,
}

fn case(
    stored: Automerge,
    kind: Kind,
    org: &str,
    who: Principal,
    actor: ActorId,
    one_more: impl Fn(&mut Automerge),
) -> Case {
    let mut states = Vec::new();
    let mut sender = stored.fork().with_actor(actor.clone());
    let (mut cs, ss) = in_step(&mut sender, &stored);
    states.push((PeerId::from("sender"), ss));
    for w in 0..WATCHERS {
        let mut watcher = stored.fork();
        let (_, ss) = in_step(&mut watcher, &stored);
        states.push((PeerId::from(format!("watcher-{w}").as_str()), ss));
    }
    one_more(&mut sender);
    let message = sender
        .generate_sync_message(&mut cs)
        .expect("a message with the change")
        .encode();
    Case {
        stored,
        root: RootInfo {
            kind,
            org: OrgPath::parse(org).expect("valid org"),
        },
        who,
        actor,
        message,
        states,
    }
}

/// The server's document with every peer connected, as it stands before the message.
fn server_side(c: &Case) -> DocumentSync {
    let actors = HashMap::from([(c.actor.clone(), c.who.device.clone())]);
    let mut doc = DocumentSync::stored(
        c.stored.clone(),
        c.root.clone(),
        actors,
        fixtures::server_actor(),
    );
    for (peer, state) in &c.states {
        doc.add_peer(peer.clone(), Some(c.who.clone()), Some(state.clone()));
    }
    doc
}

/// One message through the whole cycle; returns the replies (to the sender and the others).
fn ingest(doc: &mut DocumentSync, data: &[u8]) -> Vec<(PeerId, Vec<u8>)> {
    let received = doc
        .receive(&PeerId::from("sender"), false, data, 0)
        .expect("a valid message");
    assert_eq!(received, Received::Applied);
    let Pending::Commit(commit) = doc.take_commit() else {
        panic!("the change is to be committed")
    };
    doc.committed(&commit);
    doc.poll_outgoing()
}

fn long_history(c: &mut Criterion) {
    let mut cases: Vec<(String, Case)> = Vec::new();
    for n in [10usize, 1_000, 10_000] {
        let stored = household_with_visits(n);
        let case = case(
            stored,
            Kind::Household,
            fixtures::GRID,
            fixtures::worker(),
            fixtures::worker_actor(),
            move |d| add_visit(d, n + 1),
        );
        cases.push((format!("household_{n}_visits"), case));
    }
    let stored = volunteer_with_entries(1_000);
    cases.push((
        "volunteer_1000_entries".into(),
        case(
            stored,
            Kind::Volunteer,
            COMMUNITY,
            volunteer(),
            volunteer_actor(),
            |d| add_entry(d, 1_001),
        ),
    ));
    // Every case is judged clean and fanned out to every watcher, or the figure means nothing.
    for (name, case) in &cases {
        let mut doc = server_side(case);
        let out = ingest(&mut doc, &case.message);
        let to: std::collections::BTreeSet<_> = out.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(
            to.len(),
            WATCHERS + 1,
            "{name}: every peer hears of the change"
        );
    }

    let mut group = c.benchmark_group("long_history_one_more_change");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    for (name, case) in &cases {
        group.bench_with_input(BenchmarkId::from_parameter(name), case, |b, case| {
            b.iter_batched(
                || server_side(case),
                |mut doc| {
                    let out = ingest(&mut doc, black_box(&case.message));
                    (doc, out)
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();

    let saved = cases[2].1.stored.save();
    let mut group = c.benchmark_group("long_history_cold_load");
    group.sample_size(20);
    group.bench_function("household_10000_changes", |b| {
        b.iter(|| Automerge::load(black_box(&saved)).expect("loads"))
    });
    group.finish();
}

criterion_group!(benches, long_history);
criterion_main!(benches);
