//! Exports a person can read (issue #18): codes as words in the chosen language, units and
//! people by name, figures rounded, and the file saying which unit and period it covers
//! (visits and hours only of that period); and `GET /api/directory`, limited to what the
//! caller may know.

use std::collections::BTreeMap;

use linli_sync_core::contract::{Household, Member, Visit, SCHEMA_VERSION};

use crate::harness::{
    field_client, http_get_auth, http_get_with_head, http_post_json, sync_as, Backend,
    ServerProcess, TestDb,
};
use crate::on_both_backends;

const GRID: &str = "c01/s01/m01/g01";
const COMMUNITY: &str = "c01/s01/m01";

/// Org units with names, and users (login, role, org, display name).
async fn county(db: &TestDb) {
    for (path, name) in [
        ("c01", "青山县"),
        ("c01/s01", "城关街道"),
        (COMMUNITY, "幸福社区"),
        (GRID, "第一网格"),
        ("c01/s02", "和平街道"),
        ("c01/s02/m01", "光明社区"),
        ("c01/s02/m01/g01", "光明一网格"),
    ] {
        db.cli(&["org", "add", "--path", path, "--name", name], None)
            .await;
    }
    for (login, role, org, display) in [
        ("wang", "worker", GRID, Some("王芳")),
        ("sup", "supervisor", "c01/s01", Some("李建华")),
        ("vol", "volunteer", COMMUNITY, None),
        ("far", "supervisor", "c01/s02", Some("周敏")),
        ("other", "worker", "c01/s02/m01/g01", Some("陈涛")),
    ] {
        let mut args = vec!["user", "add", "--name", login, "--role", role, "--org", org];
        if let Some(d) = display {
            args.extend(["--display-name", d]);
        }
        db.cli(&args, None).await;
    }
}

fn member(name: &str, relation: &str, gender: &str, employment: &str, record: bool) -> Member {
    Member {
        name: name.into(),
        relation: relation.into(),
        gender: gender.into(),
        employment: employment.into(),
        birth_year: Some(1970),
        health_record: record,
        ..Member::default()
    }
}

fn visit(id: &str, at: &str, purpose: &str, needs: &[&str]) -> Visit {
    Visit {
        id: id.into(),
        at: at.into(),
        by: "wang".into(),
        purpose: purpose.into(),
        needs: needs.iter().map(|n| (*n).to_owned()).collect(),
        ..Visit::default()
    }
}

/// The CSV's cells, row by row (without the byte-order mark).
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(bytes)
        .trim_start_matches('\u{feff}')
        .to_owned();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The `filename*` of a `Content-Disposition` header, decoded.
fn file_name(head: &str) -> String {
    let line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
        .unwrap_or_else(|| panic!("no Content-Disposition in {head}"));
    let encoded = line
        .split("filename*=UTF-8''")
        .nth(1)
        .unwrap_or_else(|| panic!("no filename* in {line}"))
        .trim();
    let bytes = encoded.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A number with more than three decimals anywhere in the text.
fn long_decimal(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).find_map(|i| {
        if chars[i] != '.' || i == 0 || !chars[i - 1].is_ascii_digit() {
            return None;
        }
        let digits = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        (digits > 3).then(|| chars[i.saturating_sub(3)..i + 1 + digits].iter().collect())
    })
}

