//! Volunteer activities, their enrolments and the attendance credited from check-in codes
//! (migration 0021).

use sqlx::Row;

use super::Store;
use crate::clock::now_ms;
use crate::indicators::{in_scope, scope_bounds};

/// An activity as stored (its check-in key apart: [`Store::activity_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    pub id: String,
    pub org: String,
    pub title: String,
    pub place: String,
    pub category: String,
    pub description: String,
    /// Milliseconds since 1970-01-01 UTC.
    pub starts_at: i64,
    pub ends_at: i64,
    /// 0: no limit.
    pub capacity: i64,
    pub skills: Vec<String>,
    pub organiser: String,
    pub cancelled: bool,
    /// Volunteers enrolled.
    pub enrolled: i64,
}

/// A new activity, as published.
#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    pub id: &'a str,
    pub org: &'a str,
    pub title: &'a str,
    pub place: &'a str,
    pub category: &'a str,
    pub description: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    pub skills: &'a [String],
    pub organiser: &'a str,
    pub checkin_key: &'a str,
}

/// A volunteer enrolled, with the names shown for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRow {
    pub user: String,
    pub name: String,
    pub volunteer_number: Option<String>,
    pub enrolled_at: i64,
}

/// One volunteer's credited attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    pub activity_id: String,
    pub user: String,
    pub name: String,
    pub in_minute: i64,
    pub out_minute: i64,
    pub minutes: i64,
    pub date: String,
    pub document_id: String,
    pub entry_id: String,
    /// The credited entry's status as projected (`submitted` until the organiser confirms).
    pub entry_status: Option<String>,
}

/// Why an enrolment was not made.
#[derive(Debug, PartialEq, Eq)]
pub enum EnrolRefusal {
    Full,
}

const COLUMNS: &str = "a.id, a.org, a.title, a.place, a.category, a.description, a.starts_at, \
     a.ends_at, a.capacity, a.skills, a.organiser, a.cancelled_at, \
     (SELECT COUNT(*) FROM activity_enrolments e WHERE e.activity_id = a.id)";

fn row(r: &sqlx::any::AnyRow) -> Result<ActivityRow, sqlx::Error> {
    let skills: String = r.try_get(9)?;
    let cancelled: Option<i64> = r.try_get(11)?;
    Ok(ActivityRow {
        id: r.try_get(0)?,
        org: r.try_get(1)?,
        title: r.try_get(2)?,
        place: r.try_get(3)?,
        category: r.try_get(4)?,
        description: r.try_get(5)?,
        starts_at: r.try_get(6)?,
        ends_at: r.try_get(7)?,
        capacity: r.try_get(8)?,
        skills: serde_json::from_str(&skills).unwrap_or_default(),
        organiser: r.try_get(10)?,
        cancelled: cancelled.is_some(),
        enrolled: r.try_get(12)?,
    })
}

const ATTENDANCE: &str = "SELECT t.activity_id, t.user_name, COALESCE(u.display_name, u.name, t.user_name), \
     t.in_minute, t.out_minute, t.minutes, t.date, t.document_id, t.entry_id, ve.status \
     FROM activity_attendance t \
     LEFT JOIN users u ON u.name = t.user_name \
     LEFT JOIN p_volunteer_entries ve ON ve.document_id = t.document_id AND ve.entry_id = t.entry_id";

fn attendance(r: &sqlx::any::AnyRow) -> Result<AttendanceRow, sqlx::Error> {
    Ok(AttendanceRow {
        activity_id: r.try_get(0)?,
        user: r.try_get(1)?,
        name: r.try_get(2)?,
        in_minute: r.try_get(3)?,
        out_minute: r.try_get(4)?,
        minutes: r.try_get(5)?,
        date: r.try_get(6)?,
        document_id: r.try_get(7)?,
        entry_id: r.try_get(8)?,
        entry_status: r.try_get(9)?,
    })
}

impl Store {
    /// Publishes an activity.
    pub async fn create_activity(&self, a: &NewActivity<'_>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO activities (id, org, title, place, category, description, starts_at, \
             ends_at, capacity, skills, organiser, checkin_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(a.id)
        .bind(a.org)
        .bind(a.title)
        .bind(a.place)
        .bind(a.category)
        .bind(a.description)
        .bind(a.starts_at)
        .bind(a.ends_at)
        .bind(a.capacity)
        .bind(serde_json::to_string(a.skills).unwrap_or_else(|_| "[]".into()))
        .bind(a.organiser)
        .bind(a.checkin_key)
        .bind(now_ms())
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    /// One activity, by id.
    pub async fn activity(&self, id: &str) -> Result<Option<ActivityRow>, sqlx::Error> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM activities a WHERE a.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(row).transpose()
    }

    /// An activity's check-in key (hex).
    pub async fn activity_key(&self, id: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT checkin_key FROM activities WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
    }

