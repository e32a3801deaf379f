//! What supervisors read out: the indicators for a unit and period (`GET /api/indicators`),
//! exports (`GET /api/export/{file}`) and records as JSON pages (`GET /api/records/{dataset}`).

use axum::extract::{Path, Query, State};
use axum::Json;
use linli_sync_core::access::Principal;
use linli_sync_core::contract::OrgPath;
use serde::Deserialize;

use super::{PageQuery, MAX_PAGE};
use crate::auth::extract::Reviewer;
use crate::error::AppError;
use crate::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct IndicatorQuery {
    pub org: Option<String>,
    /// A month (`2026-11`), a quarter (`2026-Q4`) or a year (`2026`); or give `from` and `to`.
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The unit a request names (default: the caller's scope); outside the caller's scope it is
/// not found.
fn unit_of(who: &Principal, org: Option<&str>) -> Result<OrgPath, AppError> {
    let org = match org {
        Some(o) => OrgPath::parse(o).map_err(|e| AppError::BadRequest(e.to_string()))?,
        None => who.org.clone(),
    };
    if who.org.contains(&org) {
        Ok(org)
    } else {
        Err(AppError::NotFound)
    }
}

/// The report of `org` for the period a request names (`period`, or `from` and `to`;
/// default: this month, in the server's time zone).
async fn report_of(
    app: &AppState,
    org: &OrgPath,
    period: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<crate::indicators::Report, AppError> {
    let zone = &app.hub.settings().time_zone;
    let today = linli_sync_core::calendar::local_date_at(crate::clock::now_ms(), zone)
        .unwrap_or_else(crate::clock::today_utc);
    let period = crate::indicators::Period::parse(period, from, to, &today)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    Ok(crate::indicators::report(&app.store, &app.kept_totals, org.as_str(), &period).await?)
}

/// `GET /api/indicators?org=c01/s01&period=2026-Q4` (or `from=…&to=…`): the indicators of
/// docs/indicators.md for the unit and each unit directly under it (defaults: the caller's
/// scope, this month).
#[utoipa::path(get, path = "/api/indicators", tag = "reports", params(IndicatorQuery), security(("bearer" = [])), responses((status = 200, body = crate::indicators::Report)))]
pub async fn indicators(
    State(app): State<AppState>,
    Query(q): Query<IndicatorQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<crate::indicators::Report>, AppError> {
    let org = unit_of(&who, q.org.as_deref())?;
    let (period, from, to) = (q.period.as_deref(), q.from.as_deref(), q.to.as_deref());
    Ok(Json(report_of(&app, &org, period, from, to).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    pub org: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// For `indicators`: the period, as for `GET /api/indicators`.
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `GET /api/export/{dataset}.{csv|xlsx}?lang=zh|en&org=…`: households, residents, visits,
/// volunteer-hours or indicators, scoped to the caller.
#[utoipa::path(get, path = "/api/export/{file}", tag = "reports", params(("file" = String, Path, description = "households|residents|visits|volunteer-hours|indicators, then .csv or .xlsx"), ExportQuery), security(("bearer" = [])), responses((status = 200, description = "the file")))]
pub async fn export(
    State(app): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
    Reviewer(who): Reviewer,
) -> Result<axum::response::Response, AppError> {
    use crate::export::{self, Dataset};
    use axum::response::IntoResponse;
    let (name, format) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let dataset = Dataset::parse(name).ok_or(AppError::NotFound)?;
    let org = unit_of(&who, q.org.as_deref())?;
    let english = q.lang.as_deref() == Some("en");
    let store = &app.store;
    let report = if dataset == Dataset::Indicators {
        let (period, from, to) = (q.period.as_deref(), q.from.as_deref(), q.to.as_deref());
        Some(report_of(&app, &org, period, from, to).await?)
    } else {
        None
    };
    let table = export::table(store, dataset, org.as_str(), english, report.as_ref()).await?;
    let (bytes, content_type) = match format {
        "csv" => (export::to_csv(&table), "text/csv; charset=utf-8"),
        "xlsx" => (
            export::to_xlsx(&table, name).map_err(|e| AppError::BadRequest(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return Err(AppError::NotFound),
    };
    store
        .audit(
            Some(&who.user),
            "export",
            Some(&file),
            Some(org.as_str()),
            None,
        )
        .await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/records/{dataset}?limit=50&offset=0`: households, residents, visits or
/// volunteer-hours in the caller's scope, as JSON objects (the export's columns).
#[utoipa::path(get, path = "/api/records/{dataset}", tag = "records", params(("dataset" = String, Path, description = "households|residents|visits|volunteer-hours"), PageQuery), security(("bearer" = [])), responses((status = 200, description = "one page of rows")))]
pub async fn records(
    State(app): State<AppState>,
    Path(dataset): Path<String>,
    Query(q): Query<PageQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<serde_json::Value>, AppError> {
    use crate::export::{self, Dataset};
    let dataset = Dataset::parse(&dataset)
        .filter(|d| *d != Dataset::Indicators)
        .ok_or(AppError::NotFound)?;
    let table = export::page(
        &app.store,
        dataset,
        who.org.as_str(),
        true,
        None,
        q.limit.clamp(1, MAX_PAGE),
        q.offset.max(0),
    )
    .await?;
    Ok(Json(table.to_json()))
}
