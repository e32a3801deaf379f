//! What each field of each kind may hold: its type, range and format (docs/data-contract.md
//! lists the same). The server checks every value a peer writes against [`FIELDS`] before it
//! commits; a value that breaks its rule is refused like any other refused write (quarantine,
//! compensating change, an `error` naming the field and the rule). Values that are valid but
//! unlikely (a date far from when the server received it) are kept and flagged for review
//! ([`implausible`]).

use crate::access::{rules::path_matches, FieldWrite, Written};
use crate::calendar;

use super::Kind;

/// The rule a field's value must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A string of at most this many characters.
    Text(usize),
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// A moment (`2026-11-20T05:30:00Z`, or with an offset) or a calendar date.
    Moment,
    /// Like `Moment`, or empty (a review not made yet).
    MomentOrEmpty,
    /// Whole minutes of service, 1 to 1440 (one day).
    Minutes,
    /// A year of birth, 1900 to 2199.
    BirthYear,
    /// A whole number from 0 to this.
    Count(i64),
    /// `true` or `false`.
    Bool,
    /// The last characters of an ID card number: up to 4 digits or `X`.
    IdTail,
    /// A phone number: up to 20 digits, spaces, `+`, `-`, `(` and `)`, and `*` for digits
    /// masked when it was recorded.
    Phone,
    /// A whole number from the first to the second, both included.
    Between(i64, i64),
    /// Degrees of latitude (90) or longitude (180): a number, not necessarily whole, from
    /// minus this to this.
    Degrees(i64),
}

impl Rule {
    /// Whether a text value follows the rule (a number or a boolean never does for text
    /// rules, nor text for the others).
    pub fn accepts_text(self, s: &str) -> bool {
        match self {
            Text(max) => s.chars().count() <= max,
            OneOf(values) => values.contains(&s),
            Date => calendar::is_date(s),
            Moment => calendar::when_ms(s).is_some(),
            MomentOrEmpty => s.is_empty() || calendar::when_ms(s).is_some(),
            IdTail => {
                s.chars().count() <= 4
                    && s.chars()
                        .all(|c| c.is_ascii_digit() || c == 'X' || c == 'x')
            }
            Phone => {
                s.chars().count() <= 20
                    && s.chars()
                        .all(|c| c.is_ascii_digit() || " +-()*".contains(c))
            }
            Minutes | BirthYear | Count(_) | Bool | Between(..) | Degrees(_) => false,
        }
    }

    /// Whether a number follows the rule (whole where the rule counts: minutes, years,
    /// counts, grades).
    pub fn accepts_number(self, n: f64) -> bool {
        let whole = (n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64);
        match self {
            Minutes => whole.is_some_and(|m| (1..=MINUTES_PER_DAY).contains(&m)),
            BirthYear => whole.is_some_and(|y| (1900..2200).contains(&y)),
            Count(max) => whole.is_some_and(|c| (0..=max).contains(&c)),
            Between(min, max) => whole.is_some_and(|c| (min..=max).contains(&c)),
            Degrees(max) => n.is_finite() && n.abs() <= max as f64,
            Text(_) | OneOf(_) | Date | Moment | MomentOrEmpty | Bool | IdTail | Phone => false,
        }
    }

