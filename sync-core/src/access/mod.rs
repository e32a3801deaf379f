//! Who may read and write what (docs/design.md, "Access policy"). The rules are data
//! ([`rules::RULES`]); this module turns the patches a peer's changes produce into field writes
//! and judges each one, and [`compensate`] undoes the refused ones.

mod compensate;
pub mod rules;

use std::fmt;

use automerge::{
    Automerge, ChangeHash, ObjId, ObjType, Patch, PatchAction, Prop, ReadDoc, ScalarValue, Value,
    ROOT,
};

use crate::contract::fields::{self, FieldError, Implausible, MINUTES_PER_DAY};
use crate::contract::{root_string, Kind, OrgPath, RootInfo};

pub use compensate::compensate;
use rules::{Guard, EDITABLE_ENTRY_STATES, RULES};

/// The four roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Worker,
    Volunteer,
    Supervisor,
    Admin,
}

impl Role {
    /// The role's name in tokens and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Volunteer => "volunteer",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "worker" => Role::Worker,
            "volunteer" => Role::Volunteer,
            "supervisor" => Role::Supervisor,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    /// Every role.
    pub const ALL: [Role; 4] = [Role::Worker, Role::Volunteer, Role::Supervisor, Role::Admin];
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated user on one device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user: String,
    pub role: Role,
    /// The org unit the user's scope covers (everything at or under it).
    pub org: OrgPath,
    pub device: String,
    /// Extra read scopes granted temporarily ("break the glass").
    pub extra_read: Vec<OrgPath>,
}

impl Principal {
    fn in_scope(&self, org: &OrgPath) -> bool {
        self.org.contains(org)
    }
}

/// May `who` read a stored document with this root? `owner` is the user the document belongs
/// to ([`owner_of`]): a volunteer document's `user`, or the person a request is assigned to.
/// Grid workers also read their community's record (its follow-up rules, its
/// organisations); what a worker may write in it is still nothing.
pub fn can_read(who: &Principal, root: &RootInfo, owner: Option<&str>) -> bool {
    let mine = owner == Some(who.user.as_str());
    match who.role {
        Role::Admin => true,
        Role::Volunteer => matches!(root.kind, Kind::Volunteer | Kind::Request) && mine,
        Role::Worker | Role::Supervisor => {
            who.in_scope(&root.org)
                || who.extra_read.iter().any(|o| o.contains(&root.org))
                || (root.kind == Kind::Request && mine)
                || (who.role == Role::Worker
                    && root.kind == Kind::Community
                    && root.org.contains(&who.org))
        }
    }
}

