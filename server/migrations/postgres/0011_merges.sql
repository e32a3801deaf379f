-- Each merge of two household registrations, with what it wrote into the kept one (the
-- members matched and added, the visits added: JSON of linli_sync_core::merge::MergePlan), so
-- that later writes to the merged-away registration move over without adding anyone twice,
-- and a supervisor can undo it.
CREATE TABLE merges (
    id BIGSERIAL PRIMARY KEY,
    duplicate_id BIGINT NOT NULL,
    kept TEXT NOT NULL,
    merged TEXT NOT NULL,
    plan TEXT NOT NULL,
    by_user TEXT NOT NULL,
    at BIGINT NOT NULL,
    undone_by TEXT,
    undone_at BIGINT
);
CREATE INDEX merges_merged ON merges (merged);
