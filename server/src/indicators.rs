//! The policy's indicators for one org unit and period, computed from the projection tables
//! (plain indexed SQL, never document scans), with the policy's targets beside each value.
//! Definitions (where the policy text leaves room, the choice is written here):
//!
//! - volunteer ratio: registered volunteers ÷ registered residents, target ≥ 8% (policy §19);
//! - health records: residents aged 60+ (by the period's end year) with a health record ÷ all
//!   residents aged 60+, target ≥ 95% (§7);
//! - helped into work: employment requests (category 就业) resolved or closed ÷ all employment
//!   requests, target ≥ 80% (§4);
//! - zero-employment households (零就业家庭): households with at least one member of working age
//!   (16–59) who is neither a student nor unable to work, and nobody employed, target 0 (§4);
//! - approved volunteer hours: approved entries dated within the period;
//! - households visited: households with a visit in the 30 days up to the period's end ÷ all;
//! - requests opened and answered within the period, and the mean days from opening to the
//!   first answer (a step away from `open`);
//! - civil organisations per community, target 2–3 (§10).

use serde::Serialize;
use sqlx::Row;

use crate::store::Store;

/// A value with its target, if the policy sets one.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Measure {
    pub value: f64,
    /// e.g. "≥ 0.08", "= 0", "2–3"
    pub target: Option<&'static str>,
    pub met: Option<bool>,
}

fn measure(value: f64, target: Option<(&'static str, bool)>) -> Measure {
    Measure {
        value,
        target: target.map(|t| t.0),
        met: target.map(|t| t.1),
    }
}

/// The indicators of one org unit.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Indicators {
    pub org: String,
    pub from: String,
    pub to: String,
    pub residents: i64,
    pub households: i64,
    pub volunteers: i64,
    pub volunteer_ratio: Measure,
    pub elderly: i64,
    pub elderly_health_record_ratio: Measure,
    pub employment_requests: i64,
    pub helped_into_work_ratio: Measure,
    pub zero_employment_households: Measure,
    pub approved_volunteer_hours: Measure,
    pub households_visited_30d_ratio: Measure,
    pub requests_opened: i64,
    pub requests_answered: i64,
    pub mean_days_to_answer: Option<f64>,
    pub communities: i64,
    pub organizations_per_community: Measure,
}