/// Why a write was refused; the text is sent to the peer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("a {role} may not create a {kind} document")]
    CreateKind { role: Role, kind: &'static str },
    #[error("document org {org} is outside your scope {scope}")]
    OutOfScope { org: String, scope: String },
    #[error("a volunteer document must belong to its creator")]
    NotOwner,
    #[error("a {role} may not write `{path}` of a {kind}")]
    Path {
        role: Role,
        kind: &'static str,
        path: String,
    },
    #[error("`{path}`: access to {org} is read-only (emergency access reads, never writes)")]
    ReadOnly { path: String, org: String },
    #[error("`{0}` may not be deleted: mark the member removed (`removed_reason`, `removed_on`)")]
    Deleted(String),
    #[error("{0}")]
    Value(#[from] FieldError),
    #[error("`{path}`: more than {MINUTES_PER_DAY} minutes logged for {date}")]
    DayLimit { path: String, date: String },
}

/// May `who` write into documents of `org`? Only within their own scope: what an emergency
/// grant opens (`extra_read`) is read-only, on every path.
pub fn may_write_in(who: &Principal, org: &OrgPath) -> bool {
    who.in_scope(org)
}

/// May `who` write into this stored document at all: within their scope, or as the person
/// a request was assigned to before these writes (`before`), who may then write only what
/// [`rules::ASSIGNEE_RULES`] allows.
pub fn may_write(who: &Principal, root: &RootInfo, doc: &Automerge, before: &[ChangeHash]) -> bool {
    may_write_in(who, &root.org) || is_assignee(who, root.kind, doc, before)
}

/// Is `who` the person a request is assigned to, as it stood at `before`? Only workers and
/// volunteers are assigned requests as people (an organisation is not a user).
pub fn is_assignee(who: &Principal, kind: Kind, doc: &Automerge, before: &[ChangeHash]) -> bool {
    if kind != Kind::Request || !matches!(who.role, Role::Worker | Role::Volunteer) {
        return false;
    }
    let at = |key: &str| read_value(doc, &[key.to_owned()], Some(before));
    matches!(at("assignee_kind").as_deref(), Some("worker" | "volunteer"))
        && at("assignee").as_deref() == Some(who.user.as_str())
}

/// Reads `who` makes only through an emergency grant (the document is outside their own
/// scope): each is audited.
pub fn reads_by_grant(who: &Principal, org: &OrgPath) -> bool {
    who.role != Role::Admin && !who.in_scope(org) && who.extra_read.iter().any(|o| o.contains(org))
}

/// May `who` create a document with this root? (`owner`: the volunteer document's `user`.)
pub fn check_create(
    who: &Principal,
    root: &RootInfo,
    owner: Option<&str>,
) -> Result<(), Violation> {
    if !rules::may_create(who.role, root.kind) {
        return Err(Violation::CreateKind {
            role: who.role,
            kind: root.kind.as_str(),
        });
    }
    if !who.in_scope(&root.org) {
        return Err(Violation::OutOfScope {
            org: root.org.to_string(),
            scope: who.org.to_string(),
        });
    }
    if who.role == Role::Volunteer && owner != Some(who.user.as_str()) {
        return Err(Violation::NotOwner);
    }
    Ok(())
}

/// One field a change wrote: its path from the root and, for scalar and text values, what it
/// holds now (`None` when deleted or an object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldWrite {
    pub path: Vec<String>,
    pub value: Option<String>,
    /// What kind of value the field holds after the write.
    pub written: Written,
}

/// What kind of value a write left in its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// A scalar string.
    Str,
    /// A text object (how the JavaScript client writes strings).
    Text,
    Int,
    Uint,
    F64,
    Bool,
    /// `null` (how typed clients write an absent optional field).
    Null,
    /// A map or list.
    Object,
    /// Any other scalar (bytes, counters, timestamps).
    Other,
    /// The field was deleted.
    Removed,
}

impl FieldWrite {
    /// The path as `a/b/c`.
    pub fn path_string(&self) -> String {
        self.path.join("/")
    }

    /// The field now holds `null`.
    pub fn is_null(&self) -> bool {
        self.written == Written::Null
    }

    /// The field holds a string (scalar or text object).
    pub fn is_string(&self) -> bool {
        matches!(self.written, Written::Str | Written::Text)
    }

    /// The value written, as JSON, when it is a scalar or text (`None` for objects and
    /// deletions).
    pub fn json_value(&self) -> Option<serde_json::Value> {
        let text = self.value.as_deref()?;
        Some(match self.written {
            Written::Str | Written::Text => serde_json::Value::String(text.to_owned()),
            Written::Int => text.parse::<i64>().ok()?.into(),
            Written::Uint => text.parse::<u64>().ok()?.into(),
            Written::F64 => serde_json::Number::from_f64(text.parse().ok()?)?.into(),
            Written::Bool => text.parse::<bool>().ok()?.into(),
            Written::Null => serde_json::Value::Null,
            Written::Object | Written::Other | Written::Removed => return None,
        })
    }
}

/// The document as it stood before a batch of writes: its heads then, and the list items the
/// batch inserted (read off its patches).
///
/// Whether a list item existed before is a question of identity, not index (see
/// [`exists_at`]). The items a batch inserted are exactly those its patches insert, so the
/// answer costs a set lookup; asking the list as it was at `heads` walked every item of it (a
/// household's 10,000th visit paid for the other 9,999 on every field it wrote: issue #21).
pub struct Before<'a> {
    heads: &'a [ChangeHash],
    inserted: std::collections::HashSet<ObjId>,
}

