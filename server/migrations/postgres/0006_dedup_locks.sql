-- One row per duplicate-check key, touched by every commit that projects a household with that
-- key, before it looks for others: on PostgreSQL the row lock makes two commits of the same
-- key take turns, so the second sees the first (READ COMMITTED) and opens the duplicate item.
CREATE TABLE dedup_locks (
    dedup_key TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);
