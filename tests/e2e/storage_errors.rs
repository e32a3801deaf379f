//! Storage failures reach API clients as what they are (issue #16, "Errors lose their kind"):
//! `503` with "storage temporarily unavailable; nothing was saved, try again", never a `400`
//! that blames the request nor a `500` that blames the server, and nothing of the database's
//! own words. Once storage is back, the server serves again with nothing lost.

use std::collections::BTreeSet;

use linli_sync_core::automerge::transaction::Transactable;
use linli_sync_core::automerge::ROOT;
use serde_json::{json, Value};
use sqlx::Connection;

use crate::harness::{
    field_client, http_get, http_get_auth, http_post_json, pg_admin_url, sync_as, Backend,
    ServerProcess, TestDb,
};

const GRID: &str = "c01/s01/m01/g01";
const UNAVAILABLE: &str = "storage temporarily unavailable; nothing was saved, try again";

/// Routes that need no storage (they answer from memory), so they answer during an outage.
const NO_STORAGE: &[&str] = &["/api/deployment"];

/// One request to an `/api/` route.
struct Call {
    /// `GET`, `POST`, `PATCH`, or `FILE` (a `POST` of the CSV in `body["csv"]`).
    method: &'static str,
    /// The route as the OpenAPI document names it.
    route: &'static str,
    /// The path asked, with its parameters and query filled in.
    target: String,
    body: Option<Value>,
    token: String,
}

impl Call {
    async fn send(&self, addr: &str) -> (u16, String) {
        match (self.method, &self.body) {
            ("GET", None) => http_get_auth(addr, &self.target, &self.token).await,
            ("POST", Some(body)) => {
                http_post_json(addr, &self.target, body, Some(&self.token)).await
            }
            ("PATCH", Some(body)) => {
                crate::harness::http_patch_json(addr, &self.target, body, &self.token).await
            }
            ("FILE", Some(body)) => {
                let csv = body["csv"].as_str().unwrap_or_default();
                crate::harness::http_post_file(
                    addr,
                    &self.target,
                    "text/csv",
                    csv.as_bytes(),
                    &self.token,
                )
                .await
            }
            (method, _) => panic!("no way to send {method} {}", self.route),
        }
    }
}

