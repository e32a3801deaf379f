-- A document's changes in log order: loading after a snapshot, catching up with changes another
-- node stored (seq after the highest one a node holds), and the commit's check that nobody
-- stored one since (MAX(seq) of the document) all read this index.
CREATE INDEX changes_document_seq ON changes (document_id, seq);
