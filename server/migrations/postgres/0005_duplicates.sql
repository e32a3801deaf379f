-- Possible duplicate households: the same normalised address and head of household, registered
-- apart. One open item per pair.
ALTER TABLE p_households ADD COLUMN dedup_key TEXT;
CREATE INDEX p_households_dedup ON p_households (dedup_key);

CREATE TABLE duplicates (
    id BIGSERIAL PRIMARY KEY,
    first_id TEXT NOT NULL,
    second_id TEXT NOT NULL,
    org TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    merged_into TEXT,
    merged_by TEXT,
    merged_at BIGINT
);
CREATE UNIQUE INDEX duplicates_pair ON duplicates (first_id, second_id);
