//! `DocumentSync` holding authenticated peers to the policy: forged actors and intrusions into
//! a document someone else is creating.

use linli_sync_core::access::{Principal, Role};
use linli_sync_core::automerge::sync::{self, SyncDoc};
use linli_sync_core::automerge::{ActorId, Automerge};
use linli_sync_core::contract::{OrgPath, Volunteer, SCHEMA_VERSION};
use linli_sync_core::doc_sync::{DocumentSync, Pending, Received};
use linli_sync_core::wire::PeerId;

fn volunteer(user: &str) -> Principal {
    Principal {
        user: user.into(),
        role: Role::Volunteer,
        org: OrgPath::parse("c01/s01/m01").unwrap(),
        device: format!("dev-{user}"),
        extra_read: Vec::new(),
    }
}

fn own_document(user: &str, actor: ActorId) -> Automerge {
    let mut doc = Automerge::new();
    doc.set_actor(actor);
    let mut tx = doc.transaction();
    let record = Volunteer {
        kind: "volunteer".into(),
        schema: SCHEMA_VERSION,
        org: "c01/s01/m01".into(),
        user: user.into(),
        name: "测试".into(),
        ..Volunteer::default()
    };
    linli_sync_core::autosurgeon::reconcile(&mut tx, &record).unwrap();
    tx.commit();
    doc
}

/// Runs the sync protocol between `client` and the server for `peer` until quiet; returns
/// what the server said to each message.
fn exchange(server: &mut DocumentSync, peer: &PeerId, client: &mut Automerge) -> Vec<Received> {
    let mut state = sync::State::new();
    let mut answers = Vec::new();
    for _ in 0..10 {
        let Some(msg) = client.generate_sync_message(&mut state) else {
            break;
        };
        answers.push(server.receive(peer, false, &msg.encode(), 0).unwrap());
        if let Pending::Commit(c) = server.take_commit() {
            server.committed(&c);
        }
        for (to, data) in server.poll_outgoing() {
            if &to == peer {
                client
                    .receive_sync_message(&mut state, sync::Message::decode(&data).unwrap())
                    .unwrap();
            }
        }
    }
    answers
}

#[test]
fn changes_under_the_servers_actor_are_refused_whole() {
    let server_actor = ActorId::from(vec![0xee; 16]);
    let mut server = DocumentSync::tentative(server_actor.clone());
    let peer = PeerId::from("p");
    server.add_peer(peer.clone(), Some(volunteer("vol-a")), None);
    let mut client = own_document("vol-a", server_actor);
    let answers = exchange(&mut server, &peer, &mut client);
    assert!(
        answers
            .iter()
            .any(|a| matches!(a, Received::Refused(r) if r.contains("server's actor"))),
        "{answers:?}"
    );
    assert!(
        server.doc().get_heads().is_empty(),
        "nothing of it was kept in the document"
    );
}

#[test]
fn nobody_else_writes_into_a_document_being_created() {
    let mut server = DocumentSync::tentative(ActorId::from(vec![0xee; 16]));
    let (a, b) = (PeerId::from("a"), PeerId::from("b"));
    server.add_peer(a.clone(), Some(volunteer("vol-a")), None);
    server.add_peer(b.clone(), Some(volunteer("vol-b")), None);
    // vol-a's creation arrives but is not committed yet.
    let doc_a = own_document("vol-a", ActorId::from(vec![1; 16]));
    let mut state = sync::State::new();
    let first = doc_a.generate_sync_message(&mut state).unwrap();
    server
        .receive(&a, false, &first.clone().encode(), 0)
        .unwrap();
    let everything = sync::Message {
        changes: doc_a
            .get_changes(&[])
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect::<Vec<_>>()
            .into(),
        ..first.clone()
    };
    assert_eq!(
        server.receive(&a, false, &everything.encode(), 0).unwrap(),
        Received::Applied
    );
    // vol-b tries to slip a change in before the commit.
    let mut doc_b = doc_a.fork().with_actor(ActorId::from(vec![2; 16]));
    let mut tx = doc_b.transaction();
    linli_sync_core::automerge::transaction::Transactable::put(
        &mut tx,
        linli_sync_core::automerge::ROOT,
        "name",
        "入侵",
    )
    .unwrap();
    tx.commit();
    let sneaky = sync::Message {
        changes: doc_b
            .get_changes(&[])
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect::<Vec<_>>()
            .into(),
        ..first
    };
    assert_eq!(
        server.receive(&b, false, &sneaky.encode(), 0).unwrap(),
        Received::Unavailable
    );
    let Pending::Commit(c) = server.take_commit() else {
        panic!("vol-a's document is committed")
    };
    assert_eq!(c.changes.len(), 1, "only vol-a's change");
}

#[test]
fn field_history_lists_each_value_with_its_author() {
    use linli_sync_core::automerge::transaction::Transactable;
    use linli_sync_core::conflicts::field_history;
    let mut doc = own_document("vol-a", ActorId::from(vec![1; 16]));
    for (actor, name) in [(2u8, "第二"), (3u8, "第三")] {
        doc.set_actor(ActorId::from(vec![actor; 16]));
        let mut tx = doc.transaction();
        tx.put(linli_sync_core::automerge::ROOT, "name", name)
            .unwrap();
        tx.commit();
    }
    // An unrelated change is not part of the field's history.
    let mut tx = doc.transaction();
    tx.put(linli_sync_core::automerge::ROOT, "skills", "x")
        .unwrap();
    tx.commit();
    let history = field_history(&doc, &["name".to_string()]);
    let values: Vec<(String, String)> = history
        .iter()
        .map(|h| (h.value.as_str().unwrap().to_owned(), h.actor.clone()))
        .collect();
    assert_eq!(
        values,
        vec![
            ("测试".to_string(), "01".repeat(16)),
            ("第二".to_string(), "02".repeat(16)),
            ("第三".to_string(), "03".repeat(16)),
        ]
    );
}

