//! Follow-ups due per grid (`GET /api/follow-ups`): how many households of each grid in the
//! caller's scope were never visited, are overdue, due today or due this week, computed
//! from the projection the way the phones compute them offline
//! (`linli_sync_core::contract::follow_up`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use linli_sync_core::access::Role;
use linli_sync_core::contract::follow_up::{next_visit, FollowUpState};

use crate::auth::extract::Caller;
use crate::error::AppError;
use crate::AppState;

/// One grid's follow-ups.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct GridFollowUps {
    /// The grid's org path.
    pub org: String,
    /// Live households in the grid.
    pub households: i64,
    /// Never visited.
    pub never: i64,
    /// Past their due day.
    pub overdue: i64,
    /// Due today.
    pub today: i64,
    /// Due in the next six days.
    pub week: i64,
}

/// The community an org path belongs to (its first three segments).
fn community_of(org: &str) -> String {
    org.split('/').take(3).collect::<Vec<_>>().join("/")
}

/// `GET /api/follow-ups`: per grid in the caller's scope (a worker's own grid, a
/// supervisor's area), the households never visited, overdue, due today and this week.
#[utoipa::path(get, path = "/api/follow-ups", tag = "records", security(("bearer" = [])), responses((status = 200, body = [GridFollowUps])))]
pub async fn follow_ups(
    State(app): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<GridFollowUps>>, AppError> {
    if who.role == Role::Volunteer {
        return Err(AppError::Forbidden);
    }
    let scope = who.org.as_str();
    let zone = app.hub.settings().time_zone.clone();
    let today = super::today(&app);
    let facts = app.store.follow_up_facts(scope).await?;
    let rules = app.store.follow_up_rules(scope).await?;
    let none = BTreeMap::new();
    let mut grids: BTreeMap<String, GridFollowUps> = BTreeMap::new();
    for h in &facts {
        let community_rules = rules.get(&community_of(&h.org)).unwrap_or(&none);
        let last = h
            .last_visit_at
            .as_deref()
            .map(|at| (at, h.last_follow_up.as_deref()));
        let next = next_visit(
            h.tags.iter().map(String::as_str),
            last,
            &today,
            community_rules,
            &zone,
        );
        let grid = grids.entry(h.org.clone()).or_insert_with(|| GridFollowUps {
            org: h.org.clone(),
            ..GridFollowUps::default()
        });
        grid.households += 1;
        match next.state {
            FollowUpState::Never => grid.never += 1,
            FollowUpState::Overdue => grid.overdue += 1,
            FollowUpState::Today => grid.today += 1,
            FollowUpState::Week => grid.week += 1,
            FollowUpState::Later => {}
        }
    }
    Ok(Json(grids.into_values().collect()))
}
