//! The access policy, exhaustively: every role × document kind × path × operation, against an
//! expected table written out by hand from docs/design.md; plus read scope, creation, and the
//! compensation that undoes refused writes.

use std::collections::BTreeMap;

use linli_sync_core::access::{
    self, can_read, check_changes, check_create, compensate, Principal, Role,
};
use linli_sync_core::automerge::{
    transaction::Transactable, ActorId, Automerge, ObjType, ReadDoc, ScalarValue, ROOT,
};
use linli_sync_core::contract::{
    read_record, to_json, Community, Entry, Household, Kind, Member, OrgPath, Request, RootInfo,
    Visit, Volunteer, SCHEMA_VERSION,
};

const GRID: &str = "c01/s01/m01/g01";
const COMMUNITY: &str = "c01/s01/m01";

fn principal(role: Role) -> Principal {
    Principal {
        user: "vol-1".into(),
        role,
        org: OrgPath::parse(match role {
            Role::Worker => GRID,
            Role::Volunteer => COMMUNITY,
            Role::Supervisor => "c01/s01",
            Role::Admin => "c01",
        })
        .unwrap(),
        device: "dev-1".into(),
        extra_read: Vec::new(),
    }
}

fn entry(status: &str) -> Entry {
    Entry {
        date: "2026-11-20".into(),
        minutes: 60,
        activity: "助餐".into(),
        category: "elderly".into(),
        source: "self".into(),
        status: status.into(),
        review: None,
    }
}

fn build<T: linli_sync_core::autosurgeon::Reconcile>(record: &T) -> Automerge {
    let mut doc = Automerge::new();
    doc.set_actor(ActorId::from(vec![1u8; 16]));
    let mut tx = doc.transaction();
    linli_sync_core::autosurgeon::reconcile(&mut tx, record).unwrap();
    tx.commit();
    doc
}

fn base(kind: Kind) -> Automerge {
    match kind {
        Kind::Household => build(&Household {
            kind: "household".into(),
            schema: SCHEMA_VERSION,
            org: GRID.into(),
            address: "幸福社区 1栋101室".into(),
            members: BTreeMap::from([(
                "m1".to_string(),
                Member {
                    name: "张三".into(),
                    birth_year: Some(1950),
                    relation: "head".into(),
                    ..Member::default()
                },
            )]),
            visits: vec![Visit {
                id: "v1".into(),
                at: "2026-11-01T09:00:00Z".into(),
                ..Visit::default()
            }],
            tag_changes: BTreeMap::from([(
                "c1".to_string(),
                linli_sync_core::contract::TagChange {
                    tag: "dibao".into(),
                    on: "2026-10-01".into(),
                    set: true,
                    by: "worker-1".into(),
                },
            )]),
            review: Some(linli_sync_core::contract::Review {
                status: "has_issues".into(),
                note: "请核对".into(),
                by: "sup".into(),
                at: "2026-11-02T09:00:00Z".into(),
            }),
            ..Household::default()
        }),
        Kind::Volunteer => build(&Volunteer {
            kind: "volunteer".into(),
            schema: SCHEMA_VERSION,
            org: COMMUNITY.into(),
            user: "vol-1".into(),
            name: "李四".into(),
            registered_on: Some("2026-01-05".into()),
            skills: vec!["陪护".into()],
            entries: BTreeMap::from([
                ("e1".to_string(), entry("submitted")),
                ("e2".to_string(), entry("has_issues")),
                ("a1".to_string(), entry("approved")),
                (
                    "c1".to_string(),
                    Entry {
                        source: "checkin".into(),
                        ..entry("submitted")
                    },
                ),
            ]),
        }),
        Kind::Request => build(&Request {
            kind: "request".into(),
            schema: SCHEMA_VERSION,
            org: GRID.into(),
            category: "就业".into(),
            description: "需要就业帮扶".into(),
            status: "open".into(),
            ..Request::default()
        }),
        Kind::Community => build(&Community {
            kind: "community".into(),
            schema: SCHEMA_VERSION,
            org: COMMUNITY.into(),
            name: "幸福社区".into(),
            residents: 900,
            ..Community::default()
        }),
    }
}

