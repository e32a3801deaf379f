//! The person a request is assigned to, wherever their own scope lies: a volunteer, or a grid
//! worker of another grid, reads the request and writes its log, status (in progress,
//! resolved) and outcome, and nothing else; once it is assigned to someone else they do not.

use linli_sync_core::access::{Principal, Role};
use linli_sync_core::automerge::sync::{self, SyncDoc};
use linli_sync_core::automerge::transaction::Transactable;
use linli_sync_core::automerge::{ActorId, Automerge, ObjType, ReadDoc, ROOT};
use linli_sync_core::contract::{OrgPath, Request, SCHEMA_VERSION};
use linli_sync_core::doc_sync::{DocumentSync, Pending, Received};
use linli_sync_core::wire::PeerId;

fn person(user: &str, role: Role, org: &str) -> Principal {
    Principal {
        user: user.into(),
        role,
        org: OrgPath::parse(org).unwrap(),
        device: format!("dev-{user}"),
        extra_read: Vec::new(),
    }
}

/// A request of grid g01 assigned to `assignee` (a `kind`: worker or volunteer).
fn assigned(assignee: &str, kind: &str) -> Automerge {
    let record = Request {
        kind: "request".into(),
        schema: SCHEMA_VERSION,
        org: "c01/s01/m01/g01".into(),
        category: "elderly".into(),
        description: "需要助餐".into(),
        status: "assigned".into(),
        assignee: Some(assignee.into()),
        assignee_kind: kind.into(),
        due: Some("2026-12-07".into()),
        ..Request::default()
    };
    let mut doc = Automerge::new();
    doc.set_actor(ActorId::from(vec![1; 16]));
    let mut tx = doc.transaction();
    linli_sync_core::autosurgeon::reconcile(&mut tx, &record).unwrap();
    tx.commit();
    doc
}

/// A server node holding `doc` as stored.
fn server(doc: &Automerge) -> DocumentSync {
    crate::two_writers::node(doc)
}
/// Syncs `device` with the server as `who` until quiet; returns the server's answers.
fn sync_as(server: &mut DocumentSync, who: &Principal, device: &mut Automerge) -> Vec<Received> {
    let peer = PeerId(format!("peer-{}", who.user));
    server.add_peer(peer.clone(), Some(who.clone()), None);
    let mut state = sync::State::new();
    let mut answers = Vec::new();
    for _ in 0..10 {
        let Some(msg) = device.generate_sync_message(&mut state) else {
            break;
        };
        answers.push(server.receive(&peer, false, &msg.encode(), 0).unwrap());
        if let Pending::Commit(c) = server.take_commit() {
            server.committed(&c);
        }
        for (to, data) in server.poll_outgoing() {
            if to == peer {
                device
                    .receive_sync_message(&mut state, sync::Message::decode(&data).unwrap())
                    .unwrap();
            }
        }
    }
    server.remove_peer(&peer);
    answers
}

/// The assignee's update: a log entry, in progress, an outcome.
fn work_on(doc: &Automerge, actor: u8, by: &str) -> Automerge {
    let mut doc = doc.fork().with_actor(ActorId::from(vec![actor; 16]));
    let mut tx = doc.transaction();
    let log = match tx.get(ROOT, "log").unwrap() {
        Some((_, log)) => log,
        None => tx.put_object(ROOT, "log", ObjType::List).unwrap(),
    };
    let at = tx.length(&log);
    let item = tx.insert_object(&log, at, ObjType::Map).unwrap();
    tx.put(&item, "at", "2026-12-02T10:00:00+08:00").unwrap();
    tx.put(&item, "by", by).unwrap();
    tx.put(&item, "text", "已上门，安排每日送餐").unwrap();
    tx.put(&item, "status", "in_progress").unwrap();
    tx.put(ROOT, "status", "in_progress").unwrap();
    tx.put(ROOT, "outcome", "每日送餐").unwrap();
    tx.commit();
    doc
}

fn refused(answers: &[Received]) -> Vec<String> {
    answers
        .iter()
        .filter_map(|a| match a {
            Received::Compensated(why) => Some(why.clone()),
            _ => None,
        })
        .collect()
}

