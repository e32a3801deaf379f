//! Importing a community's register (issue #19), on both databases: a file the test writes
//! with 2,000 households (about 5,000 residents), a few bad rows and a few households a phone
//! registered already. The dry run reports each bad row with its reason and each household
//! already registered, and creates nothing; the import creates the rest through the change
//! log and the projections (a worker's phone then holds them); the same file again creates
//! nothing. The operator's `linli-server import` reads an XLSX with other headers. A sheet
//! with other headers sent to the API is refused with its headers and what was matched, and
//! comes in once its columns are named (`columns=`, `field:` leaving a column unread).

use std::time::Duration;

use serde_json::Value;

use crate::harness::{field_client, http_get_auth, http_post_file, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const HOUSEHOLDS: usize = 2000;
const GRIDS: [&str; 4] = [
    "c01/s01/m01/g01",
    "c01/s01/m01/g02",
    "c01/s01/m01/g03",
    "c01/s01/m01/g04",
];
/// Households of the file a phone has registered already (same address and head).
const ALREADY: [usize; 3] = [7, 500, 1999];

/// The register: one row per resident; `bad` rows spoil four households.
fn register() -> (String, Vec<(usize, &'static str)>) {
    let mut csv = String::from("\u{feff}网格,地址,姓名,与户主关系,性别,出生年份,联系电话,身份证后四位,就业状况,户标签,健康档案\n");
    let mut row = 1;
    let mut bad = Vec::new();
    let mut line = |csv: &mut String, text: String| {
        csv.push_str(&text);
        csv.push('\n');
        row += 1;
        row
    };
    for i in 0..HOUSEHOLDS {
        let grid = GRIDS[i % GRIDS.len()];
        let address = format!("导入路{}号{}室", i / 10, i % 10);
        let tags = if i % 9 == 0 {
            "低保、独居老人"
        } else {
            ""
        };
        line(
            &mut csv,
            format!(
                "{grid},{address},户主{i},户主,男,{},1380000{:04},{:04},在业,{tags},是",
                1950 + i % 40,
                i,
                i
            ),
        );
        line(
            &mut csv,
            format!(
                "{grid},{address},配偶{i},配偶,女,{},,,退休,,否",
                1952 + i % 40
            ),
        );
        if i % 2 == 0 {
            line(
                &mut csv,
                format!(
                    "{grid},{address},子女{i},子女,女,{},,,在学,,",
                    2005 + i % 15
                ),
            );
        }
    }
    // Bad rows: an unknown relation, a birth year in the future, a grid of another street, a
    // household whose only row is not its head.
    let r = line(
        &mut csv,
        "c01/s01/m01/g01,错误路1号,甲,邻居,男,1970,,,,,".into(),
    );
    bad.push((r, "与户主关系"));
    let r = line(
        &mut csv,
        "c01/s01/m01/g01,错误路2号,乙,户主,男,2999,,,,,".into(),
    );
    bad.push((r, "出生年份"));
    let r = line(
        &mut csv,
        "c01/s02/m01/g01,错误路3号,丙,户主,女,1980,,,,,".into(),
    );
    bad.push((r, "无权"));
    let r = line(
        &mut csv,
        "c01/s01/m01/g01,错误路4号,丁,子女,女,2010,,,,,".into(),
    );
    bad.push((r, "户主"));
    (csv, bad)
}

async fn import(server: &ServerProcess, token: &str, csv: &str, dry: bool) -> Value {
    let (status, body) = http_post_file(
        &server.addr,
        &format!("/api/households/import?dry_run={dry}"),
        "text/csv",
        csv.as_bytes(),
        token,
    )
    .await;
    assert_eq!(status, 200, "{}", &body[..body.len().min(2000)]);
    serde_json::from_str(&body).unwrap()
}

async fn household_total(server: &ServerProcess, token: &str) -> u64 {
    let (status, _, _) =
        crate::harness::http_get_with_head(&server.addr, "/api/households?limit=1", token).await;
    assert_eq!(status, 200);
    let (_, head, _) =
        crate::harness::http_get_with_head(&server.addr, "/api/households?limit=1", token).await;
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("x-total-count: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("a total")
}

async fn a_register_of_2000_households_is_imported_once(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("w1", "worker", GRIDS[0], None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (sup, w1) = (db.token("sup").await, db.token("w1").await);

    // A phone registered three of the file's households already.
    let mut phone = field_client(db.dir.path(), "phone").await;
    for i in ALREADY {
        let grid = GRIDS[i % GRIDS.len()];
        phone
            .create_household(
                grid,
                &format!("导入路{} 号 {}室", i / 10, i % 10),
                Some(&format!("户主{i}")),
            )
            .await
            .unwrap();
    }
    db.add_user("w-all", "worker", "c01/s01/m01", None).await;
    let w_all = db.token("w-all").await;
    crate::harness::sync_as(&mut phone, &server, Some(&w_all)).await;
    assert_eq!(household_total(&server, &sup).await, 3);

    let (csv, bad) = register();
    let dry = import(&server, &sup, &csv, true).await;
    // The file's header row, and where each field was read: the template's headers.
    assert_eq!(
        dry["headers"],
        serde_json::json!([
            "网格",
            "地址",
            "姓名",
            "与户主关系",
            "性别",
            "出生年份",
            "联系电话",
            "身份证后四位",
            "就业状况",
            "户标签",
            "健康档案"
        ])
    );
    assert_eq!(
        dry["columns"],
        serde_json::json!({
            "org": "网格", "address": "地址", "name": "姓名", "relation": "与户主关系",
            "gender": "性别", "birth_year": "出生年份", "phone": "联系电话",
            "id_tail": "身份证后四位", "employment": "就业状况", "tags": "户标签",
            "health_record": "健康档案"
        })
    );
    let accepted = dry["accepted"].as_array().unwrap();
    assert_eq!(
        accepted.len(),
        HOUSEHOLDS - ALREADY.len(),
        "{}",
        dry["refused"]
    );
    let residents: u64 = accepted
        .iter()
        .map(|h| h["residents"].as_u64().unwrap())
        .sum();
    assert_eq!(
        residents as usize,
        HOUSEHOLDS * 2 + HOUSEHOLDS / 2 - 7,
        "three households of 2 or 3 left out"
    );
    let refused = dry["refused"].as_array().unwrap();
    assert_eq!(refused.len(), bad.len(), "{refused:?}");
    for ((row, why), r) in bad.iter().zip(refused) {
        assert_eq!(r["row"].as_u64().unwrap() as usize, *row, "{r}");
        assert!(r["reason"].as_str().unwrap().contains(why), "{why} in {r}");
    }
    let duplicates = dry["duplicates"].as_array().unwrap();
    assert_eq!(duplicates.len(), ALREADY.len(), "{duplicates:?}");
    assert!(duplicates
        .iter()
        .all(|d| d["existing"].as_array().unwrap().len() == 1));
    assert_eq!(dry["created"], 0);
    assert_eq!(
        household_total(&server, &sup).await,
        3,
        "a dry run creates nothing"
    );

    let done = import(&server, &sup, &csv, false).await;
    assert_eq!(
        done["created"].as_u64().unwrap() as usize,
        HOUSEHOLDS - ALREADY.len()
    );
    assert_eq!(household_total(&server, &sup).await as usize, HOUSEHOLDS);
    // Projections: tags in words' codes, residents counted.
    let (_, body) = http_get_auth(&server.addr, "/api/households?q=户主9&limit=5", &sup).await;
    assert!(
        body.contains("dibao") && body.contains("living_alone"),
        "{body}"
    );

    // A worker's phone of the first grid holds its imported households.
    let mut worker = field_client(db.dir.path(), "worker").await;
    let base = format!("http://{}", server.addr);
    let mut remote = worker.remote(Some(&base), Some(&w1)).await.unwrap();
    let pulled = worker
        .pull_all(&mut remote, Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(pulled.listed, HOUSEHOLDS / GRIDS.len(), "{pulled:?}");

    // The same file again: nothing more.
    let again = import(&server, &sup, &csv, false).await;
    assert_eq!(again["created"], 0);
    assert_eq!(again["duplicates"].as_array().unwrap().len(), HOUSEHOLDS);
    assert_eq!(household_total(&server, &sup).await as usize, HOUSEHOLDS);
    let audit = db.store().await.audit_entries().await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|(a, _, _)| a == "register_import")
            .count(),
        2
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(a_register_of_2000_households_is_imported_once);

/// The operator imports an XLSX whose headers are not the template's, naming them.
async fn the_operator_imports_a_workbook_with_other_headers(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["住址", "名字", "关系", "出生日期"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in [
        ["簿册路1号", "林海", "户主", "1961-05-02"],
        ["簿册路1号", "林小海", "子女", "1990-01-01"],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    let file = db.dir.path().join("register.xlsx");
    book.save(&file).unwrap();
    let file = file.to_string_lossy().into_owned();
    let args = |dry: bool| {
        let mut a = vec![
            "import",
            "--file",
            file.as_str(),
            "--org",
            GRIDS[0],
            "--columns",
            "address:住址,name:名字,relation:关系,birth_year:出生日期",
        ];
        if dry {
            a.push("--dry-run");
        }
        a
    };
    let printed = db.cli(&args(true), None).await;
    assert!(
        printed.contains("1 households (2 residents) would be created"),
        "{printed}"
    );
    let printed = db.cli(&args(false), None).await;
    assert!(
        printed.contains("1 households (2 residents) created"),
        "{printed}"
    );
    let printed = db.cli(&args(false), None).await;
    assert!(printed.contains("registered already"), "{printed}");
    assert!(printed.contains("0 households"), "{printed}");
    db.cleanup().await;
}
on_both_backends!(the_operator_imports_a_workbook_with_other_headers);

/// A household with one bad row is left out whole, so that the corrected sheet brings it in
/// whole (it is not "registered already" with a resident missing).
async fn a_household_with_a_bad_row_comes_in_whole_once_corrected(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let sup = db.token("sup").await;
    let sheet = |birth: &str| {
        format!(
            "网格,地址,姓名,与户主关系,出生年份\n\
             {g},整户路1号,周大山,户主,1960\n\
             {g},整户路1号,周小山,子女,{birth}\n\
             {g},整户路2号,吴一,户主,1970\n",
            g = GRIDS[0]
        )
    };
    let first = import(&server, &sup, &sheet("2999"), false).await;
    assert_eq!(first["created"], 1, "{first}");
    let rows: Vec<u64> = first["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_u64().unwrap())
        .collect();
    assert_eq!(
        rows,
        [2, 3],
        "the head's row goes with the bad one: {first}"
    );
    let corrected = import(&server, &sup, &sheet("1990"), false).await;
    assert_eq!(corrected["created"], 1, "{corrected}");
    assert_eq!(corrected["accepted"][0]["residents"], 2, "{corrected}");
    assert_eq!(
        corrected["duplicates"].as_array().unwrap().len(),
        1,
        "{corrected}"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(a_household_with_a_bad_row_comes_in_whole_once_corrected);

/// `POST /api/households/import` with `columns=`, percent-encoded; the status and the answer.
async fn import_named(
    server: &ServerProcess,
    token: &str,
    csv: &str,
    dry: bool,
    columns: Option<&str>,
) -> (u16, Value) {
    let mut path = format!("/api/households/import?dry_run={dry}");
    if let Some(c) = columns {
        path.push_str("&columns=");
        path.push_str(
            &percent_encoding::utf8_percent_encode(c, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        );
    }
    let (status, body) =
        http_post_file(&server.addr, &path, "text/csv", csv.as_bytes(), token).await;
    (status, serde_json::from_str(&body).unwrap())
}

/// A sheet whose headers are not the template's, through the API: refused (400) for the
/// needed column it lacks, with the file's headers, the columns matched and what is missing,
/// so that a client can offer to match them (the web app does); with its columns named,
/// checked and imported, the answer saying where each field was read.
async fn a_sheet_with_other_headers_is_told_its_columns(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let sup = db.token("sup").await;
    let csv = format!(
        "网格编号,住址,名字,关系,电话\n\
         {a},对应路1号,钱大海,户主,13911110001\n\
         {a},对应路1号,钱小海,子女,\n\
         {b},对应路2号,孔文静,户主,1391-bad\n",
        a = GRIDS[0],
        b = GRIDS[1]
    );
    let headers = serde_json::json!(["网格编号", "住址", "名字", "关系", "电话"]);

    // 住址, 关系 and 电话 are among the template's headers; 名字 is not: refused, dry run or not.
    for dry in [true, false] {
        let (status, body) = import_named(&server, &sup, &csv, dry, None).await;
        assert_eq!(status, 400, "{body}");
        let error = body["error"].as_str().unwrap();
        assert!(error.starts_with("the header lacks name ("), "{body}");
        assert!(error.contains("网格编号, 住址, 名字, 关系, 电话"), "{body}");
        assert_eq!(body["missing"], serde_json::json!(["name"]), "{body}");
        assert_eq!(body["headers"], headers, "{body}");
        assert_eq!(
            body["columns"],
            serde_json::json!({"address": "住址", "relation": "关系", "phone": "电话"}),
            "{body}"
        );
    }
    assert_eq!(household_total(&server, &sup).await, 0);

    // Named: the name and the grid; the phone read from 电话 (the template's), whose bad
    // value refuses its household.
    let (status, dry) =
        import_named(&server, &sup, &csv, true, Some("name:名字,org:网格编号")).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["headers"], headers, "{dry}");
    assert_eq!(
        dry["columns"],
        serde_json::json!({"org": "网格编号", "address": "住址", "name": "名字",
            "relation": "关系", "phone": "电话"}),
        "{dry}"
    );
    assert_eq!(dry["accepted"].as_array().unwrap().len(), 1, "{dry}");
    assert_eq!(dry["refused"][0]["row"], 4, "{dry}");
    // `phone:` leaves 电话 unread: both households come in.
    let named = "name:名字,org:网格编号,phone:";
    let (status, dry) = import_named(&server, &sup, &csv, true, Some(named)).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["columns"].get("phone"), None, "{dry}");
    assert_eq!(dry["accepted"].as_array().unwrap().len(), 2, "{dry}");
    assert_eq!(dry["refused"], serde_json::json!([]), "{dry}");
    assert_eq!(
        household_total(&server, &sup).await,
        0,
        "a dry run creates nothing"
    );
    let (status, done) = import_named(&server, &sup, &csv, false, Some(named)).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["created"], 2, "{done}");
    assert_eq!(done["columns"], dry["columns"], "{done}");
    let orgs: Vec<&str> = done["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["org"].as_str().unwrap())
        .collect();
    assert_eq!(
        orgs,
        [GRIDS[0], GRIDS[1]],
        "each in the grid 网格编号 names: {done}"
    );
    assert_eq!(household_total(&server, &sup).await, 2);

    // Columns named wrongly: a plain 400, nothing created.
    for (columns, said) in [
        ("name:名 字", "no column `名 字` in the file"),
        ("nom:名字", "no field `nom`"),
        ("name", "is not field:header"),
    ] {
        let (status, body) = import_named(&server, &sup, &csv, false, Some(columns)).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().unwrap().contains(said), "{body}");
        assert_eq!(body.get("headers"), None, "{body}");
    }
    // A needed field left unread: refused for it.
    let (status, body) = import_named(&server, &sup, &csv, true, Some("name:名字,address:")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["missing"], serde_json::json!(["address"]), "{body}");
    assert_eq!(household_total(&server, &sup).await, 2);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(a_sheet_with_other_headers_is_told_its_columns);
