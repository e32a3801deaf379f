//! Follow-up plans: when a household is next to be visited. The interval follows from its
//! tags and the community's rules (the community record's `follow_up_rules`, days by tag,
//! `default` for the rest) or, where the community set none, [`DEFAULT_DAYS`]. The next visit
//! is due on the day the last visit set (`follow_up`), else the last visit's day plus the
//! interval. The web app computes the same on the phone (`clients/web/src/follow_up.ts`);
//! supervisors see the overdue counts per grid from this one.

use std::collections::BTreeMap;

use crate::calendar;

use super::{employment, Household};

/// Days between visits by tag when the community set no rule (**Linli's defaults**: the
/// policy names the groups to care for, not how often; weekly for 独居老人, fortnightly for
/// 特困 and 五保, monthly for the other groups in need, quarterly for everyone else).
pub const DEFAULT_DAYS: &[(&str, i64)] = &[
    ("living_alone", 7),
    ("tekun", 14),
    ("wubao", 14),
    ("disabled", 30),
    ("dibao", 30),
    ("empty_nest", 30),
    ("left_behind", 30),
    ("zero_employment", 30),
    ("default", 90),
];

/// Where a household stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpState {
    /// Never visited (late, like overdue).
    Never,
    /// The due day has passed.
    Overdue,
    /// Due today.
    Today,
    /// Due within the next six days.
    Week,
    /// Due later.
    Later,
}

/// A household's next visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUp {
    pub state: FollowUpState,
    /// The day it is due; `None` when never visited.
    pub due: Option<String>,
    /// The interval that applies, in days.
    pub every: i64,
}

/// The days a rule sets for `tag`: the community's, else the default.
fn days_for(tag: &str, rules: &BTreeMap<String, i64>) -> Option<i64> {
    rules
        .get(tag)
        .copied()
        .or_else(|| {
            DEFAULT_DAYS
                .iter()
                .find(|(t, _)| *t == tag)
                .map(|(_, d)| *d)
        })
        .filter(|d| *d > 0)
}

/// The interval for a household with these tags: the shortest of their rules, else the
/// `default` one.
pub fn interval_for<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    rules: &BTreeMap<String, i64>,
) -> i64 {
    tags.into_iter()
        .filter(|t| *t != "default")
        .filter_map(|t| days_for(t, rules))
        .min()
        .or_else(|| days_for("default", rules))
        .unwrap_or(90)
}

/// The tags a household carries on `day`: those set, and `zero_employment` when it is one.
pub fn tags_on(h: &Household, day: &str) -> Vec<String> {
    let mut tags: Vec<String> = h
        .tags
        .iter()
        .filter(|(_, set)| **set)
        .map(|(t, _)| t.clone())
        .collect();
    if employment::zero_employment_on(h, day) == Some(true) {
        tags.push("zero_employment".into());
    }
    tags
}

/// The household's next visit as of `today` (`YYYY-MM-DD`), under `rules`, with visit times
/// read as dates in time zone `zone`.
pub fn follow_up_of(
    h: &Household,
    today: &str,
    rules: &BTreeMap<String, i64>,
    zone: &str,
) -> FollowUp {
    let tags = tags_on(h, today);
    let last = h
        .visits
        .iter()
        .max_by(|a, b| a.at.cmp(&b.at))
        .map(|v| (v.at.as_str(), v.follow_up.as_deref()));
    next_visit(tags.iter().map(String::as_str), last, today, rules, zone)
}

/// The next visit of a household with these `tags` whose last visit was `last` (its time and
/// the follow-up day it set), as of `today`: what [`follow_up_of`] computes, from the facts
/// the server keeps in its projection.
pub fn next_visit<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    last: Option<(&str, Option<&str>)>,
    today: &str,
    rules: &BTreeMap<String, i64>,
    zone: &str,
) -> FollowUp {
    let every = interval_for(tags, rules);
    let due = last.and_then(|(at, follow_up)| {
        follow_up
            .filter(|d| calendar::is_date(d))
            .map(str::to_owned)
            .or_else(|| calendar::add_days(&calendar::local_date(at, zone)?, every))
    });
    let state = match due.as_deref() {
        None => FollowUpState::Never,
        Some(d) => state_of(d, today),
    };
    FollowUp { state, due, every }
}

