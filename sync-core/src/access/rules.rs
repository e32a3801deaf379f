//! The access policy of docs/design.md as data: which role may write which paths of which kind of
//! document, and under what condition. A write is allowed when some rule matches it and the
//! rule's guard holds; everything else is refused.

use crate::contract::Kind;

use super::Role;

/// A condition a write must meet besides its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// No further condition.
    Always,
    /// The path did not exist before the write (fields fixed at creation).
    New,
    /// The volunteer entry containing the path is new, or still `submitted` / `has_issues`.
    EntryEditable,
    /// Like `EntryEditable`, and the value written is one of these.
    EntryEditableValueIn(&'static [&'static str]),
    /// The value written is one of these.
    ValueIn(&'static [&'static str]),
    /// The write does not delete the field.
    Kept,
    /// Like `New`, and the value written is one of these (a record's initial state).
    NewValueIn(&'static [&'static str]),
    /// The volunteer entry containing the path is new (a supervisor logging hours for someone).
    EntryNew,
    /// The field held one of the first values before and is given one of the second: an
    /// author resubmitting a record that was sent back.
    FromTo(&'static [&'static str], &'static [&'static str]),
}

/// One line of the policy. Paths are `/`-separated; `*` matches one map key or list index and
/// a trailing `**` matches the path itself and everything below it.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub role: Role,
    pub kind: Kind,
    pub path: &'static str,
    pub guard: Guard,
}

const fn rule(role: Role, kind: Kind, path: &'static str, guard: Guard) -> Rule {
    Rule {
        role,
        kind,
        path,
        guard,
    }
}

use Guard::*;
use Kind::{Community, Household, Request, Volunteer};
use Role::{Supervisor, Volunteer as Vol, Worker};

/// Entry states a volunteer may still edit.
pub const EDITABLE_ENTRY_STATES: &[&str] = &["submitted", "has_issues"];

