//! The device's local store: one SQLite file holding every document and its sync state.
//!
//! A store is either *unencrypted* (opened by [`LocalStore::open`] alone: tests and tools) or
//! *encrypted* (see `crypto.rs`): then document bytes, sync states and the session (with its
//! tokens) are sealed records, and only document ids, timestamps and non-secret settings
//! (actor, peer and storage ids, last sync, the salt and KDF parameters) are in clear.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use linli_sync_core::automerge::{sync, ActorId, Automerge};
use linli_sync_core::DocumentId;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;

use crate::crypto::{self, Cipher, Encryption, StoreKey};
use crate::error::FieldError;

/// The settings key of the encryption description (salt, KDF parameters, verifier).
const ENCRYPTION: &str = "encryption";
/// The settings key of the check-in codes scanned and not yet handed in (`volunteer_online.rs`).
pub(crate) const CHECKINS: &str = "checkins";
/// Settings that are sealed in an encrypted store.
const SECRET_META: &[&str] = &["session", CHECKINS];

/// A document as the device keeps it.
pub struct LocalDocument {
    pub id: DocumentId,
    pub doc: Automerge,
    pub sync_state: Option<sync::State>,
}

/// What a store holds, as far as can be told without a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreState {
    /// Not encrypted, and holds no document and no session (new, or wiped).
    Empty,
    /// Not encrypted, with documents or a session (written before encryption, or by a tool).
    Unencrypted,
    /// Encrypted: a key is needed to read or write its records.
    Encrypted,
}

/// The key a store is opened with and the encryption description it belongs to.
pub struct Keyed {
    cipher: Cipher,
    /// The stored description, exactly as stored: writes are made only while it is unchanged.
    encryption: String,
}

/// The local SQLite store.
#[derive(Clone)]
pub struct LocalStore {
    pool: SqlitePool,
    keyed: Option<Arc<Keyed>>,
}

