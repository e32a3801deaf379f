//! Case 5: a removal never silently beats a concurrent edit. One phone deleted a member while
//! another edited that member's phone number: the edit vanished with no review item. Now
//! members are never hard-deleted (a deletion is refused and undone); removal is a reason and
//! a date, and a removal concurrent with an edit opens a review item the supervisor settles:
//! keep the member removed, or keep the member (with the edit).

use std::collections::BTreeMap;

use linli_field::MemberEdit;
use linli_sync_core::contract::{Household, Member, SCHEMA_VERSION};
use serde_json::json;

use super::{day, errors, get_json, js_edit, GRID};
use crate::harness::{http_post_json, sync_as, Backend, Street};
use crate::on_both_backends;

fn residents(rows: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

async fn removal_concurrent_with_an_edit_opens_an_item(backend: Backend) {
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
    let member = |name: &str, relation: &str| Member {
        name: name.into(),
        relation: relation.into(),
        birth_year: Some(1948),
        phone: "13800000000".into(),
        ..Member::default()
    };
    let house = zhang
        .create(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: GRID.into(),
            address: "幸福路 10号".into(),
            members: BTreeMap::from([
                ("m1".to_string(), member("孙大爷", "head")),
                ("m2".to_string(), member("孙奶奶", "spouse")),
            ]),
            ..Household::default()
        })
        .await
        .unwrap();
    sync_as(&mut zhang, &server, Some(&tz)).await;
    li.pull(house);
    sync_as(&mut li, &server, Some(&tl)).await;

    // A client that deletes a member outright is refused and undone.
    let url = format!("automerge:{house}");
    let out = js_edit(&server, &tz, &url, &json!({})).await;
    assert!(out["doc"]["members"]["m2"].is_object(), "{out}");
    let deleted = crate::harness::js(&[
        "edit",
        "--server",
        &super::ws_with(&server, &tz),
        "--url",
        &url,
        "--delete",
        "members/m2",
    ])
    .await;
    assert!(
        errors(&deleted).contains("`members/m2` may not be deleted"),
        "{deleted}"
    );
    assert!(
        deleted["doc"]["members"]["m2"].is_object(),
        "restored: {deleted}"
    );
    sync_as(&mut zhang, &server, Some(&tz)).await;
    sync_as(&mut li, &server, Some(&tl)).await;

    // Offline: zhang records that 孙奶奶 has died; li updates her phone number.
    zhang
        .remove_member(&house, "m2", "deceased", &day(0))
        .await
        .unwrap();
    li.edit_member(
        &house,
        "m2",
        &MemberEdit {
            phone: Some("13900000000".into()),
            ..MemberEdit::default()
        },
    )
    .await
    .unwrap();
    sync_as(&mut zhang, &server, Some(&tz)).await;
    sync_as(&mut li, &server, Some(&tl)).await;

    // Removed members are not residents any more.
    assert_eq!(
        residents(&get_json(&server, "/api/records/residents", &ts).await),
        ["孙大爷"]
    );
    let items = get_json(&server, "/api/conflicts", &ts).await;
    let item = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == "removed_edited")
        .unwrap_or_else(|| panic!("a review item: {items:#}"))
        .clone();
    assert_eq!(item["path"], "members/m2/removed_reason");
    assert_eq!(item["note"], "removed_while_edited: phone", "{item:#}");
    assert_eq!(item["candidates"][0]["value"], "deceased");
    assert_eq!(item["candidates"][0]["user"], "zhang");

    // The supervisor checks: she is alive; keep the member, with li's new phone number.
    let (status, body) = http_post_json(
        &server.addr,
        &format!("/api/conflicts/{}/resolve", item["id"]),
        &json!({"value": "", "version": item["version"]}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        residents(&get_json(&server, "/api/records/residents", &ts).await),
        ["孙大爷", "孙奶奶"]
    );
    sync_as(&mut zhang, &server, Some(&tz)).await;
    let shown = zhang.show(&house).unwrap();
    assert_eq!(shown["members"]["m2"]["phone"], "13900000000", "{shown}");
    assert_eq!(shown["members"]["m2"]["removed_reason"], "", "{shown}");

    // A removal made after seeing the edit opens nothing.
    zhang
        .remove_member(&house, "m1", "moved_out", &day(0))
        .await
        .unwrap();
    sync_as(&mut zhang, &server, Some(&tz)).await;
    let open = get_json(&server, "/api/conflicts", &ts).await;
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|i| i["item"] != "removed_edited"),
        "{open:#}"
    );
    assert_eq!(
        residents(&get_json(&server, "/api/records/residents", &ts).await),
        ["孙奶奶"]
    );

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(removal_concurrent_with_an_edit_opens_an_item);
