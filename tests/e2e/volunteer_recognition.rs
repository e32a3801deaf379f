//! Volunteers' approved hours and star levels (issue #20; thresholds of 《志愿服务记录办法》:
//! 100, 300, 600, 1,000 and 1,500 hours), for the volunteer, the supervisors' list and the
//! yearly summary per community, on both databases. Only approved hours count.

use serde_json::json;

use crate::harness::{
    field_client, get_json, http_post_json, sync_as, Backend, ServerProcess, TestDb,
};
use crate::on_both_backends;

const COMMUNITY: &str = "c01/s01/m01";

async fn hours_and_stars_follow_approved_service(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.cli(
        &["org", "add", "--path", COMMUNITY, "--name", "幸福社区"],
        None,
    )
    .await;
    db.add_user("va", "volunteer", COMMUNITY, None).await;
    db.add_user("vb", "volunteer", COMMUNITY, None).await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("far", "supervisor", "c01/s02", None).await;
    db.add_user("w", "worker", "c01/s01/m01/g01", None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (va, vb, sup) = (
        db.token("va").await,
        db.token("vb").await,
        db.token("sup").await,
    );

    // Volunteer A: 8 hours on each of six days of 2024 and seven of 2025 (104 hours).
    // Volunteer B: one hour in 2025 approved, five more hours only submitted.
    let mut a = field_client(db.dir.path(), "a").await;
    let doc_a = a.create_volunteer(COMMUNITY, "va", "李秀兰").await.unwrap();
    let mut entries = Vec::new();
    for (year, days) in [(2024, 6), (2025, 7)] {
        for day in 1..=days {
            let date = format!("{year}-03-{day:02}");
            let id = a
                .log_hours(&doc_a, &date, 480, "助老送餐", "elderly")
                .await
                .unwrap();
            entries.push(json!({"document_id": doc_a.to_string(), "entry_id": id}));
        }
    }
    sync_as(&mut a, &server, Some(&va)).await;
    let mut b = field_client(db.dir.path(), "b").await;
    let doc_b = b.create_volunteer(COMMUNITY, "vb", "王芳").await.unwrap();
    let approved = b
        .log_hours(&doc_b, "2025-06-01", 60, "理发", "elderly")
        .await
        .unwrap();
    b.log_hours(&doc_b, "2025-06-02", 300, "理发", "elderly")
        .await
        .unwrap();
    entries.push(json!({"document_id": doc_b.to_string(), "entry_id": approved}));
    sync_as(&mut b, &server, Some(&vb)).await;
    let (code, body) = http_post_json(
        &server.addr,
        "/api/review/entries",
        &json!({"items": entries, "status": "approved"}),
        Some(&sup),
    )
    .await;
    assert_eq!(code, 200, "{body}");

    // What the volunteer sees of themselves.
    let (code, mine) = get_json(&server, "/api/volunteers/hours?year=2025", &va).await;
    assert_eq!(code, 200, "{mine}");
    assert_eq!(mine["approved_hours"], 104.0, "{mine}");
    assert_eq!(mine["year_hours"], 56.0, "{mine}");
    assert_eq!(mine["stars"], 1, "100 hours make one star: {mine}");
    assert_eq!(mine["next_star_hours"], 300, "{mine}");
    let (_, theirs) = get_json(&server, "/api/volunteers/hours?year=2025", &vb).await;
    assert_eq!(
        theirs["approved_hours"], 1.0,
        "submitted hours do not count: {theirs}"
    );
    assert_eq!(
        (theirs["stars"].as_i64(), theirs["next_star_hours"].as_i64()),
        (Some(0), Some(100))
    );
    assert_eq!(
        get_json(&server, "/api/volunteers/hours", &sup).await.0,
        403
    );
    assert_eq!(
        get_json(&server, "/api/volunteers/hours?year=25", &va)
            .await
            .0,
        400
    );

    // The supervisors' list and the community's year.
    let (code, list) = get_json(&server, "/api/volunteers?year=2025", &sup).await;
    assert_eq!(code, 200, "{list}");
    let by_name = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {list}"))
    };
    assert_eq!(by_name("李秀兰")["stars"], 1);
    assert_eq!(by_name("李秀兰")["year_hours"], 56.0);
    assert_eq!(by_name("王芳")["approved_hours"], 1.0);
    let (_, far) = get_json(&server, "/api/volunteers", &db.token("far").await).await;
    assert_eq!(far, json!([]), "another street's supervisor");
    assert_eq!(
        get_json(&server, "/api/volunteers", &db.token("w").await)
            .await
            .0,
        403
    );
    assert_eq!(get_json(&server, "/api/volunteers", &va).await.0, 403);

    let (code, summary) = get_json(&server, "/api/volunteers/summary?year=2025", &sup).await;
    assert_eq!(code, 200, "{summary}");
    assert_eq!(
        summary,
        json!([{"org": COMMUNITY, "name": "幸福社区", "volunteers": 2, "active": 2,
            "hours": 57.0, "by_stars": [1, 1, 0, 0, 0, 0]}])
    );
    let (_, before) = get_json(&server, "/api/volunteers/summary?year=2023", &sup).await;
    assert_eq!(before[0]["active"], 0, "{before}");
    assert_eq!(
        before[0]["by_stars"],
        json!([1, 1, 0, 0, 0, 0]),
        "stars count all service"
    );

    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(hours_and_stars_follow_approved_service);