impl<'a> Before<'a> {
    /// The state at `heads`, which `patches` (every patch of the writes since) moved on.
    pub fn new(heads: &'a [ChangeHash], patches: &[Patch]) -> Self {
        let inserted = patches
            .iter()
            .filter_map(|patch| match &patch.action {
                PatchAction::Insert { values, .. } => {
                    Some(values.iter().map(|(_, id, _)| id.clone()))
                }
                _ => None,
            })
            .flatten()
            .collect();
        Self { heads, inserted }
    }
}

/// Judges one write by `role` to a `kind` document, given the document and what it was before
/// the write.
///
/// `assignee`: the writer is the person the request is assigned to ([`is_assignee`]), who
/// may also write what [`rules::ASSIGNEE_RULES`] allows.
pub fn check_write(
    role: Role,
    kind: Kind,
    doc: &Automerge,
    before: &Before<'_>,
    write: &FieldWrite,
    assignee: bool,
) -> Result<(), Violation> {
    // A new field holding `null` says nothing (typed clients write absent optional fields so).
    if write.is_null() && !exists_at(doc, &write.path, before) {
        return Ok(());
    }
    let by_role = RULES
        .iter()
        .filter(|r| r.role == role && r.kind == kind && rules::path_matches(r.path, &write.path))
        .any(|r| guard_holds(r.guard, fixed_len(r.path), doc, before, write));
    let as_assignee = || {
        assignee
            && rules::ASSIGNEE_RULES
                .iter()
                .filter(|(path, _)| rules::path_matches(path, &write.path))
                .any(|(path, guard)| guard_holds(*guard, fixed_len(path), doc, before, write))
    };
    let allowed = by_role || as_assignee();
    if allowed {
        Ok(())
    } else if kind == Kind::Household
        && write.written == Written::Removed
        && rules::path_matches("members/*", &write.path)
    {
        Err(Violation::Deleted(write.path_string()))
    } else {
        Err(Violation::Path {
            role,
            kind: kind.as_str(),
            path: write.path_string(),
        })
    }
}

/// Judges every write between `before` and the document's current heads; returns the refused
/// writes with their reasons.
pub fn check_changes(
    who: &Principal,
    kind: Kind,
    doc: &Automerge,
    before: &[ChangeHash],
) -> Vec<(FieldWrite, Violation)> {
    let after = doc.get_heads();
    check_patches(who, kind, doc, before, &doc.diff(before, &after))
}

/// [`check_changes`] for writes already known as `patches` (from the incremental patch log
/// of applying the changes that moved the document on from `before`): a diff walks the
/// whole document, and a busy household's diff costs far more than judging its writes.
pub fn check_patches(
    who: &Principal,
    kind: Kind,
    doc: &Automerge,
    before: &[ChangeHash],
    patches: &[Patch],
) -> Vec<(FieldWrite, Violation)> {
    judge_patches(who, kind, doc, before, patches, None).refused
}

/// What the server makes of one batch of writes.
#[derive(Debug, Default)]
pub struct Judgement {
    /// Writes refused, with why: the role may not make them, or the value breaks its rule.
    pub refused: Vec<(FieldWrite, Violation)>,
    /// Accepted values that are unlikely to be right, to flag for review.
    pub implausible: Vec<Implausible>,
}

/// Judges every write `patches` made: the access rules, then each value's rule
/// ([`fields::check`]), then a volunteer's minutes per day. With `now_ms` (when the server
/// received them) the accepted dates are also looked at for ones to flag.
pub fn judge_patches(
    who: &Principal,
    kind: Kind,
    doc: &Automerge,
    before: &[ChangeHash],
    patches: &[Patch],
    now_ms: Option<i64>,
) -> Judgement {
    let writes = field_writes(doc, patches);
    let assignee = is_assignee(who, kind, doc, before);
    let before = Before::new(before, patches);
    let mut refused: Vec<(FieldWrite, Violation)> = Vec::new();
    let mut accepted: Vec<FieldWrite> = Vec::new();
    for write in writes {
        let verdict = check_write(who.role, kind, doc, &before, &write, assignee)
            .and_then(|()| fields::check(kind, &write).map_err(Violation::from));
        match verdict {
            Ok(()) => accepted.push(write),
            Err(v) => refused.push((write, v)),
        }
    }
    if kind == Kind::Volunteer {
        let over = over_day_limit(doc, &accepted);
        accepted.retain(|w| !over.iter().any(|(o, _)| o == w));
        refused.extend(over);
    }
    let implausible = match now_ms {
        Some(now) => fields::implausible(kind, &accepted, now),
        None => Vec::new(),
    };
    Judgement {
        refused,
        implausible,
    }
}

