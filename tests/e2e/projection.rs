//! The projection rows the server keeps for a household, commit after commit of edits that
//! add, change and remove its residents and visits, are exactly the rows a full projection of
//! the document writes. (The server writes only the rows that differ from its previous
//! commit of the document; this is what keeps that honest.)

use linli_server::store::projection::{Projection, ProjectionWrite};
use linli_server::store::{self, CommitExtras, Origin, Store};
use linli_sync_core::automerge::{transaction::Transactable, ReadDoc, ROOT};
use linli_sync_core::contract::{validate_root, Household, Member, Visit, SCHEMA_VERSION};

use crate::harness::{field_client, sync_as, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const GRID: &str = "c01/s01/m01/g01";

/// Every projection row of a document, one line each, sorted.
async fn rows_of(store: &Store, doc: &str) -> Vec<String> {
    let queries = [
        "SELECT 'household|' || org || '|' || address || '|' || head_name || '|' || tags || '|' \
         || COALESCE(review_status, '-') || '|' || COALESCE(merged_into, '-') || '|' \
         || CAST(member_count AS TEXT) || '|' || COALESCE(dedup_key, '-') \
         FROM p_households WHERE document_id = $1",
        "SELECT 'resident|' || member_id || '|' || org || '|' || name || '|' || gender || '|' \
         || COALESCE(CAST(birth_year AS TEXT), '-') || '|' || relation || '|' || employment \
         || '|' || CAST(health_record AS TEXT) || '|' || tags \
         FROM p_residents WHERE document_id = $1",
        "SELECT 'visit|' || visit_id || '|' || org || '|' || at || '|' || by_user || '|' \
         || purpose || '|' || needs || '|' || COALESCE(follow_up, '-') \
         FROM p_visits WHERE document_id = $1",
        "SELECT 'left|' || member_id || '|' || org || '|' || COALESCE(CAST(birth_year AS TEXT), '-')          || '|' || CAST(health_record AS TEXT) || '|' || left_on          FROM p_residents_left WHERE document_id = $1",
        "SELECT 'spell|' || member_id || '|' || org || '|' || since || '|' || COALESCE(until, '-')          || '|' || status || '|' || CAST(ready AS TEXT) || '|' || COALESCE(left_on, '-')          FROM p_employment WHERE document_id = $1",
        "SELECT 'training|' || member_id || '|' || training_id || '|' || org || '|' || on_date          || '|' || course FROM p_trainings WHERE document_id = $1",
        "SELECT 'jobless|' || org || '|' || since || '|' || COALESCE(until, '-')          FROM p_zero_employment WHERE document_id = $1",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        let found: Vec<String> = sqlx::query_scalar(sql)
            .bind(doc)
            .fetch_all(store.pool())
            .await
            .expect("read projection rows");
        rows.extend(found);
    }
    rows.sort();
    rows
}

/// The rows a full projection of `doc` writes, in a store of its own.
async fn full_projection_rows(
    doc: &linli_sync_core::automerge::Automerge,
    id: &str,
) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let reference = store::open(None, dir.path()).await.expect("open SQLite");
    let root = validate_root(doc).expect("a valid household");
    let rows = Projection::of(doc, &root, linli_sync_core::calendar::DEFAULT_TIME_ZONE)
        .expect("reads as a household");
    reference
        .commit(
            id,
            Some(&root),
            &[],
            &Origin::default(),
            &CommitExtras {
                projection: Some(ProjectionWrite::full(root.org.to_string(), rows)),
                ..CommitExtras::default()
            },
        )
        .await
        .expect("reference commit");
    let rows = rows_of(&reference, id).await;
    reference.close().await;
    rows
}

/// A resident; the spouse is of working age, so that dating their unemployment makes the
/// household a zero-employment household.
fn member(name: &str, relation: &str, born: i64) -> Member {
    Member {
        name: name.into(),
        relation: relation.into(),
        birth_year: Some(born),
        employment: "retired".into(),
        ..Member::default()
    }
}

