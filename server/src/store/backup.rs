//! Backup and restore (`linli-server backup --to FILE`, `linli-server restore --from FILE`).
//!
//! **The file.** A backup is one SQLite database in the server's SQLite schema (the same
//! migrations, so the same tables and columns whichever backend it came from) holding every
//! table's rows, plus a `linli_backup` table describing it: the format, when and from which
//! backend it was taken, the server's storage id, each table's row count and SHA-256 over its
//! rows, and the JWT signing secret when it lives in the data directory. Because both
//! backends have the same tables and columns, a backup taken from SQLite restores into
//! PostgreSQL and the other way round.
//!
//! **Consistent while serving.** From SQLite, `VACUUM INTO` copies the database inside one
//! read transaction (WAL: writers go on meanwhile). From PostgreSQL, every table is read in one
//! `REPEATABLE READ, READ ONLY` transaction, so all of them come from one snapshot. A change is
//! acknowledged only after its commit, so everything acknowledged before the backup started is
//! in it, and no commit is ever half in it (a change without its document row, projection or
//! binding).
//!
//! **Restore** checks the file first (SQLite's `integrity_check`, the description table, a
//! schema this server knows), then opens (and migrates) the target and, in one transaction,
//! refuses a target that already holds data, copies every table in foreign-key order while
//! re-hashing the rows (a mismatch rolls everything back), moves PostgreSQL's sequences past
//! the restored ids and writes the restore into the audit log. A failed restore leaves the
//! target as empty as it was. The target server must not be running.
//!
//! Not in the file: a `--jwt-secret-file` kept outside the data directory, TLS certificates
//! and keys (`tls/` in the data directory, or `--tls-cert`/`--tls-key`), and the server's
//! flags; the operator keeps those. The file holds password hashes, refresh-token hashes and
//! the JWT secret: it is created readable by its owner only and must be kept as carefully as
//! the data directory.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AnyConnection, Connection, Row, SqliteConnection};

use super::{Store, SQLITE_FILE};
use crate::auth::jwt::SECRET_FILE;
use crate::clock::now_ms;

/// The value of `format` in a backup's description.
pub const FORMAT: &str = "linli-backup-1";

/// The table describing a backup (key, value).
const META_TABLE: &str = "linli_backup";

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; a backup never overwrites a file, choose a new name")]
    Exists(PathBuf),
    #[error("there is no Linli database at {0} (check --data-dir or --database-url)")]
    NoDatabase(PathBuf),
    #[error("{path} is not a usable Linli backup: {reason}")]
    NotABackup { path: PathBuf, reason: String },
    #[error(
        "refusing to restore: the target database already holds data ({0}); restore into a \
         fresh data directory or an empty database"
    )]
    TargetNotEmpty(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Io(String),
}

fn io(what: impl fmt::Display, e: std::io::Error) -> BackupError {
    BackupError::Io(format!("{what}: {e}"))
}

/// A column's type as both backends store it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColumnType {
    /// `INTEGER`/`BIGINT` (PostgreSQL `BIGINT`/`BIGSERIAL`).
    Int,
    /// `TEXT`.
    Text,
    /// `BLOB` (PostgreSQL `BYTEA`).
    Bytes,
}

/// A table of the schema and its columns, in order.
#[derive(Clone, Debug)]
struct Table {
    name: String,
    columns: Vec<(String, ColumnType)>,
}

impl Table {
    fn column_list(&self) -> String {
        let names: Vec<String> = self
            .columns
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect();
        names.join(", ")
    }

    fn select(&self) -> String {
        format!("SELECT {} FROM \"{}\"", self.column_list(), self.name)
    }

    fn insert(&self) -> String {
        let params: Vec<String> = (1..=self.columns.len()).map(|i| format!("${i}")).collect();
        format!(
            "INSERT INTO \"{}\" ({}) VALUES ({})",
            self.name,
            self.column_list(),
            params.join(", ")
        )
    }
}

/// One value of a row.
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

