//! The grid worker's day in a real browser (issue 17; `tests/js/worker-day.mjs`): a household
//! kept up to date offline on a phone, and a service request from opening to closing across
//! worker, supervisor and volunteer. Each scenario's observations are checked, then the
//! server's projection (the API) and the stored document.

use serde_json::Value;

use crate::harness::{http_get_auth, Backend, ServerProcess};
use crate::web::{run_script, setup, PEOPLE};

/// Runs one scenario of `worker-day.mjs` as the web tests' people.
async fn scenario(name: &str, server: &ServerProcess, backend: Backend) -> Value {
    run_script("worker-day.mjs", name, server, backend, &PEOPLE).await
}

async fn api(server: &ServerProcess, token: &str, path: &str) -> Value {
    let (status, body) = http_get_auth(&server.addr, path, token).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

/// A worker edits every field of a member, adds two, makes one head, removes one, sets two
/// tags with their day, sees 零就业家庭 derived, logs a visit (refused until it is complete,
/// then saved with the phone's location) and opens a request, all offline; after
/// reconnecting the server's lists and the stored document hold all of it.
async fn worker_keeps_a_household_up_to_date_offline(backend: Backend) {
    let Some((db, server)) = setup(backend).await else {
        return;
    };
    db.cli(
        &["org", "add", "--path", "c01/s01/m01", "--name", "安康社区"],
        None,
    )
    .await;
    let out = scenario("household", &server, backend).await;
    assert_eq!(out["defaultRule"], "30", "Linli's default for 低保: {out}");
    assert!(text(&out, "disabilityShown").contains("肢体"), "{out}");
    assert!(text(&out, "disabilityShown").contains("二级"), "{out}");
    assert_eq!(out["zeroEmploymentShown"], true);
    assert_eq!(
        out["zeroEmploymentTappable"], false,
        "derived, not set by hand"
    );
    assert!(text(&out, "formerMember").contains("赵小"), "{out}");
    assert!(text(&out, "formerMember").contains("迁出"), "{out}");
    assert_eq!(out["visitRefusal"], "请选择走访事由");
    assert_eq!(out["visitRefusalNotes"], "请填写走访情况");
    assert!(
        text(&out, "visitToast").contains("走访已保存在本机"),
        "{out}"
    );
    assert!(text(&out, "visitLocation").contains("31.2304"), "{out}");
    assert!(
        text(&out, "supervisorSeesLocation").contains("121.4737"),
        "shown to the supervisor on the visit: {out}"
    );
    assert_eq!(
        out["plan"], "week",
        "visited today, 低保 every 3 days by the community's rule: {out}"
    );
    assert!(text(&out, "planText").contains("3 天一访"), "{out}");
    assert_eq!(out["requestRefusal"], "请填写需求内容");
    assert!(
        text(&out, "requestToast").contains("需求已保存在本机"),
        "{out}"
    );
    assert_eq!(out["todaysVisitVisible"], true, "{out}");
    assert!(text(&out, "todaysVisitText").contains(&text(&out, "address")));
    assert!(out["pendingOffline"].as_u64().unwrap() >= 1, "{out}");
    assert_eq!(out["onServerWhileOffline"], false);
    let members: Vec<&str> = out["afterReloadMembers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        members.contains(&"赵大") && members.contains(&"钱二"),
        "{out}"
    );
    assert!(!members.contains(&"赵小"), "removed: {out}");

    // The server's lists.
    let row = &out["serverHousehold"];
    assert_eq!(row["head_name"], "钱二");
    assert_eq!(row["tags"], "dibao,disabled");
    assert_eq!(
        row["member_count"], 2,
        "the child who moved out is not counted"
    );
    let id = text(&out, "documentId");
    let sup = db.token("sup-web").await;
    let residents = api(&server, &sup, "/api/records/residents?limit=500").await;
    let ours: Vec<&Value> = residents["rows"]
        .as_array()
        .unwrap_or_else(|| residents.as_array().expect("rows"))
        .iter()
        .filter(|r| {
            r.as_object()
                .unwrap()
                .values()
                .any(|v| v == &Value::from(id.clone()))
        })
        .collect();
    assert_eq!(ours.len(), 2, "{residents}");
    let requests = api(&server, &sup, "/api/requests").await;
    let request = requests
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["household"] == id.as_str())
        .expect("the request is listed");
    assert_eq!(request["urgency"], "urgent");
    assert_eq!(request["category"], "employment");
    assert_eq!(request["status"], "open");

    // The stored document.
    let doc = crate::web::stored_json(&db, &id).await;
    let head = doc["members"]
        .as_object()
        .unwrap()
        .values()
        .find(|m| m["name"] == "赵大")
        .unwrap();
    assert_eq!(head["id_tail"], "123X");
    assert_eq!(head["phone"], "138****5678");
    assert_eq!(head["birth_year"], 1980);
    assert_eq!(head["relation"], "other", "no longer the head");
    assert_eq!(head["health_record"], true);
    assert_eq!(head["disability"]["kind"], "physical");
    assert_eq!(head["disability"]["grade"], 2);
    let changes: Vec<&Value> = doc["tag_changes"].as_object().unwrap().values().collect();
    assert_eq!(changes.len(), 2, "{doc}");
    for change in changes {
        assert_eq!(change["on"], out["tagDay"]);
        assert_eq!(change["set"], true);
        assert_eq!(change["by"], "worker-web-1");
    }
    let visit = &doc["visits"][0];
    assert_eq!(visit["purpose"], "routine");
    assert_eq!(visit["needs"][0], "employment");
    assert!((visit["location"]["lat"].as_f64().unwrap() - 31.2304).abs() < 1e-6);
    assert!((visit["location"]["lon"].as_f64().unwrap() - 121.4737).abs() < 1e-6);

    // The grid's follow-ups as a supervisor sees them: this household is not due.
    let grids = api(&server, &sup, "/api/follow-ups").await;
    let grid = grids
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["org"] == "c01/s01/m01/g01")
        .expect("the grid");
    assert_eq!(grid["households"], 1);
    assert_eq!(grid["never"], 0);
    assert_eq!(grid["overdue"], 0);
    assert_eq!(
        grid["week"], 1,
        "the community's rule, on the server too: {grids}"
    );
    server.stop().await;
    db.cleanup().await;
}

