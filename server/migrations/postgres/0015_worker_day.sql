-- The grid worker's day (docs/data-contract.md): requests carry who they are assigned to (a
-- worker, a volunteer or an organisation), their urgency, the day they are due and their
-- outcome; a community record carries its follow-up rules (days between visits by tag, as
-- JSON); a household row carries its last visit (when, and the follow-up day it set), so
-- that follow-ups due per grid are one query.
ALTER TABLE p_requests ADD COLUMN assignee_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE p_requests ADD COLUMN urgency TEXT NOT NULL DEFAULT '';
ALTER TABLE p_requests ADD COLUMN due TEXT;
ALTER TABLE p_requests ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
CREATE INDEX p_requests_assignee ON p_requests (assignee);
ALTER TABLE p_communities ADD COLUMN follow_up_rules TEXT NOT NULL DEFAULT '{}';
ALTER TABLE p_households ADD COLUMN last_visit_at TEXT;
ALTER TABLE p_households ADD COLUMN last_follow_up TEXT;

-- Rows written before lack these: the server projects every document again when it starts
-- (store/reproject.rs, PROJECTION_VERSION 2).
