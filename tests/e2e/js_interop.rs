//! The stock `@automerge/automerge-repo` 2.5.x client syncs with the server unchanged.

use linli_sync_core::DocumentId;

use crate::harness::{field_client, js, sync_ok, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

/// A JS client creates a volunteer document, a second JS client finds it by URL, both edit
/// concurrently and converge; our Rust client then sees the same document.
async fn javascript_clients_create_find_and_converge(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start(&db, &[]).await;
    let url = server.ws_url();
    let out = js(&["converge", "--server", &url]).await;
    let doc = &out["doc"];
    assert!(doc["entries"]["entry-a"].is_object() && doc["entries"]["entry-b"].is_object());
    assert_eq!(out["headsA"], out["headsB"]);

    let id = DocumentId::parse(out["url"].as_str().unwrap()).unwrap();
    let mut rust = field_client(db.dir.path(), "rust").await;
    rust.pull(id);
    sync_ok(&mut rust, &server).await;
    assert_eq!(
        &rust.show(&id).unwrap(),
        doc,
        "the Rust client sees what the JS clients made"
    );

    // And a Rust edit reaches a fresh JS client.
    let entry = rust
        .log_hours(&id, "2026-11-22", 120, "法律咨询", "culture")
        .await
        .unwrap();
    sync_ok(&mut rust, &server).await;
    let shown = js(&["show", "--server", &url, "--url", &id.url()]).await;
    assert_eq!(shown["doc"]["entries"][&entry]["minutes"], 120);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(javascript_clients_create_find_and_converge);

/// `request` for a document nobody stored is answered with `doc-unavailable`.
async fn javascript_find_of_unknown_document_is_unavailable(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start(&db, &[]).await;
    let unknown = DocumentId::from_bytes(rand::random());
    let out = js(&[
        "show",
        "--server",
        &server.ws_url(),
        "--url",
        &unknown.url(),
    ])
    .await;
    assert_eq!(out["unavailable"], true);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(javascript_find_of_unknown_document_is_unavailable);
