//! The `linli-field` binary as operators and scripts use it: `login` against the real server,
//! offline edits on two devices, exact pending counts, `pull` of everything in scope, token
//! renewal, the store encrypted at rest (`lock`, `unlock`, wrong passwords, stores from before
//! encryption); and `GET /api/documents`, which `pull` lists from.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use linli_field::{FieldClient, UnlockedKey};
use serde_json::Value;
use sqlx::Connection;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::harness::{bin, http_get_auth, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const GRID1: &str = "c01/s01/m01/g01";
const GRID2: &str = "c01/s01/m01/g02";

/// One device: a `linli-field` store of its own. Its user's runtime directory
/// (`XDG_RUNTIME_DIR`) is the test's, so after `login` commands find the store's key in the
/// unlocked-key file there, as they would on a user's machine.
pub(crate) struct Device {
    store: PathBuf,
    runtime: PathBuf,
}

/// What one run of the CLI did.
pub(crate) struct Run {
    pub code: i32,
    pub json: Value,
    pub stderr: String,
}

impl Device {
    pub(crate) fn new(dir: &Path, name: &str) -> Self {
        let runtime = dir.join("runtime");
        match std::fs::DirBuilder::new().mode(0o700).create(&runtime) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => panic!("runtime dir: {e}"),
        }
        Self {
            store: dir.join(format!("{name}.sqlite3")),
            runtime,
        }
    }

    /// Runs `linli-field --store … --json <args>`.
    pub(crate) async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], None).await
    }

    /// Runs `linli-field --store … --json <args>` with extra environment variables and, if
    /// given, a line on standard input.
    pub(crate) async fn run_with(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&str>,
    ) -> Run {
        let mut child = Command::new(bin("linli-field"))
            .arg("--store")
            .arg(&self.store)
            .arg("--json")
            .args(args)
            .env_remove("LINLI_SERVER")
            .env_remove("LINLI_TOKEN")
            .env_remove("LINLI_PASSWORD")
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .envs(env.iter().copied())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run linli-field");
        if let Some(line) = stdin {
            let mut input = child.stdin.take().expect("stdin");
            input
                .write_all(format!("{line}\n").as_bytes())
                .await
                .unwrap();
        }
        let out = tokio::time::timeout(
            std::time::Duration::from_secs(120),
            child.wait_with_output(),
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

    /// Runs `linli-field --store … <args>` without `--json`, as people read it; returns the
    /// exit status, standard output and standard error.
    pub(crate) async fn run_text(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(bin("linli-field"))
            .arg("--store")
            .arg(&self.store)
            .args(args)
            .env_remove("LINLI_SERVER")
            .env_remove("LINLI_TOKEN")
            .env_remove("LINLI_PASSWORD")
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .stdin(Stdio::null())
            .output();
        let out = tokio::time::timeout(std::time::Duration::from_secs(120), out)
            .await
            .expect("linli-field finished in time")
            .expect("run linli-field");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }

    /// Runs a command that must fail; returns its error message.
    pub(crate) async fn fails(&self, args: &[&str]) -> String {
        let run = self.run(args).await;
        assert_ne!(run.code, 0, "linli-field {args:?} succeeded: {}", run.json);
        str_of(&run.json["error"]).to_owned()
    }

    /// The store's unlocked-key file (where `login` and `unlock` leave the key).
    pub(crate) fn key_file(&self) -> UnlockedKey {
        UnlockedKey::in_dir(&self.runtime.join("linli-field"), &self.store).unwrap()
    }

    /// The device's library client, opened with the key from the unlocked-key file.
    pub(crate) async fn client(&self) -> FieldClient {
        let key = self
            .key_file()
            .read()
            .unwrap()
            .expect("the store is unlocked");
        FieldClient::open_encrypted(&self.store, &key)
            .await
            .expect("open the store with its key")
    }

    /// Runs a command that must succeed; returns its JSON output.
    pub(crate) async fn ok(&self, args: &[&str]) -> Value {
        let run = self.run(args).await;
        assert_eq!(
            run.code, 0,
            "linli-field {args:?} failed: {} {}",
            run.json, run.stderr
        );
        run.json
    }

    pub(crate) async fn login(&self, server: &ServerProcess, name: &str, password: &str) -> Value {
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
    pub(crate) async fn sync(&self) -> Value {
        let report = self.ok(&["sync"]).await;
        assert_eq!(report["complete"], true, "{report}");
        report
    }

    pub(crate) async fn pending(&self) -> u64 {
        self.ok(&["status"]).await["pending_changes"]
            .as_u64()
            .expect("pending count")
    }

    /// The ids of the documents on the device.
    pub(crate) async fn local_ids(&self) -> Vec<String> {
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
    a.ok(&["visit", "log", "--doc", &doc, "--purpose", "routine"])
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
        "follow_up",
        "--need",
        "elderly",
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
        .any(|v| v["by"] == "wang" && v["purpose"] == "routine"));
    assert!(visits
        .iter()
        .any(|v| v["by"] == "li" && v["needs"] == serde_json::json!(["elderly"])));

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
    spoil_access_token(&device).await;
    let remote = device.ok(&["remote"]).await;
    assert_eq!(remote.as_array().unwrap().len(), 1, "{remote}");
    spoil_access_token(&device).await;
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

/// Replaces the stored access token with one no server signed, expiring in an hour (through
/// the library, with the key from the unlocked-key file: the session is sealed in the store).
async fn spoil_access_token(device: &Device) {
    let client = device.client().await;
    let mut session = client.session().await.unwrap().expect("logged in");
    session.access_token = "spoiled".into();
    let in_an_hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    session.expires_at = in_an_hour as i64;
    client.set_session(&session).await.unwrap();
    client.close().await;
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
    // Nothing at all is left in the store: no record, no session, no salt or verifier.
    assert!(
        store_rows(&lost.store).await.is_empty(),
        "{:?}",
        store_rows(&lost.store).await
    );
    assert!(
        !lost.key_file().path().exists(),
        "the unlocked-key file is deleted"
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
    assert_eq!(status["encrypted"], false, "{status}");

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

/// Every setting and document row of a store (the write lock's marker aside), as raw bytes:
/// to tell that nothing changed.
async fn store_rows(store: &Path) -> Vec<(String, Vec<u8>)> {
    let url = format!("sqlite://{}", store.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let mut rows: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT key, CAST(value AS BLOB) FROM meta WHERE key <> 'lock'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let docs: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT id, bytes || COALESCE(sync_state, x'') FROM documents ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    rows.extend(docs);
    rows.sort();
    conn.close().await.unwrap();
    rows
}

/// The store file and its write-ahead log, as raw bytes.
fn raw_store(store: &Path) -> (Vec<u8>, Vec<u8>) {
    let wal = PathBuf::from(format!("{}-wal", store.display()));
    (
        std::fs::read(store).unwrap(),
        std::fs::read(wal).unwrap_or_default(),
    )
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Runs a client-side test once, on SQLite (the store's encryption does not depend on the
/// server's database).
macro_rules! on_sqlite {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::harness::Backend::Sqlite).await
            }
        }
    };
}

const SECRET_ADDRESS: &str = "樱桃巷 88号 periwinkle-court";
const SECRET_HEAD: &str = "欧阳秘 Bartholomew Quince";
const SECRET_MEMBER: &str = "司马密 Philippa Marchbanks";

/// After `login`, creating a household with a distinctive address and members and syncing
/// it, neither the store file nor its write-ahead log holds the address, the names or the
/// tokens in readable form, on the device that wrote it nor on one that pulled it. The key is
/// in a private file in the user's runtime directory.
async fn the_store_holds_nothing_readable_at_rest(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w1", "worker", GRID1, Some("pw-1")).await;
    db.add_user("w2", "worker", GRID1, Some("pw-2")).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let a = Device::new(db.dir.path(), "writer");
    let b = Device::new(db.dir.path(), "reader");
    let login = a.login(&server, "w1", "pw-1").await;
    assert_eq!(login["encrypted"], true, "{login}");
    b.login(&server, "w2", "pw-2").await;

    // Keep a connection to each store open, so the write-ahead log is not folded into the
    // file and deleted when the CLI exits: its frames are checked too.
    let mut held = Vec::new();
    for device in [&a, &b] {
        let url = format!("sqlite://{}", device.store.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        // A read opens the log (a bare `SELECT 1` would not touch the database).
        sqlx::query("SELECT COUNT(*) FROM meta")
            .execute(&mut conn)
            .await
            .unwrap();
        held.push(conn);
    }

    let created = a
        .ok(&[
            "household",
            "create",
            "--org",
            GRID1,
            "--address",
            SECRET_ADDRESS,
            "--head",
            SECRET_HEAD,
        ])
        .await;
    let doc = str_of(&created["documentId"]).to_owned();
    a.ok(&[
        "household",
        "member",
        "add",
        "--doc",
        &doc,
        "--name",
        SECRET_MEMBER,
        "--phone",
        "13912345678",
    ])
    .await;
    a.sync().await;
    b.ok(&["pull"]).await;
    let shown = b.ok(&["show", &doc]).await;
    assert_eq!(shown["address"], SECRET_ADDRESS, "readable with the key");

    for device in [&a, &b] {
        let session = {
            let client = device.client().await;
            let s = client.session().await.unwrap().expect("logged in");
            client.close().await;
            s
        };
        let (file, wal) = raw_store(&device.store);
        assert!(!wal.is_empty(), "the write-ahead log is there to check");
        for secret in [
            SECRET_ADDRESS,
            "periwinkle",
            SECRET_HEAD,
            "Bartholomew",
            SECRET_MEMBER,
            "Marchbanks",
            "13912345678",
            session.refresh_token.as_str(),
            session.access_token.as_str(),
        ] {
            assert!(
                !holds(&file, secret) && !holds(&wal, secret),
                "{secret:?} is readable in {}",
                device.store.display()
            );
        }
        let key_file = device.key_file();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(key_file.path()), 0o600);
        assert_eq!(mode(key_file.path().parent().unwrap()), 0o700);
    }
    for conn in held {
        conn.close().await.unwrap();
    }
    server.stop().await;
    db.cleanup().await;
}
on_sqlite!(the_store_holds_nothing_readable_at_rest);

/// `lock` makes every command that reads the store ask for the key, with the way to unlock;
/// a wrong password (to `unlock`, `login` or one command) fails clearly and changes nothing;
/// the right one, given once or with `unlock`, works again; `logout` locks too.
async fn lock_unlock_and_wrong_passwords(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w1", "worker", GRID1, Some("right-pw")).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let phone = Device::new(db.dir.path(), "phone");
    phone.login(&server, "w1", "right-pw").await;
    let created = phone
        .ok(&[
            "household",
            "create",
            "--org",
            GRID1,
            "--address",
            "锁路 1号",
        ])
        .await;
    let doc = str_of(&created["documentId"]).to_owned();
    phone.sync().await;
    assert!(phone.key_file().path().exists());

    let locked = phone.ok(&["lock"]).await;
    assert_eq!(locked["was_unlocked"], true, "{locked}");
    assert!(!phone.key_file().path().exists());
    for args in [
        vec!["status"],
        vec!["list"],
        vec!["show", doc.as_str()],
        vec!["sync"],
        vec!["household", "edit", "--doc", doc.as_str(), "--tag", "dibao"],
    ] {
        let error = phone.fails(&args).await;
        assert!(
            error.contains("locked") && error.contains("linli-field unlock"),
            "{args:?}: {error}"
        );
    }

    let before = store_rows(&phone.store).await;
    let url = format!("http://{}", server.addr);
    for args in [
        vec!["unlock", "--password", "wrong-pw"],
        vec![
            "login",
            "--server",
            &url,
            "--name",
            "w1",
            "--password",
            "wrong-pw",
        ],
    ] {
        let error = phone.fails(&args).await;
        assert_eq!(error, "wrong password for this store", "{args:?}");
    }
    let once = phone
        .run_with(&["status"], &[("LINLI_PASSWORD", "wrong-pw")], None)
        .await;
    assert_ne!(once.code, 0);
    assert_eq!(once.json["error"], "wrong password for this store");
    assert_eq!(
        store_rows(&phone.store).await,
        before,
        "a wrong password changed nothing"
    );
    assert!(!phone.key_file().path().exists(), "still locked");

    // The right password for one command (from the environment or standard input) opens the
    // store for that command only.
    let once = phone
        .run_with(&["status"], &[("LINLI_PASSWORD", "right-pw")], None)
        .await;
    assert_eq!(once.code, 0, "{}", once.json);
    assert_eq!(once.json["documents"], 1);
    assert_eq!(once.json["encrypted"], true);
    let once = phone
        .run_with(&["--password-stdin", "list"], &[], Some("right-pw"))
        .await;
    assert_eq!(once.code, 0, "{}", once.json);
    assert!(!phone.key_file().path().exists(), "still locked");

    let unlocked = phone
        .run_with(&["unlock", "--password-stdin"], &[], Some("right-pw"))
        .await;
    assert_eq!(unlocked.code, 0, "{}", unlocked.json);
    assert_eq!(unlocked.json["change"], "none");
    phone
        .ok(&["household", "edit", "--doc", &doc, "--tag", "dibao"])
        .await;
    phone.sync().await;
    assert_eq!(phone.pending().await, 0);
    assert_eq!(phone.ok(&["show", &doc]).await["tags"]["dibao"], true);

    let out = phone.ok(&["logout"]).await;
    assert_eq!(out["logged_out"], true, "{out}");
    assert!(!phone.key_file().path().exists(), "logout locks");
    let error = phone.fails(&["list"]).await;
    assert!(error.contains("linli-field unlock"), "{error}");
    server.stop().await;
    db.cleanup().await;
}
on_sqlite!(lock_unlock_and_wrong_passwords);

/// A store written before encryption (documents and session in clear, as the library's
/// unencrypted store still keeps them) is refused by the CLI until `unlock` or `login`
/// encrypts it in place; then nothing is readable in the file, pending changes and the
/// session survive, and it syncs.
async fn a_store_from_before_encryption_is_migrated_and_syncs(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w1", "worker", GRID1, Some("pw-1")).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let url = format!("http://{}", server.addr);
    let old = Device::new(db.dir.path(), "old-phone");
    let older = Device::new(db.dir.path(), "older-phone");

    // Two stores as linli-field wrote them before this change.
    let mut docs = Vec::new();
    let mut refresh_tokens = Vec::new();
    for (device, address) in [
        (&old, "旧路 1号 legacy-lane"),
        (&older, "旧路 2号 legacy-lane"),
    ] {
        let mut client = FieldClient::open(&device.store).await.unwrap();
        client
            .login(&url, "w1", "pw-1", "old phone", false)
            .await
            .unwrap();
        let (id, _) = client
            .create_household(GRID1, address, Some("旧人 Methuselah"))
            .await
            .unwrap();
        let mut remote = client.remote(None, None).await.unwrap();
        let report = client
            .sync_remote(&mut remote, std::time::Duration::from_secs(30))
            .await
            .unwrap();
        assert!(report.complete, "{report:?}");
        refresh_tokens.push(client.session().await.unwrap().unwrap().refresh_token);
        docs.push(id.to_string());
        client.close().await;
        let (file, wal) = raw_store(&device.store);
        let bytes = [file, wal].concat();
        assert!(
            holds(&bytes, refresh_tokens.last().unwrap()) && holds(&bytes, "legacy-lane"),
            "the old format keeps the session and the documents in clear"
        );
    }
    // One change made offline before the upgrade.
    {
        let mut client = FieldClient::open(&old.store).await.unwrap();
        let id = linli_sync_core::DocumentId::parse(&docs[0]).unwrap();
        client
            .edit_household(
                &id,
                &linli_field::HouseholdEdit {
                    tag: vec!["dibao".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        client.close().await;
    }

    for device in [&old, &older] {
        let error = device.fails(&["status"]).await;
        assert!(
            error.contains("before local encryption") && error.contains("unlock"),
            "{error}"
        );
    }

    // `unlock` encrypts the first in place.
    let unlocked = old.ok(&["unlock", "--password", "pw-1"]).await;
    assert_eq!(unlocked["change"], "encrypted", "{unlocked}");
    assert_eq!(unlocked["documents"], 1, "{unlocked}");
    // `login` (a new device) encrypts the second.
    let login = older.login(&server, "w1", "pw-1").await;
    assert_eq!(login["encrypted"], true);

    for (i, device) in [&old, &older].into_iter().enumerate() {
        let (file, wal) = raw_store(&device.store);
        let bytes = [file, wal].concat();
        for secret in ["legacy-lane", "Methuselah", refresh_tokens[i].as_str()] {
            assert!(!holds(&bytes, secret), "{secret} still readable");
        }
        let status = device.ok(&["status"]).await;
        assert_eq!(status["encrypted"], true, "{status}");
        assert_eq!(status["login"]["user"], "w1", "{status}");
    }
    assert_eq!(old.pending().await, 1, "the offline change survived");
    old.sync().await;
    assert_eq!(old.pending().await, 0);
    older
        .ok(&["household", "edit", "--doc", &docs[1], "--untag", "dibao"])
        .await;
    older.sync().await;
    assert_eq!(older.pending().await, 0);

    // Both reached the server: a fresh device sees them.
    let check = Device::new(db.dir.path(), "check");
    check.login(&server, "w1", "pw-1").await;
    check.ok(&["pull"]).await;
    assert_eq!(check.ok(&["show", &docs[0]]).await["tags"]["dibao"], true);
    assert_eq!(check.ok(&["show", &docs[1]]).await["tags"]["dibao"], false);
    server.stop().await;
    db.cleanup().await;
}
on_sqlite!(a_store_from_before_encryption_is_migrated_and_syncs);
