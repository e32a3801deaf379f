//! Indicators on a small data set of known composition, computed by hand below.

use std::collections::BTreeMap;

use linli_sync_core::contract::{
    Community, Household, LogItem, Member, Organization, Request, Visit, SCHEMA_VERSION,
};

use crate::harness::{
    field_client, http_get_auth, http_get_bytes, http_post_json, sync_as, Backend, ServerProcess,
    TestDb,
};
use crate::on_both_backends;

const GRID: &str = "c01/s01/m01/g01";
const COMMUNITY: &str = "c01/s01/m01";

fn member(name: &str, born: i64, employment: &str, health_record: bool) -> Member {
    Member {
        name: name.into(),
        birth_year: Some(born),
        employment: employment.into(),
        health_record,
        relation: "head".into(),
        ..Member::default()
    }
}

fn household(members: Vec<Member>, visit_at: &str) -> Household {
    Household {
        kind: "household".into(),
        schema: SCHEMA_VERSION,
        org: GRID.into(),
        address: format!("幸福社区 {visit_at}"),
        members: members
            .into_iter()
            .enumerate()
            .map(|(i, m)| (format!("m{i}"), m))
            .collect(),
        visits: vec![Visit {
            id: "v1".into(),
            at: visit_at.into(),
            by: "w".into(),
            purpose: "入户走访".into(),
            ..Visit::default()
        }],
        ..Household::default()
    }
}

fn request(status: &str, log: &[(&str, &str)]) -> Request {
    Request {
        kind: "request".into(),
        schema: SCHEMA_VERSION,
        org: GRID.into(),
        category: "就业".into(),
        description: "求职".into(),
        status: status.into(),
        log: log
            .iter()
            .map(|(at, s)| LogItem {
                at: (*at).into(),
                by: "w".into(),
                text: String::new(),
                status: Some((*s).into()),
            })
            .collect(),
        ..Request::default()
    }
}

