//! The server's side of a document taking in one sync message, as `doc_actor` drives it:
//! `DocumentSync::receive` → `take_commit` → `committed` → `poll_outgoing` (the reply), without
//! the database. Two cases: a grid worker's phone coming back online with 10 offline changes to
//! a stored household (actors bound, every write judged by the policy, conflicts looked for),
//! and the first message of a household the worker registered offline (a tentative document:
//! root validated, creation judged, the whole document's writes judged).
//!
//! And the policy check alone: `access::check_changes` (diff → field writes → `rules::RULES`)
//! for a worker adding one visit to a household; and, for a household already holding 1,000
//! visits (the live workload's document after ten seconds), what it costs to learn what one
//! more visit wrote: applying it and diffing the document before and after, against applying
//! it with automerge's incremental patch log.

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

/// A household with `n` visits, each added as its own change (as phones add them).
fn busy_household(n: usize) -> Automerge {
    use linli_sync_core::automerge::{ReadDoc, ROOT};
    let mut doc = Automerge::new().with_actor(fixtures::worker_actor());
    fixtures::write(&mut doc, &fixtures::household(0), 0);
    for i in 0..n {
        let mut tx = doc.transaction();
        let visits = tx.get(ROOT, "visits").expect("read").expect("visits").1;
        let end = tx.length(&visits);
        let visit = fixtures::visit(i, "家庭情况稳定，无特殊困难".into());
        linli_sync_core::autosurgeon::reconcile_insert(&mut tx, visits, end, &visit)
            .expect("a visit");
        tx.commit();
    }
    doc
}

fn busy_document(c: &mut Criterion) {
    use linli_sync_core::automerge::PatchLog;
    let base = busy_household(1000);
    let before = base.get_heads();
    let mut next = base.fork().with_actor(fixtures::worker_actor());
    let mut record: Household = read_record(&next).expect("a household");
    record.visits.push(fixtures::visit(5000, "测量血压".into()));
    fixtures::write(&mut next, &record, 5000);
    let change = next.get_changes(&before).remove(0).clone();
    let who = fixtures::worker();
    assert!(access::check_changes(&who, Kind::Household, &next, &before).is_empty());

    let mut group = c.benchmark_group("busy_household_1000_visits");
    group.bench_function("check_changes_one_more_visit", |b| {
        b.iter(|| access::check_changes(&who, Kind::Household, black_box(&next), &before))
    });
    group.bench_function("apply_then_diff", |b| {
        b.iter_batched(
            || base.clone(),
            |mut doc| {
                doc.apply_changes([change.clone()]).expect("applies");
                let after = doc.get_heads();
                let patches = doc.diff(&before, &after);
                (doc, patches)
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("apply_with_patch_log", |b| {
        b.iter_batched(
            || base.clone(),
            |mut doc| {
                let mut log = PatchLog::active();
                doc.apply_changes_log_patches([change.clone()], &mut log)
                    .expect("applies");
                let patches = doc.make_patches(&mut log);
                (doc, patches)
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("apply_only", |b| {
        b.iter_batched(
            || base.clone(),
            |mut doc| {
                doc.apply_changes([change.clone()]).expect("applies");
                doc
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, doc_sync, policy, busy_document);
criterion_main!(benches);
