//! A volunteer activity with offline QR check-in in the web app (issue #20), in real headless
//! chromium against the real server (`tests/js/activities.mjs`): the supervisor publishes an
//! activity from the desk; a volunteer on a phone makes their record and enrols; codes the
//! phone can judge itself are refused in words, and a forged pair is refused by the server in
//! words (Chinese and English); the organiser's QR code is photographed by the volunteer's
//! phone offline, check-in and then check-out (the organiser's page reloaded with no network
//! and still showing codes); online again the phone sends them and shows the minutes credited;
//! the organiser confirms in the browser. The codes the phone read are checked here against
//! the server's own signing (`linli_sync_core::checkin`, byte for byte), and the stored
//! volunteer document holds the entry with `source: checkin`, the minutes between the two
//! codes, approved. SQLite only: the API's own tests run on both databases.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use linli_sync_core::checkin::{self, Code, Scan};
use serde_json::Value;

use crate::harness::{http_get_auth, Backend};
use crate::web::{problems, run_script, setup, PASSWORD};

const SUPERVISOR: &str = "sup-web";
const VOLUNTEER: &str = "vol-web";

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_checks_in_and_out_offline_with_the_organisers_qr_code() {
    let Some((db, server)) = setup(Backend::Sqlite).await else {
        return;
    };
    for (path, name) in [
        ("c01", "临河县"),
        ("c01/s01", "幸福街道"),
        ("c01/s01/m01", "安康社区"),
    ] {
        db.cli(&["org", "add", "--path", path, "--name", name], None)
            .await;
    }
    for (user, name) in [(SUPERVISOR, "张督导"), (VOLUNTEER, "王志愿")] {
        db.cli(
            &["user", "set", "--name", user, "--display-name", name],
            None,
        )
        .await;
    }
    let out = run_script(
        "activities.mjs",
        "activities",
        &server,
        Backend::Sqlite,
        &[
            "--password",
            PASSWORD,
            "--supervisor",
            SUPERVISOR,
            "--volunteer",
            VOLUNTEER,
        ],
    )
    .await;
    let id = text(&out["id"]).to_owned();
    let title = text(&out["title"]).to_owned();
    assert_eq!(id.len(), 16, "{out}");

    // Published from the desk, in words.
    assert_eq!(out["tabLabel"], "志愿活动", "{out}");
    assert_eq!(
        out["emptyRefusal"], "请填写活动名称、地点、日期和时间",
        "{out}"
    );
    assert_eq!(out["published"]["title"], title.as_str(), "{out}");
    assert_eq!(
        out["published"]["notice"],
        format!("已发布：{title}"),
        "{out}"
    );
    assert_eq!(out["published"]["places"], "已报名 0/5", "{out}");
    assert_eq!(out["published"]["category"], "助老", "{out}");
    assert_eq!(out["published"]["skills"], "助老、陪聊", "{out}");

    // Offered to the volunteer, and enrolled.
    assert_eq!(out["offered"]["title"], title.as_str(), "{out}");
    assert!(
        text(&out["offered"]["when"]).contains("安康社区老年活动室"),
        "{out}"
    );
    assert_eq!(out["offered"]["button"], "报名", "{out}");
    assert_eq!(
        out["enrolled"]["notice"],
        format!("已报名：{title}"),
        "{out}"
    );
    assert_eq!(out["enrolled"]["places"], "已报名 1/5", "{out}");
    assert_eq!(out["enrolled"]["scan"], "扫码签到", "{out}");
    assert_eq!(
        out["withdrawn"]["notice"],
        format!("已取消报名：{title}"),
        "{out}"
    );
    assert_eq!(out["withdrawn"]["places"], "已报名 0/5", "{out}");

    // Refused by the phone in words, and a forged pair by the server.
    let refusals = &out["refusals"];
    assert_eq!(
        refusals["checkOutFirst"], "这是签退码，请先扫描签到码",
        "{out}"
    );
    assert_eq!(refusals["otherActivity"], "这是另一个活动的签到码", "{out}");
    assert_eq!(refusals["notEnrolled"], "您没有报名这个活动", "{out}");
    assert_eq!(
        refusals["notACode"], "这不是邻里的签到码，请扫描组织者手机上的二维码",
        "{out}"
    );
    let forged = &out["forged"];
    assert_eq!(forged["zh"], "签到码无效：不是本活动组织者生成的", "{out}");
    assert!(text(&forged["said"]).contains("signature"), "{out}");
    assert!(
        text(&forged["heading"]).starts_with("签到记录未被接受"),
        "{out}"
    );
    assert_eq!(
        forged["en"], "The code is not valid: it was not made by this activity's organiser",
        "{out}"
    );
    assert!(
        text(&forged["saidEn"]).starts_with("The server said"),
        "{out}"
    );

    // The organiser's code screen.
    let code_view = &out["codeView"];
    assert_eq!(code_view["title"], title.as_str(), "{out}");
    assert_eq!(code_view["kind"], "签到码", "{out}");
    assert_eq!(
        code_view["offline"], "签到码每分钟自动更新，不需要联网",
        "{out}"
    );
    assert_eq!(
        code_view["offlineEn"], "The code changes every minute and works offline",
        "{out}"
    );
    assert_eq!(code_view["kindEn"], "Check-in code", "{out}");
    assert_eq!(code_view["pressed"], "true", "{out}");
    assert!(text(&code_view["alt"]).contains("二维码"), "{out}");

    // Checked in and out offline: waiting to sync, no error for being offline.
    let checked_in = &out["checkedIn"];
    assert!(
        text(&checked_in["text"]).starts_with("已签到 ")
            && text(&checked_in["text"]).ends_with("（待同步）"),
        "{out}"
    );
    assert!(
        text(&checked_in["en"]).starts_with("Checked in at "),
        "{out}"
    );
    assert_eq!(checked_in["next"], "扫码签退", "{out}");
    assert_eq!(checked_in["redErrors"], serde_json::json!([]), "{out}");
    assert_eq!(out["offlineCode"]["kind"], "签退码", "{out}");
    assert_eq!(out["offlineCode"]["pressed"], "true", "{out}");
    let checked_out = &out["checkedOut"];
    assert!(text(&checked_out["out"]).starts_with("已签退 "), "{out}");
    assert!(text(&checked_out["out"]).ends_with("（待同步）"), "{out}");
    assert_eq!(checked_out["sync"], "联网后自动发送", "{out}");

    // The codes the phone read are the server's own, byte for byte.
    let sup = db.token(SUPERVISOR).await;
    let (status, body) =
        http_get_auth(&server.addr, &format!("/api/activities/{id}/key"), &sup).await;
    assert_eq!(status, 200, "{body}");
    let key: Value = serde_json::from_str(&body).unwrap();
    let key = URL_SAFE_NO_PAD.decode(text(&key["key"])).unwrap();
    let scans = &out["scans"];
    let check_in = Code::parse(text(&scans["in"])).expect("a code");
    let check_out = Code::parse(text(&scans["out"])).expect("a code");
    assert_eq!(check_in.verify(&key), Ok(()), "{out}");
    assert_eq!(check_out.verify(&key), Ok(()), "{out}");
    assert_eq!(
        (check_in.activity.as_str(), check_in.scan),
        (id.as_str(), Scan::In),
        "{out}"
    );
    assert_eq!(check_out.scan, Scan::Out, "{out}");
    assert_eq!(
        text(&scans["in"]),
        checkin::sign(&key, &id, Scan::In, check_in.minute),
        "{out}"
    );
    assert_eq!(
        text(&scans["out"]),
        checkin::sign(&key, &id, Scan::Out, check_out.minute),
        "{out}"
    );
    assert_eq!(scans["inMinute"], check_in.minute, "{out}");
    assert_eq!(out["codeView"]["minute"], check_in.minute, "{out}");
    assert_eq!(out["offlineCode"]["minute"], check_out.minute, "{out}");
    // The activity began ten minutes before the check-in and lasts two hours, so the credit
    // is the minutes between the two codes.
    let minutes = check_out.minute - check_in.minute;
    assert!(minutes >= 1, "{out}");

    // Credited, shown on the phone, and confirmed by the organiser.
    let credited = &out["credited"];
    assert_eq!(credited["minutes"], minutes, "{out}");
    assert_eq!(credited["text"], format!("已记入 {minutes} 分钟"), "{out}");
    assert_eq!(credited["en"], format!("{minutes} min credited"), "{out}");
    assert_eq!(credited["confirmation"], "待组织者确认", "{out}");
    assert_eq!(
        credited["confirmationEn"], "waiting for the organiser to confirm",
        "{out}"
    );
    assert_eq!(credited["entryStatus"], "submitted", "{out}");
    let attendance = &out["attendance"];
    assert_eq!(attendance["status"], "submitted", "{out}");
    assert_eq!(attendance["statusWord"], "待确认", "{out}");
    assert_eq!(attendance["minutes"], minutes, "{out}");
    assert_eq!(attendance["enrolments"], "1", "{out}");
    assert_eq!(attendance["confirmAll"], "全部确认（1 人）", "{out}");
    let confirmed = &out["confirmed"];
    assert_eq!(confirmed["statusWord"], "已确认", "{out}");
    assert_eq!(confirmed["statusWordEn"], "Confirmed", "{out}");
    assert_eq!(confirmed["notice"], "已确认 1 人的服务时长", "{out}");
    assert_eq!(confirmed["confirmAllLeft"], false, "{out}");
    assert_eq!(out["volunteerConfirmed"], "组织者已确认", "{out}");

    // The server agrees: the volunteer's attendance, and an approved entry of those minutes.
    let me = &out["api"]["me"];
    assert_eq!(me["enrolled"], true, "{out}");
    assert_eq!(me["attendance"]["minutes"], minutes, "{out}");
    assert_eq!(me["attendance"]["status"], "approved", "{out}");
    let approved = out["api"]["approved"].as_array().unwrap();
    assert_eq!(approved.len(), 1, "{out}");
    assert_eq!(approved[0]["minutes"], minutes, "{out}");
    assert_eq!(approved[0]["user"], VOLUNTEER, "{out}");
    let rows = out["api"]["attendance"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{out}");
    let document = text(&rows[0]["document_id"]).to_owned();
    let entry_id = text(&rows[0]["entry_id"]).to_owned();
    let doc = crate::web::stored_json(&db, &document).await;
    let entry = &doc["entries"][entry_id.as_str()];
    assert_eq!(entry["source"], "checkin", "{doc}");
    assert_eq!(entry["minutes"], minutes, "{doc}");
    assert_eq!(entry["status"], "approved", "{doc}");
    assert_eq!(entry["activity"], title.as_str(), "{doc}");
    assert_eq!(entry["category"], "elderly", "{doc}");
    assert_eq!(doc["user"], VOLUNTEER, "{doc}");

    assert_eq!(out["screens"].as_array().unwrap().len(), 19, "{out}");
    let found = problems(&out);
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );
    server.stop().await;
    db.cleanup().await;
}
