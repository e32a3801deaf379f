//! Merging two registrations of one household. The members of the registration merged away
//! are matched to the kept one's by identity (name, birth year, ID tail): sure pairs become one
//! person, doubtful ones only when a supervisor confirms them, the rest are added; visits are
//! added by id. The plan records what was added, so that a merge can be undone, and later
//! writes to the merged-away registration can be moved over without adding anyone twice.

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjType, ReadDoc, ROOT};
use serde::{Deserialize, Serialize};

use crate::contract::{read_string, Household, Member};
use crate::review::ReviewError;

/// How the members of the registration merged away (`other`) meet the kept one's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberMatch {
    /// Certainly the same person: `(kept member, other member)`.
    pub same: Vec<(String, String)>,
    /// Perhaps the same person (same name, but birth year or ID tail missing or different; or
    /// the same birth year and ID tail under another name): one only if a supervisor says so.
    pub doubtful: Vec<(String, String)>,
    /// Nobody in the kept registration: added.
    pub added: Vec<String>,
}

fn normal(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

fn tails_agree(a: &Member, b: &Member) -> bool {
    a.id_tail.is_empty() || b.id_tail.is_empty() || a.id_tail.eq_ignore_ascii_case(&b.id_tail)
}

/// Matches `other`'s current members (those who left are not matched) to `keep`'s.
pub fn match_members(keep: &Household, other: &Household) -> MemberMatch {
    let kept: Vec<(&String, &Member)> = keep
        .members
        .iter()
        .filter(|(_, m)| !m.is_removed())
        .collect();
    let mut taken = BTreeSet::new();
    let mut out = MemberMatch::default();
    for (oid, o) in other.members.iter().filter(|(_, m)| !m.is_removed()) {
        let sure = kept.iter().find(|(kid, k)| {
            !taken.contains(*kid)
                && normal(&k.name) == normal(&o.name)
                && k.birth_year.is_some()
                && k.birth_year == o.birth_year
                && tails_agree(k, o)
        });
        if let Some((kid, _)) = sure {
            taken.insert((*kid).clone());
            out.same.push(((*kid).clone(), oid.clone()));
            continue;
        }
        let doubtful = kept.iter().find(|(kid, k)| {
            !taken.contains(*kid)
                && (normal(&k.name) == normal(&o.name)
                    || (k.birth_year.is_some()
                        && k.birth_year == o.birth_year
                        && !k.id_tail.is_empty()
                        && k.id_tail.eq_ignore_ascii_case(&o.id_tail)))
        });
        match doubtful {
            Some((kid, _)) => out.doubtful.push(((*kid).clone(), oid.clone())),
            None => out.added.push(oid.clone()),
        }
    }
    out
}

/// What a merge writes into the kept registration, and remembers for undoing it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergePlan {
    /// One person: `(kept member, other member)`; empty fields of the kept member are filled
    /// from the other's.
    pub same: Vec<(String, String)>,
    /// Members added: `(other member, its id in the kept registration)`.
    pub added_members: Vec<(String, String)>,
    /// Visits added, by id.
    pub added_visits: Vec<String>,
}

/// The plan for merging `other` into `keep`: the `same` pairs (sure ones and those a
/// supervisor confirmed), every other current member of `other` added (under its own id, or
/// a new one if the kept registration uses it), and the visits `keep` lacks. `before` is what
/// an earlier merge of the same pair did (members it added count as the same person now).
pub fn plan(
    keep: &Household,
    other: &Household,
    same: &[(String, String)],
    before: Option<&MergePlan>,
) -> MergePlan {
    let mut pairs: Vec<(String, String)> = same.to_vec();
    if let Some(before) = before {
        pairs.extend(before.same.iter().cloned());
        pairs.extend(
            before
                .added_members
                .iter()
                .map(|(o, k)| (k.clone(), o.clone())),
        );
    }
    let paired: BTreeSet<&String> = pairs.iter().map(|(_, o)| o).collect();
    let mut added_members = Vec::new();
    for (oid, m) in &other.members {
        if m.is_removed() || paired.contains(oid) {
            continue;
        }
        let id = if keep.members.contains_key(oid) {
            format!("{oid}-m")
        } else {
            oid.clone()
        };
        added_members.push((oid.clone(), id));
    }
    let known: BTreeSet<&String> = keep.visits.iter().map(|v| &v.id).collect();
    let added_visits = other
        .visits
        .iter()
        .filter(|v| !known.contains(&v.id))
        .map(|v| v.id.clone())
        .collect();
    let mut unique: Vec<(String, String)> = Vec::new();
    for pair in pairs {
        if !unique.contains(&pair) {
            unique.push(pair);
        }
    }
    MergePlan {
        same: unique,
        added_members,
        added_visits,
    }
}

