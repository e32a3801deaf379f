//! Two `linli-server` nodes on one PostgreSQL database: a device on node B hears, over its open
//! connection, every change committed through node A; concurrent edits of one reviewed field
//! through A and B open exactly one conflict item; after both nodes restart, the document loads
//! with every change. Prints the delivery latency from A's writer to B's device (no bound is
//! asserted: the benchmark's load generator measures the target).

use std::time::{Duration, Instant};

use linli_sync_core::automerge::transaction::Transactable;
use linli_sync_core::automerge::{Automerge, ObjId, ObjType, ReadDoc, ROOT};
use linli_sync_core::autosurgeon::reconcile_prop;
use linli_sync_core::contract::Entry;
use linli_sync_core::DocumentId;
use sqlx::Connection;

use crate::harness::{field_client, http_get_auth, sync_ok, Backend, ServerProcess, TestDb};
use crate::protocol::Raw;

/// Changes written through A whose arrival at B is timed.
const CHANGES: usize = 50;

fn entries(doc: &Automerge) -> Option<ObjId> {
    doc.get(ROOT, "entries").ok().flatten().map(|(_, id)| id)
}

fn has_entry(doc: Option<&Automerge>, entry: &str) -> bool {
    doc.and_then(|d| Some(d.get(&entries(d)?, entry).ok()?.is_some()))
        .unwrap_or(false)
}

/// The concurrent values of an entry's minutes.
fn minutes(doc: Option<&Automerge>, entry: &str) -> usize {
    let Some(doc) = doc else { return 0 };
    let Some(entry) = entries(doc).and_then(|e| doc.get(&e, entry).ok().flatten()) else {
        return 0;
    };
    doc.get_all(&entry.1, "minutes").map_or(0, |v| v.len())
}

/// Adds a submitted entry to a live session's copy of the document.
fn log_entry(raw: &mut Raw, id: &DocumentId, entry_id: &str, minutes: i64) {
    let doc = raw.session.doc_mut(id).expect("document held");
    let mut tx = doc.transaction();
    let entries = match tx.get(ROOT, "entries").unwrap() {
        Some((_, obj)) => obj,
        None => tx.put_object(ROOT, "entries", ObjType::Map).unwrap(),
    };
    let entry = Entry {
        date: "2026-11-20".into(),
        minutes,
        activity: "探访独居老人".into(),
        category: "elderly".into(),
        source: "self".into(),
        status: "submitted".into(),
        review: None,
    };
    reconcile_prop(&mut tx, &entries, entry_id, &entry).unwrap();
    tx.commit();
}

/// Sets an entry's minutes in a live session's copy (without sending it yet).
fn set_minutes(raw: &mut Raw, id: &DocumentId, entry_id: &str, minutes: i64) {
    let doc = raw.session.doc_mut(id).expect("document held");
    let mut tx = doc.transaction();
    let entries = tx.get(ROOT, "entries").unwrap().unwrap().1;
    let entry = tx.get(&entries, entry_id).unwrap().unwrap().1;
    tx.put(&entry, "minutes", minutes).unwrap();
    tx.commit();
}

/// A live session holding `id`, as the web app keeps one open.
async fn open(server: &ServerProcess, name: &str, id: DocumentId) -> Raw {
    let mut raw = Raw::connect(&server.ws_url(), name).await;
    raw.session.request(id);
    raw.until(|r| r.session.doc(&id).is_some_and(|d| entries(d).is_some()))
        .await;
    raw
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[((sorted.len() * p).div_ceil(100)).clamp(1, sorted.len()) - 1]
}

