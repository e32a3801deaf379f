//! Reading what other nodes stored: a document's changes after the highest `seq` a node holds.

use linli_sync_core::contract::RootInfo;
use sqlx::Row;

use super::Store;

/// A document's changes stored after some `seq`, with the document's root (for a node that
/// only held it as tentative until now).
#[derive(Debug)]
pub struct StoredSince {
    pub root: RootInfo,
    /// In `seq` order (commit order: dependencies first).
    pub changes: Vec<StoredChange>,
}

/// One change from the log.
#[derive(Debug)]
pub struct StoredChange {
    pub seq: i64,
    /// The change's actor, hex.
    pub actor: String,
    pub bytes: Vec<u8>,
}

impl Store {
    /// The changes of a document with `seq` above `after`; `None` when it is not stored.
    pub async fn changes_after(
        &self,
        id: &str,
        after: i64,
    ) -> Result<Option<StoredSince>, sqlx::Error> {
        let pool = self.pool();
        let Some(root) = self.stored_root(id).await? else {
            return Ok(None);
        };
        let rows = sqlx::query(
                "SELECT seq, actor, bytes FROM changes WHERE document_id = $1 AND seq > $2 ORDER BY seq",
            )
            .bind(id)
            .bind(after)
            .fetch_all(pool)
            .await?;
        let changes = rows
            .iter()
            .map(|r| {
                Ok(StoredChange {
                    seq: r.try_get("seq")?,
                    actor: r.try_get("actor")?,
                    bytes: r.try_get("bytes")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(StoredSince { root, changes }))
    }
}
