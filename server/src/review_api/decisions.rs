//! Supervisors' decisions on what workers and volunteers submitted: volunteer hours
//! (`GET /api/volunteer-entries`, `POST /api/volunteer-entries/review`), household records and
//! visit records (`POST /api/review/households`, `POST /api/review/visits`).

use axum::extract::{Query, State};
use axum::Json;
use linli_sync_core::access::Principal;
use linli_sync_core::contract::OrgPath;
use linli_sync_core::DocumentId;
use serde::Deserialize;

use super::{fifty, MAX_PAGE};
use crate::auth::extract::{Reviewer, Supervisor};
use crate::doc_actor::{ActorError, DocCommand, ReviewTarget, ServerEdit};
use crate::error::AppError;
use crate::AppState;

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
pub(crate) async fn decide(
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
                DocCommand::Edit {
                    edit: Box::new(ServerEdit::Review {
                        target: target.clone(),
                        decision: decision.clone(),
                    }),
                    by: Box::new(who.clone()),
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
