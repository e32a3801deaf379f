//! A certificate of volunteer service (issue #20): a registered volunteer asks, a supervisor
//! of their community issues it from the approved service, the volunteer reads it whole, and
//! anyone checks its number and sees only the name and ID masked, the hours, the issuer and
//! the day. On both databases.

use serde_json::{json, Value};

use crate::harness::{
    field_client, get_json, http_get, http_get_with_head, node_script, post_json, sync_as, Backend,
    ServerProcess, TestDb,
};
use crate::on_both_backends;

const COMMUNITY: &str = "c01/s01/m01";
const ID_NUMBER: &str = "11010519491231002X";

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn a_certificate_is_asked_for_issued_and_verified(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    db.cli(
        &["org", "add", "--path", COMMUNITY, "--name", "幸福社区"],
        None,
    )
    .await;
    db.add_user("sup", "supervisor", "c01/s01", None).await;
    db.add_user("far", "supervisor", "c01/s02", None).await;
    db.add_user("root", "admin", "c01", None).await;
    db.add_user("old-vol", "volunteer", COMMUNITY, None).await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let (sup, far, root, old_vol) = (
        db.token("sup").await,
        db.token("far").await,
        db.token("root").await,
        db.token("old-vol").await,
    );

    // A resident signs up and is approved; they log in.
    let (code, signed) = post_json(
        &server,
        "/api/volunteers/sign-up",
        json!({"community": COMMUNITY, "name": "李秀兰", "phone": "13800138000",
            "id_type": "resident_id", "id_number": ID_NUMBER, "consent": true,
            "login": "lixiulan", "password": "my-own-password"}),
        None,
    )
    .await;
    assert_eq!(code, 200, "{signed}");
    let path = format!(
        "/api/volunteers/sign-ups/{}",
        signed["id"].as_str().unwrap()
    );
    let (code, approved) =
        post_json(&server, &path, json!({"decision": "approve"}), Some(&sup)).await;
    assert_eq!(code, 200, "{approved}");
    let (code, tokens) = post_json(
        &server,
        "/api/login",
        json!({"name": "lixiulan", "password": "my-own-password", "device_name": "手机"}),
        None,
    )
    .await;
    assert_eq!(code, 200, "{tokens}");
    let vol = tokens["access_token"].as_str().unwrap().to_owned();

    // Their service: two days approved, one only submitted.
    let mut phone = field_client(db.dir.path(), "phone").await;
    let doc = phone
        .create_volunteer(COMMUNITY, "lixiulan", "李秀兰")
        .await
        .unwrap();
    let mut items = Vec::new();
    for (date, minutes, what) in [
        ("2025-03-01", 180, "助老送餐"),
        ("2025-04-02", 120, "社区义诊"),
    ] {
        let id = phone
            .log_hours(&doc, date, minutes, what, "elderly")
            .await
            .unwrap();
        items.push(json!({"document_id": doc.to_string(), "entry_id": id}));
    }
    phone
        .log_hours(&doc, "2025-05-01", 240, "未审核", "elderly")
        .await
        .unwrap();
    sync_as(&mut phone, &server, Some(&vol)).await;
    let (code, body) = post_json(
        &server,
        "/api/review/entries",
        json!({"items": items, "status": "approved"}),
        Some(&sup),
    )
    .await;
    assert_eq!(code, 200, "{body}");

    // Asking.
    let ask = json!({"from": "2025-01-01", "to": "2025-12-31", "purpose": "升学材料"});
    let (code, body) = post_json(&server, "/api/certificates", ask.clone(), Some(&old_vol)).await;
    assert_eq!(code, 409, "no registration, no ID to certify: {body}");
    assert_eq!(
        post_json(&server, "/api/certificates", ask.clone(), Some(&sup))
            .await
            .0,
        403
    );
    let (code, body) = post_json(
        &server,
        "/api/certificates",
        json!({"from": "2025-12-31", "to": "2025-01-01"}),
        Some(&vol),
    )
    .await;
    assert_eq!(code, 400, "{body}");
    let (code, asked) = post_json(&server, "/api/certificates", ask, Some(&vol)).await;
    assert_eq!(code, 200, "{asked}");
    assert_eq!(asked["status"], "requested");
    let id = asked["id"].as_str().unwrap().to_owned();
    let (_, listed) = get_json(&server, "/api/certificates", &sup).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["purpose"], "升学材料");
    let (_, listed) = get_json(&server, "/api/certificates", &far).await;
    assert_eq!(listed, json!([]), "another street's supervisor");
    assert_eq!(get_json(&server, "/api/certificates", &root).await.0, 403);

    // Issuing.
    let issue = format!("/api/certificates/{id}/issue");
    let contact = json!({"contact": "0512-66881234"});
    assert_eq!(
        post_json(&server, &issue, contact.clone(), Some(&far))
            .await
            .0,
        404
    );
    assert_eq!(
        post_json(&server, &issue, contact.clone(), Some(&root))
            .await
            .0,
        403
    );
    let (code, issued) = post_json(&server, &issue, contact.clone(), Some(&sup)).await;
    assert_eq!(code, 200, "{issued}");
    assert_eq!(issued["status"], "issued");
    let c = &issued["certificate"];
    let number = c["number"].as_str().unwrap().to_owned();
    assert!(
        number.starts_with("ZYFW-") && number.len() == "ZYFW-2026-0123ABCD".len(),
        "{number}"
    );
    assert_eq!(c["name"], "李秀兰");
    assert_eq!(c["id_type"], "resident_id");
    assert_eq!(c["id_number"], ID_NUMBER);
    assert_eq!(c["volunteer_number"], approved["volunteer_number"]);
    assert_eq!(
        c["services"],
        json!([
            {"date": "2025-03-01", "content": "助老送餐", "category": "elderly", "hours": 3.0},
            {"date": "2025-04-02", "content": "社区义诊", "category": "elderly", "hours": 2.0},
        ]),
        "approved service only"
    );
    assert_eq!(c["total_hours"], 5.0);
    assert_eq!(c["issuer_name"], "幸福社区");
    assert_eq!(c["issued_by"], "sup");
    assert_eq!(c["contact"], "0512-66881234");
    assert_eq!(
        post_json(&server, &issue, contact.clone(), Some(&sup))
            .await
            .0,
        409,
        "once"
    );

    // Reading it whole: the volunteer and the community's supervisors only.
    let one = format!("/api/certificates/{id}");
    let (code, mine) = get_json(&server, &one, &vol).await;
    assert_eq!(code, 200, "{mine}");
    assert_eq!(mine["certificate"]["id_number"], ID_NUMBER);
    assert_eq!(get_json(&server, &one, &far).await.0, 404);
    assert_eq!(get_json(&server, &one, &old_vol).await.0, 404);
    assert_eq!(get_json(&server, &one, &root).await.0, 404);
    let (_, own) = get_json(&server, "/api/certificates", &vol).await;
    assert_eq!(own[0]["number"], number.as_str());

    // The PDF to print and seal: the same readers; its text, as pdf.js reads it, holds the
    // whole certificate.
    let pdf_path = format!("/api/certificates/{id}/pdf");
    let (code, head, pdf) = http_get_with_head(&server.addr, &pdf_path, &vol).await;
    assert_eq!(code, 200, "{head}");
    let head = head.to_lowercase();
    assert!(head.contains("content-type: application/pdf"), "{head}");
    assert!(
        head.contains(&format!(
            "content-disposition: inline; filename=\"{}.pdf\"",
            number.to_lowercase()
        )),
        "{head}"
    );
    assert!(pdf.starts_with(b"%PDF-"), "{:?}", &pdf[..pdf.len().min(40)]);
    assert_eq!(get_json(&server, &pdf_path, &far).await.0, 404);
    assert_eq!(get_json(&server, &pdf_path, &root).await.0, 404);
    assert_eq!(get_json(&server, &pdf_path, &sup).await.0, 200);
    let file = db.dir.path().join("certificate.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let read = node_script("pdf-text.mjs", &[file.to_str().unwrap()], "pdfjs-dist", 60).await;
    assert_eq!(read["pages"], 1, "{read}");
    let text: String = read["text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let volunteer_number = approved["volunteer_number"].as_str().unwrap();
    for needed in [
        "志愿服务记录证明",
        "李秀兰",
        "居民身份证",
        ID_NUMBER,
        volunteer_number,
        "2025-03-01",
        "助老送餐",
        "2025-04-02",
        "社区义诊",
        "累计服务时长",
        "幸福社区",
        "0512-66881234",
        "（盖章）",
        &number,
        &format!("/api/certificates/verify/{number}"),
    ] {
        assert!(text.contains(needed), "{needed} in the PDF's text: {text}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("累计服务时长") && l.trim_end().ends_with(" 5")),
        "the total, 5 hours: {text}"
    );
    assert!(!text.contains("未审核"), "approved service only: {text}");

    // Anyone checks a number.
    let (code, body) = http_get(
        &server.addr,
        &format!("/api/certificates/verify/{}", number.to_lowercase()),
    )
    .await
    .unwrap();
    assert_eq!(code, 200, "{body}");
    let checked = json_of(&body);
    assert_eq!(checked["name"], "李*兰");
    assert_eq!(checked["id_number"], "110*************2X");
    assert_eq!(checked["total_hours"], 5.0);
    assert_eq!(checked["issuer_name"], "幸福社区");
    assert!(!body.contains(ID_NUMBER), "{body}");
    let (code, _) = http_get(&server.addr, "/api/certificates/verify/ZYFW-2026-00000000")
        .await
        .unwrap();
    assert_eq!(code, 404);

    // Nothing approved in the period: nothing to certify.
    let (_, later) = post_json(
        &server,
        "/api/certificates",
        json!({"from": "2030-01-01", "to": "2030-12-31"}),
        Some(&vol),
    )
    .await;
    let issue_later = format!("/api/certificates/{}/issue", later["id"].as_str().unwrap());
    assert_eq!(
        post_json(&server, &issue_later, json!({}), Some(&sup))
            .await
            .0,
        409
    );
    let pdf_later = format!("/api/certificates/{}/pdf", later["id"].as_str().unwrap());
    assert_eq!(
        get_json(&server, &pdf_later, &vol).await.0,
        404,
        "not issued"
    );

    let audit = db.store().await.audit_entries().await.unwrap();
    for action in ["certificate_request", "certificate_issue"] {
        assert!(audit.iter().any(|(a, _, _)| a == action), "{action}");
    }
    server.stop().await;

    // Without a usable CJK font the PDF says what to set; everything else works.
    let missing = db.dir.path().join("no-such-font.ttc");
    let server =
        ServerProcess::start_with(&db, &["--certificate-font", missing.to_str().unwrap()]).await;
    let (code, body) = get_json(&server, &pdf_path, &vol).await;
    assert_eq!(code, 503, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("no CJK font for certificates: set --certificate-font"),
        "{body}"
    );
    assert_eq!(get_json(&server, &one, &vol).await.0, 200);
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(a_certificate_is_asked_for_issued_and_verified);
