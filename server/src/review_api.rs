//! The review API for conflicts: `GET /api/conflicts` lists the items in the caller's scope
//! (supervisors and admins), with each candidate value's author; `POST
//! /api/conflicts/{id}/resolve` settles one (supervisors), writing the chosen value as a change
//! of the supervisor's that reaches every device.

use axum::extract::{Path, Query, State};
use axum::Json;
use linli_sync_core::access::{Principal, Role};
use linli_sync_core::contract::OrgPath;
use linli_sync_core::DocumentId;
use serde::{Deserialize, Serialize};

use crate::auth::extract::{Caller, Reviewer, Supervisor};
use crate::doc_actor::{ActorError, DocCommand, MergeStep, ReviewTarget};
use crate::error::AppError;
use crate::store::ConflictRow;
use crate::AppState;
use linli_sync_core::conflicts::ConflictValue;

/// Longest page a list returns.
const MAX_PAGE: i64 = 500;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    #[serde(default = "open")]
    pub status: String,
    #[serde(default = "fifty")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

fn open() -> String {
    "open".into()
}

fn fifty() -> i64 {
    50
}

/// One candidate value, with who wrote it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Candidate {
    pub value: serde_json::Value,
    pub user: Option<String>,
    pub device: Option<String>,
    /// Seconds since the epoch, by the author's clock.
    pub time: i64,
}

/// A review item as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConflictItem {
    pub id: i64,
    /// `conflict` (a reviewed field holding concurrent values: choose one), `implausible`
    /// (a valid value unlikely to be right, kept: accept it, correct it or send the record
    /// back) or `removed_edited` (a member marked removed while another device edited them;
    /// the path is their `removed_reason`: keep the reason, or write `""` to keep the member).
    pub item: String,
    pub document_id: String,
    pub kind: String,
    pub org: String,
    /// The field; a visit is named by its id (`visits/<visit id>/at`).
    pub path: String,
    /// `open`, `resolved`, `accepted` or `superseded` (the field changed before it was settled).
    pub status: String,
    pub candidates: Vec<Candidate>,
    /// What the field holds now (while open; several values while still in conflict).
    pub current: Vec<Candidate>,
    /// Names these candidates: a resolution sent with another version was made on values
    /// that have changed since, and is refused (409) with the item as it is now.
    pub version: String,
    /// Why the item was opened or closed: `date_in_future`, `date_long_before` (a flagged
    /// date), `changed_again` (superseded), or the supervisor's note on accepting a value.
    pub note: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<serde_json::Value>,
}

async fn candidates(
    app: &AppState,
    document_id: &str,
    values: Vec<ConflictValue>,
) -> Result<Vec<Candidate>, AppError> {
    let mut out = Vec::with_capacity(values.len());
    for c in values {
        let owner = app.store.actor_owner(document_id, &c.actor).await?;
        out.push(Candidate {
            value: c.value,
            user: owner.as_ref().map(|o| o.0.clone()),
            device: owner.map(|o| o.1),
            time: c.time,
        });
    }
    Ok(out)
}

fn stored_candidates(row: &ConflictRow) -> Vec<ConflictValue> {
    serde_json::from_str(&row.candidates).unwrap_or_default()
}

/// A short name of an item's candidates (see [`ConflictItem::version`]).
fn version_of(row: &ConflictRow) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(row.candidates.as_bytes())[..8])
}

/// The path segments a review item names (a visit by its id: `visits/<id>/at`).
fn item_path(row: &ConflictRow) -> Vec<String> {
    row.path.split('/').map(str::to_owned).collect()
}

async fn item(app: &AppState, row: ConflictRow) -> Result<ConflictItem, AppError> {
    let current = if row.status == "open" && row.item != "implausible" {
        let values = ask(app, &row.document_id, |reply| DocCommand::Field {
            path: item_path(&row),
            reply,
        })
        .await?;
        candidates(app, &row.document_id, values).await?
    } else {
        Vec::new()
    };
    Ok(ConflictItem {
        id: row.id,
        version: version_of(&row),
        candidates: candidates(app, &row.document_id, stored_candidates(&row)).await?,
        current,
        item: row.item,
        document_id: row.document_id,
        kind: row.kind,
        org: row.org,
        path: row.path,
        status: row.status,
        note: row.note,
        resolved_by: row.resolved_by,
        resolution: row.resolution.and_then(|r| serde_json::from_str(&r).ok()),
    })
}

