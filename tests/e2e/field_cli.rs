//! The `linli-field` binary as operators and scripts use it: `login` against the real server,
//! offline edits on two devices, exact pending counts, `pull` of everything in scope, token
//! renewal; and `GET /api/documents`, which `pull` lists from.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use tokio::process::Command;

use crate::harness::{bin, http_get_auth, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const GRID1: &str = "c01/s01/m01/g01";
const GRID2: &str = "c01/s01/m01/g02";

/// One device: a `linli-field` store of its own.
struct Device {
    store: PathBuf,
}

/// What one run of the CLI did.
struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Device {
    fn new(dir: &Path, name: &str) -> Self {
        Self {
            store: dir.join(format!("{name}.sqlite3")),
        }
    }

    /// Runs `linli-field --store … --json <args>`.
    async fn run(&self, args: &[&str]) -> Run {
        let out = tokio::time::timeout(
            std::time::Duration::from_secs(120),
            Command::new(bin("linli-field"))
                .arg("--store")
                .arg(&self.store)
                .arg("--json")
                .args(args)
                .env_remove("LINLI_SERVER")
                .env_remove("LINLI_TOKEN")
                .env_remove("LINLI_PASSWORD")
                .stdin(Stdio::null())
                .output(),
        )
        .await
        .expect("linli-field finished in time")
        .expect("run linli-field");
        let stdout = String::from_utf8_lossy(&out.stdout);
        Run {
            code: out.status.code().unwrap_or(-1),
            json: serde_json::from_str(stdout.trim())
                .unwrap_or_else(|e| panic!("linli-field {args:?}: bad JSON ({e}): {stdout}")),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    /// Runs a command that must succeed; returns its JSON output.
    async fn ok(&self, args: &[&str]) -> Value {
        let run = self.run(args).await;
        assert_eq!(
            run.code, 0,
            "linli-field {args:?} failed: {} {}",
            run.json, run.stderr
        );
        run.json
    }

    async fn login(&self, server: &ServerProcess, name: &str, password: &str) -> Value {
        let url = format!("http://{}", server.addr);
        self.ok(&[
            "login",
            "--server",
            &url,
            "--name",
            name,
            "--password",
            password,
        ])
        .await
    }

    /// Syncs and insists the round completed.
    async fn sync(&self) -> Value {
        let report = self.ok(&["sync"]).await;
        assert_eq!(report["complete"], true, "{report}");
        report
    }

    async fn pending(&self) -> u64 {
        self.ok(&["status"]).await["pending_changes"]
            .as_u64()
            .expect("pending count")
    }

    /// The ids of the documents on the device.
    async fn local_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .ok(&["list"])
            .await
            .as_array()
            .expect("list")
            .iter()
            .map(|d| d["document_id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// Two grid workers, each with their own device, edit one household offline (the same field
/// and different ones); `status` counts exactly the changes each made; after syncing both
/// devices hold the same document and nothing is pending.
async fn two_devices_edit_one_household_offline_and_converge(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("wang", "worker", GRID1, Some("wang-pw")).await;
    db.add_user("li", "worker", GRID1, Some("li-pw")).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let a = Device::new(db.dir.path(), "wang-phone");
    let b = Device::new(db.dir.path(), "li-phone");
    let login = a.login(&server, "wang", "wang-pw").await;
    assert_eq!(login["user"], "wang");
    assert_eq!(login["role"], "worker");
    assert_eq!(login["org"], GRID1);
    b.login(&server, "li", "li-pw").await;

    let created = a
        .ok(&[
            "household",
            "create",
            "--org",
            GRID1,
            "--address",
            "幸福路 1号",
            "--head",
            "张三",
        ])
        .await;
    let doc = str_of(&created["documentId"]).to_owned();
    let head = str_of(&created["memberId"]).to_owned();
    assert_eq!(a.pending().await, 1);
    a.sync().await;
    assert_eq!(a.pending().await, 0);
    let pulled = b.ok(&["pull"]).await;
    assert_eq!(pulled["requested"], serde_json::json!([doc]));
    assert_eq!(pulled["sync"]["complete"], true);
    assert_eq!(b.pending().await, 0);

    // Offline on both: the same field (address) and different ones.
    a.ok(&[
        "household",
        "edit",
        "--doc",
        &doc,
        "--address",
        "幸福路 1号 东",
    ])
    .await;
    let spouse = a
        .ok(&[
            "household",
            "member",
            "add",
            "--doc",
            &doc,
            "--name",
            "李四",
            "--birth-year",
            "1952",
            "--relation",
            "spouse",
        ])
        .await;
    let spouse = str_of(&spouse["memberId"]).to_owned();
    a.ok(&["visit", "log", "--doc", &doc, "--purpose", "入户走访"])
        .await;
    b.ok(&[
        "household",
        "edit",
        "--doc",
        &doc,
        "--address",
        "幸福路 1号 西",
    ])
    .await;
    b.ok(&[
        "household",
        "member",
        "edit",
        "--doc",
        &doc,
        "--member",
        &head,
        "--phone",
        "13800000000",
    ])
    .await;
    b.ok(&[
        "visit",
        "log",
        "--doc",
        &doc,
        "--purpose",
        "回访",
        "--need",
        "助餐",
        "--follow-up",
        "2026-12-01",
    ])
    .await;
    b.ok(&["household", "edit", "--doc", &doc, "--tag", "dibao"])
        .await;

    let status_a = a.ok(&["status"]).await;
    assert_eq!(status_a["pending_changes"], 3, "{status_a}");
    assert_eq!(status_a["pending_by_document"][&doc], 3, "{status_a}");
    let status_b = b.ok(&["status"]).await;
    assert_eq!(status_b["pending_changes"], 4, "{status_b}");
    assert_eq!(status_b["pending_by_document"][&doc], 4, "{status_b}");
    assert_eq!(status_b["login"]["user"], "li");

    a.sync().await;
    assert_eq!(a.pending().await, 0);
    assert_eq!(b.pending().await, 4, "b has not synced yet");
    b.sync().await;
    a.sync().await;

    let on_a = a.ok(&["show", &doc]).await;
    let on_b = b.ok(&["show", &doc]).await;
    assert_eq!(on_a, on_b, "both devices hold the same household");
    let address = str_of(&on_a["address"]);
    assert!(
        address == "幸福路 1号 东" || address == "幸福路 1号 西",
        "{address}"
    );
    assert_eq!(on_a["members"][&spouse]["name"], "李四");
    assert_eq!(on_a["members"][&spouse]["birth_year"], 1952);
    assert_eq!(on_a["members"][&head]["phone"], "13800000000");
    assert_eq!(on_a["tags"]["dibao"], true);
    let visits = on_a["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 2);
    assert!(visits
        .iter()
        .any(|v| v["by"] == "wang" && v["purpose"] == "入户走访"));
    assert!(visits
        .iter()
        .any(|v| v["by"] == "li" && v["needs"] == serde_json::json!(["助餐"])));

    for device in [&a, &b] {
        let status = device.ok(&["status"]).await;
        assert_eq!(status["pending_changes"], 0, "{status}");
        assert_eq!(status["pending_by_document"], serde_json::json!({}));
        assert!(status["last_sync"].is_string(), "{status}");
    }
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(two_devices_edit_one_household_offline_and_converge);

/// `pull` with no document fetches exactly the documents in the caller's scope: a new device
/// of a grid-1 worker gets grid 1's households and not grid 2's.
async fn pull_fetches_exactly_the_documents_in_scope(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w1", "worker", GRID1, Some("pw-1")).await;
    db.add_user("w2", "worker", GRID2, Some("pw-2")).await;
    db.add_user("w1-new", "worker", GRID1, Some("pw-3")).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let one = Device::new(db.dir.path(), "one");
    let two = Device::new(db.dir.path(), "two");
    one.login(&server, "w1", "pw-1").await;
    two.login(&server, "w2", "pw-2").await;
    let mut grid1 = Vec::new();
    for address in ["一号院 1号", "一号院 2号"] {
        let created = one
            .ok(&["household", "create", "--org", GRID1, "--address", address])
            .await;
        grid1.push(str_of(&created["documentId"]).to_owned());
    }
    two.ok(&[
        "household",
        "create",
        "--org",
        GRID2,
        "--address",
        "二号院 1号",
    ])
    .await;
    one.sync().await;
    two.sync().await;
    grid1.sort();

    let fresh = Device::new(db.dir.path(), "fresh");
    fresh.login(&server, "w1-new", "pw-3").await;
    assert!(fresh.local_ids().await.is_empty());
    let pulled = fresh.ok(&["pull"]).await;
    assert_eq!(pulled["listed"], 2, "{pulled}");
    assert_eq!(pulled["sync"]["complete"], true, "{pulled}");
    assert!(pulled["sync"]["unavailable"].as_array().unwrap().is_empty());
    assert_eq!(fresh.local_ids().await, grid1);
    for id in &grid1 {
        assert_eq!(fresh.ok(&["show", id]).await["org"], GRID1);
    }
    // Pulling again fetches nothing new.
    let again = fresh.ok(&["pull"]).await;
    assert_eq!(again["requested"], serde_json::json!([]));
    assert_eq!(fresh.local_ids().await, grid1);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(pull_fetches_exactly_the_documents_in_scope);

/// The document ids of a `GET /api/documents` answer.
async fn listed(server: &ServerProcess, token: &str, query: &str) -> Vec<String> {
    let (status, body) =
        http_get_auth(&server.addr, &format!("/api/documents{query}"), token).await;
    assert_eq!(status, 200, "{body}");
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    for row in &rows {
        assert!(row["kind"].is_string() && row["org"].is_string(), "{row}");
    }
    rows.iter()
        .map(|r| str_of(&r["document_id"]).to_owned())
        .collect()
}

/// `GET /api/documents` lists what the caller may read: a volunteer only their own document, a
/// supervisor their street (not `c01/s010`, whose path merely starts with theirs), another
/// street's supervisor none of it; ordered by id, filtered by kind, paged.
async fn document_list_follows_the_read_scope(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol-a", "volunteer", "c01/s01/m01", Some("pw-a"))
        .await;
    db.add_user("vol-b", "volunteer", "c01/s01/m01", Some("pw-b"))
        .await;
    db.add_user("w1", "worker", GRID1, Some("pw-w1")).await;
    db.add_user("w10", "worker", "c01/s010/m01/g01", Some("pw-w10"))
        .await;
    db.add_user("sup-s01", "supervisor", "c01/s01", None).await;
    db.add_user("sup-s02", "supervisor", "c01/s02", None).await;
    db.add_user("admin", "admin", "c01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;

    let mut docs = Vec::new();
    for (user, pw, args) in [
        (
            "vol-a",
            "pw-a",
            vec![
                "volunteer",
                "create",
                "--org",
                "c01/s01/m01",
                "--name",
                "甲",
            ],
        ),
        (
            "vol-b",
            "pw-b",
            vec![
                "volunteer",
                "create",
                "--org",
                "c01/s01/m01",
                "--name",
                "乙",
            ],
        ),
        (
            "w1",
            "pw-w1",
            vec!["household", "create", "--org", GRID1, "--address", "一号"],
        ),
        (
            "w10",
            "pw-w10",
            vec![
                "household",
                "create",
                "--org",
                "c01/s010/m01/g01",
                "--address",
                "十号",
            ],
        ),
    ] {
        let device = Device::new(db.dir.path(), user);
        device.login(&server, user, pw).await;
        let created = device.ok(&args).await;
        device.sync().await;
        docs.push(str_of(&created["documentId"]).to_owned());
    }
    let [vol_a, vol_b, house1, house10] = <[String; 4]>::try_from(docs.clone()).unwrap();

    let vol_token = db.token("vol-a").await;
    assert_eq!(listed(&server, &vol_token, "").await, vec![vol_a.clone()]);
    assert!(listed(&server, &vol_token, "?kind=household")
        .await
        .is_empty());

    let sup = db.token("sup-s01").await;
    let mut street = vec![vol_a.clone(), vol_b.clone(), house1.clone()];
    street.sort();
    assert_eq!(listed(&server, &sup, "").await, street);
    assert_eq!(
        listed(&server, &sup, "?kind=household").await,
        vec![house1.clone()]
    );
    let mut volunteers = vec![vol_a.clone(), vol_b.clone()];
    volunteers.sort();
    assert_eq!(listed(&server, &sup, "?kind=volunteer").await, volunteers);
    assert_eq!(
        listed(&server, &sup, "?limit=1&offset=1").await,
        vec![street[1].clone()]
    );
    assert_eq!(listed(&server, &sup, "?limit=0").await.len(), 1, "clamped");

    let other = db.token("sup-s02").await;
    assert!(listed(&server, &other, "").await.is_empty());

    let worker = db.token("w1").await;
    assert_eq!(listed(&server, &worker, "").await, vec![house1.clone()]);

    let admin = db.token("admin").await;
    let mut all = docs.clone();
    all.sort();
    assert_eq!(listed(&server, &admin, "").await, all);
    assert!(!listed(&server, &sup, "").await.contains(&house10));

    let (status, _) = http_get_auth(&server.addr, "/api/documents?kind=nonsense", &sup).await;
    assert_eq!(status, 400);
    let (status, _) = http_get_auth(&server.addr, "/api/documents", "not-a-token").await;
    assert_eq!(status, 401);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(document_list_follows_the_read_scope);

/// A wrong password fails clearly with a non-zero exit; an expired access token is renewed
/// before use, and one the server refuses is renewed and the command retried.
async fn login_errors_and_token_renewal(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol", "volunteer", "c01/s01/m01", Some("right"))
        .await;
    let server = ServerProcess::start_with(&db, &["--access-ttl-secs", "2"]).await;
    let device = Device::new(db.dir.path(), "phone");
    let url = format!("http://{}", server.addr);

    let wrong = device
        .run(&[
            "login",
            "--server",
            &url,
            "--name",
            "vol",
            "--password",
            "wrong",
        ])
        .await;
    assert_ne!(wrong.code, 0);
    assert_eq!(
        wrong.json["error"], "login failed: wrong name or password",
        "{}",
        wrong.json
    );
    let status = device.ok(&["status"]).await;
    assert!(status["login"].is_null(), "no session after a failed login");
    let nobody = device.run(&["--server", &url, "pull"]).await;
    assert_ne!(nobody.code, 0, "pull without a login or token fails");
    assert!(
        str_of(&nobody.json["error"]).starts_with("not logged in"),
        "{}",
        nobody.json
    );

    let login = device.login(&server, "vol", "right").await;
    let first_expiry = login["expires_at"].as_i64().unwrap();
    let doc = device
        .ok(&[
            "volunteer",
            "create",
            "--org",
            "c01/s01/m01",
            "--name",
            "志愿者",
        ])
        .await;
    let doc = str_of(&doc["documentId"]).to_owned();
    let entry = device
        .ok(&[
            "volunteer",
            "log",
            "--doc",
            &doc,
            "--date",
            "2026-11-20",
            "--minutes",
            "60",
            "--activity",
            "助老",
        ])
        .await;
    let entry = str_of(&entry["entryId"]).to_owned();
    // The access token lives two seconds: wait until it has expired, then work as usual.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let report = device.sync().await;
    assert!(report["errors"].as_array().unwrap().is_empty());
    let renewed = device.ok(&["status"]).await["login"]["access_expires_at"]
        .as_i64()
        .unwrap();
    assert!(renewed > first_expiry, "the access token was renewed");
    assert_eq!(device.pending().await, 0);

    // A token the server refuses (here: not one it signed) is renewed once and the call is
    // retried; to see that path, the stored token is spoiled while its expiry looks fine.
    spoil_access_token(&device.store).await;
    let remote = device.ok(&["remote"]).await;
    assert_eq!(remote.as_array().unwrap().len(), 1, "{remote}");
    spoil_access_token(&device.store).await;
    device
        .ok(&[
            "volunteer",
            "edit",
            "--doc",
            &doc,
            "--entry",
            &entry,
            "--minutes",
            "75",
        ])
        .await;
    device.sync().await;
    assert_eq!(device.pending().await, 0);
    assert_eq!(
        device.ok(&["show", &doc]).await["entries"][&entry]["minutes"],
        75
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(login_errors_and_token_renewal);

/// Replaces the stored access token with one no server signed, expiring in an hour.
async fn spoil_access_token(store: &Path) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", store.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let raw: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'session'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let mut session: Value = serde_json::from_str(&raw).unwrap();
    session["access_token"] = "spoiled".into();
    let in_an_hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    session["expires_at"] = in_an_hour.into();
    sqlx::query("UPDATE meta SET value = $1 WHERE key = 'session'")
        .bind(session.to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// Scopes are exact path prefixes in every list, export and indicator: `_` (allowed in org
/// codes, a wildcard to SQL `LIKE`) and letter case (which SQLite's `LIKE` ignores) widen
/// nothing. Supervisors of `c01/s_1` and `C01/s01` see none of `c01/sx1`'s or `c01/s01`'s
/// households.
async fn scope_prefixes_are_exact_in_reports(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w-x", "worker", "c01/sx1/m01/g01", Some("pw-x"))
        .await;
    db.add_user("w-1", "worker", GRID1, Some("pw-1")).await;
    db.add_user("sup-wild", "supervisor", "c01/s_1", None).await;
    db.add_user("sup-case", "supervisor", "C01/s01", None).await;
    db.add_user("sup-real", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    for (user, pw, org, address) in [
        ("w-x", "pw-x", "c01/sx1/m01/g01", "通配路1号"),
        ("w-1", "pw-1", GRID1, "大小写路2号"),
    ] {
        let device = Device::new(db.dir.path(), user);
        device.login(&server, user, pw).await;
        device
            .ok(&["household", "create", "--org", org, "--address", address])
            .await;
        device.sync().await;
    }
    let real = db.token("sup-real").await;
    let (_, body) = http_get_auth(&server.addr, "/api/households", &real).await;
    assert!(
        body.contains("大小写路2号"),
        "the test data is there: {body}"
    );

    for sup in ["sup-wild", "sup-case"] {
        let token = db.token(sup).await;
        for path in [
            "/api/households",
            "/api/documents",
            "/api/export/households.csv",
            "/api/volunteer-entries",
            "/api/duplicates",
            "/api/conflicts",
        ] {
            let (status, body) = http_get_auth(&server.addr, path, &token).await;
            assert_eq!(status, 200, "{sup} {path}: {body}");
            assert!(
                !body.contains("通配路") && !body.contains("大小写路"),
                "{sup} sees another street through {path}: {body}"
            );
        }
        let (status, body) = http_get_auth(&server.addr, "/api/indicators", &token).await;
        assert_eq!(status, 200, "{body}");
        let report: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(report["indicators"]["households"], 0, "{sup}: {body}");
        assert_eq!(report["children"], serde_json::json!([]), "{sup}: {body}");
    }
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(scope_prefixes_are_exact_in_reports);

/// A lost phone: once an administrator revokes its device, its next contact with the server
/// erases every document, sync state and token it holds, and says so; a second device of the
/// same worker keeps working, and what the lost phone synced before is still on the server.
async fn revoked_device_erases_its_local_data(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w1", "worker", GRID1, Some("pw-1")).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let lost = Device::new(db.dir.path(), "lost");
    let spare = Device::new(db.dir.path(), "spare");
    let login = lost.login(&server, "w1", "pw-1").await;
    spare.login(&server, "w1", "pw-1").await;
    let created = lost
        .ok(&[
            "household",
            "create",
            "--org",
            GRID1,
            "--address",
            "遗失路1号",
        ])
        .await;
    lost.sync().await;
    lost.ok(&[
        "household",
        "edit",
        "--doc",
        str_of(&created["documentId"]),
        "--address",
        "遗失路2号",
    ])
    .await;
    assert_eq!(lost.local_ids().await.len(), 1);

    let device = login["device"]
        .as_str()
        .expect("device id in the login answer");
    db.cli(&["device", "revoke", "--device", device], None)
        .await;

    let run = lost.run(&["sync"]).await;
    assert_ne!(run.code, 0, "{}", run.json);
    assert!(
        run.json["error"]
            .as_str()
            .unwrap_or_default()
            .contains("erased"),
        "{}",
        run.json
    );
    assert!(
        lost.local_ids().await.is_empty(),
        "nothing left on the lost phone"
    );
    let status = lost.ok(&["status"]).await;
    assert_eq!(status["documents"], 0, "{status}");
    assert!(status["login"].is_null(), "{status}");
    let file = std::fs::read(db.dir.path().join("lost.sqlite3")).unwrap();
    assert!(
        !String::from_utf8_lossy(&file).contains("遗失路"),
        "the erased records are not left in the file"
    );

    spare.ok(&["pull"]).await;
    spare.sync().await;
    let shown = spare.ok(&["show", str_of(&created["documentId"])]).await;
    assert_eq!(
        shown["address"], "遗失路1号",
        "synced before the loss: kept"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(revoked_device_erases_its_local_data);