/// The accepted writes to entries' `minutes` or `date` that leave a day with more than
/// [`MINUTES_PER_DAY`] minutes among the volunteer's entries (rejected ones not counted).
fn over_day_limit(doc: &Automerge, accepted: &[FieldWrite]) -> Vec<(FieldWrite, Violation)> {
    let touched = |w: &FieldWrite| {
        w.path.len() == 3
            && w.path[0] == "entries"
            && (w.path[2] == "minutes" || w.path[2] == "date")
    };
    if !accepted.iter().any(touched) {
        return Vec::new();
    }
    let Ok(Some((_, entries))) = doc.get(ROOT, "entries") else {
        return Vec::new();
    };
    let field = |entry: &ObjId, key: &str| -> Option<String> {
        match doc.get(entry, key).ok()?? {
            (Value::Scalar(s), _) => Some(match s.as_ref() {
                ScalarValue::Str(s) => s.to_string(),
                other => other.to_string(),
            }),
            (Value::Object(ObjType::Text), t) => doc.text(&t).ok(),
            _ => None,
        }
    };
    // The days the writes touch, then every entry of those days: one pass over the entries
    // reading each one's date only (a volunteer with a thousand entries pays a read each,
    // not four).
    let mut dates: std::collections::HashMap<String, String> = Default::default();
    for w in accepted.iter().filter(|w| touched(w)) {
        if let Ok(Some((_, entry))) = doc.get(&entries, w.path[1].as_str()) {
            if let Some(date) = field(&entry, "date") {
                dates.insert(w.path[1].clone(), date);
            }
        }
    }
    let days: std::collections::HashSet<&String> = dates.values().collect();
    let mut totals: std::collections::HashMap<String, i64> = Default::default();
    for item in doc.map_range(&entries, ..) {
        let entry = item.id();
        let Some(date) = field(&entry, "date").filter(|d| days.contains(d)) else {
            continue;
        };
        if field(&entry, "status").as_deref() == Some("rejected") {
            continue;
        }
        let Some(minutes) = field(&entry, "minutes") else {
            continue;
        };
        *totals.entry(date).or_default() += minutes.parse::<f64>().unwrap_or(0.0) as i64;
    }
    accepted
        .iter()
        .filter(|w| touched(w))
        .filter_map(|w| {
            let date = dates.get(&w.path[1])?;
            (totals.get(date).copied().unwrap_or(0) > MINUTES_PER_DAY).then(|| {
                (
                    w.clone(),
                    Violation::DayLimit {
                        path: w.path_string(),
                        date: date.clone(),
                    },
                )
            })
        })
        .collect()
}

/// How many leading segments of a rule's pattern name one field (everything but `**`).
fn fixed_len(pattern: &str) -> usize {
    pattern.split('/').filter(|p| *p != "**").count()
}

