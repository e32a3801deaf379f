//! Finding conflicts a supervisor must settle. Automerge merges concurrent edits
//! deterministically and keeps the losing values; where a *reviewed* field now holds more than
//! one concurrent value, a person should choose. This module finds those fields among the ones
//! a commit touched, and writes a chosen value back.

use automerge::transaction::Transactable;
use automerge::{
    ActorId, Automerge, ChangeHash, ObjId as ExId, ObjType, Patch, ReadDoc, ScalarValue, Value,
    ROOT,
};
use serde::Serialize;

use crate::access::{located_writes, resolve, rules::path_matches};
use crate::contract::Kind;

/// The fields reviewed for conflicts, per kind (path patterns as in the access rules).
pub const REVIEWED: &[(Kind, &str)] = &[
    (Kind::Household, "address"),
    (Kind::Household, "tags/*"),
    (Kind::Household, "members/*/*"),
    (Kind::Household, "members/*/tags/*"),
    (Kind::Volunteer, "entries/*/minutes"),
    (Kind::Volunteer, "entries/*/date"),
    (Kind::Volunteer, "entries/*/activity"),
    (Kind::Volunteer, "entries/*/status"),
    (Kind::Request, "status"),
    (Kind::Request, "assignee"),
];

/// True when `path` of a `kind` document is reviewed for conflicts.
pub fn is_reviewed(kind: Kind, path: &[String]) -> bool {
    REVIEWED
        .iter()
        .any(|(k, pattern)| *k == kind && path_matches(pattern, path))
}

/// One of the concurrent values of a conflicted field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ConflictValue {
    pub value: serde_json::Value,
    /// The actor that wrote it (hex).
    pub actor: String,
    /// When its change was made, seconds since the epoch (as the author's clock said).
    pub time: i64,
}

/// A reviewed field holding more than one concurrent value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldConflict {
    pub path: Vec<String>,
    pub values: Vec<ConflictValue>,
}

/// What a commit did to the reviewed fields it wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detected {
    /// Fields left holding concurrent values.
    pub conflicts: Vec<FieldConflict>,
    /// Fields left holding one value: any conflict item open for them is superseded.
    pub single: Vec<Vec<String>>,
    /// Members marked removed while another device edited them (neither change saw the
    /// other): the removal (`members/<id>/removed_reason` and its values), and the fields
    /// edited concurrently.
    pub removed_while_edited: Vec<(FieldConflict, Vec<String>)>,
}

/// Conflicts among the reviewed fields that changed since `before`.
pub fn detect(doc: &Automerge, kind: Kind, before: &[ChangeHash]) -> Vec<FieldConflict> {
    detect_all(doc, kind, before).conflicts
}

/// [`detect_all_in`] over the diff since `before`.
pub fn detect_all(doc: &Automerge, kind: Kind, before: &[ChangeHash]) -> Detected {
    let after = doc.get_heads();
    detect_all_in(doc, kind, &doc.diff(before, &after))
}

/// [`detect`] among the fields `patches` wrote (patches collected while the changes were
/// applied, in any number of batches): the same result without diffing the whole document.
pub fn detect_in(doc: &Automerge, kind: Kind, patches: &[Patch]) -> Vec<FieldConflict> {
    detect_all_in(doc, kind, patches).conflicts
}

/// The reviewed fields `patches` wrote, split into those holding concurrent values and those
/// holding one.
pub fn detect_all_in(doc: &Automerge, kind: Kind, patches: &[Patch]) -> Detected {
    let mut found = Detected::default();
    // Patches of several batches may write one field more than once.
    let mut seen = std::collections::HashSet::new();
    let mut members = std::collections::BTreeSet::new();
    for (write, parent) in located_writes(doc, patches) {
        if kind == Kind::Household && write.path.len() >= 3 && write.path[0] == "members" {
            members.insert(write.path[1].clone());
        }
        if !is_reviewed(kind, &write.path) {
            continue;
        }
        // Reviewed fields are map keys; a text edited in place merges (no conflict).
        let Some(key) = write.path.last().cloned() else {
            continue;
        };
        if !seen.insert((parent.clone(), key.clone())) {
            continue;
        }
        if !matches!(doc.object_type(&parent), Ok(ObjType::Map)) {
            continue;
        }
        let Ok(all) = doc.get_all(&parent, key.as_str()) else {
            continue;
        };
        if all.len() < 2 {
            found.single.push(write.path);
            continue;
        }
        found.conflicts.push(FieldConflict {
            path: write.path,
            values: values_of(doc, &all),
        });
    }
    for member in members {
        if let Some(item) = removed_while_edited(doc, &member) {
            found.single.retain(|p| *p != item.0.path);
            found.removed_while_edited.push(item);
        }
    }
    found
}

