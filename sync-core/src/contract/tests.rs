use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};

use super::*;

fn volunteer() -> Volunteer {
    Volunteer {
        kind: "volunteer".into(),
        schema: SCHEMA_VERSION,
        org: "c01/s01/m01".into(),
        user: "vol-1".into(),
        name: "张三".into(),
        registered_on: Some("2026-01-05".into()),
        skills: vec!["陪护".into()],
        entries: [(
            "e1".to_string(),
            Entry {
                date: "2026-11-20".into(),
                minutes: 90,
                activity: "探访独居老人".into(),
                category: "elderly".into(),
                source: "self".into(),
                status: "submitted".into(),
                review: None,
            },
        )]
        .into(),
    }
}

#[test]
fn reconciled_record_validates_and_reads_back() {
    let mut doc = AutoCommit::new();
    autosurgeon::reconcile(&mut doc, volunteer()).unwrap();
    let doc = doc.document().clone();
    let root = validate_root(&doc).unwrap();
    assert_eq!(root.kind, Kind::Volunteer);
    assert_eq!(root.org.as_str(), "c01/s01/m01");
    let back: Volunteer = read_record(&doc).unwrap();
    assert_eq!(back, volunteer());
}

#[test]
fn text_objects_and_float_numbers_are_read_like_javascript_writes_them() {
    let mut doc = AutoCommit::new();
    for (key, value) in [
        ("kind", "volunteer"),
        ("org", "c01/s01/m01"),
        ("name", "李四"),
    ] {
        let text = doc.put_object(ROOT, key, ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, value).unwrap();
    }
    doc.put(ROOT, "schema", 1.0_f64).unwrap();
    let entries = doc.put_object(ROOT, "entries", ObjType::Map).unwrap();
    let e = doc.put_object(&entries, "x", ObjType::Map).unwrap();
    doc.put(&e, "minutes", 45.0_f64).unwrap();
    let doc = doc.document().clone();
    assert_eq!(validate_root(&doc).unwrap().kind, Kind::Volunteer);
    let v: Volunteer = read_record(&doc).unwrap();
    assert_eq!(v.name, "李四");
    assert_eq!(v.entries["x"].minutes, 45);
}

#[test]
fn invalid_roots_name_their_fault() {
    let cases: Vec<(Vec<(&str, automerge::ScalarValue)>, ContractError)> = vec![
        (vec![("hello", "world".into())], ContractError::MissingKind),
        (
            vec![("kind", "spaceship".into())],
            ContractError::UnknownKind,
        ),
        (
            vec![("kind", "volunteer".into()), ("schema", 2.into())],
            ContractError::BadSchema,
        ),
        (
            vec![("kind", "volunteer".into()), ("schema", 1.into())],
            ContractError::MissingOrg,
        ),
        (
            vec![
                ("kind", "household".into()),
                ("schema", 1.into()),
                ("org", "c01/s01/m01".into()),
            ],
            ContractError::OrgDepth {
                kind: "household",
                expected: &[4],
                actual: 3,
            },
        ),
    ];
    for (fields, expected) in cases {
        let mut doc = AutoCommit::new();
        for (k, v) in fields {
            doc.put(ROOT, k, v).unwrap();
        }
        assert_eq!(validate_root(doc.document()), Err(expected));
    }
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "kind", "volunteer").unwrap();
    doc.put(ROOT, "schema", 1).unwrap();
    doc.put(ROOT, "org", "c01//m01").unwrap();
    assert!(matches!(
        validate_root(doc.document()),
        Err(ContractError::BadOrg(_))
    ));
}
