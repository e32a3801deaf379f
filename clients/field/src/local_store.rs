//! The device's local store: one SQLite file holding every document and its sync state.

use std::path::Path;
use std::str::FromStr;

use linli_sync_core::automerge::{sync, ActorId, Automerge};
use linli_sync_core::DocumentId;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;

use crate::error::FieldError;

/// A document as the device keeps it.
pub struct LocalDocument {
    pub id: DocumentId,
    pub doc: Automerge,
    pub sync_state: Option<sync::State>,
}

/// The local SQLite store.
#[derive(Clone)]
pub struct LocalStore {
    pool: SqlitePool,
}

impl LocalStore {
    /// Opens (creating if needed) the store at `path`.
    pub async fn open(path: &Path) -> Result<Self, FieldError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Another process on the same store may hold the write lock while it renews the
            // session (an HTTP round trip): wait for it rather than fail.
            .busy_timeout(std::time::Duration::from_secs(60));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    /// A setting, if set.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, FieldError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Sets a setting.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), FieldError> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes a setting.
    pub async fn delete_meta(&self, key: &str) -> Result<(), FieldError> {
        sqlx::query("DELETE FROM meta WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes the store's write lock for a read-modify-write of settings that must not
    /// interleave with another process using the same file (renewing the session: a refresh
    /// token may be used only once). The lock is released by [`MetaLock::commit`], or by
    /// dropping the guard (which discards its writes). While held, use only the guard: the
    /// store has one connection.
    pub async fn lock(&self) -> Result<MetaLock, FieldError> {
        let mut tx = self.pool.begin().await?;
        // A write as the first statement takes SQLite's write lock at once (waiting for any
        // other writer), so what the guard reads next cannot change under it.
        sqlx::query("INSERT INTO meta (key, value) VALUES ('lock', '') ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .execute(&mut *tx)
            .await?;
        Ok(MetaLock { tx })
    }

    /// A setting, made with `make` and stored on first use.
    pub async fn meta_or_init(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, FieldError> {
        if let Some(v) = self.meta(key).await? {
            return Ok(v);
        }
        let v = make();
        self.set_meta(key, &v).await?;
        Ok(v)
    }

    /// The device's automerge actor id (stable across runs).
    pub async fn actor(&self) -> Result<ActorId, FieldError> {
        let hex = self
            .meta_or_init("actor", || new_actor().to_hex_string())
            .await?;
        ActorId::from_str(&hex).map_err(|_| FieldError::Corrupt("actor id".into()))
    }

    /// Every local document.
    pub async fn load_all(&self) -> Result<Vec<LocalDocument>, FieldError> {
        let rows = sqlx::query("SELECT id, bytes, sync_state FROM documents ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let bytes: Vec<u8> = row.try_get("bytes")?;
                let state: Option<Vec<u8>> = row.try_get("sync_state")?;
                Ok(LocalDocument {
                    id: DocumentId::parse(&id)
                        .map_err(|_| FieldError::Corrupt(format!("document id {id}")))?,
                    doc: Automerge::load(&bytes)
                        .map_err(|e| FieldError::Corrupt(format!("document {id}: {e}")))?,
                    sync_state: state.and_then(|s| sync::State::decode(&s).ok()),
                })
            })
            .collect()
    }

    /// Saves a document and, when given, its sync state.
    pub async fn save(
        &self,
        id: &DocumentId,
        doc: &Automerge,
        sync_state: Option<&sync::State>,
    ) -> Result<(), FieldError> {
        sqlx::query(
            "INSERT INTO documents (id, bytes, sync_state, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, \
             sync_state = COALESCE(excluded.sync_state, documents.sync_state), updated_at = excluded.updated_at",
        )
        .bind(id.to_string())
        .bind(doc.save())
        .bind(sync_state.map(|s| s.encode()))
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Erases everything the device holds (documents, sync states, session, actor) and
    /// compacts the file so the erased pages do not linger in it or in the write-ahead log.
    pub async fn wipe(&self) -> Result<(), FieldError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM documents")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM meta").execute(&mut *tx).await?;
        tx.commit().await?;
        sqlx::query("VACUUM").execute(&self.pool).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes the store.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Settings read and written under the store's write lock (see [`LocalStore::lock`]).
pub struct MetaLock {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
}

impl MetaLock {
    /// A setting, if set.
    pub async fn meta(&mut self, key: &str) -> Result<Option<String>, FieldError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *self.tx)
            .await?)
    }

    /// Sets a setting.
    pub async fn set_meta(&mut self, key: &str, value: &str) -> Result<(), FieldError> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Removes a setting.
    pub async fn delete_meta(&mut self, key: &str) -> Result<(), FieldError> {
        sqlx::query("DELETE FROM meta WHERE key = $1")
            .bind(key)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Keeps the writes and releases the lock.
    pub async fn commit(self) -> Result<(), FieldError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// A fresh random actor id.
pub fn new_actor() -> ActorId {
    ActorId::from(rand::random::<[u8; 16]>().to_vec())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
