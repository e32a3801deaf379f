//! A resident signs up as a volunteer of their community, its supervisor approves, and the
//! volunteer logs in with the password they chose and their volunteer number (issue #20), on
//! both databases. ID numbers are read whole only by the volunteer and the supervisors of
//! their community; everyone else sees them masked or not at all.

use serde_json::{json, Value};

use crate::harness::{http_get, http_get_auth, http_post_json, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const COMMUNITY: &str = "c01/s01/m01";
/// GB 11643-1999's sample number, and another with a valid check digit.
const ID_NUMBER: &str = "11010519491231002X";
const OTHER_ID: &str = "440524198001010013";

fn sign_up(login: &str, id_number: &str) -> Value {
    json!({
        "community": COMMUNITY,
        "name": "李秀兰",
        "phone": "138 0013 8000",
        "id_type": "resident_id",
        "id_number": id_number,
        "skills": ["助老", "理发"],
        "availability": ["weekend", "evening"],
        "consent": true,
        "login": login,
        "password": "my-own-password",
    })
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn sign_ups(server: &ServerProcess, token: &str, status: &str) -> (u16, Vec<Value>) {
    let (code, body) = http_get_auth(
        &server.addr,
        &format!("/api/volunteers/sign-ups?status={status}"),
        token,
    )
    .await;
    let list = if code == 200 {
        serde_json::from_str(&body).unwrap()
    } else {
        Vec::new()
    };
    (code, list)
}

async fn login(server: &ServerProcess, name: &str, password: &str) -> (u16, Value) {
    let (code, body) = http_post_json(
        &server.addr,
        "/api/login",
        &json!({"name": name, "password": password, "device_name": "手机"}),
        None,
    )
    .await;
    (code, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn a_resident_signs_up_and_is_approved(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    for (path, name) in [(COMMUNITY, "幸福社区"), ("c01/s02/m01", "光明社区")] {
        db.cli(&["org", "add", "--path", path, "--name", name], None)
            .await;
    }
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("far", "supervisor", "c01/s02", None).await;
    db.add_user("root", "admin", "c01", None).await;
    db.add_user("w", "worker", "c01/s01/m01/g01", None).await;
    db.add_user("old-vol", "volunteer", COMMUNITY, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (sup, far, root, w, old_vol) = (
        db.token("sup").await,
        db.token("far").await,
        db.token("root").await,
        db.token("w").await,
        db.token("old-vol").await,
    );

    // The form's communities need no login.
    let (code, body) = http_get(&server.addr, "/api/volunteers/communities")
        .await
        .unwrap();
    assert_eq!(code, 200, "{body}");
    assert!(
        json_of(&body)
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["org"] == COMMUNITY && c["name"] == "幸福社区"),
        "{body}"
    );

    // What is refused, said by field.
    let post = |body: Value| {
        let addr = server.addr.clone();
        async move { http_post_json(&addr, "/api/volunteers/sign-up", &body, None).await }
    };
    let mut mistyped = sign_up("lixiulan", "110105194912310021");
    let (code, body) = post(mistyped.clone()).await;
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("id_number"), "{body}");
    mistyped["id_number"] = json!(ID_NUMBER);
    mistyped["consent"] = json!(false);
    let (code, body) = post(mistyped).await;
    assert!(code == 400 && body.contains("consent"), "{code} {body}");
    let mut nowhere = sign_up("lixiulan", ID_NUMBER);
    nowhere["community"] = json!("c09/s09/m09");
    assert_eq!(post(nowhere).await.0, 400, "no such community");

    let (code, body) = post(sign_up("lixiulan", ID_NUMBER)).await;
    assert_eq!(code, 200, "{body}");
    let id = json_of(&body)["id"].as_str().unwrap().to_owned();
    assert_eq!(json_of(&body)["status"], "pending");
    let (code, body) = post(sign_up("someone-else", "110105 19491231 002x")).await;
    assert!(
        code == 409 && body.contains("id_number"),
        "one ID signs up once: {code} {body}"
    );
    let (code, body) = post(sign_up("lixiulan", OTHER_ID)).await;
    assert!(code == 409 && body.contains("login"), "{code} {body}");
    let (code, body) = post(sign_up("old-vol", OTHER_ID)).await;
    assert!(
        code == 409 && body.contains("login"),
        "a user's name: {code} {body}"
    );
    assert_eq!(
        login(&server, "lixiulan", "my-own-password").await.0,
        401,
        "no account before the approval"
    );

    // Who sees the sign-up, and how much of the ID number.
    let (_, listed) = sign_ups(&server, &sup, "pending").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        listed[0]["id_number"], ID_NUMBER,
        "the approving supervisor reads it whole"
    );
    assert_eq!(listed[0]["id_masked"], false);
    assert_eq!(listed[0]["phone"], "13800138000");
    assert_eq!(listed[0]["skills"], json!(["助老", "理发"]));
    let (_, listed) = sign_ups(&server, &root, "pending").await;
    assert_eq!(
        listed[0]["id_number"], "110*************2X",
        "an admin sees it masked"
    );
    assert_eq!(listed[0]["id_masked"], true);
    let (_, listed) = sign_ups(&server, &far, "pending").await;
    assert!(listed.is_empty(), "another street's supervisor: {listed:?}");
    assert_eq!(sign_ups(&server, &w, "pending").await.0, 403, "workers");
    assert_eq!(
        sign_ups(&server, &old_vol, "pending").await.0,
        403,
        "volunteers"
    );
    let decide = |token: String, body: Value| {
        let (addr, id) = (server.addr.clone(), id.clone());
        async move {
            http_post_json(
                &addr,
                &format!("/api/volunteers/sign-ups/{id}"),
                &body,
                Some(&token),
            )
            .await
        }
    };
    let approve = json!({"decision": "approve"});
    assert_eq!(decide(far.clone(), approve.clone()).await.0, 404);
    assert_eq!(
        decide(root.clone(), approve.clone()).await.0,
        403,
        "supervisors approve"
    );
    assert_eq!(decide(w.clone(), approve.clone()).await.0, 403);

    let (code, body) = decide(sup.clone(), approve.clone()).await;
    assert_eq!(code, 200, "{body}");
    let approved = json_of(&body);
    assert_eq!(approved["status"], "approved");
    let number = approved["volunteer_number"].as_str().unwrap().to_owned();
    let year = &linli_sync_core::calendar::local_date_at(
        linli_server::clock::now_ms(),
        linli_sync_core::calendar::DEFAULT_TIME_ZONE,
    )
    .unwrap()[..4];
    assert_eq!(number, format!("V{year}000001"));
    assert_eq!(
        decide(sup.clone(), approve.clone()).await.0,
        409,
        "decided already"
    );

    // The volunteer logs in with the password they chose, in their community.
    let (code, tokens) = login(&server, "lixiulan", "my-own-password").await;
    assert_eq!(code, 200, "{tokens}");
    let mine = tokens["access_token"].as_str().unwrap().to_owned();
    let (_, me) = http_get_auth(&server.addr, "/api/me", &mine).await;
    let me = json_of(&me);
    assert_eq!(
        (me["role"].as_str(), me["org"].as_str()),
        (Some("volunteer"), Some(COMMUNITY))
    );
    let (code, body) = http_get_auth(&server.addr, "/api/volunteers/me", &mine).await;
    assert_eq!(code, 200, "{body}");
    let registration = json_of(&body);
    assert_eq!(registration["volunteer_number"], number.as_str());
    assert_eq!(
        registration["id_number"], ID_NUMBER,
        "the volunteer reads their own"
    );
    assert_eq!(registration["name"], "李秀兰");
    let (code, _) = http_get_auth(&server.addr, "/api/volunteers/me", &old_vol).await;
    assert_eq!(code, 404, "made by an administrator, no sign-up");
    assert_eq!(
        http_get_auth(&server.addr, "/api/volunteers/me", &sup)
            .await
            .0,
        403
    );
    assert_eq!(sign_ups(&server, &mine, "approved").await.0, 403);
    let (_, listed) = sign_ups(&server, &sup, "approved").await;
    assert_eq!(listed[0]["volunteer_number"], number.as_str());

    // A second sign-up is turned down, with why; it never gets an account.
    let (code, body) = post(sign_up("wangfang", OTHER_ID)).await;
    assert_eq!(code, 200, "{body}");
    let other = json_of(&body)["id"].as_str().unwrap().to_owned();
    let reject = |note: &str| json!({"decision": "reject", "note": note});
    let path = format!("/api/volunteers/sign-ups/{other}");
    let (code, _) = http_post_json(&server.addr, &path, &reject(" "), Some(&sup)).await;
    assert_eq!(code, 400, "a rejection says why");
    let (code, body) =
        http_post_json(&server.addr, &path, &reject("不在本社区居住"), Some(&sup)).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(json_of(&body)["status"], "rejected");
    assert_eq!(login(&server, "wangfang", "my-own-password").await.0, 401);

    let audit = db.store().await.audit_entries().await.unwrap();
    for action in ["volunteer_sign_up", "volunteer_approve", "volunteer_reject"] {
        assert!(
            audit.iter().any(|(a, _, _)| a == action),
            "{action}: {audit:?}"
        );
    }
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(a_resident_signs_up_and_is_approved);

/// A resident ID card number with a right check digit (GB 11643-1999), born on 1 May 1980,
/// told apart by `n`.
fn id_number(n: u32) -> String {
    let body = format!("110105198005{:02}{:03}", 1 + n % 28, n);
    let check = linli_server::volunteer_signup::id_check_char(&body).unwrap();
    format!("{body}{check}")
}

/// A community's sign-up day: many residents sign up one after another (from one office's
/// address, within the per-address limit), and none is refused because others signed up
/// before them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_up_day_is_not_refused_as_too_many() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    db.cli(
        &["org", "add", "--path", COMMUNITY, "--name", "幸福社区"],
        None,
    )
    .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    for n in 0..40 {
        let (code, body) = http_post_json(
            &server.addr,
            "/api/volunteers/sign-up",
            &sign_up(&format!("resident-{n}"), &id_number(n)),
            None,
        )
        .await;
        assert_eq!(code, 200, "resident {n}: {body}");
    }
    server.stop().await;
    db.cleanup().await;
}