/// A call of every `/api/` route, with plausible parameters and bodies: the request is valid
/// as far as the handler checks before it reaches storage (the run before the outage shows it).
/// `house` is a stored household with `visit`; `change` an automerge change (base64); tokens
/// are the admin's, the supervisor's and the worker's.
fn every_call(
    house: &str,
    visit: &str,
    change: &str,
    [admin, sup, worker]: [&str; 3],
) -> Vec<Call> {
    let call = |method, route, target: String, body: Option<Value>, token: &str| Call {
        method,
        route,
        target,
        body,
        token: token.to_owned(),
    };
    let get = |route: &'static str, target: &str, token: &str| {
        call("GET", route, target.to_owned(), None, token)
    };
    let post = |route: &'static str, target: &str, body: Value, token: &str| {
        call("POST", route, target.to_owned(), Some(body), token)
    };
    let patch = |route: &'static str, target: &str, body: Value, token: &str| {
        call("PATCH", route, target.to_owned(), Some(body), token)
    };
    vec![
        get("/api/deployment", "/api/deployment", worker),
        get("/api/me", "/api/me", worker),
        get(
            "/api/volunteers/communities",
            "/api/volunteers/communities",
            worker,
        ),
        post(
            "/api/volunteers/sign-up",
            "/api/volunteers/sign-up",
            json!({"community": "c01/s01/m01", "name": "李秀兰", "phone": "13800138000",
                "id_type": "resident_id", "id_number": "11010519491231002X", "consent": true,
                "login": "lixiulan", "password": "long-enough"}),
            worker,
        ),
        get("/api/volunteers/sign-ups", "/api/volunteers/sign-ups", sup),
        post(
            "/api/volunteers/sign-ups/{id}",
            "/api/volunteers/sign-ups/no-such-sign-up",
            json!({"decision": "approve"}),
            sup,
        ),
        get("/api/volunteers/me", "/api/volunteers/me", worker),
        get("/api/volunteers/hours", "/api/volunteers/hours", worker),
        get("/api/volunteers", "/api/volunteers?year=2026", sup),
        get("/api/volunteers/summary", "/api/volunteers/summary", sup),
        get(
            "/api/volunteers/export/registry",
            "/api/volunteers/export/registry",
            sup,
        ),
        get(
            "/api/volunteers/export/hours",
            "/api/volunteers/export/hours",
            sup,
        ),
        post(
            "/api/activities",
            "/api/activities",
            json!({"title": "助老送餐", "place": "社区食堂", "category": "elderly",
                "starts_at": "2026-12-20T01:00:00Z", "ends_at": "2026-12-20T03:00:00Z"}),
            sup,
        ),
        get("/api/activities", "/api/activities", sup),
        get("/api/activities/{id}", "/api/activities/no-such-one", sup),
        get(
            "/api/activities/{id}/key",
            "/api/activities/no-such-one/key",
            sup,
        ),
        post(
            "/api/activities/{id}/enrol",
            "/api/activities/no-such-one/enrol",
            json!({}),
            sup,
        ),
        post(
            "/api/activities/{id}/withdraw",
            "/api/activities/no-such-one/withdraw",
            json!({}),
            sup,
        ),
        post(
            "/api/activities/{id}/attendance",
            "/api/activities/no-such-one/attendance",
            json!({"check_in": "x", "check_out": "y"}),
            sup,
        ),
        post(
            "/api/activities/{id}/confirm",
            "/api/activities/no-such-one/confirm",
            json!({}),
            sup,
        ),
        get("/api/certificates", "/api/certificates", sup),
        post(
            "/api/certificates",
            "/api/certificates",
            json!({"purpose": "升学"}),
            worker,
        ),
        get(
            "/api/certificates/{id}",
            "/api/certificates/no-such-one",
            sup,
        ),
        get(
            "/api/certificates/{id}/pdf",
            "/api/certificates/no-such-one/pdf",
            sup,
        ),
        post(
            "/api/certificates/{id}/issue",
            "/api/certificates/no-such-one/issue",
            json!({}),
            sup,
        ),
        get(
            "/api/certificates/verify/{number}",
            "/api/certificates/verify/ZYFW-2026-00000000",
            worker,
        ),
        get("/api/users", "/api/users", admin),
        get("/api/devices", "/api/devices?user=w1", admin),
        get("/api/orgs/admin", "/api/orgs/admin", admin),
        post(
            "/api/users/change",
            "/api/users/change",
            json!({"name": "w1", "display_name": "王一"}),
            admin,
        ),
        post(
            "/api/users/password",
            "/api/users/password",
            json!({"name": "w1", "password": "a-new-password"}),
            admin,
        ),
        post(
            "/api/users/disable",
            "/api/users/disable",
            json!({"name": "nobody-of-that-name"}),
            admin,
        ),
        post(
            "/api/users/enable",
            "/api/users/enable",
            json!({"name": "w1"}),
            admin,
        ),
        call(
            "FILE",
            "/api/users/import",
            "/api/users/import?dry_run=true".to_owned(),
            Some(json!({"csv": "登录名,角色,单位\nnew-b,网格员,c01/s01/m01/g01\n"})),
            sup,
        ),
        call(
            "FILE",
            "/api/households/import",
            "/api/households/import?dry_run=true".to_owned(),
            Some(
                json!({"csv": "网格,地址,姓名,与户主关系\nc01/s01/m01/g01,停电路2号,钱伟,户主\n"}),
            ),
            sup,
        ),
        post(
            "/api/households/move",
            "/api/households/move",
            json!({"document_id": "4NMNnkMhL8jXrdJ9jamS58PAVdXu", "to_org": "c01/s01/m01/g02", "reason": "搬家"}),
            sup,
        ),
        post(
            "/api/login",
            "/api/login",
            json!({"name": "sup", "password": "not-this", "device_name": "phone"}),
            sup,
        ),
        post(
            "/api/refresh",
            "/api/refresh",
            json!({"refresh_token": "bm90LWEtdG9rZW4"}),
            sup,
        ),
        get("/api/emergency-access", "/api/emergency-access", sup),
        post(
            "/api/emergency-access",
            "/api/emergency-access",
            json!({"org": "c01/s02", "reason": "a resident asked for help", "hours": 1}),
            sup,
        ),
        get("/api/orgs", "/api/orgs", admin),
        post(
            "/api/orgs",
            "/api/orgs",
            json!({"path": "c01/s09", "name": "新街道"}),
            admin,
        ),
        patch(
            "/api/orgs",
            "/api/orgs",
            json!({"path": "c01/s09", "name": "新的街道"}),
            admin,
        ),
        post(
            "/api/users",
            "/api/users",
            json!({"name": "new-worker", "role": "worker", "org": GRID}),
            admin,
        ),
        post(
            "/api/devices/revoke",
            "/api/devices/revoke",
            json!({"device": "no-such-device"}),
            admin,
        ),
        get("/api/audit", "/api/audit?limit=10", admin),
        get("/api/conflicts", "/api/conflicts", sup),
        post(
            "/api/conflicts/{id}/resolve",
            "/api/conflicts/999999/resolve",
            json!({"value": 1951}),
            sup,
        ),
        post(
            "/api/conflicts/{id}/accept",
            "/api/conflicts/999999/accept",
            json!({"note": "right as it is"}),
            sup,
        ),
        get("/api/volunteer-entries", "/api/volunteer-entries", sup),
        post(
            "/api/review/entries",
            "/api/review/entries",
            json!({"items": [{"document_id": house, "entry_id": "e1"}], "status": "approved"}),
            sup,
        ),
        post(
            "/api/review/households",
            "/api/review/households",
            json!({"document_ids": [house], "status": "approved", "note": "ok"}),
            sup,
        ),
        post(
            "/api/review/visits",
            "/api/review/visits",
            json!({"items": [{"document_id": house, "visit_id": visit}], "status": "approved"}),
            sup,
        ),
        get(
            "/api/indicators",
            "/api/indicators?org=c01/s01&period=2026-Q4",
            sup,
        ),
        get("/api/communities", "/api/communities", sup),
        get("/api/directory", "/api/directory", worker),
        get(
            "/api/export/{file}",
            "/api/export/households.csv?org=c01/s01",
            sup,
        ),
        get(
            "/api/history",
            &format!("/api/history?document_id={house}&path=address"),
            sup,
        ),
        get("/api/duplicates", "/api/duplicates", sup),
        post(
            "/api/duplicates/{id}/merge",
            "/api/duplicates/999999/merge",
            json!({"keep": house}),
            sup,
        ),
        get(
            "/api/duplicates/{id}/plan",
            &format!("/api/duplicates/999999/plan?keep={house}"),
            sup,
        ),
        post(
            "/api/duplicates/{id}/dismiss",
            "/api/duplicates/999999/dismiss",
            json!({}),
            sup,
        ),
        post(
            "/api/duplicates/{id}/undo",
            "/api/duplicates/999999/undo",
            json!({}),
            sup,
        ),
        get("/api/households", "/api/households?limit=10", sup),
        get("/api/requests", "/api/requests?overdue=true", sup),
        get("/api/follow-ups", "/api/follow-ups", sup),
        get(
            "/api/records/{dataset}",
            "/api/records/households?limit=10",
            sup,
        ),
        get("/api/documents", "/api/documents", worker),
        post(
            "/api/quarantine",
            "/api/quarantine",
            json!({"document_id": house, "changes": [change]}),
            worker,
        ),
        get("/api/quarantine", "/api/quarantine", sup),
        post(
            "/api/quarantine/{id}/accept",
            "/api/quarantine/999999/accept",
            json!({"note": ""}),
            sup,
        ),
        post(
            "/api/quarantine/{id}/dismiss",
            "/api/quarantine/999999/dismiss",
            json!({"note": ""}),
            sup,
        ),
    ]
}

