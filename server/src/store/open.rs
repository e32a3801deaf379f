//! Opening (and migrating) the database a server is configured with.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::Store;

/// The SQLite file's name inside the data directory.
pub const SQLITE_FILE: &str = "linli.sqlite3";

/// Opens `database_url` (PostgreSQL, or `sqlite:` with a path), or the SQLite file inside
/// `data_dir` when no URL is given, and runs the migrations.
pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Store, sqlx::Error> {
    let store = match database_url {
        Some(url) if url.starts_with("postgres:") || url.starts_with("postgresql:") => {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Store::Postgres(pool)
        }
        Some(url) => open_sqlite(SqliteConnectOptions::from_str(url)?).await?,
        None => {
            std::fs::create_dir_all(data_dir)?;
            open_sqlite(SqliteConnectOptions::new().filename(data_dir.join(SQLITE_FILE))).await?
        }
    };
    Ok(store)
}

async fn open_sqlite(options: SqliteConnectOptions) -> Result<Store, sqlx::Error> {
    // WAL with synchronous=FULL: a committed transaction survives a crash or power loss.
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    Ok(Store::Sqlite(pool))
}
