//! A volunteer's side of `linli-field` with the server (issue #20), the real binary against the
//! real server with a real login: their approved hours and star level (`volunteer totals`,
//! and without the server the hours in the documents on the device, said to be from there),
//! an activity listed, enrolled in and checked in at with codes signed by the organiser's key
//! (a mistyped code refused on the device, a forged one refused in the server's words, a
//! check-in kept on the device offline and handed in later), and certificates asked for,
//! listed and saved as a PDF. Human output (Chinese, then English) and `--json`.

use linli_sync_core::checkin::{sign, Scan};
use linli_sync_core::contract::recognition;
use serde_json::{json, Value};

use crate::field_cli::Device;
use crate::harness::{get_json, post_json, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const COMMUNITY: &str = "c01/s01/m01";
const VOLUNTEER: &str = "lixiulan";
const PASSWORD: &str = "my-own-password";
/// Debian's fonts-noto-cjk, which the server finds without `--certificate-font`.
const CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
];

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// An address where nothing listens: the volunteer far from signal.
fn nowhere() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// Runs a command without `--json` that must succeed; returns what it printed.
async fn text(device: &Device, args: &[&str]) -> String {
    let (code, out, err) = device.run_text(args).await;
    assert_eq!(code, 0, "linli-field {args:?} failed: {out} {err}");
    out
}

