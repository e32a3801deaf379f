//! Reading the audit log (`GET /api/audit`): one page, newest first, filtered.

use sqlx::Row;

use super::Store;

/// One audit log entry as read back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: i64,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// The user (or `cli`) who acted; for failed logins, the name that was tried.
    pub actor: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
    /// The client address, for logins and token use.
    pub address: Option<String>,
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor: Option<String>,
    /// Entries at or after this time (ms since the epoch).
    pub since: Option<i64>,
    /// Entries with an id below this one (the page before).
    pub before_id: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// One page of the audit log, newest first.
    pub async fn audit_page(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, sqlx::Error> {
        let mut conditions: Vec<String> = Vec::new();
        let mut texts: Vec<&str> = Vec::new();
        let mut numbers: Vec<i64> = Vec::new();
        // Text binds first ($1, $2), then numbers, so the placeholders are known up front.
        for (column, value) in [("action", &filter.action), ("actor", &filter.actor)] {
            if let Some(value) = value {
                texts.push(value);
                conditions.push(format!("{column} = ${}", texts.len()));
            }
        }
        for (condition, value) in [("at >=", filter.since), ("id <", filter.before_id)] {
            if let Some(value) = value {
                numbers.push(value);
                conditions.push(format!("{condition} ${}", texts.len() + numbers.len()));
            }
        }
        let mut sql =
            String::from("SELECT id, at, actor, action, subject, detail, address FROM audit_log");
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(&format!(
            " ORDER BY id DESC LIMIT ${}",
            texts.len() + numbers.len() + 1
        ));
        let pool = self.pool();
        let mut query = sqlx::query(&sql);
        for value in &texts {
            query = query.bind(*value);
        }
        for value in &numbers {
            query = query.bind(*value);
        }
        let rows = query.bind(filter.limit).fetch_all(pool).await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRow {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    detail: r.try_get("detail")?,
                    address: r.try_get("address")?,
                })
            })
            .collect()
    }
}
