//! Quarantine as supervisors review it: the items in a scope, one item, and the decision.

use super::Store;

/// A quarantined item as listed, with its document's kind when the document is stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QuarantineRow {
    pub id: i64,
    pub document_id: String,
    pub kind: Option<String>,
    pub org: Option<String>,
    #[sqlx(rename = "user_id")]
    pub user: Option<String>,
    #[sqlx(rename = "device_id")]
    pub device: Option<String>,
    /// Milliseconds since the epoch.
    pub received_at: i64,
    pub reason: String,
    pub status: String,
    /// JSON `[{path, value}]`, when the refused writes can be applied again.
    pub writes: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

const SELECT: &str =
    "SELECT q.id, q.document_id, d.kind, q.org, q.user_id, q.device_id, q.received_at, q.reason, \
                      q.status, q.writes, q.decided_by, q.decided_at, q.decision_note \
                      FROM quarantine q LEFT JOIN documents d ON d.id = q.document_id";

impl Store {
    /// Quarantined items with `status` whose org lies at or under `scope`, oldest first.
    pub async fn quarantine_items(
        &self,
        scope: &str,
        status: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<QuarantineRow>, sqlx::Error> {
        let sql = format!("{SELECT} WHERE q.status = $1 AND (q.org = $2 OR substr(q.org, 1, length($3)) = $3) ORDER BY q.id LIMIT $4 OFFSET $5");
        super::page_in_scope(self.pool(), &sql, status, scope, (limit, offset)).await
    }

    /// One quarantined item.
    pub async fn quarantine_item(&self, id: i64) -> Result<Option<QuarantineRow>, sqlx::Error> {
        let sql = format!("{SELECT} WHERE q.id = $1");
        let pool = self.pool();
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await
    }

    /// The bytes an item keeps (the refused or handed-over changes).
    pub async fn quarantine_bytes(&self, id: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
        sqlx::query_scalar("SELECT bytes FROM quarantine WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
    }

    /// Records a supervisor's decision on an open item (`accepted` or `dismissed`); false
    /// when it was not open any more.
    pub async fn decide_quarantine(
        &self,
        id: i64,
        status: &str,
        by: &str,
        note: &str,
    ) -> Result<bool, sqlx::Error> {
        let now = crate::clock::now_ms();
        let pool = self.pool();
        let done = sqlx::query("UPDATE quarantine SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4 WHERE id = $5 AND status = 'open'")
                .bind(status).bind(by).bind(now).bind(note).bind(id)
                .execute(pool).await?;
        Ok(done.rows_affected() == 1)
    }
}
