//! Employment as the indicators read it (docs/indicators.md): a member's status on a given
//! day, whether they count as able and willing to work, working age, and when a household is
//! a zero-employment household (零就业家庭).
//!
//! Days are `YYYY-MM-DD` strings, compared as text (the format sorts by date).

use super::records::{Household, Member};

/// The first day the records can speak of: an undated status holds from here on.
pub const BEGINNING: &str = "1900-01-01";

/// Working age, in years reached during the calendar year (**interpretation**: from 16 to
/// the statutory retirement age, taken as 60 for everyone; the policy gives no figure).
pub const WORKING_AGE: std::ops::RangeInclusive<i64> = 16..=59;

/// The age a person born in `birth_year` reaches in the year of `day`.
pub fn age_on(birth_year: i64, day: &str) -> Option<i64> {
    let year: i64 = day.get(0..4)?.parse().ok()?;
    Some(year - birth_year)
}

/// One stretch of a member's employment: `status` from `since` up to (not including) `until`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spell {
    pub since: String,
    pub until: Option<String>,
    pub status: String,
}

/// A member's employment spells in order. From the dated history when there is one (before
/// its first day the status is unknown); else the undated `employment`, if any, from
/// [`BEGINNING`] on. Two entries for one day (made on two phones): the later id wins.
pub fn spells(m: &Member) -> Vec<Spell> {
    let mut dated: Vec<(&str, &str)> = m
        .employment_history
        .values()
        .filter(|s| crate::calendar::is_date(&s.since) && !s.status.is_empty())
        .map(|s| (s.since.as_str(), s.status.as_str()))
        .collect();
    if dated.is_empty() {
        if m.employment.is_empty() {
            return Vec::new();
        }
        return vec![Spell {
            since: BEGINNING.to_owned(),
            until: None,
            status: m.employment.clone(),
        }];
    }
    // Stable sort by day: entries of one day keep the map's (id) order, the last one wins.
    dated.sort_by_key(|(since, _)| *since);
    let mut out: Vec<Spell> = Vec::with_capacity(dated.len());
    for (since, status) in dated {
        match out.last_mut() {
            Some(last) if last.since == since => last.status = status.to_owned(),
            _ => out.push(Spell {
                since: since.to_owned(),
                until: None,
                status: status.to_owned(),
            }),
        }
    }
    for i in 1..out.len() {
        let next = out[i].since.clone();
        out[i - 1].until = Some(next);
    }
    out
}

/// The member's employment status on `day`, `None` when unknown.
pub fn status_on(m: &Member, day: &str) -> Option<String> {
    spells(m)
        .into_iter()
        .find(|s| s.since.as_str() <= day && s.until.as_deref().is_none_or(|u| day < u))
        .map(|s| s.status)
}

/// Whether the member counts as able and willing to work (有劳动能力和就业愿望): neither is
/// recorded as "no" (**interpretation**: a person recorded as unemployed is taken to be able
/// and willing unless the worker recorded otherwise).
pub fn able_and_willing(m: &Member) -> bool {
    m.able_to_work != Some(false) && m.willing_to_work != Some(false)
}

/// Whether the member lives in the household on `day`: not removed, or removed after it.
/// A member removed without a date is taken to be gone on every day.
pub fn present_on(m: &Member, day: &str) -> bool {
    if !m.is_removed() {
        return true;
    }
    m.removed_on
        .as_deref()
        .is_some_and(|left| crate::calendar::is_date(left) && day < left)
}

/// Whether the household is a zero-employment household on `day`: it has working-age members
/// able and willing to work, and every one of them is unemployed. `None` when it cannot be
/// told (one of them has no known status, and none is known to be employed). A member of
/// unknown age counts as working age when their status is employed or unemployed.
pub fn zero_employment_on(h: &Household, day: &str) -> Option<bool> {
    if h.merged_into.as_deref().is_some_and(|m| !m.is_empty()) {
        return Some(false);
    }
    let (mut unemployed, mut unknown) = (false, false);
    for m in h.members.values() {
        if !present_on(m, day) || !able_and_willing(m) {
            continue;
        }
        let status = status_on(m, day);
        let working_age = match m.birth_year {
            Some(y) => age_on(y, day).is_some_and(|a| WORKING_AGE.contains(&a)),
            None => matches!(status.as_deref(), Some("employed" | "unemployed")),
        };
        if !working_age {
            continue;
        }
        match status.as_deref() {
            Some("employed") => return Some(false),
            Some("unemployed") => unemployed = true,
            Some(_) => {}
            None => unknown = true,
        }
    }
    if unknown {
        None
    } else {
        Some(unemployed)
    }
}

