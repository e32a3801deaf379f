//! A field's history (`GET /api/history`): every value it had, with who wrote it and when.

use axum::extract::{Query, State};
use axum::Json;
use linli_sync_core::contract::OrgPath;
use serde::{Deserialize, Serialize};

use super::read;
use crate::auth::extract::Reviewer;
use crate::error::AppError;
use crate::AppState;

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
    let entries = read(&app, &q.document_id, move |content| {
        content
            .map(|d| linli_sync_core::conflicts::field_history(d, &path))
            .unwrap_or_default()
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
