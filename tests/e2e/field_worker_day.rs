//! A grid worker's day with the real `linli-field` binary against the real server, with real
//! logins (issue 17): a household registered offline with its members (employment with its
//! days, a training, a disability, a new head, a member who moved out), tags with their days,
//! a visit with the phone's location, an urgent request; a supervisor assigns the request to
//! a volunteer, who fetches it (`pull`), works on it and resolves it; the worker records the
//! resident's satisfaction and the supervisor closes it. After each sync the server's API
//! (`/api/requests`, `/api/follow-ups`, `/api/households`) and the documents (`show`) say
//! what was done. A volunteer changing the request's category is refused and undone.

use linli_sync_core::calendar::{self, DEFAULT_TIME_ZONE};
use linli_sync_core::contract::{Community, Kind, SCHEMA_VERSION};
use serde_json::Value;

use crate::field_cli::Device;
use crate::harness::{http_get_auth, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const GRID: &str = "c01/s01/m01/g01";
const WORKER: &str = "worker-c01-s01-m01-g01";
const SUPERVISOR: &str = "sup-c01-s01";
const VOLUNTEER: &str = "vol-c01-s01-m01-01";
const PASSWORD: &str = "linli-demo";

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// `GET path` with `token`, which must answer 200 with JSON.
async fn api(server: &ServerProcess, path: &str, token: &str) -> Value {
    let (status, body) = http_get_auth(&server.addr, path, token).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

/// The one request the API lists for `token` (with `query`).
async fn the_request(server: &ServerProcess, query: &str, token: &str) -> Value {
    let rows = api(server, &format!("/api/requests{query}"), token).await;
    let rows = rows.as_array().expect("a list");
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows[0].clone()
}

/// The follow-up counts of the worker's grid.
async fn grid_follow_ups(server: &ServerProcess, token: &str) -> Value {
    let grids = api(server, "/api/follow-ups", token).await;
    grids
        .as_array()
        .expect("a list")
        .iter()
        .find(|g| g["org"] == GRID)
        .unwrap_or_else(|| panic!("no follow-ups for {GRID}: {grids}"))
        .clone()
}

/// Registers a household in the grid with `household create`; returns what it printed (its
/// `documentId` and the head's `memberId`).
async fn register(worker: &Device, address: &str, head: &str) -> Value {
    worker
        .ok(&[
            "household",
            "create",
            "--org",
            GRID,
            "--address",
            address,
            "--head",
            head,
        ])
        .await
}

/// Adds a member with `household member add`; returns their id.
async fn add_member(
    worker: &Device,
    house: &str,
    name: &str,
    relation: &str,
    extra: &[&str],
) -> String {
    let args = [
        &[
            "household",
            "member",
            "add",
            "--doc",
            house,
            "--name",
            name,
            "--relation",
            relation,
        ][..],
        extra,
    ]
    .concat();
    s(&worker.ok(&args).await["memberId"]).to_owned()
}

async fn worker_day(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user(WORKER, "worker", GRID, Some(PASSWORD)).await;
    db.add_user(SUPERVISOR, "supervisor", "c01/s01", Some(PASSWORD))
        .await;
    db.add_user(VOLUNTEER, "volunteer", "c01/s01/m01", Some(PASSWORD))
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let sup_token = db.token(SUPERVISOR).await;
    let worker_token = db.token(WORKER).await;
    let vol_token = db.token(VOLUNTEER).await;
    let today = calendar::local_date_at(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64,
        DEFAULT_TIME_ZONE,
    )
    .unwrap();

    let worker = Device::new(db.dir.path(), "worker-phone");
    let sup = Device::new(db.dir.path(), "sup-desk");
    let vol = Device::new(db.dir.path(), "vol-phone");
    worker.login(&server, WORKER, PASSWORD).await;
    sup.login(&server, SUPERVISOR, PASSWORD).await;
    vol.login(&server, VOLUNTEER, PASSWORD).await;

    // ---- The worker, offline: a household and its members.
    let created = register(&worker, "幸福路 5号", "王芳").await;
    let house = s(&created["documentId"]).to_owned();
    let mother = s(&created["memberId"]).to_owned();
    let son = add_member(
        &worker,
        &house,
        "王明",
        "child",
        &[
            "--birth-year",
            "1980",
            "--disability-kind",
            "physical",
            "--disability-grade",
            "3",
        ],
    )
    .await;
    let grandson = add_member(
        &worker,
        &house,
        "王强",
        "grandchild",
        &["--birth-year", "2005"],
    )
    .await;
    // Out of work from 10 January, trained in May, in work again from 15 August.
    for (status, since) in [("unemployed", "2026-01-10"), ("employed", "2026-08-15")] {
        let done = worker
            .ok(&[
                "household",
                "member",
                "employment",
                "--doc",
                &house,
                "--member",
                &son,
                "--status",
                status,
                "--since",
                since,
                "--able",
                "true",
                "--willing",
                "true",
            ])
            .await;
        assert_eq!(done["employment"], status);
    }
    worker
        .ok(&[
            "household",
            "member",
            "training",
            "add",
            "--doc",
            &house,
            "--member",
            &son,
            "--on",
            "2026-05-20",
            "--course",
            "电工",
        ])
        .await;
    let head = worker
        .ok(&[
            "household",
            "member",
            "head",
            "--doc",
            &house,
            "--member",
            &son,
        ])
        .await;
    assert_eq!(head["previousHeads"], serde_json::json!([mother]));
    worker
        .ok(&[
            "household",
            "member",
            "remove",
            "--doc",
            &house,
            "--member",
            &grandson,
            "--reason",
            "moved_out",
            "--date",
            "2026-11-30",
        ])
        .await;
    // Tags with their days; the derived one is refused before anything is written.
    for (flag, tag, on) in [
        ("--set", "living_alone", "2026-11-01"),
        ("--set", "dibao", "2026-11-05"),
        ("--clear", "dibao", "2026-11-20"),
    ] {
        let done = worker
            .ok(&["household", "tag", "--doc", &house, flag, tag, "--on", on])
            .await;
        assert_eq!(done["by"], WORKER);
    }
    let refused = worker
        .fails(&[
            "household",
            "tag",
            "--doc",
            &house,
            "--set",
            "zero_employment",
        ])
        .await;
    assert!(
        refused.contains("zero_employment") && refused.contains("derived"),
        "{refused}"
    );
    let refused = worker
        .fails(&["household", "tag", "--doc", &house, "--set", "poor"])
        .await;
    assert!(refused.contains("--set must be one of dibao"), "{refused}");
    // A visit with the phone's location; a purpose not in the list, and half a location, are
    // refused with what they must be.
    let refused = worker
        .fails(&["visit", "log", "--doc", &house, "--purpose", "入户走访"])
        .await;
    assert!(
        refused.contains("--purpose must be one of routine, follow_up, emergency"),
        "{refused}"
    );
    let refused = worker
        .fails(&[
            "visit",
            "log",
            "--doc",
            &house,
            "--purpose",
            "routine",
            "--lat",
            "31.23",
        ])
        .await;
    assert!(refused.contains("--lat and --lon go together"), "{refused}");
    let visit = worker
        .ok(&[
            "visit",
            "log",
            "--doc",
            &house,
            "--purpose",
            "routine",
            "--notes",
            "腿脚不便",
            "--need",
            "elderly",
            "--lat",
            "31.2304",
            "--lon",
            "121.4737",
            "--accuracy-m",
            "20",
        ])
        .await;
    assert_eq!(visit["location"]["lat"], 31.2304);
    // A second household, never visited.
    let second = register(&worker, "幸福路 6号", "赵兰").await;
    let second = s(&second["documentId"]).to_owned();
    // An urgent request for the first.
    let opened = worker
        .ok(&[
            "request",
            "open",
            "--household",
            &house,
            "--category",
            "elderly",
            "--description",
            "独居老人需要助餐",
            "--urgency",
            "urgent",
        ])
        .await;
    let request = s(&opened["documentId"]).to_owned();

    // Follow-ups on the phone: the one never visited first; living alone: weekly (defaults).
    let due = worker.ok(&["household", "due", "--org", GRID]).await;
    let rows = due["households"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{due}");
    assert_eq!(
        (&rows[0]["document_id"], &rows[0]["state"]),
        (&Value::from(second.as_str()), &Value::from("never"))
    );
    assert_eq!(rows[1]["document_id"], house.as_str());
    assert_eq!(rows[1]["every"], 7);
    assert_eq!(rows[1]["state"], "later");
    assert_eq!(
        rows[1]["due"],
        calendar::add_days(&today, 7).unwrap().as_str()
    );
    assert_eq!(rows[1]["rules"], "defaults");
    assert_eq!(rows[1]["tags"], serde_json::json!(["living_alone"]));

    assert!(worker.pending().await > 0);
    worker.sync().await;
    assert_eq!(worker.pending().await, 0);

    // What the server holds now.
    let households = api(&server, "/api/households", &worker_token).await;
    let row = households
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["document_id"] == house.as_str())
        .unwrap_or_else(|| panic!("{households}"))
        .clone();
    assert_eq!(row["head_name"], "王明", "{row}");
    assert_eq!(row["tags"], "living_alone", "{row}");
    assert_eq!(households.as_array().unwrap().len(), 2);
    let grid = grid_follow_ups(&server, &sup_token).await;
    assert_eq!(
        (
            &grid["households"],
            &grid["never"],
            &grid["overdue"],
            &grid["today"],
            &grid["week"]
        ),
        (&2.into(), &1.into(), &0.into(), &0.into(), &0.into()),
        "{grid}"
    );
    let r = the_request(&server, "", &sup_token).await;
    assert_eq!(r["document_id"], request.as_str());
    assert_eq!(
        (&r["status"], &r["urgency"], &r["category"]),
        (&"open".into(), &"urgent".into(), &"elderly".into())
    );
    assert_eq!(r["household"], house.as_str());
    assert!(r["assignee"].as_str().unwrap_or("").is_empty(), "{r}");
    assert_eq!(
        (&r["assignee_kind"], &r["due"], &r["overdue"]),
        (&"".into(), &Value::Null, &false.into())
    );
    // The documents as the worker's phone shows them.
    let h = worker.ok(&["show", &house]).await;
    assert_eq!(h["members"][&son]["relation"], "head");
    assert_eq!(h["members"][&mother]["relation"], "other");
    assert_eq!(h["members"][&son]["employment"], "employed");
    assert_eq!(
        h["members"][&son]["employment_history"]
            .as_object()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(h["members"][&son]["able_to_work"], true);
    assert_eq!(h["members"][&son]["willing_to_work"], true);
    let training = h["members"][&son]["trainings"].as_object().unwrap();
    assert_eq!(training.values().next().unwrap()["course"], "电工");
    assert_eq!(
        h["members"][&son]["disability"],
        serde_json::json!({ "kind": "physical", "grade": 3 })
    );
    assert_eq!(h["members"][&grandson]["removed_reason"], "moved_out");
    assert_eq!(h["members"][&grandson]["removed_on"], "2026-11-30");
    assert_eq!(
        h["tags"],
        serde_json::json!({ "living_alone": true, "dibao": false })
    );
    let mut changes: Vec<(String, String, bool, String)> = h["tag_changes"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| {
            (
                s(&c["on"]).into(),
                s(&c["tag"]).into(),
                c["set"] == true,
                s(&c["by"]).into(),
            )
        })
        .collect();
    changes.sort();
    assert_eq!(
        changes,
        [
            (
                "2026-11-01".into(),
                "living_alone".into(),
                true,
                WORKER.into()
            ),
            ("2026-11-05".into(), "dibao".into(), true, WORKER.into()),
            ("2026-11-20".into(), "dibao".into(), false, WORKER.into()),
        ]
    );
    let v = &h["visits"][0];
    assert_eq!(
        (&v["purpose"], &v["needs"], &v["by"]),
        (
            &"routine".into(),
            &serde_json::json!(["elderly"]),
            &WORKER.into()
        )
    );
    assert_eq!(
        v["location"],
        serde_json::json!({ "lat": 31.2304, "lon": 121.4737, "accuracy_m": 20 })
    );

    // ---- The community's own rule: living alone, every 3 days. The worker reads it.
    sup.ok(&["pull"]).await;
    {
        let mut desk = sup.client().await;
        desk.create(&Community {
            kind: Kind::Community.as_str().into(),
            schema: SCHEMA_VERSION,
            org: "c01/s01/m01".into(),
            name: "幸福社区".into(),
            follow_up_rules: [("living_alone".to_string(), 3)].into(),
            ..Community::default()
        })
        .await
        .unwrap();
        desk.close().await;
    }
    sup.sync().await;
    let pulled = worker.ok(&["pull"]).await;
    assert_eq!(
        pulled["requested"].as_array().unwrap().len(),
        1,
        "the community record: {pulled}"
    );
    let due = worker.ok(&["household", "due"]).await;
    let first = &due["households"][1];
    assert_eq!(
        (&first["every"], &first["rules"], &first["state"]),
        (&3.into(), &"community".into(), &"week".into()),
        "{due}"
    );
    let grid = grid_follow_ups(&server, &sup_token).await;
    assert_eq!(
        (&grid["never"], &grid["week"]),
        (&1.into(), &1.into()),
        "{grid}"
    );

    // ---- The supervisor assigns the request to a volunteer; due by the urgent time limit.
    let assign = sup
        .ok(&[
            "request",
            "assign",
            "--doc",
            &request,
            "--to",
            VOLUNTEER,
            "--kind",
            "volunteer",
        ])
        .await;
    let due_day = calendar::add_days(&today, 1).unwrap();
    assert_eq!(assign["due"], due_day.as_str());
    let refused = worker
        .fails(&[
            "request",
            "assign",
            "--doc",
            &request,
            "--to",
            VOLUNTEER,
            "--kind",
            "volunteer",
        ])
        .await;
    assert!(refused.contains("supervisor's step"), "{refused}");
    sup.sync().await;
    let r = the_request(&server, "", &sup_token).await;
    assert_eq!(
        (
            &r["status"],
            &r["assignee"],
            &r["assignee_kind"],
            &r["due"],
            &r["overdue"]
        ),
        (
            &"assigned".into(),
            &VOLUNTEER.into(),
            &"volunteer".into(),
            &due_day.as_str().into(),
            &false.into()
        ),
        "{r}"
    );

    // ---- The volunteer fetches it (listed for them now), works on it, resolves it.
    let pulled = vol.ok(&["pull"]).await;
    assert_eq!(
        pulled["requested"],
        serde_json::json!([request]),
        "{pulled}"
    );
    let mine = vol.ok(&["request", "list", "--mine"]).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(
        (&mine[0]["status"], &mine[0]["due"]),
        (&"assigned".into(), &due_day.as_str().into())
    );
    let mine = the_request(&server, "?assigned=me", &vol_token).await;
    assert_eq!(mine["document_id"], request.as_str());
    vol.ok(&[
        "request",
        "update",
        "--doc",
        &request,
        "--status",
        "in_progress",
        "--note",
        "上门了解情况",
    ])
    .await;
    vol.sync().await;
    assert_eq!(
        the_request(&server, "", &sup_token).await["status"],
        "in_progress"
    );
    let refused = worker
        .fails(&[
            "request",
            "satisfaction",
            "--doc",
            &request,
            "--value",
            "satisfied",
        ])
        .await;
    assert!(refused.contains("finished"), "not resolved yet: {refused}");
    vol.ok(&[
        "request",
        "update",
        "--doc",
        &request,
        "--status",
        "resolved",
        "--outcome",
        "已安排每日送餐",
    ])
    .await;
    vol.sync().await;
    let r = the_request(&server, "?assigned=me", &vol_token).await;
    assert_eq!(
        (&r["status"], &r["outcome"]),
        (&"resolved".into(), &"已安排每日送餐".into())
    );

    // The volunteer may not change what the request is about: refused, undone, `category` named.
    vol.ok(&["set", &request, "category", "housing"]).await;
    let report = vol.run(&["sync"]).await.json;
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("category") && errors.contains("refused"),
        "{report}"
    );
    vol.ok(&["sync"]).await;
    assert_eq!(vol.ok(&["show", &request]).await["category"], "elderly");
    assert_eq!(
        the_request(&server, "", &sup_token).await["category"],
        "elderly"
    );

    // ---- The worker records the resident's satisfaction; the supervisor closes it.
    worker.sync().await;
    worker
        .ok(&[
            "request",
            "satisfaction",
            "--doc",
            &request,
            "--value",
            "satisfied",
        ])
        .await;
    worker.sync().await;
    assert_eq!(
        the_request(&server, "", &sup_token).await["satisfaction"],
        "satisfied"
    );
    sup.sync().await;
    sup.ok(&["request", "close", "--doc", &request]).await;
    sup.sync().await;
    let r = the_request(&server, "", &sup_token).await;
    assert_eq!(
        (
            &r["status"],
            &r["satisfaction"],
            &r["outcome"],
            &r["overdue"]
        ),
        (
            &"closed".into(),
            &"satisfied".into(),
            &"已安排每日送餐".into(),
            &false.into()
        ),
        "{r}"
    );
    let shown = sup.ok(&["show", &request]).await;
    let steps: Vec<&str> = shown["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        steps,
        ["open", "assigned", "in_progress", "resolved", "", "closed"]
    );
    let by: Vec<&str> = shown["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| s(&l["by"]))
        .collect();
    assert_eq!(
        by,
        [WORKER, SUPERVISOR, VOLUNTEER, VOLUNTEER, WORKER, SUPERVISOR]
    );
    let listed = sup.ok(&["request", "list"]).await;
    assert_eq!(
        (&listed[0]["status"], &listed[0]["overdue"]),
        (&"closed".into(), &false.into())
    );
    server.stop().await;
    db.cleanup().await;
}

on_both_backends!(worker_day);