/// The whole write policy. Fields fixed at creation (`kind`, `schema`, `org`, and a volunteer
/// document's `user`) are writable only by the rules marked `New`; nobody may change them later.
pub const RULES: &[Rule] = &[
    // Grid workers: households and requests in their grids; never `review` or `merged_into`.
    rule(Worker, Household, "kind", New),
    rule(Worker, Household, "schema", New),
    rule(Worker, Household, "org", New),
    rule(Worker, Household, "address/**", Always),
    rule(Worker, Household, "tags/**", Always),
    // A tag's changes with their days are appended, never edited: the map is made once (the
    // apps make it with the household) and each entry is written when it is made.
    rule(Worker, Household, "tag_changes", New),
    rule(Worker, Household, "tag_changes/*/**", New),
    // Members are never deleted: a member who left is marked so (`removed_reason`,
    // `removed_on`), and the members map is made once, with the household.
    rule(Worker, Household, "members", New),
    rule(Worker, Household, "members/*", Kept),
    rule(Worker, Household, "members/*/*/**", Always),
    // A household or visit sent back (`has_issues`) may be resubmitted by its worker.
    rule(
        Worker,
        Household,
        "review/status",
        FromTo(&["has_issues"], &["received"]),
    ),
    rule(
        Worker,
        Household,
        "visits/*/review/status",
        FromTo(&["has_issues"], &["received"]),
    ),
    // The contract's initial review, on creation only: `{status: "received", note: "", by:
    // "", at: ""}` (docs/data-contract.md).
    rule(Worker, Household, "review", New),
    rule(
        Worker,
        Household,
        "review/status",
        NewValueIn(&["received"]),
    ),
    rule(Worker, Household, "review/note", NewValueIn(&[""])),
    rule(Worker, Household, "review/by", NewValueIn(&[""])),
    rule(Worker, Household, "review/at", NewValueIn(&[""])),
    rule(Worker, Household, "visits/*/review", New),
    rule(
        Worker,
        Household,
        "visits/*/review/status",
        NewValueIn(&["received"]),
    ),
    rule(Worker, Household, "visits/*/review/note", NewValueIn(&[""])),
    rule(Worker, Household, "visits/*/review/by", NewValueIn(&[""])),
    rule(Worker, Household, "visits/*/review/at", NewValueIn(&[""])),
    rule(Worker, Household, "visits", Always),
    rule(Worker, Household, "visits/*", Always),
    rule(Worker, Household, "visits/*/id", Always),
    rule(Worker, Household, "visits/*/at/**", Always),
    rule(Worker, Household, "visits/*/by/**", Always),
    rule(Worker, Household, "visits/*/purpose/**", Always),
    rule(Worker, Household, "visits/*/notes/**", Always),
    rule(Worker, Household, "visits/*/needs/**", Always),
    rule(Worker, Household, "visits/*/follow_up/**", Always),
    rule(Worker, Household, "visits/*/location/**", Always),
    rule(Worker, Request, "kind", New),
    rule(Worker, Request, "schema", New),
    rule(Worker, Request, "org", New),
    rule(Worker, Request, "household/**", Always),
    rule(Worker, Request, "address/**", Always),
    rule(Worker, Request, "category/**", Always),
    rule(Worker, Request, "description/**", Always),
    rule(
        Worker,
        Request,
        "status",
        ValueIn(&["open", "in_progress", "resolved"]),
    ),
    rule(Worker, Request, "assignee", NewValueIn(&[""])),
    rule(Worker, Request, "assignee_kind", NewValueIn(&[""])),
    rule(Worker, Request, "urgency/**", Always),
    rule(Worker, Request, "outcome/**", Always),
    rule(Worker, Request, "log/**", Always),
    rule(Worker, Request, "satisfaction/**", Always),
    // Volunteers: their own document; entries only while submitted or sent back, and never
    // check-in entries (the server credits those from signed codes); never approval,
    // rejection or review.
    rule(Vol, Volunteer, "kind", New),
    rule(Vol, Volunteer, "schema", New),
    rule(Vol, Volunteer, "org", New),
    rule(Vol, Volunteer, "user", New),
    rule(Vol, Volunteer, "registered_on", New),
    rule(Vol, Volunteer, "name/**", Always),
    rule(Vol, Volunteer, "skills/**", Always),
    rule(Vol, Volunteer, "entries", New),
    rule(Vol, Volunteer, "entries/*", EntryEditable),
    rule(Vol, Volunteer, "entries/*/date/**", EntryEditable),
    rule(Vol, Volunteer, "entries/*/minutes", EntryEditable),
    rule(Vol, Volunteer, "entries/*/activity/**", EntryEditable),
    rule(Vol, Volunteer, "entries/*/category/**", EntryEditable),
    rule(
        Vol,
        Volunteer,
        "entries/*/source",
        EntryEditableValueIn(&["self"]),
    ),
    rule(
        Vol,
        Volunteer,
        "entries/*/status",
        EntryEditableValueIn(&["submitted"]),
    ),
    // An entry's empty review, as the contract shows it, on creation only.
    rule(Vol, Volunteer, "entries/*/review", New),
    rule(Vol, Volunteer, "entries/*/review/by", NewValueIn(&[""])),
    rule(Vol, Volunteer, "entries/*/review/at", NewValueIn(&[""])),
    rule(Vol, Volunteer, "entries/*/review/note", NewValueIn(&[""])),
    // Supervisors: review, entry status, request assignment and status, community records;
    // they may register volunteers and log hours on someone's behalf.
    rule(Supervisor, Household, "review/**", Always),
    rule(Supervisor, Household, "merged_into/**", Always),
    rule(Supervisor, Household, "visits/*/review/**", Always),
    rule(Supervisor, Volunteer, "kind", New),
    rule(Supervisor, Volunteer, "schema", New),
    rule(Supervisor, Volunteer, "org", New),
    rule(Supervisor, Volunteer, "user", New),
    rule(Supervisor, Volunteer, "registered_on", New),
    rule(Supervisor, Volunteer, "name/**", New),
    rule(Supervisor, Volunteer, "skills/**", New),
    rule(Supervisor, Volunteer, "entries", New),
    rule(Supervisor, Volunteer, "entries/*", EntryNew),
    rule(Supervisor, Volunteer, "entries/*/**", EntryNew),
    rule(
        Supervisor,
        Volunteer,
        "entries/*/status",
        ValueIn(&["submitted", "approved", "rejected", "has_issues"]),
    ),
    rule(Supervisor, Volunteer, "entries/*/review/**", Always),
    rule(Supervisor, Request, "kind", New),
    rule(Supervisor, Request, "schema", New),
    rule(Supervisor, Request, "org", New),
    rule(Supervisor, Request, "household/**", New),
    rule(Supervisor, Request, "address/**", Always),
    rule(Supervisor, Request, "category/**", New),
    rule(Supervisor, Request, "description/**", New),
    rule(Supervisor, Request, "assignee/**", Always),
    rule(Supervisor, Request, "assignee_kind", Always),
    rule(Supervisor, Request, "urgency/**", Always),
    rule(Supervisor, Request, "due/**", Always),
    rule(Supervisor, Request, "outcome/**", Always),
    rule(
        Supervisor,
        Request,
        "status",
        ValueIn(&["open", "assigned", "in_progress", "resolved", "closed"]),
    ),
    rule(Supervisor, Request, "log/**", Always),
    rule(Supervisor, Request, "satisfaction/**", Always),
    rule(Supervisor, Community, "kind", New),
    rule(Supervisor, Community, "schema", New),
    rule(Supervisor, Community, "org", New),
    rule(Supervisor, Community, "name/**", Always),
    rule(Supervisor, Community, "residents", Always),
    rule(Supervisor, Community, "facilities/**", Always),
    rule(Supervisor, Community, "organizations/**", Always),
    rule(Supervisor, Community, "rural", Always),
    rule(Supervisor, Community, "demonstration_since/**", Always),
    rule(Supervisor, Community, "health_figures/**", Always),
    rule(Supervisor, Community, "follow_up_rules/**", Always),
];