/// Does `guard` hold for `write`? `fixed` is how many leading segments of the write name the
/// field the rule is about (`New` asks whether that field existed before).
fn guard_holds(
    guard: Guard,
    fixed: usize,
    doc: &Automerge,
    before: &Before<'_>,
    write: &FieldWrite,
) -> bool {
    let entry_status_before = || {
        if write.path.len() < 2 || write.path[0] != "entries" {
            return None;
        }
        Some(read_string_at(
            doc,
            &write.path[..2],
            Some(before.heads),
            "status",
        ))
    };
    match guard {
        Guard::Always => true,
        Guard::New => !exists_at(doc, &write.path[..fixed.min(write.path.len())], before),
        Guard::ValueIn(values) => write.value.as_deref().is_some_and(|v| values.contains(&v)),
        Guard::Kept => write.written != Written::Removed,
        Guard::NewValueIn(values) => {
            guard_holds(Guard::New, fixed, doc, before, write)
                && guard_holds(Guard::ValueIn(values), fixed, doc, before, write)
        }
        Guard::EntryEditable => match entry_status_before() {
            Some(None) => !exists_at(doc, &write.path[..2], before),
            // Check-in hours are the server's, from the organiser's signed codes.
            Some(Some(status)) => {
                EDITABLE_ENTRY_STATES.contains(&status.as_str())
                    && read_string_at(doc, &write.path[..2], Some(before.heads), "source")
                        .as_deref()
                        != Some("checkin")
            }
            None => false,
        },
        Guard::EntryEditableValueIn(values) => {
            guard_holds(Guard::EntryEditable, fixed, doc, before, write)
                && guard_holds(Guard::ValueIn(values), fixed, doc, before, write)
        }
        Guard::EntryNew => write.path.len() >= 2 && !exists_at(doc, &write.path[..2], before),
        Guard::FromTo(from, to) => {
            read_value(doc, &write.path, Some(before.heads))
                .is_some_and(|v| from.contains(&v.as_str()))
                && write.value.as_deref().is_some_and(|v| to.contains(&v))
        }
    }
}

/// Turns patches into the field paths they wrote.
pub fn field_writes(doc: &Automerge, patches: &[Patch]) -> Vec<FieldWrite> {
    located_writes(doc, patches)
        .into_iter()
        .map(|(write, _)| write)
        .collect()
}

/// Like [`field_writes`], with the object holding each field (its parent map or list; for a
/// text edited in place, the text object). Values come from the patches themselves: walking
/// each path from the root again costs more than everything else a commit does.
pub(crate) fn located_writes(doc: &Automerge, patches: &[Patch]) -> Vec<(FieldWrite, ObjId)> {
    let mut out: Vec<(FieldWrite, ObjId)> = Vec::new();
    for patch in patches {
        let mut path: Vec<String> = patch.path.iter().map(|(_, p)| prop_string(p)).collect();
        let (value, written) = match &patch.action {
            PatchAction::PutMap { key, value, .. } => {
                path.push(key.clone());
                patch_value(doc, &value.0, &value.1)
            }
            PatchAction::PutSeq { index, value, .. } => {
                path.push(index.to_string());
                patch_value(doc, &value.0, &value.1)
            }
            PatchAction::Insert { index, values } => {
                path.push(index.to_string());
                match values.iter().next() {
                    Some((value, id, _)) => patch_value(doc, value, id),
                    None => (None, Written::Removed),
                }
            }
            PatchAction::DeleteMap { key } => {
                path.push(key.clone());
                (None, Written::Removed)
            }
            PatchAction::DeleteSeq { index, .. } => {
                path.push(index.to_string());
                (None, Written::Removed)
            }
            PatchAction::Increment { prop, .. } | PatchAction::Conflict { prop } => {
                path.push(prop_string(prop));
                match resolve(doc, &path, None) {
                    Some((value, id)) => patch_value(doc, &value, &id),
                    None => (None, Written::Removed),
                }
            }
            // Text edited in place: the write is the text field itself, holding its new text.
            PatchAction::SpliceText { .. } | PatchAction::Mark { .. } => {
                (doc.text(&patch.obj).ok(), Written::Text)
            }
        };
        let write = FieldWrite {
            path,
            value,
            written,
        };
        if !out.iter().any(|(w, _)| *w == write) {
            out.push((write, patch.obj.clone()));
        }
    }
    out
}

/// What a patch's value says as a field value (text as its string), and its kind.
fn patch_value(doc: &Automerge, value: &Value<'_>, id: &ObjId) -> (Option<String>, Written) {
    match value {
        Value::Scalar(s) => {
            let written = match s.as_ref() {
                ScalarValue::Str(s) => return (Some(s.to_string()), Written::Str),
                ScalarValue::Null => Written::Null,
                ScalarValue::Int(_) => Written::Int,
                ScalarValue::Uint(_) => Written::Uint,
                ScalarValue::F64(_) => Written::F64,
                ScalarValue::Boolean(_) => Written::Bool,
                _ => Written::Other,
            };
            (Some(s.to_string()), written)
        }
        Value::Object(ObjType::Text) => (doc.text(id).ok(), Written::Text),
        Value::Object(_) => (None, Written::Object),
    }
}

