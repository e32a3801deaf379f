//! Which households are due a visit, computed on the device from its local documents
//! (`linli_sync_core::contract::follow_up`, as the web app and the server compute it): the
//! community's follow-up rules when its community record is on the device, else Linli's
//! defaults.

use std::collections::BTreeMap;

use linli_sync_core::contract::follow_up::{follow_up_of, tags_on, FollowUpState};
use linli_sync_core::contract::{read_record, root_string, Community, Household, Kind, OrgPath};
use serde::Serialize;

use crate::{FieldClient, FieldError};

/// One household and its next visit.
#[derive(Clone, Debug, Serialize)]
pub struct HouseholdDue {
    pub document_id: String,
    pub org: String,
    pub address: String,
    /// The head of household's name (or the first member's).
    pub head: String,
    /// The tags it carries today, `zero_employment` included when it is one.
    pub tags: Vec<String>,
    /// `never`, `overdue`, `today`, `week` or `later`.
    pub state: FollowUpState,
    /// The day the next visit is due; `None` when never visited.
    pub due: Option<String>,
    /// Days between visits that apply.
    pub every: i64,
    /// When the last visit was.
    pub last_visit: Option<String>,
    /// `community` when the community's own rules were on the device, else `defaults`.
    pub rules: &'static str,
}

/// The households due, and the community records whose rules applied.
#[derive(Clone, Debug, Serialize)]
pub struct DueReport {
    /// The day the states are for.
    pub today: String,
    pub time_zone: String,
    pub households: Vec<HouseholdDue>,
    /// Communities whose record is on the device (their rules applied).
    pub communities_with_rules: Vec<String>,
}

/// The community an org path belongs to (its first three segments).
fn community_of(org: &str) -> String {
    org.split('/').take(3).collect::<Vec<_>>().join("/")
}

/// Late first (never visited, then overdue, by due day), then due today, this week, later.
fn rank(state: FollowUpState) -> u8 {
    match state {
        FollowUpState::Never | FollowUpState::Overdue => 0,
        FollowUpState::Today => 1,
        FollowUpState::Week => 2,
        FollowUpState::Later => 3,
    }
}

impl FieldClient {
    /// The local households (at or under `org`, when given) with their next visit as of
    /// `today` (`YYYY-MM-DD`) with visit times read in time zone `zone`; late ones first.
    /// Households merged into another registration are left out.
    pub fn households_due(
        &self,
        org: Option<&str>,
        today: &str,
        zone: &str,
    ) -> Result<DueReport, FieldError> {
        if let Some(org) = org {
            OrgPath::parse(org).map_err(|e| FieldError::Invalid(format!("--org: {e}")))?;
        }
        crate::checks::date("today", today)?;
        let mut rules: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        let mut households = Vec::new();
        for id in self.document_ids() {
            let Some(doc) = self.document(&id).filter(|d| !d.get_heads().is_empty()) else {
                continue;
            };
            match root_string(doc, "kind").as_deref().and_then(Kind::parse) {
                Some(Kind::Community) => {
                    if let Ok(c) = read_record::<Community>(doc) {
                        rules.insert(c.org.clone(), c.follow_up_rules);
                    }
                }
                Some(Kind::Household) => {
                    if let Ok(h) = read_record::<Household>(doc) {
                        households.push((id, h));
                    }
                }
                _ => {}
            }
        }
        let none = BTreeMap::new();
        let mut rows: Vec<HouseholdDue> = households
            .into_iter()
            .filter(|(_, h)| h.merged_into.as_deref().is_none_or(str::is_empty))
            .filter(|(_, h)| org.is_none_or(|o| h.org == o || h.org.starts_with(&format!("{o}/"))))
            .map(|(id, h)| {
                let community = rules.get(&community_of(&h.org));
                let next = follow_up_of(&h, today, community.unwrap_or(&none), zone);
                HouseholdDue {
                    document_id: id.to_string(),
                    org: h.org.clone(),
                    address: h.address.clone(),
                    head: head_name(&h),
                    tags: tags_on(&h, today),
                    state: next.state,
                    due: next.due,
                    every: next.every,
                    last_visit: h.visits.iter().map(|v| v.at.clone()).max(),
                    rules: if community.is_some() {
                        "community"
                    } else {
                        "defaults"
                    },
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            (rank(a.state), a.due.as_deref().unwrap_or(""), &a.address).cmp(&(
                rank(b.state),
                b.due.as_deref().unwrap_or(""),
                &b.address,
            ))
        });
        Ok(DueReport {
            today: today.to_owned(),
            time_zone: zone.to_owned(),
            households: rows,
            communities_with_rules: rules.into_keys().collect(),
        })
    }
}

/// The head of household's name, or the first member's.
fn head_name(h: &Household) -> String {
    h.members
        .values()
        .find(|m| m.relation == "head" && !m.is_removed())
        .or_else(|| h.members.values().next())
        .map(|m| m.name.clone())
        .unwrap_or_default()
}
