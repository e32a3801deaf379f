//! Test harness: a fresh database per test (a SQLite file in a temp dir, or a new PostgreSQL
//! database), the server process on `127.0.0.1:0`, and helpers to drive the clients.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sqlx::Connection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Which database a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for `async fn $name(backend: Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::harness::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::harness::Backend::Postgres).await
            }
        }
    };
}

/// A database of its own for one test, and a data directory.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub url: Option<String>,
    /// The PostgreSQL database's name (`None` on SQLite).
    pub pg_name: Option<String>,
}

/// The PostgreSQL URL of the `test` database, where tests create their own databases.
pub fn pg_admin_url() -> String {
    std::env::var("LINLI_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl TestDb {
    /// A fresh database, or `None` (test skipped) when PostgreSQL is absent outside CI.
    pub async fn new(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Some(Self {
                dir,
                url: None,
                pg_name: None,
            }),
            Backend::Postgres => {
                let admin = pg_admin_url();
                let mut conn = match sqlx::PgConnection::connect(&admin).await {
                    Ok(c) => c,
                    Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                        eprintln!("skipping: PostgreSQL not reachable at {admin}: {e}");
                        return None;
                    }
                    Err(e) => panic!("PostgreSQL must be reachable in CI ({admin}): {e}"),
                };
                let name = format!("linli_e2e_{:016x}", rand::random::<u64>());
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let base = admin.rsplit_once('/').expect("url has a database").0;
                Some(Self {
                    dir,
                    url: Some(format!("{base}/{name}")),
                    pg_name: Some(name),
                })
            }
        }
    }

    /// Opens the same database the server uses, to check what it stored.
    pub async fn store(&self) -> linli_server::store::Store {
        linli_server::store::open(self.url.as_deref(), self.dir.path())
            .await
            .expect("open store")
    }

    /// Runs an operator command (`linli-server user add …`) against this database; returns
    /// its standard output.
    pub async fn cli(&self, args: &[&str], stdin: Option<&str>) -> String {
        use tokio::io::AsyncWriteExt;
        let mut cmd = Command::new(bin("linli-server"));
        cmd.args(args).arg("--data-dir").arg(self.dir.path());
        if let Some(url) = &self.url {
            cmd.arg("--database-url").arg(url);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn linli-server");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or("").as_bytes())
            .await
            .unwrap();
        drop(input);
        let out = child.wait_with_output().await.expect("run linli-server");
        assert!(out.status.success(), "linli-server {args:?} failed");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Creates a user (with `password`, if given).
    pub async fn add_user(&self, name: &str, role: &str, org: &str, password: Option<&str>) {
        let mut args = vec!["user", "add", "--name", name, "--role", role, "--org", org];
        if password.is_some() {
            args.push("--password-stdin");
        }
        self.cli(&args, password).await;
    }

    /// An access token for a user, on a new device, from the operator CLI.
    pub async fn token(&self, user: &str) -> String {
        self.cli(&["token", "--user", user], None).await
    }

    /// `n` access tokens for a user, each on a new device.
    pub async fn tokens(&self, user: &str, n: usize) -> Vec<String> {
        let n = n.to_string();
        let out = self
            .cli(&["token", "--user", user, "--count", &n], None)
            .await;
        out.lines().map(str::to_owned).collect()
    }

    /// Drops the PostgreSQL database (best effort).
    pub async fn cleanup(self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        }
    }
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// A binary built by `cargo build --workspace --bins`.
pub fn bin(name: &str) -> PathBuf {
    let dir = std::env::var_os("LINLI_BIN_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(|d| PathBuf::from(d).join("debug")))
        .unwrap_or_else(|| workspace().join("target/debug"));
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` before the tests",
        path.display()
    );
    let built = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("binary mtime");
    // The sources each binary is built from (a field-client edit does not relink the server).
    let sources: &[&str] = match name {
        "linli-server" => &["sync-core/src", "server/src", "server/migrations"],
        "linli-field" => &["sync-core/src", "clients/field/src"],
        _ => &[
            "sync-core/src",
            "server/src",
            "server/migrations",
            "clients/field/src",
        ],
    };
    let newest = sources
        .iter()
        .filter_map(|d| newest_file(&workspace().join(d)))
        .max();
    assert!(
        newest.is_none_or(|n| n <= built),
        "{} is older than the sources: run `cargo build --workspace --bins` before the tests",
        path.display()
    );
    path
}

/// The latest modification time of any file under `dir`.
fn newest_file(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let time = if path.is_dir() {
            newest_file(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(time);
    }
    newest
}

/// A running `linli-server serve`.
pub struct ServerProcess {
    child: Child,
    pub addr: String,
    /// The HTTPS address, when started with TLS.
    pub tls_addr: Option<String>,
}

impl ServerProcess {
    /// Starts the server on `db` with authentication off (`--insecure-dev`) and `extra` flags.
    pub async fn start(db: &TestDb, extra: &[&str]) -> Self {
        Self::start_with(db, &[&["--insecure-dev"], extra].concat()).await
    }

    /// Starts the server on `db` with exactly these extra flags.
    pub async fn start_with(db: &TestDb, extra: &[&str]) -> Self {
        Self::spawn(Command::new(bin("linli-server")), db, extra).await
    }

    /// Starts the server on `db` with these flags, allowed at most `files` open files
    /// (through util-linux's `prlimit`, which then runs the server in its own process).
    pub async fn start_with_open_files(db: &TestDb, extra: &[&str], files: u32) -> Self {
        let mut cmd = Command::new("prlimit");
        cmd.arg(format!("--nofile={files}:{files}"))
            .arg("--")
            .arg(bin("linli-server"));
        Self::spawn(cmd, db, extra).await
    }

    /// Starts the server on `db` with a data directory of its own (`data_dir`), as a node on
    /// another machine of the same deployment has.
    pub async fn start_in(db: &TestDb, data_dir: &Path, extra: &[&str]) -> Self {
        Self::spawn_in(Command::new(bin("linli-server")), db, data_dir, extra).await
    }

    async fn spawn(cmd: Command, db: &TestDb, extra: &[&str]) -> Self {
        Self::spawn_in(cmd, db, db.dir.path(), extra).await
    }

    async fn spawn_in(mut cmd: Command, db: &TestDb, data_dir: &Path, extra: &[&str]) -> Self {
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(url) = &db.url {
            cmd.arg("--database-url").arg(url);
        }
        let mut child = cmd.spawn().expect("spawn linli-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("server printed its address in time")
            .expect("read stdout")
            .expect("server printed a line");
        let addr = line
            .rsplit("http://")
            .next()
            .expect("address in the line")
            .trim()
            .to_string();
        let tls_addr = if extra.contains(&"--tls-self-signed") {
            let line = lines
                .next_line()
                .await
                .expect("read stdout")
                .expect("https line");
            Some(
                line.rsplit("https://")
                    .next()
                    .expect("address")
                    .trim()
                    .to_string(),
            )
        } else {
            None
        };
        // Keep draining stdout so the server never blocks on it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let server = Self {
            child,
            addr,
            tls_addr,
        };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        for _ in 0..200 {
            if http_get(&self.addr, "/healthz")
                .await
                .is_some_and(|(status, _)| status == 200)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server did not become healthy");
    }

    /// The websocket sync URL.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// The server's peak resident memory so far (`VmHWM`), in bytes (Linux).
    pub fn peak_memory(&self) -> u64 {
        let pid = self.child.id().expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmHWM in proc status");
        kib * 1024
    }

    /// Kills the server with SIGKILL, as a power cut or the OOM killer would, and reaps it.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("SIGKILL the server");
        self.child.wait().await.expect("reap the server");
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub async fn stop(mut self) {
        let pid = self.child.id().expect("running");
        let status = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .expect("kill");
        assert!(status.success());
        let exit = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("server stopped within 30 s")
            .expect("wait");
        assert!(exit.success(), "server exited with {exit}");
    }
}

/// One HTTP/1.1 request over a fresh connection; returns the status code and raw body, or
/// `None` when the server cannot be reached.
async fn http_request(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
    bearer: Option<&str>,
) -> Option<(u16, Vec<u8>)> {
    http_exchange(addr, method, path, body, bearer)
        .await
        .map(|(status, _, body)| (status, body))
}

/// A GET with a bearer token; returns the status code, the response's header lines and the
/// raw body.
pub async fn http_get_with_head(addr: &str, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    http_exchange(addr, "GET", path, None, Some(token))
        .await
        .expect("server reachable")
}

/// [`http_request`], with the response's header lines.
async fn http_exchange(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
    bearer: Option<&str>,
) -> Option<(u16, String, Vec<u8>)> {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    http_raw(
        addr,
        method,
        path,
        "application/json",
        body.as_bytes(),
        bearer,
    )
    .await
}

/// One HTTP/1.1 exchange with a body of any type; `None` when the server cannot be reached.
async fn http_raw(
    addr: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
    bearer: Option<&str>,
) -> Option<(u16, String, Vec<u8>)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(body).await.ok()?;
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.ok()?;
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, head, buf[split + 4..].to_vec()))
}

fn text((status, body): (u16, Vec<u8>)) -> (u16, String) {
    (status, String::from_utf8_lossy(&body).to_string())
}

/// GETs `path` with a bearer token; returns the status code and the body as JSON (`null` when
/// it is not JSON).
pub async fn get_json(server: &ServerProcess, path: &str, token: &str) -> (u16, serde_json::Value) {
    let (code, body) = http_get_auth(&server.addr, path, token).await;
    (
        code,
        serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
    )
}

/// POSTs `body` to `path` (with a bearer token, if given); returns the status code and the
/// answer as JSON (`null` when it is not JSON).
pub async fn post_json(
    server: &ServerProcess,
    path: &str,
    body: serde_json::Value,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let (code, body) = http_post_json(&server.addr, path, &body, token).await;
    (
        code,
        serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
    )
}

/// POSTs a JSON body; returns the status code and body.
pub async fn http_post_json(
    addr: &str,
    path: &str,
    body: &serde_json::Value,
    bearer: Option<&str>,
) -> (u16, String) {
    let response = http_request(addr, "POST", path, Some(body), bearer).await;
    text(response.expect("server reachable"))
}

/// A POST of a file (`content_type`) with a bearer token; returns the status code and body.
pub async fn http_post_file(
    addr: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
    bearer: &str,
) -> (u16, String) {
    let (status, _, body) = http_raw(addr, "POST", path, content_type, body, Some(bearer))
        .await
        .expect("server reachable");
    text((status, body))
}

/// A PATCH with a JSON body and a bearer token; returns the status code and body.
pub async fn http_patch_json(
    addr: &str,
    path: &str,
    body: &serde_json::Value,
    bearer: &str,
) -> (u16, String) {
    let response = http_request(addr, "PATCH", path, Some(body), Some(bearer)).await;
    text(response.expect("server reachable"))
}

/// A GET with a bearer token; returns the status code and the raw body.
pub async fn http_get_bytes(addr: &str, path: &str, token: &str) -> (u16, Vec<u8>) {
    let response = http_request(addr, "GET", path, None, Some(token)).await;
    response.expect("server reachable")
}

/// A GET with a bearer token; returns the status code and body.
pub async fn http_get_auth(addr: &str, path: &str, token: &str) -> (u16, String) {
    text(http_get_bytes(addr, path, token).await)
}

/// A plain GET; `None` when the server cannot be reached (yet).
pub async fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    http_request(addr, "GET", path, None, None).await.map(text)
}

/// Runs `node tests/js/interop.mjs <args>` and returns its JSON output.
pub async fn js(args: &[&str]) -> serde_json::Value {
    node_script("interop.mjs", args, "@automerge/automerge-repo", 90).await
}

/// Runs `node tests/js/<script> <args>` (which needs the npm package `needs`), fails the
/// test when it fails or is slower than `secs`, and returns the JSON it printed.
pub async fn node_script(script: &str, args: &[&str], needs: &str, secs: u64) -> serde_json::Value {
    let dir = workspace().join("tests/js");
    assert!(
        dir.join("node_modules").join(needs).exists(),
        "{needs} missing: run `npm install --prefix tests/js` (the README's test command does)"
    );
    let out = tokio::time::timeout(
        Duration::from_secs(secs),
        Command::new("node")
            .arg(script)
            .args(args)
            .current_dir(&dir)
            .stderr(Stdio::inherit())
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{script} {args:?} did not finish within {secs} s"))
    .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script} {args:?} failed: {stdout}");
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("bad JSON from {script} ({e}): {stdout}"))
}

/// A field client with its own store in `dir`, unencrypted (`FieldClient::open`: the library's
/// choice for tests and tools; the CLI always encrypts, see `field_cli.rs`).
pub async fn field_client(dir: &Path, name: &str) -> linli_field::FieldClient {
    linli_field::FieldClient::open(&dir.join(format!("{name}.sqlite3")))
        .await
        .expect("open field store")
}

/// Syncs and insists the round completed.
pub async fn sync_ok(
    client: &mut linli_field::FieldClient,
    server: &ServerProcess,
) -> linli_field::SyncReport {
    sync_as(client, server, None).await
}

/// Syncs with an access token and insists the round completed.
pub async fn sync_as(
    client: &mut linli_field::FieldClient,
    server: &ServerProcess,
    token: Option<&str>,
) -> linli_field::SyncReport {
    let report = client
        .sync_with(&server.ws_url(), token, Duration::from_secs(30))
        .await
        .expect("sync round");
    assert!(report.complete, "sync incomplete: {report:?}");
    report
}

/// Two workers of one grid (zhang, li) with their devices, and their street's supervisor.
pub struct Street {
    pub db: TestDb,
    pub server: ServerProcess,
    /// Access tokens of zhang, li and the supervisor.
    pub tokens: [String; 3],
    pub zhang: linli_field::FieldClient,
    pub li: linli_field::FieldClient,
}

impl Street {
    /// Fresh database and server, the three users, a token each and the workers' devices.
    pub async fn start(backend: Backend) -> Option<Self> {
        let db = TestDb::new(backend).await?;
        db.add_user("zhang", "worker", "c01/s01/m01/g01", None)
            .await;
        db.add_user("li", "worker", "c01/s01/m01/g01", None).await;
        db.add_user("sup", "supervisor", "c01/s01", None).await;
        let server = ServerProcess::start_with(&db, &[]).await;
        let tokens = [
            db.token("zhang").await,
            db.token("li").await,
            db.token("sup").await,
        ];
        let zhang = field_client(db.dir.path(), "zhang").await;
        let li = field_client(db.dir.path(), "li").await;
        Some(Self {
            db,
            server,
            tokens,
            zhang,
            li,
        })
    }
}

/// Accepts, as the supervisor with `token`, the open quarantine item of `document`
/// (changes a device handed over); panics when there is none or it is refused.
pub async fn accept_handed_over(server: &ServerProcess, token: &str, document: &str) {
    let (_, body) = http_get_auth(&server.addr, "/api/quarantine", token).await;
    let items: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    let item = items
        .iter()
        .find(|i| i["document_id"] == document)
        .unwrap_or_else(|| panic!("handed over: {body}"));
    assert_eq!(item["can_accept"], true, "{item}");
    let (status, body) = http_post_json(
        &server.addr,
        &format!("/api/quarantine/{}/accept", item["id"]),
        &serde_json::json!({"note": ""}),
        Some(token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// Whether a live websocket ends (closed, or the stream stops) within `secs` seconds.
pub async fn ends_within<S>(live: &mut S, secs: u64) -> bool
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    use futures_util::StreamExt;
    tokio::time::timeout(Duration::from_secs(secs), async {
        loop {
            match live.next().await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_)))
                | None
                | Some(Err(_)) => break,
                _ => {}
            }
        }
    })
    .await
    .is_ok()
}
