//! Identity and access on the running server: the write policy with compensation, read scope,
//! and every kind of bad token.

use std::collections::BTreeMap;
use std::time::Duration;

use linli_field::FieldClient;
use linli_sync_core::automerge::{transaction::Transactable, ReadDoc, ROOT};
use linli_sync_core::contract::{Household, Member, SCHEMA_VERSION};
use linli_sync_core::DocumentId;
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::harness::{field_client, http_post_json, js, sync_as, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const COMMUNITY: &str = "c01/s01/m01";

async fn sync_report(
    client: &mut FieldClient,
    server: &ServerProcess,
    token: &str,
) -> linli_field::SyncReport {
    client
        .sync_with(&server.ws_url(), Some(token), Duration::from_secs(30))
        .await
        .expect("sync round")
}

fn household(org: &str, address: &str) -> Household {
    Household {
        kind: "household".into(),
        schema: SCHEMA_VERSION,
        org: org.into(),
        address: address.into(),
        members: BTreeMap::from([(
            "m1".to_string(),
            Member {
                name: "陈一".into(),
                relation: "head".into(),
                birth_year: Some(1948),
                ..Member::default()
            },
        )]),
        ..Household::default()
    }
}

/// A volunteer approves their own hours: the approval is quarantined and undone everywhere,
/// and the same device then logs more hours, which are accepted.
async fn refused_self_approval_is_undone_and_the_device_keeps_working(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol-a", "volunteer", COMMUNITY, None).await;
    db.add_user("sup-a", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let vol_token = db.token("vol-a").await;
    let sup_token = db.token("sup-a").await;

    let mut vol = field_client(db.dir.path(), "vol").await;
    let id = vol
        .create_volunteer(COMMUNITY, "vol-a", "吴十")
        .await
        .unwrap();
    let entry = vol
        .log_hours(&id, "2026-11-20", 120, "助老送餐", "elderly")
        .await
        .unwrap();
    sync_as(&mut vol, &server, Some(&vol_token)).await;

    // Offline, the volunteer marks the entry approved.
    let e = entry.clone();
    vol.change(&id, move |tx| {
        let entries = tx.get(ROOT, "entries")?.expect("entries").1;
        let obj = tx.get(&entries, e.as_str())?.expect("entry").1;
        tx.put(&obj, "status", "approved")?;
        Ok(())
    })
    .await
    .unwrap();
    let report = sync_report(&mut vol, &server, &vol_token).await;
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("refused and undone") && e.contains("entries/")),
        "the device is told why: {report:?}"
    );

    // The supervisor, and the server, never see it approved.
    let mut sup = field_client(db.dir.path(), "sup").await;
    sup.pull(id);
    sync_as(&mut sup, &server, Some(&sup_token)).await;
    assert_eq!(
        sup.show(&id).unwrap()["entries"][&entry]["status"],
        "submitted"
    );

    // The volunteer's device converges on the undone state and keeps working.
    sync_as(&mut vol, &server, Some(&vol_token)).await;
    assert_eq!(
        vol.show(&id).unwrap()["entries"][&entry]["status"],
        "submitted"
    );
    let more = vol
        .log_hours(&id, "2026-11-21", 60, "陪护就医", "elderly")
        .await
        .unwrap();
    let report = sync_as(&mut vol, &server, Some(&vol_token)).await;
    assert!(report.errors.is_empty(), "{report:?}");
    sync_as(&mut sup, &server, Some(&sup_token)).await;
    assert_eq!(sup.show(&id).unwrap()["entries"][&more]["minutes"], 60);
    assert_eq!(sup.show(&id).unwrap(), vol.show(&id).unwrap());

    let items = db.store().await.quarantined().await.unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].user.as_deref(), Some("vol-a"));
    assert!(
        items[0].reason.contains("may not write"),
        "{}",
        items[0].reason
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(refused_self_approval_is_undone_and_the_device_keeps_working);

/// Syncs a document its creator may not create: the creator is told `why`, and `other`, who
/// could read such a document, finds it does not exist.
async fn refused_and_unseen(
    creator: &mut FieldClient,
    creator_token: &str,
    doc: DocumentId,
    why: &str,
    other: &mut FieldClient,
    other_token: &str,
    server: &ServerProcess,
) {
    let report = sync_report(creator, server, creator_token).await;
    assert!(report.errors.iter().any(|e| e.contains(why)), "{report:?}");
    other.pull(doc);
    let report = sync_report(other, server, other_token).await;
    assert_eq!(report.unavailable, vec![doc.to_string()]);
}

/// Volunteers see only their own document; workers only their grid, for reads and writes.
async fn read_and_write_scope_is_enforced(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol-a", "volunteer", COMMUNITY, None).await;
    db.add_user("vol-b", "volunteer", COMMUNITY, None).await;
    db.add_user("worker-a", "worker", "c01/s01/m01/g01", None)
        .await;
    db.add_user("worker-b", "worker", "c01/s01/m01/g02", None)
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (ta, tb) = (db.token("vol-a").await, db.token("vol-b").await);
    let (wa, wb) = (db.token("worker-a").await, db.token("worker-b").await);

    let mut vb = field_client(db.dir.path(), "vb").await;
    let vb_doc = vb
        .create_volunteer(COMMUNITY, "vol-b", "郑十一")
        .await
        .unwrap();
    sync_as(&mut vb, &server, Some(&tb)).await;
    let mut worker_a = field_client(db.dir.path(), "wa").await;
    let house_a = worker_a
        .create(&household("c01/s01/m01/g01", "1号"))
        .await
        .unwrap();
    sync_as(&mut worker_a, &server, Some(&wa)).await;
    let mut worker_b = field_client(db.dir.path(), "wb").await;
    let house_b = worker_b
        .create(&household("c01/s01/m01/g02", "2号"))
        .await
        .unwrap();
    sync_as(&mut worker_b, &server, Some(&wb)).await;

    // A volunteer reads no other volunteer's document and no household.
    let mut va = field_client(db.dir.path(), "va").await;
    va.pull(vb_doc);
    va.pull(house_a);
    let report = sync_report(&mut va, &server, &ta).await;
    assert_eq!(report.unavailable.len(), 2, "{report:?}");
    assert!(va.document(&vb_doc).is_none() && va.document(&house_a).is_none());

    // A worker reads nothing of another grid...
    worker_a.pull(house_b);
    let report = sync_report(&mut worker_a, &server, &wa).await;
    assert_eq!(report.unavailable, vec![house_b.to_string()]);
    // ...and cannot create in it.
    let intruder = worker_a
        .create(&household("c01/s01/m01/g02", "3号"))
        .await
        .unwrap();
    refused_and_unseen(
        &mut worker_a,
        &wa,
        intruder,
        "outside your scope",
        &mut worker_b,
        &wb,
        &server,
    )
    .await;

    // A volunteer cannot register a document for someone else.
    let forged = va
        .create_volunteer(COMMUNITY, "vol-b", "冒名")
        .await
        .unwrap();
    refused_and_unseen(
        &mut va,
        &ta,
        forged,
        "belong to its creator",
        &mut vb,
        &tb,
        &server,
    )
    .await;

    // A worker's write to a field only supervisors may write is undone.
    worker_a
        .change(&house_a, |tx| {
            let review = tx.put_object(ROOT, "review", linli_sync_core::automerge::ObjType::Map)?;
            tx.put(&review, "status", "approved")?;
            Ok(())
        })
        .await
        .unwrap();
    let report = sync_report(&mut worker_a, &server, &wa).await;
    assert!(
        report.errors.iter().any(|e| e.contains("`review`")),
        "{report:?}"
    );
    // (The refused intruder document is offered again on every sync and refused again.)
    let report = sync_report(&mut worker_a, &server, &wa).await;
    assert!(
        report
            .errors
            .iter()
            .all(|e| e.contains(&intruder.to_string())),
        "{report:?}"
    );
    assert!(
        worker_a.show(&house_a).unwrap()["review"].is_null(),
        "the review was undone"
    );

    assert_eq!(db.store().await.document_count().await.unwrap(), 3);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(read_and_write_scope_is_enforced);

async fn refused_status(server: &ServerProcess, token: &str) -> u16 {
    let url = format!("{}?token={token}", server.ws_url());
    match tokio_tungstenite::connect_async(url).await {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Ok(_) => 101,
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// Forged, `alg: none`, expired and revoked tokens are all refused before the upgrade.
async fn bad_tokens_are_refused(backend: Backend) {
    use base64::Engine;
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w", "worker", "c01/s01/m01/g01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let good = db.token("w").await;
    assert_eq!(
        refused_status(&server, &good).await,
        101,
        "a good token is accepted"
    );

    let claims = |exp: i64| linli_server::auth::Claims {
        sub: "w".into(),
        role: "admin".into(),
        org: "c01".into(),
        device: "dev-x".into(),
        exp,
        iat: 0,
        jti: "x".into(),
    };
    let later = linli_server::clock::now_ms() / 1000 + 3600;
    let forged =
        linli_server::auth::Keys::from_secret(b"not the server's key").sign(&claims(later));
    assert_eq!(refused_status(&server, &forged).await, 401, "forged");

    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(serde_json::to_vec(&claims(later)).unwrap())
    );
    assert_eq!(refused_status(&server, &none).await, 401, "alg none");

    let store = db.store().await;
    let keys = linli_server::auth::Keys::for_deployment(&store, db.dir.path(), None)
        .await
        .unwrap();
    let device = good_device(&keys, &good);
    let mut expired = claims(linli_server::clock::now_ms() / 1000 - 10);
    expired.device = device.clone();
    expired.role = "worker".into();
    assert_eq!(
        refused_status(&server, &keys.sign(&expired)).await,
        401,
        "expired"
    );
    assert_eq!(refused_status(&server, "garbage").await, 401, "garbage");

    db.cli(&["device", "revoke", "--device", &device], None)
        .await;
    assert_eq!(refused_status(&server, &good).await, 401, "revoked device");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(bad_tokens_are_refused);

fn good_device(keys: &linli_server::auth::Keys, token: &str) -> String {
    keys.verify(token).unwrap().device
}

/// A refresh token presented twice revokes its device, and the device's live connection ends.
async fn reused_refresh_token_revokes_the_device(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol-r", "volunteer", COMMUNITY, Some("密码-secret"))
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (status, _) = http_post_json(
        &server.addr,
        "/api/login",
        &serde_json::json!({"name": "vol-r", "password": "wrong", "device_name": "phone"}),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = http_post_json(
        &server.addr,
        "/api/login",
        &serde_json::json!({"name": "vol-r", "password": "密码-secret", "device_name": "phone"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let first: serde_json::Value = serde_json::from_str(&body).unwrap();
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let (status, body) = http_post_json(
        &server.addr,
        "/api/refresh",
        &serde_json::json!({"refresh_token": r1}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let second: serde_json::Value = serde_json::from_str(&body).unwrap();
    let access2 = second["access_token"].as_str().unwrap().to_string();

    let url = format!("{}?token={access2}", server.ws_url());
    let (mut live, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connects before the reuse");

    let (status, _) = http_post_json(
        &server.addr,
        "/api/refresh",
        &serde_json::json!({"refresh_token": r1}),
        None,
    )
    .await;
    assert_eq!(status, 401, "a used refresh token is refused");
    assert_eq!(
        refused_status(&server, &access2).await,
        401,
        "the device is revoked"
    );
    let ended = crate::harness::ends_within(&mut live, 10).await;
    assert!(ended, "the revoked device's connection ends");
    let r2 = second["refresh_token"].as_str().unwrap();
    let (status, _) = http_post_json(
        &server.addr,
        "/api/refresh",
        &serde_json::json!({"refresh_token": r2}),
        None,
    )
    .await;
    assert_eq!(status, 401, "nothing of the revoked device works any more");

    let actions: Vec<String> = db
        .store()
        .await
        .audit_entries()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.0)
        .collect();
    for expected in [
        "user_add",
        "login_failed",
        "login",
        "token_refresh",
        "refresh_reuse_revoked_device",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} missing from {actions:?}"
        );
    }
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(reused_refresh_token_revokes_the_device);

/// The stock JS client authenticates with `?token=` and syncs within its scope only.
async fn javascript_client_syncs_with_a_token_within_its_scope(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol-js", "volunteer", COMMUNITY, None).await;
    db.add_user("vol-other", "volunteer", COMMUNITY, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let token = db.token("vol-js").await;
    let url = format!("{}?token={token}", server.ws_url());
    let created = js(&[
        "create", "--server", &url, "--user", "vol-js", "--org", COMMUNITY,
    ])
    .await;
    assert_eq!(created["doc"]["user"], "vol-js");

    let other_token = db.token("vol-other").await;
    let mut other = field_client(db.dir.path(), "other").await;
    let other_doc = other
        .create_volunteer(COMMUNITY, "vol-other", "他人")
        .await
        .unwrap();
    sync_as(&mut other, &server, Some(&other_token)).await;
    let shown = js(&["show", "--server", &url, "--url", &other_doc.url()]).await;
    assert_eq!(
        shown["unavailable"], true,
        "another volunteer's document is not served"
    );

    let own = DocumentId::parse(created["url"].as_str().unwrap()).unwrap();
    let shown = js(&["show", "--server", &url, "--url", &own.url()]).await;
    assert_eq!(shown["doc"]["user"], "vol-js");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(javascript_client_syncs_with_a_token_within_its_scope);

/// The stock JS client keeps working after the server undoes its self-approval.
async fn javascript_client_keeps_working_after_a_refusal(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol-js", "volunteer", COMMUNITY, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let url = format!("{}?token={}", server.ws_url(), db.token("vol-js").await);
    let out = js(&[
        "self-approve",
        "--server",
        &url,
        "--user",
        "vol-js",
        "--org",
        COMMUNITY,
    ])
    .await;
    let errors = out["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("refused and undone")),
        "the JS device was told why: {out}"
    );
    assert_eq!(out["doc"]["entries"]["first"]["status"], "submitted");
    assert_eq!(out["doc"]["entries"]["later"]["minutes"], 30);
    let items = db.store().await.quarantined().await.unwrap();
    assert_eq!(items.len(), 1);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(javascript_client_keeps_working_after_a_refusal);

/// A supervisor breaks the glass to read outside their street; it is audited.
#[tokio::test]
async fn emergency_access_grants_temporary_read_and_is_audited() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    db.add_user("worker-s2", "worker", "c01/s02/m01/g01", None)
        .await;
    db.add_user("sup-s1", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let mut worker = field_client(db.dir.path(), "w").await;
    let house = worker
        .create(&household("c01/s02/m01/g01", "李家村 5号"))
        .await
        .unwrap();
    sync_as(&mut worker, &server, Some(&db.token("worker-s2").await)).await;

    let sup_token = db.token("sup-s1").await;
    let mut sup = field_client(db.dir.path(), "s").await;
    sup.pull(house);
    let report = sync_report(&mut sup, &server, &sup_token).await;
    assert_eq!(report.unavailable, vec![house.to_string()]);

    let (status, _) = http_post_json(
        &server.addr,
        "/api/emergency-access",
        &serde_json::json!({"org": "c01/s02", "reason": "", "hours": 2}),
        Some(&sup_token),
    )
    .await;
    assert_eq!(status, 400, "a reason is required");
    let (status, body) = http_post_json(
        &server.addr,
        "/api/emergency-access",
        &serde_json::json!({"org": "c01/s02", "reason": "独居老人失联，紧急核查", "hours": 2}),
        Some(&sup_token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    sup.pull(house);
    sync_as(&mut sup, &server, Some(&sup_token)).await;
    assert_eq!(sup.show(&house).unwrap()["address"], "李家村 5号");
    let audit = db.store().await.audit_entries().await.unwrap();
    assert!(audit.iter().any(|(a, who, what)| a == "emergency_access"
        && who.as_deref() == Some("sup-s1")
        && what.as_deref() == Some("c01/s02")));
    server.stop().await;
}

/// A token that expires during a long connection ends it cleanly, with a reason.
#[tokio::test]
async fn token_expiry_ends_the_connection() {
    use futures_util::StreamExt;
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    db.add_user("w", "worker", "c01/s01/m01/g01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let token = db.cli(&["token", "--user", "w", "--ttl", "2s"], None).await;
    let url = format!("{}?token={token}", server.ws_url());
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("valid for now");
    let mut reason = None;
    let ended = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(Ok(msg)) = ws.next().await {
            match msg {
                tokio_tungstenite::tungstenite::Message::Binary(bytes) => {
                    if let Ok(linli_sync_core::wire::Message::Error { message, .. }) =
                        linli_sync_core::wire::decode(&bytes)
                    {
                        reason = Some(message);
                    }
                }
                tokio_tungstenite::tungstenite::Message::Close(_) => break,
                _ => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the connection ended");
    assert!(reason.unwrap_or_default().contains("expired"));
    server.stop().await;
}

/// Password guessing is slowed: after ten attempts a minute for one user, logins answer 429.
#[tokio::test]
async fn login_attempts_are_rate_limited() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    db.add_user("target", "worker", "c01/s01/m01/g01", Some("right"))
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let attempt = |password: &'static str| {
        let addr = server.addr.clone();
        async move {
            http_post_json(
                &addr,
                "/api/login",
                &serde_json::json!({"name": "target", "password": password, "device_name": "x"}),
                None,
            )
            .await
            .0
        }
    };
    for _ in 0..10 {
        assert_eq!(attempt("guess").await, 401);
    }
    assert_eq!(attempt("guess").await, 429);
    assert_eq!(attempt("right").await, 429, "even the right password waits");
    let audit = db.store().await.audit_entries().await.unwrap();
    assert_eq!(audit.iter().filter(|a| a.0 == "login_failed").count(), 10);
    assert!(audit.iter().any(|a| a.0 == "login_rate_limited"));
    server.stop().await;
}

/// Admins manage org units and users over the API; others may only revoke their own devices.
async fn admin_api_manages_orgs_users_and_devices(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("root", "admin", "c01", None).await;
    db.add_user("w1", "worker", "c01/s01/m01/g01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let admin = db.token("root").await;
    let worker = db.token("w1").await;
    let post = |path: &'static str, body: serde_json::Value, token: String| {
        let addr = server.addr.clone();
        async move { http_post_json(&addr, path, &body, Some(&token)).await }
    };

    let org = serde_json::json!({"path": "c01/s03", "name": "新华街道"});
    assert_eq!(post("/api/orgs", org.clone(), worker.clone()).await.0, 403);
    assert_eq!(post("/api/orgs", org, admin.clone()).await.0, 200);
    let (status, body) = crate::harness::http_get_auth(&server.addr, "/api/orgs", &worker).await;
    assert_eq!(status, 200);
    assert!(body.contains("新华街道"), "{body}");

    let user = serde_json::json!({"name": "li", "role": "worker", "org": "c01/s03/m01/g01", "password": "pw-李"});
    assert_eq!(
        post("/api/users", user.clone(), worker.clone()).await.0,
        403
    );
    assert_eq!(post("/api/users", user.clone(), admin.clone()).await.0, 200);
    assert_eq!(
        post("/api/users", user, admin.clone()).await.0,
        400,
        "names are unique"
    );
    let bad = serde_json::json!({"name": "x", "role": "emperor", "org": "c01"});
    assert_eq!(post("/api/users", bad, admin.clone()).await.0, 400);
    // A county's admin manages that county only: no units or admins in another.
    let elsewhere = serde_json::json!({"path": "c02/s01", "name": "别县街道"});
    assert_eq!(post("/api/orgs", elsewhere, admin.clone()).await.0, 403);
    let foreign_admin =
        serde_json::json!({"name": "boss", "role": "admin", "org": "c02", "password": "pw"});
    assert_eq!(
        post("/api/users", foreign_admin, admin.clone()).await.0,
        403
    );

    let (status, body) = http_post_json(
        &server.addr,
        "/api/login",
        &serde_json::json!({"name": "li", "password": "pw-李", "device_name": "手机"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let login: serde_json::Value = serde_json::from_str(&body).unwrap();
    let li_token = login["access_token"].as_str().unwrap().to_string();
    let li_device = login["device"].as_str().unwrap().to_string();

    let revoke = serde_json::json!({"device": li_device});
    assert_eq!(
        post("/api/devices/revoke", revoke.clone(), worker.clone())
            .await
            .0,
        403,
        "not your device"
    );
    assert_eq!(
        post("/api/devices/revoke", revoke, li_token.clone())
            .await
            .0,
        200,
        "your own lost phone"
    );
    assert_eq!(refused_status(&server, &li_token).await, 401);

    let actions: Vec<(String, Option<String>)> = db
        .store()
        .await
        .audit_entries()
        .await
        .unwrap()
        .into_iter()
        .map(|(a, who, _)| (a, who))
        .collect();
    assert!(actions.contains(&("org_add".into(), Some("root".into()))));
    assert!(actions.contains(&("user_add".into(), Some("root".into()))));
    assert!(actions.contains(&("device_revoke".into(), Some("li".into()))));
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(admin_api_manages_orgs_users_and_devices);
