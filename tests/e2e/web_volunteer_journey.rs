//! One resident's whole way as a volunteer in the web app (issue #20, "Done means"), in real
//! headless chromium against the real server with the demo county (`tests/js/journey.mjs`):
//! signed up on a phone, approved by the street's supervisor at the desk, enrolled in an
//! activity the supervisor published, checked in and out offline with the organiser's QR
//! codes, the minutes credited and confirmed, a certificate asked for and issued, its PDF read
//! with pdf.js, and its number verified without a login (name and ID masked there).

use serde_json::Value;

use crate::harness::{Backend, ServerProcess, TestDb};
use crate::web::{browser_available, run_script};

const DEMO_PASSWORD: &str = "linli-demo";
const SUPERVISOR: &str = "sup-c01-s01";
const COMMUNITY: &str = "c01/s01/m01";
const LOGIN: &str = "zhouxiaomei-web";

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// A resident ID card number with its right check character (GB 11643), of this run.
fn id_number() -> String {
    let seq = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 1000;
    let first = format!("33010619900315{seq:03}");
    let check = linli_server::volunteer_signup::id_check_char(&first).unwrap();
    format!("{first}{check}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_signs_up_serves_checks_in_offline_and_gets_a_verified_certificate() {
    if !browser_available() {
        return;
    }
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let files = db.dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let id = id_number();
    let server = ServerProcess::start_with(&db, &["--demo"]).await;
    let out = run_script(
        "journey.mjs",
        "journey",
        &server,
        Backend::Sqlite,
        &[
            "--password",
            DEMO_PASSWORD,
            "--supervisor",
            SUPERVISOR,
            "--community",
            COMMUNITY,
            "--login",
            LOGIN,
            "--id-number",
            &id,
            "--files",
            files.to_str().unwrap(),
        ],
    )
    .await;

    // Signed up and approved: the community's supervisor read the whole ID number; the
    // volunteer's number is on their home screen.
    assert_eq!(out["signupIdShown"], id.as_str(), "{out}");
    let number = text(&out["volunteerNumber"]);
    assert!(number.starts_with('V') && number.len() == 11, "{out}");
    assert_eq!(out["homeNumber"], number, "{out}");

    // Checked in and out offline; credited the minutes between the organiser's two codes.
    assert!(text(&out["checkedIn"]).contains("已签到"), "{out}");
    let minutes = out["minutes"]["out"].as_i64().unwrap() - out["minutes"]["in"].as_i64().unwrap();
    assert!(minutes >= 1, "{out}");
    assert_eq!(out["credited"].as_i64(), Some(minutes), "{out}");
    assert_eq!(out["entryCheckin"], "活动签到", "{out}");
    assert_eq!(
        out["entryEditable"], false,
        "a checked-in entry offers no edit: {out}"
    );

    // The certificate: issued, seen by the volunteer, its PDF saying who, what and its number.
    let cert = text(&out["number"]).to_owned();
    assert!(cert.starts_with("ZYFW-"), "{out}");
    assert!(text(&out["volunteerSeesNumber"]).contains(&cert), "{out}");
    let pdf: String = out["pdf"]["text"]
        .as_array()
        .unwrap_or_else(|| panic!("pdf text: {out}"))
        .iter()
        .map(|p| text(p).replace([' ', '\n'], ""))
        .collect();
    for expected in [
        "志愿服务记录证明",
        "周小梅",
        id.as_str(),
        number,
        cert.as_str(),
        text(&out["title"]),
    ] {
        assert!(pdf.contains(expected), "the PDF names {expected}: {pdf}");
    }

    // Verified by its number without a login: the name and the ID number masked.
    assert_eq!(out["verified"]["name"], "周*梅", "{out}");
    let shown_id = text(&out["verified"]["id"]);
    assert!(
        shown_id.starts_with("330") && shown_id.ends_with(&id[16..]) && shown_id.contains('*'),
        "{out}"
    );
    assert!(!text(&out["verified"]["page"]).contains(&id), "{out}");

    // What the server holds: one approved check-in entry of those minutes.
    let store = db.store().await;
    let entries = store
        .volunteer_entries(COMMUNITY, "approved", 500, 0)
        .await
        .unwrap();
    let credited: Vec<_> = entries
        .iter()
        .filter(|e| e.user == LOGIN && e.activity == text(&out["title"]))
        .collect();
    assert_eq!(credited.len(), 1, "{entries:?}");
    assert_eq!(
        (credited[0].source.as_str(), credited[0].minutes),
        ("checkin", minutes)
    );
    server.stop().await;
    db.cleanup().await;
}