async fn rows_follow_every_commit(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w", "worker", GRID, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let token = db.token("w").await;
    let store = db.store().await;
    let mut w = field_client(db.dir.path(), "w").await;
    let id = w
        .create(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: GRID.into(),
            address: "幸福路 1 号".into(),
            members: [
                ("m0".to_string(), member("王芳", "head", 1950)),
                ("m1".to_string(), member("李强", "spouse", 1978)),
            ]
            .into(),
            visits: vec![Visit {
                id: "v1".into(),
                at: "2026-11-20T09:00:00Z".into(),
                by: "w".into(),
                purpose: "入户走访".into(),
                ..Visit::default()
            }],
            ..Household::default()
        })
        .await
        .unwrap();

    // Each step is its own sync, so its own commit on the server.
    type Step = fn(&mut linli_sync_core::automerge::transaction::Transaction<'_>);
    let steps: Vec<(&str, Step)> = vec![
        ("created", |_| {}),
        ("a visit added", |tx| {
            let visits = tx.get(ROOT, "visits").unwrap().unwrap().1;
            let v = tx
                .insert_object(&visits, 1, linli_sync_core::automerge::ObjType::Map)
                .unwrap();
            for (k, val) in [
                ("id", "v2"),
                ("at", "2026-11-21T10:00:00Z"),
                ("by", "w"),
                ("purpose", "送药"),
            ] {
                tx.put(&v, k, val).unwrap();
            }
        }),
        ("a resident renamed", |tx| {
            let members = tx.get(ROOT, "members").unwrap().unwrap().1;
            let m0 = tx.get(&members, "m0").unwrap().unwrap().1;
            tx.put(&m0, "name", "王芳芳").unwrap();
        }),
        ("the head left, so another is head", |tx| {
            let members = tx.get(ROOT, "members").unwrap().unwrap().1;
            let m0 = tx.get(&members, "m0").unwrap().unwrap().1;
            tx.put(&m0, "removed_reason", "moved_out").unwrap();
            tx.put(&m0, "removed_on", "2026-11-22").unwrap();
        }),
        ("a dated employment status", |tx| {
            let members = tx.get(ROOT, "members").unwrap().unwrap().1;
            let m1 = tx.get(&members, "m1").unwrap().unwrap().1;
            let history = tx.get(&m1, "employment_history").unwrap().unwrap().1;
            let e = tx
                .put_object(&history, "e1", linli_sync_core::automerge::ObjType::Map)
                .unwrap();
            tx.put(&e, "since", "2026-11-01").unwrap();
            tx.put(&e, "status", "unemployed").unwrap();
        }),
        ("a training", |tx| {
            let members = tx.get(ROOT, "members").unwrap().unwrap().1;
            let m1 = tx.get(&members, "m1").unwrap().unwrap().1;
            let trainings = tx.get(&m1, "trainings").unwrap().unwrap().1;
            let t = tx
                .put_object(&trainings, "t1", linli_sync_core::automerge::ObjType::Map)
                .unwrap();
            tx.put(&t, "on", "2026-11-15").unwrap();
            tx.put(&t, "course", "家政").unwrap();
        }),
        ("a visit changed", |tx| {
            let visits = tx.get(ROOT, "visits").unwrap().unwrap().1;
            let v1 = tx.get(&visits, 0).unwrap().unwrap().1;
            tx.put(&v1, "purpose", "复访").unwrap();
        }),
        ("a visit removed", |tx| {
            let visits = tx.get(ROOT, "visits").unwrap().unwrap().1;
            tx.delete(&visits, 0).unwrap();
        }),
        ("the address changed", |tx| {
            tx.put(ROOT, "address", "幸福路 2 号").unwrap();
        }),
    ];
    let mut seen = Vec::new();
    for (what, step) in steps {
        w.change(&id, |tx| {
            step(tx);
            Ok(())
        })
        .await
        .unwrap();
        sync_as(&mut w, &server, Some(&token)).await;
        let doc = w.document(&id).expect("the device holds the household");
        let expected = full_projection_rows(doc, &id.to_string()).await;
        let stored = rows_of(&store, &id.to_string()).await;
        assert_eq!(stored, expected, "projection rows after: {what}");
        seen.push(stored);
    }
    // Each step changed some row, so each commit had something to write.
    for pair in seen.windows(2) {
        assert_ne!(pair[0], pair[1], "every step changes some row");
    }
    store.close().await;
    w.close().await;
    server.stop().await;
    db.cleanup().await;
}

on_both_backends!(rows_follow_every_commit);

/// A database written before the indicator facts existed (no employment rows, no record that
/// projections are current) gets them when the server starts: every stored document is
/// projected again, once.
async fn facts_are_filled_in_for_documents_stored_before(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w", "worker", GRID, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let mut w = field_client(db.dir.path(), "w").await;
    let mut son = member("王小明", "child", 1990);
    son.employment_history.insert(
        "e1".into(),
        linli_sync_core::contract::EmploymentSpell {
            since: "2026-03-01".into(),
            status: "unemployed".into(),
        },
    );
    let id = w
        .create(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: GRID.into(),
            address: "幸福路 9 号".into(),
            members: [("m0".to_string(), son)].into(),
            ..Household::default()
        })
        .await
        .unwrap();
    sync_as(&mut w, &server, Some(&db.token("w").await)).await;
    server.stop().await;

    let store = db.store().await;
    let expected = rows_of(&store, &id.to_string()).await;
    assert!(
        expected.iter().any(|r| r.starts_with("spell|"))
            && expected.iter().any(|r| r.starts_with("jobless|")),
        "{expected:?}"
    );
    // As an older server left it.
    for sql in [
        "DELETE FROM p_employment",
        "DELETE FROM p_zero_employment",
        "DELETE FROM server_meta WHERE key = 'projection_version'",
    ] {
        sqlx::query(sql).execute(store.pool()).await.expect(sql);
    }
    assert_ne!(rows_of(&store, &id.to_string()).await, expected);
    store.close().await;

    let server = ServerProcess::start_with(&db, &[]).await;
    let store = db.store().await;
    assert_eq!(
        rows_of(&store, &id.to_string()).await,
        expected,
        "projected again at start"
    );
    store.close().await;
    w.close().await;
    server.stop().await;
    db.cleanup().await;
}

on_both_backends!(facts_are_filled_in_for_documents_stored_before);