/// Decodes a row of `table` (read from a backup file or from the database) into values.
fn decode_row<R>(row: &R, table: &Table) -> Result<Vec<Value>, sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<Vec<u8>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| {
            Ok(match ty {
                ColumnType::Int => Value::Int(row.try_get(i)?),
                ColumnType::Text => Value::Text(row.try_get(i)?),
                ColumnType::Bytes => Value::Bytes(row.try_get(i)?),
            })
        })
        .collect()
}

/// Binds values to an insert (into a backup file or into the database).
fn bind_values<'q, DB>(
    mut query: sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
    values: Vec<Value>,
) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>
where
    DB: sqlx::Database,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for value in values {
        query = match value {
            Value::Int(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Bytes(v) => query.bind(v),
        };
    }
    query
}

/// Feeds a row into a table's digest: per value a tag, then its bytes with their length.
fn hash_row(hasher: &mut Sha256, values: &[Value]) {
    let mut put = |tag: u8, bytes: &[u8]| {
        hasher.update([tag]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    for value in values {
        match value {
            Value::Int(None) | Value::Text(None) | Value::Bytes(None) => put(0, &[]),
            Value::Int(Some(v)) => put(1, &v.to_le_bytes()),
            Value::Text(Some(v)) => put(2, v.as_bytes()),
            Value::Bytes(Some(v)) => put(3, v),
        }
    }
}

/// A table's row count and digest, as recorded in the backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSum {
    pub rows: u64,
    pub sha256: String,
}

/// What a backup file says about itself.
#[derive(Clone, Debug)]
struct Manifest {
    created_at: String,
    source_backend: String,
    storage_id: Option<String>,
    tables: BTreeMap<String, TableSum>,
    jwt_secret: Option<Vec<u8>>,
}

/// What `backup` wrote.
#[derive(Debug)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub source_backend: &'static str,
    pub created_at: String,
    pub tables: BTreeMap<String, TableSum>,
    pub bytes: u64,
    pub jwt_secret_included: bool,
}

/// What happened to the JWT secret kept in the backup.
#[derive(Debug, PartialEq, Eq)]
pub enum SecretRestore {
    /// The backup had none (the server used `--jwt-secret-file`, or had not started yet).
    NotInBackup,
    /// Restored with the database (`server_meta`), where the servers read it.
    InDatabase,
    /// Written into the target data directory.
    Written(PathBuf),
    /// The target data directory already held the same secret.
    AlreadyThere,
    /// The target data directory holds a different secret, which was kept: access tokens
    /// issued before the backup are not accepted (clients renew them with refresh tokens).
    KeptDifferent(PathBuf),
}

/// What `restore` did.
#[derive(Debug)]
pub struct RestoreSummary {
    pub from: PathBuf,
    pub source_backend: String,
    pub target_backend: &'static str,
    pub created_at: String,
    pub tables: BTreeMap<String, TableSum>,
    pub secret: SecretRestore,
}

fn rows_of(tables: &BTreeMap<String, TableSum>, name: &str) -> u64 {
    tables.get(name).map_or(0, |t| t.rows)
}

impl fmt::Display for BackupSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "backup of {} written to {} ({} bytes, taken {})",
            self.source_backend,
            self.path.display(),
            self.bytes,
            self.created_at
        )?;
        write!(
            f,
            "{} documents, {} changes, {} users; JWT secret {}",
            rows_of(&self.tables, "documents"),
            rows_of(&self.tables, "changes"),
            rows_of(&self.tables, "users"),
            if self.jwt_secret_included {
                "included"
            } else {
                "not included (not in the data directory: keep your --jwt-secret-file)"
            }
        )
    }
}