/// The stretches of time in which the household is a zero-employment household:
/// `(since, until)`, `until` excluded, `None` while it still is. Evaluated on every day its
/// state can change: a status's first day, a member's leaving, and 1 January of the years
/// members come of or leave working age.
pub fn zero_employment_stretches(h: &Household) -> Vec<(String, Option<String>)> {
    let mut days: Vec<String> = vec![BEGINNING.to_owned()];
    for m in h.members.values() {
        days.extend(spells(m).into_iter().map(|s| s.since));
        if let Some(left) = m
            .removed_on
            .as_deref()
            .filter(|d| crate::calendar::is_date(d))
        {
            days.push(left.to_owned());
        }
        if let Some(y) = m.birth_year {
            for age in [*WORKING_AGE.start(), *WORKING_AGE.end() + 1] {
                let year = y + age;
                if (1900..2200).contains(&year) {
                    days.push(format!("{year:04}-01-01"));
                }
            }
        }
    }
    days.sort();
    days.dedup();
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut open: Option<String> = None;
    for day in days {
        let zero = zero_employment_on(h, &day) == Some(true);
        match (&open, zero) {
            (None, true) => open = Some(day),
            (Some(_), false) => out.push((open.take().unwrap_or_default(), Some(day))),
            _ => {}
        }
    }
    if let Some(since) = open {
        out.push((since, None));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::contract::records::EmploymentSpell;

    fn person(born: i64, history: &[(&str, &str)]) -> Member {
        Member {
            birth_year: Some(born),
            employment_history: history
                .iter()
                .enumerate()
                .map(|(i, (since, status))| {
                    (
                        format!("e{i}"),
                        EmploymentSpell {
                            since: (*since).into(),
                            status: (*status).into(),
                        },
                    )
                })
                .collect(),
            ..Member::default()
        }
    }

    fn household(members: Vec<Member>) -> Household {
        Household {
            members: members
                .into_iter()
                .enumerate()
                .map(|(i, m)| (format!("m{i}"), m))
                .collect::<BTreeMap<_, _>>(),
            ..Household::default()
        }
    }

    #[test]
    fn status_follows_the_dated_history() {
        let m = person(
            1980,
            &[("2026-03-01", "employed"), ("2026-01-10", "unemployed")],
        );
        assert_eq!(
            status_on(&m, "2025-12-31"),
            None,
            "before the history: unknown"
        );
        assert_eq!(status_on(&m, "2026-01-10").as_deref(), Some("unemployed"));
        assert_eq!(status_on(&m, "2026-02-28").as_deref(), Some("unemployed"));
        assert_eq!(status_on(&m, "2026-03-01").as_deref(), Some("employed"));
        let undated = Member {
            employment: "retired".into(),
            ..Member::default()
        };
        assert_eq!(
            status_on(&undated, "2001-05-05").as_deref(),
            Some("retired")
        );
        assert_eq!(status_on(&Member::default(), "2026-01-01"), None);
    }

    #[test]
    fn unknown_employment_is_not_joblessness() {
        let h = household(vec![
            person(1980, &[]),
            person(1985, &[("2026-01-01", "unemployed")]),
        ]);
        assert_eq!(zero_employment_on(&h, "2026-06-01"), None);
        let h = household(vec![person(1985, &[("2026-01-01", "unemployed")])]);
        assert_eq!(zero_employment_on(&h, "2026-06-01"), Some(true));
    }

    #[test]
    fn only_working_age_members_able_and_willing_count() {
        let mut unwilling = person(1985, &[("2026-01-01", "unemployed")]);
        unwilling.willing_to_work = Some(false);
        let h = household(vec![
            unwilling,
            person(1950, &[("2026-01-01", "unemployed")]),
        ]);
        assert_eq!(zero_employment_on(&h, "2026-06-01"), Some(false));
    }

    #[test]
    fn stretches_open_and_close_with_the_history_and_removals() {
        let mut a = person(
            1980,
            &[("2026-02-01", "unemployed"), ("2026-05-10", "employed")],
        );
        let b = person(1982, &[("2026-01-01", "unemployed")]);
        let h = household(vec![a.clone(), b.clone()]);
        // Statuses hold until the next one is recorded, ages move on: in 2040 the employed
        // member leaves working age, in 2042 the other does.
        let later = ("2040-01-01".to_owned(), Some("2042-01-01".to_owned()));
        assert_eq!(
            zero_employment_stretches(&h),
            vec![
                ("2026-02-01".to_owned(), Some("2026-05-10".to_owned())),
                later.clone()
            ]
        );
        // The employed member moves out on 1 July: from then on the household is jobless.
        a.removed_reason = "moved_out".into();
        a.removed_on = Some("2026-07-01".into());
        let h = household(vec![a, b]);
        assert_eq!(
            zero_employment_stretches(&h),
            vec![
                ("2026-02-01".to_owned(), Some("2026-05-10".to_owned())),
                ("2026-07-01".to_owned(), Some("2042-01-01".to_owned()))
            ]
        );
    }
}
