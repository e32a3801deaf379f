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

/// The org scope "`$1` or anything under `$1/`" on column `$col`, with `$2` = `$1/` and
/// `$3` = `$1` followed by `0` (the character after `/`). Exact-prefix semantics, as
/// `col = $1 OR substr(col, 1, length($2)) = $2` (no `LIKE`: `_` is allowed in org codes and
/// SQLite's `LIKE` ignores case), but written as one index range: every org starting with
/// `$1/` lies in `[$1/, $10)` byte-wise, the range `[$1, $10)` holds exactly those, `$1`
/// itself and orgs `$1` followed by a character below `/` (`-`, `.`), which the last term
/// leaves out. Byte-wise: SQLite compares with BINARY, PostgreSQL's `org` columns are
/// `COLLATE "C"` (migration 0008).
macro_rules! scope {
    ($col:literal) => {
        concat!(
            "(",
            $col,
            " >= $1 AND ",
            $col,
            " < $3 AND (",
            $col,
            " >= $2 OR ",
            $col,
            " = $1))"
        )
    };
}
pub(crate) use scope;

/// The bounds the `scope!` condition binds as `$1`, `$2` and `$3`.
pub(crate) fn scope_bounds(org: &str) -> (String, String) {
    (format!("{org}/"), format!("{org}0"))
}

