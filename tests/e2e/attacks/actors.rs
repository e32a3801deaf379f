//! Item 8: approvals attributed to the wrong person. The actor a supervisor's review is
//! written as was `sha256("linli-user:" + name)[..16]`, which anyone can compute: a volunteer
//! who wrote with it first had it bound to their own device, and the history then showed the
//! supervisor's approval as the volunteer's. Now those actors are derived with a secret of the
//! server's.

use serde_json::json;
use sha2::Digest;
use sqlx::Connection;

use crate::harness::{field_client, http_post_json, sync_as, Backend, ServerProcess, TestDb};
use crate::on_both_backends;
use crate::records::{day, get_json};

async fn approvals_are_attributed_to_the_supervisor(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol", "volunteer", "c01/s01/m01", None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tv, ts) = (db.token("vol").await, db.token("sup").await);

    // The volunteer's phone writes as the actor the supervisor's review used to be written as.
    let forged = hex::encode(&sha2::Sha256::digest(b"linli-user:sup")[..16]);
    let store_file = db.dir.path().join("vol.sqlite3");
    field_client(db.dir.path(), "vol").await.close().await;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", store_file.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE meta SET value = $1 WHERE key = 'actor'")
        .bind(&forged)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut phone = field_client(db.dir.path(), "vol").await;
    let doc = phone
        .create_volunteer("c01/s01/m01", "vol", "孙七")
        .await
        .unwrap();
    let entry = phone
        .log_hours(&doc, &day(0), 60, "助餐", "elderly")
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&tv)).await;

    let (status, body) = http_post_json(
        &server.addr,
        "/api/review/entries",
        &json!({"items": [{"document_id": doc.to_string(), "entry_id": entry}], "status": "approved"}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let history = get_json(
        &server,
        &format!("/api/history?document_id={doc}&path=entries/{entry}/status"),
        &ts,
    )
    .await;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["value"], "approved", "{history:#}");
    assert_eq!(
        last["user"], "sup",
        "the approval is the supervisor's: {history:#}"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(approvals_are_attributed_to_the_supervisor);