/// `GET /api/conflicts?status=open&limit=50&offset=0`
#[utoipa::path(get, path = "/api/conflicts", tag = "review", params(ListQuery), security(("bearer" = [])), responses((status = 200, body = [ConflictItem])))]
pub async fn list(
    State(app): State<AppState>,
    Query(q): Query<ListQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<ConflictItem>>, AppError> {
    let rows = app
        .store
        .conflicts(
            who.org.as_str(),
            &q.status,
            q.limit.clamp(1, MAX_PAGE),
            q.offset.max(0),
        )
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(item(&app, row).await?);
    }
    Ok(Json(items))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResolveRequest {
    pub value: serde_json::Value,
    /// The item's `version` the choice was made on (recommended: without it, the choice is
    /// only checked against the values the server last recorded for the item).
    #[serde(default)]
    pub version: Option<String>,
}

/// An open item in the caller's scope (out of scope looks exactly like absent).
async fn open_item(app: &AppState, who: &Principal, id: i64) -> Result<ConflictRow, AppError> {
    let row = app.store.conflict(id).await?.ok_or(AppError::NotFound)?;
    let org = OrgPath::parse(&row.org).map_err(|_| AppError::NotFound)?;
    if !who.org.contains(&org) {
        return Err(AppError::NotFound);
    }
    if row.status != "open" {
        return Err(AppError::BadRequest(format!(
            "this item is already closed ({})",
            row.status
        )));
    }
    Ok(row)
}

/// `POST /api/conflicts/{id}/resolve` `{value, version}`: writes the chosen value, only if
/// the field still holds the values the item shows. If it changed since, nothing is written
/// and the answer is 409 with the item as it is now: still in conflict (choose again), or
/// closed as superseded when the field holds one newer value.
#[utoipa::path(post, path = "/api/conflicts/{id}/resolve", tag = "review", params(("id" = i64, Path)), request_body = ResolveRequest, security(("bearer" = [])), responses((status = 200, body = ConflictItem), (status = 404), (status = 409, description = "the field changed since; the body's `item` is the item now")))]
pub async fn resolve(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
    Json(req): Json<ResolveRequest>,
) -> Result<Json<ConflictItem>, AppError> {
    let store = &app.store;
    let row = open_item(&app, &who, id).await?;
    if req.version.as_ref().is_some_and(|v| *v != version_of(&row)) {
        return Err(changed(
            &app,
            row,
            "the values changed since you saw them; choose again",
        )
        .await);
    }
    let path = item_path(&row);
    let written = ask(&app, &row.document_id, |reply| DocCommand::Settle {
        path: path.clone(),
        value: req.value.clone(),
        seen: stored_candidates(&row),
        by: who.clone(),
        reply,
    })
    .await?;
    if let Err(e) = written {
        let why = match e {
            ActorError::Invalid(why) | ActorError::Changed(why) => why,
            // Storage failed or the actor is gone: nothing was written, the item stands.
            e => return Err(e.into()),
        };
        let current = ask(&app, &row.document_id, |reply| DocCommand::Field {
            path: path.clone(),
            reply,
        })
        .await?;
        if linli_sync_core::conflicts::same_values(&stored_candidates(&row), &current) {
            return Err(AppError::BadRequest(why));
        }
        if row.item != "implausible" && current.len() == 1 {
            store
                .close_item(id, "superseded", &who.user, "changed_again")
                .await?;
        }
        let row = store.conflict(id).await?.ok_or(AppError::NotFound)?;
        return Err(changed(&app, row, &why).await);
    }
    store
        .audit(
            Some(&who.user),
            "conflict_resolve",
            Some(&format!("{}#{}", row.document_id, row.path)),
            Some(&req.value.to_string()),
            None,
        )
        .await?;
    let row = store.conflict(id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(item(&app, row).await?))
}

/// The 409 answer: why, and the item as it is now.
async fn changed(app: &AppState, row: ConflictRow, why: &str) -> AppError {
    match item(app, row).await {
        Ok(now) => AppError::Changed(
            why.to_owned(),
            serde_json::to_value(now).unwrap_or_default(),
        ),
        Err(e) => e,
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AcceptRequest {
    #[serde(default)]
    pub note: String,
}

/// `POST /api/conflicts/{id}/accept` `{note}`: a flagged (`implausible`) value is right as it
/// is; the item closes as `accepted` and nothing is written to the record.
#[utoipa::path(post, path = "/api/conflicts/{id}/accept", tag = "review", params(("id" = i64, Path)), request_body = AcceptRequest, security(("bearer" = [])), responses((status = 200, body = ConflictItem), (status = 400), (status = 404)))]
pub async fn accept(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
    Json(req): Json<AcceptRequest>,
) -> Result<Json<ConflictItem>, AppError> {
    let row = open_item(&app, &who, id).await?;
    if row.item != "implausible" {
        return Err(AppError::BadRequest(
            "a conflict is settled by choosing a value".into(),
        ));
    }
    let store = &app.store;
    store
        .close_item(id, "accepted", &who.user, &req.note)
        .await?;
    store
        .audit(
            Some(&who.user),
            "flag_accept",
            Some(&format!("{}#{}", row.document_id, row.path)),
            Some(&req.note),
            None,
        )
        .await?;
    let row = store.conflict(id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(item(&app, row).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct EntryListQuery {
    #[serde(default = "submitted")]
    pub status: String,
    #[serde(default = "fifty")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

fn submitted() -> String {
    "submitted".into()
}

/// `GET /api/volunteer-entries?status=submitted&limit=50&offset=0`: hours waiting for review
/// (or in any other state) in the caller's scope.
#[utoipa::path(get, path = "/api/volunteer-entries", tag = "review", params(EntryListQuery), security(("bearer" = [])), responses((status = 200, body = [crate::store::projection::EntryRow])))]
pub async fn list_entries(
    State(app): State<AppState>,
    Query(q): Query<EntryListQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<crate::store::projection::EntryRow>>, AppError> {
    let rows = app
        .store
        .volunteer_entries(
            who.org.as_str(),
            &q.status,
            q.limit.clamp(1, MAX_PAGE),
            q.offset.max(0),
        )
        .await?;
    Ok(Json(rows))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EntryRef {
    pub document_id: String,
    pub entry_id: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewEntries {
    pub items: Vec<EntryRef>,
    pub status: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewHouseholds {
    pub document_ids: Vec<String>,
    pub status: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /api/review/entries` `{items: [{document_id, entry_id}], status, note}`: approve,
/// reject or send back volunteer hours, one or many at once.
#[utoipa::path(post, path = "/api/review/entries", tag = "review", request_body = ReviewEntries, security(("bearer" = [])), responses((status = 200), (status = 400), (status = 404)))]
pub async fn review_entries(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Json(req): Json<ReviewEntries>,
) -> Result<Json<serde_json::Value>, AppError> {
    let mut by_doc: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for item in req.items {
        by_doc
            .entry(item.document_id)
            .or_default()
            .push(item.entry_id);
    }
    let targets: Vec<(String, Vec<String>)> = by_doc.into_iter().collect();
    let count = targets.iter().map(|(_, e)| e.len()).sum::<usize>();
    let targets = targets
        .into_iter()
        .map(|(d, ids)| (d, ReviewTarget::Entries(ids)))
        .collect();
    decide(&app, &who, "volunteer", targets, &req.status, &req.note).await?;
    Ok(Json(serde_json::json!({ "reviewed": count })))
}

/// `POST /api/review/households` `{document_ids, status, note}`: mark household records
/// received, approved or sent back.
#[utoipa::path(post, path = "/api/review/households", tag = "review", request_body = ReviewHouseholds, security(("bearer" = [])), responses((status = 200), (status = 400), (status = 404)))]
pub async fn review_households(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Json(req): Json<ReviewHouseholds>,
) -> Result<Json<serde_json::Value>, AppError> {
    let count = req.document_ids.len();
    let targets = req
        .document_ids
        .into_iter()
        .map(|d| (d, ReviewTarget::Household))
        .collect();
    decide(&app, &who, "household", targets, &req.status, &req.note).await?;
    Ok(Json(serde_json::json!({ "reviewed": count })))
}

/// Checks every target is a `kind` document in scope, then sends each its decision and waits
/// until all are durable.
async fn decide(
    app: &AppState,
    who: &Principal,
    kind: &str,
    targets: Vec<(String, ReviewTarget)>,
    status: &str,
    note: &str,
) -> Result<(), AppError> {
    let store = &app.store;
    let mut ids = Vec::with_capacity(targets.len());
    for (doc, _) in &targets {
        let (doc_kind, org) = store.document_root(doc).await?.ok_or(AppError::NotFound)?;
        let org = OrgPath::parse(&org).map_err(|_| AppError::NotFound)?;
        if doc_kind != kind || !who.org.contains(&org) {
            return Err(AppError::NotFound);
        }
        ids.push(DocumentId::parse(doc).map_err(|_| AppError::NotFound)?);
    }
    let decision = linli_sync_core::review::Decision {
        status: status.to_owned(),
        note: note.to_owned(),
        by: who.user.clone(),
        at: crate::clock::iso_now(),
    };
    let mut answers = Vec::new();
    for (id, (_, target)) in ids.into_iter().zip(targets.iter()) {
        let (reply, answer) = tokio::sync::oneshot::channel();
        app.hub
            .send(
                id,
                DocCommand::Review {
                    target: target.clone(),
                    decision: decision.clone(),
                    by: who.clone(),
                    reply,
                },
            )
            .await
            .map_err(|_| ActorError::Gone)?;
        answers.push(answer);
    }
    for answer in answers {
        match tokio::time::timeout(std::time::Duration::from_secs(30), answer).await {
            Ok(Ok(done)) => done?,
            _ => return Err(ActorError::Gone.into()),
        }
    }
    let subjects: Vec<&str> = targets.iter().map(|(d, _)| d.as_str()).collect();
    store
        .audit(
            Some(&who.user),
            &format!("review_{kind}"),
            Some(&subjects.join(",")),
            Some(&format!("{status} {note}")),
            None,
        )
        .await?;
    Ok(())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct IndicatorQuery {
    pub org: Option<String>,
    /// A month (`2026-11`), a quarter (`2026-Q4`) or a year (`2026`); or give `from` and `to`.
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The period a request names (default: this month, in the server's time zone).
fn period_of(
    app: &AppState,
    period: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<crate::indicators::Period, AppError> {
    let zone = &app.hub.settings().time_zone;
    let today = linli_sync_core::calendar::local_date_at(crate::clock::now_ms(), zone)
        .unwrap_or_else(crate::clock::today_utc);
    crate::indicators::Period::parse(period, from, to, &today)
        .map_err(|e| AppError::BadRequest(e.to_string()))
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
    let org = match &q.org {
        Some(o) => OrgPath::parse(o).map_err(|e| AppError::BadRequest(e.to_string()))?,
        None => who.org.clone(),
    };
    if !who.org.contains(&org) {
        return Err(AppError::NotFound);
    }
    let period = period_of(
        &app,
        q.period.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
    )?;
    Ok(Json(
        crate::indicators::report(&app.store, &app.kept_totals, org.as_str(), &period).await?,
    ))
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
    let org = match &q.org {
        Some(o) => OrgPath::parse(o).map_err(|e| AppError::BadRequest(e.to_string()))?,
        None => who.org.clone(),
    };
    if !who.org.contains(&org) {
        return Err(AppError::NotFound);
    }
    let english = q.lang.as_deref() == Some("en");
    let store = &app.store;
    let report = if dataset == Dataset::Indicators {
        let period = period_of(
            &app,
            q.period.as_deref(),
            q.from.as_deref(),
            q.to.as_deref(),
        )?;
        Some(crate::indicators::report(store, &app.kept_totals, org.as_str(), &period).await?)
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

#[derive(Deserialize, utoipa::IntoParams)]
pub struct HistoryQuery {
    pub document_id: String,
    pub path: String,
}

/// One value of a field's history, with its author.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryItem {
    pub value: serde_json::Value,
    pub user: Option<String>,
    pub device: Option<String>,
    /// Seconds since the epoch (the author's clock).
    pub time: i64,
    pub change: String,
}

/// `GET /api/history?document_id=…&path=members/m1/birth_year`: every value a field has held,
/// who wrote it and when, from the change log (supervisors and admins, within scope).
#[utoipa::path(get, path = "/api/history", tag = "review", params(HistoryQuery), security(("bearer" = [])), responses((status = 200, body = [HistoryItem])))]
pub async fn history(
    State(app): State<AppState>,
    Query(q): Query<HistoryQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<HistoryItem>>, AppError> {
    let store = &app.store;
    let (_, org) = store
        .document_root(&q.document_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = OrgPath::parse(&org).map_err(|_| AppError::NotFound)?;
    if !who.org.contains(&org) {
        return Err(AppError::NotFound);
    }
    let path: Vec<String> = q
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let entries = ask(&app, &q.document_id, |reply| DocCommand::History {
        path,
        reply,
    })
    .await?;
    let mut items = Vec::with_capacity(entries.len());
    for e in entries {
        let owner = store.actor_owner(&q.document_id, &e.actor).await?;
        items.push(HistoryItem {
            value: e.value,
            user: owner.as_ref().map(|o| o.0.clone()),
            device: owner.map(|o| o.1),
            time: e.time,
            change: e.change,
        });
    }
    Ok(Json(items))
}

/// `GET /api/duplicates?status=open`: possible duplicate households in the caller's scope.
#[utoipa::path(get, path = "/api/duplicates", tag = "review", params(ListQuery), security(("bearer" = [])), responses((status = 200, body = [crate::store::projection::DuplicateRow])))]
pub async fn list_duplicates(
    State(app): State<AppState>,
    Query(q): Query<ListQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<crate::store::projection::DuplicateRow>>, AppError> {
    Ok(Json(
        app.store
            .duplicates(
                who.org.as_str(),
                &q.status,
                q.limit.clamp(1, MAX_PAGE),
                q.offset.max(0),
            )
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MergeRequest {
    /// The document to keep; the other is marked `merged_into` it.
    pub keep: String,
    /// Doubtful pairs the supervisor confirms are one person: `[kept member, other member]`
    /// (see the plan). Sure pairs are merged without being named.
    #[serde(default)]
    pub same: Vec<(String, String)>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PlanQuery {
    /// The registration to keep.
    pub keep: String,
}

/// One member of a registration, as a merge plan names it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanMember {
    pub id: String,
    pub name: String,
    pub birth_year: Option<i64>,
    pub relation: String,
    pub id_tail: String,
}

/// How a merge would meet the two registrations' members: sure pairs (one person), doubtful
/// pairs (one person only if confirmed in the merge's `same`), and members added.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MergePlanView {
    pub keep: String,
    pub merged: String,
    pub same: Vec<(PlanMember, PlanMember)>,
    pub doubtful: Vec<(PlanMember, PlanMember)>,
    pub added: Vec<PlanMember>,
}

/// Duplicate item `id` with `status` in the caller's scope (out of scope looks like absent).
async fn duplicate_in_scope(
    app: &AppState,
    who: &Principal,
    id: i64,
    status: &str,
) -> Result<crate::store::projection::DuplicateRow, AppError> {
    app.store
        .duplicates(who.org.as_str(), status, i64::MAX, 0)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(AppError::NotFound)
}

/// The open duplicate item `id` in the caller's scope, and the other registration than `keep`.
async fn duplicate_pair(
    app: &AppState,
    who: &Principal,
    id: i64,
    keep: &str,
) -> Result<(crate::store::projection::DuplicateRow, String), AppError> {
    let item = duplicate_in_scope(app, who, id, "open").await?;
    let other = if keep == item.first_id {
        item.second_id.clone()
    } else if keep == item.second_id {
        item.first_id.clone()
    } else {
        return Err(AppError::BadRequest("keep one of the pair".into()));
    };
    Ok((item, other))
}

async fn household_of(
    app: &AppState,
    id: &str,
) -> Result<linli_sync_core::contract::Household, AppError> {
    let json = ask(app, id, |reply| DocCommand::Read { reply })
        .await?
        .ok_or(AppError::NotFound)?;
    serde_json::from_value(json).map_err(|e| AppError::BadRequest(e.to_string()))
}

fn plan_member(h: &linli_sync_core::contract::Household, id: &str) -> PlanMember {
    let m = h.members.get(id).cloned().unwrap_or_default();
    PlanMember {
        id: id.to_owned(),
        name: m.name,
        birth_year: m.birth_year,
        relation: m.relation,
        id_tail: m.id_tail,
    }
}

/// `GET /api/duplicates/{id}/plan?keep=…`: how merging would meet the members.
#[utoipa::path(get, path = "/api/duplicates/{id}/plan", tag = "review", params(("id" = i64, Path), PlanQuery), security(("bearer" = [])), responses((status = 200, body = MergePlanView), (status = 404)))]
pub async fn merge_plan(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PlanQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<MergePlanView>, AppError> {
    let (_, other) = duplicate_pair(&app, &who, id, &q.keep).await?;
    let (keep, merged) = (
        household_of(&app, &q.keep).await?,
        household_of(&app, &other).await?,
    );
    let m = linli_sync_core::merge::match_members(&keep, &merged);
    let pairs = |list: &[(String, String)]| {
        list.iter()
            .map(|(k, o)| (plan_member(&keep, k), plan_member(&merged, o)))
            .collect()
    };
    Ok(Json(MergePlanView {
        same: pairs(&m.same),
        doubtful: pairs(&m.doubtful),
        added: m.added.iter().map(|o| plan_member(&merged, o)).collect(),
        keep: q.keep,
        merged: other,
    }))
}

async fn ask<T>(
    app: &AppState,
    doc: &str,
    cmd: impl FnOnce(tokio::sync::oneshot::Sender<T>) -> DocCommand,
) -> Result<T, AppError> {
    let id = DocumentId::parse(doc).map_err(|_| AppError::NotFound)?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    app.hub
        .send(id, cmd(reply))
        .await
        .map_err(|_| ActorError::Gone)?;
    let answer = tokio::time::timeout(std::time::Duration::from_secs(30), answer)
        .await
        .map_err(|_| ActorError::Gone)?
        .map_err(|_| ActorError::Gone)?;
    Ok(answer)
}

/// `POST /api/duplicates/{id}/merge` `{keep, same}`: one record per person. The other
/// registration's members are matched to the kept one's by identity (name, birth year, ID
/// tail): sure pairs and the doubtful pairs listed in `same` become one person, the rest are
/// added; its visits are added. The other is marked `merged_into` the kept one and leaves
/// every list, export and indicator; devices still writing to it are told, and what they
/// write is moved over. Undone with `POST /api/duplicates/{id}/undo`.
#[utoipa::path(post, path = "/api/duplicates/{id}/merge", tag = "review", params(("id" = i64, Path)), request_body = MergeRequest, security(("bearer" = [])), responses((status = 200), (status = 400), (status = 404)))]
pub async fn merge_duplicate(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
    Json(req): Json<MergeRequest>,
) -> Result<Json<serde_json::Value>, AppError> {
    use linli_sync_core::merge;
    let store = &app.store;
    let (_, other) = duplicate_pair(&app, &who, id, &req.keep).await?;
    let (keep, merged) = (
        household_of(&app, &req.keep).await?,
        household_of(&app, &other).await?,
    );
    let matched = merge::match_members(&keep, &merged);
    for pair in &req.same {
        if !matched.doubtful.contains(pair) && !matched.same.contains(pair) {
            return Err(AppError::BadRequest(format!(
                "{} and {} are not a pair of this plan",
                pair.0, pair.1
            )));
        }
    }
    let same: Vec<(String, String)> = matched.same.iter().chain(&req.same).cloned().collect();
    let plan = merge::plan(&keep, &merged, &same, None);
    let absorb = MergeStep::Absorb {
        other: Box::new(merged.clone()),
        plan: plan.clone(),
    };
    merge_step(&app, &who, &req.keep, absorb).await?;
    merge_step(&app, &who, &other, MergeStep::Mark(Some(req.keep.clone()))).await?;
    let json = serde_json::to_string(&plan).unwrap_or_default();
    store
        .record_merge(id, &req.keep, &other, &json, &who.user)
        .await?;
    store.close_duplicate(id, &req.keep, &who.user).await?;
    store
        .audit(
            Some(&who.user),
            "duplicate_merge",
            Some(&other),
            Some(&req.keep),
            None,
        )
        .await?;
    Ok(Json(serde_json::json!({
        "kept": req.keep,
        "merged": other,
        "same": plan.same,
        "added_members": plan.added_members,
        "added_visits": plan.added_visits,
    })))
}

/// Writes one merge step into `doc` as `who`'s change; answers once it is durable.
async fn merge_step(
    app: &AppState,
    who: &Principal,
    doc: &str,
    step: MergeStep,
) -> Result<(), AppError> {
    let by = who.clone();
    ask(app, doc, |reply| DocCommand::Merge { step, by, reply })
        .await?
        .map_err(AppError::from)
}

/// `POST /api/duplicates/{id}/dismiss`: "not a duplicate": the pair is never offered again.
#[utoipa::path(post, path = "/api/duplicates/{id}/dismiss", tag = "review", params(("id" = i64, Path)), security(("bearer" = [])), responses((status = 200), (status = 404)))]
pub async fn dismiss_duplicate(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
) -> Result<Json<serde_json::Value>, AppError> {
    let store = &app.store;
    duplicate_in_scope(&app, &who, id, "open").await?;
    if !store.dismiss_duplicate(id, &who.user).await? {
        return Err(AppError::NotFound);
    }
    store
        .audit(
            Some(&who.user),
            "duplicate_dismiss",
            Some(&id.to_string()),
            None,
            None,
        )
        .await?;
    Ok(Json(serde_json::json!({ "dismissed": id })))
}

/// `POST /api/duplicates/{id}/undo`: undoes a merge: the members and visits it added leave
/// the kept registration, the other is no longer merged, and the item is open again.
#[utoipa::path(post, path = "/api/duplicates/{id}/undo", tag = "review", params(("id" = i64, Path)), security(("bearer" = [])), responses((status = 200), (status = 404)))]
pub async fn undo_merge(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
) -> Result<Json<serde_json::Value>, AppError> {
    let store = &app.store;
    duplicate_in_scope(&app, &who, id, "merged").await?;
    let record = store
        .merge_for_duplicate(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan: linli_sync_core::merge::MergePlan =
        serde_json::from_str(&record.plan).map_err(|e| AppError::BadRequest(e.to_string()))?;
    merge_step(&app, &who, &record.merged, MergeStep::Mark(None)).await?;
    merge_step(&app, &who, &record.kept, MergeStep::Undo(plan)).await?;
    store.undo_merge(&record, &who.user).await?;
    store
        .audit(
            Some(&who.user),
            "duplicate_unmerge",
            Some(&record.merged),
            Some(&record.kept),
            None,
        )
        .await?;
    Ok(Json(
        serde_json::json!({ "kept": record.kept, "restored": record.merged }),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    #[serde(default = "fifty")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VisitRef {
    pub document_id: String,
    pub visit_id: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewVisits {
    pub items: Vec<VisitRef>,
    pub status: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /api/review/visits` `{items: [{document_id, visit_id}], status, note}`: mark visit
/// records received, approved or sent back.
#[utoipa::path(post, path = "/api/review/visits", tag = "review", request_body = ReviewVisits, security(("bearer" = [])), responses((status = 200), (status = 400), (status = 404)))]
pub async fn review_visits(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Json(req): Json<ReviewVisits>,
) -> Result<Json<serde_json::Value>, AppError> {
    let count = req.items.len();
    let mut by_doc: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for item in req.items {
        by_doc
            .entry(item.document_id)
            .or_default()
            .push(item.visit_id);
    }
    let targets = by_doc
        .into_iter()
        .map(|(d, ids)| (d, ReviewTarget::Visits(ids)))
        .collect();
    decide(&app, &who, "household", targets, &req.status, &req.note).await?;
    Ok(Json(serde_json::json!({ "reviewed": count })))
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
