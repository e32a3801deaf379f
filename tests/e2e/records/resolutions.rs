//! Case 3: a stale resolution never overwrites a newer edit. An address conflict was opened; a
//! worker then saved a new, verified address, which synced; the supervisor resolved the old
//! conflict and the verified address was replaced everywhere by a stale candidate. Now the
//! card shows the field's current value, and a resolution made on values that have changed
//! since writes nothing: the item is superseded (the field holds one newer value) or asks
//! again (it is still in conflict, with other values).

use linli_sync_core::automerge::{transaction::Transactable, ROOT};
use linli_sync_core::contract::{Household, SCHEMA_VERSION};
use serde_json::json;

use super::{get_json, GRID};
use crate::harness::{http_post_json, sync_as, Backend, ServerProcess, Street};
use crate::on_both_backends;

fn set_address(
    address: &'static str,
) -> impl FnOnce(
    &mut linli_sync_core::automerge::transaction::Transaction<'_>,
) -> Result<(), linli_field::FieldError> {
    move |tx| {
        tx.put(ROOT, "address", address)?;
        Ok(())
    }
}

/// The two workers' devices with their tokens.
struct Devices<'a> {
    zhang: &'a mut linli_field::FieldClient,
    li: &'a mut linli_field::FieldClient,
    tz: &'a str,
    tl: &'a str,
}

/// Zhang registers a household at `addresses[0]`; both devices hold it; offline, zhang
/// writes `addresses[1]` and li `addresses[2]`; both sync: one open address conflict.
async fn address_conflict(
    d: &mut Devices<'_>,
    server: &ServerProcess,
    addresses: [&'static str; 3],
) -> linli_sync_core::DocumentId {
    let house = d
        .zhang
        .create(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: GRID.into(),
            address: addresses[0].into(),
            ..Household::default()
        })
        .await
        .unwrap();
    sync_as(d.zhang, server, Some(d.tz)).await;
    d.li.pull(house);
    sync_as(d.li, server, Some(d.tl)).await;
    let [_, a, b] = addresses;
    d.zhang.change(&house, set_address(a)).await.unwrap();
    d.li.change(&house, set_address(b)).await.unwrap();
    sync_as(d.zhang, server, Some(d.tz)).await;
    sync_as(d.li, server, Some(d.tl)).await;
    house
}

fn address_of(client: &linli_field::FieldClient, id: &linli_sync_core::DocumentId) -> String {
    let doc = client.document(id).expect("held");
    linli_sync_core::contract::root_string(doc, "address").unwrap_or_default()
}

async fn stale_resolutions_write_nothing(backend: Backend) {
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

    // Offline, both correct the address differently: one open conflict.
    let house = address_conflict(
        &mut Devices {
            zhang: &mut zhang,
            li: &mut li,
            tz: &tz,
            tl: &tl,
        },
        &server,
        ["幸福路 6号", "幸福路 6号 1单元", "幸福路 6号 2单元"],
    )
    .await;
    let items = get_json(&server, "/api/conflicts", &ts).await;
    let item = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == "address")
        .expect("item")
        .clone();
    assert_eq!(
        item["current"].as_array().unwrap().len(),
        2,
        "the card shows what it holds now: {item:#}"
    );

    // Li hears of the conflict, checks on the spot and saves the verified address; it syncs.
    sync_as(&mut li, &server, Some(&tl)).await;
    li.change(&house, set_address("幸福路 6号 2单元 302室"))
        .await
        .unwrap();
    sync_as(&mut li, &server, Some(&tl)).await;
    let items = get_json(&server, "/api/conflicts", &ts).await;
    assert!(
        items
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["path"] != "address"),
        "the newer edit closes the stale item: {items:#}"
    );

    // The supervisor still has the old card open and picks a stale candidate.
    let (status, body) = http_post_json(
        &server.addr,
        &format!("/api/conflicts/{}/resolve", item["id"]),
        &json!({"value": "幸福路 6号 1单元", "version": item["version"]}),
        Some(&ts),
    )
    .await;
    assert!(status == 400 || status == 409, "{status} {body}");
    let closed = get_json(&server, "/api/conflicts?status=superseded", &ts).await;
    assert!(
        closed
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == item["id"]),
        "{closed:#}"
    );
    sync_as(&mut zhang, &server, Some(&tz)).await;
    assert_eq!(
        address_of(&zhang, &house),
        "幸福路 6号 2单元 302室",
        "the verified address stays"
    );

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(stale_resolutions_write_nothing);

/// The field is still in conflict, but with other values than the card showed (a newer edit
/// made without seeing the other one): the resolution is refused with 409 and the item as it
/// is now; made again on the new version, it is written.
async fn changed_conflicts_ask_again(backend: Backend) {
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
    let house = address_conflict(
        &mut Devices {
            zhang: &mut zhang,
            li: &mut li,
            tz: &tz,
            tl: &tl,
        },
        &server,
        ["幸福路 7号", "幸福路 7号 东", "幸福路 7号 西"],
    )
    .await;
    let seen = get_json(&server, "/api/conflicts", &ts).await[0].clone();
    assert_eq!(seen["path"], "address");

    // Zhang, still offline from li's value, corrects their own again.
    zhang
        .change(&house, set_address("幸福路 7号 东侧 101"))
        .await
        .unwrap();
    sync_as(&mut zhang, &server, Some(&tz)).await;

    let path = format!("/api/conflicts/{}/resolve", seen["id"]);
    let (status, body) = http_post_json(
        &server.addr,
        &path,
        &json!({"value": "幸福路 7号 东", "version": seen["version"]}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut now: Vec<String> = answer["item"]["current"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap().to_owned())
        .collect();
    now.sort();
    assert_eq!(now, ["幸福路 7号 东侧 101", "幸福路 7号 西"], "{answer:#}");
    let doc = server_address(&server, &ts, &house).await;
    assert_ne!(doc, "幸福路 7号 东", "nothing was written");

    let (status, body) = http_post_json(
        &server.addr,
        &path,
        &json!({"value": "幸福路 7号 东侧 101", "version": answer["item"]["version"]}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    sync_as(&mut li, &server, Some(&tl)).await;
    assert_eq!(address_of(&li, &house), "幸福路 7号 东侧 101");
    assert_eq!(
        server_address(&server, &ts, &house).await,
        "幸福路 7号 东侧 101"
    );

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(changed_conflicts_ask_again);

/// The address the server holds now, as its records list shows it.
async fn server_address(
    server: &ServerProcess,
    token: &str,
    house: &linli_sync_core::DocumentId,
) -> String {
    let rows = get_json(server, "/api/records/households?limit=500", token).await;
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["document_id"] == house.to_string())
        .expect("the household is listed")
        .clone();
    row["address"].as_str().unwrap_or_default().to_owned()
}
