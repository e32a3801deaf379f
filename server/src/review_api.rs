//! The review API for conflicts: `GET /api/conflicts` lists the items in the caller's scope
//! (supervisors and admins), with each candidate value's author; `POST
//! /api/conflicts/{id}/resolve` settles one (supervisors), writing the chosen value as a change
//! of the supervisor's that reaches every device.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use linli_sync_core::access::{Principal, Role};
use linli_sync_core::contract::OrgPath;
use linli_sync_core::DocumentId;
use serde::{Deserialize, Serialize};

use crate::auth::{authenticate, bearer};
use crate::doc_actor::DocCommand;
use crate::error::AppError;
use crate::store::ConflictRow;
use crate::AppState;

/// Longest page a list returns.
const MAX_PAGE: i64 = 500;

async fn reviewer(app: &AppState, headers: &HeaderMap) -> Result<Principal, AppError> {
    let token = bearer(headers, None).ok_or(AppError::Unauthorized)?;
    let who = authenticate(&app.keys, app.hub.store(), &token)
        .await?
        .principal;
    match who.role {
        Role::Supervisor | Role::Admin => Ok(who),
        _ => Err(AppError::Forbidden),
    }
}

#[derive(Deserialize)]
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
#[derive(Serialize)]
pub struct Candidate {
    pub value: serde_json::Value,
    pub user: Option<String>,
    pub device: Option<String>,
    /// Seconds since the epoch, by the author's clock.
    pub time: i64,
}

/// A conflict item as the API shows it.
#[derive(Serialize)]
pub struct ConflictItem {
    pub id: i64,
    pub document_id: String,
    pub kind: String,
    pub org: String,
    pub path: String,
    pub status: String,
    pub candidates: Vec<Candidate>,
    pub resolved_by: Option<String>,
    pub resolution: Option<serde_json::Value>,
}

async fn item(app: &AppState, row: ConflictRow) -> Result<ConflictItem, AppError> {
    let raw: Vec<serde_json::Value> = serde_json::from_str(&row.candidates).unwrap_or_default();
    let mut candidates = Vec::with_capacity(raw.len());
    for c in raw {
        let actor = c["actor"].as_str().unwrap_or_default().to_owned();
        let owner = app
            .hub
            .store()
            .actor_owner(&row.document_id, &actor)
            .await?;
        candidates.push(Candidate {
            value: c["value"].clone(),
            user: owner.as_ref().map(|o| o.0.clone()),
            device: owner.map(|o| o.1),
            time: c["time"].as_i64().unwrap_or(0),
        });
    }
    Ok(ConflictItem {
        id: row.id,
        document_id: row.document_id,
        kind: row.kind,
        org: row.org,
        path: row.path,
        status: row.status,
        candidates,
        resolved_by: row.resolved_by,
        resolution: row.resolution.and_then(|r| serde_json::from_str(&r).ok()),
    })
}

/// `GET /api/conflicts?status=open&limit=50&offset=0`
pub async fn list(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<ConflictItem>>, AppError> {
    let who = reviewer(&app, &headers).await?;
    let rows = app
        .hub
        .store()
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

#[derive(Deserialize)]
pub struct ResolveRequest {
    pub value: serde_json::Value,
}

/// `POST /api/conflicts/{id}/resolve` `{value}`
pub async fn resolve(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<ResolveRequest>,
) -> Result<Json<ConflictItem>, AppError> {
    let who = reviewer(&app, &headers).await?;
    if who.role != Role::Supervisor {
        return Err(AppError::Forbidden);
    }
    let store = app.hub.store();
    // Out of scope looks exactly like absent.
    let row = store.conflict(id).await?.ok_or(AppError::NotFound)?;
    let org = OrgPath::parse(&row.org).map_err(|_| AppError::NotFound)?;
    if !who.org.contains(&org) {
        return Err(AppError::NotFound);
    }
    if row.status != "open" {
        return Err(AppError::BadRequest("this item is already settled".into()));
    }
    let doc = DocumentId::parse(&row.document_id).map_err(|_| AppError::NotFound)?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    app.hub.send(
        doc,
        DocCommand::Settle {
            path: row.path.split('/').map(str::to_owned).collect(),
            value: req.value.clone(),
            by: who.clone(),
            reply,
        },
    );
    match tokio::time::timeout(std::time::Duration::from_secs(30), answer).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(why))) => return Err(AppError::BadRequest(why)),
        _ => return Err(AppError::Unavailable),
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
