//! The web app in a real browser: headless Debian chromium driven by playwright-core
//! (`tests/js/web-e2e.mjs`) against the real server, with the browser's own offline mode.
//! Screenshots of the main screens are kept under `target/web-screenshots/` (not committed).

use std::path::PathBuf;

use crate::harness::{http_get_auth, node_script, workspace, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

pub(crate) const PASSWORD: &str = "browser-test-pw";
const CHROMIUM: &str = "/usr/bin/chromium";

/// False (and the test skips) when chromium is absent outside CI; in CI it must be there.
/// The accessibility and layout problems a scenario collected (`out.problems`).
pub(crate) fn problems(out: &serde_json::Value) -> Vec<String> {
    out["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn browser_available() -> bool {
    let path = std::env::var("LINLI_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
    if std::path::Path::new(&path).exists() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "chromium missing at {path}: .ci/run installs Debian's chromium"
    );
    eprintln!("skipping: no chromium at {path}");
    false
}

fn screenshots(backend: Backend) -> PathBuf {
    workspace()
        .join("target/web-screenshots")
        .join(format!("{backend:?}").to_lowercase())
}

/// The scenarios' people (made by [`setup`]) as `--flag value` arguments.
pub(crate) const PEOPLE: [&str; 12] = [
    "--password",
    PASSWORD,
    "--volunteer",
    "vol-web",
    "--supervisor",
    "sup-web",
    "--worker",
    "worker-web-1",
    "--worker2",
    "worker-web-2",
    "--admin",
    "admin-web",
];

/// Runs one browser scenario as the test's own users and returns what it observed.
async fn scenario(name: &str, server: &ServerProcess, backend: Backend) -> serde_json::Value {
    run_scenario(name, server, backend, &PEOPLE).await
}

/// Runs one browser scenario of `web-e2e.mjs` with these `--flag value` arguments.
async fn run_scenario(
    name: &str,
    server: &ServerProcess,
    backend: Backend,
    args: &[&str],
) -> serde_json::Value {
    run_script("web-e2e.mjs", name, server, backend, args).await
}

/// Runs scenario `name` of the browser script `script` (in `tests/js`, built on
/// `browser.mjs`) with these `--flag value` arguments.
pub(crate) async fn run_script(
    script: &str,
    name: &str,
    server: &ServerProcess,
    backend: Backend,
    args: &[&str],
) -> serde_json::Value {
    let base = format!("http://{}", server.addr);
    let shots = screenshots(backend);
    eprintln!(
        "browser scenario {name}: screenshots in {}",
        shots.display()
    );
    let shots = shots.to_string_lossy().into_owned();
    let all = [&[name, "--base", &base, "--shots", &shots][..], args].concat();
    node_script(script, &all, "playwright-core", 240).await
}

/// A server with real authentication and the four people the scenarios need.
pub(crate) async fn setup(backend: Backend) -> Option<(TestDb, ServerProcess)> {
    setup_with(backend, &[]).await
}

/// Like `setup`, with extra server flags.
async fn setup_with(backend: Backend, flags: &[&str]) -> Option<(TestDb, ServerProcess)> {
    if !browser_available() {
        return None;
    }
    let db = TestDb::new(backend).await?;
    for (name, role, org) in [
        ("vol-web", "volunteer", "c01/s01/m01"),
        ("sup-web", "supervisor", "c01/s01"),
        ("worker-web-1", "worker", "c01/s01/m01/g01"),
        ("worker-web-2", "worker", "c01/s01/m01/g01"),
        ("admin-web", "admin", "c01"),
    ] {
        db.add_user(name, role, org, Some(PASSWORD)).await;
    }
    let server = ServerProcess::start_with(&db, flags).await;
    Some((db, server))
}

/// A volunteer logs hours offline, reloads while offline and still sees them, reconnects
/// and the entry reaches the server; a supervisor approves it in another browser; the
/// volunteer sees "approved" without reloading.
async fn volunteer_logs_hours_offline_and_sees_approval(backend: Backend) {
    let Some((db, server)) = setup(backend).await else {
        return;
    };
    let out = scenario("volunteer", &server, backend).await;
    assert!(out["pendingOffline"].as_u64().unwrap() >= 1, "{out}");
    assert_eq!(out["onServerWhileOffline"], false, "offline means offline");
    assert_eq!(out["seenAfterOfflineReload"], true);
    assert_eq!(out["stateAfterReload"], "offline");
    assert_eq!(out["pendingAfterReload"], out["pendingOffline"]);
    assert_eq!(out["onServerAfterReconnect"], true);
    assert_eq!(out["approvedWithoutReload"], true);
    assert_eq!(out["recordShowsIt"], true, "the printable record lists it");
    assert_eq!(
        out["recordLeavesOutOthers"], true,
        "only approved service is on the record"
    );
    assert_eq!(out["approvedHours"], "2.5");
    assert_eq!(
        out["noteShown"], true,
        "the supervisor's note reaches the phone"
    );
    assert_eq!(
        out["resubmitted"], true,
        "the corrected entry is submitted again"
    );

    let token = db.token("sup-web").await;
    let (status, body) = http_get_auth(
        &server.addr,
        "/api/volunteer-entries?status=approved",
        &token,
    )
    .await;
    assert_eq!(status, 200);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.len(), 1, "{body}");
    assert_eq!(rows[0]["minutes"], 150);
    assert_eq!(rows[0]["user"], "vol-web");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(volunteer_logs_hours_offline_and_sees_approval);

/// A grid worker registers a household (and a visit) offline; after reconnecting it is in
/// the supervisor's list.
async fn worker_registers_household_offline(backend: Backend) {
    let Some((db, server)) = setup(backend).await else {
        return;
    };
    let out = scenario("household", &server, backend).await;
    assert!(out["pendingOffline"].as_u64().unwrap() >= 2, "{out}");
    assert_eq!(out["onServerWhileOffline"], false);
    assert_eq!(out["listedAfterOfflineReload"], true);
    assert_eq!(
        out["overdueListed"], true,
        "yesterday's follow-up is overdue"
    );
    assert_eq!(out["inSupervisorList"], true);
    assert_eq!(out["onServerAfterReconnect"], true);
    assert!(
        out["employmentShown"].as_str().unwrap().contains("失业"),
        "{out}"
    );
    assert_eq!(
        out["trainingCounted"],
        serde_json::json!([1, 1]),
        "the son recorded offline is counted, and his training"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(worker_registers_household_offline);

/// Two workers change one address offline; the conflict shows in the supervisor's queue
/// with both values side by side, and the choice reaches both workers' screens.
async fn conflict_is_settled_in_the_browser(backend: Backend) {
    let Some((db, server)) = setup(backend).await else {
        return;
    };
    let out = scenario("conflict", &server, backend).await;
    let candidates = out["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 2, "{out}");
    assert_ne!(candidates[0], candidates[1]);
    assert_eq!(out["shown_a"], out["chosen"]);
    assert_eq!(out["shown_b"], out["chosen"]);
    // The card shows what the field holds now (both values, while in conflict).
    let current = out["current"].as_str().unwrap_or_default();
    for c in candidates {
        assert!(current.contains(c.as_str().unwrap()), "{out}");
    }

    let token = db.token("sup-web").await;
    let (_, body) = http_get_auth(&server.addr, "/api/conflicts?status=open", &token).await;
    assert_eq!(body.trim(), "[]", "nothing left open");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(conflict_is_settled_in_the_browser);

/// A volunteer's correction made offline crosses the supervisor's approval: refused and
/// undone on the phone; the supervisor finds it under refused changes and accepts it; the
/// phone shows the corrected hours. (The screens do not depend on the database: SQLite only.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_change_is_accepted_in_the_browser() {
    let Some((db, server)) = setup(Backend::Sqlite).await else {
        return;
    };
    let out = scenario("refused", &server, Backend::Sqlite).await;
    let undone = out["undoneOnPhone"].as_str().unwrap();
    assert!(
        undone.contains("1 小时"),
        "the refused 1.5 h was undone: {out}"
    );
    let text = out["quarantineText"].as_str().unwrap();
    assert!(text.contains("vol-web"), "who: {out}");
    assert!(text.contains("minutes"), "what and why: {out}");
    assert!(text.contains("→ 90"), "the refused value: {out}");
    assert!(
        out["acceptedOnPhone"].as_str().unwrap().contains("1.5"),
        "{out}"
    );
    let token = db.token("sup-web").await;
    let (_, body) = http_get_auth(&server.addr, "/api/quarantine?status=open", &token).await;
    assert_eq!(body.trim(), "[]", "nothing left open");
    server.stop().await;
    db.cleanup().await;
}

/// The supervisor's desk on the demo county: approve a household, see duplicates, drill into
/// the indicators and back, download CSV and XLSX exports, switch to English.
async fn supervisor_desk_on_demo_data(backend: Backend) {
    if !browser_available() {
        return;
    }
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let server = ServerProcess::start_with(&db, &["--demo"]).await;
    // Two workers' phones register one family apart: a possible duplicate to merge.
    let worker = "worker-c01-s01-m01-g01";
    let token = db.token(worker).await;
    // (Addresses that sort after the demo's, so the household the scenario approves first is
    // not one of them.)
    for (phone, address) in [("a", "紫荆路 8号"), ("b", "紫荆路8号")] {
        let mut client = crate::harness::field_client(db.dir.path(), phone).await;
        let (_, _) = client
            .create_household("c01/s01/m01/g01", address, Some("钱大海"))
            .await
            .unwrap();
        crate::harness::sync_as(&mut client, &server, Some(&token)).await;
    }
    let args = ["--password", "linli-demo", "--supervisor", "sup-c01-s01"];
    let out = run_scenario("desk", &server, backend, &args).await;
    assert!(out["households"].as_u64().unwrap() > 10, "{out}");
    // The street's policy indicators (docs/indicators.md), each with its value.
    assert_eq!(out["measures"], 11);
    assert_eq!(out["topOrg"], "c01/s01");
    let drilled = out["drilledOrg"].as_str().unwrap();
    assert!(drilled.starts_with("c01/s01/") && drilled.len() > "c01/s01/".len());
    assert_eq!(out["backUp"], true);
    // Files named after what they cover: dataset, unit and the day a register is as of.
    let csv_name = out["csvName"].as_str().unwrap();
    assert!(
        csv_name.starts_with(&format!("住户-{}-截至", out["unitName"].as_str().unwrap()))
            && csv_name.ends_with(".csv"),
        "{csv_name}"
    );
    assert!(
        out["csvHead"].as_str().unwrap().starts_with('\u{feff}'),
        "CSV has a BOM for Excel"
    );
    assert_eq!(
        out["xlsxName"].as_str().unwrap(),
        csv_name.replace(".csv", ".xlsx")
    );
    assert_eq!(out["xlsxHead"], "PK", "XLSX is a zip");
    assert_eq!(out["english"], true);
    // Screen and report agree for one period: every value the screen showed for this year is
    // the value the downloaded report to the county holds for the same unit and indicator.
    assert_eq!(
        out["reportName"],
        format!(
            "指标-{}-{}.xlsx",
            out["unitName"].as_str().unwrap(),
            out["period"].as_str().unwrap()
        )
    );
    assert!(
        out["periodLine"].as_str().unwrap().contains("-01-01"),
        "{out}"
    );
    let xlsx = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(out["reportXlsx"].as_str().unwrap())
            .unwrap()
    };
    let rows = crate::indicators::read_xlsx(&xlsx, "indicators");
    let unit = out["unitName"].as_str().unwrap();
    let screen = out["screenValues"].as_object().unwrap();
    assert_eq!(screen.len(), 11, "{out}");
    for (key, shown) in screen {
        let (zh, _) = linli_server::report_table::indicator_name(key);
        let row = rows
            .iter()
            .find(|r| r[2] == unit && r[4] == zh)
            .unwrap_or_else(|| panic!("{unit} {zh} in the report"));
        assert_eq!(&row[5], shown.as_str().unwrap(), "{key}: report and screen");
    }
    assert!(
        out["communityOrg"]
            .as_str()
            .unwrap()
            .starts_with("c01/s01/"),
        "{out}"
    );
    // The demo county has duplicate registrations; merging one in the browser shows the plan.
    assert!(out["duplicatesBefore"].as_u64().unwrap() > 0, "{out}");
    assert!(
        out["planText"].as_str().unwrap().contains("同一人"),
        "{out}"
    );
    assert_eq!(
        out["duplicatesAfter"].as_u64().unwrap() + 1,
        out["duplicatesBefore"].as_u64().unwrap()
    );
    let sup = db.token("sup-c01-s01").await;
    let (_, body) = http_get_auth(&server.addr, "/api/households?limit=500", &sup).await;
    let merged: Vec<serde_json::Value> = serde_json::from_str::<Vec<serde_json::Value>>(&body)
        .unwrap()
        .into_iter()
        .filter(|h| h["head_name"] == "钱大海")
        .collect();
    assert_eq!(merged.len(), 1, "one household listed: {merged:?}");
    assert_eq!(
        merged[0]["member_count"], 1,
        "one 钱大海, not two: {merged:?}"
    );

    let token = db.token("sup-c01-s01").await;
    let (_, body) = http_get_auth(&server.addr, "/api/households?limit=500", &token).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    let approved = rows
        .iter()
        .find(|r| r["address"] == out["approvedHousehold"])
        .expect("the approved household is listed");
    assert_eq!(approved["review_status"], "approved");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(supervisor_desk_on_demo_data);

/// With access tokens that live four seconds, a volunteer offline past their expiry still
/// syncs on reconnecting: the app renews the pair with its refresh token (same device).
async fn expired_token_is_renewed_on_reconnect(backend: Backend) {
    let Some((db, server)) = setup_with(backend, &["--access-ttl-secs", "4"]).await else {
        return;
    };
    let out = scenario("renewal", &server, backend).await;
    assert_eq!(out["expiredWhileOffline"], true, "{out}");
    assert_eq!(out["onServer"], true);
    assert_eq!(out["tokenRenewed"], true);
    assert_eq!(out["sameDevice"], true);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(expired_token_is_renewed_on_reconnect);

/// A lost phone: once its device is revoked, the open app erases its documents and session
/// and says so; the household it synced before stays on the server.
async fn revoked_device_erases_the_web_app(backend: Backend) {
    let Some((db, server)) = setup(backend).await else {
        return;
    };
    let out = scenario("revoked", &server, backend).await;
    assert_eq!(out["hadDatabase"], true, "{out}");
    assert_eq!(out["revokeStatus"], 200);
    let databases = out["databasesAfter"].as_array().unwrap();
    assert!(
        !databases
            .iter()
            .any(|d| d.as_str().unwrap_or_default().starts_with("linli-")),
        "IndexedDB erased: {out}"
    );
    let keys = out["storageAfter"].as_array().unwrap();
    assert!(
        keys.iter().all(|k| k == "linli.lang"),
        "nothing but the language choice is left: {out}"
    );
    assert_eq!(out["addressOnPage"], false);

    let token = db.token("sup-web").await;
    let (_, body) = http_get_auth(&server.addr, "/api/households", &token).await;
    assert!(
        body.contains("遗失路"),
        "what was synced stays on the server: {body}"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(revoked_device_erases_the_web_app);

/// Signing out with changes not yet on the server: offline it is refused with why (signing
/// in again would need the network); online the app signs out once they are synced, and the
/// household is on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_never_strands_unsynced_changes() {
    let Some((db, server)) = setup(Backend::Sqlite).await else {
        return;
    };
    let out = scenario("signout", &server, Backend::Sqlite).await;
    assert!(out["pendingOffline"].as_u64().unwrap() >= 1, "{out}");
    assert!(
        out["offlineText"]
            .as_str()
            .unwrap()
            .contains("没有同步到服务器"),
        "{out}"
    );
    assert_eq!(out["stillSignedIn"], true);
    assert_eq!(out["signedOut"], true);
    assert_eq!(out["onServer"], true, "synced before signing out: {out}");
    server.stop().await;
    db.cleanup().await;
}

/// A volunteer deletes an entry logged by mistake while it is still submitted, offline; once
/// synced the server lists only the one kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volunteer_deletes_a_submitted_entry_offline() {
    let Some((db, server)) = setup(Backend::Sqlite).await else {
        return;
    };
    let out = scenario("deleteEntry", &server, Backend::Sqlite).await;
    assert_eq!(out["before"].as_array().unwrap().len(), 2, "{out}");
    assert_eq!(out["after"], serde_json::json!([out["kept"]]), "{out}");
    server.stop().await;
    db.cleanup().await;
}

/// A stored document as JSON (its snapshot and the changes after it), as the server holds it.
pub async fn stored_json(db: &TestDb, id: &str) -> serde_json::Value {
    let stored = db
        .store()
        .await
        .load_document(id)
        .await
        .unwrap()
        .expect("stored");
    let mut doc = match &stored.snapshot {
        Some(bytes) => linli_sync_core::automerge::Automerge::load(bytes).unwrap(),
        None => linli_sync_core::automerge::Automerge::new(),
    };
    for change in &stored.changes {
        doc.load_incremental(change).unwrap();
    }
    linli_sync_core::contract::to_json(&doc)
}
