//! The server's side of a document taking in one sync message, as `doc_actor` drives it:
//! `DocumentSync::receive` → `take_commit` → `committed` → `poll_outgoing` (the reply), without
//! the database. Two cases: a grid worker's phone coming back online with 10 offline changes to
//! a stored household (actors bound, every write judged by the policy, conflicts looked for),
//! and the first message of a household the worker registered offline (a tentative document:
//! root validated, creation judged, the whole document's writes judged).
//!
//! And the policy check alone: `access::check_changes` (diff → field writes → `rules::RULES`)
//! for a worker adding one visit to a household.

// Each bench uses only some of the shared fixtures.
#[allow(dead_code)]
mod fixtures;

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use linli_sync_core::access;
use linli_sync_core::automerge::Automerge;
use linli_sync_core::contract::{read_record, Household, Kind, OrgPath, RootInfo};
use linli_sync_core::doc_sync::{DocumentSync, Pending, Received};
use linli_sync_core::wire::PeerId;

/// One message through the whole server-side cycle; returns the replies.
fn ingest(doc: &mut DocumentSync, peer: &PeerId, data: &[u8]) -> Vec<(PeerId, Vec<u8>)> {
    let received = doc.receive(peer, false, data, 0).expect("a valid message");
    assert_eq!(received, Received::Applied);
    let Pending::Commit(commit) = doc.take_commit() else {
        panic!("the message's changes are to be committed")
    };
    doc.committed(&commit);
    let out = doc.poll_outgoing();
    assert!(!out.is_empty(), "the peer is answered");
    out
}

fn doc_sync(c: &mut Criterion) {
    let peer = PeerId::from("phone-worker-1");
    let root = RootInfo {
        kind: Kind::Household,
        org: OrgPath::parse(fixtures::GRID).expect("valid org"),
    };
    let stored = fixtures::stored_household();
    let offline = fixtures::with_offline_changes(&stored, 10);
    let ten_changes = fixtures::message_with_changes(&offline, &stored);
    let first = fixtures::message_with_changes(&stored, &Automerge::new());

    let mut group = c.benchmark_group("doc_sync_ingest");
    group.bench_function("household_10_offline_changes", |b| {
        b.iter_batched(
            || {
                let actors =
                    HashMap::from([(fixtures::worker_actor(), fixtures::worker().device.clone())]);
                let mut doc = DocumentSync::stored(
                    stored.clone(),
                    root.clone(),
                    actors,
                    fixtures::server_actor(),
                );
                doc.add_peer(peer.clone(), Some(fixtures::worker()), None);
                doc
            },
            |mut doc| {
                ingest(&mut doc, &peer, black_box(&ten_changes));
                doc
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("tentative_first_message", |b| {
        b.iter_batched(
            || {
                let mut doc = DocumentSync::tentative(fixtures::server_actor());
                doc.add_peer(peer.clone(), Some(fixtures::worker()), None);
                doc
            },
            |mut doc| {
                ingest(&mut doc, &peer, black_box(&first));
                doc
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn policy(c: &mut Criterion) {
    let stored = fixtures::stored_household();
    let before = stored.get_heads();
    let mut doc = stored.fork().with_actor(fixtures::worker_actor());
    let mut record: Household = read_record(&doc).expect("a household");
    record.visits.push(fixtures::visit(
        50,
        "健康随访：测量血压，提醒按时服药".into(),
    ));
    fixtures::write(&mut doc, &record, 50);
    let who = fixtures::worker();
    assert!(access::check_changes(&who, Kind::Household, &doc, &before).is_empty());

    let mut group = c.benchmark_group("access");
    group.bench_function("check_changes_worker_adds_visit", |b| {
        b.iter(|| access::check_changes(&who, Kind::Household, black_box(&doc), &before))
    });
    group.finish();
}

criterion_group!(benches, doc_sync, policy);
criterion_main!(benches);