async fn a_volunteer_sees_totals_activities_and_certificates(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.cli(
        &["org", "add", "--path", COMMUNITY, "--name", "幸福社区"],
        None,
    )
    .await;
    db.add_user("sup", "supervisor", "c01/s01", Some("sup-password"))
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let sup = db.token("sup").await;

    // A resident signs up and is approved (a certificate names their ID document).
    let (code, signed) = post_json(
        &server,
        "/api/volunteers/sign-up",
        json!({"community": COMMUNITY, "name": "李秀兰", "phone": "13800138000",
            "id_type": "resident_id", "id_number": "11010519491231002X", "consent": true,
            "login": VOLUNTEER, "password": PASSWORD}),
        None,
    )
    .await;
    assert_eq!(code, 200, "{signed}");
    let decide = format!("/api/volunteers/sign-ups/{}", s(&signed["id"]));
    let (code, approved) =
        post_json(&server, &decide, json!({"decision": "approve"}), Some(&sup)).await;
    assert_eq!(code, 200, "{approved}");

    // Their phone: a login, their volunteer record and service logged offline.
    let phone = Device::new(db.dir.path(), "vol-phone");
    phone.login(&server, VOLUNTEER, PASSWORD).await;
    let doc = s(&phone
        .ok(&[
            "volunteer",
            "create",
            "--org",
            COMMUNITY,
            "--name",
            "李秀兰",
        ])
        .await["documentId"])
    .to_owned();
    let mut approve = Vec::new();
    // 24 hours on each of five days of 2024 and two hours in 2025: 122 hours, one star.
    for (date, minutes) in [
        ("2024-03-01", 1440),
        ("2024-03-02", 1440),
        ("2024-03-03", 1440),
        ("2024-03-04", 1440),
        ("2024-03-05", 1440),
        ("2025-03-01", 120),
    ] {
        let entry = phone
            .ok(&[
                "volunteer",
                "log",
                "--doc",
                &doc,
                "--date",
                date,
                "--minutes",
                &minutes.to_string(),
                "--activity",
                "助老送餐",
                "--category",
                "elderly",
            ])
            .await;
        approve.push(json!({"document_id": doc, "entry_id": entry["entryId"]}));
    }
    // An hour only submitted: it does not count.
    phone
        .ok(&[
            "volunteer",
            "log",
            "--doc",
            &doc,
            "--date",
            "2025-03-02",
            "--minutes",
            "60",
            "--activity",
            "未审核",
        ])
        .await;
    phone.sync().await;
    let (code, body) = post_json(
        &server,
        "/api/review/entries",
        json!({"items": approve, "status": "approved"}),
        Some(&sup),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    phone.sync().await;

    // ---- Totals and stars, from the server.
    let totals = phone.ok(&["volunteer", "totals", "--year", "2025"]).await;
    assert_eq!(totals["source"], "server", "{totals}");
    assert_eq!(totals["approved_hours"], 122.0, "{totals}");
    assert_eq!(totals["year_hours"], 2.0, "{totals}");
    assert_eq!(totals["stars"], recognition::stars(122 * 60), "{totals}");
    assert_eq!(totals["stars"], 1);
    assert_eq!(totals["next_star_hours"], 300);
    assert_eq!(totals["hours_to_next_star"], 178.0);
    assert_eq!(totals["star_level"], "★ 一星级志愿者 (one-star)");
    assert_eq!(totals["volunteer_number"], approved["volunteer_number"]);
    let shown = text(&phone, &["volunteer", "totals", "--year", "2025"]).await;
    for needed in [
        "累计认定时长 Approved hours in all: 122 小时",
        "2025年认定 Approved in 2025: 2 小时",
        "★ 一星级志愿者 (one-star)",
        "再服务 178 小时可达二星级（累计 300 小时）",
        "178 more hours to two-star (300 hours in all)",
        s(&approved["volunteer_number"]),
    ] {
        assert!(shown.contains(needed), "{needed} in: {shown}");
    }
    assert!(
        !shown.contains("Offline") && !shown.contains("on this device"),
        "{shown}"
    );

    // ---- Offline: the approved hours in the documents on the device, said to be from there.
    let away = nowhere();
    let offline = phone
        .ok(&["--server", &away, "volunteer", "totals", "--year", "2025"])
        .await;
    assert_eq!(offline["source"], "device", "{offline}");
    assert!(
        s(&offline["offline"]).starts_with("connection:"),
        "{offline}"
    );
    assert_eq!(offline["approved_hours"], 122.0, "{offline}");
    assert_eq!(offline["year_hours"], 2.0, "{offline}");
    assert_eq!(offline["waiting_hours"], 1.0, "{offline}");
    assert_eq!(offline["stars"], 1);
    assert_eq!(offline["documents"], json!([doc]));
    let shown = text(
        &phone,
        &["--server", &away, "volunteer", "totals", "--year", "2025"],
    )
    .await;
    for needed in [
        "离线",
        "Offline: the server cannot be reached",
        "From the volunteer documents on this device",
        "Approved hours in all (on this device): 122 小时",
        "Star level (on this device): ★ 一星级志愿者 (one-star)",
        "Also 1 hours logged and not approved yet",
    ] {
        assert!(shown.contains(needed), "{needed} in: {shown}");
    }

    // ---- An activity: listed, enrolled in, checked in at.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let at = |minutes: i64| linli_sync_core::calendar::iso_from_ms(now_ms + minutes * 60_000);
    let (code, meal) = post_json(
        &server,
        "/api/activities",
        json!({"title": "助老送餐", "place": "幸福社区活动室", "category": "elderly",
            "description": "为独居老人送餐", "starts_at": at(-10), "ends_at": at(110),
            "capacity": 5, "skills": [], "org": COMMUNITY}),
        Some(&sup),
    )
    .await;
    assert_eq!(code, 200, "{meal}");
    let id = s(&meal["id"]).to_owned();

    let list = phone.ok(&["volunteer", "activities"]).await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} listed: {list}"));
    assert_eq!(listed["me"]["enrolled"], false, "{listed}");
    assert_eq!(
        (listed["enrolled"].clone(), listed["capacity"].clone()),
        (json!(0), json!(5))
    );
    let shown = text(&phone, &["volunteer", "activities"]).await;
    for needed in [
        format!("{id}  助老送餐  [进行中 under way]"),
        "地点 Where: 幸福社区活动室".into(),
        "已报名 0/5 (0 of 5 enrolled)".into(),
        "未报名 (not enrolled)".into(),
        "(+08:00)".into(),
    ] {
        assert!(shown.contains(&needed), "{needed} in: {shown}");
    }

    let enrolled = phone.ok(&["volunteer", "enrol", "--activity", &id]).await;
    assert_eq!(enrolled["me"]["enrolled"], true, "{enrolled}");
    assert_eq!(enrolled["enrolled"], 1);
    let withdrawn = phone
        .ok(&["volunteer", "withdraw", "--activity", &id])
        .await;
    assert_eq!(withdrawn["me"]["enrolled"], false, "{withdrawn}");
    let shown = text(&phone, &["volunteer", "enrol", "--activity", &id]).await;
    assert!(shown.contains("已报名：助老送餐"), "{shown}");
    assert!(shown.contains("Enrolled: 助老送餐"), "{shown}");
    let shown = text(&phone, &["volunteer", "activities"]).await;
    assert!(
        shown.contains("已报名，未签到 (enrolled, not checked in)"),
        "{shown}"
    );
    assert!(shown.contains("已报名 1/5"), "{shown}");
    let unknown = phone
        .fails(&["volunteer", "enrol", "--activity", "0123456789abcdef"])
        .await;
    assert!(
        unknown.starts_with("the server answered 404: not found"),
        "{unknown}"
    );

    // The organiser's phone signs the codes with the activity's key: in 20 minutes before the
    // start, out 45 minutes after it; 45 minutes served.
    let (code, key) = get_json(&server, &format!("/api/activities/{id}/key"), &sup).await;
    assert_eq!(code, 200, "{key}");
    let key = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s(&key["key"]))
            .unwrap()
    };
    let start = now_ms / 60_000 - 10;
    let check_in = sign(&key, &id, Scan::In, start - 20);
    let check_out = sign(&key, &id, Scan::Out, start + 45);

    // A mistyped code is refused on the device, without the server.
    let typo = check_in.replacen(".i.", ".l.", 1);
    let refused = phone
        .fails(&[
            "--server",
            &away,
            "volunteer",
            "check-in",
            "--activity",
            &id,
            "--in",
            &typo,
            "--out",
            &check_out,
        ])
        .await;
    assert!(
        refused.contains("--in: not a Linli check-in code"),
        "{refused}"
    );
    let refused = phone
        .fails(&[
            "--server",
            &away,
            "volunteer",
            "check-in",
            "--activity",
            &id,
            "--in",
            &check_out,
            "--out",
            &check_in,
        ])
        .await;
    assert!(refused.contains("this is a check-out code"), "{refused}");
    // A forged one, in the server's words.
    let forged = sign(b"a forger's key", &id, Scan::In, start);
    let refused = phone
        .fails(&[
            "volunteer",
            "check-in",
            "--activity",
            &id,
            "--in",
            &forged,
            "--out",
            &check_out,
        ])
        .await;
    assert!(
        refused.starts_with("the server answered 400: the code's signature does not match"),
        "{refused}"
    );
    let (code, _, err) = phone
        .run_text(&[
            "volunteer",
            "check-in",
            "--activity",
            &id,
            "--in",
            &forged,
            "--out",
            &check_out,
        ])
        .await;
    assert_eq!(code, 1);
    assert!(err.contains("signature does not match"), "{err}");

    // Offline: the check-in is kept on the device, then the check-out; handed in once online.
    let kept = phone
        .ok(&[
            "--server",
            &away,
            "volunteer",
            "check-in",
            "--activity",
            &id,
            "--in",
            &check_in,
        ])
        .await;
    assert_eq!(kept["outcome"], "awaiting_check_out", "{kept}");
    let shown = text(&phone, &["volunteer", "activities"]).await;
    assert!(
        shown.contains("本机 On this device: 已签到") && shown.contains("待签退"),
        "{shown}"
    );
    let run = phone
        .run(&[
            "--server",
            &away,
            "volunteer",
            "check-in",
            "--activity",
            &id,
            "--out",
            &check_out,
        ])
        .await;
    assert_eq!(run.code, 3, "kept, not handed in: {}", run.json);
    assert_eq!(run.json["outcome"], "kept", "{}", run.json);
    let (code, shown, _) = phone.run_text(&["volunteer", "check-in", "--send"]).await;
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("已记入 45 分钟（0.75 小时") && shown.contains("待组织者确认"),
        "{shown}"
    );
    assert!(
        shown.contains("45 minutes (0.75 hours") && shown.contains("the organiser will confirm"),
        "{shown}"
    );
    let again = phone.ok(&["volunteer", "check-in", "--send"]).await;
    assert_eq!(
        again["credited"],
        json!([]),
        "nothing left to send: {again}"
    );
    // Handing the same codes in again answers what was credited.
    let retry = phone
        .ok(&[
            "volunteer",
            "check-in",
            "--activity",
            &id,
            "--in",
            &check_in,
            "--out",
            &check_out,
        ])
        .await;
    assert_eq!(retry["outcome"], "credited", "{retry}");
    assert_eq!(retry["credited"]["minutes"], 45);
    assert_eq!(retry["credited"]["already"], true);
    assert_eq!(retry["credited"]["document_id"], doc.as_str());
    let shown = text(&phone, &["volunteer", "activities"]).await;
    assert!(shown.contains("已记入 45 分钟，待组织者确认"), "{shown}");
    assert!(!shown.contains("本机 On this device"), "sent: {shown}");

    // The organiser confirms: the hours count.
    let (code, body) = post_json(
        &server,
        &format!("/api/activities/{id}/confirm"),
        json!({}),
        Some(&sup),
    )
    .await;
    assert_eq!((code, body["confirmed"].clone()), (200, json!(1)), "{body}");
    let list = phone.ok(&["volunteer", "activities"]).await;
    assert_eq!(list[0]["me"]["attendance"]["status"], "approved", "{list}");
    let totals = phone.ok(&["volunteer", "totals", "--year", "2025"]).await;
    assert_eq!(totals["approved_hours"], 122.75, "{totals}");
    assert_eq!(totals["hours_to_next_star"], 177.25, "{totals}");

    // ---- Certificates.
    let none = phone.ok(&["volunteer", "certificates"]).await;
    assert_eq!(none, json!([]));
    let shown = text(&phone, &["volunteer", "certificates"]).await;
    assert!(shown.contains("还没有申请过证明"), "{shown}");
    let bad = phone
        .fails(&[
            "volunteer",
            "certificate",
            "ask",
            "--purpose",
            "升学材料",
            "--from",
            "2025-12-31",
            "--to",
            "2024-01-01",
        ])
        .await;
    assert!(bad.contains("--from 2025-12-31 is after --to"), "{bad}");
    let asked = phone
        .ok(&[
            "volunteer",
            "certificate",
            "ask",
            "--purpose",
            "升学材料",
            "--from",
            "2024-01-01",
            "--to",
            "2025-12-31",
        ])
        .await;
    assert_eq!(asked["status"], "requested", "{asked}");
    let cert = s(&asked["id"]).to_owned();
    let shown = text(&phone, &["volunteer", "certificates"]).await;
    assert!(
        shown.contains(&format!(
            "{cert}  待出具 waiting  -  2024-01-01 至 2025-12-31"
        )),
        "{shown}"
    );
    assert!(shown.contains("升学材料"), "{shown}");
    let pdf = db.dir.path().join("证明.pdf");
    let pdf_arg = pdf.to_str().unwrap();
    let early = phone
        .fails(&[
            "volunteer",
            "certificate",
            "pdf",
            "--id",
            &cert,
            "--out",
            pdf_arg,
        ])
        .await;
    assert!(early.contains("is not issued yet"), "{early}");
    assert!(!pdf.exists());

    let (code, issued) = post_json(
        &server,
        &format!("/api/certificates/{cert}/issue"),
        json!({"contact": "0512-66881234"}),
        Some(&sup),
    )
    .await;
    assert_eq!(code, 200, "{issued}");
    let number = s(&issued["number"]).to_owned();
    let list = phone.ok(&["volunteer", "certificates"]).await;
    assert_eq!(list[0]["status"], "issued", "{list}");
    assert_eq!(list[0]["number"], number.as_str());
    assert_eq!(list[0]["certificate"]["total_hours"], 122.0, "{list}");
    let shown = text(&phone, &["volunteer", "certificates"]).await;
    assert!(
        shown.contains(&format!(
            "{cert}  已出具 issued  {number}  2024-01-01 至 2025-12-31 (2024-01-01 to 2025-12-31)  122 小时 (h)"
        )),
        "{shown}"
    );

    if CJK_FONTS.iter().any(|f| std::path::Path::new(f).exists()) {
        let saved = phone
            .ok(&[
                "volunteer",
                "certificate",
                "pdf",
                "--id",
                &cert,
                "--out",
                pdf_arg,
            ])
            .await;
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(
            bytes.starts_with(b"%PDF-"),
            "{:?}",
            &bytes[..bytes.len().min(20)]
        );
        assert_eq!(saved["bytes"], bytes.len());
    } else {
        eprintln!(
            "skipped: the certificate's PDF needs a CJK font (fonts-noto-cjk); none of {CJK_FONTS:?}"
        );
    }

    // A supervisor is no volunteer: the server says so.
    let desk = Device::new(db.dir.path(), "sup-desk");
    desk.login(&server, "sup", "sup-password").await;
    let refused = desk.fails(&["volunteer", "totals"]).await;
    assert_eq!(refused, "the server answered 403: not allowed");

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(a_volunteer_sees_totals_activities_and_certificates);
