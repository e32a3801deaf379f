-- Administration (issue #19): a user disabled (no login, no token, their connections end),
-- when a user's role or unit last changed (their devices reconnect to learn the new scope),
-- an org unit closed (kept for history, no new users or records in it), when a device last
-- connected to sync.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users ADD COLUMN changed_at BIGINT;
ALTER TABLE org_units ADD COLUMN closed_at BIGINT;
ALTER TABLE devices ADD COLUMN last_seen_at BIGINT;