async fn exports_are_in_words(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    county(&db).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (tw, tv, ts) = (
        db.token("wang").await,
        db.token("vol").await,
        db.token("sup").await,
    );

    // A household on 低保 with an elder living alone; two members; a visit in November and
    // one in October.
    let mut phone = field_client(db.dir.path(), "wang").await;
    let house = phone
        .create(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: GRID.into(),
            address: "幸福里 1号".into(),
            tags: BTreeMap::from([("dibao".into(), true), ("living_alone".into(), true)]),
            members: BTreeMap::from([
                (
                    "m1".into(),
                    member("张国庆", "head", "male", "employed", true),
                ),
                (
                    "m2".into(),
                    member("刘桂兰", "spouse", "女", "unemployed", false),
                ),
            ]),
            visits: vec![
                visit("v1", "2026-11-20T02:00:00Z", "routine", &["medical"]),
                visit("v2", "2026-10-05T02:00:00Z", "care", &["housing"]),
            ],
            ..Household::default()
        })
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&tw)).await;
    let (code, body) = http_post_json(
        &server.addr,
        "/api/review/households",
        &serde_json::json!({"document_ids": [house.to_string()], "status": "approved"}),
        Some(&ts),
    )
    .await;
    assert_eq!(code, 200, "{body}");

    // A volunteer (no display name: the name on their record) with an approved hour.
    let mut v = field_client(db.dir.path(), "vol").await;
    let vdoc = v
        .create_volunteer(COMMUNITY, "vol", "赵志愿")
        .await
        .unwrap();
    let entry = v
        .log_hours(&vdoc, "2026-11-15", 60, "陪老人聊天", "elderly")
        .await
        .unwrap();
    sync_as(&mut v, &server, Some(&tv)).await;
    let (code, body) = http_post_json(
        &server.addr,
        "/api/review/entries",
        &serde_json::json!({"items": [{"document_id": vdoc.to_string(), "entry_id": entry}], "status": "approved"}),
        Some(&ts),
    )
    .await;
    assert_eq!(code, 200, "{body}");

    let get = |path: String| {
        let (addr, ts) = (server.addr.clone(), ts.clone());
        async move {
            let (status, head, body) = http_get_with_head(&addr, &path, &ts).await;
            assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
            (file_name(&head), csv_rows(&body))
        }
    };
    let codes = [
        "dibao",
        "living_alone",
        "head",
        "spouse",
        "employed",
        "unemployed",
        "approved",
        "male",
        "routine",
        "medical",
        "elderly",
        "wang",
        "vol",
    ];
    let no_codes = |what: &str, rows: &[Vec<String>]| {
        for cell in rows.iter().flatten() {
            assert!(
                !codes.contains(&cell.as_str()) && !cell.contains("dibao"),
                "{what}: a code instead of a word: {cell:?} in {rows:?}"
            );
        }
    };

    // Households, in Chinese: tags, review state and unit in words; a register as of today.
    let q = format!("org={COMMUNITY}");
    let (name, rows) = get(format!("/api/export/households.csv?{q}")).await;
    assert!(name.starts_with("住户-幸福社区-截至"), "{name}");
    no_codes("households", &rows[1..]);
    let row = &rows[1];
    for word in ["低保、独居老人", "已通过", "第一网格"] {
        assert!(row.iter().any(|c| c == word), "{word} in {row:?}");
    }

    // Residents: relation, employment, gender, health record.
    let (_, rows) = get(format!("/api/export/residents.csv?{q}")).await;
    no_codes("residents", &rows[1..]);
    let flat: Vec<&str> = rows.iter().flatten().map(String::as_str).collect();
    for word in ["户主", "配偶", "在业", "失业", "男", "女", "是", "否"] {
        assert!(flat.contains(&word), "{word} in {rows:?}");
    }

    // Visits of November: the October visit is left out; author by name, purpose and needs
    // in words.
    let (name, rows) = get(format!("/api/export/visits.csv?{q}&period=2026-11")).await;
    assert_eq!(name, "走访记录-幸福社区-2026-11.csv");
    assert_eq!(rows.len(), 2, "the header and November's visit: {rows:?}");
    no_codes("visits", &rows[1..]);
    for word in ["王芳", "日常走访", "医疗"] {
        assert!(rows[1].iter().any(|c| c == word), "{word} in {rows:?}");
    }
    let (_, october) = get(format!(
        "/api/export/visits.csv?{q}&from=2026-10-01&to=2026-10-31"
    ))
    .await;
    assert_eq!(october.len(), 2, "{october:?}");
    assert!(october[1].iter().any(|c| c == "关爱帮扶"), "{october:?}");

    // The same in English.
    let (name, rows) = get(format!("/api/export/visits.csv?{q}&period=2026-11&lang=en")).await;
    assert_eq!(name, "Visits-幸福社区-2026-11.csv");
    assert_eq!(rows[0][6], "by");
    for word in ["王芳", "Routine visit", "Medical"] {
        assert!(rows[1].iter().any(|c| c == word), "{word} in {rows:?}");
    }
    let (_, rows) = get(format!("/api/export/households.csv?{q}&lang=en")).await;
    assert!(
        rows[1]
            .iter()
            .any(|c| c == "Minimum living allowance, Elderly living alone"),
        "{rows:?}"
    );

    // Volunteer hours of November: the volunteer by the name on their record.
    let (name, rows) = get(format!(
        "/api/export/volunteer-hours.csv?{q}&period=2026-11"
    ))
    .await;
    assert_eq!(name, "志愿服务时长-幸福社区-2026-11.csv");
    no_codes("volunteer hours", &rows[1..]);
    for word in ["赵志愿", "助老", "已认定"] {
        assert!(rows[1].iter().any(|c| c == word), "{word} in {rows:?}");
    }
    let (_, rows) = get(format!(
        "/api/export/volunteer-hours.csv?{q}&period=2026-10"
    ))
    .await;
    assert_eq!(rows.len(), 1, "no hours in October: {rows:?}");

    // Indicators: figures rounded for reading.
    for lang in ["zh", "en"] {
        let (name, rows) = get(format!(
            "/api/export/indicators.csv?{q}&period=2026-11&lang={lang}"
        ))
        .await;
        assert!(name.contains("幸福社区-2026-11"), "{name}");
        let text = rows
            .iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(long_decimal(&text), None, "{text}");
        if lang == "zh" {
            assert!(!text.contains("residents_source"), "{text}");
        }
    }

    // XLSX: the About sheet says unit, path and period.
    let (status, head, xlsx) = http_get_with_head(
        &server.addr,
        &format!("/api/export/visits.xlsx?{q}&period=2026-11"),
        &ts,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(file_name(&head), "走访记录-幸福社区-2026-11.xlsx");
    assert!(
        head.contains("filename=\"visits-c01-s01-m01-2026-11.xlsx\""),
        "{head}"
    );
    let about = crate::indicators::read_xlsx(&xlsx, "说明");
    let about: BTreeMap<String, String> = about
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(about["单位"], "幸福社区");
    assert_eq!(about["组织代码"], COMMUNITY);
    assert_eq!(about["期间"], "2026-11（2026-11-01 至 2026-11-30）");
    assert_eq!(about["语言"], "中文");
    assert_eq!(crate::indicators::read_xlsx(&xlsx, "visits").len(), 2);

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(exports_are_in_words);

async fn directory_is_scoped(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    county(&db).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let token = |user: &'static str, device: &'static str| {
        let db = &db;
        async move {
            db.cli(&["token", "--user", user, "--device-name", device], None)
                .await
        }
    };
    let tw = token("wang", "王芳的手机").await;
    let ts = token("sup", "督导办公室电脑").await;
    let to = token("other", "陈涛的手机").await;
    let tv = token("vol", "志愿者手机").await;
    let directory = |t: String| {
        let addr = server.addr.clone();
        async move {
            let (code, body) = http_get_auth(&addr, "/api/directory", &t).await;
            assert_eq!(code, 200, "{body}");
            serde_json::from_str::<serde_json::Value>(&body).unwrap()
        }
    };
    let devices = |d: &serde_json::Value| -> Vec<String> {
        d["devices"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };

    // The worker: their unit, the units above it, their colleagues' names; only their own
    // devices.
    let w = directory(tw).await;
    assert_eq!(w["orgs"]["c01"], "青山县");
    assert_eq!(w["orgs"][COMMUNITY], "幸福社区");
    assert_eq!(w["orgs"][GRID], "第一网格");
    assert!(w["orgs"].get("c01/s02").is_none(), "{w}");
    assert_eq!(w["users"]["wang"], "王芳");
    assert_eq!(w["users"]["sup"], "李建华");
    assert_eq!(w["users"]["vol"], "vol", "no display name: the login name");
    assert!(w["users"].get("other").is_none(), "{w}");
    assert_eq!(devices(&w), ["王芳的手机"]);

    // The supervisor: names under their street, the devices of its users; nothing of the
    // other street.
    let s = directory(ts).await;
    assert_eq!(s["users"]["wang"], "王芳");
    assert!(s["users"].get("other").is_none(), "{s}");
    assert!(s["users"].get("far").is_none(), "{s}");
    assert!(s["orgs"].get("c01/s02/m01").is_none(), "{s}");
    let mut seen = devices(&s);
    seen.sort();
    assert_eq!(seen, ["志愿者手机", "王芳的手机", "督导办公室电脑"]);

    // The other street's worker sees their own street's names, not this one's.
    let o = directory(to).await;
    assert_eq!(o["orgs"]["c01/s02/m01/g01"], "光明一网格");
    assert!(o["users"].get("wang").is_none(), "{o}");
    assert_eq!(devices(&o), ["陈涛的手机"]);

    // A volunteer: only their own device.
    assert_eq!(devices(&directory(tv).await), ["志愿者手机"]);

    // Without a token: 401.
    assert_eq!(
        crate::harness::http_get(&server.addr, "/api/directory")
            .await
            .unwrap()
            .0,
        401
    );
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(directory_is_scoped);
