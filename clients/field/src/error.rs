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
    #[error("wrong password for this store")]
    WrongPassword,
    #[error("the local store is locked: run `linli-field unlock` (or give the password with LINLI_PASSWORD or --password-stdin)")]
    Locked,
    #[error("the unlocked key in {0} does not open this store (it was re-encrypted or re-created since): run `linli-field unlock`")]
    StaleKey(String),
    #[error("not logged in: run `linli-field login --server URL --name NAME` first (its password also encrypts this store; to work with --token instead, run `linli-field unlock` once to choose a password)")]
    NoStoreKey,
    #[error("this store was written before local encryption: run `linli-field unlock` (or `login`) with your password to encrypt it in place")]
    NotEncryptedYet,
    #[error("the local store is encrypted: open it with its key or password")]
    Encrypted,
    #[error("the local store is not encrypted: open it with a password to encrypt it")]
    NotEncrypted,
    #[error(
        "the local store was re-encrypted by another process meanwhile: run the command again"
    )]
    KeyChanged,
    #[error("unlocked key: {0}")]
    KeyFile(String),
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