impl fmt::Display for RestoreSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "restored {} (a {} backup taken {}) into {}",
            self.from.display(),
            self.source_backend,
            self.created_at,
            self.target_backend
        )?;
        writeln!(
            f,
            "{} documents, {} changes, {} users",
            rows_of(&self.tables, "documents"),
            rows_of(&self.tables, "changes"),
            rows_of(&self.tables, "users")
        )?;
        match &self.secret {
            SecretRestore::NotInBackup => write!(
                f,
                "JWT secret: not in the backup; start the server with the --jwt-secret-file it \
                 used (or a new secret is generated and clients renew their access tokens)"
            ),
            SecretRestore::InDatabase => write!(f, "JWT secret restored with the database"),
            SecretRestore::Written(path) => write!(f, "JWT secret written to {}", path.display()),
            SecretRestore::AlreadyThere => write!(f, "JWT secret: already in place"),
            SecretRestore::KeptDifferent(path) => write!(
                f,
                "warning: {} holds a different JWT secret and was kept; access tokens issued \
                 before the backup will be refused (clients renew them)",
                path.display()
            ),
        }
    }
}

/// Writes a consistent backup of the database at `database_url` (or the SQLite file in
/// `data_dir`) to `to`, with the JWT secret of `data_dir` if there is one, and records it in
/// the audit log as done by `by`. Works while the server serves.
pub async fn backup(
    database_url: Option<&str>,
    data_dir: &Path,
    to: &Path,
    by: &str,
) -> Result<BackupSummary, BackupError> {
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    if database_url.is_none() && !data_dir.join(SQLITE_FILE).is_file() {
        return Err(BackupError::NoDatabase(data_dir.join(SQLITE_FILE)));
    }
    let store = super::open(database_url, data_dir).await?;
    let result = backup_store(&store, data_dir, to).await;
    if let Ok(summary) = &result {
        let detail = serde_json::json!({
            "backend": summary.source_backend,
            "taken_at": summary.created_at,
            "bytes": summary.bytes,
            "documents": rows_of(&summary.tables, "documents"),
            "changes": rows_of(&summary.tables, "changes"),
            "jwt_secret_included": summary.jwt_secret_included,
        });
        store
            .audit(
                Some(by),
                "backup",
                Some(&to.display().to_string()),
                Some(&detail.to_string()),
                None,
            )
            .await?;
    }
    store.close().await;
    result
}

async fn backup_store(
    store: &Store,
    data_dir: &Path,
    to: &Path,
) -> Result<BackupSummary, BackupError> {
    let name = to
        .file_name()
        .ok_or_else(|| BackupError::Io(format!("{} is not a file name", to.display())))?;
    let partial = to.with_file_name(format!("{}.partial", name.to_string_lossy()));
    // Left behind by an interrupted backup to the same name.
    let _ = std::fs::remove_file(&partial);
    crate::private_files::create_private(&partial).map_err(|e| io(partial.display(), e))?;
    let result = async {
        let created_at = crate::clock::iso_now();
        if store.is_postgres() {
            copy_from_postgres(store.pool(), &partial).await?;
        } else {
            {
                let target = partial.to_str().ok_or_else(|| {
                    BackupError::Io(format!("{} is not UTF-8", partial.display()))
                })?;
                // One read transaction: a snapshot of everything committed when it began.
                sqlx::query("VACUUM INTO $1")
                    .bind(target)
                    .execute(store.pool())
                    .await?;
            }
        }
        // The database's secret travels in `server_meta`; the manifest names it too (or the
        // data directory's, for a server that has not adopted it yet), for older restores.
        let secret = match std::fs::read(data_dir.join(SECRET_FILE)) {
            Ok(secret) => Some(secret),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(data_dir.join(SECRET_FILE).display(), e)),
        };
        let secret = match store.jwt_secret().await? {
            Some(kept) => Some(kept),
            None => secret,
        };
        let jwt_secret_included = secret.is_some();
        let tables = seal(&partial, store.backend(), &created_at, secret).await?;
        sync_file(&partial).map_err(|e| io(partial.display(), e))?;
        if to.exists() {
            return Err(BackupError::Exists(to.to_owned()));
        }
        std::fs::rename(&partial, to).map_err(|e| io(to.display(), e))?;
        sync_parent(to).map_err(|e| io(to.display(), e))?;
        let bytes = std::fs::metadata(to)
            .map_err(|e| io(to.display(), e))?
            .len();
        Ok(BackupSummary {
            path: to.to_owned(),
            source_backend: store.backend(),
            created_at,
            tables,
            bytes,
            jwt_secret_included,
        })
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(partial.with_extension("partial-journal"));
    }
    result
}