/// Computes the indicators of `org` (and everything under it) for `from..=to` (dates).
///
/// One pass over each projection table (counts of one table are sums of `CASE`s in one
/// query), each through an index that covers it, the independent queries run at once on
/// separate pool connections (as before, each reads its own snapshot).
pub async fn compute(
    store: &Store,
    org: &str,
    from: &str,
    to: &str,
) -> Result<Indicators, sqlx::Error> {
    let (under, past) = scope_bounds(org);
    let year: i64 = to.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(1970);
    let elderly_born_by = year - 60;
    let (working_from, working_to) = (year - 59, year - 16);
    let to_end = format!("{to}\u{10FFFF}");
    let visit_from = thirty_days_before(to);
    macro_rules! query {
        ($sql:expr $(, $arg:expr)*) => {
            sqlx::query($sql).bind(org).bind(&under).bind(&past)$(.bind($arg))*
        };
    }
    macro_rules! scalar {
        ($pool:expr, $sql:expr $(, $arg:expr)*) => {
            async {
                sqlx::query_scalar::<_, i64>($sql).bind(org).bind(&under).bind(&past)$(.bind($arg))*.fetch_one($pool).await
            }
        };
    }
    let (
        households,
        (residents, elderly, elderly_with_record),
        volunteers,
        (emp_requests, emp_done, opened),
        zero_emp,
        approved_min,
        visited,
        (communities, orgs),
        answered_rows,
    ) = with_pool!(store, pool => {
        tokio::try_join!(
            // p_households (org, merged_into).
            scalar!(pool, concat!("SELECT COUNT(*) FROM p_households WHERE ", scope!("org"), " AND merged_into IS NULL")),
            // p_residents (org, birth_year, health_record): residents, elderly, elderly with a record.
            async {
                let row = query!(concat!(
                    "SELECT COUNT(*) AS n, \
                     COALESCE(SUM(CASE WHEN birth_year <= $4 THEN 1 ELSE 0 END), 0) AS elderly, \
                     COALESCE(SUM(CASE WHEN birth_year <= $4 AND health_record = 1 THEN 1 ELSE 0 END), 0) AS with_record \
                     FROM p_residents WHERE ", scope!("org")), elderly_born_by)
                .fetch_one(pool).await?;
                Ok::<_, sqlx::Error>((row.try_get::<i64, _>("n")?, row.try_get::<i64, _>("elderly")?, row.try_get::<i64, _>("with_record")?))
            },
            scalar!(pool, concat!("SELECT COUNT(*) FROM p_volunteers WHERE ", scope!("org"))),
            // p_requests is small (one row per request): one pass for its three counts.
            async {
                let row = query!(concat!(
                    "SELECT COALESCE(SUM(CASE WHEN category = '就业' THEN 1 ELSE 0 END), 0) AS emp, \
                     COALESCE(SUM(CASE WHEN category = '就业' AND status IN ('resolved', 'closed') THEN 1 ELSE 0 END), 0) AS emp_done, \
                     COALESCE(SUM(CASE WHEN opened_at >= $4 AND opened_at <= $5 THEN 1 ELSE 0 END), 0) AS opened \
                     FROM p_requests WHERE ", scope!("org")), from, &to_end)
                .fetch_one(pool).await?;
                Ok::<_, sqlx::Error>((row.try_get::<i64, _>("emp")?, row.try_get::<i64, _>("emp_done")?, row.try_get::<i64, _>("opened")?))
            },
            // Zero-employment households: live households in scope with a working-age member who
            // is neither a student, unable, retired nor employed, and nobody employed. (The same
            // set as "a working-age member not student/unable/retired, and nobody employed": with
            // nobody employed, that member is not employed either.) The candidates come from the
            // partial index p_residents_jobless (few rows), the employed check from
            // p_residents_employed.
            scalar!(pool, concat!(
                "SELECT COUNT(*) FROM p_households h WHERE ", scope!("h.org"), " AND h.merged_into IS NULL \
                 AND h.document_id IN (SELECT r.document_id FROM p_residents r WHERE r.birth_year BETWEEN $4 AND $5 \
                                       AND r.employment NOT IN ('student', 'unable', 'retired', 'employed')) \
                 AND NOT EXISTS (SELECT 1 FROM p_residents e WHERE e.document_id = h.document_id AND e.employment = 'employed')"),
                working_from, working_to),
            // p_volunteer_entries (org, status, date, minutes).
            scalar!(pool, concat!("SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM p_volunteer_entries WHERE ", scope!("org"),
                " AND status = 'approved' AND date >= $4 AND date <= $5"), from, to),
            // Households visited: the documents of the visits in scope and period (p_visits
            // (org, document_id, at), grouped in index order), less those whose household is
            // merged (p_households_merged, few rows). A visit row is written only with its
            // household's row, in the same transaction and with the same org, so this is the
            // count of live households joined to those visits.
            async {
                let all = sqlx::query_scalar::<_, i64>(concat!(
                    "SELECT COUNT(*) FROM (SELECT v.document_id FROM p_visits v WHERE ", scope!("v.org"),
                    " AND v.at >= $4 AND v.at <= $5 GROUP BY v.org, v.document_id) d"))
                    .bind(org).bind(&under).bind(&past).bind(&visit_from).bind(&to_end).fetch_one(pool).await?;
                let merged = sqlx::query_scalar::<_, i64>(concat!(
                    "SELECT COUNT(*) FROM p_households h WHERE h.merged_into IS NOT NULL AND EXISTS \
                     (SELECT 1 FROM p_visits v WHERE v.document_id = h.document_id AND ", scope!("v.org"),
                    " AND v.at >= $4 AND v.at <= $5)"))
                    .bind(org).bind(&under).bind(&past).bind(&visit_from).bind(&to_end).fetch_one(pool).await?;
                Ok::<_, sqlx::Error>(all - merged)
            },
            async {
                let row = query!(concat!(
                    "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(organizations), 0) AS BIGINT) AS orgs FROM p_communities WHERE ",
                    scope!("org")))
                .fetch_one(pool).await?;
                Ok::<_, sqlx::Error>((row.try_get::<i64, _>("n")?, row.try_get::<i64, _>("orgs")?))
            },
            async {
                query!(concat!("SELECT opened_at, answered_at FROM p_requests WHERE ", scope!("org"),
                    " AND answered_at >= $4 AND answered_at <= $5"), from, &to_end)
                    .fetch_all(pool).await?
                    .iter()
                    .map(|r| Ok((r.try_get::<Option<String>, _>("opened_at")?, r.try_get::<Option<String>, _>("answered_at")?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            },
        )?
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
    let (under, past) = scope_bounds(org);
    // Strictly under `org`: `[$1/, $10)` (see `scope!`), an index range on each table's org.
    let orgs: Vec<String> = with_pool!(store, pool => {
        sqlx::query_scalar("SELECT DISTINCT org FROM p_households WHERE org >= $1 AND org < $2 UNION SELECT DISTINCT org FROM p_volunteers WHERE org >= $1 AND org < $2 UNION SELECT DISTINCT org FROM p_communities WHERE org >= $1 AND org < $2")
            .bind(&under).bind(&past).fetch_all(pool).await?
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
