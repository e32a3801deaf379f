//! The server's one error type. Database details are logged, never sent to clients.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Everything that can go wrong while serving.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthorized,
    #[error("this device was signed out; erase its local data")]
    DeviceRevoked,
    #[error("not allowed")]
    Forbidden,
    /// The account was disabled by an administrator (403, said so: the password was right).
    #[error("this account is disabled")]
    AccountDisabled,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A bad request (400) with what the client needs to put it right: `detail`'s fields are
    /// sent beside `error` (a register lacking needed columns: the file's headers, the
    /// columns matched and the fields missing).
    #[error("bad request: {0}")]
    BadRequestWith(String, serde_json::Map<String, serde_json::Value>),
    #[error("too many attempts; wait a minute")]
    TooManyRequests,
    #[error("not found")]
    NotFound,
    /// The request was made on a state that has changed since (409): the message says how,
    /// `item` is the thing as it stands now.
    #[error("changed since: {0}")]
    Changed(String, serde_json::Value),
    #[error("temporarily unavailable")]
    Unavailable,
    /// A database error: 503 when storage cannot be used for now ([`storage_unavailable`]),
    /// 500 otherwise. Shared, as one failed commit may answer several requests.
    #[error("database error: {0}")]
    Database(#[source] Arc<sqlx::Error>),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid demo data: {0}")]
    Demo(String),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Database(Arc::new(e))
    }
}

impl From<crate::doc_actor::ActorError> for AppError {
    fn from(e: crate::doc_actor::ActorError) -> Self {
        use crate::doc_actor::ActorError;
        match e {
            ActorError::Invalid(why) => AppError::BadRequest(why),
            ActorError::Changed(why) => AppError::Changed(why, serde_json::Value::Null),
            ActorError::Storage(e) => AppError::Database(e),
            ActorError::NotStored | ActorError::Gone => AppError::Unavailable,
        }
    }
}

/// Whether a database error means that storage cannot be used right now (the request may
/// work later: 503, "nothing was saved") rather than a fault of the server (500). The
/// connection is gone or cannot be made, the database is shut down, refuses connections, is
/// out of disk, memory or connections, or had a transient conflict; the error's details go
/// to the log only.
pub fn storage_unavailable(e: &sqlx::Error) -> bool {
    use sqlx::error::DatabaseError;
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        // A connection that died mid-message (a real protocol fault would be sqlx's bug).
        | sqlx::Error::Protocol(_)
        // SQLite's background thread of a connection.
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                postgres_unavailable(pg.code())
            } else if let Some(code) = db
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .and_then(|e| e.code())
            {
                code.parse::<i32>().is_ok_and(sqlite_unavailable)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// PostgreSQL's SQLSTATEs (appendix A of its manual) that say storage is unavailable.
fn postgres_unavailable(code: &str) -> bool {
    let class = code.get(..2).unwrap_or_default();
    // 08: connection exception; 28: the server's credentials refused (only when
    // connecting); 53: insufficient resources (disk full, out of memory, too many
    // connections); 57: operator intervention (admin or crash shutdown, cannot connect now,
    // database dropped, statement timeout); 58: system error (I/O error).
    matches!(class, "08" | "28" | "53" | "57" | "58")
        || matches!(
            code,
            // The database does not accept connections (`ALLOW_CONNECTIONS false`) or does not
            // exist any more.
            "55000" | "3D000"
            // Lock not available; serialization failure; deadlock: a retry works.
            | "55P03" | "40001" | "40P01"
            // A read-only transaction: a standby (after a failover) or a read-only database.
            | "25006"
        )
}

/// SQLite's primary result codes (the low byte of the extended code) that say storage is
/// unavailable: busy, locked, out of memory, read-only, I/O error, corrupt, full, cannot
/// open, file locking protocol, not a database.
fn sqlite_unavailable(extended: i32) -> bool {
    matches!(extended & 0xff, 5 | 6 | 7 | 8 | 10 | 11 | 13 | 14 | 15 | 26)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "authentication required".to_string(),
            ),
            AppError::DeviceRevoked => (StatusCode::UNAUTHORIZED, String::new()),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "not allowed".to_string()),
            AppError::AccountDisabled => (
                StatusCode::FORBIDDEN,
                "this account is disabled; ask your supervisor or administrator".to_string(),
            ),
            AppError::BadRequest(why) | AppError::BadRequestWith(why, _) => {
                (StatusCode::BAD_REQUEST, why.clone())
            }
            AppError::NotFound => (StatusCode::NOT_FOUND, "not found".to_string()),
            AppError::Changed(why, _) => (StatusCode::CONFLICT, why.clone()),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable; try again".to_string(),
            ),
            AppError::Database(e) if storage_unavailable(e) => {
                tracing::error!(error = %self, "storage unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage temporarily unavailable; nothing was saved, try again".to_string(),
                )
            }
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many attempts; wait a minute".to_string(),
            ),
            other => {
                tracing::error!(error = %other, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_string(),
                )
            }
        };
        if let AppError::Changed(why, item) = self {
            let body = serde_json::json!({ "error": why, "item": item });
            return (StatusCode::CONFLICT, Json(body)).into_response();
        }
        if let AppError::BadRequestWith(why, mut detail) = self {
            detail.insert("error".into(), why.into());
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::Value::Object(detail)),
            )
                .into_response();
        }
        if matches!(self, AppError::DeviceRevoked) {
            // Lost or stolen phones: the client erases what it holds when it hears this.
            let body = serde_json::json!({
                "error": "this device was signed out by an administrator; erase its local data",
                "wipe": true,
            });
            return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
        }
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::{postgres_unavailable, sqlite_unavailable, storage_unavailable};

    #[test]
    fn storage_failures_are_told_from_faults() {
        // Lost connections, refused or shut down databases, full disks: 503.
        for code in [
            "08006", "57P01", "57P03", "55000", "53100", "58030", "40001",
        ] {
            assert!(postgres_unavailable(code), "{code}");
        }
        // A unique violation, a missing table, a syntax error: the server's fault, 500.
        for code in ["23505", "42P01", "42601", "22P02"] {
            assert!(!postgres_unavailable(code), "{code}");
        }
        // SQLite: BUSY, BUSY_SNAPSHOT, LOCKED, READONLY, IOERR_WRITE, FULL.
        for code in [5, 517, 6, 8, 778, 13] {
            assert!(sqlite_unavailable(code), "{code}");
        }
        // SQLite: CONSTRAINT_UNIQUE, ERROR (a bad statement), MISMATCH.
        for code in [2067, 1, 20] {
            assert!(!sqlite_unavailable(code), "{code}");
        }
        assert!(storage_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(!storage_unavailable(&sqlx::Error::RowNotFound));
    }
}