/// Writes `plan` into the kept registration (in `tx`), taking values from `other`.
pub fn apply(
    tx: &mut Transaction<'_>,
    other: &Household,
    plan: &MergePlan,
) -> Result<(), ReviewError> {
    let members = match tx.get(ROOT, "members")? {
        Some((_, id)) => id,
        None => tx.put_object(ROOT, "members", ObjType::Map)?,
    };
    for (kid, oid) in &plan.same {
        let (Some((_, kept)), Some(o)) = (tx.get(&members, kid.as_str())?, other.members.get(oid))
        else {
            continue;
        };
        let fill: [(&str, &str); 5] = [
            ("gender", &o.gender),
            ("id_tail", &o.id_tail),
            ("phone", &o.phone),
            ("employment", &o.employment),
            ("relation", &o.relation),
        ];
        for (field, value) in fill {
            let empty = read_string(tx, &kept, field).is_none_or(|v| v.is_empty());
            if empty && !value.is_empty() {
                tx.put(&kept, field, value)?;
            }
        }
        if let Some(year) = o.birth_year {
            let missing = match tx.get(&kept, "birth_year")? {
                None => true,
                Some((automerge::Value::Scalar(v), _)) => {
                    matches!(v.as_ref(), automerge::ScalarValue::Null)
                }
                Some(_) => false,
            };
            if missing {
                tx.put(&kept, "birth_year", year)?;
            }
        }
    }
    for (oid, kid) in &plan.added_members {
        if let Some(m) = other.members.get(oid) {
            if tx.get(&members, kid.as_str())?.is_none() {
                autosurgeon::reconcile_prop(tx, &members, kid.as_str(), m)
                    .map_err(|e| ReviewError::Automerge(e.to_string()))?;
            }
        }
    }
    let visits = match tx.get(ROOT, "visits")? {
        Some((_, id)) => id,
        None => tx.put_object(ROOT, "visits", ObjType::List)?,
    };
    let existing: BTreeSet<String> = (0..tx.length(&visits))
        .filter_map(|i| {
            let (_, v) = tx.get(&visits, i).ok()??;
            read_string(tx, &v, "id")
        })
        .collect();
    let by_id: BTreeMap<&String, &crate::contract::Visit> =
        other.visits.iter().map(|v| (&v.id, v)).collect();
    for id in &plan.added_visits {
        if existing.contains(id) {
            continue;
        }
        if let Some(visit) = by_id.get(id) {
            let at = tx.length(&visits);
            autosurgeon::reconcile::reconcile_insert(tx, visits.clone(), at, *visit)
                .map_err(|e| ReviewError::Automerge(e.to_string()))?;
        }
    }
    Ok(())
}

/// Takes back what `plan` added to the kept registration (members and visits; values filled
/// into matched members stay, being true of the one person).
pub fn undo(tx: &mut Transaction<'_>, plan: &MergePlan) -> Result<(), ReviewError> {
    if let Some((_, members)) = tx.get(ROOT, "members")? {
        for (_, kid) in &plan.added_members {
            if tx.get(&members, kid.as_str())?.is_some() {
                tx.delete(&members, kid.as_str())?;
            }
        }
    }
    if let Some((_, visits)) = tx.get(ROOT, "visits")? {
        let mut i = tx.length(&visits);
        while i > 0 {
            i -= 1;
            let Some((_, v)) = tx.get(&visits, i)? else {
                continue;
            };
            if read_string(tx, &v, "id").is_some_and(|id| plan.added_visits.contains(&id)) {
                tx.delete(&visits, i)?;
            }
        }
    }
    Ok(())
}

/// Marks a registration as merged into `into` (`None`: not merged any more).
pub fn mark(tx: &mut Transaction<'_>, into: Option<&str>) -> Result<(), ReviewError> {
    match into {
        Some(into) => tx.put(ROOT, "merged_into", into)?,
        None => tx.put(ROOT, "merged_into", automerge::ScalarValue::Null)?,
    }
    Ok(())
}

/// The registration `doc` was merged into, if any.
pub fn merged_into<D: ReadDoc>(doc: &D) -> Option<String> {
    crate::contract::root_string(doc, "merged_into").filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, year: Option<i64>, tail: &str) -> Member {
        Member {
            name: name.into(),
            birth_year: year,
            id_tail: tail.into(),
            ..Member::default()
        }
    }

    #[test]
    fn members_are_matched_by_identity() {
        let keep = Household {
            members: BTreeMap::from([
                ("h1".into(), member("王建国", Some(1956), "123X")),
                ("s1".into(), member("李秀兰", Some(1958), "")),
                ("c1".into(), member("王小明", Some(1985), "")),
            ]),
            ..Household::default()
        };
        let other = Household {
            members: BTreeMap::from([
                ("h2".into(), member("王 建国", Some(1956), "")),
                ("s2".into(), member("李秀兰", None, "")),
                ("g2".into(), member("王小宝", Some(2012), "")),
            ]),
            ..Household::default()
        };
        let m = match_members(&keep, &other);
        assert_eq!(m.same, [("h1".to_string(), "h2".to_string())]);
        assert_eq!(m.doubtful, [("s1".to_string(), "s2".to_string())]);
        assert_eq!(m.added, ["g2"]);
        let p = plan(&keep, &other, &m.same, None);
        assert_eq!(
            p.added_members,
            [
                ("g2".to_string(), "g2".to_string()),
                ("s2".to_string(), "s2".to_string())
            ]
        );
        // Confirmed, the doubtful pair is one person; an earlier plan's additions stay paired.
        let confirmed = [m.same.clone(), m.doubtful.clone()].concat();
        let p = plan(&keep, &other, &confirmed, None);
        assert_eq!(p.added_members, [("g2".to_string(), "g2".to_string())]);
        let again = plan(&keep, &other, &[], Some(&p));
        assert!(again.added_members.is_empty(), "{again:?}");
    }
}
