//! "Every screen fit for the person using it" (issue #18) in real headless chromium against
//! the real server with the demo county (`tests/js/screens.mjs`): the first visit on a slow
//! link, the supervisor's lists (loading, then the truth; a note per item; exports that say
//! their unit and period; words, not codes), and every screen of every role checked with
//! axe-core, for 44 px touch targets, one h1 and no sideways scrolling, in Chinese and in
//! English. SQLite only: the screens do not depend on the database, and the suite's time is
//! kept for what does.

use crate::harness::{field_client, sync_as, Backend, ServerProcess, TestDb};
use crate::web::{browser_available, problems, run_script};

const DEMO_PASSWORD: &str = "linli-demo";
const SUPERVISOR: &str = "sup-c01-s01";
const WORKER: &str = "worker-c01-s01-m01-g01";
const VOLUNTEER: &str = "vol-c01-s01-m01-01";
const GRID: &str = "c01/s01/m01/g01";
const COMMUNITY: &str = "c01/s01/m01";
/// The target for the login form on a 400 kbps link with 400 ms round trips.
const LOGIN_FORM_TARGET_MS: u64 = 3000;

async fn demo_server() -> Option<(TestDb, ServerProcess)> {
    if !browser_available() {
        return None;
    }
    let db = TestDb::new(Backend::Sqlite).await?;
    let server = ServerProcess::start_with(&db, &["--demo"]).await;
    Some((db, server))
}

fn people() -> Vec<&'static str> {
    vec![
        "--password",
        DEMO_PASSWORD,
        "--supervisor",
        SUPERVISOR,
        "--worker",
        WORKER,
        "--volunteer",
        VOLUNTEER,
    ]
}

/// A first visit at 400 kbps / 400 ms: the login form is drawn from a small first load, not
/// after automerge's megabyte of wasm; the time is printed against the target (a shared
/// machine is too noisy to fail on), the bytes are asserted. Android gets PNG icons.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_visit_on_a_slow_link_draws_the_login_form_first() {
    let Some((db, server)) = demo_server().await else {
        return;
    };
    let out = run_script(
        "screens.mjs",
        "firstLoad",
        &server,
        Backend::Sqlite,
        &people(),
    )
    .await;
    let form_ms = out["loginFormMs"].as_u64().unwrap();
    let before = out["bytesBeforeForm"].as_u64().unwrap();
    let signed_in = out["bytesSignedIn"].as_u64().unwrap();
    println!(
        "first visit at {} kbps, {} ms RTT: login form after {form_ms} ms (target ≤ {LOGIN_FORM_TARGET_MS} ms) \
         having fetched {before} bytes; signed in after {} ms, {signed_in} bytes",
        out["kbps"], out["rttMs"], out["signedInMs"]
    );
    if form_ms > LOGIN_FORM_TARGET_MS {
        println!(
            "note: the login form took {form_ms} ms, above the target of {LOGIN_FORM_TARGET_MS} ms"
        );
    }
    assert!(
        before < 120_000,
        "the login form must not wait for the wasm: {before} bytes fetched before it showed"
    );
    assert!(
        signed_in > 1_000_000,
        "signing in loads automerge's wasm ({signed_in} bytes)"
    );
    let icons = out["icons"].as_array().unwrap();
    let png = |size: u64, purpose: &str| {
        icons.iter().any(|i| {
            i["type"] == "image/png"
                && i["status"] == 200
                && i["purpose"].as_str().unwrap_or("").contains(purpose)
                && i["size"]["width"] == size
                && i["size"]["height"] == size
                && i["sizes"] == format!("{size}x{size}")
        })
    };
    assert!(png(192, "any"), "a 192 px PNG icon: {icons:?}");
    assert!(png(512, "any"), "a 512 px PNG icon: {icons:?}");
    assert!(
        png(512, "maskable"),
        "a maskable 512 px PNG icon: {icons:?}"
    );
    server.stop().await;
    db.cleanup().await;
}

