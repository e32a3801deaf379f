//! Quarantine in the API. `POST /api/quarantine`: a device hands over local changes the
//! server will not sync with it (the document left its user's scope, or was never stored), so
//! that no change made on a device is lost. `GET /api/quarantine`: supervisors see what was
//! refused in their scope (who, device, when, what, the rule) and accept an item (its values
//! written as their change, audited) or dismiss it.

use axum::extract::{Path, Query, State};
use axum::Json;
use base64::Engine;
use linli_sync_core::access::Principal;
use linli_sync_core::contract::OrgPath;
use linli_sync_core::DocumentId;
use serde::{Deserialize, Serialize};

use crate::auth::extract::{Caller, Reviewer, Supervisor};
use crate::doc_actor::{ActorError, ServerEdit};
use crate::error::AppError;
use crate::review_api::ListQuery;
use crate::store::quarantine::QuarantineRow;
use crate::store::{Origin, QuarantineEntry};
use crate::AppState;

/// Changes a device could not deliver.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Undelivered {
    pub document_id: String,
    /// The automerge changes, each base64-encoded as `Change::raw_bytes`.
    pub changes: Vec<String>,
}

/// How the reason of handed-over changes begins.
const UNDELIVERABLE_PREFIX: &str = "undeliverable:";

/// Why such changes are kept.
pub const UNDELIVERABLE: &str =
    "undeliverable: the server would not sync this document with the device (outside its user's scope, or never stored); the device handed its changes over";

/// `POST /api/quarantine` `{document_id, changes}`: keeps changes a device could not deliver
/// (any signed-in user, for their own changes; answers `{kept}`).
#[utoipa::path(post, path = "/api/quarantine", tag = "records", request_body = Undelivered, security(("bearer" = [])), responses((status = 200), (status = 400)))]
pub async fn hand_over(
    State(app): State<AppState>,
    Caller(who): Caller,
    Json(req): Json<Undelivered>,
) -> Result<Json<serde_json::Value>, AppError> {
    let id = DocumentId::parse(&req.document_id)
        .map_err(|e| AppError::BadRequest(format!("document_id: {e}")))?;
    if req.changes.is_empty() {
        return Err(AppError::BadRequest("no changes".into()));
    }
    let mut raws = Vec::with_capacity(req.changes.len());
    for (i, change) in req.changes.iter().enumerate() {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(change)
            .map_err(|_| AppError::BadRequest(format!("changes[{i}] is not base64")))?;
        linli_sync_core::automerge::Change::from_bytes(raw.clone()).map_err(|_| {
            AppError::BadRequest(format!("changes[{i}] is not an automerge change"))
        })?;
        raws.push(raw);
    }
    // What delivering them would cost is bounded as for a sync message.
    linli_sync_core::message_cost::count_ops(
        raws.iter().map(Vec::as_slice),
        linli_sync_core::message_cost::DEFAULT_MAX_OPS,
    )
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let bytes = raws.concat();
    let org = match app.store.document_root(&id.to_string()).await? {
        Some((_, org)) => org,
        None => who.org.to_string(),
    };
    app.store
        .quarantine(&QuarantineEntry {
            document_id: id.to_string(),
            origin: Origin {
                peer: None,
                user: Some(who.user.clone()),
                device: Some(who.device.clone()),
            },
            reason: UNDELIVERABLE.into(),
            bytes,
            org: Some(org),
            writes: None,
        })
        .await?;
    Ok(Json(serde_json::json!({ "kept": req.changes.len() })))
}

/// A refused change as supervisors see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct QuarantineItem {
    pub id: i64,
    pub document_id: String,
    /// The document's kind, when it is stored.
    pub kind: Option<String>,
    /// The document's org (or the sender's, when the document is not stored).
    pub org: Option<String>,
    pub user: Option<String>,
    pub device: Option<String>,
    /// When the server received it, milliseconds since the epoch.
    pub received_at: i64,
    /// The rule it broke, as the device was told.
    pub reason: String,
    /// `open`, `accepted` or `dismissed`.
    pub status: String,
    /// The refused values, `{path, value}`, when they can be written again.
    pub writes: Vec<serde_json::Value>,
    /// Accepting writes `writes` as the supervisor's change (items refused and undone field
    /// by field; a document refused whole cannot be), or, for changes a device handed over,
    /// delivers them as their author made them.
    pub can_accept: bool,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub note: Option<String>,
}

fn item(row: QuarantineRow) -> QuarantineItem {
    let writes: Vec<serde_json::Value> = row
        .writes
        .as_deref()
        .and_then(|w| serde_json::from_str(w).ok())
        .unwrap_or_default();
    // Writes into lists (a visit by its index) cannot be applied again safely: the list may
    // have changed since.
    let into_list = |w: &serde_json::Value| {
        w["path"]
            .as_str()
            .is_some_and(|p| p.split('/').any(|s| s.parse::<usize>().is_ok()))
    };
    let handed_over =
        row.reason.starts_with(UNDELIVERABLE_PREFIX) && row.user.is_some() && row.device.is_some();
    QuarantineItem {
        can_accept: row.status == "open"
            && row.kind.is_some()
            && (handed_over || (!writes.is_empty() && !writes.iter().any(into_list))),
        writes,
        id: row.id,
        document_id: row.document_id,
        kind: row.kind,
        org: row.org,
        user: row.user,
        device: row.device,
        received_at: row.received_at,
        reason: row.reason,
        status: row.status,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        note: row.decision_note,
    }
}

