//! Case 4: merging duplicates keeps the register right. Two workers registered one household
//! offline and the supervisor merged them: the kept household had its head twice; the
//! merged-away residents stayed in the residents list, the export and the indicators (a family
//! of 3 counted 7 times); the households list still showed it; phones holding it kept writing
//! visits into it, unwarned, that never reached the kept one; there was no "not a duplicate"
//! and no undo.

use std::collections::BTreeMap;

use linli_field::NewVisit;
use linli_sync_core::contract::{Household, Member, SCHEMA_VERSION};
use linli_sync_core::DocumentId;
use serde_json::json;

use super::{get_json, GRID};
use crate::harness::{http_get_bytes, http_post_json, sync_as, Backend, Street};
use crate::on_both_backends;

fn person(name: &str, year: Option<i64>, relation: &str, tail: &str) -> Member {
    Member {
        name: name.into(),
        birth_year: year,
        relation: relation.into(),
        id_tail: tail.into(),
        ..Member::default()
    }
}

fn registration(address: &str, members: &[(&str, Member)], visit: &str) -> Household {
    Household {
        kind: "household".into(),
        schema: SCHEMA_VERSION,
        org: GRID.into(),
        address: address.into(),
        members: members
            .iter()
            .map(|(id, m)| (id.to_string(), m.clone()))
            .collect::<BTreeMap<_, _>>(),
        visits: vec![linli_sync_core::contract::Visit {
            id: visit.into(),
            at: "2026-11-25T10:00:00Z".into(),
            by: "w".into(),
            purpose: "入户走访".into(),
            ..Default::default()
        }],
        ..Household::default()
    }
}

