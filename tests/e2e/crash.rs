//! Crash consistency: clients sync offline work in a loop while the server is killed with
//! SIGKILL at random moments and restarted, again and again. Every change a client saw
//! acknowledged must survive, all clients must converge afterwards, and the database must
//! pass its integrity check.
//!
//! CI runs `CI_CYCLES` cycles per backend; the full run is
//! `LINLI_CRASH_CYCLES=50 cargo test -p linli-tests -- crash --nocapture`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use linli_field::FieldClient;
use linli_sync_core::automerge::{Automerge, ChangeHash, ReadDoc};
use linli_sync_core::DocumentId;
use sqlx::{Connection, Row};

use crate::harness::{field_client, sync_as, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

/// Kill-and-restart cycles per backend in CI (`LINLI_CRASH_CYCLES` overrides).
pub const CI_CYCLES: usize = 10;
const GRID: &str = "c01/s01/m01/g01";

/// One device: its client, its token, its documents, and the heads the server acknowledged.
struct Device {
    name: String,
    client: FieldClient,
    token: String,
    docs: Vec<DocumentId>,
    /// Per document, heads every change under which the server acknowledged.
    acked: HashMap<DocumentId, Vec<Vec<ChangeHash>>>,
    edits: usize,
}

impl Device {
    /// One offline edit of each of its documents.
    async fn edit(&mut self) {
        self.edits += 1;
        for doc in self.docs.clone() {
            if self.name.starts_with("vol") {
                let minutes = 30 + (self.edits % 7) as i64 * 15;
                // A day of its own for each entry: a volunteer logs at most 24 hours a day.
                let day = format!(
                    "2026-{:02}-{:02}",
                    self.edits / 28 % 12 + 1,
                    self.edits % 28 + 1
                );
                self.client
                    .log_hours(&doc, &day, minutes, "探访独居老人", "elderly")
                    .await
                    .expect("log hours offline");
            } else {
                let address = format!("和平街{}号-{}", self.edits, self.name);
                self.client
                    .set_field(&doc, "address", &address)
                    .await
                    .expect("edit offline");
            }
        }
    }

    /// Records, per document, the heads the server has acknowledged everything under.
    async fn record_acks(&mut self) {
        let status = self.client.status().await.expect("status");
        for doc in &self.docs {
            if !status.pending_by_document.contains_key(&doc.to_string()) {
                let heads = self.client.document(doc).expect("local doc").get_heads();
                self.acked.entry(*doc).or_default().push(heads);
            }
        }
    }

    /// Edits and syncs until `stop` (the server has been killed).
    async fn work(&mut self, url: &str, stop: &AtomicBool) {
        while !stop.load(Ordering::SeqCst) {
            self.edit().await;
            let result = self
                .client
                .sync_with(url, Some(&self.token), Duration::from_secs(5))
                .await;
            self.record_acks().await;
            if result.is_err() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// Kill-and-restart cycles per backend: `LINLI_CRASH_CYCLES`, or [`CI_CYCLES`].
pub fn cycles() -> usize {
    std::env::var("LINLI_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CI_CYCLES)
}

async fn server_survives_sigkill_without_losing_acknowledged_changes(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let people = [
        ("vol-1", "volunteer", "c01/s01/m01"),
        ("vol-2", "volunteer", "c01/s01/m01"),
        ("vol-3", "volunteer", "c01/s01/m01"),
        ("worker-a", "worker", GRID),
        ("worker-b", "worker", GRID),
        ("admin", "admin", "c01"),
    ];
    for (name, role, org) in people {
        db.add_user(name, role, org, None).await;
    }
    let server = ServerProcess::start_with(&db, &[]).await;

    // Each volunteer registers; worker A registers a household that worker B also edits.
    let mut devices = Vec::new();
    for (name, _, _) in &people[..5] {
        devices.push(Device {
            name: name.to_string(),
            client: field_client(db.dir.path(), name).await,
            token: db.token(name).await,
            docs: Vec::new(),
            acked: HashMap::new(),
            edits: 0,
        });
    }
    for d in devices.iter_mut().filter(|d| d.name.starts_with("vol")) {
        let doc = d
            .client
            .create_volunteer("c01/s01/m01", &d.name, "志愿者")
            .await
            .unwrap();
        d.docs.push(doc);
        sync_as(&mut d.client, &server, Some(&d.token)).await;
    }
    let (house, _) = devices[3]
        .client
        .create_household(GRID, "和平街1号", Some("赵阿姨"))
        .await
        .unwrap();
    devices[3].docs.push(house);
    devices[4].client.pull(house);
    devices[4].docs.push(house);
    for d in &mut devices[3..] {
        sync_as(&mut d.client, &server, Some(&d.token)).await;
    }
    server.kill().await;

    let cycles = cycles();
    for cycle in 0..cycles {
        let server = ServerProcess::start_with(&db, &[]).await;
        let url = server.ws_url();
        let stop = AtomicBool::new(false);
        let delay = Duration::from_millis(100 + rand::random::<u64>() % 1200);
        let killer = async {
            tokio::time::sleep(delay).await;
            server.kill().await;
            stop.store(true, Ordering::SeqCst);
        };
        let workers =
            futures_util::future::join_all(devices.iter_mut().map(|d| d.work(&url, &stop)));
        tokio::join!(killer, workers);
        eprintln!("crash cycle {}/{cycles}: killed after {delay:?}", cycle + 1);
    }

    // Back up for good: everyone sends what is left, then everyone takes everyone's changes.
    let server = ServerProcess::start_with(&db, &[]).await;
    for _ in 0..2 {
        for d in devices.iter_mut() {
            sync_as(&mut d.client, &server, Some(&d.token)).await;
        }
    }
    let admin_token = db.token("admin").await;
    let mut verifier = field_client(db.dir.path(), "verifier").await;
    let all: Vec<DocumentId> = devices.iter().flat_map(|d| d.docs.clone()).collect();
    for doc in &all {
        verifier.pull(*doc);
    }
    let report = sync_as(&mut verifier, &server, Some(&admin_token)).await;
    assert!(report.unavailable.is_empty(), "{report:?}");

    let mut acknowledged = 0;
    for d in &devices {
        for doc in &d.docs {
            let stored = verifier.document(doc).expect("the server has it");
            acknowledged += assert_kept(&d.name, doc, stored, d.acked.get(doc));
            assert_eq!(
                d.client.document(doc).unwrap().get_heads(),
                stored.get_heads(),
                "{} converged on {doc}",
                d.name
            );
            let status = d.client.status().await.unwrap();
            assert_eq!(status.pending_changes, 0, "{}: {status:?}", d.name);
        }
    }
    eprintln!("{acknowledged} acknowledged heads checked after {cycles} kills");
    assert!(acknowledged > 0, "the workload saw acknowledgements");
    server.stop().await;
    integrity_check(&db, backend).await;
    db.cleanup().await;
}
on_both_backends!(server_survives_sigkill_without_losing_acknowledged_changes);

/// Asserts that the server's copy of document `id` holds every change under the heads it
/// acknowledged to `who`; returns how many heads were checked.
pub fn assert_kept(
    who: &str,
    id: &DocumentId,
    stored: &Automerge,
    acked: Option<&Vec<Vec<ChangeHash>>>,
) -> usize {
    let mut checked = 0;
    for head in acked.into_iter().flatten().flatten() {
        assert!(
            stored.get_change_by_hash(head).is_some(),
            "{who}: change {head} of {id} was acknowledged and then lost"
        );
        checked += 1;
    }
    checked
}

/// SQLite's `integrity_check` and `foreign_key_check`; PostgreSQL's `amcheck` on every
/// B-tree index of the test database.
pub async fn integrity_check(db: &TestDb, backend: Backend) {
    match backend {
        Backend::Sqlite => {
            let path = db.dir.path().join(linli_server::store::SQLITE_FILE);
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("open the SQLite file");
            let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(ok, "ok");
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut conn)
                .await
                .unwrap();
            assert!(broken.is_empty(), "foreign keys hold");
        }
        Backend::Postgres => {
            let url = db.url.as_ref().expect("PostgreSQL URL");
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query("CREATE EXTENSION IF NOT EXISTS amcheck")
                .execute(&mut conn)
                .await
                .expect("amcheck (PostgreSQL contrib)");
            let rows = sqlx::query(
                "SELECT c.relname, bt_index_check(c.oid, true)::text AS checked FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_am a ON a.oid = c.relam \
                 WHERE n.nspname = 'public' AND a.amname = 'btree'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("every index passes amcheck");
            assert!(!rows.is_empty(), "indexes were checked");
            let _ = rows[0].get::<String, _>("relname");
        }
    }
}
