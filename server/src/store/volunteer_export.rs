//! What the exports for the national volunteer system read (`volunteer_export.rs`): the
//! registered volunteers of a unit (their approved sign-ups, migration 0019) and their
//! approved service in a period, summed per volunteer, day and activity. Volunteers made
//! without a sign-up have no ID document on record and are left out of both.

use sqlx::Row;

use super::Store;
use crate::indicators::{in_scope, scope_bounds};

/// A registered volunteer as the registry export reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub community: String,
    pub login: String,
    pub name: String,
    pub phone: String,
    pub id_type: String,
    pub id_number: String,
    pub skills: Vec<String>,
    pub availability: Vec<String>,
    pub volunteer_number: String,
    /// When the sign-up was approved (the registration), milliseconds since the epoch.
    pub approved_at: Option<i64>,
}

/// One volunteer's approved service on one day in one activity, summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDay {
    /// The volunteer's community (their sign-up) and the unit that recorded the service.
    pub community: String,
    pub recorded_in: String,
    pub login: String,
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub volunteer_number: String,
    pub date: String,
    pub activity: String,
    pub category: String,
    pub minutes: i64,
}

fn list(s: String) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Store {
    /// The approved sign-ups of communities at or under `scope`, by community and volunteer
    /// number.
    pub async fn registered_volunteers(&self, scope: &str) -> Result<Vec<Registered>, sqlx::Error> {
        let (under, past) = scope_bounds(scope);
        let rows = sqlx::query(&format!(
            "SELECT community, login, name, phone, id_type, id_number, skills, availability, \
             volunteer_number, decided_at FROM volunteer_signups \
             WHERE {} AND status = 'approved' AND volunteer_number IS NOT NULL",
            in_scope("community")
        ))
        .bind(scope)
        .bind(&under)
        .bind(&past)
        .fetch_all(self.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(Registered {
                    community: r.try_get(0)?,
                    login: r.try_get(1)?,
                    name: r.try_get(2)?,
                    phone: r.try_get(3)?,
                    id_type: r.try_get(4)?,
                    id_number: r.try_get(5)?,
                    skills: list(r.try_get(6)?),
                    availability: list(r.try_get(7)?),
                    volunteer_number: r.try_get(8)?,
                    approved_at: r.try_get(9)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        // Sorted here, not in SQL, so that both databases give one order whatever their
        // collation.
        out.sort_by(|a, b| {
            (&a.community, &a.volunteer_number).cmp(&(&b.community, &b.volunteer_number))
        });
        Ok(out)
    }

    /// The approved service recorded at or under `scope` from `from` to `to` (both included)
    /// of volunteers with an approved sign-up, summed per volunteer, day, activity and
    /// category; by community, volunteer number, day and activity.
    pub async fn registered_service(
        &self,
        scope: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<ServiceDay>, sqlx::Error> {
        let (under, past) = scope_bounds(scope);
        let rows = sqlx::query(&format!(
            "SELECT s.community, e.org, s.login, s.name, s.id_type, s.id_number, s.volunteer_number, \
             e.date, e.activity, e.category, CAST(SUM(e.minutes) AS BIGINT) AS minutes \
             FROM p_volunteer_entries e \
             JOIN volunteer_signups s ON s.login = e.user_name AND s.status = 'approved' \
             WHERE {} AND e.status = 'approved' AND e.date >= $4 AND e.date <= $5 \
             AND s.volunteer_number IS NOT NULL \
             GROUP BY s.community, e.org, s.login, s.name, s.id_type, s.id_number, \
             s.volunteer_number, e.date, e.activity, e.category",
            in_scope("e.org")
        ))
        .bind(scope)
        .bind(&under)
        .bind(&past)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(ServiceDay {
                    community: r.try_get(0)?,
                    recorded_in: r.try_get(1)?,
                    login: r.try_get(2)?,
                    name: r.try_get(3)?,
                    id_type: r.try_get(4)?,
                    id_number: r.try_get(5)?,
                    volunteer_number: r.try_get(6)?,
                    date: r.try_get(7)?,
                    activity: r.try_get(8)?,
                    category: r.try_get(9)?,
                    minutes: r.try_get(10)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        out.sort_by(|a, b| {
            (
                &a.community,
                &a.volunteer_number,
                &a.date,
                &a.activity,
                &a.category,
                &a.recorded_in,
            )
                .cmp(&(
                    &b.community,
                    &b.volunteer_number,
                    &b.date,
                    &b.activity,
                    &b.category,
                    &b.recorded_in,
                ))
        });
        Ok(out)
    }
}
