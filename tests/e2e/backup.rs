//! Backup while the server serves, restore into a fresh database of the same and of the other
//! backend; restore refuses a target holding data and damaged files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use linli_field::{FieldClient, MemberEdit, NewVisit};
use linli_server::store::Store;
use linli_sync_core::automerge::{Automerge, ChangeHash, ReadDoc};
use linli_sync_core::DocumentId;
use sqlx::Connection;

use crate::harness::{bin, field_client, http_post_json, sync_as, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const GRID: &str = "c01/s01/m01/g01";
const COMMUNITY: &str = "c01/s01/m01";
/// Volunteers who keep syncing while backups are taken.
const BUSY: [&str; 3] = ["vol-busy-1", "vol-busy-2", "vol-busy-3"];
/// Backups taken while they do.
const BACKUPS: usize = 3;

/// A device that edits and syncs in a loop.
struct Busy {
    client: FieldClient,
    token: String,
    doc: DocumentId,
    /// When the server had acknowledged everything under which heads.
    acked: Vec<(Instant, Vec<ChangeHash>)>,
}

impl Busy {
    async fn work(&mut self, server: &ServerProcess, stop: &AtomicBool) {
        let mut minutes = 15;
        while !stop.load(Ordering::SeqCst) {
            minutes += 1;
            // A day of its own for each entry: a volunteer logs at most 24 hours a day.
            let day = format!("2026-{:02}-{:02}", minutes / 28 % 12 + 1, minutes % 28 + 1);
            self.client
                .log_hours(&self.doc, &day, minutes, "陪诊", "elderly")
                .await
                .unwrap();
            sync_as(&mut self.client, server, Some(&self.token)).await;
            let status = self.client.status().await.unwrap();
            assert_eq!(status.pending_changes, 0, "{status:?}");
            let heads = self.client.document(&self.doc).unwrap().get_heads();
            self.acked.push((Instant::now(), heads));
        }
    }
}

/// A backup is one committed state: every document's change count (updated in the same
/// transaction as its changes) matches its changes, and its projection has every entry.
async fn assert_consistent(file: &Path) {
    let mut conn = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new()
            .filename(file)
            .read_only(true),
    )
    .await
    .unwrap();
    let torn: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT id, change_count, (SELECT COUNT(*) FROM changes WHERE document_id = id) AS n \
         FROM documents \
         WHERE change_count <> (SELECT COUNT(*) FROM changes WHERE document_id = id)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(
        torn.is_empty(),
        "{}: torn documents {torn:?}",
        file.display()
    );
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM changes WHERE document_id NOT IN (SELECT id FROM documents)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "{}", file.display());
    let volunteers: Vec<String> =
        sqlx::query_scalar("SELECT id FROM documents WHERE kind = 'volunteer'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for id in volunteers {
        let changes: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT bytes FROM changes WHERE document_id = $1 ORDER BY seq")
                .bind(&id)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        let mut doc = Automerge::new();
        for change in changes {
            doc.load_incremental(&change).unwrap();
        }
        let json = linli_sync_core::contract::to_json(&doc);
        let in_doc = json["entries"].as_object().map_or(0, |e| e.len()) as i64;
        let projected: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM p_volunteer_entries WHERE document_id = $1")
                .bind(&id)
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(projected, in_doc, "{}: {id}", file.display());
    }
    conn.close().await.unwrap();
}

fn other(backend: Backend) -> Backend {
    match backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    }
}

