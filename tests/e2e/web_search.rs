//! "Find a household fast" (issue #17): a grid worker's phone holding 2,000 households, in
//! real headless chromium (phone-sized, CPU slowed 4×) against the real server, with the
//! grid seeded over real websockets by the stock automerge-repo client
//! (`tests/js/worker-search.mjs`). Every search must find exactly the households the seed
//! says; the timings (back to the list, each search) are reported, not asserted on: a shared
//! machine is too noisy for a hard limit. SQLite only, to keep the suite's time down.

use crate::harness::{Backend, ServerProcess, TestDb};
use crate::web::{browser_available, run_script};

const PASSWORD: &str = "browser-test-pw";
const WORKER: &str = "worker-search";
const HOUSEHOLDS: u64 = 2000;
/// The targets of the issue, reported next to what was measured.
const LIST_TARGET_MS: u64 = 1000;
const SEARCH_TARGET_MS: u64 = 100;

fn millis(v: &serde_json::Value) -> Vec<u64> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_finds_a_household_among_2000() {
    if !browser_available() {
        return;
    }
    let backend = Backend::Sqlite;
    let db = TestDb::new(backend).await.expect("a SQLite database");
    db.add_user(WORKER, "worker", "c01/s01/m01/g01", Some(PASSWORD))
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let households = HOUSEHOLDS.to_string();
    let out = run_script(
        "worker-search.mjs",
        "search",
        &server,
        backend,
        &[
            "--password",
            PASSWORD,
            "--worker",
            WORKER,
            "--households",
            &households,
            "--throttle",
            "4",
        ],
    )
    .await;

    eprintln!(
        "worker search, {HOUSEHOLDS} households, CPU throttled {}×:",
        out["throttle"]
    );
    eprintln!(
        "  seeded through the stock JS client in {} ms; all in the page after {} ms (unthrottled)",
        out["seed"]["ms"], out["loadOnlineMs"]
    );
    let back = millis(&out["backToListMs"]);
    eprintln!(
        "  back to the list until painted: {back:?} ms (target ≤ {LIST_TARGET_MS} ms); full redraw {:?} ms",
        millis(&out["fullRedrawMs"])
    );
    for s in out["searches"].as_array().expect("searches") {
        eprintln!(
            "  search {:<32} {:>5} ms  found {:>4} (expected {:>4}, drawn {:>2})  {}",
            s["label"].as_str().unwrap_or_default(),
            s["ms"],
            s["count"],
            s["expected"],
            s["shown"],
            if s["ok"] == true { "ok" } else { "WRONG" }
        );
    }
    eprintln!(
        "  search median {} ms, slowest {} ms (target ≤ {SEARCH_TARGET_MS} ms); show more {} ms",
        out["searchMedianMs"], out["searchMaxMs"], out["showMoreMs"]
    );
    eprintln!(
        "  offline restart from IndexedDB (unthrottled): first rows after {} ms, all {} households after {} ms",
        out["offlineFirstRowsMs"], out["offlineCount"], out["offlineStartMs"]
    );
    for (what, ms, target) in [
        (
            "back to the list",
            back.iter().max().copied(),
            LIST_TARGET_MS,
        ),
        ("search", out["searchMaxMs"].as_u64(), SEARCH_TARGET_MS),
    ] {
        if let Some(ms) = ms.filter(|&ms| ms > target) {
            eprintln!("  note: {what} took {ms} ms at worst, above the target of {target} ms");
        }
    }

    // Correctness is asserted; speed is reported.
    assert_eq!(out["seed"]["onServer"], HOUSEHOLDS, "{out}");
    assert_eq!(
        out["problems"],
        serde_json::json!([]),
        "every search finds exactly what the seed says: {out}"
    );
    let searches = out["searches"].as_array().unwrap();
    assert!(searches.len() >= 10, "{out}");
    assert!(searches.iter().all(|s| s["ok"] == true), "{out}");
    // The cases cover every kind of match, and found something where they should.
    let found = |label: &str| {
        searches
            .iter()
            .find(|s| s["label"].as_str().unwrap().starts_with(label))
            .map(|s| s["count"].as_u64().unwrap())
            .unwrap_or_else(|| panic!("no search {label}: {out}"))
    };
    assert!(found("name (rare surname)") > 50, "{out}");
    assert!(found("name (a spouse") >= 1, "{out}");
    assert_eq!(
        found("name (moved out"),
        0,
        "a member who left is not found"
    );
    assert!(found("address (a compound)") > 200, "{out}");
    assert_eq!(found("address (one flat)"), 1, "{out}");
    assert!(found("phone tail") >= 1, "{out}");
    assert!(found("chip 低保") > 100, "{out}");
    assert!(found("chip 零就业家庭") >= 1, "{out}");
    assert!(found("chip 待走访 (due)") > 50, "{out}");
    assert_eq!(out["firstPage"]["count"], HOUSEHOLDS, "{out}");
    assert_eq!(out["firstPage"]["rows"], 50, "one page is drawn: {out}");
    assert_eq!(out["firstPage"]["more"], true, "{out}");
    assert_eq!(out["overdueShown"], out["overdueExpected"], "{out}");
    assert!(out["afterShowMore"].as_u64().unwrap() > 50, "{out}");
    assert_eq!(out["offlineState"], "offline", "{out}");
    assert_eq!(
        out["offlineCount"], HOUSEHOLDS,
        "the app starts offline from the device's copies: {out}"
    );
    server.stop().await;
    db.cleanup().await;
}