fn ratio(num: i64, den: i64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Days between two ISO dates or timestamps (`YYYY-MM-DD…`).
fn days_between(from: &str, to: &str) -> Option<f64> {
    fn day_number(s: &str) -> Option<i64> {
        let y: i64 = s.get(0..4)?.parse().ok()?;
        let m: i64 = s.get(5..7)?.parse().ok()?;
        let d: i64 = s.get(8..10)?.parse().ok()?;
        // Days from civil (Howard Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(era * 146_097 + doe - 719_468)
    }
    Some((day_number(to)? - day_number(from)?) as f64)
}

/// The date 30 days before `to` (`YYYY-MM-DD`).
fn thirty_days_before(to: &str) -> String {
    let days = days_between("1970-01-01", to).unwrap_or(0.0) as i64 - 30;
    crate::clock::iso_from_ms(days * 86_400_000)[..10].to_owned()
}

/// Computes the indicators of `org` (and everything under it) for `from..=to` (dates).
pub async fn compute(
    store: &Store,
    org: &str,
    from: &str,
    to: &str,
) -> Result<Indicators, sqlx::Error> {
    let under = format!("{org}/");
    let year: i64 = to.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(1970);
    let elderly_born_by = year - 60;
    let (working_from, working_to) = (year - 59, year - 16);
    let to_end = format!("{to}\u{10FFFF}");
    let visit_from = thirty_days_before(to);
    macro_rules! scalar {
        ($pool:expr, $sql:expr $(, $arg:expr)*) => {
            sqlx::query_scalar::<_, i64>($sql).bind(org).bind(&under)$(.bind($arg))*.fetch_one($pool).await?
        };
    }
    let (
        households,
        residents,
        volunteers,
        elderly,
        elderly_with_record,
        emp_requests,
        emp_done,
        zero_emp,
        approved_min,
        visited,
        opened,
        communities,
        orgs,
        answered_rows,
    ) = with_pool!(store, pool => {
        let households = scalar!(pool, "SELECT COUNT(*) FROM p_households WHERE (org = $1 OR substr(org, 1, length($2)) = $2) AND merged_into IS NULL");
        let residents = scalar!(pool, "SELECT COUNT(*) FROM p_residents WHERE org = $1 OR substr(org, 1, length($2)) = $2");
        let volunteers = scalar!(pool, "SELECT COUNT(*) FROM p_volunteers WHERE org = $1 OR substr(org, 1, length($2)) = $2");
        let elderly = scalar!(pool, "SELECT COUNT(*) FROM p_residents WHERE (org = $1 OR substr(org, 1, length($2)) = $2) AND birth_year <= $3", elderly_born_by);
        let elderly_with_record = scalar!(pool, "SELECT COUNT(*) FROM p_residents WHERE (org = $1 OR substr(org, 1, length($2)) = $2) AND birth_year <= $3 AND health_record = 1", elderly_born_by);
        let emp_requests = scalar!(pool, "SELECT COUNT(*) FROM p_requests WHERE (org = $1 OR substr(org, 1, length($2)) = $2) AND category = '就业'");
        let emp_done = scalar!(pool, "SELECT COUNT(*) FROM p_requests WHERE (org = $1 OR substr(org, 1, length($2)) = $2) AND category = '就业' AND status IN ('resolved', 'closed')");
        let zero_emp = scalar!(pool,
            "SELECT COUNT(*) FROM p_households h WHERE (h.org = $1 OR substr(h.org, 1, length($2)) = $2) AND h.merged_into IS NULL \
             AND EXISTS (SELECT 1 FROM p_residents r WHERE r.document_id = h.document_id AND r.birth_year BETWEEN $3 AND $4 \
                         AND r.employment NOT IN ('student', 'unable', 'retired')) \
             AND NOT EXISTS (SELECT 1 FROM p_residents r WHERE r.document_id = h.document_id AND r.employment = 'employed')",
            working_from, working_to);
        let approved_min = scalar!(pool, "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM p_volunteer_entries WHERE (org = $1 OR substr(org, 1, length($2)) = $2) AND status = 'approved' AND date >= $3 AND date <= $4", from, to);
        let visited = scalar!(pool, "SELECT COUNT(DISTINCT v.document_id) FROM p_visits v JOIN p_households h ON h.document_id = v.document_id \
             WHERE (v.org = $1 OR substr(v.org, 1, length($2)) = $2) AND h.merged_into IS NULL AND v.at >= $3 AND v.at <= $4", &visit_from, &to_end);
        let opened = scalar!(pool, "SELECT COUNT(*) FROM p_requests WHERE (org = $1 OR substr(org, 1, length($2)) = $2) AND opened_at >= $3 AND opened_at <= $4", from, &to_end);
        let communities = scalar!(pool, "SELECT COUNT(*) FROM p_communities WHERE org = $1 OR substr(org, 1, length($2)) = $2");
        let orgs = scalar!(pool, "SELECT CAST(COALESCE(SUM(organizations), 0) AS BIGINT) FROM p_communities WHERE org = $1 OR substr(org, 1, length($2)) = $2");
        let answered_rows = sqlx::query("SELECT opened_at, answered_at FROM p_requests WHERE (org = $1 OR substr(org, 1, length($2)) = $2) AND answered_at >= $3 AND answered_at <= $4")
            .bind(org).bind(&under).bind(from).bind(&to_end).fetch_all(pool).await?
            .iter()
            .map(|r| Ok((r.try_get::<Option<String>, _>("opened_at")?, r.try_get::<Option<String>, _>("answered_at")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        (households, residents, volunteers, elderly, elderly_with_record, emp_requests, emp_done, zero_emp, approved_min, visited, opened, communities, orgs, answered_rows)
    });
    let waits: Vec<f64> = answered_rows
        .iter()
        .filter_map(|(o, a)| days_between(o.as_deref()?, a.as_deref()?))
        .collect();
    let volunteer_ratio = ratio(volunteers, residents);
    let health = ratio(elderly_with_record, elderly);
    let helped = ratio(emp_done, emp_requests);
    let per_community = ratio(orgs, communities);
    Ok(Indicators {
        org: org.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        residents,
        households,
        volunteers,
        volunteer_ratio: measure(volunteer_ratio, Some(("≥ 0.08", volunteer_ratio >= 0.08))),
        elderly,
        elderly_health_record_ratio: measure(health, Some(("≥ 0.95", health >= 0.95))),
        employment_requests: emp_requests,
        helped_into_work_ratio: measure(helped, Some(("≥ 0.80", helped >= 0.80))),
        zero_employment_households: measure(zero_emp as f64, Some(("= 0", zero_emp == 0))),
        approved_volunteer_hours: measure(approved_min as f64 / 60.0, None),
        households_visited_30d_ratio: measure(ratio(visited, households), None),
        requests_opened: opened,
        requests_answered: waits.len() as i64,
        mean_days_to_answer: (!waits.is_empty())
            .then(|| waits.iter().sum::<f64>() / waits.len() as f64),
        communities,
        organizations_per_community: measure(
            per_community,
            Some(("2–3", (2.0..=3.0).contains(&per_community))),
        ),
    })
}

/// The org units directly under `org` that hold data (for drill-down).
pub async fn children(store: &Store, org: &str) -> Result<Vec<String>, sqlx::Error> {
    let depth = org.split('/').count();
    let under = format!("{org}/");
    let orgs: Vec<String> = with_pool!(store, pool => {
        sqlx::query_scalar("SELECT DISTINCT org FROM p_households WHERE substr(org, 1, length($1)) = $1 UNION SELECT DISTINCT org FROM p_volunteers WHERE substr(org, 1, length($1)) = $1 UNION SELECT DISTINCT org FROM p_communities WHERE substr(org, 1, length($1)) = $1")
            .bind(&under).fetch_all(pool).await?
    });
    let mut kids: Vec<String> = orgs
        .iter()
        .map(|o| o.split('/').take(depth + 1).collect::<Vec<_>>().join("/"))
        .collect();
    kids.sort();
    kids.dedup();
    Ok(kids)
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_arithmetic() {
        assert_eq!(
            super::days_between("2026-11-01", "2026-11-26T10:00:00Z"),
            Some(25.0)
        );
        assert_eq!(super::days_between("2024-02-28", "2024-03-01"), Some(2.0));
        assert_eq!(super::thirty_days_before("2026-11-26"), "2026-10-27");
    }
}