/// Fills the empty SQLite file `file` with the SQLite schema and every row of the PostgreSQL
/// database, read in one repeatable-read transaction.
async fn copy_from_postgres(pool: &sqlx::AnyPool, file: &Path) -> Result<(), BackupError> {
    let mut out = open_file(file).await?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&mut out)
        .await
        .map_err(sqlx::Error::from)?;
    let tables = schema(&mut out).await?;
    let mut read = pool.begin().await?;
    // Must be the transaction's first statement: every table then comes from one snapshot.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *read)
        .await?;
    let mut write = out.begin().await?;
    for table in &tables {
        let select = table.select();
        let insert = table.insert();
        let mut rows = sqlx::query(&select).fetch(&mut *read);
        while let Some(row) = rows.try_next().await? {
            let values = decode_row(&row, table)?;
            bind_values(sqlx::query(&insert), values)
                .execute(&mut *write)
                .await?;
        }
    }
    write.commit().await?;
    read.rollback().await?;
    out.close().await?;
    Ok(())
}

/// Adds the description table to a finished copy: row counts and digests of every table, the
/// storage id, the source and the JWT secret. Returns the tables' sums.
async fn seal(
    file: &Path,
    backend: &str,
    created_at: &str,
    jwt_secret: Option<Vec<u8>>,
) -> Result<BTreeMap<String, TableSum>, BackupError> {
    let mut conn = open_file(file).await?;
    let mut sums = BTreeMap::new();
    for table in schema(&mut conn).await? {
        let sum = digest_table(&mut conn, &table).await?;
        sums.insert(table.name, sum);
    }
    let storage_id: Option<String> =
        sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'storage_id'")
            .fetch_optional(&mut conn)
            .await?;
    let mut entries = vec![
        ("format", FORMAT.to_owned()),
        ("created_at", created_at.to_owned()),
        ("source_backend", backend.to_owned()),
        (
            "tables",
            serde_json::to_string(&sums).expect("sums serialise"),
        ),
    ];
    if let Some(id) = storage_id {
        entries.push(("storage_id", id));
    }
    if let Some(secret) = jwt_secret {
        entries.push(("jwt_secret_hex", hex::encode(secret)));
    }
    let mut tx = conn.begin().await?;
    sqlx::query(&format!(
        "CREATE TABLE {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    ))
    .execute(&mut *tx)
    .await?;
    for (key, value) in entries {
        sqlx::query(&format!(
            "INSERT INTO {META_TABLE} (key, value) VALUES ($1, $2)"
        ))
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    conn.close().await?;
    Ok(sums)
}

/// Inside the target's transaction `tx`: refuses a target holding data, replaces
/// `server_meta`, copies every table from `source` checking its digest, and audits the restore
/// (with an explicit id: PostgreSQL's sequences are moved afterwards).
async fn copy_into(
    source: &mut SqliteConnection,
    tx: &mut AnyConnection,
    tables: &[Table],
    manifest: &Manifest,
    by: &str,
    detail: &str,
    from: &Path,
) -> Result<(), BackupError> {
    let mut holding = Vec::new();
    for table in tables.iter().filter(|t| t.name != "server_meta") {
        let probe = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM \"{}\" LIMIT 1) AS probe",
            table.name
        );
        let n: i64 = sqlx::query_scalar(&probe).fetch_one(&mut *tx).await?;
        if n > 0 {
            holding.push(table.name.clone());
        }
    }
    if !holding.is_empty() {
        let documents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
            .fetch_one(&mut *tx)
            .await?;
        return Err(BackupError::TargetNotEmpty(format!(
            "documents: {documents}; tables with rows: {}",
            holding.join(", ")
        )));
    }
    // A server started on the target once made its own storage id: the backup's replaces it.
    sqlx::query("DELETE FROM server_meta")
        .execute(&mut *tx)
        .await?;
    for table in tables.iter() {
        let select = format!("{} ORDER BY rowid", table.select());
        let insert = table.insert();
        let mut hasher = Sha256::new();
        let mut count = 0_u64;
        let mut rows = sqlx::query(&select).fetch(&mut *source);
        while let Some(row) = rows.try_next().await? {
            let values = decode_row(&row, table)?;
            hash_row(&mut hasher, &values);
            count += 1;
            bind_values(sqlx::query(&insert), values)
                .execute(&mut *tx)
                .await?;
        }
        let found = TableSum {
            rows: count,
            sha256: hex::encode(hasher.finalize()),
        };
        if manifest.tables.get(&table.name) != Some(&found) {
            return Err(BackupError::NotABackup {
                path: from.to_owned(),
                reason: format!(
                    "the rows of table {} do not match the checksum taken at backup time \
                         (the file is damaged); nothing was restored",
                    table.name
                ),
            });
        }
    }
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail, address) \
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log), \
             $1, $2, 'restore', $3, $4, NULL)",
    )
    .bind(now_ms())
    .bind(by)
    .bind(manifest.storage_id.as_deref())
    .bind(detail)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// PostgreSQL: every serial column's sequence continues after the largest restored id
