//! Indicator totals kept per community, so that a county or street report does not count every
//! row of the county again (docs/indicators.md, "Speed").
//!
//! For a scope (a county or a street) and a period, the server keeps each community's totals
//! with the version of the community they were counted at. Every commit raises the version of
//! its document's community in the same transaction (`store::indicator_versions`), on whichever
//! node it runs. A report reads the scope's versions first and counts again only the
//! communities whose version has moved; if most have, it counts the whole scope at once.
//! Reading the versions before counting means a commit that lands meanwhile leaves the totals
//! marked older than they are (counted again next time), never newer.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::facts::{self, OrgFacts};
use super::period::Period;
use crate::store::indicator_versions::kept_unit;
use crate::store::Store;

/// How many (scope, period) pairs are kept; the least recently used goes first.
const MAX_SCOPES: usize = 64;
/// How many communities are counted again at a time.
const RECOUNT_AT_ONCE: usize = 2;

/// One community's (or unit's) totals and the version they were counted at.
#[derive(Debug, Clone)]
struct Counted {
    version: i64,
    facts: OrgFacts,
}

#[derive(Debug, Default)]
struct Kept {
    scopes: HashMap<(String, String), (u64, BTreeMap<String, Counted>)>,
    clock: u64,
}

/// The totals a server keeps; one per server, shared by every request.
#[derive(Debug, Default)]
pub struct KeptTotals {
    kept: Mutex<Kept>,
}

/// How a call to [`KeptTotals::counts`] went, for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recount {
    /// Units counted again one by one.
    pub units: usize,
    /// The whole scope was counted.
    pub whole: bool,
}

impl KeptTotals {
    /// The totals of every unit (community, or org above one) at or under `org` in
    /// `period`, counting again only what changed since they were last counted.
    pub async fn counts(
        &self,
        store: &Store,
        org: &str,
        period: &Period,
    ) -> Result<(BTreeMap<String, OrgFacts>, Recount), sqlx::Error> {
        let versions = store.indicator_versions(org).await?;
        let key = (
            org.to_owned(),
            format!("{}|{}|{}", period.from, period.to, period.as_of),
        );
        let kept = self.take(&key);
        let stale: Vec<(String, i64)> = match &kept {
            Some(units) => versions
                .iter()
                .filter(|(unit, v)| units.get(*unit).is_none_or(|c| c.version != **v))
                .map(|(unit, v)| (unit.clone(), *v))
                .collect(),
            None => Vec::new(),
        };
        let (units, recount) = match kept {
            Some(mut units) if stale.len() * 2 <= units.len() => {
                let fresh: Vec<(String, Counted)> =
                    stream::iter(stale.into_iter().map(|(unit, version)| async move {
                        let facts = Self::count_unit(store, &unit, period).await?;
                        Ok::<_, sqlx::Error>((unit, Counted { version, facts }))
                    }))
                    .buffer_unordered(RECOUNT_AT_ONCE)
                    .try_collect()
                    .await?;
                let recount = Recount {
                    units: fresh.len(),
                    whole: false,
                };
                units.extend(fresh);
                (units, recount)
            }
            _ => {
                let mut units: BTreeMap<String, Counted> = BTreeMap::new();
                for (o, f) in facts::counts(store, org, period).await? {
                    let unit = kept_unit(&o);
                    let counted = units.entry(unit.to_owned()).or_insert_with(|| Counted {
                        version: versions.get(unit).copied().unwrap_or(0),
                        facts: OrgFacts::default(),
                    });
                    counted.facts += &f;
                }
                // Units whose rows are all gone still have a version: keep them, empty.
                for (unit, version) in &versions {
                    units.entry(unit.clone()).or_insert_with(|| Counted {
                        version: *version,
                        facts: OrgFacts::default(),
                    });
                }
                (
                    units,
                    Recount {
                        units: 0,
                        whole: true,
                    },
                )
            }
        };
        let totals = units
            .iter()
            .map(|(unit, c)| (unit.clone(), c.facts.clone()))
            .collect();
        self.put(key, units);
        Ok((totals, recount))
    }

    /// Counts one unit alone: a community and everything under it, or only the rows kept at
    /// an org above a community.
    async fn count_unit(
        store: &Store,
        unit: &str,
        period: &Period,
    ) -> Result<OrgFacts, sqlx::Error> {
        let mut sum = OrgFacts::default();
        for (o, f) in facts::counts(store, unit, period).await? {
            if kept_unit(&o) == unit {
                sum += &f;
            }
        }
        Ok(sum)
    }

    fn take(&self, key: &(String, String)) -> Option<BTreeMap<String, Counted>> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.scopes.remove(key).map(|(_, units)| units)
    }

    fn put(&self, key: (String, String), units: BTreeMap<String, Counted>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.clock += 1;
        let now = kept.clock;
        kept.scopes.insert(key, (now, units));
        if kept.scopes.len() > MAX_SCOPES {
            if let Some(oldest) = kept
                .scopes
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone())
            {
                kept.scopes.remove(&oldest);
            }
        }
    }
}