async fn open_conflicts(db: &TestDb, id: &DocumentId) -> Vec<String> {
    let mut conn = sqlx::PgConnection::connect(db.url.as_deref().unwrap())
        .await
        .unwrap();
    sqlx::query_scalar("SELECT path FROM conflicts WHERE document_id = $1 AND status = 'open'")
        .bind(id.to_string())
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_on_one_database_deliver_each_others_changes_live() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    // Small snapshots so both nodes compact while both write.
    let flags = ["--snapshot-every", "4"];
    let a = ServerProcess::start(&db, &flags).await;
    let b = ServerProcess::start(&db, &flags).await;

    let mut creator = field_client(db.dir.path(), "creator").await;
    let id = creator
        .create_volunteer("c01/s01/m01", "vol-mn", "周敏")
        .await
        .unwrap();
    sync_ok(&mut creator, &a).await;

    // B's device holds the document open; A's writer too.
    let mut reader = open(&b, "reader-on-b", id).await;
    let mut writer = open(&a, "writer-on-a", id).await;

    let mut latencies = Vec::with_capacity(CHANGES);
    for i in 0..CHANGES {
        let entry = format!("e{i:03}");
        log_entry(&mut writer, &id, &entry, 10 + i as i64);
        let sent = Instant::now();
        writer.flush().await;
        reader
            .until(|r| has_entry(r.session.doc(&id), &entry))
            .await;
        latencies.push(sent.elapsed());
        writer.until(|r| r.session.is_synced(&id)).await;
    }
    latencies.sort();
    println!(
        "multi-node delivery latency over {CHANGES} changes (A's writer sends → B's device has it): \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 50).as_secs_f64() * 1e3,
        percentile(&latencies, 99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );

    // B's listening connection is cut: B reconnects and catches up, and its device still
    // hears A's next change.
    let mut admin = sqlx::PgConnection::connect(db.url.as_deref().unwrap())
        .await
        .unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(cut.len(), 2, "each node listens on one connection");
    log_entry(&mut writer, &id, "after-cut", 5);
    writer.flush().await;
    reader
        .until(|r| has_entry(r.session.doc(&id), "after-cut"))
        .await;
    writer.until(|r| r.session.is_synced(&id)).await;

    // One reviewed field edited concurrently through A and through B: one item.
    set_minutes(&mut writer, &id, "e000", 30);
    set_minutes(&mut reader, &id, "e000", 45);
    tokio::join!(writer.flush(), reader.flush());
    tokio::join!(
        writer.until(|r| minutes(r.session.doc(&id), "e000") == 2 && r.session.is_synced(&id)),
        reader.until(|r| minutes(r.session.doc(&id), "e000") == 2 && r.session.is_synced(&id)),
    );
    assert_eq!(
        open_conflicts(&db, &id).await,
        vec!["entries/e000/minutes".to_string()],
        "exactly one item for the field both nodes' devices changed"
    );

    let mut heads = reader.session.doc(&id).unwrap().get_heads();
    heads.sort();
    let mut writer_heads = writer.session.doc(&id).unwrap().get_heads();
    writer_heads.sort();
    assert_eq!(heads, writer_heads, "both devices hold the same document");
    drop(reader);
    drop(writer);

    // Both nodes restart: each loads the document (snapshot and later changes) with everything.
    a.stop().await;
    b.stop().await;
    let a = ServerProcess::start(&db, &flags).await;
    let b = ServerProcess::start(&db, &flags).await;
    for (name, node) in [("fresh-a", &a), ("fresh-b", &b)] {
        let mut fresh = field_client(db.dir.path(), name).await;
        fresh.pull(id);
        sync_ok(&mut fresh, node).await;
        let mut loaded = fresh.document(&id).unwrap().get_heads();
        loaded.sort();
        assert_eq!(loaded, heads, "{name} loads every change");
        let json = fresh.show(&id).unwrap();
        assert_eq!(
            json["entries"].as_object().unwrap().len(),
            CHANGES + 1,
            "{name}"
        );
    }
    a.stop().await;
    b.stop().await;
    db.cleanup().await;
}

/// The indicator totals node A keeps between reports follow commits made through node B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_indicator_totals_follow_the_other_nodes_commits() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    db.add_user("sup", "supervisor", "c01", None).await;
    let a = ServerProcess::start(&db, &[]).await;
    let b = ServerProcess::start(&db, &[]).await;
    let sup = db.token("sup").await;
    let volunteers = |server: &ServerProcess| {
        let addr = server.addr.clone();
        let sup = sup.clone();
        async move {
            let (code, body) =
                http_get_auth(&addr, "/api/indicators?org=c01&period=2026", &sup).await;
            assert_eq!(code, 200, "{body}");
            let report: serde_json::Value = serde_json::from_str(&body).unwrap();
            report["indicators"]["volunteers"].as_i64().unwrap()
        }
    };
    let mut device = field_client(db.dir.path(), "device").await;
    device
        .create_volunteer("c01/s01/m01", "vol-a", "周敏")
        .await
        .unwrap();
    sync_ok(&mut device, &a).await;
    assert_eq!(volunteers(&a).await, 1);
    // Through B: a second volunteer in the same community, a third in another.
    device
        .create_volunteer("c01/s01/m01", "vol-b", "吴芳")
        .await
        .unwrap();
    device
        .create_volunteer("c01/s02/m01", "vol-c", "郑华")
        .await
        .unwrap();
    sync_ok(&mut device, &b).await;
    assert_eq!(volunteers(&a).await, 3, "A counts B's commits");
    assert_eq!(volunteers(&b).await, 3);
    a.stop().await;
    b.stop().await;
    db.cleanup().await;
}

