//! Case 2: the contract's own initial shapes are accepted on creation. A worker creating a
//! household with `review: {status: "received", note: "", by: "", at: ""}` had the whole
//! document refused, and so had a volunteer entry created with an empty `review` map. The
//! shapes docs/data-contract.md shows are sent as they are written there.

use serde_json::json;

use super::{errors, js_create, js_edit, COMMUNITY, GRID, STREET};
use crate::harness::{workspace, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

/// The examples of docs/data-contract.md: each ```json example:<role> block, with its role.
fn documented_examples() -> Vec<(String, serde_json::Value)> {
    let text = std::fs::read_to_string(workspace().join("docs/data-contract.md"))
        .expect("docs/data-contract.md");
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(role) = line.strip_prefix("```json example:") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        let doc = serde_json::from_str(&body.join("\n"))
            .unwrap_or_else(|e| panic!("example for {role} is not JSON: {e}"));
        out.push((role.trim().to_owned(), doc));
    }
    out
}

async fn documented_examples_are_accepted(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("worker-1", "worker", GRID, None).await;
    db.add_user("vol-1", "volunteer", COMMUNITY, None).await;
    db.add_user("sup", "supervisor", STREET, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let examples = documented_examples();
    assert!(
        examples.len() >= 6,
        "the page shows every kind: {examples:?}"
    );
    for (role, doc) in examples {
        let user = match role.as_str() {
            "worker" => "worker-1",
            "volunteer" => "vol-1",
            "supervisor" => "sup",
            other => panic!("unknown role {other} in docs/data-contract.md"),
        };
        let token = db.token(user).await;
        let out = js_create(&server, &token, &doc).await;
        assert_eq!(out["accepted"], true, "{role}: {doc}\n{out}");
    }
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(documented_examples_are_accepted);

/// The initial shapes are accepted, and only them: anything else in `review` is still the
/// supervisor's, and a review a worker created cannot be rewritten later.
async fn initial_reviews_only(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("worker-1", "worker", GRID, None).await;
    db.add_user("vol-1", "volunteer", COMMUNITY, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tw, tv) = (db.token("worker-1").await, db.token("vol-1").await);
    let household = |review: serde_json::Value| {
        json!({"kind": "household", "schema": 1, "org": GRID, "address": "幸福路 5号",
               "tags": {}, "members": {}, "visits": [], "review": review})
    };
    let initial = json!({"status": "received", "note": "", "by": "", "at": ""});
    let kept = js_create(&server, &tw, &household(initial)).await;
    assert_eq!(kept["accepted"], true, "{kept}");

    let approved = json!({"status": "approved", "note": "", "by": "", "at": ""});
    let refused = js_create(&server, &tw, &household(approved)).await;
    assert_eq!(refused["accepted"], false, "{refused}");
    assert!(
        errors(&refused).contains("may not write `review/status`"),
        "{refused}"
    );
    let signed = json!({"status": "received", "note": "", "by": "worker-1", "at": ""});
    let refused = js_create(&server, &tw, &household(signed)).await;
    assert_eq!(refused["accepted"], false, "{refused}");

    // Later, the worker may not rewrite the review it created.
    let url = kept["url"].as_str().unwrap();
    let out = js_edit(&server, &tw, url, &json!({"review/note": "我自己审过了"})).await;
    assert!(
        errors(&out).contains("may not write `review/note`"),
        "{out}"
    );
    assert_eq!(out["doc"]["review"]["note"], "", "{out}");

    let volunteer = |review: serde_json::Value| {
        json!({"kind": "volunteer", "schema": 1, "org": COMMUNITY, "user": "vol-1", "name": "李四",
               "skills": [], "entries": {"e1": {"date": "2026-11-20", "minutes": 60, "activity": "助餐",
               "category": "elderly", "source": "self", "status": "submitted", "review": review}}})
    };
    let kept = js_create(&server, &tv, &volunteer(json!({}))).await;
    assert_eq!(kept["accepted"], true, "{kept}");
    let refused = js_create(
        &server,
        &tv,
        &volunteer(json!({"by": "sup", "at": "", "note": ""})),
    )
    .await;
    assert_eq!(refused["accepted"], false, "{refused}");
    assert!(
        errors(&refused).contains("may not write `entries/e1/review/by`"),
        "{refused}"
    );

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(initial_reviews_only);