/// Whether a visit due on `due` is overdue, due today, this week or later, on `today`.
pub fn state_of(due: &str, today: &str) -> FollowUpState {
    let week_end = calendar::add_days(today, 6).unwrap_or_else(|| today.to_owned());
    if due < today {
        FollowUpState::Overdue
    } else if due == today {
        FollowUpState::Today
    } else if due <= week_end.as_str() {
        FollowUpState::Week
    } else {
        FollowUpState::Later
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::calendar::DEFAULT_TIME_ZONE as ZONE;
    use crate::contract::{Member, Visit};

    fn household(tags: &[&str], visits: &[(&str, Option<&str>)]) -> Household {
        Household {
            tags: tags.iter().map(|t| (t.to_string(), true)).collect(),
            visits: visits
                .iter()
                .enumerate()
                .map(|(i, (at, follow_up))| Visit {
                    id: format!("v{i}"),
                    at: at.to_string(),
                    follow_up: follow_up.map(str::to_owned),
                    ..Visit::default()
                })
                .collect(),
            ..Household::default()
        }
    }

    #[test]
    fn the_shortest_rule_of_a_household_s_tags_applies() {
        let none = BTreeMap::new();
        assert_eq!(interval_for(["living_alone", "dibao"], &none), 7);
        assert_eq!(interval_for(["dibao"], &none), 30);
        assert_eq!(interval_for(["migrant"], &none), 90, "no rule: default");
        assert_eq!(interval_for([], &none), 90);
        let community = BTreeMap::from([("dibao".to_string(), 10), ("default".to_string(), 60)]);
        assert_eq!(interval_for(["dibao", "disabled"], &community), 10);
        assert_eq!(interval_for(["migrant"], &community), 60);
        assert_eq!(
            interval_for(["living_alone"], &community),
            7,
            "a tag the community left alone keeps its default"
        );
    }

    #[test]
    fn the_next_visit_follows_the_last_one() {
        let none = BTreeMap::new();
        let never = follow_up_of(&household(&["dibao"], &[]), "2026-12-02", &none, ZONE);
        assert_eq!(
            (never.state, never.due, never.every),
            (FollowUpState::Never, None, 30)
        );
        // Visited at 05:30 Beijing time on 25 November (21:30Z the day before); weekly.
        let alone = household(&["living_alone"], &[("2026-11-24T21:30:00Z", None)]);
        let f = follow_up_of(&alone, "2026-12-02", &none, ZONE);
        assert_eq!(f.due.as_deref(), Some("2026-12-02"));
        assert_eq!(f.state, FollowUpState::Today);
        assert_eq!(
            follow_up_of(&alone, "2026-12-03", &none, ZONE).state,
            FollowUpState::Overdue
        );
        assert_eq!(
            follow_up_of(&alone, "2026-11-26", &none, ZONE).state,
            FollowUpState::Week
        );
        assert_eq!(
            follow_up_of(&alone, "2026-11-25", &none, ZONE).state,
            FollowUpState::Later
        );
        // The date the last visit set wins over the rule; the latest visit counts.
        let set = household(
            &["living_alone"],
            &[
                ("2026-11-30T09:00:00+08:00", Some("2026-12-20")),
                ("2026-11-01T09:00:00+08:00", None),
            ],
        );
        assert_eq!(
            follow_up_of(&set, "2026-12-02", &none, ZONE).due.as_deref(),
            Some("2026-12-20")
        );
    }

    #[test]
    fn a_zero_employment_household_is_visited_monthly() {
        let mut h = household(&[], &[("2026-11-01", None)]);
        h.members.insert(
            "m1".into(),
            Member {
                name: "陈明".into(),
                birth_year: Some(1980),
                employment: "unemployed".into(),
                ..Member::default()
            },
        );
        assert_eq!(
            tags_on(&h, "2026-12-02"),
            vec!["zero_employment".to_string()]
        );
        let f = follow_up_of(&h, "2026-12-02", &BTreeMap::new(), ZONE);
        assert_eq!((f.every, f.due.as_deref()), (30, Some("2026-12-01")));
        assert_eq!(f.state, FollowUpState::Overdue);
    }
}
