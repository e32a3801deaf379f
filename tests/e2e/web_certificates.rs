//! Certificates of volunteer service and star levels in the web app (issue #20), in real
//! headless chromium against the real server with the demo county
//! (`tests/js/certificates.mjs`). A resident signs up and is approved through the API, logs 13
//! days of 8 hours from a field client, and the street's supervisor approves them (104 hours:
//! one star, 196 to the next). In the browser: the volunteer sees their stars and hours on a
//! phone and asks for a certificate for a period; the supervisor finds the request in the
//! people tab, issues it with a contact, and reads the volunteers' stars and the community's
//! year; the volunteer sees the number without reloading, downloads the PDF (its bytes and its
//! text as pdf.js reads it are checked here), opens and prints the certificate's page; anyone
//! checks the number without a login and sees the name and ID number masked and the hours, and
//! a made-up number is no certificate. Chinese and English; axe-core, touch targets, one h1 and
//! no sideways scrolling on every screen checked. What the browser showed is compared with the
//! server's API. SQLite only: tests/e2e/volunteer_certificate.rs and volunteer_recognition.rs
//! run the API on both databases.

use serde_json::{json, Value};

use crate::harness::{
    field_client, get_json, node_script, post_json, sync_as, Backend, ServerProcess, TestDb,
};
use crate::web::{browser_available, problems, run_script};

