-- Certificates of volunteer service (issue #20; 民发〔2015〕149号 and
-- 《志愿服务记录与证明出具办法（试行）》): a volunteer asks, a supervisor of their community issues. `content` is the
-- certificate as issued (JSON: the volunteer's name, ID document and volunteer number, each
-- service's date, content and hours, the total, the issuing unit, who issued it and the
-- contact), kept unchanged so that the number anyone verifies always shows what was issued.
CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    number TEXT UNIQUE,
    user_name TEXT NOT NULL,
    community TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    period_from TEXT,
    period_to TEXT,
    purpose TEXT NOT NULL,
    issued_by TEXT,
    issued_at BIGINT,
    issued_on TEXT,
    content TEXT
);
CREATE INDEX certificates_status ON certificates (status, community);
CREATE INDEX certificates_user ON certificates (user_name);
-- A volunteer's approved service, by day, read for their certificate.
CREATE INDEX p_volunteer_entries_user ON p_volunteer_entries (user_name, status, date);
