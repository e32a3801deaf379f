//! A grid worker moved to another grid while the web app on their phone holds a visit it has
//! not sent (issue #19), in real headless Chromium (`tests/js/moved.mjs`): back online the
//! app learns the new grid, hands the visit to the server's quarantine, lets the old grid's
//! household go and says so; the supervisor's accept delivers the visit; the phone goes on
//! working in its new grid. SQLite: the API tests cover both databases.

use linli_sync_core::DocumentId;
use serde_json::Value;

use crate::harness::{field_client, http_get_auth, sync_as, Backend};
use crate::web::{run_script, setup, PASSWORD};

const NEW_GRID: &str = "c01/s01/m01/g02";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_workers_phone_follows_and_loses_nothing() {
    let Some((db, server)) = setup(Backend::Sqlite).await else {
        return;
    };
    let out = run_script(
        "moved.mjs",
        "moved",
        &server,
        Backend::Sqlite,
        &[
            "--password",
            PASSWORD,
            "--worker",
            "worker-web-1",
            "--supervisor",
            "sup-web",
            "--newGrid",
            NEW_GRID,
        ],
    )
    .await;
    assert!(out["pendingOffline"].as_u64().unwrap() >= 1, "{out}");
    let toast = out["toast"].as_str().unwrap();
    assert!(toast.contains("现在是"), "the worker is told: {toast}");
    assert!(
        toast.contains("移除"),
        "and that a record left the phone: {toast}"
    );
    assert_eq!(out["listedAfter"], false, "{out}");
    assert_eq!(out["pendingAfter"], 0, "{out}");
    assert_eq!(out["sessionOrg"], NEW_GRID, "{out}");

    // The household is in the old grid; the visit waits in quarantine, and is delivered.
    let sup = db.token("sup-web").await;
    let address = out["address"].as_str().unwrap();
    let (_, body) = http_get_auth(
        &server.addr,
        &format!("/api/households?q={}", enc(address)),
        &sup,
    )
    .await;
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    let house = rows
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{body}"))["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    crate::harness::accept_handed_over(&server, &sup, &house).await;
    let mut desk = field_client(db.dir.path(), "sup-desk").await;
    let id = DocumentId::parse(&house).unwrap();
    desk.pull(id);
    sync_as(&mut desk, &server, Some(&sup)).await;
    let shown = desk.show(&id).unwrap();
    assert_eq!(shown["visits"][0]["notes"], "调网格前的走访记录", "{shown}");

    // Its new household belongs to the new grid.
    let new_address = out["newAddress"].as_str().unwrap();
    let (_, body) = http_get_auth(
        &server.addr,
        &format!("/api/households?org={NEW_GRID}&q={}", enc(new_address)),
        &sup,
    )
    .await;
    assert!(body.contains(new_address), "{body}");
    server.stop().await;
    db.cleanup().await;
}

fn enc(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
