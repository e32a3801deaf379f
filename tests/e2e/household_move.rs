//! A household moves to another grid (issue #19), on both databases, with two phones: the
//! supervisor moves it with a reason; the old grid's phone loses it at its next sync (a
//! change it made meanwhile is handed over and, accepted, delivered), the new grid's phone
//! gets it with its whole history, the lists and the audit log follow. What a supervisor may
//! not do is refused.

use std::time::Duration;

use linli_field::{FieldClient, NewVisit};
use linli_sync_core::contract::{Household, Member, Visit, SCHEMA_VERSION};
use serde_json::{json, Value};

use crate::harness::{
    field_client, http_get_auth, http_post_json, sync_as, Backend, ServerProcess, TestDb,
};
use crate::on_both_backends;

const OLD_GRID: &str = "c01/s01/m01/g01";
const NEW_GRID: &str = "c01/s01/m01/g02";

async fn phone(db: &TestDb, server: &ServerProcess, name: &str, user: &str) -> FieldClient {
    let mut phone = field_client(db.dir.path(), name).await;
    phone
        .login(
            &format!("http://{}", server.addr),
            user,
            "secret-pw",
            name,
            false,
        )
        .await
        .expect("log in");
    phone
}

async fn sync(phone: &mut FieldClient) -> linli_field::SyncReport {
    let mut remote = phone.remote(None, None).await.unwrap();
    phone
        .sync_remote(&mut remote, Duration::from_secs(30))
        .await
        .expect("sync")
}

async fn pull_all(phone: &mut FieldClient) {
    let mut remote = phone.remote(None, None).await.unwrap();
    phone
        .pull_all(&mut remote, Duration::from_secs(30))
        .await
        .expect("pull");
}

