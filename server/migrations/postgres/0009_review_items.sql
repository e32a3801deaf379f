-- Review items are not only conflicts: `item` says which kind (`conflict`: a reviewed field
-- holding concurrent values; `implausible`: a valid value unlikely to be right, kept and
-- flagged), and `note` says why an item was opened or how it was closed. One open item per
-- field and kind.
ALTER TABLE conflicts ADD COLUMN item TEXT NOT NULL DEFAULT 'conflict';
ALTER TABLE conflicts ADD COLUMN note TEXT;
DROP INDEX conflicts_one_open;
CREATE UNIQUE INDEX conflicts_one_open ON conflicts (document_id, path, item) WHERE status = 'open';
