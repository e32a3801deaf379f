//! The supervisor's household actions (issue #19) in real headless chromium against the real
//! server with the demo county (`tests/js/registers.mjs`): a household of one grid moved to
//! another with a reason (refused without one, the refusal said next to the form in Chinese
//! and in English, with the server's words as the detail), and a community's register
//! imported from a CSV: the dry run shows the households and residents it would import, each
//! refused row with its number and reason, the household registered already, and creates
//! nothing; the import creates the households; the same file again creates nothing; the
//! template the browser makes has the county's columns. A second register with other headers
//! (住址, 名字, 关系, 网格编号, 手机号码): the check shows the form to match its columns, with
//! the file's headers to choose from, set to what the server matched; matched, checked again
//! (its households counted), the phone matched after that check, and imported with the
//! columns named. The households tab passes axe-core, has 44 px targets, one h1 and no
//! sideways scrolling with the import report, with a move form open and with the
//! column-matching form, at the desk and on a 390 px phone, in both languages. What the
//! browser did is then checked on the server, through its API and its store. SQLite only: the
//! API tests (household_move.rs, register_import.rs) run both databases.

use serde_json::Value;

use crate::harness::{http_get_auth, http_get_with_head, Backend, ServerProcess, TestDb};
use crate::web::{browser_available, run_script};

const DEMO_PASSWORD: &str = "linli-demo";
const SUPERVISOR: &str = "sup-c01-s01";
const STREET: &str = "c01/s01";
const FROM: &str = "c01/s01/m01/g01";
const TO: &str = "c01/s01/m01/g02";
/// The street of the households registers.mjs writes (its `registerFile`).
const IMPORTED_STREET: &str = "登记路";

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Whether `s` holds Chinese characters.
fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{3400}'..='\u{9fff}').contains(&c))
}