fn status(server: &DocumentSync) -> String {
    let json = linli_sync_core::contract::to_json(server.doc());
    json["status"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_volunteer_works_on_the_request_assigned_to_them() {
    let doc = assigned("vol-9", "volunteer");
    let mut node = server(&doc);
    let vol = person("vol-9", Role::Volunteer, "c01/s01/m01");
    let peer = PeerId("peer-vol-9".into());
    node.add_peer(peer.clone(), Some(vol.clone()), None);
    assert!(node.may_read(&peer));
    node.remove_peer(&peer);

    let mut device = work_on(&doc, 2, "vol-9");
    let answers = sync_as(&mut node, &vol, &mut device);
    assert!(refused(&answers).is_empty(), "{answers:?}");
    assert_eq!(status(&node), "in_progress");

    // Nothing else: not the category, not the due date, not closing it.
    let mut device = node.doc().fork().with_actor(ActorId::from(vec![2; 16]));
    let mut tx = device.transaction();
    tx.put(ROOT, "category", "other").unwrap();
    tx.put(ROOT, "due", "2027-01-01").unwrap();
    tx.put(ROOT, "status", "closed").unwrap();
    tx.commit();
    let why = refused(&sync_as(&mut node, &vol, &mut device)).join("; ");
    for path in ["category", "due", "status"] {
        assert!(why.contains(&format!("`{path}`")), "{why}");
    }
    assert_eq!(status(&node), "in_progress", "undone");
}

#[test]
fn nobody_else_outside_the_grid_reads_or_writes_it() {
    let doc = assigned("vol-9", "volunteer");
    let mut node = server(&doc);
    let other = person("vol-8", Role::Volunteer, "c01/s01/m01");
    let peer = PeerId("peer-vol-8".into());
    node.add_peer(peer.clone(), Some(other), None);
    assert!(!node.may_read(&peer));
    let msg = work_on(&doc, 3, "vol-8")
        .generate_sync_message(&mut sync::State::new())
        .unwrap();
    assert!(matches!(
        node.receive(&peer, false, &msg.encode(), 0).unwrap(),
        Received::Unavailable
    ));
    // An organisation is not a user, even one of the same name.
    let mut node = server(&assigned("vol-9", "organization"));
    let namesake = person("vol-9", Role::Volunteer, "c01/s01/m01");
    node.add_peer(peer.clone(), Some(namesake), None);
    assert!(!node.may_read(&peer));
}

#[test]
fn a_worker_of_another_grid_works_on_it_until_it_is_reassigned() {
    let doc = assigned("worker-g02", "worker");
    let mut node = server(&doc);
    let worker = person("worker-g02", Role::Worker, "c01/s01/m01/g02");
    let mut device = work_on(&doc, 4, "worker-g02");
    let answers = sync_as(&mut node, &worker, &mut device);
    assert!(refused(&answers).is_empty(), "{answers:?}");
    assert_eq!(status(&node), "in_progress");

    // A supervisor hands it to someone else: the worker's later writes are undone.
    let mut sup_device = node.doc().fork().with_actor(ActorId::from(vec![5; 16]));
    let mut tx = sup_device.transaction();
    tx.put(ROOT, "assignee", "vol-9").unwrap();
    tx.put(ROOT, "assignee_kind", "volunteer").unwrap();
    tx.put(ROOT, "status", "assigned").unwrap();
    tx.commit();
    let sup = person("sup", Role::Supervisor, "c01/s01");
    assert!(refused(&sync_as(&mut node, &sup, &mut sup_device)).is_empty());
    let late = work_on(node.doc(), 4, "worker-g02");
    let peer = PeerId("peer-worker-g02".into());
    node.add_peer(peer.clone(), Some(worker), None);
    assert!(!node.may_read(&peer), "no longer theirs");
    let msg = late.generate_sync_message(&mut sync::State::new()).unwrap();
    assert!(matches!(
        node.receive(&peer, false, &msg.encode(), 0).unwrap(),
        Received::Unavailable
    ));
    assert_eq!(status(&node), "assigned");
}
