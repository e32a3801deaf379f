//! Case 6: refused changes are visible. Quarantine had no endpoint and no screen; a
//! volunteer's legitimate offline edit that crossed an approval ended up only there. Now
//! supervisors list quarantine in their scope (who, device, when, what, the rule) and accept
//! an item (its values written as the supervisor's change, audited) or dismiss it.

use linli_field::EntryEdit;
use serde_json::json;

use super::{day, get_json, COMMUNITY, STREET};
use crate::harness::{field_client, http_post_json, sync_as, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

async fn supervisors_see_and_settle_refused_changes(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("vol-1", "volunteer", COMMUNITY, None).await;
    db.add_user("sup", "supervisor", STREET, None).await;
    db.add_user("other-sup", "supervisor", "c01/s02", None)
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tv, ts) = (db.token("vol-1").await, db.token("sup").await);

    let mut phone = field_client(db.dir.path(), "vol-phone").await;
    let doc = phone
        .create_volunteer(COMMUNITY, "vol-1", "李四")
        .await
        .unwrap();
    let first = phone
        .log_hours(&doc, &day(0), 90, "探访独居老人", "elderly")
        .await
        .unwrap();
    let second = phone
        .log_hours(&doc, &day(0), 60, "助餐", "elderly")
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&tv)).await;

    // Offline, the volunteer corrects both entries; meanwhile the supervisor approves them.
    for (entry, minutes) in [(&first, 75), (&second, 45)] {
        let edit = EntryEdit {
            minutes: Some(minutes),
            ..EntryEdit::default()
        };
        phone.edit_entry(&doc, entry, &edit).await.unwrap();
    }
    let items = json!([{"document_id": doc.to_string(), "entry_id": first},
                       {"document_id": doc.to_string(), "entry_id": second}]);
    let (status, body) = http_post_json(
        &server.addr,
        "/api/review/entries",
        &json!({"items": items, "status": "approved"}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let report = phone
        .sync_with(
            &server.ws_url(),
            Some(&tv),
            std::time::Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert!(!report.errors.is_empty(), "the device is told: {report:?}");

    // The supervisor sees both refusals: who, which device, when, what, why.
    let list = get_json(&server, "/api/quarantine?status=open", &ts).await;
    let list = list.as_array().unwrap().clone();
    assert!(!list.is_empty(), "the refusal is listed");
    let mut writes: Vec<(String, i64)> = Vec::new();
    for q in &list {
        assert_eq!(q["document_id"], doc.to_string());
        assert_eq!(q["kind"], "volunteer");
        assert_eq!(q["org"], COMMUNITY);
        assert_eq!(q["user"], "vol-1");
        assert!(q["device"].as_str().is_some_and(|d| !d.is_empty()), "{q}");
        assert!(q["received_at"].as_i64().unwrap() > 0);
        assert!(
            q["reason"]
                .as_str()
                .unwrap()
                .contains("may not write `entries/"),
            "{q}"
        );
        assert_eq!(q["can_accept"], true);
        writes.extend(q["writes"].as_array().unwrap().iter().map(|w| {
            (
                w["path"].as_str().unwrap().to_owned(),
                w["value"].as_i64().unwrap(),
            )
        }));
    }
    writes.sort();
    let mut expect = vec![
        (format!("entries/{first}/minutes"), 75),
        (format!("entries/{second}/minutes"), 45),
    ];
    expect.sort();
    assert_eq!(writes, expect);
    assert!(
        get_json(&server, "/api/quarantine", &db.token("other-sup").await)
            .await
            .as_array()
            .unwrap()
            .is_empty(),
        "other streets see nothing"
    );
    // Volunteers may not look.
    let (status, _) = crate::harness::http_get_auth(&server.addr, "/api/quarantine", &tv).await;
    assert_eq!(status, 403);

    // Accepting writes the refused values as the supervisor's change; the device gets them.
    for q in &list {
        let (status, body) = http_post_json(
            &server.addr,
            &format!("/api/quarantine/{}/accept", q["id"]),
            &json!({"note": "志愿者更正时长，已核实"}),
            Some(&ts),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    sync_as(&mut phone, &server, Some(&tv)).await;
    let shown = phone.show(&doc).unwrap();
    assert_eq!(shown["entries"][&first]["minutes"], 75, "{shown}");
    assert_eq!(shown["entries"][&second]["minutes"], 45, "{shown}");
    assert_eq!(shown["entries"][&first]["status"], "approved", "{shown}");
    assert!(get_json(&server, "/api/quarantine?status=open", &ts)
        .await
        .as_array()
        .unwrap()
        .is_empty());
    let accepted = get_json(&server, "/api/quarantine?status=accepted", &ts).await;
    assert_eq!(accepted[0]["decided_by"], "sup", "{accepted}");

    // A refusal that is rightly refused is dismissed: nothing changes.
    let edit = EntryEdit {
        minutes: Some(600),
        ..EntryEdit::default()
    };
    phone.edit_entry(&doc, &first, &edit).await.unwrap_err();
    phone
        .change(&doc, |tx| {
            use linli_sync_core::automerge::{transaction::Transactable, ReadDoc, ROOT};
            let entries = tx.get(ROOT, "entries")?.expect("entries").1;
            let e = tx.get(&entries, first.as_str())?.expect("entry").1;
            tx.put(&e, "status", "approved")?;
            tx.put(&e, "minutes", 600)?;
            Ok(())
        })
        .await
        .unwrap();
    let _ = phone
        .sync_with(
            &server.ws_url(),
            Some(&tv),
            std::time::Duration::from_secs(30),
        )
        .await
        .unwrap();
    let open = get_json(&server, "/api/quarantine?status=open", &ts).await;
    assert_eq!(open.as_array().unwrap().len(), 1, "{open:#}");
    let (status, body) = http_post_json(
        &server.addr,
        &format!("/api/quarantine/{}/dismiss", open[0]["id"]),
        &json!({"note": "不能自行认定"}),
        Some(&ts),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    sync_as(&mut phone, &server, Some(&tv)).await;
    assert_eq!(phone.show(&doc).unwrap()["entries"][&first]["minutes"], 75);
    let store = db.store().await;
    let audit = store.audit_entries().await.unwrap();
    for action in ["quarantine_accept", "quarantine_dismiss"] {
        assert!(
            audit
                .iter()
                .any(|(a, by, _)| a == action && by.as_deref() == Some("sup")),
            "{audit:?}"
        );
    }

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(supervisors_see_and_settle_refused_changes);
