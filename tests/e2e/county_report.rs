//! The report to the county on a small county built by hand: one street, two urban communities
//! and a village, thirteen households with known ages, employment histories and trainings,
//! volunteers, organisations, facilities, entered health figures and requests. Every expected
//! value below was worked out by hand from the records (the working is in the comments), not
//! by the server's queries. The period is 2026-Q3, so people are counted as of 2026-09-30
//! and ages are reckoned for 2026 (60+ means born in 1966 or before; working age 1967–2010).

use std::collections::BTreeMap;

use linli_sync_core::contract::{
    Community, EmploymentSpell, Entry, Facility, HealthFigures, Household, LogItem, Member,
    Organization, Request, Training, Visit, Volunteer, SCHEMA_VERSION,
};
use serde_json::{json, Value};

use crate::harness::{
    field_client, http_get_auth, http_get_bytes, sync_as, Backend, ServerProcess, TestDb,
};
use crate::on_both_backends;

const M1: &str = "c01/s01/m01";
const M2: &str = "c01/s01/m02";
const M3: &str = "c01/s01/m03";

/// A resident: name, year of birth, dated employment history, undated status.
fn person(name: &str, born: Option<i64>, history: &[(&str, &str)], undated: &str) -> Member {
    Member {
        name: name.into(),
        birth_year: born,
        employment: undated.into(),
        employment_history: history
            .iter()
            .enumerate()
            .map(|(i, (since, status))| {
                (
                    format!("e{i}"),
                    EmploymentSpell {
                        since: (*since).into(),
                        status: (*status).into(),
                    },
                )
            })
            .collect(),
        ..Member::default()
    }
}

fn elder(name: &str, born: i64, record: bool) -> Member {
    Member {
        health_record: record,
        ..person(name, Some(born), &[], "retired")
    }
}

fn trained(mut m: Member, on: &str) -> Member {
    m.trainings.insert(
        "t1".into(),
        Training {
            on: on.into(),
            course: "电工".into(),
        },
    );
    m
}

fn left(mut m: Member, reason: &str, on: &str) -> Member {
    m.removed_reason = reason.into();
    m.removed_on = Some(on.into());
    m
}

fn household(grid: &str, address: &str, members: Vec<Member>, visits: &[&str]) -> Household {
    Household {
        kind: "household".into(),
        schema: SCHEMA_VERSION,
        org: grid.into(),
        address: address.into(),
        members: members
            .into_iter()
            .enumerate()
            .map(|(i, m)| (format!("m{i}"), m))
            .collect(),
        visits: visits
            .iter()
            .enumerate()
            .map(|(i, at)| Visit {
                id: format!("v{i}"),
                at: (*at).into(),
                by: "w".into(),
                purpose: "入户走访".into(),
                ..Visit::default()
            })
            .collect(),
        ..Household::default()
    }
}

fn community(org: &str, name: &str, stated: i64, rural: bool) -> Community {
    Community {
        kind: "community".into(),
        schema: SCHEMA_VERSION,
        org: org.into(),
        name: name.into(),
        residents: stated,
        rural,
        ..Community::default()
    }
}

fn facilities(categories: &[&str]) -> BTreeMap<String, Facility> {
    categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                format!("f{i}"),
                Facility {
                    name: (*c).into(),
                    category: (*c).into(),
                },
            )
        })
        .collect()
}

fn organisations(registered: &[bool]) -> BTreeMap<String, Organization> {
    registered
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                format!("o{i}"),
                Organization {
                    name: format!("组织{i}"),
                    category: "culture".into(),
                    registered: *r,
                },
            )
        })
        .collect()
}

fn volunteer(
    org: &str,
    user: &str,
    registered_on: &str,
    entries: &[(&str, i64, &str)],
) -> Volunteer {
    Volunteer {
        kind: "volunteer".into(),
        schema: SCHEMA_VERSION,
        org: org.into(),
        user: user.into(),
        name: user.into(),
        registered_on: Some(registered_on.into()),
        entries: entries
            .iter()
            .enumerate()
            .map(|(i, (date, minutes, status))| {
                (
                    format!("e{i}"),
                    Entry {
                        date: (*date).into(),
                        minutes: *minutes,
                        activity: "助餐".into(),
                        category: "elderly".into(),
                        source: "supervisor".into(),
                        status: (*status).into(),
                        ..Entry::default()
                    },
                )
            })
            .collect(),
        ..Volunteer::default()
    }
}

