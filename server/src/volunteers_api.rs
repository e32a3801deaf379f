//! Recognition of volunteers (issue #20): approved hours and star levels (《志愿服务记录办法》,
//! thresholds in `linli_sync_core::contract::recognition`), for the volunteer
//! (`GET /api/volunteers/hours`), the supervisors' list (`GET /api/volunteers`) and a yearly
//! summary per community (`GET /api/volunteers/summary`).

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::Json;
use linli_sync_core::access::Role;
use linli_sync_core::contract::recognition::{next_star_hours, stars};
use serde::{Deserialize, Serialize};

use crate::auth::extract::{Caller, Reviewer};
use crate::error::AppError;
use crate::store::volunteer_standing::Standing;
use crate::AppState;

/// A volunteer's hours and star level.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VolunteerStanding {
    pub document_id: String,
    pub org: String,
    pub user: String,
    pub name: String,
    pub registered_on: Option<String>,
    pub volunteer_number: Option<String>,
    /// Approved hours of service, ever and in the year asked.
    pub approved_hours: f64,
    pub year_hours: f64,
    /// 0 to 5.
    pub stars: u8,
    /// The approved hours the next star level begins at (none at five stars).
    pub next_star_hours: Option<i64>,
}

impl From<Standing> for VolunteerStanding {
    fn from(s: Standing) -> Self {
        VolunteerStanding {
            approved_hours: s.approved_minutes as f64 / 60.0,
            year_hours: s.year_minutes as f64 / 60.0,
            stars: stars(s.approved_minutes),
            next_star_hours: next_star_hours(s.approved_minutes),
            document_id: s.document_id,
            org: s.org,
            user: s.user,
            name: s.name,
            registered_on: s.registered_on,
            volunteer_number: s.volunteer_number,
        }
    }
}

/// The year a list or summary counts (`2026`; default this year).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    pub year: Option<String>,
}

fn year_of(app: &AppState, q: &YearQuery) -> Result<String, AppError> {
    match q.year.as_deref() {
        None => Ok(crate::review_api::today(app)[..4].to_owned()),
        Some(y) if y.len() == 4 && y.parse::<u16>().is_ok_and(|n| n >= 1900) => Ok(y.to_owned()),
        Some(_) => Err(AppError::BadRequest("year: four digits, 2026".into())),
    }
}

/// `GET /api/volunteers/hours?year=` (volunteers): the caller's approved hours and star level.
#[utoipa::path(get, path = "/api/volunteers/hours", tag = "volunteers", params(YearQuery), security(("bearer" = [])),
    responses((status = 200, body = VolunteerStanding), (status = 403), (status = 404, description = "no volunteer record of the caller yet")))]
pub async fn hours(
    State(app): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<YearQuery>,
) -> Result<Json<VolunteerStanding>, AppError> {
    if who.role != Role::Volunteer {
        return Err(AppError::Forbidden);
    }
    let year = year_of(&app, &q)?;
    let mine = app.store.standing_of(&who.user, &year).await?;
    // A volunteer has one record; should there be two, their hours add up.
    let mut all = mine.into_iter();
    let mut first = all.next().ok_or(AppError::NotFound)?;
    for other in all {
        first.approved_minutes += other.approved_minutes;
        first.year_minutes += other.year_minutes;
    }
    Ok(Json(first.into()))
}

/// `GET /api/volunteers?year=` (supervisors and admins): the volunteers of their unit with
/// hours and star levels, by community and name.
#[utoipa::path(get, path = "/api/volunteers", tag = "volunteers", params(YearQuery), security(("bearer" = [])),
    responses((status = 200, body = [VolunteerStanding]), (status = 400), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Query(q): Query<YearQuery>,
) -> Result<Json<Vec<VolunteerStanding>>, AppError> {
    let year = year_of(&app, &q)?;
    let rows = app
        .store
        .volunteer_standings(who.org.as_str(), &year)
        .await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// One community's year of volunteering.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct CommunityYear {
    pub org: String,
    pub name: String,
    /// Registered volunteers, those with approved hours in the year, and those hours.
    pub volunteers: i64,
    pub active: i64,
    pub hours: f64,
    /// Volunteers at each star level, from none (index 0) to five.
    pub by_stars: [i64; 6],
}

/// `GET /api/volunteers/summary?year=` (supervisors and admins): each community of their unit
/// in the year.
#[utoipa::path(get, path = "/api/volunteers/summary", tag = "volunteers", params(YearQuery), security(("bearer" = [])),
    responses((status = 200, body = [CommunityYear]), (status = 400), (status = 403)))]
pub async fn summary(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Query(q): Query<YearQuery>,
) -> Result<Json<Vec<CommunityYear>>, AppError> {
    let year = year_of(&app, &q)?;
    let rows = app
        .store
        .volunteer_standings(who.org.as_str(), &year)
        .await?;
    let names: BTreeMap<String, String> = app.store.orgs().await?.into_iter().collect();
    let mut by_community: BTreeMap<String, CommunityYear> = BTreeMap::new();
    for s in rows {
        let community = crate::store::indicator_versions::kept_unit(&s.org).to_owned();
        let c = by_community
            .entry(community.clone())
            .or_insert_with(|| CommunityYear {
                name: names.get(&community).cloned().unwrap_or_default(),
                org: community,
                ..CommunityYear::default()
            });
        c.volunteers += 1;
        if s.year_minutes > 0 {
            c.active += 1;
        }
        c.hours += s.year_minutes as f64 / 60.0;
        c.by_stars[usize::from(stars(s.approved_minutes))] += 1;
    }
    Ok(Json(by_community.into_values().collect()))
}
