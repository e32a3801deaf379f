//! `GET /api/audit`: the audit log for admins, newest first, a page at a time, filtered by
//! action, actor or time. Admins read every document, so they read the whole log; nobody else
//! reads it. Each read is itself audited (`audit_read`).

use axum::extract::{ConnectInfo, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::auth::extract::Admin;
use crate::error::AppError;
use crate::store::audit::{AuditFilter, AuditRow};
use crate::AppState;

/// Entries per page at most.
const MAX_PAGE: i64 = 500;

/// Longest filter value accepted (names and actions are far shorter).
const MAX_FILTER_CHARS: usize = 200;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only this action (`login_failed`, `conflict_resolve`, `emergency_read`…).
    pub action: Option<String>,
    /// Only this actor (a user name, `cli`, or the name tried in a failed login).
    pub actor: Option<String>,
    /// Only entries at or after this time, milliseconds since the epoch.
    pub since: Option<i64>,
    /// The page before this entry id (`next_before` of the previous page).
    pub before: Option<i64>,
    /// Entries per page, 1 to 500 (default 100).
    pub limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditRow>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

impl AuditQuery {
    fn filter(self) -> Result<AuditFilter, AppError> {
        for value in [&self.action, &self.actor].into_iter().flatten() {
            if value.chars().count() > MAX_FILTER_CHARS {
                return Err(AppError::BadRequest(format!(
                    "a filter is at most {MAX_FILTER_CHARS} characters"
                )));
            }
        }
        let limit = self.limit.unwrap_or(100);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AppError::BadRequest(format!(
                "limit must be between 1 and {MAX_PAGE}"
            )));
        }
        Ok(AuditFilter {
            action: self.action,
            actor: self.actor,
            since: self.since,
            before_id: self.before,
            limit,
        })
    }
}

/// Reads one page of the audit log (admins).
#[utoipa::path(get, path = "/api/audit", tag = "admin", params(AuditQuery), security(("bearer" = [])), responses((status = 200, body = AuditPage), (status = 400), (status = 403)))]
pub async fn read(
    State(app): State<AppState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    Query(query): Query<AuditQuery>,
    Admin(who): Admin,
) -> Result<Json<AuditPage>, AppError> {
    let filter = query.filter()?;
    let store = &app.store;
    let entries = store.audit_page(&filter).await?;
    let next_before = (entries.len() as i64 == filter.limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    let detail = serde_json::json!({
        "action": filter.action,
        "actor": filter.actor,
        "since": filter.since,
        "before": filter.before_id,
    })
    .to_string();
    store
        .audit(
            Some(&who.user),
            "audit_read",
            None,
            Some(&detail),
            Some(&addr.ip().to_string()),
        )
        .await?;
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}