/// The supervisor's desk as the issue saw it, fixed: lists load at once and say "loading"
/// rather than zero; a send-back note belongs to its item; exports say their unit and period;
/// a conflict card names the field, the record, the people and their devices in words;
/// offline, the lists say they could not be loaded and how old the shown data is. Every tab
/// passes axe-core at the desk and on a phone, in Chinese and English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisor_screens_say_what_they_show() {
    let Some((db, server)) = demo_server().await else {
        return;
    };
    // Two households to send back, and one both of the worker's phones edit offline.
    let token = db.token(WORKER).await;
    let (a, b, c) = ("屏幕路1号", "屏幕路2号", "屏幕路3号");
    let mut phone = field_client(db.dir.path(), "screens-a").await;
    let (house_a, _) = phone
        .create_household(GRID, a, Some("孙立新"))
        .await
        .unwrap();
    let (house_b, _) = phone
        .create_household(GRID, b, Some("周海燕"))
        .await
        .unwrap();
    let (house_c, _) = phone
        .create_household(GRID, c, Some("吴春生"))
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&token)).await;
    let mut other = field_client(db.dir.path(), "screens-b").await;
    other.pull(house_c);
    sync_as(&mut other, &server, Some(&token)).await;
    phone
        .set_field(&house_c, "address", &format!("{c}东"))
        .await
        .unwrap();
    other
        .set_field(&house_c, "address", &format!("{c}西"))
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&token)).await;
    sync_as(&mut other, &server, Some(&token)).await;

    // More hours waiting than a page shows: a volunteer of the community logs 40 entries.
    db.add_user("vol-screens", "volunteer", COMMUNITY, None)
        .await;
    let vol_token = db.token("vol-screens").await;
    let mut vol_phone = field_client(db.dir.path(), "screens-vol").await;
    let vol_doc = vol_phone
        .create_volunteer(COMMUNITY, "vol-screens", "屏幕志愿者")
        .await
        .unwrap();
    let today = linli_server::clock::today_utc();
    for i in 0..40 {
        let day = linli_sync_core::calendar::add_days(&today, -1 - i / 2).unwrap();
        let activity = format!("屏幕活动{i:02}");
        vol_phone
            .log_hours(&vol_doc, &day, 30, &activity, "elderly")
            .await
            .unwrap();
    }
    sync_as(&mut vol_phone, &server, Some(&vol_token)).await;

    let mut args = people();
    args.extend(["--sendBackA", a, "--sendBackB", b, "--conflictAddress", c]);
    args.extend(["--conflictUnit", COMMUNITY]);
    let out = run_script("screens.mjs", "supervisor", &server, Backend::Sqlite, &args).await;

    // Loading, then the truth: never "no conflicts 0" before the list has arrived.
    assert_eq!(out["whileLoading"]["noConflictsShown"], false, "{out}");
    for count in out["whileLoading"]["counts"].as_array().unwrap() {
        assert_eq!(count, "…", "a count shown before its list arrived: {out}");
    }
    for count in out["afterLoading"]["counts"].as_array().unwrap() {
        assert!(count.as_str().unwrap().parse::<u64>().is_ok(), "{out}");
    }
    // The conflict card in words.
    let conflict = &out["conflict"];
    assert_eq!(conflict["field"], "地址", "{out}");
    assert!(conflict["record"].as_str().unwrap().contains(c), "{out}");
    assert!(
        conflict["record"].as_str().unwrap().contains("吴春生"),
        "{out}"
    );
    let name = out["workerDisplayName"]
        .as_str()
        .expect("the worker has a name");
    assert_ne!(name, WORKER);
    for author in conflict["authors"].as_array().unwrap() {
        assert_eq!(author, name, "the author by name: {out}");
    }
    for device in conflict["devices"].as_array().unwrap() {
        let device = device.as_str().unwrap();
        assert!(
            !device.ends_with('…') && !device.starts_with("dev-"),
            "a device by its name: {out}"
        );
    }
    assert!(!conflict["unit"].as_str().unwrap().contains("c01"), "{out}");
    assert!(
        conflict["current"].as_str().unwrap().contains(c),
        "the current value: {out}"
    );
    assert_eq!(
        out["reviewCodes"],
        serde_json::json!([]),
        "codes on the review page: {out}"
    );
    assert_eq!(
        out["codesEn"],
        serde_json::json!([]),
        "codes on the English pages: {out}"
    );

    // Review items by unit and status.
    let filters = &out["conflictFilters"];
    let all = filters["all"].as_u64().unwrap();
    let in_unit = filters["inUnit"].as_u64().unwrap();
    assert!(in_unit >= 1 && in_unit <= all, "{filters}");
    assert_eq!(
        filters["otherUnitCards"], 0,
        "another community lists it: {filters}"
    );
    assert_eq!(
        filters["resolvedChoices"], 0,
        "closed items cannot be settled: {filters}"
    );
    assert_eq!(filters["back"], all, "{filters}");

    // The hours queue: 50 at a time, searched, by unit, counted as the server counts.
    let hours = &out["hours"];
    let waiting = hours["waiting"].as_u64().unwrap();
    assert!(
        waiting > 50,
        "the demo street has more than a page of hours: {hours}"
    );
    assert_eq!(hours["firstPage"], format!("50 / {waiting}"), "{hours}");
    assert_eq!(hours["rowsFirst"], 50, "{hours}");
    let more = waiting.min(100);
    assert_eq!(hours["afterMore"], format!("{more} / {waiting}"), "{hours}");
    assert_eq!(hours["rowsAfterMore"], more, "{hours}");
    let search = &hours["search"];
    let expected = search["expected"].as_u64().unwrap();
    assert!(expected >= 1 && expected < waiting, "{search}");
    assert_eq!(
        search["shown"],
        format!("{} / {expected}", expected.min(50)),
        "{search}"
    );
    assert_eq!(search["rowsNotMatching"], 0, "{search}");
    let unit = &hours["unit"];
    let expected = unit["expected"].as_u64().unwrap();
    assert_eq!(
        unit["shown"],
        format!("{} / {expected}", expected.min(50)),
        "{unit}"
    );
    assert_eq!(
        unit["rowUnits"],
        serde_json::json!([unit["label"]]),
        "{unit}"
    );

    // In English too.
    let english = &out["english"];
    assert_eq!(english["conflictField"], "Address", "{english}");
    assert!(
        english["conflictRecord"]
            .as_str()
            .unwrap()
            .starts_with("Record"),
        "{english}"
    );
    let scope = english["exportScope"].as_str().unwrap();
    assert!(
        scope.contains("Unit") && scope.contains("Period"),
        "{scope}"
    );
    assert!(
        !english["exportPeriod"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| ('\u{3000}'..='\u{9fff}').contains(&c)
                || ('\u{ff00}'..='\u{ffef}').contains(&c)),
        "the period in English: {english}"
    );
    assert_eq!(english["loading"], "Loading the list…", "{english}");
    assert_eq!(
        english["countsWhileLoading"],
        serde_json::json!(["…"]),
        "{english}"
    );

    // A note per item.
    assert_eq!(out["hoursNoteAfter"], "", "{out}");
    assert_eq!(out["hoursNoteSaved"], "时长与签到记录不符，请核对", "{out}");
    assert_eq!(out["emptyNoteRefused"], true, "{out}");
    assert_eq!(
        out["householdBNoteShown"], "",
        "B's box does not show A's note: {out}"
    );
    assert_eq!(out["householdBSentBack"], false, "{out}");
    sync_as(&mut phone, &server, Some(&token)).await;
    let shown_a = phone.show(&house_a).unwrap();
    assert_eq!(shown_a["review"]["status"], "has_issues");
    assert_eq!(shown_a["review"]["note"], "缺少户主联系电话");
    let shown_b = phone.show(&house_b).unwrap();
    assert_eq!(
        shown_b["review"]["status"], "approved",
        "B was approved, never sent back: {shown_b}"
    );

    // A list to work through: pages of 50, search, filters, details, several approved at once.
    let list = &out["list"];
    let all = list["all"].as_u64().unwrap();
    assert!(all > 100, "the demo county and the three: {out}");
    assert_eq!(list["secondPage"], format!("51–100 / {all}"), "{out}");
    assert_eq!(list["secondPageRows"], 50, "{out}");
    assert_eq!(list["searched"], 3, "{out}");
    assert_eq!(list["sentBack"], serde_json::json!([a]), "{out}");
    let details = list["details"].as_str().unwrap();
    assert!(
        details.contains("孙立新"),
        "members before approving: {details}"
    );
    let mut approved: Vec<String> = serde_json::from_value(list["approved"].clone()).unwrap();
    approved.sort();
    assert_eq!(approved.len(), 2, "{out}");
    assert_eq!(approved[0], b, "{out}");
    assert!(approved[1].starts_with(c), "{out}");
    let in_unit = list["inUnit"].as_u64().unwrap();
    assert!(in_unit > 0 && in_unit < all, "{out}");
    let unit = list["unitLabel"].as_str().unwrap();
    for label in list["unitRowsOrgs"].as_array().unwrap() {
        assert!(
            label.as_str().unwrap().starts_with(unit),
            "only {unit}'s rows: {out}"
        );
    }
    let shown_c = phone.show(&house_c).unwrap();
    assert_eq!(shown_c["review"]["status"], "approved", "{shown_c}");

    // Exports say their unit and period; the file is named after them.
    let drilled = out["drilledUnit"].as_str().unwrap();
    assert_ne!(drilled, out["topUnit"].as_str().unwrap(), "{out}");
    assert_eq!(out["exportUnitAfterDrill"], drilled, "{out}");
    assert!(
        out["exportPeriod"].as_str().unwrap().contains("-01"),
        "{out}"
    );
    assert!(
        out["exportFile"].as_str().unwrap().contains(drilled),
        "{out}"
    );
    assert_eq!(out["exportUnitPicked"], out["topUnit"], "{out}");

    // Charts in words.
    let charts = out["charts"].as_array().unwrap();
    assert!(!charts.is_empty(), "{out}");
    for chart in charts {
        let text = chart.as_str().unwrap();
        assert!(
            text.contains('：') && text.contains('；') || text.contains("无数据"),
            "{text}"
        );
    }
    assert!(
        charts.iter().any(|c| c.as_str().unwrap().contains('%')),
        "the charts' values in their text: {charts:?}"
    );
    // The tabs fit a phone; every screen passes.
    assert_eq!(out["tabsOnPhone"], 0, "tabs off the screen: {out}");
    assert_eq!(out["screens"].as_array().unwrap().len(), 28);
    let found = problems(&out);
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );

    // Offline: the list says it could not be loaded, and how old the shown data is.
    let offline = &out["offline"];
    assert!(
        offline["zh"].as_str().unwrap().contains("无法加载"),
        "{out}"
    );
    assert!(
        offline["en"]
            .as_str()
            .unwrap()
            .contains("could not be loaded"),
        "{out}"
    );
    assert!(!offline["age"].as_str().unwrap().is_empty(), "{out}");
    assert!(
        offline["conflictsStillShown"].as_u64().unwrap() > 0,
        "{out}"
    );
    server.stop().await;
    db.cleanup().await;
}