/// A request opened by a worker is assigned by a supervisor to a volunteer, who works on it
/// offline; the worker records the resident's satisfaction; the supervisor closes it. A second
/// request assigned with a due day past is flagged overdue on the desk and on the phone.
async fn a_request_goes_from_worker_to_assignee_and_back(backend: Backend) {
    let Some((db, server)) = setup(backend).await else {
        return;
    };
    let out = scenario("requests", &server, backend).await;
    assert_eq!(out["overdueOnDesk"], true);
    assert_eq!(out["overdueOnPhone"], true, "{out}");
    assert_eq!(out["volunteerSees"], true);
    assert_eq!(
        out["volunteerSeesAddress"], true,
        "where to go, though the household itself is not theirs to read"
    );
    assert!(
        out["volunteerPendingOffline"].as_u64().unwrap() >= 1,
        "{out}"
    );
    let never: i64 = out["followUpsByGrid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["never"].as_i64().unwrap())
        .sum();
    assert_eq!(never, 1, "the household registered, never visited: {out}");

    let sup = db.token("sup-web").await;
    let all = api(&server, &sup, "/api/requests").await;
    let find = |description: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|r| r["description"] == description)
            .cloned()
            .expect("listed")
    };
    let first = find(&text(&out, "described"));
    assert_eq!(first["status"], "closed");
    assert_eq!(first["assignee"], "vol-web");
    assert_eq!(first["assignee_kind"], "volunteer");
    assert_eq!(first["outcome"], "安排每日送餐");
    assert_eq!(first["satisfaction"], "satisfied");
    assert_eq!(first["due"], out["suggestedDue"]);
    assert_eq!(first["overdue"], false);
    let late = find(&text(&out, "late"));
    assert_eq!(late["overdue"], true);
    assert_eq!(late["assignee"], "worker-web-2");

    // The volunteer's own list, and what a volunteer may not change.
    let vol = db.token("vol-web").await;
    let mine = api(&server, &vol, "/api/requests").await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let worker2 = db.token("worker-web-2").await;
    let theirs = api(&server, &worker2, "/api/requests?assigned=me&overdue=true").await;
    assert_eq!(theirs.as_array().unwrap().len(), 1, "{theirs}");
    let doc = crate::web::stored_json(&db, first["document_id"].as_str().unwrap()).await;
    let statuses: Vec<&str> = doc["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["status"].as_str())
        .collect();
    assert_eq!(
        statuses,
        ["open", "assigned", "in_progress", "resolved", "closed"],
        "{doc}"
    );
    server.stop().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_keeps_a_household_up_to_date_offline_sqlite() {
    worker_keeps_a_household_up_to_date_offline(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_goes_from_worker_to_assignee_and_back_sqlite() {
    a_request_goes_from_worker_to_assignee_and_back(Backend::Sqlite).await;
}
