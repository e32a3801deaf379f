-- Identity and access: org units, users, devices, refresh tokens, actor bindings, emergency
-- access grants and the audit log.
CREATE TABLE org_units (
    path TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    org TEXT NOT NULL,
    password_hash TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users (name),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX devices_user ON devices (user_name);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX refresh_tokens_device ON refresh_tokens (device_id);

CREATE TABLE actor_bindings (
    document_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    user_name TEXT NOT NULL,
    device_id TEXT NOT NULL,
    bound_at BIGINT NOT NULL,
    PRIMARY KEY (document_id, actor)
);

CREATE TABLE emergency_grants (
    id BIGSERIAL PRIMARY KEY,
    user_name TEXT NOT NULL,
    org TEXT NOT NULL,
    reason TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX emergency_grants_user ON emergency_grants (user_name);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    subject TEXT,
    detail TEXT,
    address TEXT
);
