-- The device's local store: documents with their sync state, and small settings.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    bytes BLOB NOT NULL,
    sync_state BLOB,
    updated_at INTEGER NOT NULL
);
