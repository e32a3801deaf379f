//! A deterministic in-memory world: N client peers and one server built from the same sans-IO
//! pieces the real server uses, joined by in-order links whose frames are delivered in a random
//! interleaving (and sometimes twice), with commits that complete after a random delay, peers
//! that go offline and edit there, and reconnections. Every run is reproducible from its seed.
//!
//! Checked throughout: the server never advertises heads it has not durably stored. Checked at
//! the end: every peer and the server hold identical documents, equal to what storage reloads.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use linli_sync_core::automerge::{
    sync, transaction::Transactable, ActorId, Automerge, ChangeHash, ObjType, ReadDoc, ROOT,
};
use linli_sync_core::client::ClientSession;
use linli_sync_core::connection::{Inbound, ServerConnection};
use linli_sync_core::contract::{validate_root, Volunteer, SCHEMA_VERSION};
use linli_sync_core::doc_sync::{Commit, DocumentSync, Pending, Received};
use linli_sync_core::wire::{PeerId, PeerMetadata};
use linli_sync_core::DocumentId;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

struct Peer {
    id: PeerId,
    session: ClientSession,
    online: bool,
    to_server: VecDeque<Vec<u8>>,
    to_peer: VecDeque<Vec<u8>>,
    actor_counter: u64,
}

struct Server {
    conns: HashMap<usize, ServerConnection>,
    docs: BTreeMap<DocumentId, DocumentSync>,
    /// What "storage" holds: committed change bytes per document, and their hashes.
    stored: BTreeMap<DocumentId, (Vec<Vec<u8>>, BTreeSet<ChangeHash>)>,
    /// Commits handed out and not yet durable.
    in_flight: Vec<(DocumentId, Commit)>,
}

struct World {
    rng: StdRng,
    peers: Vec<Peer>,
    server: Server,
    docs: Vec<DocumentId>,
    stats: Stats,
}

/// What a run exercised, so a test can tell that it tested something.
#[derive(Default, Debug)]
struct Stats {
    edits: usize,
    duplicates: usize,
    commits: usize,
    reconnects: usize,
}

fn volunteer_doc(actor_seed: u64, n: usize) -> Automerge {
    let record = Volunteer {
        kind: "volunteer".into(),
        schema: SCHEMA_VERSION,
        org: "c01/s01/m01".into(),
        user: format!("vol-{n}"),
        name: format!("志愿者{n}"),
        ..Volunteer::default()
    };
    let mut doc = Automerge::new();
    doc.set_actor(linli_sync_core::automerge::ActorId::from(
        actor_seed.to_be_bytes().to_vec(),
    ));
    let mut tx = doc.transaction();
    linli_sync_core::autosurgeon::reconcile(&mut tx, &record).unwrap();
    tx.commit();
    doc
}

impl World {
    fn new(seed: u64, peers: usize, docs: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut peer_list: Vec<Peer> = (0..peers)
            .map(|i| Peer {
                id: PeerId(format!("peer-{i}")),
                session: ClientSession::new(PeerId(format!("peer-{i}")), PeerMetadata::default()),
                online: false,
                to_server: VecDeque::new(),
                to_peer: VecDeque::new(),
                actor_counter: 0,
            })
            .collect();
        // Each document starts on one peer (offline registrations); the others ask for it.
        let mut ids = Vec::new();
        for n in 0..docs {
            let id = DocumentId::from_bytes(rng.random());
            let owner = n % peers;
            peer_list[owner]
                .session
                .insert(id, volunteer_doc(seed * 1000 + n as u64, n), None);
            ids.push(id);
        }
        World {
            rng,
            peers: peer_list,
            server: Server {
                conns: HashMap::new(),
                docs: BTreeMap::new(),
                stored: BTreeMap::new(),
                in_flight: Vec::new(),
            },
            docs: ids,
            stats: Stats::default(),
        }
    }

    fn go_online(&mut self, p: usize) {
        self.stats.reconnects += 1;
        let peer = &mut self.peers[p];
        peer.online = true;
        peer.to_server.clear();
        peer.to_peer.clear();
        peer.to_server.push_back(peer.session.join_frame());
        self.server.conns.insert(
            p,
            ServerConnection::new(PeerId::from("server"), PeerMetadata::default()),
        );
        // Ask for every document this peer does not hold yet.
        for id in self.docs.clone() {
            if self.peers[p].session.doc(&id).is_none() {
                self.peers[p].session.request(id);
            }
        }
    }

    fn go_offline(&mut self, p: usize) {
        let peer = &mut self.peers[p];
        peer.online = false;
        peer.to_server.clear();
        peer.to_peer.clear();
        peer.session.disconnected();
        self.server.conns.remove(&p);
        for doc in self.server.docs.values_mut() {
            doc.remove_peer(&self.peers[p].id);
        }
    }