/// The login screen, the grid worker's and the volunteer's screens on a 390 × 844 phone, in
/// Chinese and English: axe-core, touch targets, one h1, nothing wider than the screen; an
/// error on screen follows the language switch; the visit form is above the fold for a small
/// household; people and units by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_screens_are_accessible_in_both_languages() {
    let Some((db, server)) = demo_server().await else {
        return;
    };
    let out = run_script("screens.mjs", "field", &server, Backend::Sqlite, &people()).await;
    assert_eq!(out["loginErrorZh"], "用户名或密码不正确", "{out}");
    assert_eq!(out["loginErrorEn"], "Wrong user name or password", "{out}");
    let (zh, en) = (
        out["visitErrorZh"].as_str().unwrap(),
        out["visitErrorEn"].as_str().unwrap(),
    );
    assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{out}");
    assert!(en.is_ascii(), "the error in English: {en}");
    let top = out["visitFormTop"].as_u64().unwrap();
    assert!(
        top < out["viewportHeight"].as_u64().unwrap(),
        "the visit form starts at {top}px, below the fold, for {}",
        out["smallHousehold"]
    );
    assert!(out["screens"].as_array().unwrap().len() >= 8, "{out}");
    assert_eq!(out["workerCodes"], serde_json::json!([]), "{out}");
    assert_eq!(out["volunteerCodes"], serde_json::json!([]), "{out}");
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
