//! Server edits ([`ServerEdit`]) as the document's actor applies them: one that fits the
//! document becomes one change by the deciding person, bound to them; one that does not fit
//! (wrong kind of record, a field changed since it was seen, a document not stored) is refused
//! and writes nothing.

use linli_sync_core::access::{Principal, Role};
use linli_sync_core::automerge::ActorId;
use linli_sync_core::conflicts::{ConflictValue, ResolveError};
use linli_sync_core::contract::OrgPath;
use linli_sync_core::doc_sync::{DocumentSync, Pending};
use linli_sync_core::review::{Decision, ReviewError};
use linli_sync_core::server_edit::{EditError, ReviewTarget, ServerEdit};

fn volunteer() -> DocumentSync {
    crate::two_writers::node(&crate::two_writers::base())
}

fn supervisor() -> Principal {
    Principal {
        user: "sup-1".into(),
        role: Role::Supervisor,
        org: OrgPath::parse("c01/s01/m01").unwrap(),
        device: "desk".into(),
        extra_read: Vec::new(),
    }
}

fn decision(status: &str) -> Decision {
    Decision {
        status: status.into(),
        note: String::new(),
        by: "sup-1".into(),
        at: "2026-12-02T09:00:00Z".into(),
    }
}

const SUPERVISOR_ACTOR: [u8; 16] = [5; 16];

#[test]
fn a_review_that_fits_is_one_change_bound_to_the_supervisor() {
    let mut doc = volunteer();
    let edit = ServerEdit::Review {
        target: ReviewTarget::Entries(vec!["e1".into()]),
        decision: decision("approved"),
    };
    let actor = ActorId::from(SUPERVISOR_ACTOR);
    doc.apply_server_edit(&edit, &actor, &supervisor(), 1_700_000_000)
        .expect("the review fits a volunteer document");
    let Pending::Commit(commit) = doc.take_commit() else {
        panic!("the review is to be committed");
    };
    assert_eq!(commit.changes.len(), 1);
    assert_eq!(commit.changes[0].actor_id(), &actor);
    assert_eq!(commit.bindings.len(), 1);
    assert_eq!(commit.bindings[0].1.user, "sup-1");
}

#[test]
fn edits_that_do_not_fit_write_nothing() {
    let mut doc = volunteer();
    let heads = doc.doc().get_heads();
    let actor = ActorId::from(SUPERVISOR_ACTOR);
    let refused = [
        // A household decision on a volunteer's record.
        ServerEdit::Review {
            target: ReviewTarget::Household,
            decision: decision("approved"),
        },
        // A merge step on a volunteer's record.
        ServerEdit::Merge(linli_sync_core::server_edit::MergeStep::Mark(None)),
        // A decision this record does not know.
        ServerEdit::Review {
            target: ReviewTarget::Entries(vec!["e1".into()]),
            decision: decision("merged"),
        },
        // A conflict settled on values the field no longer holds.
        ServerEdit::Resolve {
            path: vec!["name".into()],
            value: serde_json::json!("新名字"),
            seen: vec![ConflictValue {
                value: serde_json::json!("另一个名字"),
                actor: "01".repeat(16),
                time: 0,
            }],
        },
    ];
    for edit in &refused {
        let err = doc
            .apply_server_edit(edit, &actor, &supervisor(), 1_700_000_000)
            .expect_err("refused");
        match (edit, &err) {
            (ServerEdit::Resolve { .. }, EditError::Resolve(ResolveError::Changed(now))) => {
                assert_eq!(now.len(), 1, "the value the field holds: {now:?}");
            }
            (ServerEdit::Resolve { .. }, other) => panic!("expected Changed, got {other:?}"),
            (_, EditError::Review(ReviewError::BadDecision(_))) => {}
            (_, other) => panic!("expected BadDecision, got {other:?}"),
        }
        assert_eq!(doc.doc().get_heads(), heads, "{edit:?} wrote nothing");
    }
    assert!(matches!(doc.take_commit(), Pending::Nothing));
}

#[test]
fn writes_are_not_accepted_into_a_document_not_stored() {
    let mut doc = DocumentSync::tentative(ActorId::from(vec![9; 16]));
    let edit = ServerEdit::Accept {
        writes: vec![(vec!["name".into()], serde_json::json!("名字"))],
    };
    let err = doc
        .apply_server_edit(&edit, &ActorId::from(SUPERVISOR_ACTOR), &supervisor(), 0)
        .expect_err("nothing to write into");
    assert!(matches!(
        err,
        EditError::Resolve(ResolveError::NoSuchField(_))
    ));
    assert!(doc.doc().get_heads().is_empty());
}

