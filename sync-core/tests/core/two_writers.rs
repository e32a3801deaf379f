//! Two server nodes writing one document (each with its own `DocumentSync`, one shared log):
//! what another node stored is taken in as durable, a commit refused as behind is taken back
//! and made again on top of it, and a reviewed field changed through each node is found to be
//! in conflict by the later commit.

use linli_sync_core::automerge::sync::SyncDoc;
use linli_sync_core::automerge::{
    sync, transaction::Transactable, ActorId, Automerge, ReadDoc, ROOT,
};
use linli_sync_core::contract::{validate_root, Volunteer, SCHEMA_VERSION};
use linli_sync_core::doc_sync::{Commit, DocumentSync, Pending, Received, StoredError};
use linli_sync_core::wire::PeerId;

/// A volunteer's record with one entry, `e1` (30 minutes), as one change.
pub(crate) fn base() -> Automerge {
    let record = Volunteer {
        kind: "volunteer".into(),
        schema: SCHEMA_VERSION,
        org: "c01/s01/m01".into(),
        user: "vol-1".into(),
        name: "志愿者".into(),
        ..Volunteer::default()
    };
    let mut doc = Automerge::new();
    doc.set_actor(ActorId::from(vec![1; 16]));
    let mut tx = doc.transaction();
    linli_sync_core::autosurgeon::reconcile(&mut tx, &record).unwrap();
    let entries = tx.get(ROOT, "entries").unwrap().unwrap().1;
    let entry = tx
        .put_object(&entries, "e1", linli_sync_core::automerge::ObjType::Map)
        .unwrap();
    tx.put(&entry, "minutes", 30_i64).unwrap();
    tx.commit();
    doc
}

/// A server node holding `doc` as stored.
pub(crate) fn node(doc: &Automerge) -> DocumentSync {
    let root = validate_root(doc).unwrap();
    DocumentSync::stored(
        doc.clone(),
        root,
        Default::default(),
        ActorId::from(vec![9; 16]),
    )
}

/// A device's change on top of `doc`: sets e1's minutes, as `actor`.
fn device_edit(doc: &Automerge, actor: u8, minutes: i64) -> Automerge {
    let mut doc = doc.fork().with_actor(ActorId::from(vec![actor; 16]));
    let mut tx = doc.transaction();
    let entries = tx.get(ROOT, "entries").unwrap().unwrap().1;
    let entry = tx.get(&entries, "e1").unwrap().unwrap().1;
    tx.put(&entry, "minutes", minutes).unwrap();
    tx.commit();
    doc
}

/// Sends everything `device` has that `server` lacks, as peer `peer` (no principal).
fn send(server: &mut DocumentSync, peer: &str, device: &mut Automerge, state: &mut sync::State) {
    let peer = PeerId(peer.into());
    server.add_peer(peer.clone(), None, None);
    for _ in 0..4 {
        let Some(message) = device.generate_sync_message(state) else {
            break;
        };
        server.receive(&peer, false, &message.encode(), 0).unwrap();
        for (to, data) in server.poll_outgoing() {
            if to == peer {
                let reply = sync::Message::decode(&data).unwrap();
                device.receive_sync_message(state, reply).unwrap();
            }
        }
    }
}

fn take(server: &mut DocumentSync) -> Commit {
    match server.take_commit() {
        Pending::Commit(commit) => commit,
        other => panic!("expected a commit, got {other:?}"),
    }
}

fn raw(commit: &Commit) -> Vec<Vec<u8>> {
    commit
        .changes
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect()
}

