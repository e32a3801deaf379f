//! Service requests as supervisors and assignees list them (`GET /api/requests`): each with
//! who it is assigned to, when it is due, and whether it is overdue on the day asked.

use sqlx::Row;

use super::Store;
use crate::indicators::{in_scope, scope_bounds};

/// A request as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RequestRow {
    pub document_id: String,
    pub org: String,
    /// The household's document id, when it is about one.
    pub household: Option<String>,
    pub category: String,
    pub description: String,
    pub status: String,
    pub urgency: String,
    pub assignee: Option<String>,
    /// `worker`, `volunteer`, `organization`, or empty.
    pub assignee_kind: String,
    pub due: Option<String>,
    pub opened_at: Option<String>,
    pub outcome: String,
    pub satisfaction: String,
    /// Due before the day asked and neither resolved nor closed.
    pub overdue: bool,
}

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// Only these states (all when empty).
    pub status: Vec<String>,
    /// Only those overdue on the day asked.
    pub overdue_only: bool,
    /// Only those assigned to this user (as a worker or volunteer).
    pub assignee: Option<String>,
}

/// States in which a request is finished: never overdue.
const FINISHED: &str = "('resolved', 'closed')";

impl Store {
    /// One page of the requests at or under `scope` (or, with `filter.assignee`, assigned to
    /// that user wherever they are) that `filter` picks, overdue ones first, then by due
    /// day and opening; `today` decides what is overdue.
    pub async fn requests(
        &self,
        scope: &str,
        filter: &RequestFilter,
        today: &str,
        (limit, offset): (i64, i64),
    ) -> Result<Vec<RequestRow>, sqlx::Error> {
        // Text binds in order; `$n` is the n-th.
        let mut binds: Vec<String> = vec![today.to_owned()];
        let overdue = format!("(due IS NOT NULL AND due < $1 AND status NOT IN {FINISHED})");
        let mut conditions = Vec::new();
        match &filter.assignee {
            Some(user) => {
                binds.push(user.clone());
                conditions.push(format!(
                    "assignee = ${} AND assignee_kind IN ('worker', 'volunteer')",
                    binds.len()
                ));
            }
            None => {
                let (under, past) = scope_bounds(scope);
                let first = binds.len() + 1;
                binds.extend([scope.to_owned(), under, past]);
                // `in_scope` names its binds $1–$3: shift them to where these sit (the
                // highest first, so that no number is shifted twice).
                let condition = in_scope("org")
                    .replace("$3", &format!("${}", first + 2))
                    .replace("$2", &format!("${}", first + 1))
                    .replace("$1", &format!("${first}"));
                conditions.push(condition);
            }
        }
        if filter.overdue_only {
            conditions.push(overdue.clone());
        }
        if !filter.status.is_empty() {
            let mut slots = Vec::new();
            for status in &filter.status {
                binds.push(status.clone());
                slots.push(format!("${}", binds.len()));
            }
            conditions.push(format!("status IN ({})", slots.join(", ")));
        }
        let sql = format!(
            "SELECT document_id, org, household, category, description, status, urgency, assignee, \
             assignee_kind, due, opened_at, outcome, satisfaction, \
             CASE WHEN {overdue} THEN 1 ELSE 0 END AS overdue \
             FROM p_requests WHERE {} \
             ORDER BY overdue DESC, CASE WHEN due IS NULL THEN 1 ELSE 0 END, due, opened_at, document_id \
             LIMIT ${} OFFSET ${}",
            conditions.join(" AND "),
            binds.len() + 1,
            binds.len() + 2
        );
        let mut query = sqlx::query(&sql);
        for value in &binds {
            query = query.bind(value);
        }
        let query = query.bind(limit).bind(offset);
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(RequestRow {
                    document_id: r.try_get("document_id")?,
                    org: r.try_get("org")?,
                    household: r.try_get("household")?,
                    category: r.try_get("category")?,
                    description: r.try_get("description")?,
                    status: r.try_get("status")?,
                    urgency: r.try_get("urgency")?,
                    assignee: r.try_get("assignee")?,
                    assignee_kind: r.try_get("assignee_kind")?,
                    due: r.try_get("due")?,
                    opened_at: r.try_get("opened_at")?,
                    outcome: r.try_get("outcome")?,
                    satisfaction: r.try_get("satisfaction")?,
                    overdue: r.try_get::<i64, _>("overdue")? != 0,
                })
            })
            .collect()
    }
}
