//! Service requests as lists: a supervisor's in their area, a worker's in their grid, and
//! anyone's assigned to them (`GET /api/requests`). Assigning, updating and closing a
//! request are writes into its document, offline like every other record.

use axum::extract::{Query, State};
use axum::Json;
use linli_sync_core::access::Role;
use serde::Deserialize;

use super::{fifty, MAX_PAGE};
use crate::auth::extract::Caller;
use crate::error::AppError;
use crate::store::{RequestFilter, RequestRow};
use crate::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct RequestsQuery {
    /// Only these states, comma-separated (`open,assigned`); all when absent.
    #[serde(default)]
    pub status: Option<String>,
    /// `true`: only those overdue today.
    #[serde(default)]
    pub overdue: bool,
    /// `me`: only those assigned to the caller (volunteers always get these).
    #[serde(default)]
    pub assigned: Option<String>,
    #[serde(default = "fifty")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

/// `GET /api/requests?status=open,assigned&overdue=true&assigned=me&limit=50&offset=0`:
/// requests in the caller's scope (or assigned to them), overdue first, then by due day.
#[utoipa::path(get, path = "/api/requests", tag = "records", params(RequestsQuery), security(("bearer" = [])), responses((status = 200, body = [RequestRow]), (status = 400, description = "an unknown status or `assigned` value")))]
pub async fn list_requests(
    State(app): State<AppState>,
    Query(q): Query<RequestsQuery>,
    Caller(who): Caller,
) -> Result<Json<Vec<RequestRow>>, AppError> {
    let status: Vec<String> = q
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let states = linli_sync_core::contract::fields::REQUEST_STATES;
    if let Some(bad) = status.iter().find(|s| !states.contains(&s.as_str())) {
        return Err(AppError::BadRequest(format!(
            "unknown request status `{bad}`"
        )));
    }
    let mine = match q.assigned.as_deref() {
        None | Some("") => who.role == Role::Volunteer,
        Some("me") => true,
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "`assigned` is `me` or absent, not `{other}`"
            )))
        }
    };
    let filter = RequestFilter {
        status,
        overdue_only: q.overdue,
        assignee: mine.then(|| who.user.clone()),
    };
    let zone = &app.hub.settings().time_zone;
    let today = linli_sync_core::calendar::local_date_at(crate::clock::now_ms(), zone)
        .unwrap_or_else(crate::clock::today_utc);
    let rows = app
        .store
        .requests(
            who.org.as_str(),
            &filter,
            &today,
            (q.limit.clamp(1, MAX_PAGE), q.offset.max(0)),
        )
        .await?;
    Ok(Json(rows))
}