fn request(org: &str, steps: &[(&str, &str)], satisfaction: &str) -> Request {
    Request {
        kind: "request".into(),
        schema: SCHEMA_VERSION,
        org: org.into(),
        category: "就业".into(),
        description: "求职".into(),
        status: steps.last().map(|s| s.1).unwrap_or("open").into(),
        log: steps
            .iter()
            .map(|(at, status)| LogItem {
                at: (*at).into(),
                by: "sup".into(),
                text: String::new(),
                status: Some((*status).into()),
            })
            .collect(),
        satisfaction: satisfaction.into(),
        ..Request::default()
    }
}

/// The indicator `key` of a unit's report.
fn policy<'a>(unit: &'a Value, key: &str) -> &'a Value {
    unit["policy"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == key)
        .unwrap_or_else(|| panic!("{key} in {unit}"))
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

fn below(i: &Value) -> Vec<String> {
    i["communities"]["below"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn county_report_by_hand(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    for (path, name) in [
        ("c01", "青山县"),
        ("c01/s01", "城关街道"),
        (M1, "幸福社区"),
        (M2, "和平社区"),
        (M3, "青山村"),
        // A second street with a community that has no data and no record yet.
        ("c01/s02", "东湖街道"),
        ("c01/s02/m01", "东湖社区"),
    ] {
        db.cli(&["org", "add", "--path", path, "--name", name], None)
            .await;
    }
    for (user, org) in [
        ("w1", "c01/s01/m01/g01"),
        ("w2", "c01/s01/m02/g01"),
        ("w3", "c01/s01/m03/g01"),
    ] {
        db.add_user(user, "worker", org, None).await;
    }
    db.add_user("sup", "supervisor", "c01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let sup = db.token("sup").await;

    // 幸福社区 (m01), grid g01.
    let g = "c01/s01/m01/g01";
    let m01 = vec![
        // H1: two elders, one with a health record; visited 5 August.
        household(
            g,
            "幸福路 1号",
            vec![elder("张伟", 1950, true), elder("李芳", 1952, false)],
            &["2026-08-05T10:00:00+08:00"],
        ),
        // H2: both working-age members unemployed: a zero-employment household from 10 January
        // (before that 王强's status is unknown). 王强 trained on 1 August.
        household(
            g,
            "幸福路 2号",
            vec![
                trained(
                    person("王强", Some(1980), &[("2026-01-10", "unemployed")], ""),
                    "2026-08-01",
                ),
                person("赵丽", Some(1982), &[("2025-05-01", "unemployed")], ""),
            ],
            &["2026-07-10T09:00:00+08:00", "2026-09-02T09:00:00+08:00"],
        ),
        // H3: 陈明 unemployed from 1 March, trained 20 May, employed from 15 August: the
        // household was zero-employment for 167 days (1 March to 15 August). His mother, born
        // 1945, has a health record. Visited in June (outside the period).
        household(
            g,
            "幸福路 3号",
            vec![
                trained(
                    person(
                        "陈明",
                        Some(1975),
                        &[("2026-03-01", "unemployed"), ("2026-08-15", "employed")],
                        "employed",
                    ),
                    "2026-05-20",
                ),
                elder("陈母", 1945, true),
            ],
            &["2026-06-20T09:00:00+08:00"],
        ),
        // H4: 刘洋 employed; his wife unemployed from 20 July but not looking for work: not
        // counted among the unemployed, and the household is not zero-employment.
        household(
            g,
            "幸福路 4号",
            vec![
                person("刘洋", Some(1990), &[], "employed"),
                Member {
                    willing_to_work: Some(false),
                    ..person("刘妻", Some(1992), &[("2026-07-20", "unemployed")], "")
                },
            ],
            &[],
        ),
        // H5: an elder without a health record and a resident of unknown age.
        household(
            g,
            "幸福路 5号",
            vec![elder("孙老", 1940, false), person("孙某", None, &[], "")],
            &[],
        ),
        // H6: 周杰 unemployed from 1 June, moved out on 15 October (after the period: still a
        // resident on 30 September); his wife employed; his father died on 1 May (not counted).
        household(
            g,
            "幸福路 6号",
            vec![
                left(
                    person("周杰", Some(1985), &[("2026-06-01", "unemployed")], ""),
                    "moved_out",
                    "2026-10-15",
                ),
                person("周妻", Some(1987), &[], "employed"),
                left(elder("周父", 1955, false), "deceased", "2026-05-01"),
            ],
            &[],
        ),
    ];
    // 和平社区 (m02), grid g01.
    let g = "c01/s01/m02/g01";
    let m02 = vec![
        // H8: two elders, both with a health record.
        household(
            g,
            "和平路 1号",
            vec![elder("吴刚", 1960, true), elder("吴妻", 1963, true)],
            &[],
        ),
        // H9: 郑某 alone, unemployed from 5 July: a new zero-employment household in Q3.
        household(
            g,
            "和平路 2号",
            vec![person(
                "郑某",
                Some(1970),
                &[("2026-07-05", "unemployed")],
                "",
            )],
            &[],
        ),
        // H10: 冯某 unemployed (undated), his wife's employment unknown: cannot be told, so
        // not a zero-employment household; 冯某 is among the unemployed.
        household(
            g,
            "和平路 3号",
            vec![
                person("冯某", Some(1988), &[], "unemployed"),
                person("冯妻", Some(1990), &[], ""),
            ],
            &[],
        ),
        // H11: 何某 unemployed from 1 February, trained 10 March, employed from 15 July: 164
        // days without work (1 February to 15 July).
        household(
            g,
            "和平路 4号",
            vec![trained(
                person(
                    "何某",
                    Some(2000),
                    &[("2026-02-01", "unemployed"), ("2026-07-15", "employed")],
                    "employed",
                ),
                "2026-03-10",
            )],
            &[],
        ),
    ];
    // 青山村 (m03), a village, grid g01.
    let g = "c01/s01/m03/g01";
    let m03 = vec![
        // H12: two village elders, one with a record. Visited at 20:00 on 30 September local
        // time (in the period) and at 01:00 on 1 October local time (after it, although that is
        // still 30 September in UTC).
        household(
            g,
            "青山村 1组1号",
            vec![elder("老李", 1940, false), elder("老伴", 1942, true)],
            &["2026-09-30T20:00:00+08:00", "2026-10-01T01:00:00+08:00"],
        ),
        household(
            g,
            "青山村 1组2号",
            vec![person("小李", Some(1995), &[], "employed")],
            &[],
        ),
    ];
    for (user, households) in [("w1", m01), ("w2", m02), ("w3", m03)] {
        let mut phone = field_client(db.dir.path(), user).await;
        for h in &households {
            phone.create(h).await.unwrap();
        }
        sync_as(&mut phone, &server, Some(&db.token(user).await)).await;
    }

    let mut desk = field_client(db.dir.path(), "sup").await;
    // 幸福社区: 100 residents stated, all six facilities, two of three organisations
    // registered, a demonstration community since June 2025, health figures entered for 30 June
    // (and for 31 October, after the period: not used).
    let mut c1 = community(M1, "幸福社区", 100, false);
    c1.facilities = facilities(&[
        "classroom",
        "culture",
        "library",
        "notice_board",
        "fitness",
        "charity_supermarket",
    ]);
    c1.organizations = organisations(&[true, true, false]);
    c1.demonstration_since = Some("2025-06-01".into());
    c1.health_figures = BTreeMap::from([
        (
            "h1".into(),
            HealthFigures {
                as_of: "2026-06-30".into(),
                coverage_permille: Some(962),
                outpatient_permille: Some(515),
                source: "县卫健局二季度统计".into(),
            },
        ),
        (
            "h2".into(),
            HealthFigures {
                as_of: "2026-10-31".into(),
                coverage_permille: Some(700),
                outpatient_permille: Some(100),
                source: "县卫健局十月统计".into(),
            },
        ),
    ]);
    // 和平社区: no stated total, four facilities, one registered organisation of two.
    let mut c2 = community(M2, "和平社区", 0, false);
    c2.facilities = facilities(&["classroom", "culture", "notice_board", "fitness"]);
    c2.organizations = organisations(&[true, false]);
    // 青山村: a village, two registered organisations, no facilities.
    let mut c3 = community(M3, "青山村", 0, true);
    c3.organizations = organisations(&[true, true]);
    for c in [&c1, &c2, &c3] {
        desk.create(c).await.unwrap();
    }
    // Volunteers: nine in 幸福社区 registered before the period's end and one after it; one in
    // 和平社区. Hours: 120 approved minutes in the period, 60 approved before it, 30 submitted.
    for n in 0..9 {
        let entries: &[(&str, i64, &str)] = if n == 0 {
            &[
                ("2026-08-01", 120, "approved"),
                ("2026-06-01", 60, "approved"),
                ("2026-08-02", 30, "submitted"),
            ]
        } else {
            &[]
        };
        desk.create(&volunteer(M1, &format!("v1-{n}"), "2026-03-01", entries))
            .await
            .unwrap();
    }
    desk.create(&volunteer(M1, "v1-late", "2026-10-05", &[]))
        .await
        .unwrap();
    desk.create(&volunteer(M2, "v2-0", "2025-01-01", &[]))
        .await
        .unwrap();
    // Requests in 和平社区: R1 opened 2 July, answered 4 July, closed 10 July, satisfied; R2
    // opened 1 August, resolved 11 August, dissatisfied; R3 opened 20 September; R4 opened and
    // closed in June (before the period).
    for r in [
        request(
            M2,
            &[
                ("2026-07-02T09:00:00+08:00", "open"),
                ("2026-07-04T09:00:00+08:00", "assigned"),
                ("2026-07-10T09:00:00+08:00", "closed"),
            ],
            "satisfied",
        ),
        request(
            M2,
            &[
                ("2026-08-01T09:00:00+08:00", "open"),
                ("2026-08-11T09:00:00+08:00", "resolved"),
            ],
            "dissatisfied",
        ),
        request(M2, &[("2026-09-20T09:00:00+08:00", "open")], ""),
        request(
            M2,
            &[
                ("2026-06-01T09:00:00+08:00", "open"),
                ("2026-06-05T09:00:00+08:00", "closed"),
            ],
            "satisfied",
        ),
    ] {
        desk.create(&r).await.unwrap();
    }
    sync_as(&mut desk, &server, Some(&sup)).await;

    let (code, body) =
        http_get_auth(&server.addr, "/api/indicators?org=c01&period=2026-Q3", &sup).await;
    assert_eq!(code, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        report["period"],
        json!({"kind": "quarter", "label": "2026-Q3", "from": "2026-07-01", "to": "2026-09-30", "as_of": "2026-09-30"})
    );
    let county = &report["indicators"];
    assert_eq!(county["name"], "青山县");
    assert_eq!(county["level"], "county");
    // Households 6 + 4 + 2; residents 12 + 6 + 3 (周父 died before the period's end, 周杰 left
    // after it); volunteers 9 + 1 (v1-late registered after the period's end).
    assert_eq!(county["households"], 12);
    assert_eq!(county["residents"], 21);
    assert_eq!(county["volunteers"], 10);
    // 东湖社区 counts as a community, with no data for most indicators.
    assert_eq!(county["communities"], 4);

    // §十九: 9 / 100 stated = 9% ✓; 1 / 6 registered ✓; 0 / 3 registered ✗.
    let v = policy(county, "volunteers");
    assert_eq!(v["communities"]["met"], 2);
    assert_eq!(v["communities"]["of"], 3);
    assert_eq!(
        v["communities"]["no_data"], 1,
        "东湖社区: 0 of 0 is no data"
    );
    assert_eq!(below(v), ["青山村"]);
    assert_eq!(
        (v["numerator"].as_i64(), v["denominator"].as_i64()),
        (Some(10), Some(109))
    );
    assert_eq!(v["target"], "≥ 8%");
    assert_eq!(v["detail"]["residents_source"], "mixed");
    assert!(v["clause"].as_str().unwrap().contains("8％"));

    // §七 health records, urban only: 幸福社区 2 of 4 elders (张伟, 陈母 of 张伟, 李芳, 陈母,
    // 孙老), 和平社区 2 of 2: 4 / 6, below 95%. One urban resident of unknown age; the village's
    // two elders (one with a record) shown apart.
    let h = policy(county, "elderly_health_records");
    assert_eq!(
        (h["numerator"].as_i64(), h["denominator"].as_i64()),
        (Some(4), Some(6))
    );
    assert!(close(&h["value"], 4.0 / 6.0));
    assert_eq!(h["met"], false);
    assert_eq!(h["detail"]["unknown_age"], 1);
    assert_eq!(h["detail"]["rural_elderly"], 2);
    assert_eq!(h["detail"]["rural_with_record"], 1);
    assert_eq!(below(h), ["幸福社区"]);
    assert_eq!(h["communities"]["of"], 2, "the village is not counted");

    // §四 zero-employment households on 30 September: H2 and H9. New in Q3: H9 (5 July).
    // Resolved in Q3: H3 (15 August, 167 days) and H11 (15 July, 164 days): mean 165.5. No
    // target.
    let z = policy(county, "zero_employment_households");
    assert!(close(&z["value"], 2.0));
    assert_eq!(z["target"], Value::Null);
    assert_eq!(z["met"], Value::Null);
    assert_eq!(z["detail"]["new"], 1);
    assert_eq!(z["detail"]["resolved"], 2);
    assert!(close(&z["detail"]["mean_days_to_resolve"], 165.5));

    // §四 the unemployed, able and willing at some time in Q3 and living here on 30 September:
    // 王强, 赵丽, 陈明, 周杰, 郑某, 冯某, 何某 = 7 (刘妻 is not looking for work). Trained since
    // their unemployment began: 王强, 陈明, 何某 = 3. Employed on 30 September: 陈明, 何某 = 2.
    let t = policy(county, "skills_training");
    assert_eq!(
        (t["numerator"].as_i64(), t["denominator"].as_i64()),
        (Some(3), Some(7))
    );
    assert_eq!(t["met"], false);
    let b = policy(county, "back_into_work");
    assert_eq!(
        (b["numerator"].as_i64(), b["denominator"].as_i64()),
        (Some(2), Some(7))
    );
    assert!(close(&b["value"], 2.0 / 7.0));
    assert_eq!(b["target"], "≥ 80%");

    // §十 registered organisations: 2 ✓, 1 ✗, 2 ✓.
    let o = policy(county, "civil_organisations");
    assert_eq!(
        (
            o["communities"]["met"].as_i64(),
            o["communities"]["of"].as_i64()
        ),
        (Some(2), Some(3))
    );
    assert_eq!(below(o), ["和平社区"]);
    assert_eq!(
        o["communities"]["no_data"], 1,
        "东湖社区 has no record: not known, not failing"
    );
    // §八 §五 facilities: 6 ✓, 4 ✗, 0 ✗.
    let f = policy(county, "facilities");
    assert_eq!(f["communities"]["met"], 1);
    assert_eq!(below(f), ["和平社区", "青山村"]);
    // §二十二 one demonstration community of four: 25%, below 50%.
    let d = policy(county, "demonstration_communities");
    assert_eq!(
        (d["numerator"].as_i64(), d["denominator"].as_i64()),
        (Some(1), Some(4))
    );
    assert_eq!(d["met"], false);
    // §七 entered figures: only 幸福社区 has some (96.2% ✓ and 51.5% ✓, as of 30 June); the
    // three others have no data, neither met nor failed.
    for key in ["health_service_coverage", "outpatient_share"] {
        let e = policy(county, key);
        assert_eq!(e["communities"]["met"], 1, "{key}");
        assert_eq!(e["communities"]["of"], 1, "{key}");
        assert_eq!(e["communities"]["no_data"], 3, "{key}");
        assert_eq!(e["detail"]["entered"], true);
    }
    // §二十一 requests finished in Q3: R1 satisfied, R2 dissatisfied: 50%.
    let s = policy(county, "satisfaction");
    assert!(close(&s["value"], 0.5));
    assert_eq!(s["detail"]["finished"], 2);

    // Operational: visits in Q3 by local date: H1 (5 Aug), H2 (10 Jul, 2 Sep), H12 (30 Sep
    // 20:00) = 4 visits to 3 households. Requests opened R1, R2, R3; answered R1 (2 days), R2 (10
    // days): mean 6. Approved hours: 2.
    let op = &county["operational"];
    assert_eq!(op["visits"], 4);
    assert_eq!(op["households_visited"], 3);
    assert_eq!(op["requests_opened"], 3);
    assert_eq!(op["requests_answered"], 2);
    assert!(close(&op["mean_days_to_answer"], 6.0));
    assert!(close(&op["approved_volunteer_hours"], 2.0));

    // The streets, by name; 城关街道 with its three communities.
    let children = report["children"].as_array().unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(children[0]["name"], "城关街道");
    assert_eq!(children[1]["name"], "东湖街道");
    let (code, body) = http_get_auth(
        &server.addr,
        "/api/indicators?org=c01/s01&period=2026-Q3",
        &sup,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let street: Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = street["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["幸福社区", "和平社区", "青山村"]);

    // One community on its own: its own values, no tally.
    let (_, body) = http_get_auth(
        &server.addr,
        "/api/indicators?org=c01/s01/m01&period=2026-Q3",
        &sup,
    )
    .await;
    let one: Value = serde_json::from_str(&body).unwrap();
    let m1 = &one["indicators"];
    let v = policy(m1, "volunteers");
    assert!(close(&v["value"], 0.09));
    assert_eq!(v["met"], true);
    assert_eq!(v["detail"]["residents_source"], "stated");
    assert_eq!(v["communities"], Value::Null);
    let h = policy(m1, "elderly_health_records");
    assert_eq!(
        (h["numerator"].as_i64(), h["denominator"].as_i64()),
        (Some(2), Some(4))
    );
    // 幸福社区's unemployed: 王强, 赵丽, 陈明, 周杰; trained 王强, 陈明; employed 陈明.
    let t = policy(m1, "skills_training");
    assert_eq!(
        (t["numerator"].as_i64(), t["denominator"].as_i64()),
        (Some(2), Some(4))
    );
    let b = policy(m1, "back_into_work");
    assert_eq!(b["numerator"], 1);
    let z = policy(m1, "zero_employment_households");
    assert!(close(&z["value"], 1.0));
    assert!(close(&z["detail"]["mean_days_to_resolve"], 167.0));
    let c = policy(m1, "health_service_coverage");
    assert!(close(&c["value"], 0.962));
    assert_eq!(c["detail"]["as_of"], "2026-06-30");
    assert_eq!(c["detail"]["source"], "县卫健局二季度统计");
    assert_eq!(policy(m1, "facilities")["met"], true);
    assert_eq!(
        policy(m1, "demonstration_communities")["detail"]["since"],
        "2025-06-01"
    );
    assert_eq!(
        policy(m1, "satisfaction")["value"],
        Value::Null,
        "no requests finished: no data, not 0%"
    );
    // The village: no health-record ratio with a target.
    let (_, body) = http_get_auth(
        &server.addr,
        "/api/indicators?org=c01/s01/m03&period=2026-Q3",
        &sup,
    )
    .await;
    let village: Value = serde_json::from_str(&body).unwrap();
    let h = policy(&village["indicators"], "elderly_health_records");
    assert_eq!(h["value"], Value::Null);
    assert_eq!(h["detail"]["rural_elderly"], 2);
    // A grid: operational figures only.
    let (_, body) = http_get_auth(
        &server.addr,
        "/api/indicators?org=c01/s01/m01/g01&period=2026-Q3",
        &sup,
    )
    .await;
    let grid: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(grid["indicators"]["policy"], json!([]));
    assert_eq!(grid["indicators"]["operational"]["visits"], 3);

    // A year as the period: people as of 31 December 2026 unless today is earlier, events of
    // the whole year. Another period on the same data gives other event counts.
    let (_, body) =
        http_get_auth(&server.addr, "/api/indicators?org=c01&period=2026-06", &sup).await;
    let june: Value = serde_json::from_str(&body).unwrap();
    // June: H3's visit; R4 opened and closed, satisfied; 周父 still alive until 1 May → no.
    assert_eq!(june["indicators"]["operational"]["visits"], 1);
    assert!(close(
        &policy(&june["indicators"], "satisfaction")["value"],
        1.0
    ));

    // The report to the county for the same period: the same values, as the screen shows them.
    let (code, xlsx) = http_get_bytes(
        &server.addr,
        "/api/export/indicators.xlsx?org=c01&period=2026-Q3",
        &sup,
    )
    .await;
    assert_eq!(code, 200);
    let rows = crate::indicators::read_xlsx(&xlsx, "indicators");
    assert_eq!(rows[0][0], "期间");
    let row = |unit: &str, name: &str| {
        rows.iter()
            .find(|r| r[2] == unit && r[4] == name)
            .unwrap_or_else(|| panic!("{unit} {name} in {rows:?}"))
            .clone()
    };
    let vol = row("青山县", "社区志愿者占居民比例");
    assert_eq!(
        vol[0],
        "2026-Q3（2026-07-01 至 2026-09-30，人数截至 2026-09-30）"
    );
    assert_eq!(vol[5], "9.2%", "10 / 109");
    assert_eq!((vol[6].as_str(), vol[7].as_str()), ("10", "109"));
    assert_eq!(vol[8], "≥ 8%");
    assert_eq!(vol[10], "2 / 3");
    assert_eq!(vol[11], "青山村");
    assert!(vol[13].contains("8％"));
    assert_eq!(row("青山县", "60岁以上居民健康档案建档率")[5], "66.7%");
    assert_eq!(row("青山县", "失业人员就业再就业率")[5], "28.6%");
    assert_eq!(row("青山县", "零就业家庭（期末）")[5], "2");
    assert_eq!(row("城关街道", "社区设施（六项）")[11], "和平社区、青山村");
    assert_eq!(row("青山县", "走访次数")[5], "4");
    assert_eq!(row("青山县", "平均响应天数")[5], "6");
    // No data is written as such, never 0%.
    let (_, xlsx) = http_get_bytes(
        &server.addr,
        "/api/export/indicators.xlsx?org=c01/s01/m01&period=2026-Q3&lang=en",
        &sup,
    )
    .await;
    let rows = crate::indicators::read_xlsx(&xlsx, "indicators");
    let sat = rows
        .iter()
        .find(|r| r[4] == "satisfaction with finished requests")
        .unwrap();
    assert_eq!(sat[5], "no data");

    // Totals kept between reports follow commits: the server kept the county's totals of
    // the reports above; a new household of 幸福社区 (two residents) changes them, and only
    // that community is counted again.
    let store = db.store().await;
    let q3 =
        linli_server::indicators::Period::parse(Some("2026-Q3"), None, None, "2026-12-01").unwrap();
    let kept = linli_server::indicators::KeptTotals::default();
    let (before, first) = kept.counts(&store, "c01", &q3).await.unwrap();
    assert!(first.whole, "{first:?}");
    assert_eq!(before[M1].households, 6);
    let (_, again) = kept.counts(&store, "c01", &q3).await.unwrap();
    assert_eq!(
        again,
        Default::default(),
        "nothing changed, nothing counted again"
    );
    let mut phone = field_client(db.dir.path(), "w1").await;
    phone
        .create(&household(
            "c01/s01/m01/g01",
            "幸福路 9号",
            vec![
                elder("新居民", 1960, true),
                person("新居民子", Some(1990), &[], "employed"),
            ],
            &[],
        ))
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&db.token("w1").await)).await;
    let (after, recount) = kept.counts(&store, "c01", &q3).await.unwrap();
    assert_eq!((recount.units, recount.whole), (1, false), "{recount:?}");
    assert_eq!(after[M1].households, 7);
    assert_eq!(after[M1].residents, before[M1].residents + 2);
    assert_eq!(
        after[M1].elderly_with_record,
        before[M1].elderly_with_record + 1
    );
    assert_eq!(after[M2], before[M2]);
    let (code, body) =
        http_get_auth(&server.addr, "/api/indicators?org=c01&period=2026-Q3", &sup).await;
    assert_eq!(code, 200, "{body}");
    let county: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(county["indicators"]["households"], 13);
    assert_eq!(county["indicators"]["residents"], 23);
    store.close().await;

    // A period that does not parse is refused with the reason.
    let (code, body) =
        http_get_auth(&server.addr, "/api/indicators?org=c01&period=2026-Q5", &sup).await;
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("quarter"), "{body}");
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(county_report_by_hand);