/// `GET /api/quarantine?status=open&limit=50&offset=0`: refused changes in the caller's
/// scope: who, which device, when, what and the rule (supervisors and admins).
#[utoipa::path(get, path = "/api/quarantine", tag = "review", params(ListQuery), security(("bearer" = [])), responses((status = 200, body = [QuarantineItem])))]
pub async fn list(
    State(app): State<AppState>,
    Query(q): Query<ListQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<QuarantineItem>>, AppError> {
    let rows = app
        .store
        .quarantine_items(
            who.org.as_str(),
            &q.status,
            q.limit.clamp(1, 500),
            q.offset.max(0),
        )
        .await?;
    Ok(Json(rows.into_iter().map(item).collect()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Decision {
    #[serde(default)]
    pub note: String,
}

/// An open item in the caller's scope (out of scope looks exactly like absent).
async fn open_item(app: &AppState, who: &Principal, id: i64) -> Result<QuarantineRow, AppError> {
    let row = app
        .store
        .quarantine_item(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = row
        .org
        .as_deref()
        .and_then(|o| OrgPath::parse(o).ok())
        .ok_or(AppError::NotFound)?;
    if !who.org.contains(&org) {
        return Err(AppError::NotFound);
    }
    if row.status != "open" {
        return Err(AppError::BadRequest(format!(
            "this item is already {}",
            row.status
        )));
    }
    Ok(row)
}

/// `POST /api/quarantine/{id}/accept` `{note}`: writes the refused values as the
/// supervisor's change (each still checked against its field's rule), reaching every device;
/// audited.
#[utoipa::path(post, path = "/api/quarantine/{id}/accept", tag = "review", params(("id" = i64, Path)), request_body = Decision, security(("bearer" = [])), responses((status = 200, body = QuarantineItem), (status = 400), (status = 404)))]
pub async fn accept(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
    Json(req): Json<Decision>,
) -> Result<Json<QuarantineItem>, AppError> {
    let row = open_item(&app, &who, id).await?;
    let shown = item(row.clone());
    if !shown.can_accept {
        return Err(AppError::BadRequest(
            "this item cannot be written again (the document was refused whole, or the values are in a list); dismiss it and ask its author to enter it again".into(),
        ));
    }
    let edit = if row.reason.starts_with(UNDELIVERABLE_PREFIX) {
        deliver(&app, &row).await?
    } else {
        accept_writes(&shown)
    };
    match crate::review_api::edit(&app, &row.document_id, edit, &who).await? {
        Ok(()) => {}
        Err(ActorError::Invalid(why) | ActorError::Changed(why)) => {
            return Err(AppError::BadRequest(format!("cannot accept: {why}")))
        }
        Err(e) => return Err(e.into()),
    }
    decide(&app, &who, &row, "accepted", &req.note).await
}

/// Handed-over changes delivered as their author made them: judged by the rules for the
/// author's role (as it is now) with the document's unit as their scope, since the accepting
/// supervisor vouches that it was theirs when they made the changes.
async fn deliver(app: &AppState, row: &QuarantineRow) -> Result<ServerEdit, AppError> {
    let changes = app
        .store
        .quarantine_bytes(row.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (Some(user), Some(device), Some(org)) = (&row.user, &row.device, &row.org) else {
        return Err(AppError::BadRequest(
            "these changes do not say who made them; dismiss them".into(),
        ));
    };
    let author = app.store.user(user).await?.ok_or_else(|| {
        AppError::BadRequest(format!("their author {user} is not a user any more"))
    })?;
    let role = linli_sync_core::access::Role::parse(&author.role)
        .ok_or_else(|| AppError::BadRequest(format!("unknown role of {user}")))?;
    let org = OrgPath::parse(org).map_err(|e| AppError::BadRequest(e.to_string()))?;
    Ok(ServerEdit::Deliver {
        changes,
        author: Principal {
            user: user.clone(),
            role,
            org,
            device: device.clone(),
            extra_read: Vec::new(),
        },
    })
}

/// Refused values written again as the supervisor's change.
fn accept_writes(shown: &QuarantineItem) -> ServerEdit {
    let writes: Vec<(Vec<String>, serde_json::Value)> = shown
        .writes
        .iter()
        .map(|w| {
            let path = w["path"].as_str().unwrap_or_default();
            (
                path.split('/').map(str::to_owned).collect(),
                w["value"].clone(),
            )
        })
        .collect();
    ServerEdit::Accept { writes }
}

/// `POST /api/quarantine/{id}/dismiss` `{note}`: the refusal stands; the item closes
/// (audited).
#[utoipa::path(post, path = "/api/quarantine/{id}/dismiss", tag = "review", params(("id" = i64, Path)), request_body = Decision, security(("bearer" = [])), responses((status = 200, body = QuarantineItem), (status = 404)))]
pub async fn dismiss(
    State(app): State<AppState>,
    Path(id): Path<i64>,
    Supervisor(who): Supervisor,
    Json(req): Json<Decision>,
) -> Result<Json<QuarantineItem>, AppError> {
    let row = open_item(&app, &who, id).await?;
    decide(&app, &who, &row, "dismissed", &req.note).await
}

async fn decide(
    app: &AppState,
    who: &Principal,
    row: &QuarantineRow,
    status: &str,
    note: &str,
) -> Result<Json<QuarantineItem>, AppError> {
    let store = &app.store;
    if !store
        .decide_quarantine(row.id, status, &who.user, note)
        .await?
    {
        return Err(AppError::BadRequest(
            "this item was decided meanwhile".into(),
        ));
    }
    let action = if status == "accepted" {
        "quarantine_accept"
    } else {
        "quarantine_dismiss"
    };
    store
        .audit(
            Some(&who.user),
            action,
            Some(&format!("{}#{}", row.document_id, row.id)),
            Some(note),
            None,
        )
        .await?;
    let row = store
        .quarantine_item(row.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(item(row)))
}