#[test]
fn a_worker_resubmits_a_household_sent_back_by_the_server() {
    use linli_sync_core::access::check_changes;
    use linli_sync_core::automerge::transaction::Transactable;
    use linli_sync_core::automerge::ReadDoc;
    use linli_sync_core::contract::{Household, Kind};
    let mut doc = Automerge::new();
    doc.set_actor(ActorId::from(vec![1; 16]));
    let mut tx = doc.transaction();
    let record = Household {
        kind: "household".into(),
        schema: SCHEMA_VERSION,
        org: "c01/s01/m01/g01".into(),
        address: "和平里".into(),
        ..Household::default()
    };
    linli_sync_core::autosurgeon::reconcile(&mut tx, &record).unwrap();
    tx.commit();
    doc.set_actor(ActorId::from(vec![9; 16]));
    let mut tx = doc.transaction();
    let d = linli_sync_core::review::Decision {
        status: "has_issues".into(),
        note: "n".into(),
        by: "sup".into(),
        at: "2026-11-26T00:00:00Z".into(),
    };
    linli_sync_core::review::review_household(&mut tx, &d).unwrap();
    tx.commit();
    let before = doc.get_heads();
    doc.set_actor(ActorId::from(vec![1; 16]));
    let mut tx = doc.transaction();
    let review = tx
        .get(linli_sync_core::automerge::ROOT, "review")
        .unwrap()
        .unwrap()
        .1;
    tx.put(&review, "status", "received").unwrap();
    tx.commit();
    let worker = Principal {
        user: "w".into(),
        role: Role::Worker,
        org: OrgPath::parse("c01/s01/m01/g01").unwrap(),
        device: "d".into(),
        extra_read: Vec::new(),
    };
    let refused = check_changes(&worker, Kind::Household, &doc, &before);
    assert!(refused.is_empty(), "{refused:?}");
}

/// Two workers log visits to one household offline; the second phone's visits, merged after
/// the first's, sit at indices the first phone's visits held. Found by the load generator:
/// the typed client writes `review: null` in each new visit, and that counted as a write to
/// an existing visit's review (a supervisor's field), so the server undid the second visits.
#[test]
fn concurrent_visits_by_two_workers_are_both_allowed() {
    use linli_sync_core::access::check_changes;
    use linli_sync_core::automerge::transaction::Transactable;
    use linli_sync_core::automerge::{ObjType, ReadDoc, ROOT};
    use linli_sync_core::autosurgeon::reconcile_insert;
    use linli_sync_core::contract::{Household, Kind, Visit};
    let mut base = Automerge::new();
    base.set_actor(ActorId::from(vec![1; 16]));
    let mut tx = base.transaction();
    let record = Household {
        kind: "household".into(),
        schema: SCHEMA_VERSION,
        org: "c01/s01/m01/g01".into(),
        address: "和平里".into(),
        ..Household::default()
    };
    linli_sync_core::autosurgeon::reconcile(&mut tx, &record).unwrap();
    tx.commit();
    let log_visits = |actor: u8| {
        let mut doc = base.fork().with_actor(ActorId::from(vec![actor; 16]));
        for n in 0..3 {
            let mut tx = doc.transaction();
            let visits = match tx.get(ROOT, "visits").unwrap() {
                Some((_, obj)) => obj,
                None => tx.put_object(ROOT, "visits", ObjType::List).unwrap(),
            };
            let end = tx.length(&visits);
            let visit = Visit {
                id: format!("{actor}-{n}"),
                at: "2026-11-23T09:30:00+08:00".into(),
                by: "w".into(),
                purpose: "走访".into(),
                ..Visit::default()
            };
            reconcile_insert(&mut tx, visits, end, &visit).unwrap();
            tx.commit();
        }
        doc
    };
    let (mut first, mut second) = (log_visits(2), log_visits(3));
    let worker = Principal {
        user: "w".into(),
        role: Role::Worker,
        org: OrgPath::parse("c01/s01/m01/g01").unwrap(),
        device: "d".into(),
        extra_read: Vec::new(),
    };
    // The server holds the first phone's visits, then the second phone's arrive.
    let before = first.get_heads();
    first.merge(&mut second).unwrap();
    let refused = check_changes(&worker, Kind::Household, &first, &before);
    assert!(refused.is_empty(), "{refused:?}");
    // And in the other order.
    let before = second.get_heads();
    let mut first_again = log_visits(2);
    second.merge(&mut first_again).unwrap();
    let refused = check_changes(&worker, Kind::Household, &second, &before);
    assert!(refused.is_empty(), "{refused:?}");
    // A worker still may not write an existing visit's review.
    let before = second.get_heads();
    let mut tx = second.transaction();
    let visits = tx.get(ROOT, "visits").unwrap().unwrap().1;
    let visit = tx.get(&visits, 0).unwrap().unwrap().1;
    tx.put(&visit, "review", "approved").unwrap();
    tx.commit();
    let refused = check_changes(&worker, Kind::Household, &second, &before);
    assert_eq!(refused.len(), 1, "{refused:?}");
}
