-- Indexes for the indicators over large counties (issue #6): each indicator query reads one
-- index range of the org scope (`org >= $1 AND org < $3 …`, see indicators::scope!) that
-- covers the columns it needs, instead of scanning the whole table.
-- Live households per org (the count, lists by org); replaces p_households_org.
DROP INDEX p_households_org;
CREATE INDEX p_households_org_live ON p_households (org, merged_into);
-- Merged households are few: the households-visited indicator subtracts them.
CREATE INDEX p_households_merged ON p_households (document_id) WHERE merged_into IS NOT NULL;
-- Residents, elderly and elderly with a health record, in one pass; replaces p_residents_org.
DROP INDEX p_residents_org;
CREATE INDEX p_residents_org_age ON p_residents (org, birth_year, health_record);
-- Zero-employment households: candidates (members neither student, unable, retired nor
-- employed, by birth year) and the check that nobody in the household is employed.
CREATE INDEX p_residents_jobless ON p_residents (birth_year, document_id)
    WHERE employment NOT IN ('student', 'unable', 'retired', 'employed');
CREATE INDEX p_residents_employed ON p_residents (document_id) WHERE employment = 'employed';
-- Households visited: the visits' documents per org, in index order.
CREATE INDEX p_visits_org_document ON p_visits (org, document_id, at);
-- Approved volunteer minutes in a period; replaces p_volunteer_entries_org (org, status).
DROP INDEX p_volunteer_entries_org;
CREATE INDEX p_volunteer_entries_org ON p_volunteer_entries (org, status, date, minutes);
