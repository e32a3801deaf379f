//! Moving a household to another grid (issue #19: a family moved): `POST
//! /api/households/move`. A supervisor's action with a reason, within their unit; the
//! document's `org` is rewritten as their change, so its history stays whole, the old grid's
//! phones lose it at their next sync and the new grid's get it, and its projection rows and
//! the indicators of both units follow.

use axum::extract::State;
use axum::Json;
use linli_sync_core::contract::OrgPath;
use serde::Deserialize;

use super::edit;
use crate::auth::extract::Supervisor;
use crate::doc_actor::{ActorError, ServerEdit};
use crate::error::AppError;
use crate::AppState;

/// A household to move, where, and why.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct MoveHousehold {
    pub document_id: String,
    /// The grid it moves to (a unit as deep as the one it is in).
    pub to_org: String,
    /// Why (kept with the change and in the audit log).
    pub reason: String,
    /// The day the family moved (`YYYY-MM-DD`, not after today; default today): indicators
    /// count the household in the new grid from that day on, in the old one before it.
    #[serde(default)]
    pub on: Option<String>,
}

fn bad(why: impl Into<String>) -> AppError {
    AppError::BadRequest(why.into())
}

/// `POST /api/households/move` `{document_id, to_org, reason, on?}` (supervisors, both units
/// in their scope): answers `{moved, from, to, on}` once the move is durable.
#[utoipa::path(post, path = "/api/households/move", tag = "review", request_body = MoveHousehold, security(("bearer" = [])),
    responses((status = 200), (status = 400), (status = 403), (status = 404)))]
pub async fn move_household(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Json(req): Json<MoveHousehold>,
) -> Result<Json<serde_json::Value>, AppError> {
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(bad("say why the household moves (at most 500 characters)"));
    }
    let (kind, from) = app
        .store
        .document_root(&req.document_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let from = OrgPath::parse(&from).map_err(|_| AppError::NotFound)?;
    if !who.org.contains(&from) {
        return Err(AppError::NotFound);
    }
    if kind != "household" {
        return Err(bad("only households move"));
    }
    let to = OrgPath::parse(&req.to_org).map_err(|e| bad(format!("to_org: {e}")))?;
    if !who.org.contains(&to) {
        return Err(AppError::Forbidden);
    }
    if to.depth() != from.depth() {
        return Err(bad(format!(
            "a household moves to a unit like the one it is in ({from}), not to {to}"
        )));
    }
    let today = super::today(&app);
    let on = match req.on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => today.clone(),
        Some(d) if !linli_sync_core::calendar::is_date(d) => {
            return Err(bad(format!("on: {d:?} is not a date (YYYY-MM-DD)")))
        }
        Some(d) if d > today.as_str() => {
            return Err(bad(format!("on: {d} is after today ({today})")))
        }
        Some(d) => d.to_owned(),
    };
    if let Some(last) = app.store.last_move_day(&req.document_id).await? {
        if on < last {
            return Err(bad(format!(
                "on: {on} is before the household's last move ({last})"
            )));
        }
    }
    if let Some(unit) = app.store.org(to.as_str()).await? {
        if unit.closed_at.is_some() {
            return Err(bad(format!("the unit {to} ({}) is closed", unit.name)));
        }
    }
    let step = ServerEdit::Move {
        to: to.clone(),
        reason: reason.to_owned(),
        on: on.clone(),
    };
    match edit(&app, &req.document_id, step, &who).await? {
        Ok(()) => {}
        Err(ActorError::Invalid(why) | ActorError::Changed(why)) => return Err(bad(why)),
        Err(e) => return Err(e.into()),
    }
    app.store
        .audit(
            Some(&who.user),
            "household_move",
            Some(&req.document_id),
            Some(&format!("{from} → {to} on {on}: {reason}")),
            None,
        )
        .await?;
    Ok(Json(serde_json::json!({
        "moved": req.document_id,
        "from": from.to_string(),
        "to": to.to_string(),
        "on": on,
    })))
}
