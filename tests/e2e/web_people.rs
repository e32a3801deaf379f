//! People and units (issue #19) in real headless chromium against the real server with the
//! demo county (`tests/js/people.mjs`): a supervisor finds a worker of their street by name,
//! moves them to another grid, resets their password, disables and enables them, signs out
//! one of their phones and adds a worker, and is offered nothing of an administrator's; an
//! administrator adds, renames, closes and reopens a unit, finds the supervisor's actions in
//! the audit log, and imports people from a CSV (checked first, created, imported again with
//! nothing more created). Errors are said next to the form that caused them, in the current
//! language, with the server's own words as the detail. Every screen passes axe-core, has 44 px
//! targets, one h1 and no sideways scrolling, at the desk and on a 390 px phone, in Chinese and
//! English. What the browser did is then checked on the server, through its API and its store.
//! SQLite only: the screens do not depend on the database (tests/e2e/people_admin.rs runs the
//! API on both).

use serde_json::Value;

use crate::harness::{http_get_auth, Backend, ServerProcess, TestDb};
use crate::web::{browser_available, problems, run_script};

const DEMO_PASSWORD: &str = "linli-demo";
const SUPERVISOR: &str = "sup-c01-s01";
const WORKER: &str = "worker-c01-s01-m01-g01";
const ADMIN: &str = "admin";
const STREET: &str = "c01/s01";
const COMMUNITY: &str = "c01/s01/m01";
const GRID: &str = "c01/s01/m01/g01";
/// What people.mjs adds and names (its constants).
const ADDED: &str = "people-new-worker";
const ADDED_NAME: &str = "新来的网格员";
const LOST_PHONE: &str = "人员测试手机";
const NEW_UNIT: &str = "c01/s01/m01/g98";
const NEW_UNIT_RENAMED: &str = "临时网格（已改名）";
const IMPORTED: [&str; 2] = ["people-import-1", "people-import-2"];

