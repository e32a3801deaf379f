//! Residents' sign-ups as volunteers and their approval (migration 0019): an approved sign-up
//! is the volunteer's registration, with their volunteer number and the user made for them.

use sqlx::Row;

use super::Store;
use crate::clock::now_ms;
use crate::indicators::{in_scope, scope_bounds};
use crate::volunteer_signup::CheckedSignUp;

/// A sign-up as stored (the password hash is never read out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpRow {
    pub id: String,
    pub community: String,
    pub name: String,
    pub phone: String,
    pub id_type: String,
    pub id_number: String,
    pub skills: Vec<String>,
    pub availability: Vec<String>,
    pub login: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub submitted_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
    pub volunteer_number: Option<String>,
}

const COLUMNS: &str =
    "id, community, name, phone, id_type, id_number, skills, availability, login, \
     status, submitted_at, decided_by, decided_at, decision_note, volunteer_number";

fn row(r: &sqlx::any::AnyRow) -> Result<SignUpRow, sqlx::Error> {
    let list = |s: String| -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    Ok(SignUpRow {
        id: r.try_get("id")?,
        community: r.try_get("community")?,
        name: r.try_get("name")?,
        phone: r.try_get("phone")?,
        id_type: r.try_get("id_type")?,
        id_number: r.try_get("id_number")?,
        skills: list(r.try_get("skills")?),
        availability: list(r.try_get("availability")?),
        login: r.try_get("login")?,
        status: r.try_get("status")?,
        submitted_at: r.try_get("submitted_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        decision_note: r.try_get("decision_note")?,
        volunteer_number: r.try_get("volunteer_number")?,
    })
}

/// How an approval went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// The volunteer's number; their account exists now.
    Approved(String),
    /// The sign-up is not pending (decided already).
    NotPending,
    /// Someone took the login meanwhile.
    LoginTaken,
}

impl Store {
    /// The communities (org units three deep) that are not closed, by path.
    pub async fn open_communities(&self) -> Result<Vec<(String, String)>, sqlx::Error> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT path, name FROM org_units WHERE closed_at IS NULL ORDER BY path",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(path, _)| path.split('/').count() == 3)
            .collect())
    }

    /// Stores a pending sign-up; `id` is new.
    pub async fn add_signup(
        &self,
        id: &str,
        s: &CheckedSignUp,
        password_hash: &str,
    ) -> Result<(), sqlx::Error> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO volunteer_signups (id, community, name, phone, id_type, id_number, skills, \
             availability, consent_at, login, password_hash, status, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $9)",
        )
        .bind(id)
        .bind(&s.community)
        .bind(&s.name)
        .bind(&s.phone)
        .bind(&s.id_type)
        .bind(&s.id_number)
        .bind(s.skills.join(","))
        .bind(s.availability.join(","))
        .bind(now)
        .bind(&s.login)
        .bind(password_hash)
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    /// Whether a pending or approved sign-up holds this ID document already.
    pub async fn signup_with_id(&self, id_type: &str, number: &str) -> Result<bool, sqlx::Error> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM volunteer_signups WHERE id_type = $1 AND id_number = $2 \
             AND status IN ('pending', 'approved')",
        )
        .bind(id_type)
        .bind(number)
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }

    /// Whether a login is a user's or a pending sign-up's already.
    pub async fn login_taken(&self, login: &str) -> Result<bool, sqlx::Error> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM users WHERE name = $1) + \
             (SELECT COUNT(*) FROM volunteer_signups WHERE login = $1 AND status = 'pending')",
        )
        .bind(login)
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }

    /// The sign-ups of communities at or under `scope` with `status`, newest first.
    pub async fn signups_in(
        &self,
        scope: &str,
        status: &str,
    ) -> Result<Vec<SignUpRow>, sqlx::Error> {
        let (under, past) = scope_bounds(scope);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM volunteer_signups WHERE {} AND status = $4 \
             ORDER BY submitted_at DESC, id LIMIT 500",
            in_scope("community")
        ))
        .bind(scope)
        .bind(&under)
        .bind(&past)
        .bind(status)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row).collect()
    }

    /// One sign-up.
    pub async fn signup(&self, id: &str) -> Result<Option<SignUpRow>, sqlx::Error> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM volunteer_signups WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(row).transpose()
    }

    /// The approved registration of the volunteer logging in as `login`.
    pub async fn registration_of(&self, login: &str) -> Result<Option<SignUpRow>, sqlx::Error> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM volunteer_signups WHERE login = $1 AND status = 'approved'"
        ))
        .bind(login)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(row).transpose()
    }

    /// Approves a pending sign-up as `by`: in one transaction, the volunteer's user (role
    /// volunteer, in the community, with the password they chose) and their number, the
    /// next of the year (`V2026000001`). Two nodes approving at once may pick the same
    /// number: the second is refused by the unique column and tries again.
    pub async fn approve_signup(
        &self,
        id: &str,
        by: &str,
        year: &str,
    ) -> Result<Approval, sqlx::Error> {
        let mut tries = 0;
        loop {
            match self.try_approve_signup(id, by, year).await {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && tries < 5 => {
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    async fn try_approve_signup(
        &self,
        id: &str,
        by: &str,
        year: &str,
    ) -> Result<Approval, sqlx::Error> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let Some(r) = sqlx::query(
            "SELECT login, name, community, password_hash FROM volunteer_signups \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(Approval::NotPending);
        };
        let (login, name, community, hash): (String, String, String, String) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        let created = sqlx::query(
            "INSERT INTO users (name, role, org, password_hash, created_at, display_name) \
             VALUES ($1, 'volunteer', $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&login)
        .bind(&community)
        .bind(&hash)
        .bind(now)
        .bind(&name)
        .execute(&mut *tx)
        .await?;
        if created.rows_affected() != 1 {
            return Ok(Approval::LoginTaken);
        }
        let prefix = format!("V{year}");
        let last: Option<String> = sqlx::query_scalar(
            "SELECT MAX(volunteer_number) FROM volunteer_signups \
             WHERE substr(volunteer_number, 1, 5) = $1",
        )
        .bind(&prefix)
        .fetch_one(&mut *tx)
        .await?;
        let next = last
            .and_then(|n| n.get(5..).and_then(|s| s.parse::<u64>().ok()))
            .unwrap_or(0)
            + 1;
        let number = format!("{prefix}{next:06}");
        sqlx::query(
            "UPDATE volunteer_signups SET status = 'approved', decided_by = $2, decided_at = $3, \
             volunteer_number = $4, password_hash = '' WHERE id = $1",
        )
        .bind(id)
        .bind(by)
        .bind(now)
        .bind(&number)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Approval::Approved(number))
    }

    /// Rejects a pending sign-up as `by`, with why; false when it is not pending.
    pub async fn reject_signup(&self, id: &str, by: &str, note: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE volunteer_signups SET status = 'rejected', decided_by = $2, decided_at = $3, \
             decision_note = $4, password_hash = '' WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(by)
        .bind(now_ms())
        .bind(note)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
