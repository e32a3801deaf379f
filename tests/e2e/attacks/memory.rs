//! Item 2: one long text field multiplied server memory. A worker's stock JS client sent one
//! sync message with a multi-million-character `address`: the message is a few tens of
//! kilobytes (automerge compresses it), but applying it briefly cost some 85 bytes per
//! character, hundreds of megabytes. Now a message's operations are counted before it is
//! applied and a message with more than `--max-ops-per-message` is refused unapplied; the
//! contract bounds each text field; and the server's peak memory stays within README's bound
//! for one connection (56 MiB) while it refuses such messages.

use serde_json::json;

use crate::harness::{Backend, ServerProcess, TestDb};
use crate::records::{errors, js_create, ws_with, GRID};

/// README: memory held for one connection is at most about 56 MiB with the default limits.
const PER_CONNECTION: u64 = 56 * 1024 * 1024;

fn household(address: &str) -> serde_json::Value {
    json!({"kind": "household", "schema": 1, "org": GRID, "address": address,
           "tags": {}, "members": {}, "visits": []})
}

/// Creates a household with an address of `chars` characters through the stock JS client
/// (the document goes through a file: it is too long for a command line).
async fn create_with_address(
    server: &ServerProcess,
    token: &str,
    dir: &std::path::Path,
    chars: usize,
) -> serde_json::Value {
    let address: String = "幸福路".chars().cycle().take(chars).collect();
    let file = dir.join(format!("household-{chars}.json"));
    std::fs::write(&file, household(&address).to_string()).unwrap();
    crate::harness::js(&[
        "create-doc",
        "--server",
        &ws_with(server, token),
        "--doc-file",
        file.to_str().unwrap(),
        "--timeout-ms",
        "120000",
    ])
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_long_field_costs_bounded_memory() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    db.add_user("worker", "worker", GRID, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let token = db.token("worker").await;
    let dir = tempfile::tempdir().unwrap();

    // A household as a worker makes it: kept. Then the server's peak so far.
    let normal = js_create(&server, &token, &household("幸福路 12号")).await;
    assert_eq!(normal["accepted"], true, "{normal}");
    let before = server.peak_memory();

    // Two million characters in one message: refused before it is applied.
    let huge = create_with_address(&server, &token, dir.path(), 2_000_000).await;
    assert_eq!(huge["accepted"], false, "{huge}");
    let why = errors(&huge);
    assert!(why.contains("operations"), "{why}");
    // Just under the message limit: applied, then refused by the contract's bound.
    let long = create_with_address(&server, &token, dir.path(), 240_000).await;
    assert_eq!(long["accepted"], false, "{long}");
    assert!(
        errors(&long).contains("`address` must be text of at most 200 characters"),
        "{long}"
    );

    let grew = server.peak_memory().saturating_sub(before);
    assert!(
        grew <= PER_CONNECTION,
        "the server's peak memory grew by {} MiB (bound {} MiB)",
        grew / (1024 * 1024),
        PER_CONNECTION / (1024 * 1024)
    );

    // It goes on serving: another household is kept.
    let after = js_create(&server, &token, &household("幸福路 14号")).await;
    assert_eq!(after["accepted"], true, "{after}");
}