#[test]
fn a_commit_behind_another_node_is_made_again_on_top_and_finds_the_conflict() {
    let doc = base();
    let root = validate_root(&doc).unwrap();
    let (mut a, mut b) = (node(&doc), node(&doc));

    // A device on A and one on B change the same reviewed field concurrently.
    let mut on_a = device_edit(&doc, 2, 45);
    let mut on_b = device_edit(&doc, 3, 60);
    send(&mut a, "device-a", &mut on_a, &mut sync::State::new());
    send(&mut b, "device-b", &mut on_b, &mut sync::State::new());

    // A commits first; alone, it sees no conflict.
    let from_a = take(&mut a);
    assert!(from_a.conflicts.is_empty());
    a.committed(&from_a);
    let log = raw(&from_a);

    // B's commit was refused as behind: take it back, apply A's stored change, commit again.
    let first = take(&mut b);
    assert!(
        b.poll_outgoing().is_empty(),
        "nothing acknowledged while owed"
    );
    b.retract(first);
    assert_eq!(b.apply_stored(&root, &log, Vec::new()).unwrap(), 1);
    assert!(!b.is_durable(), "B's own change is still owed");
    assert!(
        b.poll_outgoing().is_empty(),
        "nothing acknowledged while owed"
    );
    let again = take(&mut b);
    assert_eq!(again.changes.len(), 1, "only B's own change is committed");
    assert_eq!(
        again
            .conflicts
            .iter()
            .map(|c| c.path.join("/"))
            .collect::<Vec<_>>(),
        vec!["entries/e1/minutes"],
        "the later commit sees both values"
    );
    b.committed(&again);
    assert!(b.is_durable());

    // A catches up with B's change: both nodes hold the same document, durable.
    assert_eq!(a.apply_stored(&root, &raw(&again), Vec::new()).unwrap(), 1);
    assert!(a.is_durable());
    assert_eq!(a.doc().get_heads(), b.doc().get_heads());
    assert!(matches!(a.take_commit(), Pending::Nothing));
}

#[test]
fn stored_changes_already_received_here_become_durable_without_being_committed_twice() {
    let doc = base();
    let root = validate_root(&doc).unwrap();
    let (mut a, mut b) = (node(&doc), node(&doc));
    // One device sends the same change to both nodes; A stores it first.
    let edited = device_edit(&doc, 2, 45);
    send(&mut a, "d", &mut edited.clone(), &mut sync::State::new());
    send(&mut b, "d", &mut edited.clone(), &mut sync::State::new());
    let from_a = take(&mut a);
    a.committed(&from_a);
    let first = take(&mut b);
    b.retract(first);
    assert_eq!(b.apply_stored(&root, &raw(&from_a), Vec::new()).unwrap(), 0);
    assert!(b.is_durable(), "the change B held is durable now");
    assert!(matches!(b.take_commit(), Pending::Nothing));
    assert!(!b.poll_outgoing().is_empty(), "B may acknowledge it now");
}

#[test]
fn an_actor_bound_elsewhere_meanwhile_is_reported() {
    use linli_sync_core::access::Principal;
    let doc = base();
    let root = validate_root(&doc).unwrap();
    let mut b = node(&doc);
    let who = Principal {
        user: "vol-1".into(),
        role: linli_sync_core::access::Role::Volunteer,
        org: linli_sync_core::contract::OrgPath::parse("c01/s01/m01").unwrap(),
        device: "phone-b".into(),
        extra_read: Vec::new(),
    };
    b.add_peer(PeerId("p".into()), Some(who), None);
    let mut device = device_edit(&doc, 4, 50);
    send(&mut b, "p", &mut device, &mut sync::State::new());
    assert!(!b.is_durable(), "the device's change is owed");
    let stored = vec![(ActorId::from(vec![4; 16]), "phone-a".to_string())];
    assert!(matches!(
        b.apply_stored(&root, &[], stored.clone()),
        Err(StoredError::BindingTaken(_))
    ));
    b.forget_owed();
    assert_eq!(b.apply_stored(&root, &[], stored).unwrap(), 0);
    assert!(b.knows_actor(&ActorId::from(vec![4; 16])));
}

/// A commit that cannot be made because another node kept storing first drops what the
/// device sent; asked to, the device, still on the same connection, sends it again. A device
/// never resends a change it already sent unless told to start over.
#[test]
fn changes_dropped_by_a_failed_commit_are_sent_again_on_the_same_connection() {
    let doc = base();
    let mut server = node(&doc);
    let peer = PeerId("d".into());
    let mut device = device_edit(&doc, 2, 45);
    let mut state = sync::State::new();
    send(&mut server, "d", &mut device, &mut state);
    let commit = take(&mut server);
    server.rollback(&commit);
    server.ask_peers_to_resend();
    assert_eq!(
        server.doc().get_heads(),
        doc.get_heads(),
        "the change was dropped"
    );

    // The connection goes on: the server speaks first after the failure.
    for _ in 0..4 {
        for (to, data) in server.poll_outgoing() {
            assert_eq!(to, peer);
            let reply = sync::Message::decode(&data).unwrap();
            device.receive_sync_message(&mut state, reply).unwrap();
        }
        if let Some(message) = device.generate_sync_message(&mut state) {
            server.receive(&peer, false, &message.encode(), 0).unwrap();
        }
        if let Pending::Commit(commit) = server.take_commit() {
            server.committed(&commit);
        }
    }
    assert_eq!(
        server.doc().get_heads(),
        device.get_heads(),
        "the device sent its change again"
    );
    assert!(server.is_durable());
}