    /// The rule as the refusal names it.
    pub fn describe(self) -> String {
        match self {
            Rule::Text(max) => format!("text of at most {max} characters"),
            Rule::OneOf(values) => format!(
                "one of {}",
                values
                    .iter()
                    .map(|v| if v.is_empty() { "\"\"" } else { v })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Rule::Date => "a date YYYY-MM-DD".into(),
            Rule::Moment => "a time YYYY-MM-DDTHH:MM:SSZ (or a date)".into(),
            Rule::MomentOrEmpty => "a time YYYY-MM-DDTHH:MM:SSZ, a date, or empty".into(),
            Rule::Minutes => "whole minutes from 1 to 1440".into(),
            Rule::BirthYear => "a year from 1900 to 2199".into(),
            Rule::Count(max) => format!("a whole number from 0 to {max}"),
            Rule::Bool => "true or false".into(),
            Rule::IdTail => "up to 4 digits or X".into(),
            Rule::Phone => "a phone number (digits, spaces, + - ( ) *, at most 20)".into(),
            Rule::Between(min, max) => format!("a whole number from {min} to {max}"),
            Rule::Degrees(max) => format!("degrees from -{max} to {max}"),
        }
    }
}

use Kind::{Community, Household, Request, Volunteer};
use Rule::*;

/// Review states of households and visits.
pub const REVIEW_STATES: &[&str] = &["received", "has_issues", "approved"];
/// States of a volunteer entry.
pub const ENTRY_STATES: &[&str] = &["submitted", "approved", "rejected", "has_issues"];
/// Who logged a volunteer entry.
pub const ENTRY_SOURCES: &[&str] = &["self", "checkin", "supervisor"];
/// States of a service request: opened by a worker, assigned by a supervisor, in progress
/// and resolved by whoever it is assigned to, closed by a supervisor.
pub const REQUEST_STATES: &[&str] = &["open", "assigned", "in_progress", "resolved", "closed"];
/// How urgent a request is (empty: normal).
pub const URGENCY: &[&str] = &["", "normal", "urgent"];
/// Who a request is assigned to (empty: nobody yet): a user who is a grid worker or a
/// volunteer, or an organisation of the community record (by its id there).
pub const ASSIGNEE_KINDS: &[&str] = &["", "worker", "volunteer", "organization"];
/// The request categories the apps offer, with the days a request of each has from its
/// opening to be resolved (**Linli's defaults**: the policy asks that needs be answered, not
/// how fast; safety first, housing slowest). A category not listed has
/// [`OTHER_REQUEST_DAYS`]; an urgent request has [`URGENT_REQUEST_DAYS`] whatever its
/// category. The same codes are a visit's `needs`.
pub const REQUEST_CATEGORIES: &[(&str, i64)] = &[
    ("elderly", 5),
    ("medical", 3),
    ("employment", 10),
    ("financial", 7),
    ("housing", 15),
    ("education", 10),
    ("disability", 5),
    ("children", 5),
    ("environment", 7),
    ("safety", 2),
    ("dispute", 5),
    ("other", 10),
];
/// Days to resolve a request of a category [`REQUEST_CATEGORIES`] does not list.
pub const OTHER_REQUEST_DAYS: i64 = 10;
/// Days to resolve an urgent request.
pub const URGENT_REQUEST_DAYS: i64 = 1;

/// The day a request of `category` and `urgency` opened on `opened` (a date or moment's
/// first ten characters) is due.
pub fn request_due(category: &str, urgency: &str, opened: &str) -> Option<String> {
    let days = if urgency == "urgent" {
        URGENT_REQUEST_DAYS
    } else {
        REQUEST_CATEGORIES
            .iter()
            .find(|(c, _)| *c == category)
            .map_or(OTHER_REQUEST_DAYS, |(_, d)| *d)
    };
    calendar::add_days(opened.get(..10)?, days)
}

/// The tags a grid worker sets on a household, by code: 低保, 特困/三无, 五保, 残疾, 独居老人,
/// 空巢老人, 留守儿童, 流动人口, 优抚对象. (零就业家庭, `zero_employment`, is derived from the
/// members' employment and never set.)
pub const HOUSEHOLD_TAGS: &[&str] = &[
    "dibao",
    "tekun",
    "wubao",
    "disabled",
    "living_alone",
    "empty_nest",
    "left_behind",
    "migrant",
    "youfu",
];
/// Kinds of disability as a disability certificate names them: 视力, 听力, 言语, 肢体, 智力,
/// 精神, 多重.
pub const DISABILITY_KINDS: &[&str] = &[
    "visual",
    "hearing",
    "speech",
    "physical",
    "intellectual",
    "mental",
    "multiple",
];
/// What a visit was for, as the apps offer it (a visit's `purpose` is text: older visits and
/// other clients may hold free text): 日常走访, 回访, 紧急情况, 政策宣传, 矛盾调解, 关爱帮扶, 其他.
pub const VISIT_PURPOSES: &[&str] = &[
    "routine",
    "follow_up",
    "emergency",
    "policy",
    "mediation",
    "care",
    "other",
];
/// A member's employment.
pub const EMPLOYMENT: &[&str] = &["", "employed", "unemployed", "retired", "student", "unable"];
/// A dated employment status (never empty: unknown is no entry).
pub const EMPLOYMENT_STATUS: &[&str] = &["employed", "unemployed", "retired", "student", "unable"];
/// How satisfied the requester was when a request closed (empty: not asked).
pub const SATISFACTION: &[&str] = &["", "satisfied", "basically_satisfied", "dissatisfied"];
/// The facilities every community must have (policy §八 and §五), by category code:
/// 居民课堂, 综合文体站（室）, 图书阅览室, 公共信息栏, 体育健身设施, 慈善超市.
pub const FACILITY_CATEGORIES: &[&str] = &[
    "classroom",
    "culture",
    "library",
    "notice_board",
    "fitness",
    "charity_supermarket",
];
/// A member's relation to the head of household.
pub const RELATIONS: &[&str] = &[
    "",
    "head",
    "spouse",
    "child",
    "parent",
    "grandchild",
    "grandparent",
    "sibling",
    "other",
];
/// Why a member left a household (empty: they live there).
pub const REMOVAL_REASONS: &[&str] = &["", "moved_out", "deceased", "registered_elsewhere"];
/// A member's gender, as the apps write it.
pub const GENDERS: &[&str] = &["", "男", "女", "male", "female"];

/// Longest id a record refers to (members, visits, entries, users, documents).
const ID: Rule = Text(64);
/// Longest note or free description.
const NOTE: Rule = Text(2000);
/// Longest name, category or short label.
const LABEL: Rule = Text(100);

/// Every checked field: kind, path pattern (as in the access rules), rule. A write to a
/// path not listed here is judged by the access rules alone (maps and lists themselves).
pub const FIELDS: &[(Kind, &str, Rule)] = &[
    (Household, "address", Text(200)),
    (Household, "tags/*", Bool),
    (Household, "members/*/name", Text(50)),
    (Household, "members/*/gender", OneOf(GENDERS)),
    (Household, "members/*/birth_year", BirthYear),
    (Household, "members/*/relation", OneOf(RELATIONS)),
    (Household, "members/*/id_tail", IdTail),
    (Household, "members/*/phone", Phone),
    (Household, "members/*/employment", OneOf(EMPLOYMENT)),
    (Household, "members/*/health_record", Bool),
    (Household, "members/*/employment_history/*/since", Date),
    (
        Household,
        "members/*/employment_history/*/status",
        OneOf(EMPLOYMENT_STATUS),
    ),
    (Household, "members/*/able_to_work", Bool),
    (Household, "members/*/willing_to_work", Bool),
    (Household, "members/*/trainings/*/on", Date),
    (Household, "members/*/trainings/*/course", LABEL),
    (Household, "members/*/tags/*", Bool),
    (
        Household,
        "members/*/removed_reason",
        OneOf(REMOVAL_REASONS),
    ),
    (Household, "members/*/removed_on", Date),
    (
        Household,
        "members/*/disability/kind",
        OneOf(DISABILITY_KINDS),
    ),
    (Household, "members/*/disability/grade", Between(1, 4)),
    (Household, "tag_changes/*/tag", OneOf(HOUSEHOLD_TAGS)),
    (Household, "tag_changes/*/on", Date),
    (Household, "tag_changes/*/set", Bool),
    (Household, "tag_changes/*/by", ID),
    (Household, "visits/*/location/lat", Degrees(90)),
    (Household, "visits/*/location/lon", Degrees(180)),
    (Household, "visits/*/location/accuracy_m", Count(100_000)),
    (Household, "visits/*/id", ID),
    (Household, "visits/*/at", Moment),
    (Household, "visits/*/by", ID),
    (Household, "visits/*/purpose", LABEL),
    (Household, "visits/*/notes", NOTE),
    (Household, "visits/*/needs/*", LABEL),
    (Household, "visits/*/follow_up", Date),
    (Household, "visits/*/review/status", OneOf(REVIEW_STATES)),
    (Household, "visits/*/review/note", NOTE),
    (Household, "visits/*/review/by", ID),
    (Household, "visits/*/review/at", MomentOrEmpty),
    (Household, "review/status", OneOf(REVIEW_STATES)),
    (Household, "review/note", NOTE),
    (Household, "review/by", ID),
    (Household, "review/at", MomentOrEmpty),
    (Household, "merged_into", ID),
    (Volunteer, "user", ID),
    (Volunteer, "name", Text(50)),
    (Volunteer, "registered_on", Date),
    (Volunteer, "skills/*", LABEL),
    (Volunteer, "entries/*/date", Date),
    (Volunteer, "entries/*/minutes", Minutes),
    (Volunteer, "entries/*/activity", Text(200)),
    (Volunteer, "entries/*/category", LABEL),
    (Volunteer, "entries/*/source", OneOf(ENTRY_SOURCES)),
    (Volunteer, "entries/*/status", OneOf(ENTRY_STATES)),
    (Volunteer, "entries/*/review/by", ID),
    (Volunteer, "entries/*/review/at", MomentOrEmpty),
    (Volunteer, "entries/*/review/note", NOTE),
    (Request, "household", ID),
    (Request, "address", Text(200)),
    (Request, "category", LABEL),
    (Request, "description", NOTE),
    (Request, "status", OneOf(REQUEST_STATES)),
    (Request, "assignee", ID),
    (Request, "assignee_kind", OneOf(ASSIGNEE_KINDS)),
    (Request, "urgency", OneOf(URGENCY)),
    (Request, "due", Date),
    (Request, "outcome", NOTE),
    (Request, "log/*/at", Moment),
    (Request, "log/*/by", ID),
    (Request, "log/*/text", NOTE),
    (Request, "log/*/status", OneOf(REQUEST_STATES)),
    (Request, "satisfaction", OneOf(SATISFACTION)),
    (Community, "name", LABEL),
    (Community, "residents", Count(10_000_000)),
    (Community, "rural", Bool),
    (Community, "demonstration_since", Date),
    (Community, "facilities/*/name", LABEL),
    (Community, "facilities/*/category", LABEL),
    (Community, "organizations/*/name", LABEL),
    (Community, "organizations/*/category", LABEL),
    (Community, "organizations/*/registered", Bool),
    (Community, "health_figures/*/as_of", Date),
    (Community, "health_figures/*/coverage_permille", Count(1000)),
    (
        Community,
        "health_figures/*/outpatient_permille",
        Count(1000),
    ),
    (Community, "health_figures/*/source", LABEL),
    (Community, "follow_up_rules/*", Between(1, 366)),
];

/// Fields that must hold a value whenever they are written (`null` breaks them); every other
/// checked field may be `null` (absent).
const REQUIRED: &[Rule] = &[Minutes];

/// Most minutes one volunteer may log for one day.
pub const MINUTES_PER_DAY: i64 = 1440;

/// A value that breaks its field's rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{path}` must be {rule}")]
pub struct FieldError {
    pub path: String,
    pub rule: String,
}

/// The rule for `path` of a `kind` document, if the field is checked.
pub fn rule_for(kind: Kind, path: &[String]) -> Option<Rule> {
    FIELDS
        .iter()
        .find(|(k, pattern, _)| *k == kind && path_matches(pattern, path))
        .map(|(_, _, rule)| *rule)
}

/// Checks the value one write left in its field. Deletions pass (the access rules judge
/// them), as does `null` in an optional field.
pub fn check(kind: Kind, write: &FieldWrite) -> Result<(), FieldError> {
    let Some(rule) = rule_for(kind, &write.path) else {
        return Ok(());
    };
    let ok = match write.written {
        Written::Removed => true,
        Written::Null => !REQUIRED.contains(&rule),
        _ => holds(rule, write),
    };
    if ok {
        Ok(())
    } else {
        Err(FieldError {
            path: write.path_string(),
            rule: rule.describe(),
        })
    }
}

fn holds(rule: Rule, write: &FieldWrite) -> bool {
    let Some(value) = write.value.as_deref() else {
        return false;
    };
    match write.written {
        Written::Bool => rule == Bool,
        Written::Int | Written::Uint | Written::F64 => {
            value.parse().is_ok_and(|n: f64| rule.accepts_number(n))
        }
        _ if write.is_string() => rule.accepts_text(value),
        _ => false,
    }
}

/// How far from the time the server received it a date may lie before it is flagged.
pub const PLAUSIBLE_DAYS: i64 = 30;

/// A valid value that is unlikely to be right, kept and shown to a supervisor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Implausible {
    pub path: Vec<String>,
    pub value: String,
    /// Why it is flagged: `date_in_future`, or `date_long_before` (more than
    /// [`PLAUSIBLE_DAYS`] before the server received it).
    pub why: String,
}