/// One deployment, one identity (issue #19): nodes with data directories of their own (on
/// other machines) sign and accept the same tokens, kept in the database. A worker's phone
/// logs in through node A, then syncs through node B with that session, renewing it there;
/// an operator's token from the CLI is good on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_logged_in_through_one_node_syncs_through_another() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    db.add_user("wang", "worker", "c01/s01/m01/g01", Some("wang-pw"))
        .await;
    let elsewhere = tempfile::tempdir().unwrap();
    let a = ServerProcess::start_with(&db, &[]).await;
    let b = ServerProcess::start_in(&db, elsewhere.path(), &[]).await;

    let mut phone = field_client(db.dir.path(), "phone").await;
    phone
        .login(
            &format!("http://{}", a.addr),
            "wang",
            "wang-pw",
            "phone",
            false,
        )
        .await
        .expect("log in through A");
    let house = phone
        .create_household("c01/s01/m01/g01", "幸福路8号", Some("王芳"))
        .await
        .unwrap()
        .0;
    // Node A is out of reach; the phone is pointed at B.
    let on_b = format!("http://{}", b.addr);
    let mut remote = phone.remote(Some(&on_b), None).await.unwrap();
    let report = phone
        .sync_remote(&mut remote, Duration::from_secs(30))
        .await
        .expect("B accepts A's session");
    assert!(report.complete, "{report:?}");
    let token = db.token("wang").await;
    let (code, body) = http_get_auth(&b.addr, "/api/households", &token).await;
    assert_eq!(code, 200, "the CLI's token on B: {body}");
    assert!(body.contains("幸福路8号"), "{body}");
    let (code, _) = http_get_auth(&a.addr, "/api/households", &token).await;
    assert_eq!(code, 200, "and on A");

    // The access token runs out: it is renewed at B, where the phone now syncs.
    let mut session = phone.session().await.unwrap().unwrap();
    session.expires_at = 0;
    phone.set_session(&session).await.unwrap();
    phone
        .set_field(&house, "address", "幸福路8号甲")
        .await
        .unwrap();
    let mut remote = phone.remote(Some(&on_b), None).await.unwrap();
    let report = phone
        .sync_remote(&mut remote, Duration::from_secs(30))
        .await
        .expect("renewed at B");
    assert!(report.complete, "{report:?}");
    let renewed = phone.session().await.unwrap().unwrap();
    assert_eq!(renewed.server, on_b, "the session now lives at B");
    assert!(renewed.expires_at > 0);
    let (_, body) = http_get_auth(&a.addr, "/api/households", &token).await;
    assert!(body.contains("幸福路8号甲"), "{body}");
    a.stop().await;
    b.stop().await;
    db.cleanup().await;
}
