//! Inputs that harmed the server or the people who open its files: a 1.9 MB login name grew
//! the audit log and memory for good (item 4); an unchecked date in the indicators export
//! panicked (item 13); formulas in records came out verbatim in CSV exports (item 5).

use std::collections::BTreeMap;

use linli_field::NewVisit;
use linli_sync_core::contract::{Household, Member, SCHEMA_VERSION};
use serde_json::json;

use crate::harness::{
    field_client, http_get, http_get_bytes, http_post_json, sync_as, Backend, ServerProcess, TestDb,
};
use crate::on_both_backends;

/// Item 4: every field of a login is bounded before anything is looked up, rate-limited or
/// audited.
async fn oversized_login_fields_are_refused_unrecorded(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("wang", "worker", "c01/s01/m01/g01", Some("pw"))
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let store = db.store().await;
    let before = store.audit_entries().await.unwrap().len();
    let huge = "名".repeat(650_000); // 1.9 MB of UTF-8
    for _ in 0..25 {
        let (status, body) = http_post_json(
            &server.addr,
            "/api/login",
            &json!({"name": huge, "password": "wrong", "device_name": "x"}),
            None,
        )
        .await;
        assert_eq!(status, 400, "{}", &body[..body.len().min(200)]);
    }
    assert_eq!(
        store.audit_entries().await.unwrap().len(),
        before,
        "nothing recorded for them"
    );
    // A real wrong password is still refused and audited.
    let (status, _) = http_post_json(
        &server.addr,
        "/api/login",
        &json!({"name": "wang", "password": "wrong", "device_name": "x"}),
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(store.audit_entries().await.unwrap().len(), before + 1);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(oversized_login_fields_are_refused_unrecorded);

/// Item 13: a malformed date in the indicators export is a 400, not a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_export_dates_are_refused() {
    let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let token = db.token("sup").await;
    for query in [
        "to=x",
        "to=2026-13-45",
        "from=yesterday&to=2026-11-30",
        "from=2026-12-01&to=2026-11-30",
        // A range needs both ends; a period is one of the three forms.
        "to=2026-11-30",
        "period=2026-Q5",
        "period=2026-11&from=2026-11-01",
    ] {
        let path = format!("/api/export/indicators.csv?{query}");
        let (status, body) = http_get_bytes(&server.addr, &path, &token).await;
        assert_eq!(status, 400, "{path}");
        assert!(
            String::from_utf8_lossy(&body).contains("period is a month"),
            "{path}: the reason is given"
        );
    }
    assert_eq!(
        http_get(&server.addr, "/healthz").await.map(|r| r.0),
        Some(200)
    );
    let (status, _) = http_get_bytes(
        &server.addr,
        "/api/export/indicators.csv?from=2026-11-01&to=2026-11-30",
        &token,
    )
    .await;
    assert_eq!(status, 200);
    server.stop().await;
}

/// Item 5: text that a spreadsheet would run as a formula is neutralised in CSV exports.
async fn csv_cells_never_start_a_formula(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w", "worker", "c01/s01/m01/g01", None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tw, ts) = (db.token("w").await, db.token("sup").await);
    let mut phone = field_client(db.dir.path(), "w").await;
    let house = phone
        .create(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: "c01/s01/m01/g01".into(),
            address: "=HYPERLINK(\"http://evil.example\",\"点我\")".into(),
            members: BTreeMap::from([(
                "m1".to_string(),
                Member {
                    name: "+1+1".into(),
                    relation: "head".into(),
                    ..Member::default()
                },
            )]),
            ..Household::default()
        })
        .await
        .unwrap();
    phone
        .log_visit(
            &house,
            &NewVisit {
                purpose: "-2+3+cmd|' /C calc'!A0".into(),
                notes: "@SUM(1+1)".into(),
                by: "w".into(),
                ..NewVisit::default()
            },
        )
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&tw)).await;
    for dataset in ["households", "residents", "visits"] {
        let (status, bytes) =
            http_get_bytes(&server.addr, &format!("/api/export/{dataset}.csv"), &ts).await;
        assert_eq!(status, 200);
        let text = String::from_utf8_lossy(&bytes)
            .trim_start_matches('\u{feff}')
            .to_owned();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut cells = 0;
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                cells += 1;
                assert!(
                    !cell.starts_with(['=', '+', '-', '@']),
                    "{dataset}: a cell starts a formula: {cell}"
                );
            }
        }
        assert!(cells > 0, "{dataset} has rows");
    }
    let (_, bytes) = http_get_bytes(&server.addr, "/api/export/households.csv", &ts).await;
    assert!(
        String::from_utf8_lossy(&bytes).contains("'=HYPERLINK"),
        "kept, neutralised"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(csv_cells_never_start_a_formula);

/// Item 15: one stored field longer than an XLSX cell holds (32,767 characters: possible in
/// data stored before the contract bounded text) broke the XLSX export of every enclosing
/// org. Exports never fail on stored data: the cell is cut, and says so.
async fn xlsx_exports_survive_oversized_stored_text(backend: Backend) {
    use linli_server::store::projection::{Projection, ProjectionWrite};
    use linli_server::store::{CommitExtras, NewChange, Origin};
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    // Stored as it was before text was bounded: straight into the store.
    let store = db.store().await;
    let mut doc = linli_sync_core::automerge::Automerge::new();
    let mut tx = doc.transaction();
    linli_sync_core::autosurgeon::reconcile(
        &mut tx,
        &Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: "c01/s01/m01/g01".into(),
            address: "长".repeat(40_000),
            ..Household::default()
        },
    )
    .unwrap();
    tx.commit();
    let root = linli_sync_core::contract::validate_root(&doc).unwrap();
    let changes: Vec<NewChange> = doc
        .get_changes(&[])
        .iter()
        .map(NewChange::from_change)
        .collect();
    let id = linli_sync_core::DocumentId::from_bytes(rand::random()).to_string();
    store
        .commit(
            &id,
            Some(&root),
            &changes,
            &Origin::default(),
            &CommitExtras {
                projection: Projection::of(&doc, &root, "Asia/Shanghai")
                    .map(|p| ProjectionWrite::full(root.org.to_string(), p)),
                ..CommitExtras::default()
            },
        )
        .await
        .unwrap();
    let server = ServerProcess::start_with(&db, &[]).await;
    let token = db.token("sup").await;
    let (status, bytes) = http_get_bytes(&server.addr, "/api/export/households.xlsx", &token).await;
    assert_eq!(
        status,
        200,
        "{}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
    );
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a valid XLSX");
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    // document id, unit, org, address
    let address = sheet.rows().nth(1).unwrap()[3].to_string();
    assert_eq!(address.chars().count(), 32_767);
    assert!(address.ends_with('…'));
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(xlsx_exports_survive_oversized_stored_text);
