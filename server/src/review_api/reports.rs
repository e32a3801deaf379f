//! What supervisors read out: the indicators for a unit and period (`GET /api/indicators`),
//! exports (`GET /api/export/{file}`) and records as JSON pages (`GET /api/records/{dataset}`).

use axum::extract::{Path, Query, State};
use axum::Json;
use linli_sync_core::contract::OrgPath;
use serde::Deserialize;

use super::{today, unit_of, PageQuery, MAX_PAGE};
use crate::auth::extract::Reviewer;
use crate::error::AppError;
use crate::indicators::Period;
use crate::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct IndicatorQuery {
    pub org: Option<String>,
    /// A month (`2026-11`), a quarter (`2026-Q4`) or a year (`2026`); or give `from` and `to`.
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The period a request names (`period`, or `from` and `to`; default: this month, in the
/// server's time zone).
fn period_of(
    app: &AppState,
    period: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Period, AppError> {
    Period::parse(period, from, to, &today(app)).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// The report of `org` for the period a request names.
async fn report_of(
    app: &AppState,
    org: &OrgPath,
    period: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<crate::indicators::Report, AppError> {
    let period = period_of(app, period, from, to)?;
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
    /// The unit (default: the caller's scope).
    pub org: Option<String>,
    /// `zh` (default) or `en`: headers, codes as words, the file's name.
    #[serde(default)]
    pub lang: Option<String>,
    /// For `visits`, `volunteer-hours` and `indicators`: the period, as for
    /// `GET /api/indicators` (default: this month). Households and residents are the
    /// register as of today.
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `GET /api/export/{dataset}.{csv|xlsx}?lang=zh|en&org=…&period=…`: households, residents,
/// visits, volunteer-hours or indicators of a unit in the caller's scope, every code as a word
/// and units and people by name. The file's name (`Content-Disposition`) says the dataset,
/// unit and period; an XLSX's second sheet (说明 / About) says them too.
#[utoipa::path(get, path = "/api/export/{file}", tag = "reports", params(("file" = String, Path, description = "households|residents|visits|volunteer-hours|indicators, then .csv or .xlsx"), ExportQuery), security(("bearer" = [])), responses((status = 200, description = "the file; Content-Disposition names dataset, unit and period"), (status = 400, description = "a malformed period"), (status = 404, description = "unknown file, or a unit outside the caller's scope")))]
pub async fn export(
    State(app): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
    Reviewer(who): Reviewer,
) -> Result<axum::response::Response, AppError> {
    use crate::export::{self, Dataset, Selection, Words};
    use crate::export_scope::Cover;
    use axum::response::IntoResponse;
    let (name, format) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let dataset = Dataset::parse(name).ok_or(AppError::NotFound)?;
    if !matches!(format, "csv" | "xlsx") {
        return Err(AppError::NotFound);
    }
    let org = unit_of(&who, q.org.as_deref())?;
    let english = q.lang.as_deref() == Some("en");
    let store = &app.store;
    let (period, from, to) = (q.period.as_deref(), q.from.as_deref(), q.to.as_deref());
    let period = if dataset.dated() {
        Some(period_of(&app, period, from, to)?)
    } else {
        None
    };
    let report = match (&period, dataset) {
        (Some(p), Dataset::Indicators) => {
            Some(crate::indicators::report(store, &app.kept_totals, org.as_str(), p).await?)
        }
        _ => None,
    };
    let words = Words::load(store, org.as_str(), english).await?;
    let selection = Selection {
        dataset,
        scope: org.as_str(),
        dates: period.as_ref().map(|p| (p.from.as_str(), p.to.as_str())),
    };
    let table = export::table(store, &selection, &words, report.as_ref()).await?;
    let today = today(&app);
    let zone = &app.hub.settings().time_zone;
    let generated = linli_sync_core::calendar::local_moment(&crate::clock::iso_now(), zone)
        .replacen('T', " ", 1);
    let cover = Cover {
        dataset,
        english,
        org: org.as_str(),
        unit: words.unit_name(org.as_str()),
        period: period.as_ref(),
        today: &today,
        generated: &generated,
    };
    let (bytes, content_type) = if format == "csv" {
        (export::to_csv(&table), "text/csv; charset=utf-8")
    } else {
        let (sheet, about) = cover.about();
        (
            export::to_xlsx(&table, name, (sheet, &about))
                .map_err(|e| AppError::BadRequest(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
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
                cover.content_disposition(name, format),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/records/{dataset}?limit=50&offset=0`: households, residents, visits or
/// volunteer-hours in the caller's scope, as JSON objects of the values as stored (codes,
/// login names, org paths; the exports' columns without the unit names).
#[utoipa::path(get, path = "/api/records/{dataset}", tag = "records", params(("dataset" = String, Path, description = "households|residents|visits|volunteer-hours"), PageQuery), security(("bearer" = [])), responses((status = 200, description = "one page of rows")))]
pub async fn records(
    State(app): State<AppState>,
    Path(dataset): Path<String>,
    Query(q): Query<PageQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<serde_json::Value>, AppError> {
    use crate::export::{self, Dataset, Selection};
    let dataset = Dataset::parse(&dataset)
        .filter(|d| *d != Dataset::Indicators)
        .ok_or(AppError::NotFound)?;
    let selection = Selection {
        dataset,
        scope: who.org.as_str(),
        dates: None,
    };
    let table = export::page(
        &app.store,
        &selection,
        q.limit.clamp(1, MAX_PAGE),
        q.offset.max(0),
    )
    .await?;
    Ok(Json(table.to_json()))
}
