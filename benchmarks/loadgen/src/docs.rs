//! The documents a load run works on: schema-1 household records (so that Linli's contract
//! and access policy accept them; the other servers take any automerge document), built
//! deterministically from a seed, and the offline changes devices make to them.

use std::collections::BTreeMap;

use linli_sync_core::automerge::transaction::Transactable;
use linli_sync_core::automerge::{ActorId, Automerge, ChangeHash, ObjType, ReadDoc, ROOT};
use linli_sync_core::autosurgeon::{reconcile, reconcile_insert};
use linli_sync_core::contract::{Household, Member, Visit, SCHEMA_VERSION};
use linli_sync_core::DocumentId;
use sha2::{Digest, Sha256};

/// The grid every load-run household belongs to (the run's users must have it in scope).
pub const GRID: &str = "c01/s01/m01/g01";

fn digest(seed: u64, what: &str, index: usize) -> [u8; 32] {
    Sha256::digest(format!("linli-loadgen:{seed}:{what}:{index}").as_bytes()).into()
}

/// A document id, the same for the same seed and index.
pub fn document_id(seed: u64, what: &str, index: usize) -> DocumentId {
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest(seed, what, index)[..16]);
    DocumentId::from_bytes(id)
}

/// An automerge actor, the same for the same seed and index.
pub fn actor(seed: u64, what: &str, index: usize) -> ActorId {
    ActorId::from(&digest(seed, what, index)[..16])
}

/// A household of three people in [`GRID`], as one change by `actor`.
pub fn new_household(actor: ActorId, index: usize) -> Automerge {
    let member = |name: &str, relation: &str, birth_year| Member {
        name: name.into(),
        gender: "female".into(),
        birth_year: Some(birth_year),
        relation: relation.into(),
        employment: "retired".into(),
        ..Member::default()
    };
    let record = Household {
        kind: "household".into(),
        schema: SCHEMA_VERSION,
        org: GRID.into(),
        address: format!("幸福路{}号{}室", index / 10 + 1, index % 10 + 101),
        members: BTreeMap::from([
            ("m1".into(), member("王秀英", "head", 1948)),
            ("m2".into(), member("李建国", "spouse", 1946)),
            ("m3".into(), member("李娜", "child", 1975)),
        ]),
        ..Household::default()
    };
    let mut doc = Automerge::new().with_actor(actor);
    let mut tx = doc.transaction();
    reconcile(&mut tx, &record).expect("a household reconciles into an empty document");
    tx.commit();
    doc
}

/// Appends one visit to a household as one change; `message` becomes the change's message.
pub fn add_visit(doc: &mut Automerge, id: String, message: Option<String>) {
    let visit = Visit {
        id,
        // Now: a visit dated long ago would be flagged for review, which the workloads do not
        // measure.
        at: linli_sync_core::calendar::iso_from_ms(crate::now_ms()),
        by: "loadgen".into(),
        purpose: "走访".into(),
        notes: "老人身体尚好，需要定期测量血压".into(),
        ..Visit::default()
    };
    let mut tx = doc.transaction();
    let visits = match tx.get(ROOT, "visits").expect("read visits") {
        Some((_, obj)) => obj,
        None => tx
            .put_object(ROOT, "visits", ObjType::List)
            .expect("visits"),
    };
    let end = tx.length(&visits);
    reconcile_insert(&mut tx, visits, end, &visit).expect("a visit reconciles");
    match message {
        Some(m) => tx.commit_with(
            linli_sync_core::automerge::transaction::CommitOptions::default().with_message(m),
        ),
        None => tx.commit(),
    };
}

/// A document's heads, sorted.
pub fn heads(doc: &Automerge) -> Vec<ChangeHash> {
    let mut h = doc.get_heads();
    h.sort();
    h
}