const DEMO_PASSWORD: &str = "linli-demo";
const SUPERVISOR: &str = "sup-c01-s01";
const COMMUNITY: &str = "c01/s01/m01";
/// The resident: their login (with the demo's password, so the scenario signs in as anyone),
/// name and ID card number (its check character fits).
const LOGIN: &str = "wangxiaohong-web";
const NAME: &str = "王小红";
const ID_NUMBER: &str = "11010519491231002X";
const PURPOSE: &str = "升学材料";
const CONTACT: &str = "0512-66881234";
const MADE_UP: &str = "ZYFW-2026-00000000";
/// Days of service, and minutes a day: 104 hours.
const DAYS: i64 = 13;
const MINUTES: i64 = 480;

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The text pdf.js reads from the PDF at `path`, after checking it is one.
async fn pdf_text(path: &str) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        bytes.starts_with(b"%PDF-"),
        "{path} is no PDF: {:?}",
        &bytes[..bytes.len().min(40)]
    );
    let read = node_script("pdf-text.mjs", &[path], "pdfjs-dist", 60).await;
    read["text"]
        .as_array()
        .unwrap_or_else(|| panic!("{read}"))
        .iter()
        .map(|p| p.as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `2026-05-06` as the certificate writes it.
fn cn_date(date: &str) -> String {
    let parts: Vec<u32> = date.split('-').map(|p| p.parse().unwrap()).collect();
    format!("{}年{}月{}日", parts[0], parts[1], parts[2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_is_asked_for_issued_printed_and_checked_in_the_browser() {
    if !browser_available() {
        return;
    }
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = ServerProcess::start_with(&db, &["--demo"]).await;
    let sup = db.token(SUPERVISOR).await;
    let store = db.store().await;
    let community_name = store
        .org(COMMUNITY)
        .await
        .unwrap()
        .expect("the demo community")
        .name;

    // The resident signs up, the supervisor approves, they log in.
    let (code, signed) = post_json(
        &server,
        "/api/volunteers/sign-up",
        json!({"community": COMMUNITY, "name": NAME, "phone": "13900139000",
            "id_type": "resident_id", "id_number": ID_NUMBER, "consent": true,
            "login": LOGIN, "password": DEMO_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(code, 200, "{signed}");
    let decide = format!(
        "/api/volunteers/sign-ups/{}",
        signed["id"].as_str().unwrap()
    );
    let (code, approved) =
        post_json(&server, &decide, json!({"decision": "approve"}), Some(&sup)).await;
    assert_eq!(code, 200, "{approved}");
    let volunteer_number = text(&approved["volunteer_number"]).to_owned();
    let (code, tokens) = post_json(
        &server,
        "/api/login",
        json!({"name": LOGIN, "password": DEMO_PASSWORD, "device_name": "检查"}),
        None,
    )
    .await;
    assert_eq!(code, 200, "{tokens}");
    let vol = text(&tokens["access_token"]).to_owned();

    // Their service: 8 hours on each of 13 days before today, approved.
    let today = linli_sync_core::calendar::date_from_ms(linli_server::clock::now_ms());
    let dates: Vec<String> = (2..2 + DAYS)
        .map(|back| linli_sync_core::calendar::add_days(&today, -back).unwrap())
        .collect();
    let mut phone = field_client(db.dir.path(), "phone").await;
    let doc = phone
        .create_volunteer(COMMUNITY, LOGIN, NAME)
        .await
        .unwrap();
    let mut items = Vec::new();
    for date in &dates {
        let id = phone
            .log_hours(&doc, date, MINUTES, "助老送餐", "elderly")
            .await
            .unwrap();
        items.push(json!({"document_id": doc.to_string(), "entry_id": id}));
    }
    sync_as(&mut phone, &server, Some(&vol)).await;
    let (code, body) = post_json(
        &server,
        "/api/review/entries",
        json!({"items": items, "status": "approved"}),
        Some(&sup),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let from = dates.last().unwrap().clone();

    let files = db.dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let out = run_script(
        "certificates.mjs",
        "certificates",
        &server,
        Backend::Sqlite,
        &[
            "--password",
            DEMO_PASSWORD,
            "--supervisor",
            SUPERVISOR,
            "--volunteer",
            LOGIN,
            "--community",
            COMMUNITY,
            "--purpose",
            PURPOSE,
            "--from",
            &from,
            "--to",
            &today,
            "--contact",
            CONTACT,
            "--made-up",
            MADE_UP,
            "--files",
            files.to_str().unwrap(),
        ],
    )
    .await;

    // What the server holds, to compare the screens with.
    let year = text(&out["stars"]["shownYear"]).to_owned();
    let (code, standing) =
        get_json(&server, &format!("/api/volunteers/hours?year={year}"), &vol).await;
    assert_eq!(code, 200, "{standing}");
    assert_eq!(standing["approved_hours"], 104.0, "{standing}");
    assert_eq!(standing["stars"], 1, "{standing}");
    let year_hours = standing["year_hours"].as_f64().unwrap();
    let expected_year = dates.iter().filter(|d| d.starts_with(&year)).count() as f64 * 8.0;
    assert_eq!(year_hours, expected_year, "{standing}");
    let (code, mine) = get_json(&server, "/api/certificates", &vol).await;
    assert_eq!(code, 200, "{mine}");
    assert_eq!(mine.as_array().unwrap().len(), 1, "one certificate: {mine}");
    let issued = &mine[0];
    assert_eq!(issued["status"], "issued", "{issued}");
    assert_eq!(issued["purpose"], PURPOSE, "{issued}");
    assert_eq!(issued["period_from"], from.as_str(), "{issued}");
    assert_eq!(issued["period_to"], today.as_str(), "{issued}");
    let c = &issued["certificate"];
    let number = text(&c["number"]).to_owned();
    assert!(number.starts_with("ZYFW-"), "{issued}");
    assert_eq!(c["contact"], CONTACT, "the contact typed at the desk: {c}");
    assert_eq!(c["total_hours"], 104.0, "{c}");
    let issued_by = text(&c["issued_by"]).to_owned();

    // Anyone, from the login screen: a made-up number is no certificate, in both languages.
    assert_eq!(out["verifyLink"], "核验志愿服务证明", "{out}");
    assert_eq!(out["verifyHash"], "#verify", "{out}");
    assert_eq!(out["verifyTitle"], "核验志愿服务记录证明", "{out}");
    assert_eq!(
        out["verifyEmpty"],
        json!({"said": "请输入证明编号", "asked": 0}),
        "{out}"
    );
    let not_found = &out["notFound"];
    assert_eq!(not_found["asked"], 1, "{out}");
    assert_eq!(
        not_found["zh"],
        format!("没有编号为 {MADE_UP} 的证明。请核对编号；如仍有疑问，请联系出具单位。"),
        "{out}"
    );
    assert_eq!(not_found["hash"], format!("#verify/{MADE_UP}"), "{out}");
    assert_eq!(
        not_found["en"],
        format!("No certificate has the number {MADE_UP}. Check the number; if in doubt, ask the issuer."),
        "{out}"
    );
    assert_eq!(
        not_found["titleEn"],
        "Check a certificate of volunteer service"
    );
    assert_eq!(not_found["hanEn"], json!([]), "{out}");

    // The volunteer's stars and hours.
    let stars = &out["stars"];
    assert_eq!(stars["level"], "一星级志愿者", "{out}");
    assert_eq!(stars["glyphs"], "★☆☆☆☆", "{out}");
    assert_eq!(stars["glyphsLabel"], "1星（满分5星）", "{out}");
    assert_eq!(stars["total"], "104", "{out}");
    let year_text = format!("{}", year_hours);
    assert_eq!(stars["year"], year_text.as_str(), "{out}");
    assert_eq!(stars["yearLabel"], format!("{year}年认定（小时）"), "{out}");
    assert_eq!(
        stars["next"], "再服务 196 小时可达二星级（累计 300 小时）",
        "{out}"
    );
    assert_eq!(stars["progress"], json!({"value": 4, "max": 200}), "{out}");
    assert!(text(&stars["fetched"]).starts_with("数据更新于"), "{out}");
    assert_eq!(stars["stale"], "false", "{out}");

    // Asking: empty, stopped in the browser; then sent.
    assert_eq!(out["before"]["none"], "还没有申请过证明", "{out}");
    assert_eq!(out["before"]["rows"], 0, "{out}");
    assert_eq!(out["askFocused"], "certificate-purpose", "{out}");
    assert_eq!(
        out["askEmpty"],
        json!({"said": "请填写用途（最多200字）", "invalid": "true", "posts": 0}),
        "{out}"
    );
    let asked = &out["asked"];
    assert_eq!(asked["posts"], 1, "{out}");
    assert_eq!(asked["done"], "申请已提交，社区出具后会显示在下面", "{out}");
    assert_eq!(asked["status"], "待出具", "{out}");
    assert_eq!(asked["purpose"], PURPOSE, "{out}");
    assert_eq!(
        asked["period"],
        format!("{} 至 {}", cn_date(&from), cn_date(&today)),
        "{out}"
    );
    assert_eq!(asked["formOpen"], false, "{out}");
    assert_eq!(
        asked["buttons"], 0,
        "nothing to open before it is issued: {out}"
    );

    // The supervisor's desk: the request, in words.
    assert_eq!(out["pendingOnButton"], "1", "{out}");
    let request = &out["request"];
    assert_eq!(request["count"], "1", "{out}");
    assert_eq!(request["rows"], 1, "{out}");
    assert_eq!(request["name"], NAME, "{out}");
    assert!(
        text(&request["community"]).contains(&community_name),
        "{out}"
    );
    assert_eq!(request["purpose"], PURPOSE, "{out}");
    assert_eq!(request["period"], asked["period"], "{out}");
    assert!(!text(&request["when"]).is_empty(), "{out}");
    assert_eq!(request["status"], "待出具", "{out}");
    assert_eq!(request["issuedNone"], "还没有出具过证明", "{out}");
    assert_eq!(request["codes"], json!([]), "{out}");
    let request_en = &out["requestEn"];
    assert_eq!(request_en["period"], format!("{from} to {today}"), "{out}");
    assert_eq!(request_en["status"], "Waiting", "{out}");
    assert_eq!(request_en["button"], "Issue it", "{out}");
    assert!(
        text(&request_en["section"]).starts_with("Certificates"),
        "{out}"
    );
    assert_eq!(request_en["codes"], json!([]), "{out}");
    assert_eq!(request_en["han"], json!([]), "{out}");

    let desk = &out["issued"];
    assert_eq!(desk["said"], format!("已出具，证明编号 {number}"), "{out}");
    assert_eq!(desk["status"], "已出具", "{out}");
    assert_eq!(desk["number"], number.as_str(), "{out}");
    assert_eq!(desk["listedNumber"], number.as_str(), "{out}");
    assert_eq!(desk["hours"], "104 小时", "{out}");
    assert_eq!(desk["count"], "0", "{out}");
    assert_eq!(desk["errors"], json!([]), "{out}");
    assert_eq!(
        out["supPage"],
        json!({"number": number, "idNumber": ID_NUMBER, "lists": 0, "backFocused": "certificate-open"}),
        "the certificate's page at the desk, in place of the lists: {out}"
    );

    // The volunteers' stars and the community's year at the desk.
    let (_, list) = get_json(&server, &format!("/api/volunteers?year={year}"), &sup).await;
    let (_, summary) = get_json(
        &server,
        &format!("/api/volunteers/summary?year={year}"),
        &sup,
    )
    .await;
    let ours = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["org"] == COMMUNITY)
        .unwrap_or_else(|| panic!("{summary}"));
    let st = &out["standing"];
    assert_eq!(st["year"], year.as_str(), "{out}");
    assert_eq!(st["name"], NAME, "{out}");
    assert_eq!(st["number"], volunteer_number.as_str(), "{out}");
    assert_eq!(st["stars"], "1星（满分5星）", "{out}");
    assert_eq!(st["glyphs"], "★☆☆☆☆", "{out}");
    assert_eq!(
        st["yearHours"],
        format!("{year}年 {year_text} 小时"),
        "{out}"
    );
    assert_eq!(st["total"], "累计 104 小时", "{out}");
    assert_eq!(
        st["listed"],
        list.as_array().unwrap().len().to_string(),
        "{out}"
    );
    assert_eq!(st["shown"], 1, "found by name: {out}");
    assert_eq!(
        st["communities"],
        summary.as_array().unwrap().len(),
        "{out}"
    );
    let row = &st["community"];
    assert_eq!(row["name"], community_name.as_str(), "{out}");
    assert_eq!(row["volunteers"], ours["volunteers"].to_string(), "{out}");
    assert_eq!(row["active"], ours["active"].to_string(), "{out}");
    let hours = ours["hours"].as_f64().unwrap();
    assert_eq!(
        row["hours"],
        format!("{}", (hours * 10.0).round() / 10.0),
        "{out}"
    );
    assert!(
        text(&row["stars"]).contains(&format!("一星级 {}", ours["by_stars"][1])),
        "{out} {summary}"
    );
    assert_eq!(st["codes"], json!([]), "{out}");
    let st_en = &out["standingEn"];
    assert_eq!(
        st_en["yearHours"],
        format!("{year_text} h in {year}"),
        "{out}"
    );
    assert_eq!(st_en["stars"], "1 of 5 stars", "{out}");
    assert!(text(&st_en["communityStars"]).contains("one star"), "{out}");
    assert_eq!(st_en["codes"], json!([]), "{out}");
    let last_year = (year.parse::<i32>().unwrap() - 1).to_string();
    let before = &out["standingLastYear"];
    assert_eq!(before["year"], last_year.as_str(), "{out}");
    let last_year_hours = dates.iter().filter(|d| d.starts_with(&last_year)).count() * 8;
    assert_eq!(
        before["yearHours"],
        format!("{last_year}年 {last_year_hours} 小时"),
        "{out}"
    );
    assert_eq!(
        before["total"], "累计 104 小时",
        "stars count all service: {out}"
    );

    // The volunteer sees it issued, without reloading.
    let home = &out["mineIssued"];
    assert_eq!(home["status"], "已出具", "{out}");
    assert_eq!(home["number"], number.as_str(), "{out}");
    assert_eq!(home["issuedOn"], cn_date(text(&c["issued_on"])), "{out}");
    assert_eq!(home["hours"], "104 小时", "{out}");
    assert_eq!(home["pdfLabel"], format!("下载PDF：证明 {number}"), "{out}");
    assert_eq!(out["volPdfErrors"], json!([]), "{out}");

    // The PDFs fetched through the screens: the certificate's, whole.
    for who in ["volPdf", "supPdf"] {
        assert_eq!(out[who]["name"], format!("{number}.pdf"), "{out}");
        let pdf = pdf_text(text(&out[who]["path"])).await;
        for needed in [
            "志愿服务记录证明",
            NAME,
            "居民身份证",
            ID_NUMBER,
            &volunteer_number,
            &number,
            "助老送餐",
            &dates[0],
            "累计服务时长",
            &community_name,
            CONTACT,
            &cn_date(&from),
            "（盖章）",
        ] {
            assert!(pdf.contains(needed), "{needed} in {who}'s PDF: {pdf}");
        }
    }

    // The printable page: the certificate as the PDF has it, in Chinese.
    let page = &out["page"];
    assert_eq!(page["title"], "志愿服务记录证明", "{out}");
    assert_eq!(page["number"], number.as_str(), "{out}");
    assert_eq!(page["name"], NAME, "{out}");
    assert_eq!(page["volunteerNumber"], volunteer_number.as_str(), "{out}");
    assert_eq!(page["idType"], "居民身份证", "{out}");
    assert_eq!(page["idNumber"], ID_NUMBER, "{out}");
    assert_eq!(
        page["sentence"],
        format!(
            "兹证明{NAME}于{}至{}期间在{community_name}参加志愿服务，经记录核实，累计服务时长104小时。具体情况如下：",
            cn_date(&from),
            cn_date(&today)
        ),
        "{out}"
    );
    assert_eq!(page["services"], DAYS, "{out}");
    assert_eq!(page["total"], "104", "{out}");
    assert_eq!(page["issuer"], community_name.as_str(), "{out}");
    assert_eq!(page["issuedBy"], issued_by.as_str(), "{out}");
    assert_eq!(page["contact"], CONTACT, "{out}");
    assert_eq!(page["issuedOn"], cn_date(text(&c["issued_on"])), "{out}");
    assert_eq!(page["seal"], "（盖章）", "{out}");
    assert!(
        text(&page["verify"]).contains(&format!("/#verify/{number}")),
        "{out}"
    );
    for label in [
        "负责人：",
        "经办人：",
        "出具单位：",
        "联系方式：",
        "出具日期：",
    ] {
        assert!(text(&page["text"]).contains(label), "{label}: {out}");
    }
    assert_eq!(page["homeHidden"], true, "{out}");
    assert_eq!(page["focused"], "certificate-back", "{out}");
    assert_eq!(page["back"], "‹ 返回", "{out}");
    let page_en = &out["pageEn"];
    assert_eq!(page_en["back"], "‹ Back", "{out}");
    assert_eq!(page_en["print"], "Print the certificate", "{out}");
    assert_eq!(
        page_en["title"], "志愿服务记录证明",
        "the certificate stays in Chinese: {out}"
    );
    assert!(text(&page_en["note"]).starts_with("The certificate is in Chinese"));
    assert_eq!(out["backFocused"], "certificate-open", "{out}");

    // Printed: the certificate only.
    assert_eq!(
        out["printed"]["shown"],
        json!([]),
        "nothing but the certificate is printed: {out}"
    );
    assert_eq!(out["printed"]["pages"], 1, "one A4 page: {out}");
    let printed = text(&out["printed"]["text"]);
    for needed in [
        "志愿服务记录证明",
        NAME,
        ID_NUMBER,
        &number,
        "助老送餐",
        "(小时)104",
        "(盖章)",
        CONTACT,
    ] {
        assert!(printed.contains(needed), "{needed} printed: {printed}");
    }
    for left_out in ["我的星级", "登记服务时长", "返回", "打印证明", "邻里"] {
        assert!(!printed.contains(left_out), "{left_out} printed: {printed}");
    }

    // The home screen in English: no raw codes, no Chinese but what was typed.
    let en = &out["homeEn"];
    assert_eq!(en["stars"]["level"], "One-star volunteer", "{out}");
    assert_eq!(en["stars"]["glyphsLabel"], "1 of 5 stars", "{out}");
    assert_eq!(
        en["stars"]["next"], "196 more hours to two stars (300 hours in all)",
        "{out}"
    );
    assert_eq!(
        en["stars"]["yearLabel"],
        format!("Approved in {year} (hours)"),
        "{out}"
    );
    assert_eq!(en["status"], "Issued", "{out}");
    assert_eq!(en["period"], format!("{from} to {today}"), "{out}");
    assert_eq!(en["view"], "View and print", "{out}");
    assert_eq!(en["codes"], json!([]), "{out}");
    assert_eq!(en["han"], json!([]), "{out}");
    assert_eq!(en["hanCertificates"], json!([]), "{out}");

    // Offline after a reload: as last fetched, said so; no error; no ID number on the phone.
    let offline = &out["offline"];
    assert_eq!(offline["stars"]["level"], "一星级志愿者", "{out}");
    assert_eq!(offline["stars"]["total"], "104", "{out}");
    assert_eq!(offline["stars"]["stale"], "true", "{out}");
    assert!(
        text(&offline["stars"]["fetched"]).starts_with("离线显示"),
        "{out}"
    );
    assert_eq!(offline["number"], number.as_str(), "{out}");
    assert!(
        text(&offline["kept"]).starts_with("离线显示：列表更新于"),
        "{out}"
    );
    assert_eq!(offline["needsNetwork"], "查看证明全文需要联网", "{out}");
    assert_eq!(offline["viewDisabled"], true, "{out}");
    assert_eq!(offline["redErrors"], json!([]), "{out}");
    assert_eq!(offline["keptIdNumber"], false, "{out}");

    // Anyone checks the number: masked, with the hours.
    let verified = &out["verified"];
    assert_eq!(
        verified["found"],
        format!("查到此证明：本系统出具过编号为 {number} 的证明"),
        "{out}"
    );
    assert_eq!(verified["name"], "王*红", "{out}");
    assert_eq!(verified["id"], "110*************2X", "{out}");
    assert_eq!(verified["hours"], "104 小时", "{out}");
    assert_eq!(verified["issuer"], community_name.as_str(), "{out}");
    assert_eq!(
        verified["issuedOn"],
        cn_date(text(&c["issued_on"])),
        "{out}"
    );
    assert_eq!(verified["typed"], number.as_str(), "{out}");
    assert!(
        !text(&verified["pageText"]).contains(ID_NUMBER),
        "the whole ID number is not shown: {out}"
    );
    let verified_en = &out["verifiedEn"];
    assert_eq!(
        verified_en["found"],
        format!("Found: a certificate numbered {number} was issued here"),
        "{out}"
    );
    assert_eq!(verified_en["hours"], "104 hours", "{out}");
    assert_eq!(verified_en["issuedOn"], text(&c["issued_on"]), "{out}");
    assert_eq!(verified_en["han"], json!([]), "{out}");

    assert_eq!(out["screens"].as_array().unwrap().len(), 19, "{out}");
    let found = problems(&out);
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );

    let audit = store.audit_entries().await.unwrap();
    for action in ["certificate_request", "certificate_issue"] {
        assert!(audit.iter().any(|(a, _, _)| a == action), "{action}");
    }
    server.stop().await;
    db.cleanup().await;
}
