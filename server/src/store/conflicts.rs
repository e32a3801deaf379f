//! Review items for conflicts: listing them within a scope, and finding one.

use sqlx::Row;

use super::Store;

/// A conflict item as stored, with its document's org.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConflictRow {
    pub id: i64,
    pub document_id: String,
    pub kind: String,
    pub org: String,
    pub path: String,
    /// JSON array of `{value, actor, time}`.
    pub candidates: String,
    pub status: String,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

/// Reads a [`ConflictRow`] from a row of either backend.
macro_rules! conflict_row {
    ($r:expr) => {
        Ok(ConflictRow {
            id: $r.try_get("id")?,
            document_id: $r.try_get("document_id")?,
            kind: $r.try_get("kind")?,
            org: $r.try_get("org")?,
            path: $r.try_get("path")?,
            candidates: $r.try_get("candidates")?,
            status: $r.try_get("status")?,
            resolved_by: $r.try_get("resolved_by")?,
            resolution: $r.try_get("resolution")?,
        })
    };
}

const SELECT: &str = "SELECT c.id, c.document_id, d.kind, d.org, c.path, c.candidates, c.status, c.resolved_by, c.resolution \
                      FROM conflicts c JOIN documents d ON d.id = c.document_id";

impl Store {
    /// Conflict items with `status` in documents at or under `scope`, oldest first.
    pub async fn conflicts(
        &self,
        scope: &str,
        status: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ConflictRow>, sqlx::Error> {
        let under = format!("{scope}/");
        let sql = format!("{SELECT} WHERE c.status = $1 AND (d.org = $2 OR substr(d.org, 1, length($3)) = $3) ORDER BY c.id LIMIT $4 OFFSET $5");
        with_pool!(self, pool => {
            let rows = sqlx::query(&sql)
                .bind(status).bind(scope).bind(&under).bind(limit).bind(offset)
                .fetch_all(pool).await?;
            rows.iter().map(|r| conflict_row!(r)).collect()
        })
    }

    /// One conflict item.
    pub async fn conflict(&self, id: i64) -> Result<Option<ConflictRow>, sqlx::Error> {
        let sql = format!("{SELECT} WHERE c.id = $1");
        with_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
            row.map(|r| conflict_row!(r)).transpose()
        })
    }

    /// Who an actor of a document belongs to: (user, device).
    pub async fn actor_owner(
        &self,
        document_id: &str,
        actor: &str,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT user_name, device_id FROM actor_bindings WHERE document_id = $1 AND actor = $2")
                .bind(document_id).bind(actor).fetch_optional(pool).await?;
            row.map(|r| Ok((r.try_get("user_name")?, r.try_get("device_id")?))).transpose()
        })
    }
}
