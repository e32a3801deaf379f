//! Two Rust field clients edit the same document offline, sync, and converge.

use linli_sync_core::DocumentId;

use crate::harness::{field_client, http_get, sync_ok, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

async fn two_rust_clients_converge_after_offline_edits(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start(&db, &[]).await;
    let mut ana = field_client(db.dir.path(), "ana").await;
    let mut bo = field_client(db.dir.path(), "bo").await;

    let id = ana
        .create_volunteer("c01/s01/m01", "vol-ana", "安娜")
        .await
        .unwrap();
    sync_ok(&mut ana, &server).await;
    bo.pull(id);
    let report = sync_ok(&mut bo, &server).await;
    assert_eq!(report.updated, vec![id.to_string()]);

    // Both offline: each logs hours and both rename the volunteer.
    let e1 = ana
        .log_hours(&id, "2026-11-20", 90, "探访独居老人", "elderly")
        .await
        .unwrap();
    ana.set_field(&id, "name", "安娜 (A)").await.unwrap();
    let e2 = bo
        .log_hours(&id, "2026-11-21", 60, "社区助餐", "elderly")
        .await
        .unwrap();
    bo.set_field(&id, "name", "安娜 (B)").await.unwrap();
    assert_eq!(ana.status().await.unwrap().pending_changes, 2);

    sync_ok(&mut ana, &server).await;
    assert_eq!(ana.status().await.unwrap().pending_changes, 0);
    sync_ok(&mut bo, &server).await;
    sync_ok(&mut ana, &server).await;

    let a = ana.show(&id).unwrap();
    let b = bo.show(&id).unwrap();
    assert_eq!(a, b, "both devices hold the same document");
    assert_eq!(a["entries"][&e1]["minutes"], 90);
    assert_eq!(a["entries"][&e2]["minutes"], 60);
    let name = a["name"].as_str().unwrap();
    assert!(name == "安娜 (A)" || name == "安娜 (B)");

    let store = db.store().await;
    assert_eq!(store.document_count().await.unwrap(), 1);
    // Each device's sync position is kept, at the heads both sides share. The server saves it
    // when the device's connection ends, which it learns of a moment after the client leaves.
    let mut heads = ana.document(&id).unwrap().get_heads();
    heads.sort();
    let mut shared = Vec::new();
    for _ in 0..50 {
        if let Some(position) = store
            .load_sync_state(ana.storage_id(), &id.to_string())
            .await
            .unwrap()
        {
            let state = linli_sync_core::automerge::sync::State::decode(&position).unwrap();
            shared = state.shared_heads.clone();
            shared.sort();
            if shared == heads {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(shared, heads);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(two_rust_clients_converge_after_offline_edits);

async fn unknown_documents_are_unavailable(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start(&db, &[]).await;
    let mut c = field_client(db.dir.path(), "c").await;
    let unknown = DocumentId::from_bytes(rand::random());
    c.pull(unknown);
    let report = c
        .sync(&server.ws_url(), std::time::Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(report.unavailable, vec![unknown.to_string()]);
    assert!(c.document(&unknown).is_none());
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(unknown_documents_are_unavailable);

/// A document evicted from the server's memory is loaded again from storage when asked for.
async fn evicted_documents_reload_from_storage(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server =
        ServerProcess::start(&db, &["--evict-after-secs", "1", "--snapshot-every", "2"]).await;
    let mut a = field_client(db.dir.path(), "a").await;
    let id = a
        .create_volunteer("c01/s01/m02", "vol-a", "王五")
        .await
        .unwrap();
    for day in 1..=5 {
        a.log_hours(
            &id,
            &format!("2026-11-0{day}"),
            30,
            "环境清扫",
            "environment",
        )
        .await
        .unwrap();
        sync_ok(&mut a, &server).await;
    }
    let loaded = || async {
        let (_, body) = http_get(&server.addr, "/api/status").await.unwrap();
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["documents_loaded"]
            .as_u64()
            .unwrap()
    };
    let mut evicted = false;
    for _ in 0..100 {
        if loaded().await == 0 {
            evicted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(evicted, "the idle document left memory");
    let stored = db
        .store()
        .await
        .load_document(&id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.snapshot.is_some(), "compacted into a snapshot");
    assert!(
        stored.changes.len() < 6,
        "only changes after the snapshot are loaded one by one"
    );
    let mut b = field_client(db.dir.path(), "b").await;
    b.pull(id);
    sync_ok(&mut b, &server).await;
    assert_eq!(b.show(&id).unwrap(), a.show(&id).unwrap());
    assert_eq!(
        b.show(&id).unwrap()["entries"].as_object().unwrap().len(),
        5
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(evicted_documents_reload_from_storage);