async fn listed(server: &ServerProcess, org: &str, token: &str) -> Vec<String> {
    let (status, body) =
        http_get_auth(&server.addr, &format!("/api/households?org={org}"), token).await;
    assert_eq!(status, 200, "{body}");
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    rows.iter()
        .map(|r| r["address"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_household_moves_to_another_grid(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("wa", "worker", OLD_GRID, Some("secret-pw"))
        .await;
    db.add_user("wb", "worker", NEW_GRID, Some("secret-pw"))
        .await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("other-sup", "supervisor", "c01/s02", None)
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let sup = db.token("sup").await;

    let mut a = phone(&db, &server, "phone-a", "wa").await;
    let mut b = phone(&db, &server, "phone-b", "wb").await;
    let (house, _) = a
        .create_household(OLD_GRID, "幸福路12号", Some("陈建国"))
        .await
        .unwrap();
    let visit = NewVisit {
        purpose: "routine".into(),
        notes: "老两口身体尚可".into(),
        by: "wa".into(),
        ..NewVisit::default()
    };
    a.log_visit(&house, &visit).await.unwrap();
    assert!(sync(&mut a).await.complete);
    pull_all(&mut b).await;
    assert!(b.document(&house).is_none(), "not the new grid's yet");

    // What a supervisor may not do.
    let move_to = |to: &str, reason: &str| json!({"document_id": house.to_string(), "to_org": to, "reason": reason});
    let post = |body: Value, token: String| {
        let addr = server.addr.clone();
        async move { http_post_json(&addr, "/api/households/move", &body, Some(&token)).await }
    };
    let wa = db.token("wa").await;
    assert_eq!(
        post(move_to(NEW_GRID, "搬家"), wa).await.0,
        403,
        "workers do not move households"
    );
    assert_eq!(
        post(move_to(NEW_GRID, "搬家"), db.token("other-sup").await)
            .await
            .0,
        404,
        "another street's household does not exist for them"
    );
    assert_eq!(
        post(move_to("c01/s02/m01/g01", "搬家"), sup.clone())
            .await
            .0,
        403
    );
    assert_eq!(
        post(move_to(NEW_GRID, " "), sup.clone()).await.0,
        400,
        "a reason is needed"
    );
    assert_eq!(
        post(move_to(OLD_GRID, "搬家"), sup.clone()).await.0,
        400,
        "it is there"
    );
    assert_eq!(
        post(move_to("c01/s01/m02", "搬家"), sup.clone()).await.0,
        400,
        "a grid, not a community"
    );

    // Meanwhile the old grid's worker, offline, corrects the address.
    a.set_field(&house, "address", "幸福路12号（东门）")
        .await
        .unwrap();

    let (status, body) = post(move_to(NEW_GRID, "全家搬到二网格"), sup.clone()).await;
    assert_eq!(status, 200, "{body}");
    let moved: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (moved["from"].as_str(), moved["to"].as_str()),
        (Some(OLD_GRID), Some(NEW_GRID))
    );

    // The old grid's phone: the household leaves it, its correction handed over.
    let report = sync(&mut a).await;
    assert_eq!(report.removed, vec![house.to_string()], "{report:?}");
    assert!(
        report.undeliverable.iter().all(|u| u.quarantined),
        "{report:?}"
    );
    assert!(a.document(&house).is_none());

    // The new grid's phone gets it whole: the visit made in the old grid, the new unit.
    pull_all(&mut b).await;
    let shown = b.show(&house).expect("the new grid holds it");
    assert_eq!(shown["org"], NEW_GRID);
    assert_eq!(shown["visits"][0]["notes"], "老两口身体尚可", "{shown}");
    assert_eq!(listed(&server, NEW_GRID, &sup).await, ["幸福路12号"]);
    assert!(listed(&server, OLD_GRID, &sup).await.is_empty());

    // The correction made before the phone knew is delivered when the supervisor accepts it.
    crate::harness::accept_handed_over(&server, &sup, &house.to_string()).await;
    sync(&mut b).await;
    assert_eq!(b.show(&house).unwrap()["address"], "幸福路12号（东门）");

    let audit = db.store().await.audit_entries().await.unwrap();
    assert!(
        audit
            .iter()
            .any(|(a, _, s)| a == "household_move"
                && s.as_deref() == Some(house.to_string().as_str())),
        "{audit:?}"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(a_household_moves_to_another_grid);

/// A unit's households, residents, visits and households visited in one period, from the
/// indicators API (`org` within `sup`'s scope).
async fn figures(server: &ServerProcess, sup: &str, org: &str, period: &str) -> [i64; 4] {
    let url = format!("/api/indicators?org={org}&period={period}");
    let (status, body) = http_get_auth(&server.addr, &url, sup).await;
    assert_eq!(status, 200, "{url}: {body}");
    let r: Value = serde_json::from_str(&body).unwrap();
    let unit = &r["indicators"];
    assert_eq!(unit["org"], org, "{body}");
    [
        unit["households"].as_i64().unwrap(),
        unit["residents"].as_i64().unwrap(),
        unit["operational"]["visits"].as_i64().unwrap(),
        unit["operational"]["households_visited"].as_i64().unwrap(),
    ]
}

/// The households of each unit directly under `org` (a street's communities, say).
async fn households_under(
    server: &ServerProcess,
    sup: &str,
    org: &str,
    period: &str,
) -> Vec<(String, i64)> {
    let url = format!("/api/indicators?org={org}&period={period}");
    let (status, body) = http_get_auth(&server.addr, &url, sup).await;
    assert_eq!(status, 200, "{url}: {body}");
    let r: Value = serde_json::from_str(&body).unwrap();
    r["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["org"].as_str().unwrap().to_owned(),
                c["households"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Indicators follow a moved household from the day it moved (issue #19): before that day it
/// counts in the grid it left, from that day in the new one; each visit counts where the
/// household lived on the visit's day. A second move, to another community, shows in the
/// street's report (whose per-community totals are kept and counted again after a move).
async fn indicators_follow_a_household_from_the_day_it_moved(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("wa", "worker", OLD_GRID, None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (wa, sup) = (db.token("wa").await, db.token("sup").await);
    const OTHER_COMMUNITY_GRID: &str = "c01/s01/m02/g01";

    let member = |name: &str, born: i64| Member {
        name: name.into(),
        birth_year: Some(born),
        relation: "head".into(),
        ..Member::default()
    };
    let visit = |id: &str, at: &str| Visit {
        id: id.into(),
        at: at.into(),
        by: "wa".into(),
        purpose: "routine".into(),
        ..Visit::default()
    };
    let mut phone = field_client(db.dir.path(), "phone-a").await;
    let house = phone
        .create(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: OLD_GRID.into(),
            address: "幸福路12号".into(),
            members: [
                ("m1".into(), member("陈建国", 1950)),
                ("m2".into(), member("王秀英", 1953)),
            ]
            .into_iter()
            .collect(),
            visits: vec![
                visit("v1", "2026-09-20T09:00:00Z"),
                visit("v2", "2026-10-05T09:00:00Z"),
                visit("v3", "2026-10-20T09:00:00Z"),
            ],
            ..Household::default()
        })
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&wa)).await;

    let move_to = |to: &str, on: &str| json!({"document_id": house.to_string(), "to_org": to, "reason": "全家搬迁", "on": on});
    let post = |body: Value| {
        let (addr, token) = (server.addr.clone(), sup.clone());
        async move { http_post_json(&addr, "/api/households/move", &body, Some(&token)).await }
    };
    assert_eq!(
        post(move_to(NEW_GRID, "2026-10-1")).await.0,
        400,
        "not a date"
    );
    assert_eq!(
        post(move_to(NEW_GRID, "2999-01-01")).await.0,
        400,
        "a move is recorded once it happened"
    );

    // Before any move the household is the old grid's in every period.
    assert_eq!(
        figures(&server, &sup, OLD_GRID, "2026-11").await,
        [1, 2, 0, 0]
    );
    assert_eq!(
        households_under(&server, &sup, "c01/s01", "2026-11").await,
        [("c01/s01/m01".to_owned(), 1)],
        "kept per community"
    );

    // The family moved to the next grid on 15 October; the supervisor records it later.
    let (status, body) = post(move_to(NEW_GRID, "2026-10-15")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["on"],
        "2026-10-15"
    );

    // September: the old grid's, with its visit.
    assert_eq!(
        figures(&server, &sup, OLD_GRID, "2026-09").await,
        [1, 2, 1, 1]
    );
    assert_eq!(
        figures(&server, &sup, NEW_GRID, "2026-09").await,
        [0, 0, 0, 0]
    );
    // October: on its last day the household lives in the new grid; the visit of the 5th
    // was the old grid's, the one of the 20th the new grid's.
    assert_eq!(
        figures(&server, &sup, OLD_GRID, "2026-10").await,
        [0, 0, 1, 0]
    );
    assert_eq!(
        figures(&server, &sup, NEW_GRID, "2026-10").await,
        [1, 2, 1, 1]
    );
    // A range that ends before the move.
    let url = "/api/indicators?org=c01/s01/m01/g01&from=2026-10-01&to=2026-10-14";
    let (_, body) = http_get_auth(&server.addr, url, &sup).await;
    let r: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["indicators"]["households"], 1, "{body}");
    assert_eq!(r["indicators"]["operational"]["visits"], 1, "{body}");
    // November: the new grid's; the community counts it once whichever grid it is in.
    assert_eq!(
        figures(&server, &sup, OLD_GRID, "2026-11").await,
        [0, 0, 0, 0]
    );
    assert_eq!(
        figures(&server, &sup, NEW_GRID, "2026-11").await,
        [1, 2, 0, 0]
    );
    for period in ["2026-09", "2026-10", "2026-11"] {
        assert_eq!(
            figures(&server, &sup, "c01/s01/m01", period).await[..2],
            [1, 2],
            "{period}"
        );
    }

    // A move before the last one is refused; then the family moves on to another community.
    assert_eq!(
        post(move_to(OTHER_COMMUNITY_GRID, "2026-10-01")).await.0,
        400,
        "before its last move"
    );
    let (status, body) = post(move_to(OTHER_COMMUNITY_GRID, "2026-11-10")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        households_under(&server, &sup, "c01/s01", "2026-11").await,
        [("c01/s01/m01".to_owned(), 0), ("c01/s01/m02".to_owned(), 1)],
        "the street's kept totals are counted again for both communities"
    );
    assert_eq!(
        households_under(&server, &sup, "c01/s01", "2026-10").await,
        [("c01/s01/m01".to_owned(), 1), ("c01/s01/m02".to_owned(), 0)],
    );
    assert_eq!(
        figures(&server, &sup, NEW_GRID, "2026-10").await,
        [1, 2, 1, 1]
    );
    assert_eq!(
        figures(&server, &sup, OLD_GRID, "2026-09").await,
        [1, 2, 1, 1]
    );
    assert_eq!(
        figures(&server, &sup, OTHER_COMMUNITY_GRID, "2026-10").await,
        [0, 0, 0, 0]
    );

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(indicators_follow_a_household_from_the_day_it_moved);
