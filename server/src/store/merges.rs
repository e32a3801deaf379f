//! Merges of duplicate household registrations: recorded with what they wrote, so that a
//! merge can be undone and later writes to the registration merged away can follow it.

use super::Store;

/// A merge as recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MergeRow {
    pub id: i64,
    pub duplicate_id: i64,
    pub kept: String,
    pub merged: String,
    /// JSON of `linli_sync_core::merge::MergePlan`.
    pub plan: String,
    pub by_user: String,
}

impl Store {
    /// Records a merge and closes its duplicate item as merged, in one transaction; returns
    /// the merge's id, or `None` (nothing written) when the item is not open any more.
    pub async fn record_merge(
        &self,
        duplicate_id: i64,
        kept: &str,
        merged: &str,
        plan: &str,
        by: &str,
    ) -> Result<Option<i64>, sqlx::Error> {
        let now = crate::clock::now_ms();
        let mut tx = self.begin_write().await?;
        let closed = sqlx::query("UPDATE duplicates SET status = 'merged', merged_into = $1, merged_by = $2, merged_at = $3 WHERE id = $4 AND status = 'open'")
            .bind(kept).bind(by).bind(now).bind(duplicate_id)
            .execute(&mut *tx).await?;
        if closed.rows_affected() != 1 {
            return Ok(None);
        }
        let id = sqlx::query_scalar("INSERT INTO merges (duplicate_id, kept, merged, plan, by_user, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(duplicate_id).bind(kept).bind(merged).bind(plan).bind(by).bind(now)
            .fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The merge in force of a registration merged away (not undone), if any.
    pub async fn merge_of(&self, merged: &str) -> Result<Option<MergeRow>, sqlx::Error> {
        let pool = self.pool();
        sqlx::query_as("SELECT id, duplicate_id, kept, merged, plan, by_user FROM merges WHERE merged = $1 AND undone_at IS NULL ORDER BY id DESC LIMIT 1")
                .bind(merged).fetch_optional(pool).await
    }

    /// The merge in force for a duplicate item, if any.
    pub async fn merge_for_duplicate(
        &self,
        duplicate_id: i64,
    ) -> Result<Option<MergeRow>, sqlx::Error> {
        let pool = self.pool();
        sqlx::query_as("SELECT id, duplicate_id, kept, merged, plan, by_user FROM merges WHERE duplicate_id = $1 AND undone_at IS NULL ORDER BY id DESC LIMIT 1")
                .bind(duplicate_id).fetch_optional(pool).await
    }

    /// Replaces a merge's plan (later writes to the registration merged away were moved over).
    pub async fn update_merge_plan(&self, id: i64, plan: &str) -> Result<(), sqlx::Error> {
        let pool = self.pool();
        sqlx::query("UPDATE merges SET plan = $1 WHERE id = $2")
            .bind(plan)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
    }

    /// Marks a merge undone and opens its duplicate item again.
    pub async fn undo_merge(&self, merge: &MergeRow, by: &str) -> Result<(), sqlx::Error> {
        let now = crate::clock::now_ms();

        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE merges SET undone_by = $1, undone_at = $2 WHERE id = $3")
            .bind(by)
            .bind(now)
            .bind(merge.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE duplicates SET status = 'open', merged_into = NULL, merged_by = NULL, merged_at = NULL WHERE id = $1")
                .bind(merge.duplicate_id).execute(&mut *tx).await?;
        tx.commit().await
    }

    /// Answers a duplicate item "not a duplicate": it stays closed for good (the pair is never
    /// opened again). False when it was not open.
    pub async fn dismiss_duplicate(&self, id: i64, by: &str) -> Result<bool, sqlx::Error> {
        let now = crate::clock::now_ms();
        let pool = self.pool();
        let done = sqlx::query("UPDATE duplicates SET status = 'dismissed', merged_by = $1, merged_at = $2 WHERE id = $3 AND status = 'open'")
                .bind(by).bind(now).bind(id).execute(pool).await?;
        Ok(done.rows_affected() == 1)
    }
}