impl LocalStore {
    /// Opens (creating if needed) the store at `path`, with no key: records are read and
    /// written in clear until [`use_key`](Self::use_key) or [`encrypt`](Self::encrypt).
    pub async fn open(path: &Path) -> Result<Self, FieldError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Deleted and overwritten content is zeroed, not left in free pages.
            .pragma("secure_delete", "ON")
            // Another process on the same store may hold the write lock while it renews the
            // session (an HTTP round trip): wait for it rather than fail.
            .busy_timeout(std::time::Duration::from_secs(60));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool, keyed: None })
    }

    /// Whether the store is encrypted, and whether an unencrypted one holds anything.
    pub async fn state(&self) -> Result<StoreState, FieldError> {
        if self.meta(ENCRYPTION).await?.is_some() {
            return Ok(StoreState::Encrypted);
        }
        let documents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
            .fetch_one(&self.pool)
            .await?;
        let secrets = self.meta("session").await?.is_some();
        Ok(if documents > 0 || secrets {
            StoreState::Unencrypted
        } else {
            StoreState::Empty
        })
    }

    /// The stored encryption description, if the store is encrypted.
    pub async fn encryption(&self) -> Result<Option<Encryption>, FieldError> {
        self.meta(ENCRYPTION)
            .await?
            .map(|json| Encryption::parse(&json))
            .transpose()
    }

    /// The key `password` derives for this encrypted store ([`FieldError::WrongPassword`]
    /// when the verifier does not open with it).
    pub async fn key_for_password(&self, password: &str) -> Result<StoreKey, FieldError> {
        let encryption = self.encryption().await?.ok_or(FieldError::NotEncrypted)?;
        encryption.key_for(password)
    }

    /// Reads and writes this encrypted store's records with `key` from now on.
    pub async fn use_key(&mut self, key: StoreKey) -> Result<(), FieldError> {
        let json = self
            .meta(ENCRYPTION)
            .await?
            .ok_or(FieldError::NotEncrypted)?;
        Encryption::parse(&json)?.check(&key)?;
        self.keyed = Some(Arc::new(Keyed {
            cipher: Cipher::new(key),
            encryption: json,
        }));
        Ok(())
    }

    /// The key the store is opened with, if any.
    pub fn key(&self) -> Option<&StoreKey> {
        self.keyed.as_ref().map(|k| k.cipher.key())
    }

    /// True when the store's records are read and written encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.keyed.is_some()
    }

    /// (Re-)encrypts every record under a key derived from `password` with a fresh salt and
    /// today's KDF parameters, in one transaction, then compacts the file so no earlier form
    /// of a record is left in it or in its write-ahead log. Used for a store from before
    /// encryption, a new password, or raised KDF parameters.
    pub async fn encrypt(&mut self, password: &str) -> Result<(), FieldError> {
        let (encryption, key) = crypto::new_encryption(password)?;
        let mut lock = self.lock().await?;
        let keyed = lock.reencrypt(&encryption, key).await?;
        lock.commit().await?;
        self.adopt(keyed).await
    }

    /// Uses the key a [`MetaLock::reencrypt`] that has been committed switched to, and
    /// compacts the file.
    pub async fn adopt(&mut self, keyed: Arc<Keyed>) -> Result<(), FieldError> {
        self.keyed = Some(keyed);
        self.compact().await
    }

    /// Rewrites the file without free pages and empties the write-ahead log.
    async fn compact(&self) -> Result<(), FieldError> {
        sqlx::query("VACUUM").execute(&self.pool).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A secret setting (sealed when the store is encrypted), if set.
    pub async fn secret_meta(&self, key: &str) -> Result<Option<String>, FieldError> {
        let value = self.meta(key).await?;
        value
            .map(|v| unseal_meta(self.keyed.as_deref(), key, &v))
            .transpose()
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
    /// store has one connection. Fails with [`FieldError::KeyChanged`] when another process
    /// has re-encrypted the store since this one opened it.
    pub async fn lock(&self) -> Result<MetaLock, FieldError> {
        let mut tx = self.pool.begin().await?;
        // A write as the first statement takes SQLite's write lock at once (waiting for any
        // other writer), so what the guard reads next cannot change under it.
        sqlx::query("INSERT INTO meta (key, value) VALUES ('lock', '') ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .execute(&mut *tx)
            .await?;
        let mut lock = MetaLock {
            tx,
            keyed: self.keyed.clone(),
        };
        let stored = lock.meta(ENCRYPTION).await?;
        if stored.as_deref() != self.keyed.as_ref().map(|k| k.encryption.as_str()) {
            return Err(FieldError::KeyChanged);
        }
        Ok(lock)
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
        let keyed = self.keyed.as_deref();
        rows.iter()
            .map(|row| {
                let id: String = row.try_get("id")?;
                let (bytes, state) = unseal_document(keyed, &id, row)?;
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

    /// Saves a document and, when given, its sync state (sealed when the store is encrypted).
    /// Fails with [`FieldError::KeyChanged`], writing nothing, when another process has
    /// re-encrypted the store since this one opened it.
    pub async fn save(
        &self,
        id: &DocumentId,
        doc: &Automerge,
        sync_state: Option<&sync::State>,
    ) -> Result<(), FieldError> {
        let id = id.to_string();
        let keyed = self.keyed.as_deref();
        let bytes = doc.save();
        let bytes = match keyed {
            Some(k) => k.cipher.seal(&crypto::ad_document(&id), &bytes),
            None => bytes,
        };
        let state = sync_state.map(|s| match keyed {
            Some(k) => k.cipher.seal(&crypto::ad_sync_state(&id), &s.encode()),
            None => s.encode(),
        });
        // Written only while the store is encrypted as it was when opened (a record sealed
        // with a key the store no longer uses could never be read again).
        let done = sqlx::query(
            "INSERT INTO documents (id, bytes, sync_state, updated_at) \
             SELECT $1, $2, $3, $4 WHERE (SELECT value FROM meta WHERE key = 'encryption') IS $5 \
             ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, \
             sync_state = COALESCE(excluded.sync_state, documents.sync_state), updated_at = excluded.updated_at",
        )
        .bind(&id)
        .bind(bytes)
        .bind(state)
        .bind(now_ms())
        .bind(keyed.map(|k| k.encryption.as_str()))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(FieldError::KeyChanged);
        }
        Ok(())
    }

    /// Deletes one document and its sync state.
    pub async fn delete_document(&self, id: &DocumentId) -> Result<(), FieldError> {
        sqlx::query("DELETE FROM documents WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Erases everything the device holds (documents, sync states, session, actor, and the
    /// encryption's salt and verifier) and compacts the file so the erased pages do not linger
    /// in it or in the write-ahead log.
    pub async fn wipe(&self) -> Result<(), FieldError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM documents")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM meta").execute(&mut *tx).await?;
        tx.commit().await?;
        self.compact().await
    }

    /// Closes the store.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Settings read and written under the store's write lock (see [`LocalStore::lock`]).
pub struct MetaLock {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    keyed: Option<Arc<Keyed>>,
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

    /// A secret setting (sealed when the store is encrypted), if set.
    pub async fn secret_meta(&mut self, key: &str) -> Result<Option<String>, FieldError> {
        let value = self.meta(key).await?;
        value
            .map(|v| unseal_meta(self.keyed.as_deref(), key, &v))
            .transpose()
    }

    /// Sets a secret setting (sealed when the store is encrypted).
    pub async fn set_secret_meta(&mut self, key: &str, value: &str) -> Result<(), FieldError> {
        let stored = match self.keyed.as_deref() {
            Some(k) => hex::encode(k.cipher.seal(&crypto::ad_meta(key), value.as_bytes())),
            None => value.to_owned(),
        };
        self.set_meta(key, &stored).await
    }

    /// Removes a setting.
    pub async fn delete_meta(&mut self, key: &str) -> Result<(), FieldError> {
        sqlx::query("DELETE FROM meta WHERE key = $1")
            .bind(key)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Rewrites every sealed record (documents, sync states, secret settings) from the
    /// current form (clear, or sealed with the current key) to sealed with `key`, and stores
    /// `encryption` as the store's description. Later secret writes under this guard use the
    /// new key; after [`commit`](Self::commit), give the result to [`LocalStore::adopt`].
    pub async fn reencrypt(
        &mut self,
        encryption: &Encryption,
        key: StoreKey,
    ) -> Result<Arc<Keyed>, FieldError> {
        let json = serde_json::to_string(encryption)
            .map_err(|e| FieldError::Corrupt(format!("encryption settings: {e}")))?;
        let new = Arc::new(Keyed {
            cipher: Cipher::new(key),
            encryption: json.clone(),
        });
        let old = self.keyed.clone();
        let rows = sqlx::query("SELECT id, bytes, sync_state FROM documents")
            .fetch_all(&mut *self.tx)
            .await?;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let (bytes, state) = unseal_document(old.as_deref(), &id, row)?;
            let bytes = new.cipher.seal(&crypto::ad_document(&id), &bytes);
            let state = state.map(|s| new.cipher.seal(&crypto::ad_sync_state(&id), &s));
            sqlx::query("UPDATE documents SET bytes = $2, sync_state = $3 WHERE id = $1")
                .bind(&id)
                .bind(bytes)
                .bind(state)
                .execute(&mut *self.tx)
                .await?;
        }
        for key in SECRET_META {
            if let Some(value) = self.secret_meta(key).await? {
                let sealed = new.cipher.seal(&crypto::ad_meta(key), value.as_bytes());
                self.set_meta(key, &hex::encode(sealed)).await?;
            }
        }
        self.set_meta(ENCRYPTION, &json).await?;
        self.keyed = Some(new.clone());
        Ok(new)
    }

    /// Keeps the writes and releases the lock.
    pub async fn commit(self) -> Result<(), FieldError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// A document row's bytes and sync state, opened with `keyed` (or as they are, without).
fn unseal_document(
    keyed: Option<&Keyed>,
    id: &str,
    row: &sqlx::sqlite::SqliteRow,
) -> Result<(Vec<u8>, Option<Vec<u8>>), FieldError> {
    let bytes: Vec<u8> = row.try_get("bytes")?;
    let state: Option<Vec<u8>> = row.try_get("sync_state")?;
    let Some(k) = keyed else {
        return Ok((bytes, state));
    };
    let unreadable = || {
        FieldError::Corrupt(format!(
            "document {id} cannot be decrypted (altered, or moved from another row)"
        ))
    };
    let bytes = k
        .cipher
        .open(&crypto::ad_document(id), &bytes)
        .ok_or_else(unreadable)?;
    let state = match state {
        Some(s) => Some(
            k.cipher
                .open(&crypto::ad_sync_state(id), &s)
                .ok_or_else(unreadable)?,
        ),
        None => None,
    };
    Ok((bytes.to_vec(), state.map(|s| s.to_vec())))
}

/// A secret setting's value, opened with `keyed` (or as it is, without).
fn unseal_meta(keyed: Option<&Keyed>, key: &str, stored: &str) -> Result<String, FieldError> {
    let Some(k) = keyed else {
        return Ok(stored.to_owned());
    };
    let unreadable = || FieldError::Corrupt(format!("setting {key} cannot be decrypted"));
    let sealed = hex::decode(stored).map_err(|_| unreadable())?;
    let plain = k
        .cipher
        .open(&crypto::ad_meta(key), &sealed)
        .ok_or_else(unreadable)?;
    String::from_utf8(plain.to_vec()).map_err(|_| unreadable())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{new_encryption_with, KdfParams, KDF_PARAMS};
    use crate::{FieldClient, KeyChange};

    const WEAK: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };

    /// An encrypted store derived with cheap parameters, holding one volunteer document.
    async fn weak_store(path: &Path, password: &str) -> DocumentId {
        let mut client = FieldClient::open(path).await.unwrap();
        let id = client
            .create_volunteer("c01/s01/m01", "vol", "弱密钥")
            .await
            .unwrap();
        client.close().await;
        let mut store = LocalStore::open(path).await.unwrap();
        let (encryption, key) = new_encryption_with(password, &WEAK).unwrap();
        let mut lock = store.lock().await.unwrap();
        let keyed = lock.reencrypt(&encryption, key).await.unwrap();
        lock.commit().await.unwrap();
        store.adopt(keyed).await.unwrap();
        store.close().await;
        id
    }

    #[tokio::test]
    async fn weak_key_derivation_is_raised_at_the_next_unlock() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("store.sqlite3");
        let id = weak_store(&path, "pw").await;
        let store = LocalStore::open(&path).await.unwrap();
        assert_eq!(store.encryption().await.unwrap().unwrap().params, WEAK);
        store.close().await;

        let (client, change) = FieldClient::open_with_password(&path, "pw").await.unwrap();
        assert_eq!(change, KeyChange::Strengthened);
        assert_eq!(client.show(&id).unwrap()["name"], "弱密钥");
        client.close().await;
        let store = LocalStore::open(&path).await.unwrap();
        assert_eq!(
            store.encryption().await.unwrap().unwrap().params,
            KDF_PARAMS
        );
        store.close().await;
        let (_, change) = FieldClient::open_with_password(&path, "pw").await.unwrap();
        assert_eq!(change, KeyChange::None);
    }

    #[tokio::test]
    async fn a_process_with_the_old_key_writes_nothing_after_a_reencryption() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("store.sqlite3");
        let id = weak_store(&path, "pw").await;
        let encryption = LocalStore::open(&path)
            .await
            .unwrap()
            .encryption()
            .await
            .unwrap()
            .unwrap();
        let mut stale = LocalStore::open(&path).await.unwrap();
        stale
            .use_key(encryption.key_for("pw").unwrap())
            .await
            .unwrap();
        let docs = stale.load_all().await.unwrap();

        // Another process re-encrypts the store (a new password, say).
        let mut other = LocalStore::open(&path).await.unwrap();
        other
            .use_key(encryption.key_for("pw").unwrap())
            .await
            .unwrap();
        let (new, key) = new_encryption_with("new-pw", &WEAK).unwrap();
        let mut lock = other.lock().await.unwrap();
        let keyed = lock.reencrypt(&new, key).await.unwrap();
        lock.commit().await.unwrap();
        other.adopt(keyed).await.unwrap();

        let doc = &docs[0];
        assert!(matches!(
            stale.save(&id, &doc.doc, None).await,
            Err(FieldError::KeyChanged)
        ));
        assert!(matches!(stale.lock().await, Err(FieldError::KeyChanged)));
        // What the other process wrote is intact.
        assert_eq!(other.load_all().await.unwrap().len(), 1);
    }
}