/// If member `id` is marked removed by a change that did not see an edit of another of its
/// fields (and the edit did not see the removal), the removal and the fields edited so.
fn removed_while_edited(doc: &Automerge, id: &str) -> Option<(FieldConflict, Vec<String>)> {
    let (_, member) = resolve(doc, &["members".to_owned(), id.to_owned()], None)?;
    let removal = doc.get_all(&member, "removed_reason").ok()?;
    let removing: Vec<&ExId> = removal
        .iter()
        .filter(|(value, id)| !to_json(doc, value, id).as_str().unwrap_or("").is_empty())
        .map(|(_, id)| id)
        .collect();
    if removing.is_empty() {
        return None;
    }
    let changes = doc.get_changes(&[]);
    let change_of = |op: &ExId| -> Option<ChangeHash> {
        let ExId::Id(counter, actor, _) = op else {
            return None;
        };
        changes
            .iter()
            .find(|c| {
                c.actor_id() == actor
                    && c.start_op().get() <= *counter
                    && *counter < c.start_op().get() + c.len() as u64
            })
            .map(|c| c.hash())
    };
    let removals: Vec<ChangeHash> = removing.iter().filter_map(|op| change_of(op)).collect();
    let mut edited = Vec::new();
    for key in doc.keys(&member) {
        if key == "removed_reason" || key == "removed_on" {
            continue;
        }
        let Ok(values) = doc.get_all(&member, key.as_str()) else {
            continue;
        };
        let concurrent = values
            .iter()
            .filter_map(|(_, op)| change_of(op))
            .any(|edit| {
                removals.iter().any(|removal| {
                    !is_ancestor(doc, *removal, edit) && !is_ancestor(doc, edit, *removal)
                })
            });
        if concurrent {
            edited.push(key);
        }
    }
    if edited.is_empty() {
        return None;
    }
    Some((
        FieldConflict {
            path: vec!["members".into(), id.into(), "removed_reason".into()],
            values: values_of(doc, &removal),
        },
        edited,
    ))
}

/// True when change `ancestor` is `change` or in its history.
fn is_ancestor(doc: &Automerge, ancestor: ChangeHash, change: ChangeHash) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![change];
    while let Some(hash) = todo.pop() {
        if hash == ancestor {
            return true;
        }
        if !seen.insert(hash) {
            continue;
        }
        if let Some(c) = doc.get_change_by_hash(&hash) {
            todo.extend(c.deps().iter().copied());
        }
    }
    false
}