    /// The activities published in `scope` or under it that end after `ended_after` (ms),
    /// soonest first, at most `limit`.
    pub async fn activities_in(
        &self,
        scope: &str,
        ended_after: i64,
        limit: i64,
    ) -> Result<Vec<ActivityRow>, sqlx::Error> {
        let (under, past) = scope_bounds(scope);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM activities a WHERE {} AND a.ends_at > $4 \
             ORDER BY a.starts_at, a.id LIMIT $5",
            in_scope("a.org")
        ))
        .bind(scope)
        .bind(&under)
        .bind(&past)
        .bind(ended_after)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row).collect()
    }

    /// The activities published for units that hold `units` (a volunteer's community and
    /// the units above it) that end after `ended_after`, soonest first, at most `limit`.
    pub async fn activities_for(
        &self,
        units: &[String],
        ended_after: i64,
        limit: i64,
    ) -> Result<Vec<ActivityRow>, sqlx::Error> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..units.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM activities a WHERE a.ends_at > $1 AND a.org IN ({}) \
             ORDER BY a.starts_at, a.id LIMIT $2",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(ended_after).bind(limit);
        for u in units {
            q = q.bind(u);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(row).collect()
    }

    /// Enrols `user`, within the activity's capacity (checked in the same statement, so two
    /// volunteers taking the last place at once do not both get it). Enrolling again is no
    /// change.
    pub async fn enrol(
        &self,
        activity: &str,
        user: &str,
    ) -> Result<Result<(), EnrolRefusal>, sqlx::Error> {
        let done = sqlx::query(
            "INSERT INTO activity_enrolments (activity_id, user_name, enrolled_at) \
             SELECT a.id, $2, $3 FROM activities a WHERE a.id = $1 AND (a.capacity = 0 OR \
             (SELECT COUNT(*) FROM activity_enrolments e WHERE e.activity_id = a.id) < a.capacity) \
             AND NOT EXISTS (SELECT 1 FROM activity_enrolments e WHERE e.activity_id = $1 AND e.user_name = $2)",
        )
        .bind(activity)
        .bind(user)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 1 || self.is_enrolled(activity, user).await? {
            Ok(Ok(()))
        } else {
            Ok(Err(EnrolRefusal::Full))
        }
    }

    /// Takes `user` off the activity's list.
    pub async fn withdraw(&self, activity: &str, user: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM activity_enrolments WHERE activity_id = $1 AND user_name = $2")
            .bind(activity)
            .bind(user)
            .execute(self.pool())
            .await
            .map(|_| ())
    }

    pub async fn is_enrolled(&self, activity: &str, user: &str) -> Result<bool, sqlx::Error> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM activity_enrolments WHERE activity_id = $1 AND user_name = $2",
        )
        .bind(activity)
        .bind(user)
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }

    /// The activities `user` enrolled in.
    pub async fn enrolments_of(&self, user: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT activity_id FROM activity_enrolments WHERE user_name = $1")
            .bind(user)
            .fetch_all(self.pool())
            .await
    }

    /// Who enrolled in an activity, in the order they did.
    pub async fn enrolments(&self, activity: &str) -> Result<Vec<EnrolmentRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT e.user_name, COALESCE(u.display_name, u.name, e.user_name), s.volunteer_number, e.enrolled_at \
             FROM activity_enrolments e \
             LEFT JOIN users u ON u.name = e.user_name \
             LEFT JOIN volunteer_signups s ON s.login = e.user_name AND s.status = 'approved' \
             WHERE e.activity_id = $1 ORDER BY e.enrolled_at, e.user_name",
        )
        .bind(activity)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EnrolmentRow {
                    user: r.try_get(0)?,
                    name: r.try_get(1)?,
                    volunteer_number: r.try_get(2)?,
                    enrolled_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Records a credited attendance.
    pub async fn record_attendance(&self, a: &AttendanceRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO activity_attendance (activity_id, user_name, in_minute, out_minute, \
             minutes, date, document_id, entry_id, credited_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&a.activity_id)
        .bind(&a.user)
        .bind(a.in_minute)
        .bind(a.out_minute)
        .bind(a.minutes)
        .bind(&a.date)
        .bind(&a.document_id)
        .bind(&a.entry_id)
        .bind(now_ms())
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    /// The attendance credited at an activity, in the order volunteers checked in.
    pub async fn attendance(&self, activity: &str) -> Result<Vec<AttendanceRow>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "{ATTENDANCE} WHERE t.activity_id = $1 ORDER BY t.in_minute, t.user_name"
        ))
        .bind(activity)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(attendance).collect()
    }

    /// A volunteer's credited attendance at each activity.
    pub async fn attendance_of(&self, user: &str) -> Result<Vec<AttendanceRow>, sqlx::Error> {
        let rows = sqlx::query(&format!("{ATTENDANCE} WHERE t.user_name = $1"))
            .bind(user)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(attendance).collect()
    }
}
