//! Administration of people and units (issue #19) through the API, on both databases:
//! supervisors manage the workers of their street and nobody else; a moved worker's live
//! connection ends so the phone reconnects under the new scope; passwords are reset; a
//! disabled user cannot log in nor use a token they hold, and can again once enabled; admins
//! rename, close and reopen units; devices are listed with when they last synced. Every
//! change is in the audit log.

use serde_json::{json, Value};

use crate::harness::{http_get_auth, http_post_json, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const GRID: &str = "c01/s01/m01/g01";
const OTHER_GRID: &str = "c01/s01/m01/g02";

async fn login(server: &ServerProcess, name: &str, password: &str) -> (u16, Value) {
    let (status, body) = http_post_json(
        &server.addr,
        "/api/login",
        &json!({"name": name, "password": password, "device_name": "王芳的手机"}),
        None,
    )
    .await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn post(server: &ServerProcess, path: &str, body: Value, token: &str) -> (u16, String) {
    http_post_json(&server.addr, path, &body, Some(token)).await
}

async fn patch(server: &ServerProcess, path: &str, body: Value, token: &str) -> (u16, String) {
    crate::harness::http_patch_json(&server.addr, path, &body, token).await
}

async fn users(server: &ServerProcess, token: &str) -> Vec<Value> {
    let (status, body) = http_get_auth(&server.addr, "/api/users", token).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn find<'a>(list: &'a [Value], name: &str) -> Option<&'a Value> {
    list.iter().find(|u| u["name"] == name)
}

async fn administration_through_the_api(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("adm", "admin", "c01", None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("wang", "worker", GRID, Some("first-password"))
        .await;
    db.add_user("zhao", "worker", "c01/s02/m01/g01", None).await;
    db.add_user("sup2", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (adm, sup) = (db.token("adm").await, db.token("sup").await);

    // The supervisor lists their street's people, with devices and when they last synced.
    let (status, session) = login(&server, "wang", "first-password").await;
    assert_eq!(status, 200, "{session}");
    let access = session["access_token"].as_str().unwrap().to_owned();
    let url = format!("{}?token={access}", server.ws_url());
    let (mut live, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("wang's phone connects");
    let listed = users(&server, &sup).await;
    assert!(
        find(&listed, "zhao").is_none(),
        "another street: {listed:?}"
    );
    let wang = find(&listed, "wang").expect("wang is listed");
    assert_eq!(wang["org"], GRID);
    assert_eq!(wang["devices"], 1, "{wang}");
    assert!(wang["last_seen_at"].as_i64().is_some(), "{wang}");
    let (status, body) = http_get_auth(&server.addr, "/api/devices?user=wang", &sup).await;
    assert_eq!(status, 200, "{body}");
    let devices: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(devices.len(), 1, "{body}");
    assert_eq!(devices[0]["name"], "王芳的手机");
    let worker = db.token("wang").await;
    let (status, _) = http_get_auth(&server.addr, "/api/users", &worker).await;
    assert_eq!(status, 403, "workers do not administer");

    // Moving wang to another grid of the street ends the phone's connection at once.
    let change = |body: Value| post(&server, "/api/users/change", body, &sup);
    let (status, body) = change(json!({"name": "wang", "org": OTHER_GRID})).await;
    assert_eq!(status, 200, "{body}");
    let ended = crate::harness::ends_within(&mut live, 10).await;
    assert!(ended, "the moved worker's connection ends");
    let listed = users(&server, &sup).await;
    assert_eq!(find(&listed, "wang").unwrap()["org"], OTHER_GRID);
    // What a supervisor may not do: promote, reach another street, manage a supervisor.
    let (status, _) = change(json!({"name": "wang", "role": "supervisor"})).await;
    assert_eq!(status, 403, "a supervisor makes no supervisors");
    let (status, _) = change(json!({"name": "wang", "org": "c01/s02/m01/g01"})).await;
    assert_eq!(status, 403, "not into another street");
    let (status, _) = change(json!({"name": "zhao", "display_name": "赵"})).await;
    assert_eq!(
        status, 404,
        "another street's worker does not exist for them"
    );
    let (status, _) = change(json!({"name": "sup2", "display_name": "李"})).await;
    assert_eq!(status, 403, "a fellow supervisor");
    let (status, _) = change(json!({"name": "wang", "role": "pilot"})).await;
    assert_eq!(status, 400);
    let (status, body) = change(json!({"name": "wang", "display_name": "王芳"})).await;
    assert_eq!(status, 200, "{body}");

    // A forgotten password: reset by the supervisor; the old one stops working.
    let reset = |password: &str| {
        post(
            &server,
            "/api/users/password",
            json!({"name": "wang", "password": password}),
            &sup,
        )
    };
    assert_eq!(reset("short").await.0, 400, "too short");
    assert_eq!(reset("second-password").await.0, 200);
    assert_eq!(login(&server, "wang", "first-password").await.0, 401);
    let (status, session) = login(&server, "wang", "second-password").await;
    assert_eq!(status, 200, "{session}");

    // Disabled: no login, and the token the phone holds is refused; enabled: back.
    let held = session["access_token"].as_str().unwrap().to_owned();
    let (status, body) = post(&server, "/api/users/disable", json!({"name": "wang"}), &sup).await;
    assert_eq!(status, 200, "{body}");
    let (status, refused) = login(&server, "wang", "second-password").await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("disabled"),
        "says why: {refused}"
    );
    let (status, _) = http_get_auth(&server.addr, "/api/documents", &held).await;
    assert_eq!(status, 403, "a held token is refused");
    assert!(users(&server, &sup)
        .await
        .iter()
        .any(|u| u["name"] == "wang" && u["disabled_at"].is_i64()));
    let (status, _) = post(&server, "/api/users/disable", json!({"name": "sup"}), &sup).await;
    assert_eq!(
        status, 403,
        "a supervisor cannot disable themself (nor a fellow supervisor)"
    );
    let (status, _) = post(&server, "/api/users/enable", json!({"name": "wang"}), &sup).await;
    assert_eq!(status, 200);
    assert_eq!(login(&server, "wang", "second-password").await.0, 200);

    // Units: admins rename, close (only when nobody active works there) and reopen.
    let (status, _) = patch(
        &server,
        "/api/orgs",
        json!({"path": "c01/s01/m01", "name": "x"}),
        &sup,
    )
    .await;
    assert_eq!(status, 403, "supervisors do not change units");
    for (path, name) in [("c01/s01/m01", "安康社区"), ("c01/s01/m01/g09", "九网格")] {
        db.cli(&["org", "add", "--path", path, "--name", name], None)
            .await;
    }
    let (status, body) = patch(
        &server,
        "/api/orgs",
        json!({"path": "c01/s01/m01", "name": "幸福社区"}),
        &adm,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = patch(
        &server,
        "/api/orgs",
        json!({"path": "c01/s01/m01", "closed": true}),
        &adm,
    )
    .await;
    assert_eq!(status, 400, "wang works there: {body}");
    let (status, body) = patch(
        &server,
        "/api/orgs",
        json!({"path": "c01/s01/m01/g09", "closed": true}),
        &adm,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let unit: Value = serde_json::from_str(&body).unwrap();
    assert!(unit["closed_at"].is_i64(), "{unit}");
    let (status, body) = post(
        &server,
        "/api/users",
        json!({"name": "new-w", "role": "worker", "org": "c01/s01/m01/g09"}),
        &sup,
    )
    .await;
    assert_eq!(status, 400, "nobody is placed in a closed unit: {body}");
    let (status, _) = change(json!({"name": "wang", "org": "c01/s01/m01/g09"})).await;
    assert_eq!(status, 400, "nor moved into one");
    let (status, _) = patch(
        &server,
        "/api/orgs",
        json!({"path": "c01/s01/m01/g09", "closed": false}),
        &adm,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = post(
        &server,
        "/api/users",
        json!({"name": "new-w", "role": "worker", "org": "c01/s01/m01/g09", "password": "new-worker-pw"}),
        &sup,
    )
    .await;
    assert_eq!(
        status, 200,
        "supervisors add workers to their street: {body}"
    );
    let (status, body) = http_get_auth(&server.addr, "/api/orgs/admin", &adm).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("幸福社区"), "{body}");

    // Every change was audited, with who did it.
    let audit = db.store().await.audit_entries().await.unwrap();
    for action in [
        "user_change",
        "user_password_reset",
        "user_disable",
        "user_enable",
        "org_rename",
        "org_close",
        "org_reopen",
        "login_disabled",
    ] {
        assert!(
            audit.iter().any(|(a, _, _)| a == action),
            "{action} in {audit:?}"
        );
    }
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(administration_through_the_api);

/// The operator's commands do the same on the command line.
async fn administration_on_the_command_line(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("wang", "worker", GRID, Some("first-password"))
        .await;
    db.cli(
        &[
            "user",
            "set",
            "--name",
            "wang",
            "--org",
            OTHER_GRID,
            "--display-name",
            "王芳",
        ],
        None,
    )
    .await;
    db.cli(
        &["user", "password", "--name", "wang"],
        Some("second-password"),
    )
    .await;
    db.cli(&["user", "disable", "--name", "wang"], None).await;
    let listed = db.cli(&["user", "list", "--org", "c01"], None).await;
    assert!(
        listed.contains("wang\t王芳\tworker\tc01/s01/m01/g02\tdisabled"),
        "{listed}"
    );
    db.cli(&["user", "enable", "--name", "wang"], None).await;
    db.cli(
        &["org", "add", "--path", "c01/s01/m01", "--name", "安康社区"],
        None,
    )
    .await;
    db.cli(
        &[
            "org",
            "rename",
            "--path",
            "c01/s01/m01",
            "--name",
            "幸福社区",
        ],
        None,
    )
    .await;
    let orgs = db.cli(&["org", "list"], None).await;
    assert!(orgs.contains("c01/s01/m01\t幸福社区"), "{orgs}");
    let server = ServerProcess::start_with(&db, &[]).await;
    assert_eq!(login(&server, "wang", "second-password").await.0, 200);
    let devices = db.cli(&["device", "list", "--user", "wang"], None).await;
    assert!(devices.contains("王芳的手机"), "{devices}");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(administration_on_the_command_line);

/// A sheet of users: the dry run reports each row, accepted or refused with its reason, and
/// creates nobody; the import creates what passed; the same file again creates nothing more.
/// An XLSX with Chinese headers and role words reads the same.
async fn users_imported_from_a_sheet(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("wang", "worker", GRID, None).await;
    db.cli(
        &[
            "org",
            "add",
            "--path",
            "c01/s01/m01/g09",
            "--name",
            "九网格",
        ],
        None,
    )
    .await;
    db.cli(&["org", "close", "--path", "c01/s01/m01/g09"], None)
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let sup = db.token("sup").await;
    let csv = "\u{feff}登录名,姓名,角色,单位,初始密码\n\
               li-na,李娜,网格员,c01/s01/m01/g01,first-pass-1\n\
               zhou,周敏,volunteer,c01/s01/m01,\n\
               wang,王芳,网格员,c01/s01/m01/g01,\n\
               li-na,李娜,网格员,c01/s01/m01/g01,\n\
               boss,老板,管理员,c01/s01,\n\
               far,远,网格员,c01/s02/m01/g01,\n\
               shut,关,网格员,c01/s01/m01/g09,\n\
               short,短,网格员,c01/s01/m01/g02,abc\n\
               ,,,,\n\
               sun,孙,网格员,c01/s01/m01/g02,\n";
    let import = |dry: bool, body: Vec<u8>, kind: &'static str| {
        let path = format!("/api/users/import?dry_run={dry}");
        let (addr, sup) = (server.addr.clone(), sup.clone());
        async move {
            let (status, text) =
                crate::harness::http_post_file(&addr, &path, kind, &body, &sup).await;
            assert_eq!(status, 200, "{text}");
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let dry = import(true, csv.as_bytes().to_vec(), "text/csv").await;
    assert_eq!(dry["rows"], 9, "the blank row is left out: {dry}");
    assert_eq!(names(&dry["accepted"]), ["li-na", "zhou", "sun"], "{dry}");
    let refused: Vec<(String, u64)> = dry["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["row"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            ("wang".to_owned(), 4),
            ("li-na".to_owned(), 5),
            ("boss".to_owned(), 6),
            ("far".to_owned(), 7),
            ("shut".to_owned(), 8),
            ("short".to_owned(), 9)
        ],
        "{dry}"
    );
    let reasons = dry["refused"].to_string();
    for why in ["已存在", "重复", "无权", "已撤销", "至少"] {
        assert!(reasons.contains(why), "{why} in {reasons}");
    }
    assert_eq!(dry["created"], 0);
    assert!(
        find(&users(&server, &sup).await, "li-na").is_none(),
        "a dry run creates nobody"
    );

    let done = import(false, csv.as_bytes().to_vec(), "text/csv").await;
    assert_eq!(done["created"], 3, "{done}");
    let listed = users(&server, &sup).await;
    let li = find(&listed, "li-na").expect("created");
    assert_eq!(
        (li["role"].as_str(), li["display_name"].as_str()),
        (Some("worker"), Some("李娜"))
    );
    assert_eq!(find(&listed, "zhou").unwrap()["role"], "volunteer");
    assert_eq!(login(&server, "li-na", "first-pass-1").await.0, 200);
    let again = import(false, csv.as_bytes().to_vec(), "text/csv").await;
    assert_eq!(
        again["created"], 0,
        "the same file again creates nothing: {again}"
    );
    assert_eq!(again["accepted"], json!([]), "{again}");

    // An XLSX workbook, as Excel or WPS saves it.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["登录名", "姓名", "角色", "单位"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["qian", "钱进", "网格员", GRID].iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let xlsx = import(
        false,
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await;
    assert_eq!(xlsx["created"], 1, "{xlsx}");
    assert_eq!(
        find(&users(&server, &sup).await, "qian").unwrap()["display_name"],
        "钱进"
    );

    // Not a table, or a header without the needed columns: a clear 400.
    let (status, body) = crate::harness::http_post_file(
        &server.addr,
        "/api/users/import",
        "text/csv",
        b"\xff\xfe\x00",
        &sup,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = crate::harness::http_post_file(
        &server.addr,
        "/api/users/import",
        "text/csv",
        "姓名,电话\n王,1\n".as_bytes(),
        &sup,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("登录名"), "{body}");
    let audit = db.store().await.audit_entries().await.unwrap();
    assert!(
        audit.iter().any(|(a, _, _)| a == "users_import"),
        "{audit:?}"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(users_imported_from_a_sheet);