async fn indicators_known_composition(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("w", "worker", GRID, None).await;
    db.add_user("vol", "volunteer", COMMUNITY, None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("far", "supervisor", "c01/s02", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tw, tv, ts) = (
        db.token("w").await,
        db.token("vol").await,
        db.token("sup").await,
    );

    // Two households, five residents: two aged 60+ (one with a health record); the second
    // household has a working-age adult and nobody employed.
    let mut w = field_client(db.dir.path(), "w").await;
    w.create(&household(
        vec![
            member("甲", 1950, "retired", true),
            member("乙", 1955, "retired", false),
            member("丙", 1990, "employed", false),
        ],
        "2026-11-20T09:00:00Z",
    ))
    .await
    .unwrap();
    w.create(&household(
        vec![
            member("丁", 1980, "unemployed", false),
            member("戊", 2010, "student", false),
        ],
        "2026-09-01T09:00:00Z",
    ))
    .await
    .unwrap();
    // Two employment requests: one answered after three days and resolved, one still open.
    w.create(&request(
        "resolved",
        &[
            ("2026-11-10T08:00:00Z", "open"),
            ("2026-11-13T08:00:00Z", "resolved"),
        ],
    ))
    .await
    .unwrap();
    w.create(&request("open", &[("2026-11-20T08:00:00Z", "open")]))
        .await
        .unwrap();
    sync_as(&mut w, &server, Some(&tw)).await;

    // One volunteer with 60 + 90 minutes logged, of which the 60 are approved.
    let mut v = field_client(db.dir.path(), "v").await;
    let vdoc = v
        .create_volunteer(COMMUNITY, "vol", "志愿者")
        .await
        .unwrap();
    let e1 = v
        .log_hours(&vdoc, "2026-11-15", 60, "助餐", "elderly")
        .await
        .unwrap();
    v.log_hours(&vdoc, "2026-11-16", 90, "助餐", "elderly")
        .await
        .unwrap();
    sync_as(&mut v, &server, Some(&tv)).await;
    let (code, body) = http_post_json(
        &server.addr,
        "/api/review/entries",
        &serde_json::json!({"items": [{"document_id": vdoc.to_string(), "entry_id": e1}], "status": "approved"}),
        Some(&ts),
    )
    .await;
    assert_eq!(code, 200, "{body}");

    // The community has two civil organisations.
    let mut s = field_client(db.dir.path(), "s").await;
    s.create(&Community {
        kind: "community".into(),
        schema: SCHEMA_VERSION,
        org: COMMUNITY.into(),
        name: "幸福社区".into(),
        residents: 5,
        organizations: BTreeMap::from([
            (
                "o1".into(),
                Organization {
                    name: "老年协会".into(),
                    ..Organization::default()
                },
            ),
            (
                "o2".into(),
                Organization {
                    name: "舞蹈队".into(),
                    ..Organization::default()
                },
            ),
        ]),
        ..Community::default()
    })
    .await
    .unwrap();
    sync_as(&mut s, &server, Some(&ts)).await;

    // A range as the period (the county report's own test, county_report.rs, checks every
    // indicator on a county built by hand).
    let url = format!("/api/indicators?org={COMMUNITY}&from=2026-11-01&to=2026-11-26");
    let (code, body) = http_get_auth(&server.addr, &url, &ts).await;
    assert_eq!(code, 200, "{body}");
    let r: serde_json::Value = serde_json::from_str(&body).unwrap();
    let i = &r["indicators"];
    assert_eq!(r["period"]["kind"], "range");
    assert_eq!(i["residents"], 5);
    assert_eq!(i["households"], 2);
    assert_eq!(i["volunteers"], 1);
    assert_eq!(
        i["operational"]["approved_volunteer_hours"], 1.0,
        "only approved hours count"
    );
    assert_eq!(i["operational"]["requests_opened"], 2);
    assert_eq!(i["operational"]["requests_answered"], 1);
    assert_eq!(i["operational"]["mean_days_to_answer"], 3.0);

    // Drill-down from the street reaches the community with the same figures.
    let (code, body) = http_get_auth(
        &server.addr,
        "/api/indicators?org=c01/s01&from=2026-11-01&to=2026-11-26",
        &ts,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let street: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(street["children"].as_array().unwrap().len(), 1);
    assert_eq!(street["children"][0]["org"], COMMUNITY);
    assert_eq!(street["children"][0]["residents"], 5);

    // Exports: CSV in Chinese, XLSX in English with the English CSV's rows.
    let (code, csv_bytes) = http_get_bytes(&server.addr, "/api/export/residents.csv", &ts).await;
    assert_eq!(code, 200);
    let csv_rows = read_csv(&csv_bytes);
    assert_eq!(csv_rows[0][0], "文档编号");
    assert_eq!(csv_rows.len(), 1 + 5);
    let (_, en_csv) = http_get_bytes(&server.addr, "/api/export/residents.csv?lang=en", &ts).await;
    let en_rows = read_csv(&en_csv);
    let (code, xlsx_bytes) =
        http_get_bytes(&server.addr, "/api/export/residents.xlsx?lang=en", &ts).await;
    assert_eq!(code, 200);
    let xlsx_rows = read_xlsx(&xlsx_bytes, "residents");
    assert_eq!(xlsx_rows[0][0], "document id");
    assert_eq!(xlsx_rows[0][6], "birth year");
    assert_eq!(
        xlsx_rows[1..],
        en_rows[1..],
        "the XLSX holds exactly the CSV's rows"
    );
    let (_, hours) = http_get_bytes(
        &server.addr,
        "/api/export/volunteer-hours.csv?lang=en&period=2026-11",
        &ts,
    )
    .await;
    assert_eq!(read_csv(&hours).len(), 1 + 2);
    let (code, ind) = http_get_bytes(
        &server.addr,
        "/api/export/indicators.xlsx?from=2026-11-01&to=2026-11-26",
        &ts,
    )
    .await;
    assert_eq!(code, 200);
    let ind_rows = read_xlsx(&ind, "indicators");
    // 1 volunteer of 5 stated residents.
    assert!(
        ind_rows
            .iter()
            .any(|r| r[1] == "c01/s01/m01" && r[4] == "社区志愿者占居民比例" && r[5] == "20.0%"),
        "{ind_rows:?}"
    );

    // The same rows as JSON, a page at a time.
    let (code, body) = http_get_auth(&server.addr, "/api/records/residents?limit=2", &ts).await;
    assert_eq!(code, 200, "{body}");
    let page: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(page.len(), 2);
    assert!(
        page[0]["birth_year"].is_i64() && page[0]["document_id"].is_string(),
        "{page:?}"
    );
    let (_, body) =
        http_get_auth(&server.addr, "/api/records/residents?limit=2&offset=4", &ts).await;
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&body)
            .unwrap()
            .len(),
        1
    );
    let (_, body) = http_get_auth(
        &server.addr,
        "/api/records/residents",
        &db.token("far").await,
    )
    .await;
    assert_eq!(body, "[]");

    // Another street's supervisor sees nothing of it.
    let (_, far_csv) = http_get_bytes(
        &server.addr,
        "/api/export/residents.csv",
        &db.token("far").await,
    )
    .await;
    assert_eq!(read_csv(&far_csv).len(), 1, "only the header");
    let far = db.token("far").await;
    assert_eq!(http_get_auth(&server.addr, &url, &far).await.0, 404);
    let (_, body) = http_get_auth(
        &server.addr,
        "/api/indicators?from=2026-11-01&to=2026-11-26",
        &far,
    )
    .await;
    let own: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(own["indicators"]["residents"], 0);
    assert_eq!(
        http_get_auth(&server.addr, &url, &tw).await.0,
        403,
        "workers do not read indicators"
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(indicators_known_composition);

fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF])
        .expect("UTF-8 byte-order mark");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

pub(crate) fn read_xlsx(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Data, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a valid XLSX");
    let range = book.worksheet_range(sheet).expect("the sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}
