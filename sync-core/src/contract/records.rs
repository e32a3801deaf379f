//! The schema-1 records of docs/design.md as typed Rust structs.
//!
//! Writing goes through autosurgeon's `Reconcile`; reading goes through serde over the document's
//! JSON view ([`read_record`]), which accepts both scalar strings and automerge text objects (the
//! JavaScript client writes strings as text) and integers written as floats.

use std::collections::BTreeMap;

use autosurgeon::Reconcile;
use serde::{Deserialize, Serialize};

use super::lenient;

/// The schema version every record carries.
pub const SCHEMA_VERSION: i64 = 1;

/// Tags on a household or member, e.g. `dibao: true` (低保).
pub type Tags = BTreeMap<String, bool>;

/// One household (户), registered and visited by grid workers.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Household {
    pub kind: String,
    #[serde(deserialize_with = "lenient::int")]
    pub schema: i64,
    pub org: String,
    pub address: String,
    pub tags: Tags,
    pub members: BTreeMap<String, Member>,
    pub visits: Vec<Visit>,
    pub review: Option<Review>,
    /// Set when a duplicate registration was merged into another household document.
    pub merged_into: Option<String>,
    /// Every change of a tag with its day, keyed by an id the device makes up (append-only:
    /// `tags` holds the state now, this when it changed).
    pub tag_changes: BTreeMap<String, TagChange>,
}

/// A tag set or cleared on a day.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct TagChange {
    /// The tag's code (`dibao`, `living_alone`, …; [`HOUSEHOLD_TAGS`](super::fields::HOUSEHOLD_TAGS)).
    pub tag: String,
    /// The day it took effect.
    pub on: String,
    /// `true`: set from that day; `false`: cleared.
    pub set: bool,
    /// Who recorded it.
    pub by: String,
}

/// One resident of a household.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Member {
    pub name: String,
    pub gender: String,
    #[serde(deserialize_with = "lenient::opt_int")]
    pub birth_year: Option<i64>,
    /// Relation to the head of household: "head", "spouse", "child", "parent", ...
    pub relation: String,
    /// Last four characters of the ID card number; never the whole number.
    pub id_tail: String,
    pub phone: String,
    /// "employed", "unemployed", "retired", "student", "unable"; empty when unknown. The status
    /// as last recorded, with no date: `employment_history` says since when.
    pub employment: String,
    /// Dated employment statuses, keyed by an id the device makes up: the status from `since`
    /// until the next one. Indicators read the status on a given day from here (and from
    /// `employment` where the history says nothing).
    pub employment_history: BTreeMap<String, EmploymentSpell>,
    /// Whether the person is able to work (有劳动能力); absent when not asked.
    pub able_to_work: Option<bool>,
    /// Whether the person wants work (有就业愿望); absent when not asked.
    pub willing_to_work: Option<bool>,
    /// Skills trainings received (就业技能培训), keyed by an id the device makes up.
    pub trainings: BTreeMap<String, Training>,
    pub health_record: bool,
    pub tags: Tags,
    /// Why the member no longer lives in the household: empty while they do, else
    /// `moved_out`, `deceased` or `registered_elsewhere`. Members are never deleted.
    pub removed_reason: String,
    /// When the member left, a date, with `removed_reason`.
    pub removed_on: Option<String>,
    /// A disability (残疾) as its certificate states it; absent when none is recorded.
    pub disability: Option<Disability>,
}

/// A member's disability: its kind and grade (一级 to 四级).
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Disability {
    /// One of [`DISABILITY_KINDS`](super::fields::DISABILITY_KINDS).
    pub kind: String,
    /// 1 (most severe) to 4; absent when not known.
    #[serde(deserialize_with = "lenient::opt_int")]
    pub grade: Option<i64>,
}

impl Member {
    /// The member has left the household (moved out, died, registered elsewhere).
    pub fn is_removed(&self) -> bool {
        !self.removed_reason.is_empty()
    }
}

/// An employment status from a date on.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct EmploymentSpell {
    /// The first day of this status.
    pub since: String,
    /// One of the `employment` values (not empty).
    pub status: String,
}

/// One skills training a resident received.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Training {
    /// The day it ended (or took place).
    pub on: String,
    pub course: String,
}

/// One visit to a household (民情日志).
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Visit {
    #[key]
    pub id: String,
    pub at: String,
    pub by: String,
    pub purpose: String,
    pub notes: String,
    pub needs: Vec<String>,
    pub follow_up: Option<String>,
    /// A supervisor's review of this visit record (`received`, `has_issues`, `approved`).
    pub review: Option<Review>,
    /// Where the phone was, when the worker allowed it to say.
    pub location: Option<Location>,
}

/// A point the phone reported (WGS 84 degrees) and how sure it was, in metres.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    #[serde(deserialize_with = "lenient::opt_int")]
    pub accuracy_m: Option<i64>,
}

/// A supervisor's review of a household record.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Review {
    /// "received", "has_issues" or "approved"
    pub status: String,
    pub note: String,
    pub by: String,
    pub at: String,
}

