//! Review items: `GET /api/conflicts` lists them in the caller's scope (supervisors and
//! admins) with each candidate value's author; `POST /api/conflicts/{id}/resolve` settles one
//! (supervisors), writing the chosen value as a change of the supervisor's that reaches every
//! device; `POST /api/conflicts/{id}/accept` keeps a flagged value.

use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use linli_sync_core::access::Principal;
use linli_sync_core::contract::OrgPath;
use serde::{Deserialize, Serialize};

use super::{edit, field_values, fifty, unit_of, MAX_PAGE};
use crate::auth::extract::{Reviewer, Supervisor};
use crate::doc_actor::{ActorError, ServerEdit};
use crate::error::AppError;
use crate::store::ConflictRow;
use crate::AppState;
use linli_sync_core::conflicts::ConflictValue;

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
    /// The record as a person finds it: a household's address and head, a volunteer's name.
    pub record: RecordLabel,
}

/// What names the record an item belongs to (each part only where the record has it).
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordLabel {
    pub address: Option<String>,
    pub head_name: Option<String>,
    pub volunteer_name: Option<String>,
}

/// What `GET /api/conflicts` takes.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ConflictQuery {
    /// `open` (default), `resolved`, `accepted` or `superseded`.
    #[serde(default = "open")]
    pub status: String,
    #[serde(default = "fifty")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
    /// A unit at or under the caller's own (default: the caller's).
    pub org: Option<String>,
}

fn open() -> String {
    "open".into()
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
        let values = field_values(app, &row.document_id, item_path(&row)).await?;
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
        record: RecordLabel {
            address: row.address,
            head_name: row.head_name,
            volunteer_name: row.volunteer_name,
        },
    })
}

/// `GET /api/conflicts?status=open&org=&limit=50&offset=0`: a page of items, oldest first,
/// with how many match over all pages in `X-Total-Count`.
#[utoipa::path(get, path = "/api/conflicts", tag = "review", params(ConflictQuery), security(("bearer" = [])),
    responses((status = 200, body = [ConflictItem], headers(("X-Total-Count" = i64, description = "how many items match, over all pages")))))]
pub async fn list(
    State(app): State<AppState>,
    Query(q): Query<ConflictQuery>,
    Reviewer(who): Reviewer,
) -> Result<Response, AppError> {
    let scope = unit_of(&who, q.org.as_deref())?;
    let rows = app
        .store
        .conflicts(
            scope.as_str(),
            &q.status,
            q.limit.clamp(1, MAX_PAGE),
            q.offset.max(0),
        )
        .await?;
    let total = app.store.conflict_count(scope.as_str(), &q.status).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(item(&app, row).await?);
    }
    let mut response = Json(items).into_response();
    response
        .headers_mut()
        .insert("x-total-count", HeaderValue::from(total));
    Ok(response)
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
    let resolve = ServerEdit::Resolve {
        path: path.clone(),
        value: req.value.clone(),
        seen: stored_candidates(&row),
    };
    let written = edit(&app, &row.document_id, resolve, &who).await?;
    if let Err(e) = written {
        let why = match e {
            ActorError::Invalid(why) | ActorError::Changed(why) => why,
            // Storage failed or the actor is gone: nothing was written, the item stands.
            e => return Err(e.into()),
        };
        let current = field_values(&app, &row.document_id, path).await?;
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