fn values_of(doc: &Automerge, all: &[(Value<'_>, ExId)]) -> Vec<ConflictValue> {
    all.iter()
        .map(|(value, id)| ConflictValue {
            value: to_json(doc, value, id),
            actor: actor_of(id).map(|a| a.to_hex_string()).unwrap_or_default(),
            time: actor_of(id).map(|a| change_time(doc, a, id)).unwrap_or(0),
        })
        .collect()
}

/// The values the field at `path` holds now (one, or several concurrent ones); empty when it
/// does not exist.
pub fn current_values(doc: &Automerge, path: &[String]) -> Vec<ConflictValue> {
    let Some((key, parent_path)) = path.split_last() else {
        return Vec::new();
    };
    let parent = if parent_path.is_empty() {
        ROOT
    } else {
        match resolve(doc, parent_path, None) {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => return Vec::new(),
        }
    };
    match doc.get_all(&parent, key.as_str()) {
        Ok(all) => values_of(doc, &all),
        Err(_) => Vec::new(),
    }
}

/// True when `seen` (the candidates a supervisor was shown) are exactly the values the field
/// holds now (`current`): the same values by the same authors. Anything else means the field
/// changed since, and a resolution made on `seen` must not be written.
pub fn same_values(seen: &[ConflictValue], current: &[ConflictValue]) -> bool {
    let key = |v: &ConflictValue| (v.actor.clone(), v.value.to_string());
    let mut a: Vec<_> = seen.iter().map(key).collect();
    let mut b: Vec<_> = current.iter().map(key).collect();
    a.sort();
    b.sort();
    a == b
}

/// Why a resolution could not be written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("the document has no field `{0}`")]
    NoSuchField(String),
    #[error("only text, numbers, true/false and null can settle a field")]
    UnsupportedValue,
    #[error("{0}")]
    Invalid(#[from] crate::contract::fields::FieldError),
    /// The field changed after the conflict was seen; nothing was written.
    #[error("the field has changed since this conflict was shown; it now holds {}", describe(.0))]
    Changed(Vec<ConflictValue>),
}

/// Checks a value a supervisor chose for `path` against the field's rule.
pub fn check_value(
    kind: Kind,
    path: &[String],
    value: &serde_json::Value,
) -> Result<(), ResolveError> {
    use crate::access::{FieldWrite, Written};
    let (text, written) = match value {
        serde_json::Value::String(s) => (Some(s.clone()), Written::Str),
        serde_json::Value::Bool(b) => (Some(b.to_string()), Written::Bool),
        serde_json::Value::Null => (Some("null".into()), Written::Null),
        serde_json::Value::Number(n) if n.is_i64() => (Some(n.to_string()), Written::Int),
        serde_json::Value::Number(n) => (Some(n.to_string()), Written::F64),
        _ => return Err(ResolveError::UnsupportedValue),
    };
    let write = FieldWrite {
        path: path.to_vec(),
        value: text,
        written,
    };
    crate::contract::fields::check(kind, &write)?;
    Ok(())
}

/// Writes `value` at `path` in a transaction, superseding every concurrent value there.
pub fn write_value(
    tx: &mut automerge::transaction::Transaction<'_>,
    path: &[String],
    value: &serde_json::Value,
) -> Result<(), ResolveError> {
    put_value(tx, path, value, false)
}

/// Like [`write_value`], making the maps on the way that do not exist (a refused new entry
/// that a supervisor accepts from quarantine).
pub fn write_value_making_maps(
    tx: &mut automerge::transaction::Transaction<'_>,
    path: &[String],
    value: &serde_json::Value,
) -> Result<(), ResolveError> {
    put_value(tx, path, value, true)
}

fn put_value(
    tx: &mut automerge::transaction::Transaction<'_>,
    path: &[String],
    value: &serde_json::Value,
    make_maps: bool,
) -> Result<(), ResolveError> {
    let scalar = match value {
        serde_json::Value::String(s) => ScalarValue::Str(s.as_str().into()),
        serde_json::Value::Bool(b) => ScalarValue::Boolean(*b),
        serde_json::Value::Null => ScalarValue::Null,
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => ScalarValue::Int(i),
            (None, Some(f)) => ScalarValue::F64(f),
            _ => return Err(ResolveError::UnsupportedValue),
        },
        _ => return Err(ResolveError::UnsupportedValue),
    };
    let missing = || ResolveError::NoSuchField(path.join("/"));
    let (key, parent_path) = path.split_last().ok_or_else(missing)?;
    let mut parent = ROOT;
    for seg in parent_path {
        parent = match tx.get(&parent, seg.as_str()) {
            Ok(Some((Value::Object(ObjType::Map), id))) => id,
            Ok(None) if make_maps => tx
                .put_object(&parent, seg.as_str(), ObjType::Map)
                .map_err(|_| missing())?,
            _ => return Err(missing()),
        };
    }
    tx.put(&parent, key.as_str(), scalar).map_err(|_| missing())
}

fn describe(values: &[ConflictValue]) -> String {
    values
        .iter()
        .map(|v| v.value.to_string())
        .collect::<Vec<_>>()
        .join(" / ")
}

fn actor_of(id: &ExId) -> Option<&ActorId> {
    match id {
        ExId::Id(_, actor, _) => Some(actor),
        ExId::Root => None,
    }
}

/// The timestamp of the change that made op `id` (the change by `actor` covering its counter).
fn change_time(doc: &Automerge, actor: &ActorId, id: &ExId) -> i64 {
    let ExId::Id(counter, _, _) = id else {
        return 0;
    };
    doc.get_changes(&[])
        .iter()
        .find(|c| {
            c.actor_id() == actor
                && c.start_op().get() <= *counter
                && *counter < c.start_op().get() + c.len() as u64
        })
        .map(|c| c.timestamp())
        .unwrap_or(0)
}

/// One value a field has held.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// The value after the change (`null` when the field was removed).
    pub value: serde_json::Value,
    /// The actor of the change that set it (hex).
    pub actor: String,
    /// The change's timestamp, seconds since the epoch (the author's clock).
    pub time: i64,
    /// The change's hash.
    pub change: String,
}

/// Every value `path` has held, in the order the changes were made: a change is listed when
/// the field reads differently after it than before it.
pub fn field_history(doc: &Automerge, path: &[String]) -> Vec<HistoryEntry> {
    let mut out = Vec::new();
    for change in doc.get_changes(&[]) {
        let before = read_at(doc, path, change.deps());
        let after = read_at(doc, path, &[change.hash()]);
        if before != after {
            out.push(HistoryEntry {
                value: after.unwrap_or(serde_json::Value::Null),
                actor: change.actor_id().to_hex_string(),
                time: change.timestamp(),
                change: change.hash().to_string(),
            });
        }
    }
    out
}

fn read_at(doc: &Automerge, path: &[String], heads: &[ChangeHash]) -> Option<serde_json::Value> {
    let (value, id) = resolve(doc, path, Some(heads))?;
    Some(match value {
        Value::Object(ObjType::Text) => serde_json::Value::String(doc.text_at(&id, heads).ok()?),
        other => to_json(doc, &other, &id),
    })
}

fn to_json(doc: &Automerge, value: &Value<'_>, id: &ExId) -> serde_json::Value {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => serde_json::Value::String(s.to_string()),
            ScalarValue::Int(i) => (*i).into(),
            ScalarValue::Uint(u) => (*u).into(),
            ScalarValue::F64(f) => serde_json::Number::from_f64(*f)
                .map(Into::into)
                .unwrap_or_default(),
            ScalarValue::Boolean(b) => (*b).into(),
            ScalarValue::Null => serde_json::Value::Null,
            other => serde_json::Value::String(other.to_string()),
        },
        Value::Object(ObjType::Text) => doc
            .text(id)
            .map(serde_json::Value::String)
            .unwrap_or_default(),
        Value::Object(_) => serde_json::Value::String("(object)".into()),
    }
}
