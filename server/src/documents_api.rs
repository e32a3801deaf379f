//! `GET /api/documents?kind=&limit=&offset=`: the ids of the documents the caller may read, so
//! that a client can fetch everything in its scope (the field CLI's `pull`, the web app).
//!
//! The list follows the sync endpoint's read policy (`access::can_read`): admins see every
//! document, volunteers their own volunteer document, workers and supervisors every document at
//! or under their scope (and under any emergency grant they hold).

use axum::extract::{Query, State};
use axum::Json;
use linli_sync_core::access::{Principal, Role};
use linli_sync_core::contract::Kind;
use serde::Deserialize;

use crate::auth::extract::Caller;
use crate::error::AppError;
use crate::store::{DocumentRow, ReadScope};
use crate::AppState;

/// Page size when none is asked for.
const DEFAULT_PAGE: i64 = 500;
/// Longest page returned.
const MAX_PAGE: i64 = 5000;

/// Query of `GET /api/documents`.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct DocumentsQuery {
    /// household, volunteer, request or community; absent: every kind.
    pub kind: Option<String>,
    /// Page size, 1–5000 (default 500).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// What `who` may read, as a store query.
pub fn read_scope(who: &Principal) -> ReadScope {
    match who.role {
        Role::Admin => ReadScope::All,
        Role::Volunteer => ReadScope::Owner(who.user.clone()),
        Role::Worker | Role::Supervisor => ReadScope::Orgs {
            orgs: std::iter::once(&who.org)
                .chain(&who.extra_read)
                .map(|o| o.as_str().to_owned())
                .collect(),
            user: who.user.clone(),
            community_of: (who.role == Role::Worker).then(|| who.org.as_str().to_owned()),
        },
    }
}

/// `GET /api/documents?kind=household&limit=500&offset=0`: `[{document_id, kind, org}]`
/// ordered by id.
#[utoipa::path(get, path = "/api/documents", tag = "records", params(DocumentsQuery), security(("bearer" = [])), responses((status = 200, body = [DocumentRow]), (status = 400, description = "unknown kind"), (status = 401)))]
pub async fn list(
    State(app): State<AppState>,
    Query(q): Query<DocumentsQuery>,
    Caller(who): Caller,
) -> Result<Json<Vec<DocumentRow>>, AppError> {
    let kind = match q.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(
            Kind::parse(k)
                .ok_or_else(|| {
                    AppError::BadRequest(
                        "kind must be household, volunteer, request or community".into(),
                    )
                })?
                .as_str(),
        ),
    };
    let rows = app
        .store
        .readable_documents(
            &read_scope(&who),
            kind,
            q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE),
            q.offset.unwrap_or(0).max(0),
        )
        .await?;
    Ok(Json(rows))
}
