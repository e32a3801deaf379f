//! The projection of a household record: computed from the automerge document
//! (`Projection::of`: the typed record read through serde) and written into the `p_*` tables
//! (`Store::commit` with the projection, one transaction replacing the document's rows, with
//! the duplicate check), on SQLite in a temp dir with the server's settings (WAL,
//! `synchronous=FULL`: every commit is fsynced, as in production). `compute` is the first half
//! alone.
//!
//! The household is one of the demo county's (`demo::generate`): residents, visits, history.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use linli_server::demo::{self, DemoSize};
use linli_server::store::projection::Projection;
use linli_server::store::{self, CommitExtras, Origin};
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
    rt.block_on(store.commit(
        &id,
        Some(&root),
        &[],
        &origin,
        &CommitExtras {
            projection: Projection::of(&doc, &root).map(|p| (org.clone(), p)),
            ..CommitExtras::default()
        },
    ))
    .expect("first commit");
    let listed = rt
        .block_on(store.households(&org, 10, 0))
        .expect("list households");
    assert_eq!(listed.len(), 1, "the projection was written");

    let mut group = c.benchmark_group("projection_household");
    group.bench_function("compute", |b| {
        b.iter(|| Projection::of(black_box(&doc), &root).expect("reads as a household"))
    });
    group.bench_function("compute_and_write_sqlite", |b| {
        b.iter(|| {
            let p = Projection::of(black_box(&doc), &root).expect("reads as a household");
            let extras = CommitExtras {
                projection: Some((org.clone(), p)),
                ..CommitExtras::default()
            };
            rt.block_on(store.commit(&id, None, &[], &origin, &extras))
                .expect("commit")
        })
    });
    group.finish();
    rt.block_on(store.close());
}

criterion_group!(benches, projection);
criterion_main!(benches);
