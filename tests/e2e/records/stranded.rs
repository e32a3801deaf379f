//! Case 7: a sync that leaves changes undelivered never says it is complete. After a worker's
//! scope changed, `linli-field sync` exited 0 with `"complete": true` while `status` showed two
//! pending changes that could never be delivered, and nobody was told. Now the sync reports
//! which document holds them and why, exits 3, and hands them to the server's quarantine, so
//! that no change made on the device is lost.

use super::GRID;
use crate::field_cli::Device;
use crate::harness::{Backend, ServerProcess, TestDb};
use crate::on_both_backends;

/// Moves a user to another org unit, as an administrator would (no command does it yet).
async fn move_user(db: &TestDb, user: &str, org: &str) {
    sqlx::query("UPDATE users SET org = $1 WHERE name = $2")
        .bind(org)
        .bind(user)
        .execute(db.store().await.pool())
        .await
        .unwrap();
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
    move_user(&db, "wang", "c01/s01/m01/g02").await;

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
    // Nothing is lost on the device either.
    assert_eq!(phone.pending().await, 2);

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
    // The supervisor sees them, and that they cannot simply be written again.
    let listed = super::get_json(&server, "/api/quarantine", &db.token("sup").await).await;
    let item = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["document_id"] == id.as_str())
        .unwrap_or_else(|| panic!("listed: {listed:#}"))
        .clone();
    assert_eq!(item["user"], "wang");
    assert_eq!(item["org"], GRID, "scoped by the household's grid");
    assert_eq!(item["can_accept"], false, "{item}");
    // A second sync reports them again and keeps one copy.
    assert_eq!(phone.run(&["sync"]).await.code, 3);
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
