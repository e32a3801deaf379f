//! Emergency access reads and never writes. A supervisor of c01/s01 obtained emergency access
//! to the whole county, then on `/sync` approved another street's volunteer entry and a
//! household review there: stored, no error, and the audit log showed only the grant. Now every
//! write through a grant is refused and undone, every document read through it is audited, the
//! grant is bounded (8 h), and the other unit's supervisors see it.

use serde_json::json;

use crate::harness::{http_post_json, Backend, ServerProcess, TestDb};
use crate::on_both_backends;
use crate::records::{errors, get_json, js_create, js_edit};

async fn emergency_access_is_read_only_and_audited(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("sup1", "supervisor", "c01/s01", None).await;
    db.add_user("sup2", "supervisor", "c01/s02", None).await;
    db.add_user("vol2", "volunteer", "c01/s02/m01", None).await;
    db.add_user("w2", "worker", "c01/s02/m01/g01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (t1, t2) = (db.token("sup1").await, db.token("sup2").await);

    let vol = js_create(
        &server,
        &db.token("vol2").await,
        &json!({"kind": "volunteer", "schema": 1, "org": "c01/s02/m01", "user": "vol2", "name": "赵六",
                "skills": [], "entries": {"e1": {"date": crate::records::day(0), "minutes": 60,
                "activity": "助餐", "category": "elderly", "source": "self", "status": "submitted"}}}),
    )
    .await;
    assert_eq!(vol["accepted"], true, "{vol}");
    let house = js_create(
        &server,
        &db.token("w2").await,
        &json!({"kind": "household", "schema": 1, "org": "c01/s02/m01/g01", "address": "和平路 3号",
                "tags": {}, "members": {}, "visits": []}),
    )
    .await;
    assert_eq!(house["accepted"], true, "{house}");

    // Emergency access to the whole county, asked for far too long: 8 hours at the most.
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let (status, body) = http_post_json(
        &server.addr,
        "/api/emergency-access",
        &json!({"org": "c01", "reason": "寻找走失老人", "hours": 9999}),
        Some(&t1),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let grant: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        grant["expires_at_ms"].as_i64().unwrap() <= started + 8 * 3_600_000 + 60_000,
        "{grant}"
    );

    // Through the grant, sup1 approves the entry and signs off the household: both undone.
    let url = vol["url"].as_str().unwrap();
    let out = js_edit(
        &server,
        &t1,
        url,
        &json!({"entries/e1/status": "approved",
                "entries/e1/review": {"by": "sup1", "at": "2026-12-01T10:00:00Z", "note": "已核实"}}),
    )
    .await;
    assert!(errors(&out).contains("read-only"), "{out}");
    assert_eq!(out["doc"]["entries"]["e1"]["status"], "submitted", "{out}");
    let out = js_edit(
        &server,
        &t1,
        house["url"].as_str().unwrap(),
        &json!({"review": {"status": "approved", "note": "", "by": "sup1", "at": "2026-12-01T10:00:00Z"}}),
    )
    .await;
    assert!(errors(&out).contains("read-only"), "{out}");
    assert!(out["doc"]["review"].is_null(), "{out}");
    let waiting = get_json(&server, "/api/volunteer-entries?status=submitted", &t2).await;
    assert_eq!(
        waiting.as_array().unwrap().len(),
        1,
        "still waiting: {waiting}"
    );

    // Every document read through the grant is in the audit log.
    let audit = db.store().await.audit_entries().await.unwrap();
    for doc in [&vol["documentId"], &house["documentId"]] {
        assert!(
            audit
                .iter()
                .any(|(action, by, subject)| action == "emergency_read"
                    && by.as_deref() == Some("sup1")
                    && subject.as_deref() == doc.as_str()),
            "{doc} read: {audit:?}"
        );
    }

    // The other street's supervisor sees who may read their records, and why.
    let grants = get_json(&server, "/api/emergency-access", &t2).await;
    assert_eq!(grants[0]["user"], "sup1", "{grants}");
    assert_eq!(grants[0]["org"], "c01");
    assert_eq!(grants[0]["reason"], "寻找走失老人");

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(emergency_access_is_read_only_and_audited);
