-- Households moved to another unit (issue #19: a family moved), recorded by the commit that
-- rewrote the document's `org`. Indicators count a household where it lived on the day they
-- look at: before `on_date` in `from_org`, from it on in `to_org` (docs/indicators.md,
-- "Households that moved"). Not a projection: the day of the move is the supervisor's word,
-- not in the document, so reprojection leaves it alone and backups carry it.
CREATE TABLE household_moves (
    document_id TEXT NOT NULL,
    moved_at BIGINT NOT NULL,
    from_org TEXT NOT NULL,
    to_org TEXT NOT NULL,
    on_date TEXT NOT NULL,
    PRIMARY KEY (document_id, moved_at)
);
CREATE INDEX household_moves_on ON household_moves (on_date);