/// One operation on a document, applied as a second actor.
type Op = fn(&mut linli_sync_core::automerge::transaction::Transaction<'_>);

fn obj(
    tx: &linli_sync_core::automerge::transaction::Transaction<'_>,
    path: &[&str],
) -> linli_sync_core::automerge::ObjId {
    let mut o = ROOT;
    for seg in path {
        o = tx.get(&o, *seg).unwrap().unwrap().1;
    }
    o
}

fn put(
    path: &'static [&'static str],
    key: &'static str,
    value: &'static str,
) -> impl Fn(&mut linli_sync_core::automerge::transaction::Transaction<'_>) {
    move |tx| {
        let o = obj(tx, path);
        tx.put(&o, key, value).unwrap();
    }
}

/// Expected answers for [worker, volunteer, supervisor, admin]; `Y` = allowed.
struct Case {
    kind: Kind,
    what: &'static str,
    op: Box<dyn Fn(&mut linli_sync_core::automerge::transaction::Transaction<'_>)>,
    expected: &'static str,
}

fn case(
    kind: Kind,
    what: &'static str,
    expected: &'static str,
    op: impl Fn(&mut linli_sync_core::automerge::transaction::Transaction<'_>) + 'static,
) -> Case {
    Case {
        kind,
        what,
        op: Box::new(op),
        expected,
    }
}

fn new_entry(
    status: &'static str,
) -> impl Fn(&mut linli_sync_core::automerge::transaction::Transaction<'_>) {
    move |tx| {
        let entries = obj(tx, &["entries"]);
        let e = tx.put_object(&entries, "new", ObjType::Map).unwrap();
        tx.put(&e, "date", "2026-11-25").unwrap();
        tx.put(&e, "minutes", 30).unwrap();
        tx.put(&e, "status", status).unwrap();
    }
}

fn cases() -> Vec<Case> {
    use Kind::*;
    let _: Option<Op> = None;
    vec![
        //                                         W V S A
        case(Household, "address", "YNNN", put(&[], "address", "新地址")),
        case(Household, "tags", "YNNN", |tx| {
            let tags = obj(tx, &["tags"]);
            tx.put(&tags, "dibao", true).unwrap();
        }),
        case(
            Household,
            "member name",
            "YNNN",
            put(&["members", "m1"], "name", "张叁"),
        ),
        case(Household, "member birth year", "YNNN", |tx| {
            let m = obj(tx, &["members", "m1"]);
            tx.put(&m, "birth_year", 1951).unwrap();
        }),
        case(Household, "new member", "YNNN", |tx| {
            let ms = obj(tx, &["members"]);
            let m = tx.put_object(&ms, "m2", ObjType::Map).unwrap();
            tx.put(&m, "name", "王五").unwrap();
        }),
        case(Household, "log a visit", "YNNN", |tx| {
            let v = obj(tx, &["visits"]);
            let new = tx.insert_object(&v, 1, ObjType::Map).unwrap();
            tx.put(&new, "id", "v2").unwrap();
        }),
        case(Household, "record a tag change", "YNNN", |tx| {
            let changes = obj(tx, &["tag_changes"]);
            let c = tx.put_object(&changes, "c2", ObjType::Map).unwrap();
            tx.put(&c, "tag", "living_alone").unwrap();
            tx.put(&c, "on", "2026-11-30").unwrap();
            tx.put(&c, "set", true).unwrap();
        }),
        case(
            Household,
            "edit a recorded tag change",
            "NNNN",
            put(&["tag_changes", "c1"], "on", "2026-09-01"),
        ),
        case(Household, "delete a recorded tag change", "NNNN", |tx| {
            let changes = obj(tx, &["tag_changes"]);
            tx.delete(&changes, "c1").unwrap();
        }),
        case(Household, "member disability", "YNNN", |tx| {
            let m = obj(tx, &["members", "m1"]);
            let d = tx.put_object(&m, "disability", ObjType::Map).unwrap();
            tx.put(&d, "kind", "physical").unwrap();
            tx.put(&d, "grade", 2).unwrap();
        }),
        case(Household, "a visit's location", "YNNN", |tx| {
            let v = obj(tx, &["visits"]);
            let first = tx.get(&v, 0).unwrap().unwrap().1;
            let l = tx.put_object(&first, "location", ObjType::Map).unwrap();
            tx.put(&l, "lat", 31.23).unwrap();
            tx.put(&l, "lon", 121.47).unwrap();
        }),
        case(Household, "review a visit", "NNYN", |tx| {
            let v = obj(tx, &["visits"]);
            let first = tx.get(&v, 0).unwrap().unwrap().1;
            let r = tx.put_object(&first, "review", ObjType::Map).unwrap();
            tx.put(&r, "status", "approved").unwrap();
        }),
        case(Household, "edit a visit's notes", "YNNN", |tx| {
            let v = obj(tx, &["visits"]);
            let first = tx.get(&v, 0).unwrap().unwrap().1;
            tx.put(&first, "notes", "补充记录").unwrap();
        }),
        case(Household, "resubmit a sent-back household", "YNYN", |tx| {
            let r = obj(tx, &["review"]);
            tx.put(&r, "status", "received").unwrap();
        }),
        case(Household, "approve own household", "NNYN", |tx| {
            let r = obj(tx, &["review"]);
            tx.put(&r, "status", "approved").unwrap();
        }),
        case(Household, "review", "NNYN", |tx| {
            let r = tx.put_object(ROOT, "review", ObjType::Map).unwrap();
            tx.put(&r, "status", "approved").unwrap();
        }),
        case(
            Household,
            "merged_into",
            "NNYN",
            put(&[], "merged_into", "other"),
        ),
        case(Household, "org", "NNNN", put(&[], "org", "c01/s01/m01/g02")),
        case(Household, "kind", "NNNN", put(&[], "kind", "request")),
        case(Household, "schema", "NNNN", |tx| {
            tx.put(ROOT, "schema", 2).unwrap()
        }),
        case(Volunteer, "name", "NYNN", put(&[], "name", "李肆")),
        case(Volunteer, "skills", "NYNN", |tx| {
            let s = obj(tx, &["skills"]);
            tx.insert(&s, 1, "助餐").unwrap();
        }),
        case(Volunteer, "minutes of a submitted entry", "NYNN", |tx| {
            let e = obj(tx, &["entries", "e1"]);
            tx.put(&e, "minutes", 90).unwrap();
        }),
        case(Volunteer, "minutes of an approved entry", "NNNN", |tx| {
            let e = obj(tx, &["entries", "a1"]);
            tx.put(&e, "minutes", 600).unwrap();
        }),
        case(
            Volunteer,
            "approve an entry",
            "NNYN",
            put(&["entries", "e1"], "status", "approved"),
        ),
        case(
            Volunteer,
            "reject an entry",
            "NNYN",
            put(&["entries", "e1"], "status", "rejected"),
        ),
        case(
            Volunteer,
            "resubmit a sent-back entry",
            "NYYN",
            put(&["entries", "e2"], "status", "submitted"),
        ),
        case(Volunteer, "review note", "NNYN", |tx| {
            let e = obj(tx, &["entries", "e1"]);
            let r = tx.put_object(&e, "review", ObjType::Map).unwrap();
            tx.put(&r, "note", "请补充").unwrap();
        }),
        case(Volunteer, "log new hours", "NYYN", new_entry("submitted")),
        case(
            Volunteer,
            "log new hours as approved",
            "NNYN",
            new_entry("approved"),
        ),
        // Check-in hours come from the organiser's signed codes, credited by the server:
        // a volunteer neither claims them nor changes them.
        case(Volunteer, "log new hours as a check-in", "NNYN", |tx| {
            new_entry("submitted")(tx);
            put(&["entries", "new"], "source", "checkin")(tx);
        }),
        case(Volunteer, "minutes of a checked-in entry", "NNNN", |tx| {
            let e = obj(tx, &["entries", "c1"]);
            tx.put(&e, "minutes", 90).unwrap();
        }),
        case(
            Volunteer,
            "a self-declared entry turned into a check-in",
            "NNNN",
            put(&["entries", "e1"], "source", "checkin"),
        ),
        case(Volunteer, "delete a checked-in entry", "NNNN", |tx| {
            let e = obj(tx, &["entries"]);
            tx.delete(&e, "c1").unwrap();
        }),
        case(Volunteer, "delete a submitted entry", "NYNN", |tx| {
            let e = obj(tx, &["entries"]);
            tx.delete(&e, "e1").unwrap();
        }),
        case(Volunteer, "delete an approved entry", "NNNN", |tx| {
            let e = obj(tx, &["entries"]);
            tx.delete(&e, "a1").unwrap();
        }),
        case(Volunteer, "user", "NNNN", put(&[], "user", "vol-2")),
        case(Volunteer, "org", "NNNN", put(&[], "org", "c01/s01/m02")),
        case(
            Request,
            "mark resolved",
            "YNYN",
            put(&[], "status", "resolved"),
        ),
        case(Request, "close", "NNYN", put(&[], "status", "closed")),
        case(
            Request,
            "mark in progress",
            "YNYN",
            put(&[], "status", "in_progress"),
        ),
        case(Request, "urgency", "YNYN", put(&[], "urgency", "urgent")),
        case(
            Request,
            "outcome",
            "YNYN",
            put(&[], "outcome", "已安排助餐"),
        ),
        case(Request, "due date", "NNYN", put(&[], "due", "2026-12-05")),
        case(
            Request,
            "assignee kind",
            "NNYN",
            put(&[], "assignee_kind", "volunteer"),
        ),
        case(Request, "assign", "NNYN", put(&[], "assignee", "worker-2")),
        case(
            Request,
            "description",
            "YNNN",
            put(&[], "description", "改"),
        ),
        case(Request, "append to log", "YNYN", |tx| {
            let l = tx.put_object(ROOT, "log", ObjType::List).unwrap();
            let item = tx.insert_object(&l, 0, ObjType::Map).unwrap();
            tx.put(&item, "text", "已联系").unwrap();
        }),
        case(Request, "org", "NNNN", put(&[], "org", "c01/s01/m01/g02")),
        case(Community, "name", "NNYN", put(&[], "name", "和谐社区")),
        case(Community, "residents", "NNYN", |tx| {
            tx.put(ROOT, "residents", 950).unwrap()
        }),
        case(Community, "facility", "NNYN", |tx| {
            let f = tx.put_object(ROOT, "facilities", ObjType::Map).unwrap();
            let x = tx.put_object(&f, "f1", ObjType::Map).unwrap();
            tx.put(&x, "name", "图书阅览室").unwrap();
        }),
        case(Community, "organization", "NNYN", |tx| {
            let f = tx.put_object(ROOT, "organizations", ObjType::Map).unwrap();
            let x = tx.put_object(&f, "o1", ObjType::Map).unwrap();
            tx.put(&x, "name", "老年协会").unwrap();
        }),
        case(Community, "follow-up rule", "NNYN", |tx| {
            let rules = obj(tx, &["follow_up_rules"]);
            tx.put(&rules, "living_alone", 3).unwrap();
        }),
        case(Community, "org", "NNNN", put(&[], "org", "c01/s01/m02")),
    ]
}

#[test]
fn every_role_kind_path_and_operation_is_decided_as_designed() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for c in cases() {
        for (role, expected) in Role::ALL.iter().zip(c.expected.chars()) {
            let mut doc = base(c.kind);
            let before = doc.get_heads();
            doc.set_actor(ActorId::from(vec![2u8; 16]));
            let mut tx = doc.transaction();
            (c.op)(&mut tx);
            tx.commit();
            assert_ne!(
                doc.get_heads(),
                before,
                "{}: the operation changed nothing",
                c.what
            );
            let refused = check_changes(&principal(*role), c.kind, &doc, &before);
            let allowed = refused.is_empty();
            checked += 1;
            if allowed != (expected == 'Y') {
                wrong.push(format!(
                    "{} {:?} `{}`: expected {}, got {} {:?}",
                    role,
                    c.kind,
                    c.what,
                    expected,
                    if allowed { "allowed" } else { "refused" },
                    refused
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} decisions differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(checked, cases().len() * 4);
}

fn root(kind: Kind, org: &str) -> RootInfo {
    RootInfo {
        kind,
        org: OrgPath::parse(org).unwrap(),
    }
}

#[test]
fn read_scope_by_role() {
    let grid_a = root(Kind::Household, GRID);
    let grid_b = root(Kind::Household, "c01/s01/m01/g02");
    let other_street = root(Kind::Household, "c01/s02/m01/g01");
    let worker = principal(Role::Worker);
    assert!(can_read(&worker, &grid_a, None));
    assert!(!can_read(&worker, &grid_b, None));
    let supervisor = principal(Role::Supervisor);
    assert!(can_read(&supervisor, &grid_b, None));
    assert!(!can_read(&supervisor, &other_street, None));
    let mut glass = supervisor.clone();
    glass.extra_read.push(OrgPath::parse("c01/s02").unwrap());
    assert!(can_read(&glass, &other_street, None));
    let volunteer = principal(Role::Volunteer);
    let vol_doc = root(Kind::Volunteer, COMMUNITY);
    assert!(can_read(&volunteer, &vol_doc, Some("vol-1")));
    assert!(
        !can_read(&volunteer, &vol_doc, Some("vol-2")),
        "another volunteer's document"
    );
    assert!(!can_read(&volunteer, &grid_a, None), "no household");
    let community = root(Kind::Community, COMMUNITY);
    assert!(
        can_read(&worker, &community, None),
        "a worker reads the community's record (its follow-up rules)"
    );
    assert!(!can_read(
        &worker,
        &root(Kind::Community, "c01/s01/m02"),
        None
    ));
    assert!(!can_read(&volunteer, &community, None));
    assert!(can_read(&principal(Role::Admin), &other_street, None));
}

#[test]
fn creation_by_role_kind_and_scope() {
    let worker = principal(Role::Worker);
    assert!(check_create(&worker, &root(Kind::Household, GRID), None).is_ok());
    assert!(check_create(&worker, &root(Kind::Household, "c01/s01/m01/g02"), None).is_err());
    assert!(check_create(&worker, &root(Kind::Volunteer, COMMUNITY), Some("vol-1")).is_err());
    let volunteer = principal(Role::Volunteer);
    assert!(check_create(&volunteer, &root(Kind::Volunteer, COMMUNITY), Some("vol-1")).is_ok());
    assert_eq!(
        check_create(&volunteer, &root(Kind::Volunteer, COMMUNITY), Some("vol-2")),
        Err(access::Violation::NotOwner)
    );
    assert!(check_create(&volunteer, &root(Kind::Household, GRID), None).is_err());
    assert!(check_create(
        &principal(Role::Admin),
        &root(Kind::Community, COMMUNITY),
        None
    )
    .is_err());
    assert!(check_create(
        &principal(Role::Supervisor),
        &root(Kind::Community, COMMUNITY),
        None
    )
    .is_ok());
}

/// A volunteer approves their own entry and logs new hours in the same change; compensation
/// undoes exactly the approval, and the document then reads as if it had never happened.
#[test]
fn compensation_restores_refused_values_and_keeps_allowed_ones() {
    let mut doc = base(Kind::Volunteer);
    let before = doc.get_heads();
    doc.set_actor(ActorId::from(vec![3u8; 16]));
    let mut tx = doc.transaction();
    let e1 = obj(&tx, &["entries", "e1"]);
    tx.put(&e1, "status", "approved").unwrap();
    let review = tx.put_object(&e1, "review", ObjType::Map).unwrap();
    tx.put(&review, "by", "vol-1").unwrap();
    let entries = obj(&tx, &["entries"]);
    let fresh = tx.put_object(&entries, "fresh", ObjType::Map).unwrap();
    tx.put(&fresh, "minutes", 45).unwrap();
    tx.put(&fresh, "status", "submitted").unwrap();
    tx.commit();

    let volunteer = principal(Role::Volunteer);
    let refused = check_changes(&volunteer, Kind::Volunteer, &doc, &before);
    let paths: Vec<String> = refused.iter().map(|(w, _)| w.path_string()).collect();
    assert!(
        paths.contains(&"entries/e1/status".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.iter().all(|p| p.starts_with("entries/e1")),
        "{paths:?}"
    );

    let writes: Vec<_> = refused.into_iter().map(|(w, _)| w).collect();
    let server = ActorId::from(vec![9u8; 16]);
    compensate(&mut doc, &before, &writes, &server, 1_764_000_000_000)
        .expect("a compensating change");
    let v: Volunteer = read_record(&doc).unwrap();
    assert_eq!(v.entries["e1"].status, "submitted");
    assert_eq!(v.entries["e1"].review, None);
    assert_eq!(v.entries["fresh"].minutes, 45, "the allowed part stays");
    // The refused entry reads exactly as before.
    let was = doc.fork_at(&before).unwrap();
    assert_eq!(
        to_json(&doc)["entries"]["e1"],
        to_json(&was)["entries"]["e1"]
    );
    // The refused change is kept in history.
    assert!(doc.get_changes(&before).len() == 2);
    let status_ops = doc
        .get_all(obj_now(&doc, &["entries", "e1"]), "status")
        .unwrap();
    assert_eq!(status_ops.len(), 1);
    assert_eq!(
        status_ops[0].0.as_scalar(),
        Some(&ScalarValue::Str("submitted".into()))
    );
}

fn obj_now(doc: &Automerge, path: &[&str]) -> linli_sync_core::automerge::ObjId {
    let mut o = ROOT;
    for seg in path {
        o = doc.get(&o, *seg).unwrap().unwrap().1;
    }
    o
}

/// Undoing a new object removes it; undoing a changed text restores the text.
#[test]
fn compensation_removes_new_objects_and_restores_text() {
    let mut doc = base(Kind::Household);
    let before = doc.get_heads();
    doc.set_actor(ActorId::from(vec![4u8; 16]));
    let mut tx = doc.transaction();
    let review = tx.put_object(ROOT, "review", ObjType::Map).unwrap();
    tx.put(&review, "status", "approved").unwrap();
    let text = tx.put_object(ROOT, "org", ObjType::Text).unwrap();
    tx.splice_text(&text, 0, 0, "c09/s09/m09/g09").unwrap();
    tx.commit();
    let worker = principal(Role::Worker);
    let refused: Vec<_> = check_changes(&worker, Kind::Household, &doc, &before)
        .into_iter()
        .map(|(w, _)| w)
        .collect();
    assert!(!refused.is_empty());
    compensate(
        &mut doc,
        &before,
        &refused,
        &ActorId::from(vec![9u8; 16]),
        0,
    )
    .unwrap();
    let h: Household = read_record(&doc).unwrap();
    assert_eq!(
        h.review.unwrap().status,
        "has_issues",
        "the review as it was before"
    );
    assert_eq!(h.org, GRID);
    let was = doc.fork_at(&before).unwrap();
    assert_eq!(to_json(&doc), to_json(&was));
}