fn prop_string(p: &Prop) -> String {
    match p {
        Prop::Map(k) => k.to_string(),
        Prop::Seq(i) => i.to_string(),
    }
}

/// Finds the object at `path` (at `heads`, or now).
pub(crate) fn resolve(
    doc: &Automerge,
    path: &[String],
    heads: Option<&[ChangeHash]>,
) -> Option<(Value<'static>, ObjId)> {
    let mut obj = ROOT;
    let mut found: Option<(Value<'static>, ObjId)> = Some((Value::Object(ObjType::Map), ROOT));
    for seg in path {
        let prop = match doc.object_type(&obj).ok()? {
            ObjType::List | ObjType::Text => Prop::Seq(seg.parse().ok()?),
            _ => Prop::Map(seg.clone()),
        };
        let got = match heads {
            Some(h) => doc.get_at(&obj, prop, h).ok()?,
            None => doc.get(&obj, prop).ok()?,
        };
        let (value, id) = got?;
        let value = value.to_owned();
        obj = id.clone();
        found = Some((value, id));
    }
    found
}

/// Did the field at `path` (a path in the document as it is now) exist `before`?
///
/// List elements are followed by identity, not by index: when other devices' items were
/// inserted into a list concurrently, index 0 now may be a different item than index 0 then
/// (a visit logged on one phone must not count as existing because another phone's visit sat
/// at that index). An item there now existed before unless the writes since inserted it (an
/// item once deleted never comes back). A list element that is gone now is looked up by
/// index, as it was.
fn exists_at(doc: &Automerge, path: &[String], before: &Before<'_>) -> bool {
    let heads = before.heads;
    let mut obj = ROOT;
    for seg in path {
        let Ok(kind) = doc.object_type(&obj) else {
            return resolve(doc, path, Some(heads)).is_some();
        };
        let next = match kind {
            ObjType::List | ObjType::Text => {
                let Ok(index) = seg.parse::<usize>() else {
                    return false;
                };
                match doc.get(&obj, index) {
                    Ok(Some((_, id))) if before.inserted.contains(&id) => return false,
                    Ok(Some((_, id))) => id,
                    _ => return resolve(doc, path, Some(heads)).is_some(),
                }
            }
            _ => match doc.get_at(&obj, seg.as_str(), heads) {
                Ok(Some((_, id))) => id,
                _ => return false,
            },
        };
        obj = next;
    }
    true
}

fn read_value(doc: &Automerge, path: &[String], heads: Option<&[ChangeHash]>) -> Option<String> {
    match resolve(doc, path, heads)? {
        (Value::Scalar(s), _) => Some(match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            other => other.to_string(),
        }),
        (Value::Object(ObjType::Text), id) => match heads {
            Some(h) => doc.text_at(&id, h).ok(),
            None => doc.text(&id).ok(),
        },
        _ => None,
    }
}

fn read_string_at(
    doc: &Automerge,
    parent: &[String],
    heads: Option<&[ChangeHash]>,
    key: &str,
) -> Option<String> {
    let mut path = parent.to_vec();
    path.push(key.to_owned());
    read_value(doc, &path, heads)
}

/// The user a document belongs to, if any: a volunteer document's `user`, or the worker or
/// volunteer a request is assigned to (`assignee`, when `assignee_kind` says it is a person).
pub fn owner_of(doc: &Automerge) -> Option<String> {
    match root_string(doc, "kind").as_deref() {
        Some("volunteer") => root_string(doc, "user"),
        Some("request")
            if matches!(
                root_string(doc, "assignee_kind").as_deref(),
                Some("worker" | "volunteer")
            ) =>
        {
            root_string(doc, "assignee").filter(|a| !a.is_empty())
        }
        _ => None,
    }
}
