//! Undoing refused writes. A refused change cannot be dropped (later changes of the same
//! device depend on it, and the JS client cannot rewind), so it is kept and followed, in the
//! same commit, by a change of the server's own that restores every value it set.

use std::collections::BTreeSet;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{hydrate, ActorId, Automerge, ChangeHash, ObjType, Prop, ReadDoc, Value, ROOT};

use super::{resolve, FieldWrite};

/// Writes, as `actor`, a change that puts every refused path back as it was at `before`
/// (deleting what did not exist then). Returns the new change's hash, if one was needed.
pub fn compensate(
    doc: &mut Automerge,
    before: &[ChangeHash],
    refused: &[FieldWrite],
    actor: &ActorId,
    time_ms: i64,
) -> Option<ChangeHash> {
    let targets = targets(doc, before, refused);
    if targets.is_empty() {
        return None;
    }
    let snapshot = doc.hydrate(Some(before));
    // Where each restore goes, found before the transaction starts.
    let places: Vec<(&Vec<String>, automerge::ObjId)> = targets
        .iter()
        .filter_map(|target| {
            let parent_path = &target[..target.len() - 1];
            let parent = if parent_path.is_empty() {
                ROOT
            } else {
                resolve(doc, parent_path, None)?.1
            };
            Some((target, parent))
        })
        .collect();
    let previous_actor = doc.get_actor().clone();
    doc.set_actor(actor.clone());
    let mut tx = doc.transaction();
    for (target, parent) in places {
        let prop: Prop = Prop::Map(target[target.len() - 1].clone());
        match value_in(&snapshot, target) {
            Some(hydrate::Value::Scalar(s)) => {
                let _ = tx.put(&parent, prop, s.clone());
            }
            Some(value @ hydrate::Value::Text(t)) => {
                let current = tx.get(&parent, prop.clone()).ok().flatten();
                match current {
                    Some((Value::Object(ObjType::Text), id)) => {
                        let _ = tx.update_text(&id, t.to_string());
                    }
                    _ => {
                        let _ = tx.batch_create_object(&parent, prop, value, false);
                    }
                }
            }
            Some(value) => {
                let _ = tx.batch_create_object(&parent, prop, value, false);
            }
            None => {
                let _ = tx.delete(&parent, prop);
            }
        }
    }
    let (hash, _) = tx.commit_with(
        CommitOptions::default()
            .with_message("linli: undo refused writes")
            .with_time(time_ms / 1000),
    );
    doc.set_actor(previous_actor);
    hash
}

/// The paths to restore: each refused path cut at the first list (lists are restored whole)
/// and at the first part that did not exist before; nested targets are dropped.
fn targets(doc: &Automerge, before: &[ChangeHash], refused: &[FieldWrite]) -> Vec<Vec<String>> {
    let mut set: BTreeSet<Vec<String>> = BTreeSet::new();
    for write in refused {
        let mut target: Vec<String> = Vec::new();
        for seg in &write.path {
            let parent_is_seq =
                match resolve(doc, &target, None).or_else(|| resolve(doc, &target, Some(before))) {
                    Some((Value::Object(ObjType::List | ObjType::Text), _)) => true,
                    Some(_) => false,
                    None => true,
                };
            if parent_is_seq {
                break;
            }
            target.push(seg.clone());
            if resolve(doc, &target, Some(before)).is_none() {
                break;
            }
        }
        // A restore needs its parent to exist now.
        while target.len() > 1 && resolve(doc, &target[..target.len() - 1], None).is_none() {
            target.pop();
        }
        if !target.is_empty() {
            set.insert(target);
        }
    }
    let all: Vec<Vec<String>> = set.into_iter().collect();
    all.iter()
        .filter(|t| !all.iter().any(|o| o.len() < t.len() && t.starts_with(o)))
        .cloned()
        .collect()
}

fn value_in<'a>(root: &'a hydrate::Value, path: &[String]) -> Option<&'a hydrate::Value> {
    let mut value = root;
    for seg in path {
        match value {
            hydrate::Value::Map(m) => value = m.get(seg)?,
            _ => return None,
        }
    }
    Some(value)
}
