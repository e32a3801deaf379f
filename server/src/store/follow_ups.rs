//! What follow-up plans need from the projection: each live household's tags, last visit
//! and whether it has nobody in work now, and each community's follow-up rules.

use std::collections::BTreeMap;

use sqlx::Row;

use super::Store;
use crate::indicators::{in_scope, scope_bounds};

/// A household as its next visit is computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpFacts {
    pub document_id: String,
    pub org: String,
    /// Its tags set by hand, and `zero_employment` when it is one now.
    pub tags: Vec<String>,
    pub last_visit_at: Option<String>,
    pub last_follow_up: Option<String>,
}

impl Store {
    /// Every live household at or under `scope` with what its next visit depends on.
    pub async fn follow_up_facts(&self, scope: &str) -> Result<Vec<FollowUpFacts>, sqlx::Error> {
        let (under, past) = scope_bounds(scope);
        let sql = format!(
            "SELECT h.document_id, h.org, h.tags, h.last_visit_at, h.last_follow_up, \
             (SELECT COUNT(*) FROM p_zero_employment z WHERE z.document_id = h.document_id AND z.until IS NULL) AS zero \
             FROM p_households h WHERE {} AND h.merged_into IS NULL ORDER BY h.org, h.document_id",
            in_scope("h.org")
        );
        let rows = sqlx::query(&sql)
            .bind(scope)
            .bind(&under)
            .bind(&past)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let tags: String = r.try_get("tags")?;
                let mut tags: Vec<String> = tags
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect();
                if r.try_get::<i64, _>("zero")? > 0 {
                    tags.push("zero_employment".into());
                }
                Ok(FollowUpFacts {
                    document_id: r.try_get("document_id")?,
                    org: r.try_get("org")?,
                    tags,
                    last_visit_at: r.try_get("last_visit_at")?,
                    last_follow_up: r.try_get("last_follow_up")?,
                })
            })
            .collect()
    }

    /// The follow-up rules of each community record at or under `scope`, or above it (a
    /// grid's community), by the community's org.
    pub async fn follow_up_rules(
        &self,
        scope: &str,
    ) -> Result<BTreeMap<String, BTreeMap<String, i64>>, sqlx::Error> {
        let rows = sqlx::query("SELECT org, follow_up_rules FROM p_communities")
            .fetch_all(self.pool())
            .await?;
        let mut out = BTreeMap::new();
        for r in rows {
            let org: String = r.try_get("org")?;
            let related = scope == org
                || scope.starts_with(&format!("{org}/"))
                || org.starts_with(&format!("{scope}/"));
            if !related {
                continue;
            }
            let json: String = r.try_get("follow_up_rules")?;
            let rules: BTreeMap<String, i64> = serde_json::from_str(&json).unwrap_or_default();
            out.insert(org, rules);
        }
        Ok(out)
    }
}
