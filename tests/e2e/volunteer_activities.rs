//! Volunteer activities with check-in (issue #20): a supervisor publishes an activity, the
//! volunteers of the communities under it enrol (within its capacity), the organiser's phone
//! signs check-in and check-out codes with the activity's key, a volunteer hands in the two
//! codes they scanned and is credited the time between them within the activity's own time,
//! as a `checkin` entry that the organiser confirms. Forged codes, another activity's codes,
//! volunteers not enrolled and readers outside the unit get nothing. On both databases.

use linli_sync_core::checkin::{sign, Scan};
use serde_json::{json, Value};

use crate::harness::{field_client, get_json, post_json, sync_as, Backend, ServerProcess, TestDb};
use crate::on_both_backends;

const COMMUNITY: &str = "c01/s01/m01";

fn decode_key(key: &Value) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key.as_str().unwrap())
        .unwrap()
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

async fn an_activity_credits_the_time_between_signed_scans(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("far", "supervisor", "c01/s02", None).await;
    db.add_user("worker", "worker", "c01/s01/m01/g01", None)
        .await;
    for v in ["vol-a", "vol-b", "vol-c"] {
        db.add_user(v, "volunteer", COMMUNITY, None).await;
    }
    db.add_user("vol-far", "volunteer", "c01/s02/m01", None)
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let mut token = std::collections::HashMap::new();
    for u in ["sup", "far", "worker", "vol-a", "vol-b", "vol-c", "vol-far"] {
        token.insert(u, db.token(u).await);
    }
    let t = |u: &str| token[u].clone();

    // Volunteers a and b keep a volunteer record; c has none yet.
    let mut docs = std::collections::HashMap::new();
    for (user, name) in [("vol-a", "王芳"), ("vol-b", "赵强")] {
        let mut phone = field_client(db.dir.path(), user).await;
        let doc = phone.create_volunteer(COMMUNITY, user, name).await.unwrap();
        sync_as(&mut phone, &server, Some(&t(user))).await;
        docs.insert(user, doc.to_string());
    }

    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let at = |minutes: i64| linli_sync_core::calendar::iso_from_ms(now_ms + minutes * 60_000);
    let activity = |title: &str, capacity: i64| {
        json!({"title": title, "place": "幸福社区活动室", "category": "elderly",
            "description": "为独居老人送餐", "starts_at": at(-10), "ends_at": at(110),
            "capacity": capacity, "skills": ["助餐"], "org": COMMUNITY})
    };

    // Publishing: a supervisor of a unit holding the community, with values that make sense.
    let (code, _) = post_json(
        &server,
        "/api/activities",
        activity("x", 0),
        Some(&t("worker")),
    )
    .await;
    assert_eq!(code, 403, "a worker does not publish");
    let (code, _) = post_json(
        &server,
        "/api/activities",
        activity("x", 0),
        Some(&t("far")),
    )
    .await;
    assert_eq!(
        code, 403,
        "another street's supervisor does not publish here"
    );
    for (field, value) in [
        ("category", json!("nonsense")),
        ("ends_at", json!(at(-20))),
        ("ends_at", json!(at(60 * 30))),
        ("starts_at", json!("tomorrow")),
        ("title", json!("")),
        ("capacity", json!(-1)),
    ] {
        let mut bad = activity("x", 0);
        bad[field] = value.clone();
        let (code, body) = post_json(&server, "/api/activities", bad, Some(&t("sup"))).await;
        assert_eq!(code, 400, "{field} = {value}: {body}");
        assert!(body["error"].as_str().unwrap().contains(field), "{body}");
    }
    let (code, small) = post_json(
        &server,
        "/api/activities",
        activity("小活动", 1),
        Some(&t("sup")),
    )
    .await;
    assert_eq!(code, 200, "{small}");
    let (code, meal) = post_json(
        &server,
        "/api/activities",
        activity("助老送餐", 0),
        Some(&t("sup")),
    )
    .await;
    assert_eq!(code, 200, "{meal}");
    let (small_id, id) = (small["id"].as_str().unwrap(), meal["id"].as_str().unwrap());
    assert_eq!(meal["organiser"], "sup");
    assert_eq!(meal["enrolled"], 0);

    // Who sees it.
    let (code, list) = get_json(&server, "/api/activities", &t("vol-a")).await;
    assert_eq!(code, 200);
    assert!(ids(&list).contains(&id), "{list}");
    assert_eq!(list[0]["me"]["enrolled"], false, "{list}");
    let (_, list) = get_json(&server, "/api/activities", &t("vol-far")).await;
    assert!(
        !ids(&list).contains(&id),
        "another community's volunteer: {list}"
    );
    let one = format!("/api/activities/{id}");
    assert_eq!(get_json(&server, &one, &t("vol-far")).await.0, 404);
    assert_eq!(get_json(&server, &one, &t("far")).await.0, 404);
    assert_eq!(
        get_json(&server, "/api/activities", &t("worker")).await.0,
        403
    );
    let (_, list) = get_json(&server, "/api/activities", &t("far")).await;
    assert!(!ids(&list).contains(&id), "{list}");

    // Enrolling, within the capacity.
    let enrol = |a: &str| format!("/api/activities/{a}/enrol");
    let (code, body) = post_json(&server, &enrol(small_id), json!({}), Some(&t("vol-a"))).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["me"]["enrolled"], true);
    let (code, body) = post_json(&server, &enrol(small_id), json!({}), Some(&t("vol-b"))).await;
    assert_eq!(code, 409, "full: {body}");
    assert!(body["error"].as_str().unwrap().contains("full"), "{body}");
    let (code, _) = post_json(&server, &enrol(small_id), json!({}), Some(&t("vol-a"))).await;
    assert_eq!(code, 200, "enrolling again changes nothing");
    for v in ["vol-a", "vol-c"] {
        let (code, body) = post_json(&server, &enrol(id), json!({}), Some(&t(v))).await;
        assert_eq!(code, 200, "{v}: {body}");
    }
    assert_eq!(
        post_json(&server, &enrol(id), json!({}), Some(&t("sup")))
            .await
            .0,
        403
    );
    assert_eq!(
        post_json(&server, &enrol(id), json!({}), Some(&t("vol-far")))
            .await
            .0,
        404
    );

    // The organiser's key, and the codes their phone makes with it.
    let key_path = format!("/api/activities/{id}/key");
    assert_eq!(get_json(&server, &key_path, &t("vol-a")).await.0, 403);
    assert_eq!(get_json(&server, &key_path, &t("far")).await.0, 404);
    let (code, key) = get_json(&server, &key_path, &t("sup")).await;
    assert_eq!(code, 200, "{key}");
    let key = decode_key(&key["key"]);
    let (_, small_key) = get_json(
        &server,
        &format!("/api/activities/{small_id}/key"),
        &t("sup"),
    )
    .await;
    let small_key = decode_key(&small_key["key"]);
    let start = (now_ms / 60_000) - 10;
    // Arrived 20 minutes early, left 45 minutes into the activity: 45 minutes served.
    let check_in = sign(&key, id, Scan::In, start - 20);
    let check_out = sign(&key, id, Scan::Out, start + 45);

    let attend = format!("/api/activities/{id}/attendance");
    let hand_in = |i: &str, o: &str| json!({"check_in": i, "check_out": o});
    for (why, body, words) in [
        (
            "forged",
            hand_in(&sign(b"a forger's key", id, Scan::In, start), &check_out),
            "signature",
        ),
        (
            "another activity's",
            hand_in(&sign(&small_key, small_id, Scan::In, start), &check_out),
            "another activity",
        ),
        (
            "two check-ins",
            hand_in(&check_in, &sign(&key, id, Scan::In, start + 45)),
            "check-out",
        ),
        (
            "out before in",
            hand_in(&sign(&key, id, Scan::In, start + 50), &check_out),
            "not after",
        ),
        (
            "not a code",
            hand_in("https://example.com", &check_out),
            "not a Linli check-in code",
        ),
        (
            "a day later",
            hand_in(&check_in, &sign(&key, id, Scan::Out, start + 24 * 60)),
            "outside",
        ),
    ] {
        let (code, answer) = post_json(&server, &attend, body, Some(&t("vol-a"))).await;
        assert_eq!(code, 400, "{why}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains(words),
            "{why}: {answer}"
        );
    }
    let genuine = hand_in(&check_in, &check_out);
    let (code, body) = post_json(&server, &attend, genuine.clone(), Some(&t("vol-b"))).await;
    assert_eq!(code, 409, "not enrolled: {body}");
    let (code, body) = post_json(&server, &attend, genuine.clone(), Some(&t("vol-c"))).await;
    assert_eq!(code, 409, "no record: {body}");
    assert!(
        body["error"].as_str().unwrap().contains("volunteer record"),
        "{body}"
    );
    let (code, credited) = post_json(&server, &attend, genuine.clone(), Some(&t("vol-a"))).await;
    assert_eq!(code, 200, "{credited}");
    assert_eq!(credited["minutes"], 45, "{credited}");
    assert_eq!(credited["already"], false);
    assert_eq!(credited["document_id"], docs["vol-a"].as_str());
    let (code, again) = post_json(&server, &attend, genuine, Some(&t("vol-a"))).await;
    assert_eq!(code, 200, "a retry: {again}");
    assert_eq!(
        (again["already"].clone(), again["minutes"].clone()),
        (json!(true), json!(45))
    );

    // The entry, in the volunteer's document, waits for the organiser.
    let (_, waiting) = get_json(
        &server,
        "/api/volunteer-entries?status=submitted",
        &t("sup"),
    )
    .await;
    let entry = waiting
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["entry_id"] == credited["entry_id"])
        .unwrap_or_else(|| panic!("credited entry listed: {waiting}"))
        .clone();
    assert_eq!(
        (
            &entry["source"],
            &entry["minutes"],
            &entry["activity"],
            &entry["user"]
        ),
        (
            &json!("checkin"),
            &json!(45),
            &json!("助老送餐"),
            &json!("vol-a")
        ),
        "{entry}"
    );
    let withdraw = format!("/api/activities/{id}/withdraw");
    assert_eq!(
        post_json(&server, &withdraw, json!({}), Some(&t("vol-a")))
            .await
            .0,
        409
    );

    // The organiser confirms; the hours count.
    let confirm = format!("/api/activities/{id}/confirm");
    assert_eq!(
        post_json(&server, &confirm, json!({}), Some(&t("far")))
            .await
            .0,
        404
    );
    assert_eq!(
        post_json(&server, &confirm, json!({}), Some(&t("vol-a")))
            .await
            .0,
        403
    );
    let (code, body) = post_json(&server, &confirm, json!({}), Some(&t("sup"))).await;
    assert_eq!((code, body["confirmed"].clone()), (200, json!(1)), "{body}");
    let (_, detail) = get_json(&server, &one, &t("sup")).await;
    let attended = &detail["attendance"][0];
    assert_eq!(attended["user"], "vol-a", "{detail}");
    assert_eq!(attended["entry_status"], "approved", "{detail}");
    assert_eq!(attended["minutes"], 45);
    assert_eq!(
        detail["enrolments"].as_array().unwrap().len(),
        2,
        "{detail}"
    );
    let (_, mine) = get_json(&server, &one, &t("vol-a")).await;
    assert_eq!(mine["me"]["attendance"]["status"], "approved", "{mine}");
    assert!(
        mine.get("enrolments").is_none(),
        "a volunteer does not see the list: {mine}"
    );
    let (_, hours) = get_json(&server, "/api/volunteers/hours", &t("vol-a")).await;
    assert_eq!(hours["approved_hours"], 0.75, "{hours}");
    let (_, body) = post_json(&server, &confirm, json!({}), Some(&t("sup"))).await;
    assert_eq!(body["confirmed"], 0, "nothing left to confirm");

    let audit = db.store().await.audit_entries().await.unwrap();
    for action in [
        "activity_publish",
        "activity_enrol",
        "activity_key",
        "activity_attendance",
        "review_volunteer",
    ] {
        assert!(audit.iter().any(|(a, _, _)| a == action), "{action}");
    }
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(an_activity_credits_the_time_between_signed_scans);
