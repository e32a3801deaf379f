//! A resident signs up as a volunteer in the web app (issue #20), in real headless chromium
//! against the real server with the demo county (`tests/js/volunteers.mjs`): on a phone and
//! with no login, from the login screen; an empty form is stopped in the browser, a mistyped
//! ID card number is refused by the server and said next to the ID field in both languages,
//! the corrected one is sent and a page says the community will review it. The street's
//! supervisor finds the sign-up in the people tab with the whole ID number and approves it;
//! the resident logs in with their own login and password and sees their volunteer number on
//! their home screen, offline too. The screens pass axe-core, have 44 px targets, one h1 and
//! no sideways scrolling. What the browser did is then checked on the server through its API.
//! SQLite only: tests/e2e/volunteer_signup.rs runs the API on both databases.

use serde_json::{json, Value};

use crate::harness::{http_get_auth, http_post_json, Backend, ServerProcess, TestDb};
use crate::web::{browser_available, problems, run_script};

const DEMO_PASSWORD: &str = "linli-demo";
const SUPERVISOR: &str = "sup-c01-s01";
const COMMUNITY: &str = "c01/s01/m01";
/// The resident's login and password (the password is volunteers.mjs's).
const LOGIN: &str = "lixiulan-web";
const PASSWORD: &str = "my-own-pass-1";

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// Whether `id` is a resident ID card number whose check character fits (GB 11643).
fn check_digit_fits(id: &str) -> bool {
    id.len() == 18
        && id.is_char_boundary(17)
        && linli_server::volunteer_signup::id_check_char(&id[..17]) == id[17..].chars().next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_signs_up_in_the_browser_and_is_approved() {
    if !browser_available() {
        return;
    }
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let server = ServerProcess::start_with(&db, &["--demo"]).await;
    let out = run_script(
        "volunteers.mjs",
        "volunteers",
        &server,
        Backend::Sqlite,
        &[
            "--password",
            DEMO_PASSWORD,
            "--supervisor",
            SUPERVISOR,
            "--community",
            COMMUNITY,
            "--login",
            LOGIN,
        ],
    )
    .await;
    let store = db.store().await;
    let community_name = store
        .org(COMMUNITY)
        .await
        .unwrap()
        .expect("the demo community")
        .name;
    let id_number = text(&out["idNumber"]).to_owned();
    assert!(check_digit_fits(&id_number), "{out}");
    assert!(!check_digit_fits(text(&out["mistyped"])), "{out}");

    // The way in, and the form: communities by name, ID documents and skills in words, what is
    // recorded and why.
    assert_eq!(out["link"], "注册成为志愿者", "{out}");
    assert_eq!(out["hash"], "#sign-up", "{out}");
    assert_eq!(out["title"], "注册成为志愿者", "{out}");
    assert_eq!(out["communityOffered"], community_name.as_str(), "{out}");
    assert!(
        !out["communityOptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| text(o).contains("c01")),
        "communities by name, not code: {out}"
    );
    assert_eq!(
        out["idTypes"],
        json!([
            "居民身份证",
            "港澳居民来往内地通行证",
            "台湾居民来往大陆通行证",
            "护照",
            "外国人永久居留身份证"
        ]),
        "{out}"
    );
    for skill in ["助老", "助残", "理发", "维修", "心理疏导", "法律咨询"] {
        assert!(
            out["skillsOffered"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == skill),
            "{skill}: {out}"
        );
    }
    assert!(text(&out["consentText"]).contains("志愿服务条例"), "{out}");

    // Sent empty: stopped in the browser, each needed field said, nothing sent.
    let empty = &out["empty"];
    assert_eq!(empty["posts"], 0, "{out}");
    for (field, word) in [
        ("community", "请选择所在社区"),
        ("name", "请填写姓名（最多50个字）"),
        ("phone", "请填写手机号码（7到15位数字）"),
        ("id_number", "请填写证件号码"),
        (
            "login",
            "请设置登录用户名：不含空格、斜杠或冒号，最多50个字符",
        ),
        ("password", "密码至少需要8个字符"),
        ("consent", "请阅读说明并勾选同意"),
    ] {
        assert_eq!(empty["errors"][field], word, "{field}: {out}");
    }
    assert_eq!(
        empty["focused"], "community",
        "the first field to put right: {out}"
    );

    // The mistyped ID card number: the server's refusal, next to the ID field only.
    let refusal = &out["refusal"];
    assert_eq!(refusal["posts"], 1, "{out}");
    assert_eq!(
        refusal["zh"], "身份证号码有误（校验位不符），请逐位核对",
        "{out}"
    );
    assert!(
        text(&refusal["said"]).contains("check digit"),
        "the server's own words as the detail: {out}"
    );
    assert_eq!(
        refusal["errors"].as_object().unwrap().len(),
        1,
        "only the ID field: {out}"
    );
    assert_eq!(refusal["describes"], true, "{out}");
    assert_eq!(refusal["below"], true, "said just below the field: {out}");
    assert_eq!(refusal["invalid"], "true", "{out}");
    assert_eq!(refusal["focused"], "id_number", "{out}");
    assert_eq!(
        refusal["kept"],
        json!({"name": "李秀兰", "login": LOGIN, "consent": true}),
        "nothing typed is lost: {out}"
    );
    assert_eq!(
        refusal["en"],
        "This ID card number is mistyped (its check digit does not match): check each digit",
        "{out}"
    );
    assert!(
        text(&refusal["saidEn"]).starts_with("The server said"),
        "{out}"
    );
    assert_eq!(out["englishTitle"], "Sign up as a volunteer", "{out}");
    assert_eq!(out["englishCodes"], json!([]), "{out}");
    assert_eq!(
        out["englishHan"],
        json!([]),
        "no Chinese left on the English form: {out}"
    );

    // Sent, and told what happens next.
    let sent = &out["sent"];
    assert_eq!(sent["posts"], 2, "{out}");
    assert_eq!(sent["title"], "已提交，等待社区审核", "{out}");
    assert!(
        text(&sent["text"]).contains(LOGIN) && text(&sent["text"]).contains(&community_name),
        "{out}"
    );

    // The supervisor's list: the sign-up with the whole ID number, in words.
    assert_eq!(out["pendingOnButton"], "1", "{out}");
    let listed = &out["listed"];
    assert_eq!(listed["count"], "1", "{out}");
    assert_eq!(listed["rows"], 1, "{out}");
    assert_eq!(listed["name"], "李秀兰", "{out}");
    assert_eq!(listed["status"], "待审核", "{out}");
    assert!(
        text(&listed["community"]).contains(&community_name),
        "{out}"
    );
    assert_eq!(listed["phone"], "13800138000", "{out}");
    assert_eq!(listed["idType"], "居民身份证", "{out}");
    assert_eq!(
        listed["idNumber"],
        id_number.as_str(),
        "the whole number: {out}"
    );
    assert_eq!(listed["skills"], "助老、理发、写春联", "{out}");
    assert_eq!(listed["availability"], "周末、晚上", "{out}");
    assert!(!text(&listed["submitted"]).is_empty(), "{out}");
    assert_eq!(listed["codes"], json!([]), "{out}");
    assert_eq!(
        out["listedEn"],
        json!({"skills": "Elderly care, Haircuts, 写春联", "availability": "Weekends, Evenings", "idType": "Resident ID card"}),
        "{out}"
    );
    let approved = &out["approved"];
    let number = text(&approved["number"]).to_owned();
    assert!(
        number.starts_with('V') && number.len() == 11,
        "a volunteer number: {out}"
    );
    assert_eq!(
        approved["outcome"],
        format!("已批准，志愿者编号 {number}"),
        "{out}"
    );
    assert_eq!(approved["status"], "已批准", "{out}");
    assert_eq!(approved["count"], "0", "{out}");

    // The resident's home: their number, name, community and skills.
    assert_eq!(out["loginFilled"], LOGIN, "{out}");
    assert_eq!(out["hashAfter"], "", "{out}");
    let home = &out["home"];
    assert_eq!(home["number"], number.as_str(), "{out}");
    assert_eq!(home["name"], "李秀兰", "{out}");
    assert!(text(&home["community"]).contains(&community_name), "{out}");
    assert_eq!(home["skills"], "助老、理发、写春联", "{out}");
    assert_eq!(home["availability"], "周末、晚上", "{out}");
    assert!(text(&home["role"]).starts_with("志愿者"), "{out}");
    assert_eq!(home["nameOffered"], "李秀兰", "{out}");
    assert_eq!(home["redErrors"], json!([]), "{out}");
    assert_eq!(
        home["keptIdNumber"], false,
        "the ID number is not kept on the phone: {out}"
    );
    let offline = &out["offline"];
    assert_eq!(offline["number"], number.as_str(), "{out}");
    assert_eq!(
        offline["redErrors"],
        json!([]),
        "offline is no error: {out}"
    );

    assert_eq!(out["screens"].as_array().unwrap().len(), 9, "{out}");
    let found = problems(&out);
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );

    // The server agrees: approved by the supervisor, with that number, and one sign-up only.
    let sup = db.token(SUPERVISOR).await;
    let (status, body) = http_get_auth(
        &server.addr,
        "/api/volunteers/sign-ups?status=approved",
        &sup,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let rows = json_of(&body);
    let mine: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["login"] == LOGIN)
        .collect();
    assert_eq!(mine.len(), 1, "{body}");
    let row = mine[0];
    assert_eq!(row["volunteer_number"], number.as_str(), "{row}");
    assert_eq!(row["id_number"], id_number.as_str(), "{row}");
    assert_eq!(row["id_type"], "resident_id", "{row}");
    assert_eq!(row["community"], COMMUNITY, "{row}");
    assert_eq!(row["decided_by"], SUPERVISOR, "{row}");
    assert_eq!(row["skills"], json!(["助老", "理发", "写春联"]), "{row}");
    assert_eq!(row["availability"], json!(["weekend", "evening"]), "{row}");
    let (_, body) = http_get_auth(
        &server.addr,
        "/api/volunteers/sign-ups?status=pending",
        &sup,
    )
    .await;
    assert_eq!(json_of(&body), json!([]), "nothing left waiting: {body}");

    // The resident logs in with their own login and password, as a volunteer of the community.
    let (status, body) = http_post_json(
        &server.addr,
        "/api/login",
        &json!({"name": LOGIN, "password": PASSWORD, "device_name": "检查"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = json_of(&body)["access_token"].as_str().unwrap().to_owned();
    let (_, me) = http_get_auth(&server.addr, "/api/me", &token).await;
    let me = json_of(&me);
    assert_eq!(
        (me["role"].as_str(), me["org"].as_str()),
        (Some("volunteer"), Some(COMMUNITY)),
        "{me}"
    );
    let (status, body) = http_get_auth(&server.addr, "/api/volunteers/me", &token).await;
    assert_eq!(status, 200, "{body}");
    let registration = json_of(&body);
    assert_eq!(registration["volunteer_number"], number.as_str(), "{body}");
    assert_eq!(registration["name"], "李秀兰", "{body}");

    let audit = store.audit_entries().await.unwrap();
    assert!(
        audit
            .iter()
            .any(|(a, who, _)| a == "volunteer_approve" && who.as_deref() == Some(SUPERVISOR)),
        "{audit:?}"
    );
    server.stop().await;
    db.cleanup().await;
}