/// Every operation (`METHOD /path`) of the OpenAPI document the server serves.
async fn documented_routes(addr: &str) -> BTreeSet<(String, String)> {
    let (status, body) = http_get(addr, "/api/openapi.json")
        .await
        .expect("reachable");
    assert_eq!(status, 200, "{body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(routes.len() >= 30, "{routes:?}");
    routes
}

/// An automerge change, base64 (what a device hands over to quarantine).
fn some_change() -> String {
    use base64::Engine;
    let mut doc = linli_sync_core::automerge::AutoCommit::new();
    doc.put(ROOT, "note", "written offline").unwrap();
    let change = doc
        .get_changes(&[])
        .pop()
        .expect("a change")
        .raw_bytes()
        .to_vec();
    base64::engine::general_purpose::STANDARD.encode(change)
}

/// The database a test's server uses stops taking connections and loses those it has, the
/// way an operator taking it down (or a failover) does; `false` lets it back in.
async fn set_database_up(db: &TestDb, up: bool) {
    let name = db.pg_name.as_deref().expect("a PostgreSQL database");
    let mut admin = sqlx::PgConnection::connect(&pg_admin_url())
        .await
        .expect("connect to the test database");
    sqlx::query(&format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {up}"
    ))
    .execute(&mut admin)
    .await
    .expect("alter database");
    if !up {
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(name)
        .execute(&mut admin)
        .await
        .expect("terminate the server's connections");
    }
}

