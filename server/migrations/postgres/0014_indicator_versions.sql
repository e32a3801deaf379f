-- A version per community (or per org above one, for rows kept there), raised by every
-- commit whose projection rows lie in it. A server keeps the indicator totals of each
-- community it has counted with the version they were counted at, and counts again only the
-- communities whose version has moved since (docs/indicators.md, "Speed"). Every node of a
-- cluster raises the same rows, so each node's kept totals follow the others' commits too.
CREATE TABLE indicator_versions (
    unit TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL
);

-- Counting a scope afresh reads the unemployed spells from the index alone (issue #15's
-- measurement: the unemployed query went from 259 ms to 182 ms for a county on SQLite).
DROP INDEX p_employment_unemployed;
CREATE INDEX p_employment_unemployed ON p_employment (org, document_id, member_id, since, until, ready, left_on)
    WHERE status = 'unemployed';
