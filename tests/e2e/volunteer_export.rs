//! The exports for the national volunteer system (issue #20): the registry of volunteers and
//! their approved hours per day and activity, in the documented columns, as CSV and XLSX.
//! ID numbers are whole for the community's supervisor and masked for an admin; another
//! community's supervisor sees none of them; workers and volunteers may not export. On both
//! databases.

use serde_json::{json, Value};

use crate::harness::{
    field_client, get_json, http_get_with_head, post_json, sync_as, Backend, ServerProcess, TestDb,
};
use crate::on_both_backends;

const COMMUNITY: &str = "c01/s01/m01";
const NEIGHBOUR: &str = "c01/s01/m02";
const ID_NUMBER: &str = "11010519491231002X";
const PASSPORT: &str = "E12345678";

/// The registry's columns as docs/volunteers.md documents them.
const REGISTRY_HEADERS: [&str; 9] = [
    "姓名",
    "证件类型",
    "证件号码",
    "手机号码",
    "志愿者编号",
    "服务技能",
    "服务时间",
    "所属社区",
    "注册日期",
];

/// The hours' columns as docs/volunteers.md documents them.
const HOURS_HEADERS: [&str; 9] = [
    "姓名",
    "证件类型",
    "证件号码",
    "志愿者编号",
    "服务日期",
    "服务内容",
    "服务类别",
    "服务时长（小时）",
    "记录单位",
];

/// A CSV export's rows (header first); it starts with a byte-order mark.
fn csv_rows(body: &[u8]) -> Vec<Vec<String>> {
    let text = body
        .strip_prefix(&[0xEF, 0xBB, 0xBF])
        .unwrap_or_else(|| panic!("a byte-order mark: {:?}", String::from_utf8_lossy(body)));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text);
    reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

/// An XLSX sheet's rows, dates as `YYYY-MM-DD`, numbers as Rust prints them.
fn xlsx_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Data, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a valid XLSX");
    let range = book.worksheet_range(sheet).expect("the sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    Data::DateTime(d) => {
                        // Excel's day 25569 is 1970-01-01.
                        linli_sync_core::calendar::date_from_days(d.as_f64() as i64 - 25_569)
                    }
                    Data::Empty => String::new(),
                    other => format!("unexpected {other:?}"),
                })
                .collect()
        })
        .collect()
}

/// GETs a file; returns its header lines and body (asserting 200).
async fn file(server: &ServerProcess, path: &str, token: &str) -> (String, Vec<u8>) {
    let (code, head, body) = http_get_with_head(&server.addr, path, token).await;
    assert_eq!(
        code,
        200,
        "{path}: {head} {}",
        String::from_utf8_lossy(&body)
    );
    (head.to_lowercase(), body)
}

/// Signs a resident up and has `sup` approve them; returns their volunteer number and token.
async fn registered(server: &ServerProcess, sign_up: Value, sup: &str) -> (String, String) {
    let (login, password) = (sign_up["login"].clone(), sign_up["password"].clone());
    let (code, signed) = post_json(server, "/api/volunteers/sign-up", sign_up, None).await;
    assert_eq!(code, 200, "{signed}");
    let path = format!(
        "/api/volunteers/sign-ups/{}",
        signed["id"].as_str().unwrap()
    );
    let (code, approved) =
        post_json(server, &path, json!({"decision": "approve"}), Some(sup)).await;
    assert_eq!(code, 200, "{approved}");
    let (code, tokens) = post_json(
        server,
        "/api/login",
        json!({"name": login, "password": password, "device_name": "手机"}),
        None,
    )
    .await;
    assert_eq!(code, 200, "{tokens}");
    (
        approved["volunteer_number"].as_str().unwrap().to_owned(),
        tokens["access_token"].as_str().unwrap().to_owned(),
    )
}

