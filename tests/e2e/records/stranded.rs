//! Case 7: a sync that leaves changes undelivered never says it is complete. After a worker's
//! scope changed, `linli-field sync` exited 0 with `"complete": true` while `status` showed two
//! pending changes that could never be delivered, and nobody was told. Now the sync says the
//! account was moved, reports which document holds the changes and why, exits 3, and hands
//! them to the server's quarantine; the document leaves the phone (it is not the worker's to
//! read any more), and the supervisor's "accept" delivers the changes as the worker made them
//! (issue #19: never lost).

use super::GRID;
use crate::field_cli::Device;
use crate::harness::{field_client, http_post_json, sync_as, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const NEW_GRID: &str = "c01/s01/m01/g02";

/// Moves a user to another grid as their supervisor does (`POST /api/users/change`).
async fn move_user(server: &ServerProcess, sup: &str, user: &str, org: &str) {
    let (status, body) = http_post_json(
        &server.addr,
        "/api/users/change",
        &serde_json::json!({"name": user, "org": org}),
        Some(sup),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn undeliverable_changes_are_reported_and_kept(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("wang", "worker", GRID, Some("wang-pw")).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let phone = Device::new(db.dir.path(), "wang-phone");
    phone.login(&server, "wang", "wang-pw").await;
    let created = phone
        .ok(&[
            "household",
            "create",
            "--org",
            GRID,
            "--address",
            "幸福路 9号",
            "--head",
            "王强",
        ])
        .await;
    let id = created["documentId"].as_str().unwrap().to_owned();
    phone.sync().await;

    // Offline, two visits; meanwhile the worker is moved to another grid.
    for purpose in ["routine", "follow_up"] {
        phone
            .ok(&["visit", "log", "--doc", &id, "--purpose", purpose])
            .await;
    }
    assert_eq!(phone.pending().await, 2);
    let sup = db.token("sup").await;
    move_user(&server, &sup, "wang", NEW_GRID).await;

    let run = phone.run(&["sync"]).await;
    assert_eq!(
        run.code, 3,
        "a sync that leaves changes behind fails: {}",
        run.json
    );
    assert_eq!(run.json["complete"], false, "{}", run.json);
    let stranded = &run.json["undeliverable"][0];
    assert_eq!(stranded["document"], id.as_str(), "{}", run.json);
    assert_eq!(stranded["pending"], 2, "{}", run.json);
    assert_eq!(stranded["quarantined"], true, "{}", run.json);
    assert!(stranded["reason"]
        .as_str()
        .unwrap()
        .contains("outside your scope"));
    // The phone learnt the new grid and let go of the household, its changes handed over.
    assert_eq!(run.json["scope"]["from_org"], GRID, "{}", run.json);
    assert_eq!(run.json["scope"]["to_org"], NEW_GRID, "{}", run.json);
    assert_eq!(
        run.json["removed"],
        serde_json::json!([id.as_str()]),
        "{}",
        run.json
    );
    assert_eq!(phone.pending().await, 0);

    // The server keeps them, attributed to the device, for a supervisor.
    let kept: Vec<_> = db
        .store()
        .await
        .quarantined()
        .await
        .unwrap()
        .into_iter()
        .filter(|q| q.document_id == id)
        .collect();
    assert_eq!(kept.len(), 1, "handed over once");
    assert_eq!(kept[0].user.as_deref(), Some("wang"));
    assert!(
        kept[0].reason.starts_with("undeliverable"),
        "{}",
        kept[0].reason
    );
    let login = phone.ok(&["status"]).await["login"].clone();
    assert_eq!(
        kept[0].device.as_deref(),
        login["device"].as_str(),
        "{login}"
    );
    assert!(!kept[0].bytes.is_empty());
    // The supervisor sees them and delivers them: the household has both visits, by wang.
    let listed = super::get_json(&server, "/api/quarantine", &sup).await;
    let item = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["document_id"] == id.as_str())
        .unwrap_or_else(|| panic!("listed: {listed:#}"))
        .clone();
    assert_eq!(item["user"], "wang");
    assert_eq!(item["org"], GRID, "scoped by the household's grid");
    assert_eq!(item["can_accept"], true, "{item}");
    let accept = format!("/api/quarantine/{}/accept", item["id"]);
    let (status, body) = http_post_json(
        &server.addr,
        &accept,
        &serde_json::json!({"note": "王强家走访，调网格前所记"}),
        Some(&sup),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut desk = field_client(db.dir.path(), "sup-desk").await;
    desk.pull(linli_sync_core::DocumentId::parse(&id).unwrap());
    sync_as(&mut desk, &server, Some(&sup)).await;
    let house = desk
        .show(&linli_sync_core::DocumentId::parse(&id).unwrap())
        .unwrap();
    let purposes: Vec<&str> = house["visits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes, ["routine", "follow_up"], "{house}");
    // The phone's next sync is complete, in the new grid, and hands nothing over again.
    let next = phone.run(&["sync"]).await;
    assert_eq!(next.code, 0, "{}", next.json);
    let copies = db
        .store()
        .await
        .quarantined()
        .await
        .unwrap()
        .into_iter()
        .filter(|q| q.document_id == id)
        .count();
    assert_eq!(copies, 1);

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(undeliverable_changes_are_reported_and_kept);
