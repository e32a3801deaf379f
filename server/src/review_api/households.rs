//! The household list (`GET /api/households`): searched, filtered and paged, with the total
//! that matched in the `X-Total-Count` header.

use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use linli_sync_core::access::Role;
use serde::Deserialize;

use super::{unit_of, MAX_PAGE};
use crate::auth::extract::Caller;
use crate::error::AppError;
use crate::store::HouseholdFilter;
use crate::AppState;

/// What `GET /api/households` takes: a page, and filters that may be left out.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HouseholdQuery {
    #[serde(default = "fifty")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
    /// Part of the address, or of the head's or any resident's name.
    pub q: Option<String>,
    /// `waiting` (not reviewed, or changed since), `has_issues` or `approved`.
    pub review: Option<String>,
    /// A unit at or under the caller's own (default: the caller's).
    pub org: Option<String>,
    /// A household tag (`dibao`, `living_alone`, …).
    pub tag: Option<String>,
    /// Only households not visited on or after this day (`YYYY-MM-DD`).
    pub not_visited_since: Option<String>,
}

fn fifty() -> i64 {
    50
}

/// `GET /api/households?q=&review=&org=&tag=&not_visited_since=&limit=50&offset=0`:
/// households in the caller's scope (workers see their grid, supervisors their area).
#[utoipa::path(get, path = "/api/households", tag = "records", params(HouseholdQuery), security(("bearer" = [])),
    responses((status = 200, body = [crate::store::projection::HouseholdRow], headers(("X-Total-Count" = i64, description = "how many households match, over all pages")))))]
pub async fn list_households(
    State(app): State<AppState>,
    Query(q): Query<HouseholdQuery>,
    Caller(who): Caller,
) -> Result<Response, AppError> {
    if who.role == Role::Volunteer {
        return Err(AppError::Forbidden);
    }
    let scope = unit_of(&who, q.org.as_deref())?;
    if let Some(day) = q.not_visited_since.as_deref() {
        if !day.is_empty() && !linli_sync_core::calendar::is_date(day) {
            return Err(AppError::BadRequest(format!(
                "not_visited_since: `{day}` is not a date (YYYY-MM-DD)"
            )));
        }
    }
    if let Some(review) = q.review.as_deref() {
        if !["", "waiting", "has_issues", "approved"].contains(&review) {
            return Err(AppError::BadRequest(format!(
                "review: `{review}` is not waiting, has_issues or approved"
            )));
        }
    }
    let filter = HouseholdFilter {
        text: q.q,
        review: q.review,
        tag: q.tag,
        not_visited_since: q.not_visited_since,
    };
    let (rows, total) = app
        .store
        .household_page(
            scope.as_str(),
            &filter,
            (q.limit.clamp(1, MAX_PAGE), q.offset.max(0)),
        )
        .await?;
    let mut response = Json(rows).into_response();
    response
        .headers_mut()
        .insert("x-total-count", HeaderValue::from(total));
    Ok(response)
}
