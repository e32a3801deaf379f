//! The projection of a household record: computed from the automerge document
//! (`Projection::of`: the typed record read through serde) and written into the `p_*` tables
//! (`Store::commit` with the projection, one transaction replacing the document's rows, with
//! the duplicate check), on SQLite in a temp dir with the server's settings (WAL,
//! `synchronous=FULL`: every commit is fsynced, as in production). `compute` is the first half
//! alone. `projection_1000_visits` compares a commit that adds one visit to a household
//! visited 1,000 times written in full (every row replaced) and as the rows that differ from
//! the previous commit (what the server does while it holds the document).
//!
//! The household is one of the demo county's (`demo::generate`): residents, visits, history.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use linli_server::demo::{self, DemoSize};
use linli_server::store::projection::{Projection, ProjectionWrite};
use linli_server::store::{self, CommitExtras, Origin};
use linli_sync_core::automerge::{transaction::Transactable, Automerge, ObjType, ReadDoc, ROOT};
use linli_sync_core::calendar::DEFAULT_TIME_ZONE;
use linli_sync_core::contract::{validate_root, Kind};

fn projection(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let size = DemoSize {
        streets: 1,
        communities_per_street: 1,
        grids_per_community: 1,
        households_per_grid: 12,
        volunteers_per_community: 1,
    };
    // The household with the most residents and visits among a dozen: a busy record.
    let household = demo::generate(6, "2026-11-20", &size)
        .into_iter()
        .filter(|d| validate_root(&d.doc).is_ok_and(|r| r.kind == Kind::Household))
        .max_by_key(|d| d.doc.get_changes(&[]).len())
        .expect("the demo has households");
    let doc = household.doc;
    let id = household.id.to_string();
    let root = validate_root(&doc).expect("valid root");
    let org = root.org.to_string();

    let dir = tempfile::tempdir().expect("temp dir");
    let store = rt
        .block_on(store::open(None, dir.path()))
        .expect("open SQLite");
    let origin = Origin {
        peer: Some("bench".into()),
        ..Origin::default()
    };
    // The document is created with its projection and without its change log: every iteration
    // then replaces the rows the way a commit of new changes does (the log append itself is
    // the change log's cost, not the projection's).
    rt.block_on(
        store.commit(
            &id,
            Some(&root),
            &[],
            &origin,
            &CommitExtras {
                projection: Projection::of(&doc, &root, DEFAULT_TIME_ZONE)
                    .map(|p| ProjectionWrite::full(org.clone(), p)),
                ..CommitExtras::default()
            },
        ),
    )
    .expect("first commit");
    let (listed, _) = rt
        .block_on(store.household_page(&org, &Default::default(), (10, 0)))
        .expect("list households");
    assert_eq!(listed.len(), 1, "the projection was written");

    let mut group = c.benchmark_group("projection_household");
    group.bench_function("compute", |b| {
        b.iter(|| {
            Projection::of(black_box(&doc), &root, DEFAULT_TIME_ZONE).expect("reads as a household")
        })
    });
    group.bench_function("compute_and_write_sqlite", |b| {
        b.iter(|| {
            let p = Projection::of(black_box(&doc), &root, DEFAULT_TIME_ZONE)
                .expect("reads as a household");
            let extras = CommitExtras {
                projection: Some(ProjectionWrite::full(org.clone(), p)),
                ..CommitExtras::default()
            };
            rt.block_on(store.commit(&id, None, &[], &origin, &extras))
                .expect("commit")
        })
    });
    group.finish();

    // A household visited 1,000 times (as the live workload's grows), and the same with one
    // more visit: a commit that adds one visit, written in full or as the rows that differ.
    let mut busy = doc.fork();
    add_visits(&mut busy, 0..1_000);
    let mut busier = busy.fork();
    add_visits(&mut busier, 1_000..1_001);
    let read = |d: &Automerge| {
        Arc::new(Projection::of(d, &root, DEFAULT_TIME_ZONE).expect("reads as a household"))
    };
    let (before, after) = (read(&busy), read(&busier));
    let write = |rows: &Arc<Projection>, base: Option<&Arc<Projection>>| {
        let extras = CommitExtras {
            projection: Some(ProjectionWrite {
                org: org.clone(),
                rows: rows.clone(),
                base: base.cloned(),
            }),
            ..CommitExtras::default()
        };
        rt.block_on(store.commit(&id, None, &[], &origin, &extras))
            .expect("commit")
    };
    write(&before, None);
    let mut group = c.benchmark_group("projection_1000_visits");
    // Each iteration adds the visit, then takes it away again: two commits.
    group.bench_function("one_visit_written_in_full_sqlite", |b| {
        b.iter(|| {
            write(&after, None);
            write(&before, None)
        })
    });
    group.bench_function("one_visit_written_as_difference_sqlite", |b| {
        b.iter(|| {
            write(&after, Some(&before));
            write(&before, Some(&after))
        })
    });
    group.finish();
    rt.block_on(store.close());
}

/// Appends visits numbered `range` to a household's visit list.
fn add_visits(doc: &mut Automerge, range: std::ops::Range<usize>) {
    let mut tx = doc.transaction();
    let visits = tx
        .get(ROOT, "visits")
        .expect("read visits")
        .map(|(_, obj)| obj)
        .expect("the household has visits");
    for n in range {
        let at = tx.length(&visits);
        let visit = tx.insert_object(&visits, at, ObjType::Map).expect("insert");
        tx.put(&visit, "id", format!("bench-{n}")).expect("put");
        tx.put(&visit, "at", "2026-11-20T09:00:00Z").expect("put");
        tx.put(&visit, "by", "bench").expect("put");
        tx.put(&visit, "purpose", "入户走访").expect("put");
    }
    tx.commit();
}

criterion_group!(benches, projection);
criterion_main!(benches);