/// Runs `linli-server <args>` against `db` without insisting on success: (success, stdout,
/// stderr).
async fn server_cli(db: &TestDb, args: &[&str]) -> (bool, String, String) {
    let mut cmd = tokio::process::Command::new(bin("linli-server"));
    cmd.args(args).arg("--data-dir").arg(db.dir.path());
    if let Some(url) = &db.url {
        cmd.arg("--database-url").arg(url);
    }
    let out = cmd
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("run linli-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Rows in a table.
async fn count(store: &Store, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    sqlx::query_scalar(&sql)
        .fetch_one(store.pool())
        .await
        .expect("count rows")
}

/// A fresh device that logs in with a password and pulls every document the user may read
/// (`GET /api/documents`); returns it and the ids it was listed.
async fn login_and_pull_all(
    dir: &Path,
    name: &str,
    server: &ServerProcess,
    user: &str,
    password: &str,
) -> (FieldClient, BTreeSet<DocumentId>) {
    let mut client = field_client(dir, name).await;
    client
        .login(
            &format!("http://{}", server.addr),
            user,
            password,
            name,
            false,
        )
        .await
        .expect("log in");
    let mut remote = client.remote(None, None).await.expect("remote");
    let report = client
        .pull_all(&mut remote, Duration::from_secs(30))
        .await
        .expect("pull every document");
    assert!(report.sync.complete, "{report:?}");
    assert!(report.sync.unavailable.is_empty(), "{report:?}");
    let ids = client.document_ids().into_iter().collect();
    (client, ids)
}

fn change_hashes(doc: &Automerge) -> BTreeSet<ChangeHash> {
    doc.get_changes(&[]).iter().map(|c| c.hash()).collect()
}

/// The restored document is exactly the original as it was at some heads: the same changes,
/// the same content.
fn assert_original_at_its_heads(original: &Automerge, restored: &Automerge, id: &DocumentId) {
    let heads = restored.get_heads();
    let then = original
        .fork_at(&heads)
        .unwrap_or_else(|e| panic!("{id}: restored heads unknown to the original: {e}"));
    assert_eq!(change_hashes(&then), change_hashes(restored), "{id}");
    assert_eq!(
        linli_sync_core::contract::to_json(&then),
        linli_sync_core::contract::to_json(restored),
        "{id}"
    );
}

async fn backup_while_serving_restores_every_document(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("admin", "admin", "c01", Some("admin-pw")).await;
    db.add_user("worker", "worker", GRID, Some("worker-pw"))
        .await;
    db.add_user("vol-1", "volunteer", COMMUNITY, None).await;
    for name in BUSY {
        db.add_user(name, "volunteer", COMMUNITY, None).await;
    }
    let server = ServerProcess::start_with(&db, &[]).await;
    let work = tempfile::tempdir().unwrap();

    // A worker registers households (the third again the first, later: a duplicate item),
    // with members and visits, and edits them.
    let worker_token = db.token("worker").await;
    let mut worker = field_client(work.path(), "worker").await;
    let mut households = Vec::new();
    for (address, head) in [
        ("幸福路1号", "赵阿姨"),
        ("幸福路2号", "钱大爷"),
        ("幸福路1号", "赵阿姨"),
    ] {
        if households.len() == 2 {
            sync_as(&mut worker, &server, Some(&worker_token)).await;
        }
        let (doc, head_id) = worker
            .create_household(GRID, address, Some(head))
            .await
            .unwrap();
        let spouse = linli_sync_core::contract::Member {
            name: "孙老伯".into(),
            relation: "spouse".into(),
            ..Default::default()
        };
        worker.add_member(&doc, &spouse).await.unwrap();
        let edit = MemberEdit {
            birth_year: Some(1950),
            ..Default::default()
        };
        worker
            .edit_member(&doc, head_id.as_deref().unwrap(), &edit)
            .await
            .unwrap();
        let visit = NewVisit {
            purpose: "入户走访".into(),
            notes: "腿脚不便".into(),
            needs: vec!["助餐".into()],
            follow_up: Some("2026-12-01".into()),
            by: "worker".into(),
            at: None,
        };
        worker.log_visit(&doc, &visit).await.unwrap();
        households.push(doc);
    }
    sync_as(&mut worker, &server, Some(&worker_token)).await;
    worker
        .set_field(&households[1], "address", "幸福路2号 101室")
        .await
        .unwrap();
    sync_as(&mut worker, &server, Some(&worker_token)).await;

    // A volunteer logs hours.
    let vol_token = db.token("vol-1").await;
    let mut vol = field_client(work.path(), "vol-1").await;
    let vol_doc = vol
        .create_volunteer(COMMUNITY, "vol-1", "李志愿")
        .await
        .unwrap();
    for minutes in [30, 45, 60] {
        vol.log_hours(&vol_doc, "2026-11-20", minutes, "助餐", "elderly")
            .await
            .unwrap();
    }
    sync_as(&mut vol, &server, Some(&vol_token)).await;

    // A login's refresh token, to be renewed on the restored server.
    let (status, body) = http_post_json(
        &server.addr,
        "/api/login",
        &serde_json::json!({"name": "worker", "password": "worker-pw", "device_name": "desk"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let refresh: serde_json::Value = serde_json::from_str(&body).unwrap();
    let refresh = refresh["refresh_token"].as_str().unwrap().to_string();

    // Busy volunteers keep editing and syncing while backups are taken, and note when the
    // server acknowledged what.
    let mut busy = Vec::new();
    for name in BUSY {
        let token = db.token(name).await;
        let mut client = field_client(work.path(), name).await;
        let doc = client
            .create_volunteer(COMMUNITY, name, "忙志愿")
            .await
            .unwrap();
        sync_as(&mut client, &server, Some(&token)).await;
        busy.push(Busy {
            client,
            token,
            doc,
            acked: Vec::new(),
        });
    }
    let stop = AtomicBool::new(false);
    let files: Vec<String> = (1..=BACKUPS)
        .map(|i| work.path().join(format!("linli-{i}.backup")))
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    let take_backups = async {
        let mut taken = Vec::new();
        for file in &files {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let started = Instant::now();
            let printed = db.cli(&["backup", "--to", file], None).await;
            taken.push((started, Instant::now(), printed));
        }
        stop.store(true, Ordering::SeqCst);
        taken
    };
    let (_, taken) = tokio::join!(
        futures_util::future::join_all(busy.iter_mut().map(|b| b.work(&server, &stop))),
        take_backups
    );
    for (file, (started, finished, printed)) in files.iter().zip(&taken) {
        let during: usize = busy
            .iter()
            .map(|b| {
                b.acked
                    .iter()
                    .filter(|(at, _)| at >= started && at <= finished)
                    .count()
            })
            .sum();
        eprintln!(
            "{printed}
({during} acknowledgements while it ran)"
        );
        assert!(printed.contains("JWT secret included"), "{printed}");
        assert_consistent(Path::new(file)).await;
    }
    let file_arg = files.last().unwrap().clone();
    let file = Path::new(&file_arg);
    // What must be in the last backup: everything acknowledged before it started.
    let started = taken.last().unwrap().0;
    let before: BTreeMap<DocumentId, Vec<ChangeHash>> = busy
        .iter()
        .map(|b| {
            let heads = b.acked.iter().filter(|(at, _)| *at < started);
            (b.doc, heads.flat_map(|(_, h)| h.clone()).collect())
        })
        .collect();
    assert!(
        before.values().all(|heads| !heads.is_empty()),
        "every busy device synced before the backup"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the backup is private to its owner");
    }

    // The original server's documents now (the busy one has moved on since the backup).
    let original_store = db.store().await;
    let audit = original_store.audit_entries().await.unwrap();
    assert!(
        audit
            .iter()
            .any(|(action, actor, subject)| action == "backup"
                && actor.as_deref() == Some("cli")
                && subject.as_deref() == Some(file_arg.as_str())),
        "the backup is in the audit log: {audit:?}"
    );
    let storage_id = original_store.storage_id().await.unwrap();
    let mut unchanged_counts = BTreeMap::new();
    for table in [
        "users",
        "devices",
        "refresh_tokens",
        "org_units",
        "duplicates",
        "p_households",
        "p_residents",
        "p_visits",
    ] {
        unchanged_counts.insert(table, count(&original_store, table).await);
    }
    assert!(unchanged_counts["duplicates"] > 0, "a duplicate was found");
    original_store.close().await;
    let (original, all_ids) =
        login_and_pull_all(work.path(), "original-admin", &server, "admin", "admin-pw").await;
    let mut expected: BTreeSet<DocumentId> = households.iter().copied().collect();
    expected.insert(vol_doc);
    expected.extend(busy.iter().map(|b| b.doc));
    assert_eq!(all_ids, expected);
    server.stop().await;

    for target_backend in [backend, other(backend)] {
        let Some(target) = TestDb::new(target_backend).await else {
            continue;
        };
        eprintln!("restoring a {backend:?} backup into {target_backend:?}");
        let printed = target.cli(&["restore", "--from", &file_arg], None).await;
        assert!(
            printed.contains("JWT secret restored with the database"),
            "{printed}"
        );
        let restored_server = ServerProcess::start_with(&target, &[]).await;

        // A fresh device logs in with a password and pulls every document.
        let name = format!("restored-admin-{target_backend:?}");
        let (restored, ids) =
            login_and_pull_all(work.path(), &name, &restored_server, "admin", "admin-pw").await;
        assert_eq!(ids, expected, "every document is listed and pulled");
        for id in &expected {
            let was = original.document(id).unwrap();
            let is = restored.document(id).unwrap();
            assert_original_at_its_heads(was, is, id);
            match before.get(id) {
                // Everything acknowledged before the backup started is there.
                Some(acked) => {
                    for head in acked {
                        assert!(
                            is.get_change_by_hash(head).is_some(),
                            "{id}: change {head} was acknowledged before the backup and is missing"
                        );
                    }
                }
                // Nobody touched these after the backup: exactly equal.
                None => assert_eq!(was.get_heads(), is.get_heads(), "{id}"),
            }
        }

        // Identity came along: the same storage id, users, devices and tokens; an access
        // token signed before the backup still works (the JWT secret was restored), and so
        // does a refresh token.
        let store = target.store().await;
        assert_eq!(store.storage_id().await.unwrap(), storage_id);
        for (table, n) in &unchanged_counts {
            let now = count(&store, table).await;
            // The admin's login on the restored server added one device and one token.
            let added = i64::from(matches!(*table, "devices" | "refresh_tokens"));
            assert_eq!(now, n + added, "{table}");
        }
        let audit = store.audit_entries().await.unwrap();
        assert!(audit.iter().any(|(a, _, _)| a == "user_add"), "{audit:?}");
        assert_eq!(
            audit.last().map(|(a, _, _)| a.as_str()),
            Some("login"),
            "{audit:?}"
        );
        assert!(audit.iter().any(|(a, _, _)| a == "restore"), "{audit:?}");
        store.close().await;
        let (status, body) = http_post_json(
            &restored_server.addr,
            "/api/refresh",
            &serde_json::json!({ "refresh_token": refresh }),
            None,
        )
        .await;
        assert_eq!(status, 200, "refresh token from before the backup: {body}");
        worker
            .set_field(&households[0], "address", "幸福路1号 恢复后")
            .await
            .unwrap();
        sync_as(&mut worker, &restored_server, Some(&worker_token)).await;

        // The busy devices still hold what they sent after the backup; syncing with the
        // restored server hands it back.
        let mut check = field_client(work.path(), &format!("check-{target_backend:?}")).await;
        for b in &mut busy {
            sync_as(&mut b.client, &restored_server, Some(&b.token)).await;
            check.pull(b.doc);
        }
        let admin_token = target.token("admin").await;
        sync_as(&mut check, &restored_server, Some(&admin_token)).await;
        for b in &busy {
            assert_eq!(
                check.document(&b.doc).unwrap().get_heads(),
                b.client.document(&b.doc).unwrap().get_heads(),
                "changes made after the backup came back from the device"
            );
        }

        restored_server.stop().await;
        target.cleanup().await;
    }
    db.cleanup().await;
}
on_both_backends!(backup_while_serving_restores_every_document);

async fn restore_refuses_data_in_the_target_and_damaged_files(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("worker", "worker", GRID, Some("pw")).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let token = db.token("worker").await;
    let work = tempfile::tempdir().unwrap();
    let mut worker = field_client(work.path(), "worker").await;
    worker
        .create_household(GRID, "和平街3号", Some("周奶奶"))
        .await
        .unwrap();
    sync_as(&mut worker, &server, Some(&token)).await;
    let file = work.path().join("good.backup");
    let good = file.to_str().unwrap().to_string();
    db.cli(&["backup", "--to", &good], None).await;
    server.stop().await;

    // A backup never overwrites a file.
    let (ok, _, err) = server_cli(&db, &["backup", "--to", &good]).await;
    assert!(!ok);
    assert!(err.contains("already exists"), "{err}");

    // Restoring over the database it came from: refused, nothing changed.
    let (ok, _, err) = server_cli(&db, &["restore", "--from", &good]).await;
    assert!(!ok);
    assert!(
        err.contains("refusing to restore: the target database already holds data")
            && err.contains("documents: 1"),
        "{err}"
    );

    let Some(target) = TestDb::new(backend).await else {
        return;
    };
    let bytes = std::fs::read(&file).unwrap();
    let damaged = |name: &str, content: &[u8]| {
        let path = work.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_string()
    };
    let missing = work.path().join("missing.backup");
    let truncated = damaged("truncated.backup", &bytes[..bytes.len() / 2]);
    let garbage = damaged("garbage.backup", &[0x5a; 8192]);
    // Intact as a SQLite file, but a change's bytes differ from what was backed up.
    let tampered = damaged("tampered.backup", &bytes);
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{tampered}"))
        .await
        .unwrap();
    sqlx::query("UPDATE changes SET bytes = X'00' WHERE seq = (SELECT MIN(seq) FROM changes)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    for (path, why) in [
        (missing.to_str().unwrap(), "no such file"),
        (&truncated, ""),
        (&garbage, ""),
        (&tampered, "do not match the checksum"),
    ] {
        let (ok, _, err) = server_cli(&target, &["restore", "--from", path]).await;
        assert!(!ok, "{path} was restored");
        assert!(
            err.contains(&format!("{path} is not a usable Linli backup")) && err.contains(why),
            "{err}"
        );
    }

    // None of that left anything behind: the good backup restores, once.
    let printed = target.cli(&["restore", "--from", &good], None).await;
    assert!(printed.contains("1 documents"), "{printed}");
    let store = target.store().await;
    assert_eq!(store.document_count().await.unwrap(), 1);
    store.close().await;
    let (ok, _, err) = server_cli(&target, &["restore", "--from", &good]).await;
    assert!(!ok);
    assert!(err.contains("already holds data"), "{err}");
    target.cleanup().await;
    db.cleanup().await;
}
on_both_backends!(restore_refuses_data_in_the_target_and_damaged_files);
