//! Projecting every stored document again, once, when the projection tables have gained
//! facts that rows written by an older server do not hold (the indicator facts of migration
//! 0013: version 1; the worker's day of 0015, last visits, requests' assignment and
//! communities' follow-up rules: version 2). The server does it at start, before it serves; `server_meta.projection_version`
//! records that it is done.

use linli_sync_core::automerge::Automerge;

use super::projection::{apply_projection, Projection, ProjectionWrite};
use super::Store;

/// The version of what the projection writes; raise it when a migration adds facts that
/// documents already stored must be projected again to fill.
pub const PROJECTION_VERSION: i64 = 2;

impl Store {
    /// Projects every document again if the stored projections are older than
    /// [`PROJECTION_VERSION`]; returns how many were written. A document another node commits
    /// meanwhile is left to that commit, which projects it itself. A document that does not
    /// load is logged and left as it is.
    pub async fn reproject_if_stale(&self, time_zone: &str) -> Result<u64, sqlx::Error> {
        let pool = self.pool();
        let version: Option<String> =
            sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'projection_version'")
                .fetch_optional(pool)
                .await?;
        if version.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0) >= PROJECTION_VERSION {
            return Ok(0);
        }
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM documents ORDER BY id")
            .fetch_all(pool)
            .await?;
        if !ids.is_empty() {
            tracing::info!(
                documents = ids.len(),
                "projecting stored documents again (the projection gained facts)"
            );
        }
        let mut written = 0;
        for id in &ids {
            let Some(stored) = self.load_document(id).await? else {
                continue;
            };
            let mut doc = match &stored.snapshot {
                Some(bytes) => match Automerge::load(bytes) {
                    Ok(doc) => doc,
                    Err(e) => {
                        tracing::warn!(document = %id, error = %e, "stored document does not load; its projection is left as it was");
                        continue;
                    }
                },
                None => Automerge::new(),
            };
            if let Some(e) = stored
                .changes
                .iter()
                .find_map(|c| doc.load_incremental(c).err())
            {
                tracing::warn!(document = %id, error = %e, "stored document does not load; its projection is left as it was");
                continue;
            }
            let Some(rows) = Projection::of(&doc, &stored.root, time_zone) else {
                continue;
            };
            let w = ProjectionWrite::full(stored.root.org.to_string(), rows);
            let done = {
                let mut tx = self.begin_write().await?;
                // The document's row lock, as a commit takes it: a commit of another node
                // waits, or has already stored a newer state (then it projected that).
                sqlx::query("UPDATE documents SET change_count = change_count WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let latest: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(seq), 0) FROM changes WHERE document_id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                if latest > stored.last_seq {
                    tx.rollback().await?;
                    false
                } else {
                    apply_projection(&mut tx, id.as_str(), &w).await?;
                    super::indicator_versions::bump_indicator_versions(
                        &mut tx,
                        [super::indicator_versions::kept_unit(&w.org)],
                    )
                    .await?;
                    tx.commit().await?;
                    true
                }
            };
            written += u64::from(done);
        }
        sqlx::query(
            "INSERT INTO server_meta (key, value) VALUES ('projection_version', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(PROJECTION_VERSION.to_string())
        .execute(pool)
        .await?;
        Ok(written)
    }
}