fn enc(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// How many households the caller's unit has (`X-Total-Count`).
async fn total(server: &ServerProcess, token: &str) -> u64 {
    let (status, head, _) =
        http_get_with_head(&server.addr, "/api/households?limit=1", token).await;
    assert_eq!(status, 200, "{head}");
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("x-total-count:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("a total")
}

/// `GET /api/households?limit=200&<query>`.
async fn households(server: &ServerProcess, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = http_get_auth(
        &server.addr,
        &format!("/api/households?limit=200&{query}"),
        token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_moves_a_household_and_imports_a_register_in_the_browser() {
    if !browser_available() {
        return;
    }
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = ServerProcess::start_with(&db, &["--demo"]).await;
    let out = run_script(
        "registers.mjs",
        "registers",
        &server,
        Backend::Sqlite,
        &[
            "--password",
            DEMO_PASSWORD,
            "--supervisor",
            SUPERVISOR,
            "--from",
            FROM,
            "--to",
            TO,
        ],
    )
    .await;

    // The move: the grids of the street but the household's own, by name; refused without a
    // reason, next to the form, in both languages; then moved.
    let moved = &out["move"];
    let id = text(&moved["id"]).to_owned();
    let address = text(&moved["address"]).to_owned();
    assert!(!id.is_empty() && !address.is_empty(), "{out}");
    assert_eq!(moved["from"], FROM, "{out}");
    let options = moved["options"].as_array().unwrap();
    assert!(
        options.iter().all(|o| {
            let grid = text(&o["value"]);
            grid != FROM && grid.starts_with(&format!("{STREET}/")) && grid.split('/').count() == 4
        }),
        "other grids of the street only: {out}"
    );
    let to_label = options
        .iter()
        .find(|o| o["value"] == TO)
        .map(|o| text(&o["label"]).to_owned())
        .unwrap_or_else(|| panic!("{TO} offered: {out}"));
    assert!(
        has_han(&to_label) && !to_label.contains("c01"),
        "the grid by name: {out}"
    );
    assert_eq!(moved["button"], "迁往其他网格", "{out}");
    let no_reason = &moved["noReason"];
    assert_eq!(no_reason["status"], 400, "{out}");
    assert_eq!(no_reason["zh"], "请写明迁移原因（最多500字）", "{out}");
    assert_eq!(
        no_reason["en"], "Say why the household moves (at most 500 characters)",
        "{out}"
    );
    assert!(
        text(&no_reason["saidZh"]).starts_with("服务器说明")
            && text(&no_reason["saidZh"]).contains("say why the household moves"),
        "{out}"
    );
    assert!(
        text(&no_reason["saidEn"]).starts_with("The server said"),
        "{out}"
    );
    assert_eq!(
        moved["stillIn"], true,
        "the refused move left it where it was: {out}"
    );
    assert_eq!(moved["status"], 200, "{out}");
    assert_eq!(moved["answer"]["moved"], id.as_str(), "{out}");
    assert_eq!(moved["answer"]["from"], FROM, "{out}");
    assert_eq!(moved["answer"]["to"], TO, "{out}");
    // The day it moved: today (Beijing) unless said otherwise, never after today.
    let today = linli_sync_core::calendar::local_date_at(
        linli_server::clock::now_ms(),
        linli_sync_core::calendar::DEFAULT_TIME_ZONE,
    );
    assert_eq!(moved["onDefault"].as_str(), today.as_deref(), "{out}");
    assert_eq!(moved["onMax"], moved["onDefault"], "{out}");
    assert_eq!(moved["answer"]["on"], moved["on"], "the day chosen: {out}");
    assert_eq!(moved["done"], format!("已迁往{to_label}"), "{out}");
    assert_eq!(moved["formClosed"], true, "{out}");
    assert_eq!(moved["labelAfter"], to_label.as_str(), "{out}");
    assert_eq!(moved["listedIn"]["to"], true, "{out}");
    assert_eq!(moved["listedIn"]["from"], false, "{out}");

    // The register the scenario wrote: about 20 households, two bad rows, one registered.
    let file = &out["file"];
    let planned = file["households"].as_array().unwrap();
    let n = planned.len() as u64;
    let residents: u64 = planned
        .iter()
        .map(|h| h["residents"].as_u64().unwrap())
        .sum();
    assert!(
        n >= 15 && file["rows"].as_u64().unwrap() >= 40,
        "about 20 households: {out}"
    );
    let bad: Vec<u64> = file["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_u64().unwrap())
        .collect();
    assert_eq!(bad.len(), 2, "{out}");
    let duplicate = &file["duplicate"];

    // The template the browser makes: the county's columns, with the byte-order mark.
    let template = &out["template"];
    assert_eq!(template["bom"], true, "{out}");
    assert_eq!(
        template["header"],
        "网格,地址,姓名,与户主关系,性别,出生年份,联系电话,身份证后四位,就业状况,户标签,健康档案",
        "{out}"
    );
    assert!(text(&template["name"]).ends_with(".csv"), "{out}");

    // The dry run, as the screen showed it; nothing created.
    let import = &out["import"];
    let before = import["totalBefore"].as_u64().unwrap();
    assert_eq!(
        out["totalBefore"].as_u64().unwrap(),
        before,
        "a move adds no household: {out}"
    );
    assert_eq!(import["check"]["status"], 200, "{out}");
    let query = text(&import["check"]["url"]);
    assert!(
        query.contains("dry_run=true") && query.contains(&format!("org={}", enc(TO))),
        "a dry run with the default grid: {out}"
    );
    let dry = &import["dryRun"];
    assert_eq!(dry["dryRun"], true, "{out}");
    assert_eq!(dry["rows"], file["rows"], "{out}");
    assert_eq!(dry["households"], n, "{out}");
    assert_eq!(dry["residents"], residents, "{out}");
    assert_eq!(dry["refused"], 2, "{out}");
    assert_eq!(dry["duplicates"], 1, "{out}");
    assert_eq!(dry["created"], 0, "{out}");
    for key in ["households", "residents", "refused", "duplicates"] {
        assert_eq!(dry["shownCounts"][key], dry[key], "{key} shown: {out}");
    }
    assert_eq!(
        dry["rowsRead"],
        format!("共读取 {} 行", file["rows"]),
        "{out}"
    );
    let refused = dry["refusedRows"].as_array().unwrap();
    let rows: Vec<u64> = refused.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, bad, "the refused rows by number: {out}");
    assert_eq!(refused[0]["reason"], "与户主关系不明：邻居", "{out}");
    assert_eq!(
        refused[0]["text"],
        format!("第{}行：与户主关系不明：邻居", bad[0]),
        "{out}"
    );
    assert_eq!(refused[1]["reason"], "出生年份不在1900年至今", "{out}");
    let english = &import["english"];
    assert_eq!(english["reasons"][0], "relation `邻居`", "{out}");
    assert!(
        text(&english["reasons"][1]).starts_with("birth year "),
        "{out}"
    );
    assert_eq!(
        english["rowsRead"],
        format!("{} rows read", file["rows"]),
        "{out}"
    );
    let already = dry["duplicateRows"].as_array().unwrap();
    assert_eq!(already.len(), 1, "{out}");
    assert_eq!(already[0]["address"], duplicate["address"], "{out}");
    assert_eq!(already[0]["rows"], duplicate["row"].to_string(), "{out}");
    assert!(
        text(&already[0]["text"]).contains(text(&duplicate["head"])),
        "the household registered already, with its head: {out}"
    );
    assert!(
        text(&english["duplicates"][0]).starts_with(&format!("Row {}", duplicate["row"])),
        "{out}"
    );
    assert_eq!(dry["createButton"], format!("导入这 {n} 户"), "{out}");
    assert_eq!(
        english["createButton"],
        format!("Import these {n} households"),
        "{out}"
    );
    // The household without a grid goes to the default grid chosen.
    let accepted = dry["accepted"].as_array().unwrap();
    assert_eq!(accepted.len() as u64, n, "{out}");
    let without_grid = planned.last().unwrap();
    let placed = accepted
        .iter()
        .find(|h| h["address"] == without_grid["address"])
        .unwrap_or_else(|| panic!("the household without a grid is accepted: {out}"));
    assert_eq!(placed["org"], TO, "{out}");
    assert_eq!(
        import["totalAfterDryRun"].as_u64().unwrap(),
        before,
        "a dry run creates nothing: {out}"
    );

    // The import, and the list follows.
    assert_eq!(import["runStatus"], 200, "{out}");
    assert!(text(&import["runQuery"]).contains("dry_run=false"), "{out}");
    let run = &import["run"];
    assert_eq!(run["dryRun"], false, "{out}");
    assert_eq!(run["created"], n, "{out}");
    assert_eq!(run["createdText"], format!("已导入 {n} 户"), "{out}");
    assert_eq!(run["duplicates"], 1, "{out}");
    assert_eq!(import["totalAfter"].as_u64().unwrap(), before + n, "{out}");
    assert_eq!(import["listTotal"], import["totalAfter"], "{out}");
    let in_from = planned.iter().filter(|h| h["grid"] == FROM).count() as u64;
    let in_to = planned.iter().filter(|h| h["grid"] == TO).count() as u64;
    assert_eq!(in_from + in_to, n, "{out}");
    assert_eq!(import["inGrids"]["from"], in_from, "{out}");
    assert_eq!(import["inGrids"]["to"], in_to, "{out}");

    // The same file again: nothing to import, nothing created.
    assert_eq!(import["againCheck"]["status"], 200, "{out}");
    let again = &import["again"];
    assert_eq!(again["households"], 0, "{out}");
    assert_eq!(again["duplicates"], n + 1, "{out}");
    assert_eq!(again["refused"], 2, "{out}");
    assert_eq!(again["nothing"], "没有可以导入的住户", "{out}");
    assert_eq!(again["createButton"], Value::Null, "{out}");
    assert_eq!(import["againRun"]["status"], 200, "{out}");
    assert_eq!(import["againRun"]["created"], 0, "{out}");
    assert_eq!(import["totalAfterAgain"], import["totalAfter"], "{out}");

    // The register with other headers: refused for the name's column (400), the form to match
    // the columns shown instead, with the file's headers, set to what the server matched.
    let other = &out["other"];
    let other_planned = other["file"]["households"].as_array().unwrap();
    let other_n = other_planned.len() as u64;
    let other_before = other["totalBefore"].as_u64().unwrap();
    assert_eq!(other_before, before + n, "{out}");
    assert_eq!(
        other["reportAfterPick"], false,
        "another file, no report: {out}"
    );
    assert_eq!(other["check"]["status"], 400, "{out}");
    let matching = &other["matching"];
    assert_eq!(matching["title"], "对应列", "{out}");
    assert_eq!(matching["missing"], serde_json::json!(["name"]), "{out}");
    assert_eq!(
        matching["missingText"], "文件中找不到这些必填项的列：姓名。请在下面选择对应的列。",
        "{out}"
    );
    assert_eq!(
        matching["fields"],
        serde_json::json!([
            "address",
            "name",
            "relation",
            "org",
            "gender",
            "birth_year",
            "phone",
            "id_tail",
            "employment",
            "tags",
            "health_record"
        ]),
        "every field of the register: {out}"
    );
    assert_eq!(matching["labels"]["address"], "地址（必填）", "{out}");
    assert_eq!(matching["labels"]["org"], "网格", "{out}");
    let offered: Vec<&str> = matching["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| text(&o["value"]))
        .collect();
    assert_eq!(
        offered,
        ["", "网格编号", "住址", "名字", "关系", "性别", "手机号码"],
        "none, then the file's headers in order: {out}"
    );
    assert_eq!(matching["options"][0]["label"], "不导入", "{out}");
    let chosen = &matching["chosen"];
    for (field, header) in [
        ("address", "住址"),
        ("relation", "关系"),
        ("gender", "性别"),
        ("name", ""),
        ("org", ""),
        ("phone", ""),
        ("birth_year", ""),
    ] {
        assert_eq!(
            chosen[field], header,
            "{field} as the server matched it: {out}"
        );
    }
    assert_eq!(other["refusalShown"], "", "the form, not a refusal: {out}");
    assert_eq!(other["reportShown"], false, "{out}");
    let english = &other["english"];
    assert_eq!(english["title"], "Match the columns", "{out}");
    assert_eq!(
        english["missingText"],
        "No column of the file was found for what is needed: Name. Choose the columns below.",
        "{out}"
    );
    assert_eq!(english["labels"]["address"], "Address (needed)", "{out}");
    assert_eq!(english["options"][0]["label"], "None", "{out}");

    // Matched (the name, the grid) and checked again: the columns named, every field; the
    // households counted, created nothing; the phone's column left unread.
    assert_eq!(other["matchedCheck"]["status"], 200, "{out}");
    assert_eq!(
        other["matchedCheck"]["columns"],
        "address:住址,name:名字,relation:关系,org:网格编号,gender:性别,birth_year:,phone:,id_tail:,employment:,tags:,health_record:",
        "{out}"
    );
    assert_eq!(other["formClosed"], true, "{out}");
    let other_dry = &other["dryRun"];
    let other_residents: u64 = other_planned
        .iter()
        .map(|h| h["residents"].as_u64().unwrap())
        .sum();
    assert_eq!(other_dry["rows"], other["file"]["rows"], "{out}");
    assert_eq!(other_dry["households"], other_n, "{out}");
    assert_eq!(other_dry["residents"], other_residents, "{out}");
    assert_eq!(other_dry["refused"], 0, "{out}");
    assert_eq!(other_dry["duplicates"], 0, "{out}");
    assert_eq!(
        other_dry["columnsUsed"],
        "读取的列：地址 ← 住址；姓名 ← 名字；与户主关系 ← 关系；网格 ← 网格编号；性别 ← 性别",
        "{out}"
    );
    assert_eq!(other_dry["columnsUnread"], "未读取的列：手机号码", "{out}");
    assert_eq!(other_dry["matchButton"], "更改列的对应", "{out}");
    assert_eq!(
        other_dry["createButton"],
        format!("导入这 {other_n} 户"),
        "{out}"
    );
    // The form again after that check, set as checked; the phone matched too.
    let reopened = &other["reopened"]["chosen"];
    assert_eq!(reopened["name"], "名字", "{out}");
    assert_eq!(reopened["org"], "网格编号", "{out}");
    assert_eq!(reopened["phone"], "", "{out}");
    assert_eq!(other["reopened"]["missing"], serde_json::json!([]), "{out}");
    assert_eq!(other["phoneCheck"]["status"], 200, "{out}");
    let named = text(&other["phoneCheck"]["columns"]).to_owned();
    assert!(named.contains(",phone:手机号码,"), "{out}");
    assert_eq!(other["dryRunWithPhone"]["households"], other_n, "{out}");
    assert_eq!(
        other["dryRunWithPhone"]["columnsUnread"],
        Value::Null,
        "{out}"
    );
    assert_eq!(
        other["totalAfterDryRun"].as_u64().unwrap(),
        other_before,
        "{out}"
    );
    // Imported with the same columns.
    assert_eq!(other["runStatus"], 200, "{out}");
    assert_eq!(other["runQuery"]["dry_run"], "false", "{out}");
    assert_eq!(other["runQuery"]["columns"], named.as_str(), "{out}");
    assert_eq!(other["run"]["created"], other_n, "{out}");
    assert_eq!(
        other["totalAfter"].as_u64().unwrap(),
        other_before + other_n,
        "{out}"
    );
    assert_eq!(
        other["inGrids"]["from"],
        serde_json::json!(["对应路1号"]),
        "{out}"
    );
    assert_eq!(
        other["inGrids"]["to"],
        serde_json::json!(["对应路2号", "对应路3号"]),
        "{out}"
    );

    assert_eq!(out["screens"].as_array().unwrap().len(), 12, "{out}");
    let problems: Vec<&str> = out["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(text)
        .collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );

    // The server's state afterwards, through its API.
    let token = db.token(SUPERVISOR).await;
    assert_eq!(total(&server, &token).await, before + n + other_n);
    let query = |org: &str| format!("org={}&q={}", enc(org), enc(&address));
    assert!(
        households(&server, &token, &query(TO))
            .await
            .iter()
            .any(|h| h["document_id"] == id.as_str()),
        "the moved household is listed in {TO}"
    );
    assert!(
        !households(&server, &token, &query(FROM))
            .await
            .iter()
            .any(|h| h["document_id"] == id.as_str()),
        "and no longer in {FROM}"
    );
    let imported = households(&server, &token, &format!("q={}", enc(IMPORTED_STREET))).await;
    assert_eq!(imported.len() as u64, n, "{imported:?}");
    for h in planned {
        let rows: Vec<&Value> = imported
            .iter()
            .filter(|r| r["address"] == h["address"])
            .collect();
        assert_eq!(rows.len(), 1, "{h} imported once: {imported:?}");
        assert_eq!(rows[0]["org"], h["grid"], "{h}: {}", rows[0]);
        assert_eq!(rows[0]["head_name"], h["head"], "{h}: {}", rows[0]);
        assert_eq!(
            rows[0]["member_count"], h["residents"],
            "the refused rows are not residents: {h}: {}",
            rows[0]
        );
    }
    let first = imported
        .iter()
        .find(|r| r["address"] == planned[0]["address"])
        .unwrap();
    assert!(text(&first["tags"]).contains("dibao"), "{first}");
    let same: Vec<Value> = households(
        &server,
        &token,
        &format!("q={}", enc(text(&duplicate["address"]))),
    )
    .await
    .into_iter()
    .filter(|h| h["address"] == duplicate["address"])
    .collect();
    assert_eq!(
        same.len(),
        1,
        "the household registered already is not imported: {same:?}"
    );
    assert_eq!(same[0]["document_id"], duplicate["id"], "{same:?}");
    // The register with other headers: each household in the grid its 网格编号 named, with its
    // head (名字) and residents.
    let matched = households(&server, &token, &format!("q={}", enc("对应路"))).await;
    assert_eq!(matched.len() as u64, other_n, "{matched:?}");
    for h in other_planned {
        let row = matched
            .iter()
            .find(|r| r["address"] == h["address"])
            .unwrap_or_else(|| panic!("{h} imported: {matched:?}"));
        assert_eq!(row["org"], h["grid"], "{h}: {row}");
        assert_eq!(row["head_name"], h["head"], "{h}: {row}");
        assert_eq!(row["member_count"], h["residents"], "{h}: {row}");
    }

    // And in its store: the documents' grids, and the audit log.
    let store = db.store().await;
    let (kind, org) = store
        .document_root(&id)
        .await
        .unwrap()
        .expect("the moved household");
    assert_eq!(kind, "household");
    assert_eq!(org, TO);
    for row in &imported {
        let (kind, org) = store
            .document_root(text(&row["document_id"]))
            .await
            .unwrap()
            .expect("an imported household's document");
        assert_eq!(kind, "household", "{row}");
        assert_eq!(org, text(&row["org"]), "{row}");
    }
    let entries = store.audit_entries().await.unwrap();
    assert_eq!(
        entries
            .iter()
            .filter(|(a, who, what)| a == "household_move"
                && who.as_deref() == Some(SUPERVISOR)
                && what.as_deref() == Some(id.as_str()))
            .count(),
        1,
        "one move (the refused one is not logged): {entries:?}"
    );
    assert_eq!(
        entries
            .iter()
            .filter(|(a, who, _)| a == "register_import" && who.as_deref() == Some(SUPERVISOR))
            .count(),
        3,
        "the import, the second file's and the one with other headers (the dry runs are not logged): {entries:?}"
    );
    server.stop().await;
    db.cleanup().await;
}
