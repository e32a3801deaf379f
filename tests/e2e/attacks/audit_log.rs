//! The audit log had no reader in the API. Now `GET /api/audit` gives admins the log, newest
//! first, a page at a time, filtered by action, actor or time; nobody else reads it, and each
//! read is audited in turn.

use crate::harness::{http_get, http_get_auth, http_post_json, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

async fn page(server: &ServerProcess, token: &str, query: &str) -> serde_json::Value {
    let (status, body) = http_get_auth(&server.addr, &format!("/api/audit{query}"), token).await;
    assert_eq!(status, 200, "{query}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn admins_read_the_audit_log(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("admin", "admin", "c01", Some("admin-pw")).await;
    db.add_user("sup", "supervisor", "c01/s01", Some("sup-pw"))
        .await;
    db.add_user("worker", "worker", "c01/s01/m01/g01", Some("worker-pw"))
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    for (name, password) in [
        ("worker", "wrong"),
        ("nobody", "guess"),
        ("worker", "worker-pw"),
    ] {
        let login = serde_json::json!({"name": name, "password": password, "device_name": "phone"});
        http_post_json(&server.addr, "/api/login", &login, None).await;
    }

    // Nobody but an admin reads it.
    for user in ["sup", "worker"] {
        let token = db.token(user).await;
        let (status, _) = http_get_auth(&server.addr, "/api/audit", &token).await;
        assert_eq!(status, 403, "{user}");
    }
    let (status, _) = http_get(&server.addr, "/api/audit").await.unwrap();
    assert_eq!(status, 401);

    let admin = db.token("admin").await;
    let all = page(&server, &admin, "").await;
    let entries = all["entries"].as_array().unwrap();
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let failed: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["action"] == "login_failed")
        .collect();
    assert_eq!(failed.len(), 2, "{all}");
    assert!(failed
        .iter()
        .all(|e| e["address"] == "127.0.0.1" && e["at"].as_i64().unwrap() > 0));
    assert!(entries
        .iter()
        .any(|e| e["action"] == "login" && e["actor"] == "worker"));

    // Filters.
    let by_action = page(&server, &admin, "?action=login_failed").await;
    let actors: Vec<&str> = by_action["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["nobody", "worker"]);
    let by_actor = page(&server, &admin, "?actor=worker&action=login").await;
    assert_eq!(by_actor["entries"].as_array().unwrap().len(), 1);
    let future = page(&server, &admin, "?since=99999999999999").await;
    assert!(future["entries"].as_array().unwrap().is_empty());

    // Pages: two at a time, following `next_before`, give every entry once, in order.
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_string();
    loop {
        let p = page(&server, &admin, &query).await;
        seen.extend(
            p["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        match p["next_before"].as_i64() {
            Some(before) => query = format!("?limit=2&before={before}"),
            None => break,
        }
    }
    // The reads above were audited too; the oldest entries are the ones first listed.
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    assert!(
        ids.iter().all(|id| seen.contains(id)),
        "{ids:?} in {seen:?}"
    );

    // Reads are audited.
    let reads = page(&server, &admin, "?action=audit_read").await;
    assert!(reads["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"] == "admin"));
    assert!(reads["entries"].as_array().unwrap().len() >= 5);

    // Bad input is refused clearly.
    for query in [
        "?limit=0",
        "?limit=501",
        "?since=x",
        &format!("?actor={}", "a".repeat(201)),
    ] {
        let (status, body) =
            http_get_auth(&server.addr, &format!("/api/audit{query}"), &admin).await;
        assert_eq!(status, 400, "{query}: {body}");
    }
}

on_both_backends!(admins_read_the_audit_log);
