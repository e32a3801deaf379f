//! The server's one error type. Database details are logged, never sent to clients.

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
    #[error("bad request: {0}")]
    BadRequest(String),
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
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid demo data: {0}")]
    Demo(String),
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
            AppError::BadRequest(why) => (StatusCode::BAD_REQUEST, why.clone()),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not found".to_string()),
            AppError::Changed(why, _) => (StatusCode::CONFLICT, why.clone()),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable; try again".to_string(),
            ),
            AppError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            ) => {
                tracing::error!(error = %self, "database unreachable");
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