/// The volunteer who owns the base record, on their phone.
fn volunteer_on_phone() -> Principal {
    Principal {
        user: "vol-1".into(),
        role: Role::Volunteer,
        org: OrgPath::parse("c01/s01/m01").unwrap(),
        device: "phone".into(),
        extra_read: Vec::new(),
    }
}

/// Changes made on the phone on top of `doc` by `actor`, as handed over (concatenated).
fn handed_over(
    doc: &linli_sync_core::automerge::Automerge,
    actor: u8,
    edit: impl FnOnce(&mut linli_sync_core::automerge::transaction::Transaction<'_>),
) -> Vec<u8> {
    let mut phone = doc.fork().with_actor(ActorId::from(vec![actor; 16]));
    let before = phone.get_heads();
    let mut tx = phone.transaction();
    edit(&mut tx);
    tx.commit();
    phone
        .get_changes(&before)
        .iter()
        .flat_map(|c| c.raw_bytes().to_vec())
        .collect()
}

#[test]
fn handed_over_changes_are_delivered_as_their_author_made_them() {
    use linli_sync_core::automerge::transaction::Transactable;
    use linli_sync_core::automerge::{ReadDoc, ROOT};
    let base = crate::two_writers::base();
    let mut doc = volunteer();
    let changes = handed_over(&base, 3, |tx| {
        tx.put(ROOT, "name", "新名字").unwrap();
    });
    let edit = ServerEdit::Deliver {
        changes,
        author: volunteer_on_phone(),
    };
    doc.apply_server_edit(
        &edit,
        &ActorId::from(SUPERVISOR_ACTOR),
        &supervisor(),
        1_700_000_000,
    )
    .expect("the owner may write their phone number");
    let Pending::Commit(commit) = doc.take_commit() else {
        panic!("delivered changes are committed");
    };
    assert_eq!(commit.changes.len(), 1);
    assert_eq!(
        commit.changes[0].actor_id(),
        &ActorId::from(vec![3; 16]),
        "the author's own change"
    );
    assert_eq!(commit.bindings.len(), 1);
    assert_eq!(
        commit.bindings[0].1.device, "phone",
        "bound to the author's device"
    );
    let name = doc.doc().get(ROOT, "name").unwrap().unwrap().0;
    assert_eq!(name.to_string(), "\"新名字\"", "{name:?}");
}

#[test]
fn handed_over_changes_the_author_may_not_make_are_refused_whole() {
    use linli_sync_core::automerge::transaction::Transactable;
    use linli_sync_core::automerge::{ReadDoc, ROOT};
    let base = crate::two_writers::base();
    let mut doc = volunteer();
    let heads = doc.doc().get_heads();
    // A volunteer approving their own hours, and changes built on something the server lacks.
    let self_approval = handed_over(&base, 3, |tx| {
        let entries = tx.get(ROOT, "entries").unwrap().unwrap().1;
        let entry = tx.get(&entries, "e1").unwrap().unwrap().1;
        tx.put(&entry, "status", "approved").unwrap();
    });
    let unknown_base = {
        let mut other = base.fork().with_actor(ActorId::from(vec![4; 16]));
        let mut tx = other.transaction();
        tx.put(ROOT, "name", "别的名字").unwrap();
        tx.commit();
        handed_over(&other, 4, |tx| {
            tx.put(ROOT, "name", "又一个名字").unwrap();
        })
    };
    for (what, changes) in [
        ("self-approval", self_approval),
        ("unknown base", unknown_base),
        ("garbage", b"not an automerge change".to_vec()),
    ] {
        let edit = ServerEdit::Deliver {
            changes,
            author: volunteer_on_phone(),
        };
        let err = doc
            .apply_server_edit(
                &edit,
                &ActorId::from(SUPERVISOR_ACTOR),
                &supervisor(),
                1_700_000_000,
            )
            .expect_err(what);
        assert!(matches!(err, EditError::Deliver(_)), "{what}: {err:?}");
        assert_eq!(doc.doc().get_heads(), heads, "{what}: nothing of it stays");
    }
    assert!(matches!(doc.take_commit(), Pending::Nothing));
}

#[test]
fn only_households_move_and_never_where_they_are() {
    let mut doc = volunteer();
    let edit = ServerEdit::Move {
        to: OrgPath::parse("c01/s01/m02").unwrap(),
        reason: "搬家".into(),
        on: "2026-11-30".into(),
    };
    let err = doc
        .apply_server_edit(&edit, &ActorId::from(SUPERVISOR_ACTOR), &supervisor(), 0)
        .expect_err("a volunteer's record does not move");
    assert!(matches!(err, EditError::Move(_)), "{err:?}");
    assert!(matches!(doc.take_commit(), Pending::Nothing));
}