async fn volunteers_and_hours_export_in_the_import_columns(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    for (path, name) in [(COMMUNITY, "幸福社区"), (NEIGHBOUR, "和谐社区")] {
        db.cli(&["org", "add", "--path", path, "--name", name], None)
            .await;
    }
    db.add_user("sup", "supervisor", COMMUNITY, None).await;
    db.add_user("near", "supervisor", NEIGHBOUR, None).await;
    db.add_user("root", "admin", "c01", None).await;
    db.add_user("w", "worker", "c01/s01/m01/g01", None).await;
    db.add_user("old-vol", "volunteer", COMMUNITY, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (sup, near, root, worker, old_vol) = (
        db.token("sup").await,
        db.token("near").await,
        db.token("root").await,
        db.token("w").await,
        db.token("old-vol").await,
    );

    // Two residents sign up and are approved.
    let (number_li, li) = registered(
        &server,
        json!({"community": COMMUNITY, "name": "李秀兰", "phone": "13800138000",
            "id_type": "resident_id", "id_number": ID_NUMBER, "skills": ["助老", "理发"],
            "availability": ["weekend", "evening"], "consent": true,
            "login": "lixiulan", "password": "my-own-password"}),
        &sup,
    )
    .await;
    let (number_wang, wang) = registered(
        &server,
        json!({"community": COMMUNITY, "name": "王芳", "phone": "13900139000",
            "id_type": "passport", "id_number": PASSPORT, "availability": ["any"],
            "consent": true, "login": "wangfang", "password": "her-own-password"}),
        &sup,
    )
    .await;

    // Their service. Li: two entries of one activity on 1 March (summed), another activity
    // that day, one in April; one only submitted and one before the period do not count.
    // Wang: 45 minutes. A volunteer made without a sign-up has no ID on record: left out.
    let mut approve = Vec::new();
    let mut phone = field_client(db.dir.path(), "li").await;
    let doc = phone
        .create_volunteer(COMMUNITY, "lixiulan", "李秀兰")
        .await
        .unwrap();
    for (date, minutes, what, category) in [
        ("2025-03-01", 90, "助老送餐", "elderly"),
        ("2025-03-01", 30, "助老送餐", "elderly"),
        ("2025-03-01", 60, "社区义诊", "other"),
        ("2025-04-02", 150, "助老送餐", "elderly"),
        ("2024-12-31", 60, "助老送餐", "elderly"),
    ] {
        let id = phone
            .log_hours(&doc, date, minutes, what, category)
            .await
            .unwrap();
        approve.push(json!({"document_id": doc.to_string(), "entry_id": id}));
    }
    phone
        .log_hours(&doc, "2025-05-01", 240, "未审核", "elderly")
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&li)).await;
    let mut phone = field_client(db.dir.path(), "wang").await;
    let doc = phone
        .create_volunteer(COMMUNITY, "wangfang", "王芳")
        .await
        .unwrap();
    let id = phone
        .log_hours(&doc, "2025-06-01", 45, "理发", "elderly")
        .await
        .unwrap();
    approve.push(json!({"document_id": doc.to_string(), "entry_id": id}));
    sync_as(&mut phone, &server, Some(&wang)).await;
    let mut phone = field_client(db.dir.path(), "old").await;
    let doc = phone
        .create_volunteer(COMMUNITY, "old-vol", "赵强")
        .await
        .unwrap();
    let id = phone
        .log_hours(&doc, "2025-06-01", 60, "巡逻", "safety")
        .await
        .unwrap();
    approve.push(json!({"document_id": doc.to_string(), "entry_id": id}));
    sync_as(&mut phone, &server, Some(&old_vol)).await;
    let (code, body) = post_json(
        &server,
        "/api/review/entries",
        json!({"items": approve, "status": "approved"}),
        Some(&sup),
    )
    .await;
    assert_eq!(code, 200, "{body}");

    // The hours, for the community's supervisor: ID numbers whole.
    let hours = "/api/volunteers/export/hours?from=2025-01-01&to=2025-12-31";
    let (head, body) = file(&server, &format!("{hours}&format=csv"), &sup).await;
    assert!(head.contains("content-type: text/csv"), "{head}");
    assert!(
        head.contains(
            "filename=\"volunteer-hours-c01-s01-m01-2025-01-01_2025-12-31.csv\"; filename*=utf-8''"
        ),
        "{head}"
    );
    let expected = |id_li: &str, id_wang: &str| {
        let row = |cells: [&str; 9]| cells.map(str::to_owned).to_vec();
        vec![
            row(HOURS_HEADERS),
            row([
                "李秀兰",
                "居民身份证",
                id_li,
                &number_li,
                "2025-03-01",
                "助老送餐",
                "助老",
                "2",
                "幸福社区",
            ]),
            row([
                "李秀兰",
                "居民身份证",
                id_li,
                &number_li,
                "2025-03-01",
                "社区义诊",
                "其他",
                "1",
                "幸福社区",
            ]),
            row([
                "李秀兰",
                "居民身份证",
                id_li,
                &number_li,
                "2025-04-02",
                "助老送餐",
                "助老",
                "2.5",
                "幸福社区",
            ]),
            row([
                "王芳",
                "护照",
                id_wang,
                &number_wang,
                "2025-06-01",
                "理发",
                "助老",
                "0.75",
                "幸福社区",
            ]),
        ]
    };
    assert_eq!(csv_rows(&body), expected(ID_NUMBER, PASSPORT));
    let (head, body) = file(&server, &format!("{hours}&format=xlsx"), &sup).await;
    assert!(
        head.contains("filename=\"volunteer-hours-c01-s01-m01-2025-01-01_2025-12-31.xlsx\""),
        "{head}"
    );
    assert_eq!(
        xlsx_rows(&body, "志愿服务时长"),
        expected(ID_NUMBER, PASSPORT),
        "the same rows, dates as date cells and hours as numbers"
    );
    let about = xlsx_rows(&body, "说明");
    assert!(
        about.contains(&vec![
            "期间".to_owned(),
            "2025-01-01 至 2025-12-31".to_owned()
        ]),
        "{about:?}"
    );

    // For an admin: masked. Another community's supervisor sees none of them, and may not
    // name this community.
    let (_, body) = file(&server, &format!("{hours}&format=csv"), &root).await;
    assert_eq!(csv_rows(&body), expected("110*************2X", "E12****78"));
    let (_, body) = file(&server, &format!("{hours}&format=csv"), &near).await;
    assert_eq!(
        csv_rows(&body),
        vec![HOURS_HEADERS.map(str::to_owned).to_vec()]
    );
    let (code, _) = get_json(&server, &format!("{hours}&org={COMMUNITY}"), &near).await;
    assert_eq!(code, 404);
    // A shorter period keeps the days within it.
    let (_, body) = file(
        &server,
        "/api/volunteers/export/hours?period=2025-03&format=csv",
        &sup,
    )
    .await;
    assert_eq!(csv_rows(&body).len(), 3, "the two rows of March");

    // The registry.
    let registry = "/api/volunteers/export/registry";
    let (head, body) = file(&server, &format!("{registry}?format=csv"), &sup).await;
    assert!(
        head.contains("filename=\"volunteer-registry-c01-s01-m01-as-of-"),
        "{head}"
    );
    let rows = csv_rows(&body);
    assert_eq!(rows[0], REGISTRY_HEADERS.map(str::to_owned).to_vec());
    assert_eq!(rows.len(), 3, "the two who signed up: {rows:?}");
    let year = &number_li[1..5];
    for row in &rows[1..] {
        assert!(
            row[8].len() == 10 && row[8].starts_with(year),
            "registered on the day approved: {row:?}"
        );
    }
    let registered_on = rows[1][8].clone();
    let registry_rows = |id_li: &str, id_wang: &str| {
        vec![
            vec![
                "李秀兰".to_owned(),
                "居民身份证".into(),
                id_li.into(),
                "13800138000".into(),
                number_li.clone(),
                "助老、理发".into(),
                "周末、晚上".into(),
                "幸福社区".into(),
                registered_on.clone(),
            ],
            vec![
                "王芳".to_owned(),
                "护照".into(),
                id_wang.into(),
                "13900139000".into(),
                number_wang.clone(),
                String::new(),
                "时间灵活".into(),
                "幸福社区".into(),
                registered_on.clone(),
            ],
        ]
    };
    assert_eq!(rows[1..], registry_rows(ID_NUMBER, PASSPORT)[..]);
    let (head, body) = file(&server, registry, &sup).await;
    assert!(
        head.contains(
            "content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        "xlsx by default: {head}"
    );
    let sheet = xlsx_rows(&body, "志愿者名册");
    assert_eq!(sheet[0], REGISTRY_HEADERS.map(str::to_owned).to_vec());
    assert_eq!(sheet[1..], registry_rows(ID_NUMBER, PASSPORT)[..]);
    let (_, body) = file(&server, registry, &root).await;
    assert_eq!(
        xlsx_rows(&body, "志愿者名册")[1..],
        registry_rows("110*************2X", "E12****78")[..]
    );
    let (_, body) = file(&server, &format!("{registry}?format=csv"), &near).await;
    assert_eq!(csv_rows(&body).len(), 1, "only the header");

    // Who may not, and what is refused.
    for token in [&worker, &li, &old_vol] {
        assert_eq!(get_json(&server, registry, token).await.0, 403);
        assert_eq!(get_json(&server, hours, token).await.0, 403);
    }
    assert_eq!(
        get_json(&server, &format!("{registry}?format=pdf"), &sup)
            .await
            .0,
        400
    );
    assert_eq!(
        get_json(
            &server,
            "/api/volunteers/export/hours?from=2025-12-31&to=2025-01-01",
            &sup
        )
        .await
        .0,
        400
    );

    // Each file is audited.
    let (code, audit) = get_json(&server, "/api/audit?action=export&limit=50", &root).await;
    assert_eq!(code, 200, "{audit}");
    let seen: Vec<(String, String)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or_default().to_owned(),
                e["subject"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (actor, subject) in [
        ("sup", "volunteer-hours.csv"),
        ("sup", "volunteer-hours.xlsx"),
        ("root", "volunteer-hours.csv"),
        ("near", "volunteer-hours.csv"),
        ("sup", "volunteer-registry.csv"),
        ("sup", "volunteer-registry.xlsx"),
        ("root", "volunteer-registry.xlsx"),
    ] {
        assert!(
            seen.contains(&(actor.to_owned(), subject.to_owned())),
            "{actor} {subject} in {seen:?}"
        );
    }

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(volunteers_and_hours_export_in_the_import_columns);
