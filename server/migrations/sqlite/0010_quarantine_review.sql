-- Supervisors review quarantine: each row is open until accepted (its refused values written
-- as the supervisor's change) or dismissed. `org` scopes who sees it (the document's org, or
-- the sender's when the document was never stored); `writes` holds the refused field writes
-- that can be applied again (JSON `[{path, value}]`), when there are any.
ALTER TABLE quarantine ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE quarantine ADD COLUMN org TEXT;
ALTER TABLE quarantine ADD COLUMN writes TEXT;
ALTER TABLE quarantine ADD COLUMN decided_by TEXT;
ALTER TABLE quarantine ADD COLUMN decided_at BIGINT;
ALTER TABLE quarantine ADD COLUMN decision_note TEXT;
UPDATE quarantine SET org = (SELECT d.org FROM documents d WHERE d.id = quarantine.document_id);
UPDATE quarantine SET org = (SELECT u.org FROM users u WHERE u.name = quarantine.user_id) WHERE org IS NULL;
CREATE INDEX quarantine_status_org ON quarantine (status, org);