/// What the person a request is assigned to may write in it, whatever their role and
/// wherever their own scope lies (a volunteer, or a worker of another grid): log entries
/// appended, the status in progress or resolved, and the outcome. Kinds and roles in these
/// lines are ignored: they apply to requests, to the assignee.
pub const ASSIGNEE_RULES: &[(&str, Guard)] = &[
    ("log/*/**", New),
    ("status", ValueIn(&["in_progress", "resolved"])),
    ("outcome/**", Always),
];

/// The kinds of document each role may create.
pub fn may_create(role: Role, kind: Kind) -> bool {
    matches!(
        (role, kind),
        (Worker, Household)
            | (Worker, Request)
            | (Vol, Volunteer)
            | (Supervisor, Volunteer)
            | (Supervisor, Request)
            | (Supervisor, Community)
    )
}

/// True when `pattern` matches the field path `segments`.
pub fn path_matches(pattern: &str, segments: &[String]) -> bool {
    // Without allocating: every write of every message is matched against every rule of its
    // role and kind (a Vec per call was a sixth of the server's CPU in the burst, issue #21).
    let (fixed, subtree) = match pattern.strip_suffix("/**") {
        _ if pattern == "**" => (None, true),
        Some(rest) => (Some(rest), true),
        None => (Some(pattern), false),
    };
    let mut segments = segments.iter();
    for part in fixed.into_iter().flat_map(|f| f.split('/')) {
        match segments.next() {
            Some(segment) if part == "*" || part == segment => {}
            _ => return false,
        }
    }
    subtree || segments.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    fn path(p: &str) -> Vec<String> {
        if p.is_empty() {
            Vec::new()
        } else {
            p.split('/').map(str::to_owned).collect()
        }
    }

    #[test]
    fn patterns_match_as_the_rules_mean_them() {
        let cases = [
            ("**", "", true),
            ("**", "a/b/c", true),
            ("address/**", "address", true),
            ("address/**", "address/street", true),
            ("address/**", "addresses", false),
            ("address/**", "", false),
            ("members/*", "members/m1", true),
            ("members/*", "members", false),
            ("members/*", "members/m1/name", false),
            ("members/*/*/**", "members/m1/name", true),
            ("members/*/*/**", "members/m1/name/x", true),
            ("members/*/*/**", "members/m1", false),
            ("visits/*/review/status", "visits/3/review/status", true),
            ("visits/*/review/status", "visits/3/review/note", false),
            ("kind", "kind", true),
            ("kind", "kind/x", false),
            ("kind", "org", false),
        ];
        for (pattern, segments, want) in cases {
            assert_eq!(
                path_matches(pattern, &path(segments)),
                want,
                "{pattern} against {segments:?}"
            );
        }
    }
}