/// Two devices of one volunteer change the same reviewed field concurrently, and both
/// messages are taken in before the next commit: the commit finds the conflict from what the
/// messages wrote (the patches collected while receiving them, no diff), and a later commit
/// that only brings a third value finds the field still in conflict.
#[test]
fn concurrent_writes_taken_in_one_batch_are_found_in_conflict() {
    use linli_sync_core::access::Principal;
    // The entry is submitted, so its volunteer may still change it.
    let mut doc = base();
    let mut tx = doc.transaction();
    let entries = tx.get(ROOT, "entries").unwrap().unwrap().1;
    let entry = tx.get(&entries, "e1").unwrap().unwrap().1;
    tx.put(&entry, "status", "submitted").unwrap();
    tx.commit();
    let mut server = node(&doc);
    let who = |device: &str| Principal {
        user: "vol-1".into(),
        role: linli_sync_core::access::Role::Volunteer,
        org: linli_sync_core::contract::OrgPath::parse("c01/s01/m01").unwrap(),
        device: device.into(),
        extra_read: Vec::new(),
    };
    let mut devices = Vec::new();
    for (name, actor) in [("a", 2u8), ("b", 3), ("c", 4)] {
        let peer = PeerId(name.into());
        server.add_peer(peer.clone(), Some(who(name)), None);
        let device = doc.fork().with_actor(ActorId::from(vec![actor; 16]));
        devices.push((peer, device, sync::State::new()));
    }
    // Every device in step with the server first, with nothing new.
    for _ in 0..4 {
        for (peer, device, state) in devices.iter_mut() {
            if let Some(m) = device.generate_sync_message(state) {
                server.receive(peer, false, &m.encode(), 0).unwrap();
            }
        }
        for (to, data) in server.poll_outgoing() {
            let (_, device, state) = devices.iter_mut().find(|(p, _, _)| *p == to).unwrap();
            let reply = sync::Message::decode(&data).unwrap();
            device.receive_sync_message(state, reply).unwrap();
        }
    }
    let edit_and_send = |server: &mut DocumentSync,
                         (peer, device, state): &mut (PeerId, Automerge, sync::State),
                         minutes: i64| {
        let mut tx = device.transaction();
        let entries = tx.get(ROOT, "entries").unwrap().unwrap().1;
        let entry = tx.get(&entries, "e1").unwrap().unwrap().1;
        tx.put(&entry, "minutes", minutes).unwrap();
        tx.commit();
        let m = device
            .generate_sync_message(state)
            .expect("the change goes out");
        assert_eq!(m.changes.len(), 1);
        let received = server.receive(peer, false, &m.encode(), 0).unwrap();
        assert_eq!(received, Received::Applied, "a submitted entry is editable");
    };
    let (first, rest) = devices.split_at_mut(1);
    edit_and_send(&mut server, &mut first[0], 45);
    edit_and_send(&mut server, &mut rest[0], 60);
    let commit = take(&mut server);
    let paths: Vec<String> = commit.conflicts.iter().map(|c| c.path.join("/")).collect();
    assert_eq!(paths, vec!["entries/e1/minutes"]);
    assert_eq!(commit.conflicts[0].values.len(), 2);
    server.committed(&commit);

    // A third device, concurrent with both, in a commit of its own.
    edit_and_send(&mut server, &mut rest[1], 75);
    let commit = take(&mut server);
    assert_eq!(commit.conflicts.len(), 1, "{:?}", commit.conflicts);
    assert_eq!(commit.conflicts[0].values.len(), 3);
    server.committed(&commit);
    assert!(server.is_durable());
}
