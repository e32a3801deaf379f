-- Review items: reviewed fields holding concurrent values, until a supervisor settles them.
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL,
    path TEXT NOT NULL,
    candidates TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT,
    resolution TEXT
);
CREATE UNIQUE INDEX conflicts_one_open ON conflicts (document_id, path) WHERE status = 'open';
CREATE INDEX conflicts_status ON conflicts (status, document_id);
