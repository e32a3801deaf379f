//! Supervisors' review of conflicts: found once, shown with authors, settled on every device.

use std::collections::BTreeMap;

use linli_sync_core::automerge::{transaction::Transactable, ReadDoc, ROOT};
use linli_sync_core::contract::{Household, Member, SCHEMA_VERSION};

use crate::harness::{
    field_client, http_get_auth, http_get_with_head, http_post_json, sync_as, Backend,
    ServerProcess, Street, TestDb,
};
use crate::on_both_backends;

const GRID: &str = "c01/s01/m01/g01";

fn set_birth_year(
    year: i64,
) -> impl FnOnce(
    &mut linli_sync_core::automerge::transaction::Transaction<'_>,
) -> Result<(), linli_field::FieldError> {
    move |tx| {
        let members = tx.get(ROOT, "members")?.expect("members").1;
        let m = tx.get(&members, "m1")?.expect("member").1;
        tx.put(&m, "birth_year", year)?;
        Ok(())
    }
}

/// Two workers of `GRID` (tokens `tz`, `tl`) hold one household whose member `m1` was born
/// in 1950; offline, one changes the year to 1951 and the other to 1949, then both sync: one
/// review item opens. Returns both devices and the household.
pub(crate) async fn two_birth_years(
    db: &TestDb,
    server: &ServerProcess,
    tz: &str,
    tl: &str,
) -> (
    linli_field::FieldClient,
    linli_field::FieldClient,
    linli_sync_core::DocumentId,
) {
    let mut zhang = field_client(db.dir.path(), "zhang").await;
    let house = zhang
        .create(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: GRID.into(),
            address: "幸福社区 2栋301室".into(),
            members: BTreeMap::from([(
                "m1".to_string(),
                Member {
                    name: "王秀英".into(),
                    birth_year: Some(1950),
                    relation: "head".into(),
                    ..Member::default()
                },
            )]),
            ..Household::default()
        })
        .await
        .unwrap();
    sync_as(&mut zhang, server, Some(tz)).await;
    let mut li = field_client(db.dir.path(), "li").await;
    li.pull(house);
    sync_as(&mut li, server, Some(tl)).await;

    zhang.change(&house, set_birth_year(1951)).await.unwrap();
    li.change(&house, set_birth_year(1949)).await.unwrap();
    sync_as(&mut zhang, server, Some(tz)).await;
    sync_as(&mut li, server, Some(tl)).await;
    (zhang, li, house)
}