/// Dates written by `writes` that lie far from `now_ms` (when the server received them): a
/// volunteer entry or a visit more than [`PLAUSIBLE_DAYS`] before, or after the day it was
/// received. Only values that passed [`check`] are looked at.
pub fn implausible(kind: Kind, writes: &[FieldWrite], now_ms: i64) -> Vec<Implausible> {
    const DAY_MS: i64 = 86_400_000;
    let dated: &[&str] = match kind {
        Household => &["visits/*/at"],
        Volunteer => &["entries/*/date"],
        _ => &[],
    };
    let mut out = Vec::new();
    for write in writes {
        if !dated.iter().any(|p| path_matches(p, &write.path)) {
            continue;
        }
        let Some(value) = write.value.as_deref().filter(|_| write.is_string()) else {
            continue;
        };
        let Some(when) = calendar::when_ms(value) else {
            continue;
        };
        // A date names a whole day (in any time zone): it is in the future only from the day
        // after the one the server is in.
        let why = if when > now_ms + DAY_MS {
            "date_in_future"
        } else if when < now_ms - PLAUSIBLE_DAYS * DAY_MS {
            "date_long_before"
        } else {
            continue;
        };
        out.push(Implausible {
            path: write.path.clone(),
            value: value.to_owned(),
            why: why.to_owned(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &str, value: &str, written: Written) -> FieldWrite {
        FieldWrite {
            path: path.split('/').map(str::to_owned).collect(),
            value: Some(value.to_owned()),
            written,
        }
    }

    #[test]
    fn minutes() {
        let ok = |v: &str, w| check(Volunteer, &write("entries/e/minutes", v, w)).is_ok();
        assert!(ok("90", Written::Int));
        assert!(ok("1440", Written::Uint));
        assert!(ok("60", Written::F64));
        assert!(!ok("-30", Written::Int));
        assert!(!ok("0", Written::Int));
        assert!(!ok("100000", Written::Int));
        assert!(!ok("1.5", Written::F64));
        assert!(!ok("90", Written::Str), "a string is not a number");
        assert!(!ok("null", Written::Null), "minutes are required");
    }

    #[test]
    fn dates_and_codes() {
        let vol = |p: &str, v: &str| check(Volunteer, &write(p, v, Written::Text));
        assert!(vol("entries/e/date", "2026-11-20").is_ok());
        let err = vol("entries/e/date", "not-a-date").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`entries/e/date` must be a date YYYY-MM-DD"
        );
        assert!(vol("entries/e/status", "approved").is_ok());
        assert!(vol("entries/e/status", "done").is_err());
        let hh = |p: &str, v: &str| check(Household, &write(p, v, Written::Str));
        assert!(hh("visits/0/at", "2026-11-20T05:30:00Z").is_ok());
        assert!(hh("visits/0/at", "yesterday").is_err());
        assert!(hh("review/at", "").is_ok());
        assert!(hh("members/m/id_tail", "123X").is_ok());
        assert!(hh("members/m/id_tail", "12345").is_err());
        assert!(hh("address", &"路".repeat(201)).is_err());
        assert!(hh("members/m/employment", "unemployed").is_ok());
        assert!(hh("members/m/employment", "jobless").is_err());
        assert!(check(
            Household,
            &write("members/m/birth_year", "null", Written::Null)
        )
        .is_ok());
        assert!(check(Household, &write("tags/dibao", "true", Written::Bool)).is_ok());
        assert!(check(Household, &write("tags/dibao", "yes", Written::Str)).is_err());
        // Unlisted paths (maps themselves) are the access rules' business.
        assert!(check(Household, &write("members/m", "", Written::Object)).is_ok());
    }

    #[test]
    fn the_worker_s_day_vocabularies() {
        let hh = |p: &str, v: &str, w| check(Household, &write(p, v, w)).is_ok();
        // A masked phone as the contract allows it (the rule refused `*` before).
        assert!(hh("members/m/phone", "138****5678", Written::Str));
        assert!(!hh("members/m/phone", "138#5678", Written::Str));
        assert!(hh("members/m/disability/kind", "physical", Written::Str));
        assert!(!hh("members/m/disability/kind", "limb", Written::Str));
        assert!(hh("members/m/disability/grade", "2", Written::Int));
        assert!(!hh("members/m/disability/grade", "5", Written::Int));
        assert!(!hh("members/m/disability/grade", "0", Written::Int));
        assert!(hh("tag_changes/c1/tag", "living_alone", Written::Str));
        assert!(
            !hh("tag_changes/c1/tag", "zero_employment", Written::Str),
            "derived, never set"
        );
        assert!(hh("tag_changes/c1/on", "2026-11-30", Written::Str));
        assert!(hh("tag_changes/c1/set", "false", Written::Bool));
        assert!(hh("visits/0/location/lat", "31.2304", Written::F64));
        assert!(hh("visits/0/location/lon", "-121.47", Written::F64));
        assert!(hh("visits/0/location/lon", "121", Written::Int));
        assert!(!hh("visits/0/location/lat", "91.5", Written::F64));
        assert!(!hh("visits/0/location/lat", "NaN", Written::F64));
        assert!(!hh("visits/0/location/lat", "31.2", Written::Str));
        assert!(hh("visits/0/location/accuracy_m", "25", Written::Int));
        let rq = |p: &str, v: &str| check(Request, &write(p, v, Written::Str)).is_ok();
        assert!(rq("status", "in_progress"));
        assert!(rq("urgency", "urgent") && !rq("urgency", "asap"));
        assert!(rq("assignee_kind", "organization") && !rq("assignee_kind", "team"));
        assert!(rq("due", "2026-12-05") && !rq("due", "next week"));
        let community = |v: &str| {
            check(
                Community,
                &write("follow_up_rules/living_alone", v, Written::Int),
            )
            .is_ok()
        };
        assert!(community("7") && !community("0") && !community("400"));
    }

    #[test]
    fn a_request_is_due_by_its_category_s_time_limit() {
        assert_eq!(
            request_due("medical", "", "2026-11-30T09:00:00+08:00").as_deref(),
            Some("2026-12-03")
        );
        assert_eq!(
            request_due("housing", "normal", "2026-12-20").as_deref(),
            Some("2027-01-04")
        );
        assert_eq!(
            request_due("就业", "", "2026-11-30").as_deref(),
            Some("2026-12-10"),
            "a category not listed"
        );
        assert_eq!(
            request_due("housing", "urgent", "2026-11-30").as_deref(),
            Some("2026-12-01")
        );
        assert_eq!(request_due("medical", "", "soon"), None);
    }

    #[test]
    fn implausible_dates_are_flagged() {
        // 2026-11-20T00:00:00Z
        let now = 1_795_132_800_000;
        let writes = [
            write("entries/a/date", "2026-11-20", Written::Text),
            write("entries/b/date", "2026-11-21", Written::Text),
            write("entries/c/date", "2099-12-31", Written::Text),
            write("entries/d/date", "1900-01-01", Written::Text),
            write("entries/e/date", "2026-10-25", Written::Text),
        ];
        let flagged: Vec<_> = implausible(Volunteer, &writes, now)
            .into_iter()
            .map(|f| f.path.join("/"))
            .collect();
        assert_eq!(flagged, ["entries/c/date", "entries/d/date"]);
        let visits = [
            write("visits/0/at", "2031-01-01T09:00:00Z", Written::Str),
            write("visits/1/at", "2019-05-01T09:00:00Z", Written::Str),
            write("visits/2/at", "2026-11-19T21:30:00Z", Written::Str),
        ];
        let flagged = implausible(Household, &visits, now);
        assert_eq!(flagged.len(), 2);
        assert_eq!(flagged[0].why, "date_in_future");
        assert_eq!(flagged[1].why, "date_long_before");
    }
}
