//! Errors of the field client.

/// Everything that can go wrong on the device.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    #[error("local store: {0}")]
    Store(#[from] sqlx::Error),
    #[error("local store migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("local store is corrupt: {0}")]
    Corrupt(String),
    #[error("no local document {0}")]
    NoSuchDocument(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("automerge: {0}")]
    Automerge(String),
    #[error("the server refused the access token (expired, revoked or invalid)")]
    Unauthorized,
    #[error("connection: {0}")]
    Connection(String),
    #[error("sync timed out after {0:?}")]
    Timeout(std::time::Duration),
}

impl From<linli_sync_core::automerge::AutomergeError> for FieldError {
    fn from(e: linli_sync_core::automerge::AutomergeError) -> Self {
        FieldError::Automerge(e.to_string())
    }
}

impl From<linli_sync_core::autosurgeon::ReconcileError> for FieldError {
    fn from(e: linli_sync_core::autosurgeon::ReconcileError) -> Self {
        FieldError::Automerge(e.to_string())
    }
}
