-- Projections: the typed records of every document as plain rows, kept current in the same
-- transaction as each commit, so that lists, reports and indicators are indexed SQL.
CREATE TABLE p_households (
    document_id TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    address TEXT NOT NULL,
    head_name TEXT NOT NULL,
    tags TEXT NOT NULL,
    review_status TEXT,
    merged_into TEXT,
    member_count BIGINT NOT NULL
);
CREATE INDEX p_households_org ON p_households (org);

CREATE TABLE p_residents (
    document_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_year BIGINT,
    relation TEXT NOT NULL,
    employment TEXT NOT NULL,
    health_record BIGINT NOT NULL,
    tags TEXT NOT NULL,
    PRIMARY KEY (document_id, member_id)
);
CREATE INDEX p_residents_org ON p_residents (org);

CREATE TABLE p_visits (
    document_id TEXT NOT NULL,
    visit_id TEXT NOT NULL,
    org TEXT NOT NULL,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    purpose TEXT NOT NULL,
    needs TEXT NOT NULL,
    follow_up TEXT,
    PRIMARY KEY (document_id, visit_id)
);
CREATE INDEX p_visits_org ON p_visits (org, at);

CREATE TABLE p_volunteers (
    document_id TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    user_name TEXT NOT NULL,
    name TEXT NOT NULL,
    skills TEXT NOT NULL
);
CREATE INDEX p_volunteers_org ON p_volunteers (org);

CREATE TABLE p_volunteer_entries (
    document_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    org TEXT NOT NULL,
    user_name TEXT NOT NULL,
    date TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    activity TEXT NOT NULL,
    category TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    review_note TEXT,
    reviewed_by TEXT,
    PRIMARY KEY (document_id, entry_id)
);
CREATE INDEX p_volunteer_entries_org ON p_volunteer_entries (org, status);

CREATE TABLE p_requests (
    document_id TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    household TEXT,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee TEXT,
    opened_at TEXT,
    answered_at TEXT
);
CREATE INDEX p_requests_org ON p_requests (org);

CREATE TABLE p_communities (
    document_id TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    residents BIGINT NOT NULL,
    facilities BIGINT NOT NULL,
    organizations BIGINT NOT NULL
);
CREATE INDEX p_communities_org ON p_communities (org);
