//! Opening (and migrating) the database a server is configured with.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

use super::Store;

/// The SQLite file's name inside the data directory.
pub const SQLITE_FILE: &str = "linli.sqlite3";

/// Opens `database_url` (PostgreSQL, or `sqlite:` with a path), or the SQLite file inside
/// `data_dir` when no URL is given, and runs the migrations.
pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Store, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let store = match database_url {
        Some(url) if url.starts_with("postgres:") || url.starts_with("postgresql:") => {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            // Opens its connection only when the cluster starts listening.
            let listen = PgPoolOptions::new().max_connections(2).connect_lazy(url)?;
            Store {
                pool,
                listen: Some(listen),
            }
        }
        Some(url) => {
            let options = SqliteConnectOptions::from_str(url)?;
            let file = std::path::absolute(options.get_filename())?;
            open_sqlite(options.filename(file)).await?
        }
        None => {
            crate::private_files::private_dir(data_dir)?;
            let file = data_dir.canonicalize()?.join(SQLITE_FILE);
            private_database_files(&file)?;
            open_sqlite(SqliteConnectOptions::new().filename(file)).await?
        }
    };
    Ok(store)
}

/// Makes the SQLite file at `file` (created empty when missing) and its `-wal` and `-shm`
/// files, where they exist, readable by the server's user only. SQLite gives the journal files
/// the database file's mode; an installation from before this check is tightened here.
fn private_database_files(file: &Path) -> std::io::Result<()> {
    if !file.exists() {
        crate::private_files::create_private(file)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let path = std::path::PathBuf::from(name);
        if path.exists() {
            crate::private_files::restrict(&path)?;
        }
    }
    Ok(())
}

/// The settings every SQLite connection gets when it opens. WAL with `synchronous = FULL`: a
/// committed transaction survives a crash or power loss.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;";

/// Opens the SQLite file of `options` (an absolute path) through the `Any` driver, which
/// takes its options as a URL; the settings a URL cannot carry run as pragmas on connect.
async fn open_sqlite(options: SqliteConnectOptions) -> Result<Store, sqlx::Error> {
    let url = options.create_if_missing(true).to_url_lossy();
    let pool = AnyPoolOptions::new()
        .max_connections(4)
        .after_connect(|conn, _| {
            Box::pin(async move { conn.execute(SQLITE_PRAGMAS).await.map(|_| ()) })
        })
        .after_release(|conn, _| {
            Box::pin(async move {
                // A dropped transaction's ROLLBACK runs first (the ping waits for it). When
                // SQLite had already rolled back by itself (a full disk), that ROLLBACK fails
                // and sqlx still counts the transaction as open; such a connection would
                // refuse every later `BEGIN IMMEDIATE`, so it is closed instead of reused.
                conn.ping().await?;
                Ok(!conn.is_in_transaction())
            })
        })
        .connect_with(AnyConnectOptions::from_url(&url)?)
        .await?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    Ok(Store { pool, listen: None })
}