/// Every `/api/` route of the OpenAPI document, called with a valid token while the database
/// refuses connections, answers 503 with the storage message and nothing of the database's
/// words; once the database is back, the same server serves again and has lost nothing.
/// (`/api/openapi.json` and `/api/status` need no storage and are not in the document.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_answers_503_while_the_database_is_away() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    db.add_user("root", "admin", "c01", None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("w1", "worker", GRID, None).await;
    db.cli(
        &["org", "add", "--path", "c01/s01/m01", "--name", "幸福社区"],
        None,
    )
    .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (admin, sup, worker) = (
        db.token("root").await,
        db.token("sup").await,
        db.token("w1").await,
    );
    let mut phone = field_client(db.dir.path(), "phone").await;
    let (house, _) = phone
        .create_household(GRID, "停电路1号", Some("孙阿姨"))
        .await
        .unwrap();
    let visit = phone
        .log_visit(
            &house,
            &linli_field::NewVisit {
                purpose: "探访".into(),
                by: "w1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&worker)).await;
    let house = house.to_string();

    let routes = documented_routes(&server.addr).await;
    let calls = every_call(&house, &visit, &some_change(), [&admin, &sup, &worker]);
    let called: BTreeSet<(String, String)> = calls
        .iter()
        .map(|c| {
            let method = if c.method == "FILE" { "POST" } else { c.method };
            (method.to_owned(), c.route.to_owned())
        })
        .collect();
    assert_eq!(
        called, routes,
        "this test calls every route of the OpenAPI document (add a call for a new route)"
    );

    // With storage up, each call gets past the checks made before storage (an extractor's
    // rejection or a 400 here would mean the call below proves nothing).
    for call in &calls {
        let (status, body) = call.send(&server.addr).await;
        assert!(
            matches!(status, 200 | 401 | 403 | 404),
            "{} {} before the outage: {status} {body}",
            call.method,
            call.target
        );
    }

    set_database_up(&db, false).await;
    let mut wrong = Vec::new();
    for call in &calls {
        let (status, body) = call.send(&server.addr).await;
        if NO_STORAGE.contains(&call.route) {
            if status != 200 {
                wrong.push(format!(
                    "{} {}: {status} {body} (needs no storage)",
                    call.method, call.target
                ));
            }
            continue;
        }
        let message = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned));
        if status != 503 || message.as_deref() != Some(UNAVAILABLE) {
            wrong.push(format!("{} {}: {status} {body}", call.method, call.target));
        }
    }
    assert!(
        wrong.is_empty(),
        "while the database is away every route answers 503 \"{UNAVAILABLE}\"; these did not:\n{}",
        wrong.join("\n")
    );

    // Back: the same server serves again, and the household stored before is there.
    set_database_up(&db, true).await;
    let mut answer = (0, String::new());
    for _ in 0..50 {
        answer = http_get_auth(&server.addr, "/api/documents", &worker).await;
        if answer.0 == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(answer.0, 200, "the server serves again: {}", answer.1);
    assert!(answer.1.contains(&house), "{}", answer.1);
    let (status, body) = http_get_auth(&server.addr, "/api/households", &sup).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("停电路1号"), "{body}");
    server.stop().await;
    db.cleanup().await;
}

/// A supervisor's resolution whose commit fails in storage (PostgreSQL's `disk_full`, raised
/// by a trigger on the change log while the rest of the database works) is a 503 that says
/// nothing was saved, not a 400 telling the supervisor their choice was wrong; the item stays
/// open and the same resolution succeeds once storage works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolution_storage_cannot_keep_is_503_and_can_be_made_again() {
    let Some(db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    db.add_user("zhang", "worker", GRID, None).await;
    db.add_user("li", "worker", GRID, None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tz, tl, ts) = (
        db.token("zhang").await,
        db.token("li").await,
        db.token("sup").await,
    );

    // Two workers give one member different birth years: one review item.
    crate::review::two_birth_years(&db, &server, &tz, &tl).await;
    let (status, body) = http_get_auth(&server.addr, "/api/conflicts", &ts).await;
    assert_eq!(status, 200, "{body}");
    let items: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(items.len(), 1, "{items:#?}");
    let resolve = format!("/api/conflicts/{}/resolve", items[0]["id"]);

    // The change log's disk is full; everything else still works.
    let mut conn = sqlx::PgConnection::connect(db.url.as_deref().unwrap())
        .await
        .unwrap();
    for sql in [
        "CREATE FUNCTION linli_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' \
         USING ERRCODE = 'disk_full'; END $$",
        "CREATE TRIGGER linli_test_disk_full BEFORE INSERT ON changes \
         FOR EACH ROW EXECUTE FUNCTION linli_test_disk_full()",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    let (status, body) =
        http_post_json(&server.addr, &resolve, &json!({"value": 1951}), Some(&ts)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        UNAVAILABLE,
        "{body}"
    );
    let (_, body) = http_get_auth(&server.addr, "/api/conflicts", &ts).await;
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&body).unwrap().len(),
        1,
        "the item is still open: {body}"
    );

    // Storage works again: the same resolution is made.
    sqlx::query("DROP TRIGGER linli_test_disk_full ON changes")
        .execute(&mut conn)
        .await
        .unwrap();
    let (status, body) =
        http_post_json(&server.addr, &resolve, &json!({"value": 1951}), Some(&ts)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "resolved",
        "{body}"
    );
    conn.close().await.unwrap();
    server.stop().await;
    db.cleanup().await;
}
