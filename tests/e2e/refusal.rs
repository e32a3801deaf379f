//! A new document whose root breaks the data contract is refused, kept in quarantine, and
//! never served.

use linli_sync_core::automerge::Automerge;
use linli_sync_core::DocumentId;

use crate::harness::{js, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

async fn invalid_roots_are_quarantined_not_stored(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start(&db, &[]).await;
    let out = js(&["create-invalid", "--server", &server.ws_url()]).await;
    let url = out["url"].as_str().unwrap();
    let id = DocumentId::parse(url).unwrap();

    let shown = js(&["show", "--server", &server.ws_url(), "--url", url]).await;
    assert_eq!(
        shown["unavailable"], true,
        "a refused document is not served"
    );

    let store = db.store().await;
    assert_eq!(store.document_count().await.unwrap(), 0);
    let items = store.quarantined().await.unwrap();
    assert_eq!(
        items.len(),
        1,
        "kept once, however often the client retries"
    );
    assert_eq!(items[0].document_id, id.to_string());
    assert_eq!(items[0].reason, "root has no `kind`");
    // The bytes are the client's real changes: they load, and hold what it wrote.
    let mut doc = Automerge::new();
    doc.load_incremental(&items[0].bytes).unwrap();
    assert_eq!(linli_sync_core::contract::to_json(&doc)["hello"], "world");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(invalid_roots_are_quarantined_not_stored);
