//! Nothing is lost across a server restart.

use linli_sync_core::DocumentId;

use crate::harness::{field_client, js, sync_ok, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

async fn restart_between_edits_loses_nothing(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start(&db, &[]).await;
    let mut rust = field_client(db.dir.path(), "rust").await;
    let rid = rust
        .create_volunteer("c01/s02/m01", "vol-r", "赵六")
        .await
        .unwrap();
    let e1 = rust
        .log_hours(&rid, "2026-11-10", 45, "助餐", "elderly")
        .await
        .unwrap();
    sync_ok(&mut rust, &server).await;
    let created = js(&["create", "--server", &server.ws_url(), "--name", "钱七"]).await;
    let jurl = created["url"].as_str().unwrap().to_string();
    let jid = DocumentId::parse(&jurl).unwrap();

    server.stop().await;
    let server = ServerProcess::start(&db, &[]).await;

    // Edits after the restart build on what was there before.
    let e2 = rust
        .log_hours(&rid, "2026-11-11", 30, "助餐", "elderly")
        .await
        .unwrap();
    sync_ok(&mut rust, &server).await;
    let appended = js(&[
        "append",
        "--server",
        &server.ws_url(),
        "--url",
        &jurl,
        "--entry-id",
        "after-restart",
        "--minutes",
        "75",
    ])
    .await;
    assert_eq!(appended["doc"]["name"], "钱七");
    assert_eq!(appended["doc"]["entries"]["after-restart"]["minutes"], 75);

    server.stop().await;
    let server = ServerProcess::start(&db, &[]).await;
    let mut fresh = field_client(db.dir.path(), "fresh").await;
    fresh.pull(rid);
    fresh.pull(jid);
    sync_ok(&mut fresh, &server).await;
    let r = fresh.show(&rid).unwrap();
    assert_eq!(r["entries"][&e1]["minutes"], 45);
    assert_eq!(r["entries"][&e2]["minutes"], 30);
    let j = fresh.show(&jid).unwrap();
    assert_eq!(j["entries"]["after-restart"]["minutes"], 75);
    assert_eq!(j["user"], "vol-js");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(restart_between_edits_loses_nothing);