fn args() -> Vec<&'static str> {
    vec![
        "--password",
        DEMO_PASSWORD,
        "--supervisor",
        SUPERVISOR,
        "--worker",
        WORKER,
        "--admin",
        ADMIN,
        "--community",
        COMMUNITY,
    ]
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Whether `s` holds Chinese characters (an English screen should not, but for names).
fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{3400}'..='\u{9fff}').contains(&c))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_and_units_are_administered_in_the_browser() {
    if !browser_available() {
        return;
    }
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = ServerProcess::start_with(&db, &["--demo"]).await;

    // The supervisor's turn.
    let sup = run_script(
        "people.mjs",
        "peopleSupervisor",
        &server,
        Backend::Sqlite,
        &args(),
    )
    .await;
    let worker_name = text(&sup["workerName"]).to_owned();
    assert!(
        !worker_name.is_empty() && worker_name != WORKER,
        "the demo worker has a name: {sup}"
    );
    // Nothing of an administrator's is offered, and the server refuses it anyway.
    assert_eq!(
        sup["sections"],
        serde_json::json!(["users", "signups", "certificates", "standing", "import"]),
        "{sup}"
    );
    for offered in ["units", "audit", "unitList", "auditList"] {
        assert_eq!(sup["offered"][offered], false, "{offered}: {sup}");
    }
    assert_eq!(sup["refusedByServer"]["audit"], 403, "{sup}");
    assert_eq!(sup["refusedByServer"]["unitsPatch"], 403, "{sup}");
    // The list in words: names, roles, units, never codes; a page at a time.
    assert_eq!(
        sup["listCodes"],
        serde_json::json!([]),
        "codes in the list: {sup}"
    );
    let total = sup["listTotal"].as_u64().unwrap();
    assert!(
        total > 30,
        "the demo street has more than a page of people: {sup}"
    );
    assert_eq!(
        sup["listShown"],
        format!("显示 30 人，共 {total} 人"),
        "{sup}"
    );
    let found = &sup["found"];
    assert_eq!(found["rows"], 1, "found by name: {sup}");
    assert_eq!(found["name"], worker_name.as_str(), "{sup}");
    assert_eq!(found["role"], "网格员", "{sup}");
    assert_eq!(found["state"], "在用", "{sup}");
    assert!(
        has_han(text(&found["unit"])) && !text(&found["unit"]).contains("c01"),
        "the unit by name: {sup}"
    );
    // A supervisor gives only the roles they may.
    assert_eq!(
        sup["roleOptions"],
        serde_json::json!(["worker", "volunteer"]),
        "{sup}"
    );
    assert_eq!(
        sup["roleOptionWords"],
        serde_json::json!(["网格员", "志愿者"]),
        "{sup}"
    );
    assert_eq!(
        sup["add"]["roleOptions"],
        serde_json::json!(["worker", "volunteer"]),
        "{sup}"
    );

    // Moved to another grid of the street.
    let moved = &sup["move"];
    let target = text(&moved["to"]).to_owned();
    assert_eq!(moved["from"], GRID, "{sup}");
    assert!(
        target.starts_with(&format!("{STREET}/"))
            && target.split('/').count() == 4
            && target != GRID,
        "another grid of the street: {sup}"
    );
    assert_eq!(moved["done"], "已保存", "{sup}");
    assert_eq!(moved["unitShown"], moved["toLabel"], "{sup}");
    assert_eq!(moved["onServer"], target.as_str(), "{sup}");

    // The password: too short is said next to the form in both languages; then reset, and the
    // worker logs in with the new one only.
    let password = &sup["password"];
    assert_eq!(password["shortZh"], "密码至少需要8个字符", "{sup}");
    assert_eq!(
        password["shortEn"], "A password needs at least 8 characters",
        "{sup}"
    );
    assert!(text(&password["done"]).contains("新密码已设置"), "{sup}");
    assert_eq!(password["errorAfter"], "", "the old error is gone: {sup}");
    assert_eq!(
        password["fieldAfter"], "",
        "the password is not left on screen: {sup}"
    );
    assert_eq!(password["loginOld"], 401, "{sup}");
    assert_eq!(password["loginNew"], 200, "{sup}");

    // Disabled after being asked: no login; enabled after being asked: login again.
    let disable = &sup["disable"];
    assert!(text(&disable["asked"]).contains(&worker_name), "{sup}");
    assert_eq!(disable["badge"], "已停用", "{sup}");
    assert_eq!(disable["done"], "账号已停用", "{sup}");
    assert_eq!(disable["loginStatus"], 403, "{sup}");
    assert!(text(&disable["loginSaid"]).contains("disabled"), "{sup}");
    assert_eq!(disable["onServer"], true, "{sup}");
    let enable = &sup["enable"];
    assert!(text(&enable["asked"]).contains(&worker_name), "{sup}");
    assert_eq!(enable["badge"], "在用", "{sup}");
    assert_eq!(enable["loginStatus"], 200, "{sup}");

    // The lost phone, listed by its name and signed out after being asked.
    let devices = &sup["devices"];
    let phone = text(&sup["phoneDevice"]).to_owned();
    assert_eq!(sup["phoneLogin"], 200, "{sup}");
    assert!(
        devices["listed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == LOST_PHONE),
        "{sup}"
    );
    assert!(text(&devices["asked"]).contains(LOST_PHONE), "{sup}");
    assert_eq!(devices["badge"], "已注销", "{sup}");
    assert_eq!(devices["done"], "设备已注销", "{sup}");
    assert_eq!(devices["revokedOnServer"], true, "{sup}");
    assert_eq!(
        devices["phoneRefused"], 401,
        "the phone's token is refused: {sup}"
    );

    // A worker added; the same name again is refused next to the form, in both languages,
    // with the server's words as the detail.
    let add = &sup["add"];
    assert!(text(&add["done"]).contains(ADDED_NAME), "{sup}");
    assert_eq!(add["listed"]["unit"], moved["toLabel"], "{sup}");
    assert_eq!(add["listed"]["role"], "网格员", "{sup}");
    assert_eq!(add["fieldsCleared"], true, "{sup}");
    assert_eq!(add["login"], 200, "the new worker logs in: {sup}");
    assert_eq!(add["againZh"], "这个登录名已被使用", "{sup}");
    assert_eq!(add["againEn"], "This login name is taken", "{sup}");
    assert!(text(&add["againSaidZh"]).contains("exists"), "{sup}");
    assert!(
        text(&add["againSaidEn"]).starts_with("The server said"),
        "{sup}"
    );

    assert_eq!(sup["screens"].as_array().unwrap().len(), 8, "{sup}");
    let found = problems(&sup);
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );

    // The administrator's turn, on the same server.
    let adm = run_script(
        "people.mjs",
        "peopleAdmin",
        &server,
        Backend::Sqlite,
        &args(),
    )
    .await;
    assert_eq!(
        adm["sections"],
        serde_json::json!(["users", "signups", "standing", "import", "units", "audit"]),
        "{adm}"
    );
    assert_eq!(
        adm["roleOptions"],
        serde_json::json!(["worker", "volunteer", "supervisor", "admin"]),
        "{adm}"
    );
    let units = &adm["units"];
    assert!(text(&units["added"]).contains("临时网格"), "{adm}");
    assert_eq!(units["renamed"], NEW_UNIT_RENAMED, "{adm}");
    assert_eq!(units["renamedDone"], "已改名", "{adm}");
    assert_eq!(
        units["closeBusyZh"], "这个单位或其下级单位还有在用的人员：请先调走或停用他们",
        "{adm}"
    );
    assert!(
        text(&units["closeBusySaid"]).contains("active users"),
        "{adm}"
    );
    assert_eq!(
        units["closeBusyEn"],
        "People still work in this unit or under it: move or disable them first",
        "{adm}"
    );
    assert_eq!(units["closeBusyStillOpen"], true, "{adm}");
    assert!(
        text(&units["closeAsked"]).contains(NEW_UNIT_RENAMED),
        "{adm}"
    );
    assert_eq!(units["closedBadge"], "已撤销", "{adm}");
    assert_eq!(units["closedOnServer"], true, "{adm}");
    assert_eq!(
        units["offeredWhileClosed"], false,
        "a closed unit is offered to nobody: {adm}"
    );
    assert_eq!(units["reopenedOnServer"], true, "{adm}");
    assert_eq!(units["nameOnServer"], NEW_UNIT_RENAMED, "{adm}");

    // The audit log, newest first: the supervisor's actions, by name and in words.
    let audit = &adm["audit"];
    assert_eq!(audit["newestFirst"], true, "{adm}");
    for action in ["org_add", "org_rename", "org_close", "org_reopen"] {
        assert!(
            audit["mine"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == action),
            "{action} among the administrator's own: {adm}"
        );
    }
    let by_sup = &audit["bySupervisor"];
    for (action, what, subject) in [
        ("user_change", "修改人员", worker_name.as_str()),
        ("user_password_reset", "重置密码", worker_name.as_str()),
        ("user_disable", "停用账号", worker_name.as_str()),
        ("user_enable", "启用账号", worker_name.as_str()),
        ("device_revoke", "注销设备", LOST_PHONE),
        ("user_add", "添加人员", ADDED_NAME),
    ] {
        let rows = by_sup[action].as_array().unwrap();
        assert!(!rows.is_empty(), "{action} by the supervisor: {adm}");
        for row in rows {
            assert_eq!(row["what"], what, "{action}: {adm}");
            assert!(
                has_han(text(&row["who"])) && row["who"] != SUPERVISOR,
                "the supervisor by name: {adm}"
            );
            assert_eq!(row["subject"], subject, "{action}: {adm}");
        }
    }
    let change = text(&by_sup["user_change"][0]["detail"]);
    assert!(
        change.starts_with("单位：") && change.contains('→'),
        "{change}"
    );
    assert_eq!(audit["codesShown"], serde_json::json!([]), "{adm}");

    // Bulk import: a dry run creates nothing and says which rows cannot be created and why;
    // the run creates the good rows; the same file again creates nothing more.
    let import = &adm["import"];
    assert_eq!(
        import["available"], true,
        "POST /api/users/import answered {}: {adm}",
        import["status"]
    );
    let dry = &import["dryRun"];
    assert_eq!(dry["dryRun"], true, "{adm}");
    assert_eq!(dry["rows"], 4, "{adm}");
    assert_eq!(dry["accepted"], 2, "{adm}");
    assert_eq!(dry["refused"], 2, "{adm}");
    assert_eq!(dry["created"], 0, "{adm}");
    assert_eq!(dry["acceptedNames"], serde_json::json!(IMPORTED), "{adm}");
    let refused = dry["refusedRows"].as_array().unwrap();
    assert_eq!(refused[0]["row"], 4, "{adm}");
    assert_eq!(refused[0]["name"], "people-import-3", "{adm}");
    assert_eq!(refused[1]["row"], 5, "{adm}");
    assert_eq!(refused[1]["name"], WORKER, "{adm}");
    for row in refused {
        assert!(
            has_han(text(&row["reason"])),
            "the reason in Chinese: {adm}"
        );
    }
    for reason in import["reasonsEn"].as_array().unwrap() {
        // In English, but for what the sheet said, which the server quotes (`飞行员`).
        let unquoted: String = text(reason).split('`').step_by(2).collect();
        assert!(
            !unquoted.is_empty() && !has_han(&unquoted),
            "the reason in English: {adm}"
        );
    }
    assert_eq!(dry["createButton"], "创建这 2 个人员", "{adm}");
    assert_eq!(import["createButtonEn"], "Create these 2 people", "{adm}");
    assert_eq!(
        import["summary"], "共 4 行：可以创建 2 人，不能创建 2 行",
        "{adm}"
    );
    assert_eq!(
        import["usersAfterDryRun"], 0,
        "a dry run creates nobody: {adm}"
    );
    assert_eq!(import["run"]["created"], 2, "{adm}");
    assert_eq!(import["createdText"], "已创建 2 人", "{adm}");
    let again = &import["again"];
    assert_eq!(again["accepted"], 0, "{adm}");
    assert_eq!(again["refused"], 4, "{adm}");
    assert_eq!(again["created"], 0, "{adm}");
    assert_eq!(again["nothing"], true, "{adm}");
    assert_eq!(again["createButton"], Value::Null, "{adm}");
    for name in IMPORTED {
        assert_eq!(import["usersAfter"][name], 1, "{name} once: {adm}");
    }

    assert_eq!(adm["screens"].as_array().unwrap().len(), 16, "{adm}");
    let found = problems(&adm);
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );

    // The server's state afterwards, through its API.
    let token = db.token(ADMIN).await;
    let (status, body) = http_get_auth(&server.addr, "/api/users", &token).await;
    assert_eq!(status, 200, "{body}");
    let users: Vec<Value> = serde_json::from_str(&body).unwrap();
    let one = |name: &str| {
        let found: Vec<&Value> = users.iter().filter(|u| u["name"] == name).collect();
        assert_eq!(found.len(), 1, "{name} listed once: {body}");
        found[0].clone()
    };
    let worker = one(WORKER);
    assert_eq!(worker["org"], target.as_str(), "{worker}");
    assert!(worker["disabled_at"].is_null(), "enabled again: {worker}");
    let added = one(ADDED);
    assert_eq!(added["role"], "worker", "{added}");
    assert_eq!(added["org"], target.as_str(), "{added}");
    assert_eq!(added["display_name"], ADDED_NAME, "{added}");
    assert_eq!(added["has_password"], true, "{added}");
    let first = one(IMPORTED[0]);
    assert_eq!(first["role"], "worker", "{first}");
    assert_eq!(first["org"], format!("{COMMUNITY}/g03"), "{first}");
    assert_eq!(first["display_name"], "导入的网格员", "{first}");
    assert_eq!(first["has_password"], true, "{first}");
    let second = one(IMPORTED[1]);
    assert_eq!(second["role"], "volunteer", "{second}");
    assert_eq!(second["org"], COMMUNITY, "{second}");
    assert_eq!(second["has_password"], false, "{second}");
    assert!(
        !users.iter().any(|u| u["name"] == "people-import-3"),
        "the row with an unknown role is not created: {body}"
    );
    let (status, body) =
        http_get_auth(&server.addr, &format!("/api/devices?user={WORKER}"), &token).await;
    assert_eq!(status, 200, "{body}");
    let devices: Vec<Value> = serde_json::from_str(&body).unwrap();
    let lost = devices
        .iter()
        .find(|d| d["id"] == phone.as_str())
        .unwrap_or_else(|| panic!("the lost phone is listed: {body}"));
    assert_eq!(lost["name"], LOST_PHONE, "{lost}");
    assert!(lost["revoked_at"].is_i64(), "revoked: {lost}");
    assert!(
        devices
            .iter()
            .any(|d| d["id"] != phone.as_str() && d["revoked_at"].is_null()),
        "the worker's other sign-ins stay: {body}"
    );

    // And in its store: the units, and the audit log with who did what to whom.
    let store = db.store().await;
    let unit = store.org(NEW_UNIT).await.unwrap().expect("the new unit");
    assert_eq!(unit.name, NEW_UNIT_RENAMED);
    assert!(unit.closed_at.is_none(), "reopened");
    let community = store.org(COMMUNITY).await.unwrap().expect("the community");
    assert!(community.closed_at.is_none(), "closing it was refused");
    let row = store.user(WORKER).await.unwrap().expect("the worker");
    assert_eq!(row.org, target);
    assert!(row.disabled_at.is_none());
    assert!(
        store
            .device(&phone)
            .await
            .unwrap()
            .expect("the phone")
            .revoked_at
            .is_some(),
        "the phone is revoked"
    );
    let entries = store.audit_entries().await.unwrap();
    let logged = |action: &str, actor: &str, subject: &str| {
        entries.iter().any(|(a, who, what)| {
            a == action && who.as_deref() == Some(actor) && what.as_deref() == Some(subject)
        })
    };
    for action in [
        "user_change",
        "user_password_reset",
        "user_disable",
        "user_enable",
    ] {
        assert!(
            logged(action, SUPERVISOR, WORKER),
            "{action} by {SUPERVISOR} on {WORKER}: {entries:?}"
        );
    }
    assert!(logged("user_add", SUPERVISOR, ADDED), "{entries:?}");
    assert!(logged("device_revoke", SUPERVISOR, &phone), "{entries:?}");
    for action in ["org_add", "org_rename", "org_close", "org_reopen"] {
        assert!(
            logged(action, ADMIN, NEW_UNIT),
            "{action} by {ADMIN} on {NEW_UNIT}: {entries:?}"
        );
    }
    assert!(
        !entries
            .iter()
            .any(|(a, _, what)| a == "org_close" && what.as_deref() == Some(COMMUNITY)),
        "the refused close is not logged as done: {entries:?}"
    );
    for name in IMPORTED {
        assert_eq!(
            entries
                .iter()
                .filter(|(a, who, what)| a == "user_add"
                    && who.as_deref() == Some(ADMIN)
                    && what.as_deref() == Some(name))
                .count(),
            1,
            "{name} created once: {entries:?}"
        );
    }
    assert_eq!(
        entries
            .iter()
            .filter(|(a, _, _)| a == "users_import")
            .count(),
        1,
        "one import run (the dry runs create nothing): {entries:?}"
    );
    server.stop().await;
    db.cleanup().await;
}