    /// A local edit on peer `p`: a new entry (concurrent-safe) or a contested root field.
    fn edit(&mut self, p: usize) {
        let held: Vec<DocumentId> = self
            .docs
            .iter()
            .filter(|id| {
                self.peers[p]
                    .session
                    .doc(id)
                    .is_some_and(|d| !d.get_heads().is_empty())
            })
            .copied()
            .collect();
        if held.is_empty() {
            return;
        }
        let id = held[self.rng.random_range(0..held.len())];
        let contested = self.rng.random_bool(0.3);
        let minutes: i64 = self.rng.random_range(1..240);
        let peer = &mut self.peers[p];
        peer.actor_counter += 1;
        let key = format!("{}-{}", peer.id, peer.actor_counter);
        let doc = peer.session.doc_mut(&id).unwrap();
        let mut tx = doc.transaction();
        if contested {
            tx.put(ROOT, "name", key.as_str()).unwrap();
        } else {
            let entries = match tx.get(ROOT, "entries").unwrap() {
                Some((_, obj)) => obj,
                None => tx.put_object(ROOT, "entries", ObjType::Map).unwrap(),
            };
            let e = tx.put_object(&entries, key.as_str(), ObjType::Map).unwrap();
            tx.put(&e, "minutes", minutes).unwrap();
        }
        tx.commit();
        self.stats.edits += 1;
        self.flush_peer(p);
    }

    fn flush_peer(&mut self, p: usize) {
        let peer = &mut self.peers[p];
        if peer.online {
            for f in peer.session.poll_frames() {
                peer.to_server.push_back(f);
            }
        }
    }

    /// Sends the server's replies for one document, checking that every advertised head is
    /// durable.
    fn flush_doc(&mut self, id: DocumentId) {
        let Some(doc) = self.server.docs.get_mut(&id) else {
            return;
        };
        let stored = self
            .server
            .stored
            .get(&id)
            .map(|s| s.1.clone())
            .unwrap_or_default();
        for (peer_id, data) in doc.poll_outgoing() {
            let msg = sync::Message::decode(&data).unwrap();
            for h in &msg.heads {
                assert!(
                    stored.contains(h),
                    "server advertised a head it has not stored"
                );
            }
            let p = self.peers.iter().position(|x| x.id == peer_id).unwrap();
            if let Some(conn) = self.server.conns.get(&p) {
                let frame = conn.sync_frame(&id.to_string(), data);
                self.peers[p].to_peer.push_back(frame);
            }
        }
    }

    fn server_receive(&mut self, p: usize, frame: Vec<u8>) {
        let Some(conn) = self.server.conns.get_mut(&p) else {
            return;
        };
        match conn.handle_frame(&frame) {
            Inbound::Reply(frames) => self.peers[p].to_peer.extend(frames),
            Inbound::Doc {
                document_id,
                is_request,
                message,
            } => {
                let doc = self
                    .server
                    .docs
                    .entry(document_id)
                    .or_insert_with(|| DocumentSync::tentative(ActorId::from(vec![0xee; 16])));
                match doc.receive(&message.sender_id, is_request, &message.data, 0) {
                    Ok(Received::Unavailable) => {
                        doc.remove_peer(&message.sender_id);
                        let f = conn.unavailable_frame(&message.document_id);
                        self.peers[p].to_peer.push_back(f);
                    }
                    Ok(_) => {}
                    Err(e) => panic!("server refused a well-formed message: {e}"),
                }
                match doc.take_commit() {
                    Pending::Commit(c) => self.server.in_flight.push((document_id, c)),
                    Pending::Refused(r, _) => panic!("valid document refused: {}", r.reason),
                    Pending::Nothing => {}
                }
                self.flush_doc(document_id);
            }
            Inbound::Close(_) => panic!("server closed a well-behaved peer"),
            Inbound::Ephemeral { .. } | Inbound::Nothing => {}
        }
    }

    fn complete_commit(&mut self, k: usize) {
        let (id, commit) = self.server.in_flight.remove(k);
        self.stats.commits += 1;
        let entry = self.server.stored.entry(id).or_default();
        for c in &commit.changes {
            if entry.1.insert(c.hash()) {
                entry.0.push(c.raw_bytes().to_vec());
            }
        }
        let doc = self.server.docs.get_mut(&id).unwrap();
        doc.committed(&commit);
        if let Pending::Commit(c) = doc.take_commit() {
            self.server.in_flight.push((id, c));
        }
        self.flush_doc(id);
    }

    fn peer_receive(&mut self, p: usize, frame: Vec<u8>) {
        self.peers[p]
            .session
            .handle_frame(&frame)
            .expect("client accepts server frames");
        self.flush_peer(p);
    }

