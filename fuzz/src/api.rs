//! The HTTP API's inputs, fuzzed against the real server: request bodies (JSON or not), query
//! strings and path ids, sent over loopback with an admin's, a supervisor's, a worker's or no
//! token. Whatever arrives, the server answers with a status below 500 and keeps serving.
//!
//! The server runs once per process, in the background: SQLite in a temporary directory,
//! seeded with the demo county (which has review items, duplicates and volunteer entries for
//! the ids to hit).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use clap::Parser;
use linli_server::{admin, auth::Keys, store, ServeConfig};

/// The API calls the fuzzer chooses from: method, path (`{id}` filled from the input).
pub const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/api/login"),
    ("POST", "/api/refresh"),
    ("POST", "/api/emergency-access"),
    ("POST", "/api/orgs"),
    ("POST", "/api/users"),
    ("POST", "/api/devices/revoke"),
    ("POST", "/api/quarantine"),
    ("POST", "/api/quarantine/{id}/accept"),
    ("POST", "/api/quarantine/{id}/dismiss"),
    ("POST", "/api/conflicts/{id}/resolve"),
    ("POST", "/api/conflicts/{id}/accept"),
    ("POST", "/api/review/entries"),
    ("POST", "/api/review/visits"),
    ("POST", "/api/review/households"),
    ("POST", "/api/duplicates/{id}/merge"),
    ("POST", "/api/duplicates/{id}/dismiss"),
    ("POST", "/api/duplicates/{id}/undo"),
    ("GET", "/api/conflicts"),
    ("GET", "/api/volunteer-entries"),
    ("GET", "/api/indicators"),
    ("GET", "/api/communities"),
    ("GET", "/api/history"),
    ("GET", "/api/households"),
    ("GET", "/api/documents"),
    ("GET", "/api/records/households"),
    ("GET", "/api/records/visits"),
    ("GET", "/api/duplicates/{id}/plan"),
    ("GET", "/api/export/indicators.csv"),
    ("GET", "/api/export/households.xlsx"),
    ("GET", "/api/audit"),
    ("GET", "/api/emergency-access"),
    ("GET", "/api/quarantine"),
];

/// The demo accounts the requests are made as (and, last, nobody).
const USERS: &[&str] = &["admin", "sup-c01-s01", "worker-c01-s01-m01-g01"];

/// How many callers byte 1 chooses from: each of [`USERS`], and no token.
pub const CALLERS: usize = USERS.len() + 1;

struct Target {
    addr: SocketAddr,
    tokens: Vec<String>,
}

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    serve: ServeConfig,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(start)
}

/// Starts the server on a thread of its own and mints a token for each of [`USERS`].
fn start() -> Target {
    let dir = tempfile::tempdir().expect("temporary directory").keep();
    let data_dir = dir.to_str().expect("a UTF-8 path").to_owned();
    let config = Args::parse_from([
        "serve",
        "--data-dir",
        &data_dir,
        "--demo",
        // Requests come fast from one address: limits must not turn them all into 429s.
        "--max-sockets-per-address",
        "100000",
    ])
    .serve;
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            addr_tx.send(listener.local_addr().expect("address")).ok();
            linli_server::run(listener, None, config, std::future::pending())
                .await
                .expect("the server runs");
        });
    });
    let addr = addr_rx.recv().expect("the server bound");
    for _ in 0..600 {
        if request(addr, "GET", "/healthz", None, b"").is_some_and(|s| s == 200) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let tokens = runtime.block_on(async {
        let store = store::open(None, &dir).await.expect("open the store");
        let keys = Keys::for_deployment(&store, &dir, None)
            .await
            .expect("the server's key");
        let mut tokens = Vec::new();
        for user in USERS {
            let token = admin::issue_token(&store, &keys, user, 24 * 3600, "fuzz")
                .await
                .expect("a token");
            tokens.push(token);
        }
        store.close().await;
        tokens
    });
    Target { addr, tokens }
}

/// One request over a fresh connection; the status code, or `None` if there was no answer.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: linli\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// Percent-encodes everything but unreserved characters and the query's own `=` and `&`.
fn query(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~=&".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One API call built from fuzz input: byte 0 picks the endpoint, byte 1 the caller, byte 2
/// the id in the path; the rest is the body (POST) or the query string (GET).
pub fn api_json(input: &[u8]) {
    let [endpoint, caller, id, rest @ ..] = input else {
        return;
    };
    let target = target();
    let (method, path) = ENDPOINTS[*endpoint as usize % ENDPOINTS.len()];
    let path = path.replace("{id}", &(*id % 16).to_string());
    let token = target
        .tokens
        .get(*caller as usize % CALLERS)
        .map(String::as_str);
    let (path, body) = if method == "GET" {
        (format!("{path}?{}", query(rest)), &[][..])
    } else {
        (path, rest)
    };
    let status = request(target.addr, method, &path, token, body);
    let status = status.unwrap_or_else(|| panic!("{method} {path}: no answer"));
    assert!(
        status < 500,
        "{method} {path} answered {status} for {:?}",
        String::from_utf8_lossy(body)
    );
    assert_eq!(
        request(target.addr, "GET", "/healthz", None, b""),
        Some(200),
        "still serving"
    );
}