/// One registered volunteer (志愿者) and their service hours.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Volunteer {
    pub kind: String,
    #[serde(deserialize_with = "lenient::int")]
    pub schema: i64,
    pub org: String,
    /// The user id (token `sub`) this document belongs to.
    pub user: String,
    pub name: String,
    /// The day the volunteer registered (注册), absent in documents written before it was
    /// recorded (they count as registered on every day).
    pub registered_on: Option<String>,
    pub skills: Vec<String>,
    pub entries: BTreeMap<String, Entry>,
}

/// One logged stretch of volunteer service.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Entry {
    pub date: String,
    #[serde(deserialize_with = "lenient::int")]
    pub minutes: i64,
    pub activity: String,
    pub category: String,
    /// "self", "checkin" or "supervisor"
    pub source: String,
    /// "submitted", "approved", "rejected" or "has_issues"
    pub status: String,
    pub review: Option<EntryReview>,
}

/// A supervisor's decision on an entry.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct EntryReview {
    pub by: String,
    pub at: String,
    pub note: String,
}

/// A service request (困有所助、难有所帮、需有所应).
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Request {
    pub kind: String,
    #[serde(deserialize_with = "lenient::int")]
    pub schema: i64,
    pub org: String,
    /// The household's document id, when the request is about one.
    pub household: Option<String>,
    /// Where the service is needed (the household's address when it was opened): the
    /// person it is assigned to may not read the household itself.
    pub address: String,
    pub category: String,
    pub description: String,
    /// One of [`REQUEST_STATES`](super::fields::REQUEST_STATES).
    pub status: String,
    /// Who the request is assigned to: a user name, or an organisation's id in the
    /// community record (by [`assignee_kind`](Self::assignee_kind)).
    pub assignee: Option<String>,
    /// `worker`, `volunteer` or `organization`; empty while unassigned.
    pub assignee_kind: String,
    /// `normal` or `urgent`; empty: normal.
    pub urgency: String,
    /// The day it is to be resolved by, set when it is assigned.
    pub due: Option<String>,
    /// What was done, written when it is resolved.
    pub outcome: String,
    pub log: Vec<LogItem>,
    /// The requester's satisfaction when the request was closed: `satisfied`,
    /// `basically_satisfied`, `dissatisfied`, or empty when not asked.
    pub satisfaction: String,
}

/// One step in a request's history.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct LogItem {
    pub at: String,
    pub by: String,
    pub text: String,
    pub status: Option<String>,
}

/// A community (社区) with its facilities and civil organisations.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Community {
    pub kind: String,
    #[serde(deserialize_with = "lenient::int")]
    pub schema: i64,
    pub org: String,
    pub name: String,
    /// The community's stated resident total (居民总数), 0 when not stated.
    #[serde(deserialize_with = "lenient::int")]
    pub residents: i64,
    /// A village (rural) community; targets for cities do not apply to it.
    pub rural: bool,
    /// The day it was recognised as a provincial demonstration community (省级和谐社区示范),
    /// absent when it is not.
    pub demonstration_since: Option<String>,
    pub facilities: BTreeMap<String, Facility>,
    pub organizations: BTreeMap<String, Organization>,
    /// Figures of the health administration, entered by a supervisor, keyed by an id.
    pub health_figures: BTreeMap<String, HealthFigures>,
    /// Days between visits by household tag (and `default` for the others), as the
    /// community set them; Linli's defaults where it set none
    /// ([`follow_up::DEFAULT_DAYS`](super::follow_up::DEFAULT_DAYS)).
    #[serde(deserialize_with = "lenient::int_map")]
    pub follow_up_rules: BTreeMap<String, i64>,
}

/// Health-service figures for a community as the health administration states them.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthFigures {
    /// The day the figures are for.
    pub as_of: String,
    /// Population covered by community health services, in tenths of a percent (0–1000).
    #[serde(deserialize_with = "lenient::opt_int")]
    pub coverage_permille: Option<i64>,
    /// Share of outpatient visits made at community health services, in tenths of a percent.
    #[serde(deserialize_with = "lenient::opt_int")]
    pub outpatient_permille: Option<i64>,
    /// Where the figures come from (the office and its document).
    pub source: String,
}

/// A facility of a community (居民课堂、文体站、图书阅览室 ...).
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Facility {
    pub name: String,
    /// One of [`FACILITY_CATEGORIES`](super::fields::FACILITY_CATEGORIES) for the facilities
    /// the policy lists, else free text.
    pub category: String,
}

/// A civil organisation (民间组织) active in a community.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Organization {
    pub name: String,
    pub category: String,
    pub registered: bool,
}

/// Any of the four records, by `kind`.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Household(Household),
    Volunteer(Volunteer),
    Request(Request),
    Community(Community),
}

/// Reads a document's root as a typed record of type `T`.
pub fn read_record<T: serde::de::DeserializeOwned>(
    doc: &automerge::Automerge,
) -> Result<T, serde_json::Error> {
    serde_json::from_value(to_json(doc))
}

/// The document's root as JSON (text objects become strings).
pub fn to_json(doc: &automerge::Automerge) -> serde_json::Value {
    serde_json::to_value(automerge::AutoSerde::from(doc)).unwrap_or(serde_json::Value::Null)
}