    /// One random step; returns false when there was nothing to deliver or commit.
    fn deliver_random(&mut self, duplicate_chance: f64) -> bool {
        let mut choices: Vec<(usize, bool)> = Vec::new();
        for (i, p) in self.peers.iter().enumerate() {
            if !p.to_server.is_empty() {
                choices.push((i, true));
            }
            if !p.to_peer.is_empty() {
                choices.push((i, false));
            }
        }
        let commits = self.server.in_flight.len();
        if choices.is_empty() && commits == 0 {
            return false;
        }
        let pick = self.rng.random_range(0..choices.len() + commits);
        if pick >= choices.len() {
            self.complete_commit(pick - choices.len());
            return true;
        }
        let (p, to_server) = choices[pick];
        let duplicate = self.rng.random_bool(duplicate_chance);
        let frame = if to_server {
            self.peers[p].to_server.pop_front().unwrap()
        } else {
            self.peers[p].to_peer.pop_front().unwrap()
        };
        let copies = if duplicate { 2 } else { 1 };
        self.stats.duplicates += copies - 1;
        for _ in 0..copies {
            if to_server {
                self.server_receive(p, frame.clone());
            } else {
                self.peer_receive(p, frame.clone());
            }
        }
        true
    }

    fn run(&mut self, steps: usize) {
        for _ in 0..steps {
            let p = self.rng.random_range(0..self.peers.len());
            match self.rng.random_range(0..100) {
                0..=14 => self.edit(p),
                15..=19 => {
                    if self.peers[p].online {
                        self.go_offline(p)
                    } else {
                        self.go_online(p)
                    }
                }
                _ => {
                    self.deliver_random(0.05);
                }
            }
        }
        // Everyone comes back; deliver until nothing moves.
        for p in 0..self.peers.len() {
            if !self.peers[p].online {
                self.go_online(p);
            }
        }
        for round in 0..50 {
            let mut steps = 0;
            while self.deliver_random(0.0) {
                steps += 1;
                assert!(steps < 200_000, "no quiescence");
            }
            // Peers re-request documents that were unavailable when they first asked.
            let mut asked = false;
            for p in 0..self.peers.len() {
                for id in self.docs.clone() {
                    let missing = self.peers[p]
                        .session
                        .doc(&id)
                        .is_none_or(|d| d.get_heads().is_empty());
                    if missing {
                        self.peers[p].session.request(id);
                        asked = true;
                    }
                }
                self.flush_peer(p);
            }
            if !asked && round > 0 {
                break;
            }
        }
    }

    fn assert_converged(&self) {
        for id in &self.docs {
            let server_doc = self
                .server
                .docs
                .get(id)
                .expect("server has the document")
                .doc();
            let mut server_heads = server_doc.get_heads();
            server_heads.sort();
            let (bytes, _) = self.server.stored.get(id).expect("stored");
            let mut reloaded = Automerge::new();
            for b in bytes {
                reloaded.load_incremental(b).unwrap();
            }
            let mut stored_heads = reloaded.get_heads();
            stored_heads.sort();
            assert_eq!(stored_heads, server_heads, "storage lags the server");
            validate_root(&reloaded).expect("stored document is valid");
            for peer in &self.peers {
                let doc = peer.session.doc(id).expect("peer holds every document");
                let mut heads = doc.get_heads();
                heads.sort();
                assert_eq!(heads, server_heads, "{} differs from the server", peer.id);
                assert_eq!(
                    linli_sync_core::contract::to_json(doc),
                    linli_sync_core::contract::to_json(server_doc)
                );
            }
        }
    }
}

#[test]
fn peers_converge_under_random_delivery_duplication_and_disconnects() {
    for seed in 0..12 {
        let mut world = World::new(seed, 4, 3);
        world.run(1_000);
        world.assert_converged();
        let s = &world.stats;
        assert!(
            s.edits > 50 && s.duplicates > 5 && s.commits > 20 && s.reconnects > 10,
            "{s:?}"
        );
    }
}

#[test]
fn concurrent_offline_edits_all_survive() {
    let mut world = World::new(99, 3, 1);
    // Everyone gets the document first.
    for p in 0..3 {
        world.go_online(p);
    }
    world.run(0);
    world.assert_converged();
    for p in 0..3 {
        world.go_offline(p);
    }
    for p in 0..3 {
        for _ in 0..5 {
            world.edit(p);
        }
    }
    world.run(0);
    world.assert_converged();
    let doc = world.peers[0].session.doc(&world.docs[0]).unwrap();
    let entries = doc
        .get(ROOT, "entries")
        .unwrap()
        .map(|(_, o)| doc.length(&o))
        .unwrap_or(0);
    let names = doc.get_all(ROOT, "name").unwrap().len();
    // 15 edits: each is either a new entry or a contested name; none is lost.
    assert!(entries > 0);
    assert!(names >= 1);
    let total_changes = doc.get_changes(&[]).len();
    assert_eq!(total_changes, 1 + 15, "creation plus every offline edit");
}
