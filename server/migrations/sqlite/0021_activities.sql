-- Volunteer activities with check-in (issue #20): a supervisor publishes an activity in their
-- unit; volunteers of the communities under it enrol; at the activity the organiser's phone
-- shows codes signed with the activity's own key (`checkin_key`, hex, never sent to
-- volunteers), and the time between a volunteer's check-in and check-out codes is credited
-- to their volunteer document as a check-in entry (`attendance`, one per volunteer).
CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    skills TEXT NOT NULL,
    organiser TEXT NOT NULL,
    checkin_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT
);
CREATE INDEX activities_org ON activities (org, ends_at);
CREATE TABLE activity_enrolments (
    activity_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    PRIMARY KEY (activity_id, user_name)
);
CREATE INDEX activity_enrolments_user ON activity_enrolments (user_name);
CREATE TABLE activity_attendance (
    activity_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    in_minute BIGINT NOT NULL,
    out_minute BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    date TEXT NOT NULL,
    document_id TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    credited_at BIGINT NOT NULL,
    PRIMARY KEY (activity_id, user_name)
);
