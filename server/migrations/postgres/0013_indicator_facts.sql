-- Facts the indicators of docs/indicators.md read, kept with every commit like the other
-- projections. Counts "as of a day" need the residents who left after it, employment as a
-- dated status, trainings, and the stretches in which a household had nobody in work.

-- Residents who left their household on a known day (still residents before it).
CREATE TABLE p_residents_left (
    document_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    org TEXT COLLATE "C" NOT NULL,
    birth_year BIGINT,
    health_record BIGINT NOT NULL,
    left_on TEXT NOT NULL,
    PRIMARY KEY (document_id, member_id)
);
CREATE INDEX p_residents_left_org ON p_residents_left (org, left_on);

-- Employment spells of residents (and of those who left on a known day): `status` from
-- `since` up to `until` (excluded; NULL: still). `ready`: able and willing to work.
CREATE TABLE p_employment (
    document_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    org TEXT COLLATE "C" NOT NULL,
    since TEXT NOT NULL,
    until TEXT,
    status TEXT NOT NULL,
    ready BIGINT NOT NULL,
    left_on TEXT,
    PRIMARY KEY (document_id, member_id, since)
);
CREATE INDEX p_employment_unemployed ON p_employment (org, since) WHERE status = 'unemployed';

CREATE TABLE p_trainings (
    document_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    training_id TEXT NOT NULL,
    org TEXT COLLATE "C" NOT NULL,
    on_date TEXT NOT NULL,
    course TEXT NOT NULL,
    PRIMARY KEY (document_id, member_id, training_id)
);

-- When a household was a zero-employment household (零就业家庭): from `since` up to `until`.
CREATE TABLE p_zero_employment (
    document_id TEXT NOT NULL,
    org TEXT COLLATE "C" NOT NULL,
    since TEXT NOT NULL,
    until TEXT,
    PRIMARY KEY (document_id, since)
);
CREATE INDEX p_zero_employment_org ON p_zero_employment (org, since);

-- Health-service figures entered per community.
CREATE TABLE p_health_figures (
    document_id TEXT NOT NULL,
    figure_id TEXT NOT NULL,
    org TEXT COLLATE "C" NOT NULL,
    as_of TEXT NOT NULL,
    coverage_permille BIGINT,
    outpatient_permille BIGINT,
    source TEXT NOT NULL,
    PRIMARY KEY (document_id, figure_id)
);
CREATE INDEX p_health_figures_org ON p_health_figures (org, as_of);

ALTER TABLE p_volunteers ADD COLUMN registered_on TEXT;
ALTER TABLE p_requests ADD COLUMN finished_at TEXT;
ALTER TABLE p_requests ADD COLUMN satisfaction TEXT NOT NULL DEFAULT '';
ALTER TABLE p_communities ADD COLUMN rural BIGINT NOT NULL DEFAULT 0;
ALTER TABLE p_communities ADD COLUMN demonstration_since TEXT;
ALTER TABLE p_communities ADD COLUMN registered_organizations BIGINT NOT NULL DEFAULT 0;
ALTER TABLE p_communities ADD COLUMN facility_categories TEXT NOT NULL DEFAULT '';

-- Rows written before these facts existed lack them: the server projects every document
-- again when it starts (store/reproject.rs, PROJECTION_VERSION).
