//! Volunteers' approved hours, in all and in one year, with their volunteer number: what star
//! levels and the yearly summary per community are made of (docs/volunteers.md).

use sqlx::Row;

use super::Store;
use crate::indicators::{in_scope, scope_bounds};

/// One volunteer's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub document_id: String,
    pub org: String,
    pub user: String,
    pub name: String,
    pub registered_on: Option<String>,
    pub volunteer_number: Option<String>,
    /// Approved minutes of service, ever and within the year asked.
    pub approved_minutes: i64,
    pub year_minutes: i64,
}

/// The volunteers `filter` picks, with the year's first and last day bound as `$y` and
/// `$y + 1`.
fn standing_sql(filter: &str, y: usize) -> String {
    let y2 = y + 1;
    format!(
        "SELECT v.document_id, v.org, v.user_name, v.name, v.registered_on, s.volunteer_number, \
         CAST(COALESCE((SELECT SUM(e.minutes) FROM p_volunteer_entries e \
             WHERE e.document_id = v.document_id AND e.status = 'approved'), 0) AS BIGINT) AS total, \
         CAST(COALESCE((SELECT SUM(e.minutes) FROM p_volunteer_entries e \
             WHERE e.document_id = v.document_id AND e.status = 'approved' \
             AND e.date >= ${y} AND e.date <= ${y2}), 0) AS BIGINT) AS in_year \
         FROM p_volunteers v \
         LEFT JOIN volunteer_signups s ON s.login = v.user_name AND s.status = 'approved' \
         WHERE {filter} ORDER BY v.org, v.name, v.document_id LIMIT 5000"
    )
}

fn standing(r: &sqlx::any::AnyRow) -> Result<Standing, sqlx::Error> {
    Ok(Standing {
        document_id: r.try_get(0)?,
        org: r.try_get(1)?,
        user: r.try_get(2)?,
        name: r.try_get(3)?,
        registered_on: r.try_get(4)?,
        volunteer_number: r.try_get(5)?,
        approved_minutes: r.try_get(6)?,
        year_minutes: r.try_get(7)?,
    })
}

impl Store {
    /// The volunteers of communities at or under `scope` (at most 5,000), with their hours in
    /// all and in `year` (`2026`).
    pub async fn volunteer_standings(
        &self,
        scope: &str,
        year: &str,
    ) -> Result<Vec<Standing>, sqlx::Error> {
        let (under, past) = scope_bounds(scope);
        let rows = sqlx::query(&standing_sql(&in_scope("v.org"), 4))
            .bind(scope)
            .bind(&under)
            .bind(&past)
            .bind(format!("{year}-01-01"))
            .bind(format!("{year}-12-31"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(standing).collect()
    }

    /// The volunteer documents of the user `user` (normally one), with their hours.
    pub async fn standing_of(&self, user: &str, year: &str) -> Result<Vec<Standing>, sqlx::Error> {
        let rows = sqlx::query(&standing_sql("v.user_name = $1", 2))
            .bind(user)
            .bind(format!("{year}-01-01"))
            .bind(format!("{year}-12-31"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(standing).collect()
    }
}
