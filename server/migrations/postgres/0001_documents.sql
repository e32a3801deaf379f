-- Documents, the append-only change log, snapshots, sync positions and quarantine.
CREATE TABLE server_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    org TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    change_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX documents_org ON documents (org);

CREATE TABLE changes (
    seq BIGSERIAL PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents (id),
    hash TEXT NOT NULL,
    actor TEXT NOT NULL,
    peer TEXT,
    user_id TEXT,
    device_id TEXT,
    bytes BYTEA NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (document_id, hash)
);

CREATE TABLE snapshots (
    document_id TEXT PRIMARY KEY REFERENCES documents (id),
    upto_seq BIGINT NOT NULL,
    change_count BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sync_states (
    storage_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    state BYTEA NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (storage_id, document_id)
);

CREATE TABLE quarantine (
    id BIGSERIAL PRIMARY KEY,
    document_id TEXT NOT NULL,
    peer TEXT,
    user_id TEXT,
    device_id TEXT,
    reason TEXT NOT NULL,
    digest TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (document_id, digest)
);
