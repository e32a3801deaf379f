//! Errors of the field client. Their texts are shown to the operator as they are, so each says
//! what went wrong and, where there is one, what to do.

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
    #[error("no local document {0} (list them with `linli-field list`, fetch with `pull`)")]
    NoSuchDocument(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("automerge: {0}")]
    Automerge(String),
    #[error("the server refused the access token (expired, revoked or invalid)")]
    Unauthorized,
    #[error("login failed: wrong name or password")]
    LoginFailed,
    #[error("not logged in: run `linli-field login --server URL --name NAME` first")]
    NotLoggedIn,
    #[error("the session has ended (the refresh token expired or was refused, or the device was revoked): log in again with `linli-field login`")]
    SessionEnded,
    #[error("this device was signed out by an administrator (lost or stolen?): its local data has been erased")]
    DeviceWiped,
    #[error("the server answered {status}: {message}")]
    Server { status: u16, message: String },
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
