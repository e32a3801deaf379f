//! A record's JSON kept up to date from patches, so that a commit need not read the whole
//! document again.
//!
//! [`to_json`](super::to_json) reads every value of the document, and a list element by its
//! index, which seeks from the start of the list's columns: for a household visited 2,000
//! times that was three quarters of the server's work under live editing (issue #21). A
//! commit already has the patches that moved the document on from the last commit; applying
//! them to the JSON of the last commit gives the same JSON at a cost that follows the change,
//! not the record.

use automerge::{Automerge, ObjId, ObjType, Patch, PatchAction, Prop, ReadDoc, Value};
use serde_json::Value as Json;

/// Applies `patches` (in order) to `root`, the JSON of the document before them as
/// [`to_json`](super::to_json) makes it; `doc` is the document after them. False when a
/// patch does not fit `root` (then `root` is left half-updated: make it afresh).
pub fn apply(root: &mut Json, doc: &Automerge, patches: &[Patch]) -> bool {
    patches.iter().all(|patch| apply_one(root, doc, patch))
}

fn apply_one(root: &mut Json, doc: &Automerge, patch: &Patch) -> bool {
    // A text object's edits (splices, deletions, marks) are taken as its whole new text: the
    // JSON holds a text as one string, and texts are short.
    if matches!(doc.object_type(&patch.obj), Ok(ObjType::Text)) {
        let Some(((_, prop), parents)) = patch.path.split_last() else {
            return false;
        };
        let Some(parent) = walk(root, parents) else {
            return false;
        };
        let Ok(text) = doc.text(&patch.obj) else {
            return false;
        };
        return put(parent, prop, Json::String(text));
    }
    let Some(target) = walk(root, &patch.path) else {
        return false;
    };
    match &patch.action {
        PatchAction::PutMap { key, value, .. } => match target {
            Json::Object(map) => {
                map.insert(key.clone(), json_of(doc, &value.0, &value.1));
                true
            }
            _ => false,
        },
        PatchAction::PutSeq { index, value, .. } => match target {
            Json::Array(items) if *index < items.len() => {
                items[*index] = json_of(doc, &value.0, &value.1);
                true
            }
            _ => false,
        },
        PatchAction::Insert { index, values } => match target {
            Json::Array(items) if *index <= items.len() => {
                let new: Vec<Json> = values
                    .iter()
                    .map(|(value, id, _)| json_of(doc, value, id))
                    .collect();
                items.splice(*index..*index, new);
                true
            }
            _ => false,
        },
        PatchAction::DeleteMap { key } => match target {
            Json::Object(map) => {
                map.remove(key);
                true
            }
            _ => false,
        },
        PatchAction::DeleteSeq { index, length } => match target {
            Json::Array(items) if index + length <= items.len() => {
                items.drain(*index..index + length);
                true
            }
            _ => false,
        },
        PatchAction::Increment { prop, value } => {
            let Some(counter) = child(target, prop) else {
                return false;
            };
            match counter.as_i64() {
                Some(n) => {
                    *counter = Json::from(n + value);
                    true
                }
                None => false,
            }
        }
        // The winning value is unchanged; marks are not part of a record's JSON.
        PatchAction::Conflict { .. } | PatchAction::Mark { .. } => true,
        // Text is handled above; a splice into anything else does not fit.
        PatchAction::SpliceText { .. } => false,
    }
}

/// The value at `path` (each step: an object and the property within it).
fn walk<'a>(root: &'a mut Json, path: &[(ObjId, Prop)]) -> Option<&'a mut Json> {
    path.iter()
        .try_fold(root, |node, (_, prop)| child(node, prop))
}

fn child<'a>(node: &'a mut Json, prop: &Prop) -> Option<&'a mut Json> {
    match (node, prop) {
        (Json::Object(map), Prop::Map(key)) => map.get_mut(key.as_str()),
        (Json::Array(items), Prop::Seq(index)) => items.get_mut(*index),
        _ => None,
    }
}

fn put(parent: &mut Json, prop: &Prop, value: Json) -> bool {
    match (parent, prop) {
        (Json::Object(map), Prop::Map(key)) => {
            map.insert(key.to_string(), value);
            true
        }
        (Json::Array(items), Prop::Seq(index)) if *index < items.len() => {
            items[*index] = value;
            true
        }
        _ => false,
    }
}

/// A value as it first appears: scalars as `to_json` writes them, a new object empty (the
/// patches that follow fill it), a new text as it reads now.
fn json_of(doc: &Automerge, value: &Value<'_>, id: &ObjId) -> Json {
    match value {
        Value::Scalar(scalar) => serde_json::to_value(scalar.as_ref()).unwrap_or(Json::Null),
        Value::Object(ObjType::Map | ObjType::Table) => Json::Object(Default::default()),
        Value::Object(ObjType::List) => Json::Array(Vec::new()),
        Value::Object(ObjType::Text) => Json::String(doc.text(id).unwrap_or_default()),
    }
}
