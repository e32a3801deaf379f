//! Case 1: values are checked before commit. A volunteer's stock JS client stored minutes -30
//! and 100000 and a date "not-a-date", and bulk approval raised the approved hours from 31.25 to
//! 1697.4; visits dated 2019 and 2031 and entries dated 1900 and 2099 went in without a flag.
//! Now broken values are refused and undone (quarantine, an `error` naming the field and the
//! rule); a day holds at most 24 hours; valid but unlikely dates are kept and flagged.

use serde_json::json;

use super::{day, errors, get_json, js_create, js_edit, COMMUNITY, GRID, STREET};
use crate::harness::{http_post_json, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

fn entry(date: &str, minutes: serde_json::Value) -> serde_json::Value {
    json!({"date": date, "minutes": minutes, "activity": "探访独居老人", "category": "elderly",
           "source": "self", "status": "submitted"})
}

async fn broken_values_are_refused_and_unlikely_ones_flagged(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol-1", "volunteer", COMMUNITY, None).await;
    db.add_user("worker-1", "worker", GRID, None).await;
    db.add_user("sup", "supervisor", STREET, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tv, tw, ts) = (
        db.token("vol-1").await,
        db.token("worker-1").await,
        db.token("sup").await,
    );
    let (today, yesterday) = (day(0), day(-1));

    let created = js_create(
        &server,
        &tv,
        &json!({"kind": "volunteer", "schema": 1, "org": COMMUNITY, "user": "vol-1",
                "name": "李四", "skills": [], "entries": {}}),
    )
    .await;
    assert_eq!(created["accepted"], true, "{created}");
    let url = created["url"].as_str().unwrap().to_owned();

    // Each broken value is undone on the server and on the device, with a reason naming it.
    let broken = [
        (
            "neg",
            entry(&today, json!(-30)),
            "`entries/neg/minutes` must be whole minutes from 1 to 1440",
        ),
        (
            "huge",
            entry(&today, json!(100000)),
            "`entries/huge/minutes` must be whole minutes from 1 to 1440",
        ),
        (
            "text",
            entry(&today, json!("90")),
            "`entries/text/minutes` must be whole minutes",
        ),
        (
            "nodate",
            entry("not-a-date", json!(60)),
            "`entries/nodate/date` must be a date YYYY-MM-DD",
        ),
        (
            "feb30",
            entry("2026-02-30", json!(60)),
            "`entries/feb30/date` must be a date",
        ),
    ];
    for (id, value, why) in &broken {
        let out = js_edit(
            &server,
            &tv,
            &url,
            &json!({ format!("entries/{id}"): value }),
        )
        .await;
        assert!(errors(&out).contains(why), "{id}: {out}");
        assert!(
            out["doc"]["entries"].get(*id).is_none(),
            "{id} stays out: {out}"
        );
    }
    // The device keeps working: a valid entry goes in.
    let out = js_edit(
        &server,
        &tv,
        &url,
        &json!({"entries/ok": entry(&today, json!(90))}),
    )
    .await;
    assert_eq!(out["doc"]["entries"]["ok"]["minutes"], 90, "{out}");

    // At most 24 hours a day: the entry that would make yesterday 25 hours is refused.
    let out = js_edit(
        &server,
        &tv,
        &url,
        &json!({"entries/d1": entry(&yesterday, json!(800))}),
    )
    .await;
    assert_eq!(out["doc"]["entries"]["d1"]["minutes"], 800, "{out}");
    let out = js_edit(
        &server,
        &tv,
        &url,
        &json!({"entries/d2": entry(&yesterday, json!(700))}),
    )
    .await;
    assert!(
        errors(&out).contains(&format!("more than 1440 minutes logged for {yesterday}")),
        "{out}"
    );
    assert!(out["doc"]["entries"].get("d2").is_none(), "{out}");
    // Raising an existing entry past the day's limit is undone to its old value.
    let out = js_edit(
        &server,
        &tv,
        &url,
        &json!({"entries/d3": entry(&yesterday, json!(600))}),
    )
    .await;
    assert_eq!(out["doc"]["entries"]["d3"]["minutes"], 600, "{out}");
    let out = js_edit(&server, &tv, &url, &json!({"entries/d3/minutes": 700})).await;
    assert!(
        errors(&out).contains("`entries/d3/minutes`: more than 1440"),
        "{out}"
    );
    assert_eq!(out["doc"]["entries"]["d3"]["minutes"], 600, "{out}");

    // Valid but unlikely dates are kept, and flagged for the supervisor.
    let out = js_edit(
        &server,
        &tv,
        &url,
        &json!({"entries/old": entry("1900-01-01", json!(30)), "entries/far": entry("2099-12-31", json!(30))}),
    )
    .await;
    assert_eq!(out["doc"]["entries"]["old"]["date"], "1900-01-01", "{out}");
    assert_eq!(out["doc"]["entries"]["far"]["date"], "2099-12-31", "{out}");

    // Visits: a broken time is refused; 2019 and 2031 are kept and flagged.
    let household = js_create(
        &server,
        &tw,
        &json!({"kind": "household", "schema": 1, "org": GRID, "address": "幸福路 3号",
                "tags": {}, "members": {}, "visits": [
                    {"id": "v2019", "at": "2019-05-01T09:00:00Z", "by": "worker-1", "purpose": "走访",
                     "notes": "", "needs": []},
                    {"id": "v2031", "at": "2031-01-01T09:00:00Z", "by": "worker-1", "purpose": "走访",
                     "notes": "", "needs": []}]}),
    )
    .await;
    assert_eq!(household["accepted"], true, "{household}");
    let hurl = household["url"].as_str().unwrap();
    let out = js_edit(
        &server,
        &tw,
        hurl,
        &json!({"visits[]": {"id": "vbad", "at": "yesterday", "by": "worker-1", "purpose": "走访",
                              "notes": "", "needs": []}}),
    )
    .await;
    assert!(
        errors(&out).contains("`visits/2/at` must be a time"),
        "{out}"
    );
    assert_eq!(out["doc"]["visits"].as_array().unwrap().len(), 2, "{out}");
    // A new household with a broken value is refused whole.
    let refused = js_create(
        &server,
        &tw,
        &json!({"kind": "household", "schema": 1, "org": GRID, "address": "幸福路 4号",
                "tags": {}, "members": {"m1": {"name": "王五", "birth_year": 1850}}, "visits": []}),
    )
    .await;
    assert_eq!(refused["accepted"], false, "{refused}");
    assert!(
        errors(&refused).contains("`members/m1/birth_year` must be a year"),
        "{refused}"
    );

    let items = get_json(&server, "/api/conflicts", &ts).await;
    let mut flagged: Vec<(String, String, String)> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["item"] == "implausible")
        .map(|i| {
            (
                i["path"].as_str().unwrap().to_owned(),
                i["note"].as_str().unwrap().to_owned(),
                i["candidates"][0]["user"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned(),
            )
        })
        .collect();
    flagged.sort();
    let expect = |p: &str, n: &str, u: &str| (p.to_owned(), n.to_owned(), u.to_owned());
    assert_eq!(
        flagged,
        vec![
            expect("entries/far/date", "date_in_future", "vol-1"),
            expect("entries/old/date", "date_long_before", "vol-1"),
            expect("visits/v2019/at", "date_long_before", "worker-1"),
            expect("visits/v2031/at", "date_in_future", "worker-1"),
        ],
        "{items:#}"
    );
    // The supervisor accepts one as right; it closes and stays closed.
    let far = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == "visits/v2031/at")
        .unwrap();
    let (status, body) = http_post_json(
        &server.addr,
        &format!("/api/conflicts/{}/accept", far["id"]),
        &json!({"note": "预约的回访"}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        get_json(&server, "/api/conflicts", &ts)
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Everything refused is in quarantine, with the reason.
    let store = db.store().await;
    let quarantined = store.quarantined().await.unwrap();
    for (id, _, why) in &broken {
        assert!(
            quarantined.iter().any(|q| q.reason.contains(why)),
            "{id} quarantined: {:?}",
            quarantined.iter().map(|q| &q.reason).collect::<Vec<_>>()
        );
    }

    // Approving everything waiting approves only sound hours.
    let waiting = get_json(&server, "/api/volunteer-entries?status=submitted", &ts).await;
    let items: Vec<serde_json::Value> = waiting
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!({"document_id": e["document_id"], "entry_id": e["entry_id"]}))
        .collect();
    assert_eq!(items.len(), 5, "ok, d1, d3, old, far: {waiting}");
    let (status, body) = http_post_json(
        &server.addr,
        "/api/review/entries",
        &json!({"items": items, "status": "approved"}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let report = get_json(
        &server,
        &format!("/api/indicators?org={COMMUNITY}&from={yesterday}&to={today}"),
        &ts,
    )
    .await;
    let hours = report["indicators"]["operational"]["approved_volunteer_hours"]
        .as_f64()
        .unwrap();
    assert!(
        (hours - (90.0 + 800.0 + 600.0) / 60.0).abs() < 1e-9,
        "{report:#}"
    );

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(broken_values_are_refused_and_unlikely_ones_flagged);