fn names(rows: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// One household registered twice: by zhang at 幸福路 12号 with `mine` (visit `va`), by li at
/// 幸福路12号 with `theirs` (visit `vb`), both synced: the two ids and the one duplicate item.
async fn registered_twice(
    street: &mut Street,
    mine: &[(&str, Member)],
    theirs: &[(&str, Member)],
) -> (DocumentId, DocumentId, i64) {
    let [tz, tl, ts] = &street.tokens;
    let a = street
        .zhang
        .create(&registration("幸福路 12号", mine, "va"))
        .await
        .unwrap();
    let b = street
        .li
        .create(&registration("幸福路12号", theirs, "vb"))
        .await
        .unwrap();
    sync_as(&mut street.zhang, &street.server, Some(tz)).await;
    sync_as(&mut street.li, &street.server, Some(tl)).await;
    let items = get_json(&street.server, "/api/duplicates", ts).await;
    assert_eq!(items.as_array().unwrap().len(), 1, "{items:#}");
    (a, b, items[0]["id"].as_i64().unwrap())
}

async fn merged_households_count_each_person_once(backend: Backend) {
    let Some(mut street) = Street::start(backend).await else {
        return;
    };
    // The same family of three, registered apart; li missed the wife's birth year and met a
    // grandchild zhang did not.
    let (a, b, dup) = registered_twice(
        &mut street,
        &[
            ("h1", person("王建国", Some(1956), "head", "123X")),
            ("s1", person("李秀兰", Some(1958), "spouse", "")),
            ("c1", person("王小明", Some(1985), "child", "")),
        ],
        &[
            ("h2", person("王建国", Some(1956), "head", "")),
            ("s2", person("李秀兰", None, "spouse", "")),
            ("g2", person("王小宝", Some(2012), "grandchild", "")),
        ],
    )
    .await;
    let Street {
        db,
        server,
        tokens: [tz, tl, ts],
        mut zhang,
        mut li,
    } = street;

    // The plan: the heads are one person, the wives perhaps (a birth year is missing).
    let plan = get_json(
        &server,
        &format!("/api/duplicates/{dup}/plan?keep={a}"),
        &ts,
    )
    .await;
    assert_eq!(plan["same"][0][0]["id"], "h1", "{plan:#}");
    assert_eq!(plan["same"][0][1]["id"], "h2", "{plan:#}");
    assert_eq!(plan["doubtful"][0][0]["id"], "s1", "{plan:#}");
    assert_eq!(plan["doubtful"][0][1]["id"], "s2", "{plan:#}");
    assert_eq!(plan["added"][0]["id"], "g2", "{plan:#}");

    // The supervisor confirms the wives are one person too, and merges into a.
    let (status, body) = http_post_json(
        &server.addr,
        &format!("/api/duplicates/{dup}/merge"),
        &json!({"keep": a.to_string(), "same": [["s1", "s2"]]}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Each person once, everywhere.
    let four = ["李秀兰", "王小宝", "王小明", "王建国"];
    assert_eq!(
        names(&get_json(&server, "/api/records/residents?limit=500", &ts).await),
        four
    );
    let (_, csv) = http_get_bytes(&server.addr, "/api/export/residents.csv", &ts).await;
    let csv = String::from_utf8_lossy(&csv);
    assert_eq!(csv.matches("王建国").count(), 1, "{csv}");
    let report = get_json(&server, &format!("/api/indicators?org={GRID}"), &ts).await;
    assert_eq!(report["indicators"]["residents"], 4, "{report:#}");
    assert_eq!(report["indicators"]["households"], 1, "{report:#}");
    let households = get_json(&server, "/api/households", &ts).await;
    let listed: Vec<&str> = households
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["document_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [a.to_string().as_str()],
        "the merged-away one is not listed"
    );
    sync_as(&mut zhang, &server, Some(&tz)).await;
    let kept = zhang.show(&a).unwrap();
    let heads = kept["members"]
        .as_object()
        .unwrap()
        .values()
        .filter(|m| m["relation"] == "head")
        .count();
    assert_eq!(heads, 1, "one head: {kept}");
    assert_eq!(kept["members"]["h1"]["id_tail"], "123X");

    // Li's phone still holds b and logs a visit there: li is told, and it reaches a.
    li.log_visit(
        &b,
        &NewVisit {
            purpose: "回访".into(),
            by: "li".into(),
            ..NewVisit::default()
        },
    )
    .await
    .unwrap();
    let report = li
        .sync_with(
            &server.ws_url(),
            Some(&tl),
            std::time::Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains(&format!("merged into {a}"))),
        "{report:?}"
    );
    let mut moved = false;
    for _ in 0..50 {
        sync_as(&mut zhang, &server, Some(&tz)).await;
        let visits = zhang.show(&a).unwrap()["visits"].clone();
        if visits
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["purpose"] == "回访")
        {
            moved = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(moved, "the visit written to b reached a");
    assert_eq!(
        names(&get_json(&server, "/api/records/residents?limit=500", &ts).await),
        four
    );

    // Undo: b is a household of its own again, and a loses what the merge added.
    let (status, body) = http_post_json(
        &server.addr,
        &format!("/api/duplicates/{dup}/undo"),
        &json!({}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let residents = names(&get_json(&server, "/api/records/residents?limit=500", &ts).await);
    assert_eq!(
        residents,
        ["李秀兰", "李秀兰", "王小宝", "王小明", "王建国", "王建国"],
        "both registrations as they were"
    );
    sync_as(&mut zhang, &server, Some(&tz)).await;
    let a_now = zhang.show(&a).unwrap();
    assert!(a_now["members"].get("g2").is_none(), "{a_now}");
    assert_eq!(a_now["visits"].as_array().unwrap().len(), 1, "{a_now}");
    assert_eq!(
        get_json(&server, "/api/duplicates", &ts).await[0]["id"],
        dup,
        "open again"
    );

    // "Not a duplicate" closes the pair for good.
    let (status, body) = http_post_json(
        &server.addr,
        &format!("/api/duplicates/{dup}/dismiss"),
        &json!({}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    li.set_field(&b, "address", "幸福路 12 号").await.unwrap();
    sync_as(&mut li, &server, Some(&tl)).await;
    assert!(get_json(&server, "/api/duplicates", &ts)
        .await
        .as_array()
        .unwrap()
        .is_empty());

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(merged_households_count_each_person_once);

/// Makes every commit to `doc` fail in storage (a trigger on the change log), or, with
/// `None`, lets commits through again.
async fn refuse_commits_to(db: &crate::harness::TestDb, doc: Option<&str>) {
    let store = db.store().await;
    let pool = store.pool();
    let postgres = db.url.is_some();
    let statements: Vec<String> = match (doc, postgres) {
        (Some(doc), true) => vec![
            "CREATE OR REPLACE FUNCTION linli_test_refuse() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' \
             USING ERRCODE = 'disk_full'; END $$"
                .into(),
            format!(
                "CREATE TRIGGER linli_test_refuse BEFORE INSERT ON changes FOR EACH ROW \
                 WHEN (NEW.document_id = '{doc}') EXECUTE FUNCTION linli_test_refuse()"
            ),
        ],
        (Some(doc), false) => vec![format!(
            "CREATE TRIGGER linli_test_refuse BEFORE INSERT ON changes \
             WHEN NEW.document_id = '{doc}' BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
        )],
        (None, true) => vec!["DROP TRIGGER linli_test_refuse ON changes".into()],
        (None, false) => vec!["DROP TRIGGER linli_test_refuse".into()],
    };
    for sql in statements {
        sqlx::query(&sql).execute(pool).await.unwrap();
    }
    store.close().await;
}

/// A merge whose second step cannot be stored (the registration merged away refuses commits)
/// fails as a whole: the kept registration gets back what the first step wrote, the item stays
/// open, and the merge made again once storage works is undone exactly.
async fn a_merge_that_cannot_be_stored_leaves_both_registrations_as_they_were(backend: Backend) {
    let Some(mut street) = Street::start(backend).await else {
        return;
    };
    let (a, b, dup) = registered_twice(
        &mut street,
        &[
            ("h1", person("王建国", Some(1956), "head", "123X")),
            ("c1", person("王小明", Some(1985), "child", "")),
        ],
        &[
            ("h2", person("王建国", Some(1956), "head", "")),
            ("g2", person("王小宝", Some(2012), "grandchild", "")),
        ],
    )
    .await;
    let Street {
        db,
        server,
        tokens: [_, _, ts],
        ..
    } = street;
    let merge = format!("/api/duplicates/{dup}/merge");
    let both = ["王小宝", "王小明", "王建国", "王建国"];

    refuse_commits_to(&db, Some(&b.to_string())).await;
    let (status, body) = http_post_json(
        &server.addr,
        &merge,
        &json!({"keep": a.to_string()}),
        Some(&ts),
    )
    .await;
    assert!(status >= 500, "{status} {body}");
    assert_eq!(
        names(&get_json(&server, "/api/records/residents?limit=500", &ts).await),
        both,
        "the kept registration got back what the merge's first step wrote"
    );
    assert_eq!(
        get_json(&server, "/api/duplicates", &ts).await[0]["id"],
        dup,
        "still open"
    );

    refuse_commits_to(&db, None).await;
    let (status, body) = http_post_json(
        &server.addr,
        &merge,
        &json!({"keep": a.to_string()}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        names(&get_json(&server, "/api/records/residents?limit=500", &ts).await),
        ["王小宝", "王小明", "王建国"]
    );
    let (status, body) = http_post_json(
        &server.addr,
        &format!("/api/duplicates/{dup}/undo"),
        &json!({}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        names(&get_json(&server, "/api/records/residents?limit=500", &ts).await),
        both,
        "undone exactly: nothing of the failed attempt stays in the kept registration"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(a_merge_that_cannot_be_stored_leaves_both_registrations_as_they_were);
