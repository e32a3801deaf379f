//! The household list (`GET /api/households`).

use axum::extract::{Query, State};
use axum::Json;
use linli_sync_core::access::Role;

use super::{PageQuery, MAX_PAGE};
use crate::auth::extract::Caller;
use crate::error::AppError;
use crate::AppState;

/// `GET /api/households?limit=50&offset=0`: households in the caller's scope (workers see
/// their grid, supervisors their area).
#[utoipa::path(get, path = "/api/households", tag = "records", params(PageQuery), security(("bearer" = [])), responses((status = 200, body = [crate::store::projection::HouseholdRow])))]
pub async fn list_households(
    State(app): State<AppState>,
    Query(q): Query<PageQuery>,
    Caller(who): Caller,
) -> Result<Json<Vec<crate::store::projection::HouseholdRow>>, AppError> {
    if who.role == Role::Volunteer {
        return Err(AppError::Forbidden);
    }
    let rows = app
        .store
        .households(
            who.org.as_str(),
            q.limit.clamp(1, MAX_PAGE),
            q.offset.max(0),
        )
        .await?;
    Ok(Json(rows))
}
