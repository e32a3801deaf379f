-- Residents signing up as volunteers of their community (issue #20): the application with
-- the personal data the national rules on volunteer records ask for (name, phone, ID type
-- and number), the skills and times offered, when the resident consented to the record, the
-- login they chose (its password hash until the account exists), and the community
-- supervisor's decision. An approved application is the volunteer's registration: it holds
-- their volunteer number and the user created for them. ID numbers are read whole only by
-- the volunteer and the supervisors of their community (docs/volunteers.md).
CREATE TABLE volunteer_signups (
    id TEXT PRIMARY KEY,
    community TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    id_type TEXT NOT NULL,
    id_number TEXT NOT NULL,
    skills TEXT NOT NULL,
    availability TEXT NOT NULL,
    consent_at BIGINT NOT NULL,
    login TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    decision_note TEXT,
    volunteer_number TEXT UNIQUE
);
CREATE INDEX volunteer_signups_status ON volunteer_signups (status, community);
CREATE INDEX volunteer_signups_id_number ON volunteer_signups (id_type, id_number);
CREATE INDEX volunteer_signups_login ON volunteer_signups (login);
