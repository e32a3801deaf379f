//! `GET /api/communities`: the communities in a supervisor's scope, each with its name and the
//! id of its community record (stated resident total, facilities, organisations, the
//! demonstration flag, entered health figures) when one exists, so that the web app can open
//! the record or create it. The record itself is an automerge document the supervisor edits
//! like any other (offline too); the indicators read it through its projection.

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::auth::extract::Reviewer;
use crate::error::AppError;
use crate::indicators::{in_scope, scope_bounds};
use crate::AppState;

/// One community.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommunityRow {
    pub org: String,
    pub name: String,
    /// The community record's document id, if it has one.
    pub document_id: Option<String>,
}

/// An org unit: path and name.
type UnitRow = (String, String);
/// A community record: org, name, document id.
type RecordRow = (String, String, String);

/// Depth of a community in an org path.
const COMMUNITY_DEPTH: usize = 3;

/// `GET /api/communities`: `[{org, name, document_id}]` at or under the caller's scope, by org.
#[utoipa::path(get, path = "/api/communities", tag = "reports", security(("bearer" = [])), responses((status = 200, body = [CommunityRow]), (status = 401), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<CommunityRow>>, AppError> {
    let org = who.org.as_str();
    let (under, past) = scope_bounds(org);
    // Two queries, not a join: org_units.path keeps the database's collation while the
    // projections' org columns compare byte-wise.
    let pool = app.store.pool();
    let communities = format!(
        "SELECT org, name, document_id FROM p_communities WHERE {} ORDER BY org, document_id",
        in_scope("org")
    );
    let (units, records): (Vec<UnitRow>, Vec<RecordRow>) = tokio::try_join!(
        sqlx::query_as(
            "SELECT path, name FROM org_units WHERE path = $1 OR substr(path, 1, length($2)) = $2"
        )
        .bind(org)
        .bind(&under)
        .fetch_all(pool),
        sqlx::query_as(&communities)
            .bind(org)
            .bind(&under)
            .bind(&past)
            .fetch_all(pool),
    )?;
    let mut out: std::collections::BTreeMap<String, CommunityRow> = units
        .into_iter()
        .filter(|(path, _)| path.split('/').count() == COMMUNITY_DEPTH)
        .map(|(path, name)| {
            let row = CommunityRow {
                org: path.clone(),
                name,
                document_id: None,
            };
            (path, row)
        })
        .collect();
    for (path, name, id) in records {
        let row = out.entry(path.clone()).or_insert(CommunityRow {
            org: path,
            name: name.clone(),
            document_id: None,
        });
        if row.name.is_empty() {
            row.name = name;
        }
        row.document_id.get_or_insert(id);
    }
    Ok(Json(out.into_values().collect()))
}