async fn open_conflicts(server: &ServerProcess, token: &str) -> Vec<serde_json::Value> {
    let (status, body) = http_get_auth(&server.addr, "/api/conflicts", token).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Two workers change the same member's birth year offline: exactly one item names both
/// values and both authors; the supervisor's choice reaches both devices and closes it; an
/// unrelated edit afterwards opens nothing.
async fn concurrent_edits_open_one_item_that_settles_everywhere(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("zhang", "worker", GRID, None).await;
    db.add_user("li", "worker", GRID, None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("other-sup", "supervisor", "c01/s02", None)
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tz, tl, ts) = (
        db.token("zhang").await,
        db.token("li").await,
        db.token("sup").await,
    );

    // Both offline, both correct the birth year differently.
    let (mut zhang, mut li, house) = two_birth_years(&db, &server, &tz, &tl).await;
    sync_as(&mut zhang, &server, Some(&tz)).await;

    let items = open_conflicts(&server, &ts).await;
    assert_eq!(items.len(), 1, "{items:#?}");
    let item = &items[0];
    assert_eq!(item["path"], "members/m1/birth_year");
    assert_eq!(item["document_id"], house.to_string());
    assert_eq!(item["record"]["address"], "幸福社区 2栋301室", "{item}");
    assert_eq!(item["record"]["head_name"], "王秀英", "{item}");
    // The list by unit, with its total: the grid's community has it, another has none, and
    // a unit outside the supervisor's street does not exist for them.
    let (status, head, _) = http_get_with_head(&server.addr, "/api/conflicts", &ts).await;
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase().contains("x-total-count: 1"),
        "{head}"
    );
    let in_unit = |org: &str| format!("/api/conflicts?org={org}");
    let (status, body) = http_get_auth(&server.addr, &in_unit("c01/s01/m01"), &ts).await;
    assert_eq!(
        (
            status,
            serde_json::from_str::<Vec<serde_json::Value>>(&body)
                .unwrap()
                .len()
        ),
        (200, 1)
    );
    let (status, head, body) = http_get_with_head(&server.addr, &in_unit("c01/s01/m02"), &ts).await;
    assert_eq!((status, body.as_slice()), (200, b"[]".as_slice()));
    assert!(
        head.to_ascii_lowercase().contains("x-total-count: 0"),
        "{head}"
    );
    let (status, _) = http_get_auth(&server.addr, &in_unit("c01/s02"), &ts).await;
    assert_eq!(
        status, 404,
        "another street's unit is not the supervisor's to list"
    );
    let mut pairs: Vec<(i64, String)> = item["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_i64().unwrap(),
                c["user"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        vec![(1949, "li".to_string()), (1951, "zhang".to_string())]
    );
    assert!(
        open_conflicts(&server, &db.token("other-sup").await)
            .await
            .is_empty(),
        "other streets see nothing"
    );

    // A worker may not settle; the supervisor does.
    let id = item["id"].as_i64().unwrap();
    let path = format!("/api/conflicts/{id}/resolve");
    let choice = serde_json::json!({"value": 1950});
    assert_eq!(
        http_post_json(&server.addr, &path, &choice, Some(&tz))
            .await
            .0,
        403
    );
    let (status, body) = http_post_json(&server.addr, &path, &choice, Some(&ts)).await;
    assert_eq!(status, 200, "{body}");
    let settled: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(settled["status"], "resolved");
    assert_eq!(settled["resolved_by"], "sup");
    assert!(open_conflicts(&server, &ts).await.is_empty());
    let (_, body) = http_get_auth(&server.addr, "/api/conflicts?status=resolved", &ts).await;
    let closed: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(closed.len(), 1, "{body}");
    assert_eq!(closed[0]["resolution"], 1950);
    assert_eq!(closed[0]["record"]["address"], "幸福社区 2栋301室");

    // Both devices converge on the choice, with no conflict left.
    for (client, token) in [(&mut zhang, &tz), (&mut li, &tl)] {
        sync_as(client, &server, Some(token)).await;
        assert_eq!(
            client.show(&house).unwrap()["members"]["m1"]["birth_year"],
            1950
        );
        let doc = client.document(&house).unwrap();
        let members = doc.get(ROOT, "members").unwrap().unwrap().1;
        let m = doc.get(&members, "m1").unwrap().unwrap().1;
        assert_eq!(doc.get_all(&m, "birth_year").unwrap().len(), 1);
    }

    // The field's history names every value and its author.
    let (status, body) = http_get_auth(
        &server.addr,
        &format!("/api/history?document_id={house}&path=members/m1/birth_year"),
        &ts,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let history: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    let seen: Vec<(i64, String)> = history
        .iter()
        .map(|h| {
            (
                h["value"].as_i64().unwrap(),
                h["user"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen.first(),
        Some(&(1950, "zhang".to_string())),
        "{history:#?}"
    );
    assert_eq!(
        seen.last(),
        Some(&(1950, "sup".to_string())),
        "the settlement comes last"
    );
    assert!(seen.contains(&(1949, "li".to_string())), "{history:#?}");
    assert!(seen.contains(&(1951, "zhang".to_string())), "{history:#?}");
    assert_eq!(seen.len(), 4, "created, two concurrent values, settled");

    // An unrelated edit opens nothing.
    zhang
        .change(&house, |tx| {
            tx.put(ROOT, "address", "幸福社区 2栋302室")?;
            Ok(())
        })
        .await
        .unwrap();
    sync_as(&mut zhang, &server, Some(&tz)).await;
    sync_as(&mut li, &server, Some(&tl)).await;
    assert!(open_conflicts(&server, &ts).await.is_empty());
    let audit = db.store().await.audit_entries().await.unwrap();
    assert!(audit
        .iter()
        .any(|(a, who, _)| a == "conflict_resolve" && who.as_deref() == Some("sup")));
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(concurrent_edits_open_one_item_that_settles_everywhere);

async fn entries(server: &ServerProcess, token: &str, status: &str) -> Vec<serde_json::Value> {
    let (code, body) = http_get_auth(
        &server.addr,
        &format!("/api/volunteer-entries?status={status}"),
        token,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// A supervisor approves, rejects and sends back hours (singly and in bulk); the volunteer
/// sees each status and note after syncing, fixes the sent-back entry and resubmits it.
async fn supervisors_review_volunteer_hours(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol", "volunteer", "c01/s01/m01", None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("far-sup", "supervisor", "c01/s02", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tv, ts) = (db.token("vol").await, db.token("sup").await);

    let mut vol = field_client(db.dir.path(), "vol").await;
    let doc = vol
        .create_volunteer("c01/s01/m01", "vol", "孙悟空")
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (minutes, what) in [
        (60, "助餐"),
        (600, "整天陪护"),
        (45, "文体活动"),
        (30, "环境清扫"),
    ] {
        ids.push(
            vol.log_hours(&doc, "2026-11-24", minutes, what, "elderly")
                .await
                .unwrap(),
        );
    }
    sync_as(&mut vol, &server, Some(&tv)).await;
    assert_eq!(entries(&server, &ts, "submitted").await.len(), 4);
    assert!(entries(&server, &db.token("far-sup").await, "submitted")
        .await
        .is_empty());

    let review = |items: Vec<&String>, status: &'static str, note: &'static str| {
        let addr = server.addr.clone();
        let token = ts.clone();
        let items: Vec<serde_json::Value> = items
            .into_iter()
            .map(|e| serde_json::json!({"document_id": doc.to_string(), "entry_id": e}))
            .collect();
        async move {
            http_post_json(
                &addr,
                "/api/review/entries",
                &serde_json::json!({"items": items, "status": status, "note": note}),
                Some(&token),
            )
            .await
        }
    };
    assert_eq!(review(vec![&ids[0]], "approved", "").await.0, 200);
    assert_eq!(
        review(vec![&ids[1]], "rejected", "一天十小时不合理")
            .await
            .0,
        200
    );
    assert_eq!(
        review(vec![&ids[2]], "has_issues", "请补充活动地点")
            .await
            .0,
        200
    );
    assert_eq!(
        review(vec![&ids[3]], "promoted", "").await.0,
        400,
        "not a decision"
    );
    let (code, _) = http_post_json(
        &server.addr,
        "/api/review/entries",
        &serde_json::json!({"items": [{"document_id": doc.to_string(), "entry_id": ids[3]}], "status": "approved"}),
        Some(&tv),
    )
    .await;
    assert_eq!(code, 403, "volunteers do not review");

    sync_as(&mut vol, &server, Some(&tv)).await;
    let shown = vol.show(&doc).unwrap();
    assert_eq!(shown["entries"][&ids[0]]["status"], "approved");
    assert_eq!(shown["entries"][&ids[1]]["status"], "rejected");
    assert_eq!(shown["entries"][&ids[2]]["status"], "has_issues");
    assert_eq!(
        shown["entries"][&ids[2]]["review"]["note"],
        "请补充活动地点"
    );
    assert_eq!(shown["entries"][&ids[2]]["review"]["by"], "sup");

    // The volunteer fixes the sent-back entry and resubmits it.
    let e = ids[2].clone();
    vol.change(&doc, move |tx| {
        let entries = tx.get(ROOT, "entries")?.expect("entries").1;
        let entry = tx.get(&entries, e.as_str())?.expect("entry").1;
        tx.put(&entry, "activity", "文体活动（社区广场）")?;
        tx.put(&entry, "status", "submitted")?;
        Ok(())
    })
    .await
    .unwrap();
    let report = sync_as(&mut vol, &server, Some(&tv)).await;
    assert!(report.errors.is_empty(), "{report:?}");
    let waiting = entries(&server, &ts, "submitted").await;
    let mut waiting_ids: Vec<&str> = waiting
        .iter()
        .map(|e| e["entry_id"].as_str().unwrap())
        .collect();
    waiting_ids.sort();
    let mut expected = vec![ids[2].as_str(), ids[3].as_str()];
    expected.sort();
    assert_eq!(waiting_ids, expected);

    // Both approved in one go.
    assert_eq!(review(vec![&ids[2], &ids[3]], "approved", "").await.0, 200);
    let approved = entries(&server, &ts, "approved").await;
    assert_eq!(approved.len(), 3);
    assert_eq!(
        approved
            .iter()
            .map(|e| e["minutes"].as_i64().unwrap())
            .sum::<i64>(),
        60 + 45 + 30
    );
    sync_as(&mut vol, &server, Some(&tv)).await;
    assert_eq!(
        vol.show(&doc).unwrap()["entries"][&ids[3]]["status"],
        "approved"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(supervisors_review_volunteer_hours);

fn registration(address: &str, member_id: &str, visit_id: &str) -> Household {
    Household {
        kind: "household".into(),
        schema: SCHEMA_VERSION,
        org: GRID.into(),
        address: address.into(),
        members: BTreeMap::from([(
            member_id.to_string(),
            Member {
                name: "张三".into(),
                relation: "head".into(),
                birth_year: Some(1960),
                ..Member::default()
            },
        )]),
        visits: vec![linli_sync_core::contract::Visit {
            id: visit_id.into(),
            at: "2026-11-20T10:00:00Z".into(),
            by: "w".into(),
            purpose: "入户走访".into(),
            ..Default::default()
        }],
        ..Household::default()
    }
}

/// Two workers register the same household apart; a duplicate item opens; merging keeps one
/// document with everyone's visits and each person once (the two registrations' heads are the
/// same person), marks the other, and both ids still resolve.
async fn duplicate_households_are_found_and_merged(backend: Backend) {
    let Some(Street {
        db,
        server,
        tokens: [tz, tl, ts],
        mut zhang,
        mut li,
    }) = Street::start(backend).await
    else {
        return;
    };
    let a = zhang
        .create(&registration("幸福社区 1栋 101室", "m-a", "v-a"))
        .await
        .unwrap();
    let b = li
        .create(&registration("幸福社区1栋101室", "m-b", "v-b"))
        .await
        .unwrap();
    sync_as(&mut zhang, &server, Some(&tz)).await;
    sync_as(&mut li, &server, Some(&tl)).await;

    let (code, body) = http_get_auth(&server.addr, "/api/duplicates", &ts).await;
    assert_eq!(code, 200, "{body}");
    let items: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    let pair = [
        items[0]["first_id"].as_str().unwrap(),
        items[0]["second_id"].as_str().unwrap(),
    ];
    assert!(pair.contains(&a.to_string().as_str()) && pair.contains(&b.to_string().as_str()));
    // Each side as a supervisor finds it: address, head, size.
    let mut addresses = [
        items[0]["first_address"].as_str().unwrap_or_default(),
        items[0]["second_address"].as_str().unwrap_or_default(),
    ];
    addresses.sort();
    assert_eq!(
        addresses,
        ["幸福社区 1栋 101室", "幸福社区1栋101室"],
        "{items:?}"
    );
    assert!(
        items[0]["first_members"].as_i64().unwrap() >= 1,
        "{items:?}"
    );
    assert!(items[0]["first_head"].is_string(), "{items:?}");

    let merge = format!("/api/duplicates/{}/merge", items[0]["id"]);
    let (code, body) = http_post_json(
        &server.addr,
        &merge,
        &serde_json::json!({"keep": a.to_string()}),
        Some(&ts),
    )
    .await;
    assert_eq!(code, 200, "{body}");

    sync_as(&mut zhang, &server, Some(&tz)).await;
    let kept = zhang.show(&a).unwrap();
    assert!(
        kept["members"]["m-a"].is_object() && kept["members"].get("m-b").is_none(),
        "one head, not two: {kept}"
    );
    let visits: Vec<&str> = kept["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(visits, vec!["v-a", "v-b"]);
    sync_as(&mut li, &server, Some(&tl)).await;
    assert_eq!(li.show(&b).unwrap()["merged_into"], a.to_string());

    // Both ids resolve for a fresh device.
    let mut fresh = field_client(db.dir.path(), "fresh").await;
    fresh.pull(a);
    fresh.pull(b);
    sync_as(&mut fresh, &server, Some(&tz)).await;
    assert_eq!(fresh.show(&b).unwrap()["merged_into"], a.to_string());
    let (_, body) = http_get_auth(&server.addr, "/api/duplicates", &ts).await;
    assert_eq!(body, "[]");
    let (_, body) = http_get_auth(&server.addr, "/api/indicators?org=c01/s01/m01/g01", &ts).await;
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        report["indicators"]["households"], 1,
        "the merged registration is not counted twice"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(duplicate_households_are_found_and_merged);

/// Registrations of one household that reach the server at the same moment still meet:
/// commits of one duplicate key take turns, so the second sees the first (on PostgreSQL two
/// concurrent transactions used to miss each other). Several rounds, each a fresh pair.
async fn simultaneous_duplicate_registrations_are_found(backend: Backend) {
    let Some(Street {
        db,
        server,
        tokens: [tz, tl, ts],
        mut zhang,
        mut li,
    }) = Street::start(backend).await
    else {
        return;
    };
    let rounds = 8;
    for n in 0..rounds {
        let address = format!("同时社区{n}栋101室");
        zhang
            .create(&registration(
                &address,
                &format!("m-a{n}"),
                &format!("v-a{n}"),
            ))
            .await
            .unwrap();
        li.create(&registration(
            &address,
            &format!("m-b{n}"),
            &format!("v-b{n}"),
        ))
        .await
        .unwrap();
        tokio::join!(
            sync_as(&mut zhang, &server, Some(&tz)),
            sync_as(&mut li, &server, Some(&tl))
        );
    }
    let (code, body) = http_get_auth(&server.addr, "/api/duplicates", &ts).await;
    assert_eq!(code, 200, "{body}");
    let items: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(items.len(), rounds, "one item per pair: {items:?}");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(simultaneous_duplicate_registrations_are_found);

/// A household sent back with a note: the worker's device shows it after syncing; and a
/// supervisor of another street sees nothing of it in any list, export or indicator.
async fn household_review_and_street_scope(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("zhang", "worker", GRID, None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("far", "supervisor", "c01/s02", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tz, ts, tf) = (
        db.token("zhang").await,
        db.token("sup").await,
        db.token("far").await,
    );
    let mut zhang = field_client(db.dir.path(), "zhang").await;
    let house = zhang
        .create(&registration("和平里 3号", "m1", "v1"))
        .await
        .unwrap();
    sync_as(&mut zhang, &server, Some(&tz)).await;

    let (code, body) = http_get_auth(&server.addr, "/api/households", &ts).await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(&house.to_string()));
    let (code, body) = http_post_json(
        &server.addr,
        "/api/review/households",
        &serde_json::json!({"document_ids": [house.to_string()], "status": "has_issues", "note": "请核对身份证后四位"}),
        Some(&ts),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    sync_as(&mut zhang, &server, Some(&tz)).await;
    let shown = zhang.show(&house).unwrap();
    assert_eq!(shown["review"]["status"], "has_issues");
    assert_eq!(shown["review"]["note"], "请核对身份证后四位");
    assert_eq!(shown["review"]["by"], "sup");

    // The worker fixes the record and resubmits it.
    zhang
        .change(&house, |tx| {
            let review = tx.get(ROOT, "review")?.expect("review").1;
            tx.put(&review, "status", "received")?;
            tx.put(ROOT, "address", "和平里 3号楼")?;
            Ok(())
        })
        .await
        .unwrap();
    let report = sync_as(&mut zhang, &server, Some(&tz)).await;
    assert!(report.errors.is_empty(), "{report:?}");
    let (_, body) = http_get_auth(&server.addr, "/api/households", &ts).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows[0]["review_status"], "received");
    assert_eq!(rows[0]["address"], "和平里 3号楼");

    // A visit record is reviewed on its own.
    let (code, body) = http_post_json(
        &server.addr,
        "/api/review/visits",
        &serde_json::json!({"items": [{"document_id": house.to_string(), "visit_id": "v1"}], "status": "approved"}),
        Some(&ts),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    sync_as(&mut zhang, &server, Some(&tz)).await;
    assert_eq!(
        zhang.show(&house).unwrap()["visits"][0]["review"]["status"],
        "approved"
    );

    // The other street's supervisor: empty lists, empty exports, zero indicators, no access.
    for path in [
        "/api/households",
        "/api/conflicts",
        "/api/duplicates",
        "/api/volunteer-entries",
    ] {
        let (code, body) = http_get_auth(&server.addr, path, &tf).await;
        assert_eq!((code, body.as_str()), (200, "[]"), "{path}");
    }
    for file in ["households", "residents", "visits", "volunteer-hours"] {
        let (code, body) =
            http_get_auth(&server.addr, &format!("/api/export/{file}.csv"), &tf).await;
        assert_eq!(code, 200);
        assert_eq!(
            body.trim_start_matches('\u{feff}').lines().count(),
            1,
            "{file}: header only"
        );
    }
    let (_, body) = http_get_auth(&server.addr, "/api/indicators", &tf).await;
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["indicators"]["households"], 0);
    let history = format!("/api/history?document_id={house}&path=address");
    assert_eq!(http_get_auth(&server.addr, &history, &tf).await.0, 404);
    assert_eq!(http_get_auth(&server.addr, &history, &ts).await.0, 200);
    let (code, _) = http_post_json(
        &server.addr,
        "/api/review/households",
        &serde_json::json!({"document_ids": [house.to_string()], "status": "approved"}),
        Some(&tf),
    )
    .await;
    assert_eq!(code, 404, "out of scope looks absent");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(household_review_and_street_scope);
