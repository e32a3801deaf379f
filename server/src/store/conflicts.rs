//! Review items (conflicts and flagged values): listing them within a scope, finding one,
//! closing one.

use sqlx::Row;

use super::Store;

/// A conflict item as stored, with its document's org.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
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
    /// `conflict` or `implausible`.
    pub item: String,
    /// Why the item was opened, or how it was closed.
    pub note: Option<String>,
    /// A household's address, as its projection holds it (households only).
    pub address: Option<String>,
    /// A household's head (households only).
    pub head_name: Option<String>,
    /// A volunteer's name (volunteer records only).
    pub volunteer_name: Option<String>,
}

const SELECT: &str = "SELECT c.id, c.document_id, d.kind, d.org, c.path, c.candidates, c.status, c.resolved_by, c.resolution, c.item, c.note, \
                      h.address, h.head_name, v.name AS volunteer_name \
                      FROM conflicts c JOIN documents d ON d.id = c.document_id \
                      LEFT JOIN p_households h ON h.document_id = c.document_id \
                      LEFT JOIN p_volunteers v ON v.document_id = c.document_id";

const IN_SCOPE: &str = "c.status = $1 AND (d.org = $2 OR substr(d.org, 1, length($3)) = $3)";

impl Store {
    /// Conflict items with `status` in documents at or under `scope`, oldest first.
    pub async fn conflicts(
        &self,
        scope: &str,
        status: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ConflictRow>, sqlx::Error> {
        let sql = format!("{SELECT} WHERE {IN_SCOPE} ORDER BY c.id LIMIT $4 OFFSET $5");
        super::page_in_scope(self.pool(), &sql, status, scope, (limit, offset)).await
    }

    /// How many conflict items with `status` there are at or under `scope`.
    pub async fn conflict_count(&self, scope: &str, status: &str) -> Result<i64, sqlx::Error> {
        let sql = format!(
            "SELECT COUNT(*) FROM conflicts c JOIN documents d ON d.id = c.document_id WHERE {IN_SCOPE}"
        );
        sqlx::query_scalar(&sql)
            .bind(status)
            .bind(scope)
            .bind(format!("{scope}/"))
            .fetch_one(self.pool())
            .await
    }

    /// One conflict item.
    pub async fn conflict(&self, id: i64) -> Result<Option<ConflictRow>, sqlx::Error> {
        let sql = format!("{SELECT} WHERE c.id = $1");
        let pool = self.pool();
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await
    }

    /// Closes an open item without writing anything (`status`: `accepted` when the flagged
    /// value is right, `superseded` when the field changed since); false when it was not open.
    pub async fn close_item(
        &self,
        id: i64,
        status: &str,
        by: &str,
        note: &str,
    ) -> Result<bool, sqlx::Error> {
        let now = crate::clock::now_ms();
        let pool = self.pool();
        let done = sqlx::query("UPDATE conflicts SET status = $1, resolved_at = $2, resolved_by = $3, note = $4 WHERE id = $5 AND status = 'open'")
                .bind(status).bind(now).bind(by).bind(note).bind(id)
                .execute(pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Who an actor of a document belongs to: (user, device).
    pub async fn actor_owner(
        &self,
        document_id: &str,
        actor: &str,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        let pool = self.pool();
        let row = sqlx::query(
            "SELECT user_name, device_id FROM actor_bindings WHERE document_id = $1 AND actor = $2",
        )
        .bind(document_id)
        .bind(actor)
        .fetch_optional(pool)
        .await?;
        row.map(|r| Ok((r.try_get("user_name")?, r.try_get("device_id")?)))
            .transpose()
    }
}