/// (SQLite's AUTOINCREMENT follows explicit ids by itself).
async fn reset_sequences(tx: &mut AnyConnection, tables: &[Table]) -> Result<(), sqlx::Error> {
    for table in tables {
        for (column, ty) in &table.columns {
            if *ty != ColumnType::Int {
                continue;
            }
            let sequence: Option<String> =
                sqlx::query_scalar("SELECT pg_get_serial_sequence($1, $2)")
                    .bind(&table.name)
                    .bind(column)
                    .fetch_one(&mut *tx)
                    .await?;
            if let Some(sequence) = sequence {
                let sql = format!(
                    "SELECT setval($1::regclass, \
                     COALESCE((SELECT MAX(\"{column}\") FROM \"{}\"), 0) + 1, false)",
                    table.name
                );
                sqlx::query(&sql).bind(sequence).execute(&mut *tx).await?;
            }
        }
    }
    Ok(())
}

/// Restores the backup `from` into the database at `database_url` (or the SQLite file in
/// `data_dir`), which must hold no data, and its JWT secret into `data_dir`. The restore is
/// recorded in the restored audit log as done by `by`.
pub async fn restore(
    from: &Path,
    database_url: Option<&str>,
    data_dir: &Path,
    by: &str,
) -> Result<RestoreSummary, BackupError> {
    let bad = |reason: String| BackupError::NotABackup {
        path: from.to_owned(),
        reason,
    };
    if !from.is_file() {
        return Err(bad("no such file".into()));
    }
    let mut source =
        SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(from).read_only(true))
            .await
            .map_err(|e| bad(e.to_string()))?;
    let (manifest, tables) = check_backup(&mut source)
        .await
        .map_err(|e| bad(e.to_string()))?;

    let store = super::open(database_url, data_dir).await?;
    let detail = serde_json::json!({
        "from": from.display().to_string(),
        "backend": manifest.source_backend,
        "taken_at": manifest.created_at,
        "storage_id": manifest.storage_id,
    })
    .to_string();
    // Any error drops the transaction: the target is left as it was.
    let copied: Result<(), BackupError> = async {
        let mut tx = store.begin_write().await?;
        copy_into(&mut source, &mut tx, &tables, &manifest, by, &detail, from).await?;
        if store.is_postgres() {
            reset_sequences(&mut tx, &tables).await?;
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    let in_database = match copied {
        Ok(()) => store.jwt_secret().await.map(|s| s.is_some()),
        Err(_) => Ok(false),
    };
    store.close().await;
    source.close().await?;
    copied?;
    let in_database = in_database?;

    let secret = match &manifest.jwt_secret {
        _ if in_database => SecretRestore::InDatabase,
        None => SecretRestore::NotInBackup,
        Some(secret) => {
            let path = data_dir.join(SECRET_FILE);
            match std::fs::read(&path) {
                Ok(existing) if &existing == secret => SecretRestore::AlreadyThere,
                Ok(_) => SecretRestore::KeptDifferent(path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir_all(data_dir).map_err(|e| io(data_dir.display(), e))?;
                    crate::private_files::write_private(&path, secret)
                        .map_err(|e| io(path.display(), e))?;
                    SecretRestore::Written(path)
                }
                Err(e) => return Err(io(path.display(), e)),
            }
        }
    };
    Ok(RestoreSummary {
        from: from.to_owned(),
        source_backend: manifest.source_backend,
        target_backend: store.backend(),
        created_at: manifest.created_at,
        tables: manifest.tables,
        secret,
    })
}

/// Checks a backup before anything is touched: SQLite's integrity check, the description, a
/// schema this server knows. Returns the description and the tables in foreign-key order.
async fn check_backup(
    conn: &mut SqliteConnection,
) -> Result<(Manifest, Vec<Table>), Box<dyn std::error::Error + Send + Sync>> {
    let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?;
    if check != ["ok"] {
        return Err(format!("the file is damaged ({})", check.join("; ")).into());
    }
    let has_meta: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
            .bind(META_TABLE)
            .fetch_one(&mut *conn)
            .await?;
    if has_meta == 0 {
        return Err(format!("a SQLite database without a {META_TABLE} table").into());
    }
    let meta: BTreeMap<String, String> =
        sqlx::query_as(&format!("SELECT key, value FROM {META_TABLE}"))
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let get = |key: &str| {
        meta.get(key)
            .cloned()
            .ok_or_else(|| format!("its description lacks `{key}`"))
    };
    let format = get("format")?;
    if format != FORMAT {
        return Err(format!("format `{format}`, this server reads `{FORMAT}`").into());
    }
    let known: BTreeSet<i64> = sqlx::migrate!("./migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .collect();
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(&mut *conn)
        .await?;
    if let Some(v) = applied.iter().find(|v| !known.contains(v)) {
        return Err(format!(
            "made by a newer linli-server (schema migration {v} is unknown here); restore it \
             with that version"
        )
        .into());
    }
    let tables = schema(conn).await?;
    let manifest = Manifest {
        created_at: get("created_at")?,
        source_backend: get("source_backend")?,
        storage_id: meta.get("storage_id").cloned(),
        tables: serde_json::from_str(&get("tables")?)?,
        jwt_secret: meta.get("jwt_secret_hex").map(hex::decode).transpose()?,
    };
    let names: BTreeSet<&String> = tables.iter().map(|t| &t.name).collect();
    if names != manifest.tables.keys().collect::<BTreeSet<_>>() {
        return Err("its tables differ from those its description lists".into());
    }
    Ok((manifest, tables))
}

/// The tables of a SQLite database in this server's schema (without the migrations' and the
/// backup's own), parents before the tables whose foreign keys point at them.
async fn schema(conn: &mut SqliteConnection) -> Result<Vec<Table>, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' \
         AND name NOT IN ('_sqlx_migrations', $1) ORDER BY name",
    )
    .bind(META_TABLE)
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = Vec::new();
    let mut parents = BTreeMap::new();
    for name in names {
        if !plain_identifier(&name) {
            return Err(sqlx::Error::Protocol(format!(
                "unexpected table name {name:?}"
            )));
        }
        let mut columns = Vec::new();
        for row in sqlx::query(&format!("PRAGMA table_info(\"{name}\")"))
            .fetch_all(&mut *conn)
            .await?
        {
            let column: String = row.try_get("name")?;
            if !plain_identifier(&column) {
                return Err(sqlx::Error::Protocol(format!(
                    "unexpected column name {name}.{column:?}"
                )));
            }
            let declared: String = row.try_get("type")?;
            let ty = match declared.to_ascii_uppercase().as_str() {
                t if t.contains("INT") => ColumnType::Int,
                "TEXT" => ColumnType::Text,
                "BLOB" => ColumnType::Bytes,
                other => {
                    return Err(sqlx::Error::Protocol(format!(
                        "column {name}.{column} has type {other}, which backups do not know"
                    )))
                }
            };
            columns.push((column, ty));
        }
        let refs: BTreeSet<String> = sqlx::query(&format!("PRAGMA foreign_key_list(\"{name}\")"))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("table"))
            .collect::<Result<_, _>>()?;
        parents.insert(name.clone(), refs);
        tables.push(Table { name, columns });
    }
    // Parents first (a stable order otherwise).
    let mut ordered: Vec<Table> = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let placed: BTreeSet<String> = ordered.iter().map(|t| t.name.clone()).collect();
        let ready = tables.iter().position(|t| {
            parents[&t.name]
                .iter()
                .all(|p| p == &t.name || placed.contains(p))
        });
        match ready {
            Some(i) => ordered.push(tables.remove(i)),
            None => {
                return Err(sqlx::Error::Protocol(
                    "the tables' foreign keys form a cycle or name a missing table".into(),
                ))
            }
        }
    }
    Ok(ordered)
}

