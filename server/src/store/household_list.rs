//! The households a supervisor works through (`GET /api/households`): searched by address,
//! head's or any resident's name, filtered by review state, unit, tag and last visit, one
//! page at a time with the total that matched.

use sqlx::Row;

use super::projection::HouseholdRow;
use super::Store;
use crate::indicators::{in_scope, scope_bounds};

/// Which households to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    /// Part of the address, or of the head's or a resident's name.
    pub text: Option<String>,
    /// `waiting` (not reviewed, or changed since), `has_issues` or `approved`.
    pub review: Option<String>,
    /// A household tag (`dibao`, …): only households with it set.
    pub tag: Option<String>,
    /// Only households not visited on or after this day (`YYYY-MM-DD`), never visited included.
    pub not_visited_since: Option<String>,
}

/// `text` for a `LIKE … ESCAPE '\'` pattern that matches it anywhere.
fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The WHERE clause for households at or under `scope` that `filter` picks, and its text
/// binds in order (`$1` is the first).
fn conditions(scope: &str, filter: &HouseholdFilter) -> (String, Vec<String>) {
    let (under, past) = scope_bounds(scope);
    let mut binds = vec![scope.to_owned(), under, past];
    let mut parts = vec![in_scope("org"), "merged_into IS NULL".to_owned()];
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        binds.push(contains_pattern(text));
        let n = binds.len();
        parts.push(format!(
            "(address LIKE ${n} ESCAPE '\\' OR head_name LIKE ${n} ESCAPE '\\' OR document_id IN \
             (SELECT document_id FROM p_residents WHERE name LIKE ${n} ESCAPE '\\'))"
        ));
    }
    match filter.review.as_deref() {
        Some("waiting") => {
            parts.push("(review_status IS NULL OR review_status = 'received')".into())
        }
        Some(state @ ("has_issues" | "approved")) => {
            binds.push(state.to_owned());
            parts.push(format!("review_status = ${}", binds.len()));
        }
        _ => {}
    }
    if let Some(tag) = filter.tag.as_deref().filter(|t| !t.is_empty()) {
        binds.push(format!("%,{tag},%"));
        parts.push(format!("(',' || tags || ',') LIKE ${}", binds.len()));
    }
    if let Some(day) = filter
        .not_visited_since
        .as_deref()
        .filter(|d| !d.is_empty())
    {
        binds.push(day.to_owned());
        parts.push(format!(
            "(last_visit_at IS NULL OR substr(last_visit_at, 1, 10) < ${})",
            binds.len()
        ));
    }
    (parts.join(" AND "), binds)
}

impl Store {
    /// One page of the households at or under `scope` that `filter` picks, by unit and
    /// address, and how many match in all.
    pub async fn household_page(
        &self,
        scope: &str,
        filter: &HouseholdFilter,
        (limit, offset): (i64, i64),
    ) -> Result<(Vec<HouseholdRow>, i64), sqlx::Error> {
        let (condition, binds) = conditions(scope, filter);
        let sql = format!(
            "SELECT document_id, org, address, head_name, tags, review_status, merged_into, member_count \
             FROM p_households WHERE {condition} ORDER BY org, address, document_id LIMIT ${} OFFSET ${}",
            binds.len() + 1,
            binds.len() + 2
        );
        let mut query = sqlx::query(&sql);
        for value in &binds {
            query = query.bind(value);
        }
        let rows = query
            .bind(limit)
            .bind(offset)
            .fetch_all(self.pool())
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(HouseholdRow {
                    document_id: r.try_get("document_id")?,
                    org: r.try_get("org")?,
                    address: r.try_get("address")?,
                    head_name: r.try_get("head_name")?,
                    tags: r.try_get("tags")?,
                    review_status: r.try_get("review_status")?,
                    merged_into: r.try_get("merged_into")?,
                    member_count: r.try_get("member_count")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let count_sql = format!("SELECT COUNT(*) FROM p_households WHERE {condition}");
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
        for value in &binds {
            count = count.bind(value);
        }
        let total = count.fetch_one(self.pool()).await?;
        Ok((rows, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern("幸福路"), "%幸福路%");
        assert_eq!(contains_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    #[test]
    fn binds_are_numbered_in_order() {
        let filter = HouseholdFilter {
            text: Some(" 王 ".into()),
            review: Some("approved".into()),
            tag: Some("dibao".into()),
            not_visited_since: Some("2026-11-01".into()),
        };
        let (sql, binds) = conditions("c01/s01", &filter);
        assert_eq!(binds.len(), 7);
        assert_eq!(binds[3], "%王%");
        assert_eq!(binds[4], "approved");
        assert_eq!(binds[5], "%,dibao,%");
        assert!(
            sql.contains("$4") && sql.contains("$7") && !sql.contains("$8"),
            "{sql}"
        );
        let (sql, binds) = conditions(
            "c01",
            &HouseholdFilter {
                review: Some("waiting".into()),
                ..Default::default()
            },
        );
        assert_eq!(binds.len(), 3);
        assert!(sql.contains("review_status IS NULL"), "{sql}");
    }
}
