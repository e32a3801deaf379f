//! The grid worker's day on one device, offline: what is written, and what is refused before
//! anything is written (with the option named and what it must be).

use linli_sync_core::contract::follow_up::FollowUpState;
use linli_sync_core::contract::{read_record, Disability, Household, Member, Request};
use linli_sync_core::DocumentId;

use crate::{
    checks, Assignment, EmploymentChange, FieldClient, FieldError, HouseholdEdit, MemberEdit,
    NewRequest, NewVisit, RequestUpdate, Session,
};

const GRID: &str = "c01/s01/m01/g01";

struct Phone {
    client: FieldClient,
    _dir: tempfile::TempDir,
}

async fn phone() -> Phone {
    let dir = tempfile::tempdir().unwrap();
    let client = FieldClient::open(&dir.path().join("phone.sqlite3"))
        .await
        .unwrap();
    Phone { client, _dir: dir }
}

async fn log_in(client: &FieldClient, user: &str, role: &str) {
    client
        .set_session(&Session {
            server: "http://127.0.0.1:9".into(),
            user: user.into(),
            role: role.into(),
            org: GRID.into(),
            device: "d1".into(),
            access_token: "a".into(),
            refresh_token: "r".into(),
            expires_at: 0,
            deployment: None,
        })
        .await
        .unwrap();
}

fn household(client: &FieldClient, id: &DocumentId) -> Household {
    read_record(client.document(id).unwrap()).unwrap()
}

fn request(client: &FieldClient, id: &DocumentId) -> Request {
    read_record(client.document(id).unwrap()).unwrap()
}