/// Names as the migrations write them (a backup file is read, not trusted, before its names go
/// into SQL).
fn plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A table's row count and SHA-256 over its rows in `rowid` order.
async fn digest_table(conn: &mut SqliteConnection, table: &Table) -> Result<TableSum, sqlx::Error> {
    let select = format!("{} ORDER BY rowid", table.select());
    let mut rows = sqlx::query(&select).fetch(&mut *conn);
    let mut hasher = Sha256::new();
    let mut count = 0_u64;
    while let Some(row) = rows.try_next().await? {
        hash_row(&mut hasher, &decode_row(&row, table)?);
        count += 1;
    }
    Ok(TableSum {
        rows: count,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Opens a backup file being written: a rollback journal (one file when done) and full sync.
async fn open_file(file: &Path) -> Result<SqliteConnection, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .journal_mode(SqliteJournalMode::Delete)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(false);
    SqliteConnection::connect_with(&options).await
}

fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

/// Makes a rename durable (Unix: fsync of the directory).
fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        std::fs::File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column of the schema has a type backups know, and parents come first.
    #[tokio::test]
    async fn schema_types_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("schema.sqlite3");
        crate::private_files::create_private(&file).unwrap();
        let mut conn = open_file(&file).await.unwrap();
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut conn)
            .await
            .unwrap();
        let tables = schema(&mut conn).await.unwrap();
        let position = |name: &str| tables.iter().position(|t| t.name == name).unwrap();
        assert!(position("documents") < position("changes"));
        assert!(position("documents") < position("snapshots"));
        assert!(position("users") < position("devices"));
        assert!(position("devices") < position("refresh_tokens"));
        for name in [
            "server_meta",
            "sync_states",
            "quarantine",
            "org_units",
            "actor_bindings",
            "emergency_grants",
            "audit_log",
            "conflicts",
            "p_households",
            "duplicates",
        ] {
            position(name);
        }
        assert!(tables.iter().all(|t| t.name != "_sqlx_migrations"));
    }

    #[test]
    fn digests_tell_null_from_empty_and_split_points() {
        let digest = |values: Vec<Value>| {
            let mut h = Sha256::new();
            hash_row(&mut h, &values);
            hex::encode(h.finalize())
        };
        let a = digest(vec![Value::Text(None)]);
        let b = digest(vec![Value::Text(Some(String::new()))]);
        assert_ne!(a, b);
        let c = digest(vec![
            Value::Text(Some("ab".into())),
            Value::Text(Some("c".into())),
        ]);
        let d = digest(vec![
            Value::Text(Some("a".into())),
            Value::Text(Some("bc".into())),
        ]);
        assert_ne!(c, d);
    }
}
