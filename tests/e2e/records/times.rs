//! Case 8: times. Changes made by `linli-field` carried time 0 (the review screens would show
//! 1970), and visits were shown and exported by their UTC date, so a visit at 05:30 Beijing
//! time showed the previous day. Now the device's clock stamps its changes, and visits are
//! dated in the server's time zone (Asia/Shanghai unless `--time-zone` says otherwise), with
//! dates held as dates in the XLSX export.

use std::collections::BTreeMap;

use linli_sync_core::contract::{Household, Member, Visit, SCHEMA_VERSION};

use super::{get_json, GRID, STREET};
use crate::harness::{field_client, http_get_bytes, sync_as, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn field_changes_carry_time_and_visits_local_dates(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("zhang", "worker", GRID, None).await;
    db.add_user("sup", "supervisor", STREET, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tz, ts) = (db.token("zhang").await, db.token("sup").await);

    let started = now_secs();
    let mut zhang = field_client(db.dir.path(), "zhang").await;
    let house = zhang
        .create(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: GRID.into(),
            address: "幸福路 8号".into(),
            members: BTreeMap::from([(
                "m1".to_string(),
                Member {
                    name: "赵六".into(),
                    relation: "head".into(),
                    ..Member::default()
                },
            )]),
            // 05:30 in Beijing on 20 November is 21:30 UTC on the 19th.
            visits: vec![Visit {
                id: "dawn".into(),
                at: "2026-11-19T21:30:00Z".into(),
                by: "zhang".into(),
                purpose: "早间走访".into(),
                follow_up: Some("2026-12-01".into()),
                ..Visit::default()
            }],
            ..Household::default()
        })
        .await
        .unwrap();
    sync_as(&mut zhang, &server, Some(&tz)).await;

    // The change's time is the device's clock, as the history (and the review screens) show.
    let history = get_json(
        &server,
        &format!("/api/history?document_id={house}&path=address"),
        &ts,
    )
    .await;
    let time = history[0]["time"].as_i64().unwrap();
    assert!(
        (started - 5..=now_secs() + 5).contains(&time),
        "the change carries the device's time, not {time}: {history}"
    );

    // Visits are listed and exported by their Beijing date.
    let rows = get_json(&server, "/api/records/visits", &ts).await;
    let row = &rows[0];
    assert_eq!(row["date"], "2026-11-20", "{rows:#}");
    assert_eq!(row["at"], "2026-11-20T05:30:00+08:00", "{rows:#}");
    let (status, csv) = http_get_bytes(
        &server.addr,
        "/api/export/visits.csv?lang=en&period=2026-11",
        &ts,
    )
    .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8_lossy(&csv);
    assert!(
        csv.contains("2026-11-20,2026-11-20T05:30:00+08:00"),
        "{csv}"
    );

    // In XLSX the visit's date and follow-up are date cells.
    let (status, xlsx) = http_get_bytes(
        &server.addr,
        "/api/export/visits.xlsx?lang=en&period=2026-11",
        &ts,
    )
    .await;
    assert_eq!(status, 200);
    use calamine::{Data, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("a valid XLSX");
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let row: Vec<Data> = sheet.rows().nth(1).unwrap().to_vec();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    // Excel counts days from 1899-12-30: 2026-11-20 is day 46346.
    let Data::DateTime(date) = &row[col("date")] else {
        panic!("a date cell: {:?}", row[col("date")]);
    };
    assert_eq!(date.as_f64(), 46346.0);
    assert!(
        matches!(row[col("follow-up")], Data::DateTime(_)),
        "{:?}",
        row[col("follow-up")]
    );

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(field_changes_carry_time_and_visits_local_dates);