fn invalid(r: Result<impl std::fmt::Debug, FieldError>) -> String {
    match r {
        Err(FieldError::Invalid(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn changes(client: &FieldClient, id: &DocumentId) -> usize {
    client.document(id).unwrap().get_changes(&[]).len()
}

#[tokio::test]
async fn members_employment_trainings_disability_and_the_head() {
    let mut p = phone().await;
    let c = &mut p.client;
    let (doc, head) = c
        .create_household(GRID, "幸福路 5号", Some("王芳"))
        .await
        .unwrap();
    let head = head.unwrap();
    assert!(household(c, &doc).tag_changes.is_empty());
    let son = c
        .add_member(
            &doc,
            &Member {
                name: "王明".into(),
                relation: "child".into(),
                birth_year: Some(1980),
                disability: Some(Disability {
                    kind: "physical".into(),
                    grade: Some(3),
                }),
                ..Member::default()
            },
        )
        .await
        .unwrap();
    // Employment from a day on; an earlier change recorded later does not become `employment`.
    let change = |status: &str, since: &str| EmploymentChange {
        status: status.into(),
        since: since.into(),
        able: Some(true),
        willing: Some(true),
    };
    let done = c
        .record_employment(&doc, &son, &change("unemployed", "2026-01-10"))
        .await
        .unwrap();
    assert_eq!(done.employment, "unemployed");
    c.record_employment(&doc, &son, &change("employed", "2026-08-15"))
        .await
        .unwrap();
    let late = c
        .record_employment(&doc, &son, &change("student", "2025-09-01"))
        .await
        .unwrap();
    assert_eq!(late.employment, "employed", "the latest day decides");
    c.add_training(&doc, &son, "2026-05-20", "电工")
        .await
        .unwrap();
    let h = household(c, &doc);
    let m = &h.members[&son];
    assert_eq!(m.employment, "employed");
    assert_eq!(m.employment_history.len(), 3);
    assert_eq!(
        (m.able_to_work, m.willing_to_work),
        (Some(true), Some(true))
    );
    assert_eq!(m.trainings.values().next().unwrap().course, "电工");
    assert_eq!(
        m.disability,
        Some(Disability {
            kind: "physical".into(),
            grade: Some(3)
        })
    );

    // A new head: the previous one becomes `other`; asking again changes nothing.
    assert_eq!(
        c.make_head(&doc, &son).await.unwrap(),
        Some(vec![head.clone()])
    );
    let h = household(c, &doc);
    assert_eq!(h.members[&son].relation, "head");
    assert_eq!(h.members[&head].relation, "other");
    let before = changes(c, &doc);
    assert_eq!(c.make_head(&doc, &son).await.unwrap(), None);
    assert_eq!(changes(c, &doc), before);
    // A second head is not added or edited in.
    let second = Member {
        name: "李四".into(),
        relation: "head".into(),
        ..Member::default()
    };
    assert!(invalid(c.add_member(&doc, &second).await).contains("has a head already"));
    let to_head = MemberEdit {
        relation: Some("head".into()),
        ..MemberEdit::default()
    };
    assert!(invalid(c.edit_member(&doc, &head, &to_head).await).contains("household member head"));
    // A member who left cannot become the head.
    c.remove_member(&doc, &head, "deceased", "2026-11-30")
        .await
        .unwrap();
    assert!(invalid(c.make_head(&doc, &head).await).contains("no longer lives"));

    // Disability: the grade alone changes it; --no-disability clears it.
    let grade = MemberEdit {
        disability_grade: Some(2),
        ..MemberEdit::default()
    };
    c.edit_member(&doc, &son, &grade).await.unwrap();
    assert_eq!(
        household(c, &doc).members[&son]
            .disability
            .as_ref()
            .unwrap()
            .grade,
        Some(2)
    );
    let clear = MemberEdit {
        no_disability: true,
        ..MemberEdit::default()
    };
    c.edit_member(&doc, &son, &clear).await.unwrap();
    assert_eq!(household(c, &doc).members[&son].disability, None);
}

#[tokio::test]
async fn bad_member_values_are_refused_before_anything_is_written() {
    let mut p = phone().await;
    let c = &mut p.client;
    let (doc, head) = c
        .create_household(GRID, "幸福路 6号", Some("陈明"))
        .await
        .unwrap();
    let head = head.unwrap();
    let before = changes(c, &doc);
    let grade5 = MemberEdit {
        disability_kind: Some("visual".into()),
        disability_grade: Some(5),
        ..MemberEdit::default()
    };
    assert!(invalid(c.edit_member(&doc, &head, &grade5).await)
        .contains("--disability-grade must be 1 to 4"));
    let grade_alone = MemberEdit {
        disability_grade: Some(2),
        ..MemberEdit::default()
    };
    assert!(invalid(c.edit_member(&doc, &head, &grade_alone).await).contains("--disability-kind"));
    let kind = Member {
        name: "陈亮".into(),
        disability: Some(Disability {
            kind: "limb".into(),
            grade: None,
        }),
        ..Member::default()
    };
    assert!(invalid(c.add_member(&doc, &kind).await)
        .contains("--disability-kind must be one of visual"));
    let relation = Member {
        name: "陈亮".into(),
        relation: "cousin".into(),
        ..Member::default()
    };
    assert!(invalid(c.add_member(&doc, &relation).await).contains("--relation must be one of"));
    let bad_status = EmploymentChange {
        status: "jobless".into(),
        since: "2026-01-01".into(),
        ..EmploymentChange::default()
    };
    assert!(invalid(c.record_employment(&doc, &head, &bad_status).await)
        .contains("--status must be one of employed"));
    let bad_since = EmploymentChange {
        status: "employed".into(),
        since: "2026-02-30".into(),
        ..EmploymentChange::default()
    };
    assert!(invalid(c.record_employment(&doc, &head, &bad_since).await)
        .contains("--since must be a date"));
    assert!(
        invalid(c.add_training(&doc, &head, "2026-05-20", " ").await)
            .contains("--course must not be empty")
    );
    assert!(
        invalid(c.add_training(&doc, "nobody", "2026-05-20", "电工").await)
            .contains("has no member nobody")
    );
    assert_eq!(changes(c, &doc), before, "nothing was written");
}

#[tokio::test]
async fn tags_are_kept_with_their_day_and_the_derived_one_is_refused() {
    let mut p = phone().await;
    let c = &mut p.client;
    let (doc, _) = c
        .create_household(GRID, "幸福路 7号", Some("赵兰"))
        .await
        .unwrap();
    c.change_tag(&doc, "living_alone", true, Some("2026-11-01"), "worker-1")
        .await
        .unwrap();
    c.change_tag(&doc, "living_alone", false, Some("2026-11-20"), "worker-1")
        .await
        .unwrap();
    let edit = HouseholdEdit {
        tag: vec!["dibao".into()],
        by: "worker-1".into(),
        ..HouseholdEdit::default()
    };
    c.edit_household(&doc, &edit).await.unwrap();
    let h = household(c, &doc);
    assert_eq!(h.tags.get("living_alone"), Some(&false));
    assert_eq!(h.tags.get("dibao"), Some(&true));
    let mut log: Vec<_> = h
        .tag_changes
        .values()
        .map(|t| (t.tag.as_str(), t.on.as_str(), t.set, t.by.as_str()))
        .collect();
    log.sort();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].0, "dibao");
    assert_eq!(
        log[0].1,
        checks::today_in(linli_sync_core::calendar::DEFAULT_TIME_ZONE)
    );
    assert_eq!(
        &log[1..],
        [
            ("living_alone", "2026-11-01", true, "worker-1"),
            ("living_alone", "2026-11-20", false, "worker-1")
        ]
    );

    let before = changes(c, &doc);
    assert!(
        invalid(c.change_tag(&doc, "zero_employment", true, None, "w").await).contains("derived")
    );
    assert!(invalid(c.change_tag(&doc, "poor", true, None, "w").await)
        .contains("--set must be one of dibao"));
    assert!(invalid(
        c.change_tag(&doc, "dibao", false, Some("2026-13-01"), "w")
            .await
    )
    .contains("--on must be a date"));
    let bad = HouseholdEdit {
        untag: vec!["zero_employment".into()],
        ..HouseholdEdit::default()
    };
    assert!(invalid(c.edit_household(&doc, &bad).await).contains("--untag"));
    assert_eq!(changes(c, &doc), before, "nothing was written");
}

#[tokio::test]
async fn visits_with_location_and_the_follow_ups_due() {
    let mut p = phone().await;
    let c = &mut p.client;
    let (never, _) = c
        .create_household(GRID, "幸福路 1号", Some("甲"))
        .await
        .unwrap();
    let (alone, _) = c
        .create_household(GRID, "幸福路 2号", Some("乙"))
        .await
        .unwrap();
    let (other, _) = c
        .create_household("c01/s01/m01/g02", "和平路 1号", Some("丙"))
        .await
        .unwrap();
    c.change_tag(&alone, "living_alone", true, Some("2026-11-01"), "w")
        .await
        .unwrap();
    let visit = NewVisit {
        purpose: "routine".into(),
        needs: vec!["elderly".into()],
        by: "w".into(),
        at: Some("2026-11-24T21:30:00Z".into()),
        ..NewVisit::default()
    };
    let location = checks::visit_location(Some(31.2304), Some(121.4737), Some(20)).unwrap();
    c.log_visit_at(&alone, &visit, location).await.unwrap();
    let v = &household(c, &alone).visits[0];
    let at = v.location.as_ref().unwrap();
    assert_eq!(
        (at.lat, at.lon, at.accuracy_m),
        (31.2304, 121.4737, Some(20))
    );
    assert_eq!(v.needs, ["elderly"]);
    let bad = checks::visit_location(Some(31.2), Some(500.0), None);
    assert!(invalid(bad).contains("--lon must be degrees"));

    // Visited at 05:30 Beijing time on 25 November; living alone: weekly, due 2 December.
    let due = c
        .households_due(Some(GRID), "2026-12-03", "Asia/Shanghai")
        .unwrap();
    let rows: Vec<_> = due
        .households
        .iter()
        .map(|h| (h.document_id.clone(), h.state, h.due.clone(), h.every))
        .collect();
    assert_eq!(
        rows,
        [
            (never.to_string(), FollowUpState::Never, None, 90),
            (
                alone.to_string(),
                FollowUpState::Overdue,
                Some("2026-12-02".into()),
                7
            ),
        ],
        "late ones first; the other grid left out"
    );
    assert_eq!(due.households[1].rules, "defaults");
    let all = c
        .households_due(None, "2026-12-02", "Asia/Shanghai")
        .unwrap();
    assert_eq!(all.households.len(), 3);
    assert!(all
        .households
        .iter()
        .any(|h| h.document_id == other.to_string()));
    let today = all
        .households
        .iter()
        .find(|h| h.document_id == alone.to_string())
        .unwrap();
    assert_eq!(today.state, FollowUpState::Today);
    assert!(
        invalid(c.households_due(Some("c01//g1"), "2026-12-02", "Asia/Shanghai")).contains("--org")
    );
}

#[tokio::test]
async fn a_request_from_opening_to_closing() {
    let mut p = phone().await;
    let c = &mut p.client;
    log_in(c, "worker-1", "worker").await;
    let (house, _) = c
        .create_household(GRID, "幸福路 8号", Some("钱多"))
        .await
        .unwrap();
    let open = |category: &str, urgency: &str| NewRequest {
        household: house.to_string(),
        category: category.into(),
        description: "独居老人需要助餐".into(),
        urgency: urgency.into(),
        by: "worker-1".into(),
    };
    assert!(invalid(c.open_request(&open("养老", "")).await)
        .contains("--category must be one of elderly"));
    assert!(invalid(c.open_request(&open("elderly", "asap")).await)
        .contains("--urgency must be one of normal, urgent"));
    let id = c.open_request(&open("elderly", "urgent")).await.unwrap();
    let r = request(c, &id);
    assert_eq!(
        (r.org.as_str(), r.status.as_str(), r.urgency.as_str()),
        (GRID, "open", "urgent")
    );
    assert_eq!(r.household.as_deref(), Some(house.to_string().as_str()));
    assert_eq!(r.assignee.as_deref(), Some(""));
    assert_eq!(r.log.len(), 1);
    assert_eq!(r.log[0].status.as_deref(), Some("open"));

    // Assigning is a supervisor's.
    let assignment = Assignment {
        to: "vol-1".into(),
        kind: "volunteer".into(),
        due: None,
        by: "sup-1".into(),
    };
    assert!(invalid(c.assign_request(&id, &assignment).await).contains("supervisor's step"));
    log_in(c, "sup-1", "supervisor").await;
    let bad_kind = Assignment {
        kind: "team".into(),
        ..assignment.clone()
    };
    assert!(invalid(c.assign_request(&id, &bad_kind).await)
        .contains("--kind must be one of worker, volunteer, organization"));
    let due = c.assign_request(&id, &assignment).await.unwrap();
    let opened = linli_sync_core::calendar::local_date(&r.log[0].at, "Asia/Shanghai").unwrap();
    assert_eq!(
        due,
        linli_sync_core::calendar::add_days(&opened, 1).unwrap(),
        "urgent: one day"
    );

    // The volunteer it is assigned to works on it; another volunteer may not.
    log_in(c, "vol-2", "volunteer").await;
    let note = RequestUpdate {
        note: Some("上门了解情况".into()),
        status: Some("in_progress".into()),
        by: "vol-2".into(),
        ..RequestUpdate::default()
    };
    assert!(invalid(c.update_request(&id, &note).await).contains("not assigned to you"));
    log_in(c, "vol-1", "volunteer").await;
    assert!(c.requests(Some("vol-1"), &opened).unwrap().len() == 1);
    assert!(c.requests(Some("vol-2"), &opened).unwrap().is_empty());
    let bad_status = RequestUpdate {
        status: Some("closed".into()),
        ..RequestUpdate::default()
    };
    assert!(invalid(c.update_request(&id, &bad_status).await)
        .contains("--status must be one of in_progress, resolved"));
    assert!(
        invalid(c.update_request(&id, &RequestUpdate::default()).await)
            .contains("nothing to change")
    );
    c.update_request(&id, &note).await.unwrap();
    // Satisfaction is asked when the request is finished, and not by a volunteer.
    assert!(
        invalid(c.record_satisfaction(&id, "satisfied", "vol-1").await).contains("grid worker")
    );
    let resolved = RequestUpdate {
        status: Some("resolved".into()),
        outcome: Some("已安排每日送餐".into()),
        by: "vol-1".into(),
        ..RequestUpdate::default()
    };
    c.update_request(&id, &resolved).await.unwrap();
    let r = request(c, &id);
    assert_eq!(
        (r.status.as_str(), r.outcome.as_str()),
        ("resolved", "已安排每日送餐")
    );

    log_in(c, "worker-1", "worker").await;
    assert!(
        invalid(c.record_satisfaction(&id, "happy", "worker-1").await)
            .contains("--value must be one of satisfied")
    );
    c.record_satisfaction(&id, "basically_satisfied", "worker-1")
        .await
        .unwrap();
    assert!(invalid(c.close_request(&id, None, "worker-1").await).contains("supervisor's step"));
    log_in(c, "sup-1", "supervisor").await;
    c.close_request(&id, None, "sup-1").await.unwrap();
    let r = request(c, &id);
    assert_eq!(
        (r.status.as_str(), r.satisfaction.as_str()),
        ("closed", "basically_satisfied")
    );
    let states: Vec<_> = r
        .log
        .iter()
        .map(|l| l.status.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        states,
        ["open", "assigned", "in_progress", "resolved", "", "closed"]
    );
    assert_eq!(r.log[4].text, "satisfaction: basically_satisfied");
    assert!(invalid(c.close_request(&id, None, "sup-1").await).contains("closed already"));

    // Overdue: past its due day and not finished.
    let listed = c.requests(None, "2099-01-01").unwrap();
    assert!(!listed[0].overdue, "closed is never overdue");
}

#[tokio::test]
async fn an_open_request_past_its_due_day_is_overdue_and_listed_first() {
    let mut p = phone().await;
    let c = &mut p.client;
    let (house, _) = c
        .create_household(GRID, "幸福路 9号", Some("孙"))
        .await
        .unwrap();
    let new = |category: &str| NewRequest {
        household: house.to_string(),
        category: category.into(),
        description: "需要帮助".into(),
        by: "w".into(),
        ..NewRequest::default()
    };
    let later = c.open_request(&new("housing")).await.unwrap();
    let sooner = c.open_request(&new("safety")).await.unwrap();
    for (id, due) in [(&later, "2026-12-20"), (&sooner, "2026-12-01")] {
        let a = Assignment {
            to: "w2".into(),
            kind: "worker".into(),
            due: Some(due.into()),
            by: "sup".into(),
        };
        c.assign_request(id, &a).await.unwrap();
    }
    let rows = c.requests(None, "2026-12-05").unwrap();
    let order: Vec<_> = rows
        .iter()
        .map(|r| (r.document_id.clone(), r.overdue))
        .collect();
    assert_eq!(
        order,
        [(sooner.to_string(), true), (later.to_string(), false)]
    );
    assert_eq!(rows[1].urgency, "normal");
    assert!(invalid(
        c.open_request(&NewRequest {
            household: "nope".into(),
            ..new("other")
        })
        .await
    )
    .contains("--household"));
}
