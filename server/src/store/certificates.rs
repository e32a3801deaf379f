//! Certificates of volunteer service (migration 0020): asked for by a volunteer, issued by a
//! supervisor of their community with the content kept as issued.

use sqlx::Row;

use super::Store;
use crate::clock::now_ms;
use crate::indicators::{in_scope, scope_bounds};

/// A certificate or a request for one, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRow {
    pub id: String,
    pub number: Option<String>,
    pub user: String,
    pub community: String,
    /// `requested` or `issued`.
    pub status: String,
    pub requested_at: i64,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub purpose: String,
    pub issued_by: Option<String>,
    pub issued_on: Option<String>,
    /// The certificate as issued (JSON).
    pub content: Option<String>,
}

const COLUMNS: &str = "id, number, user_name, community, status, requested_at, period_from, \
     period_to, purpose, issued_by, issued_on, content";

fn row(r: &sqlx::any::AnyRow) -> Result<CertificateRow, sqlx::Error> {
    Ok(CertificateRow {
        id: r.try_get(0)?,
        number: r.try_get(1)?,
        user: r.try_get(2)?,
        community: r.try_get(3)?,
        status: r.try_get(4)?,
        requested_at: r.try_get(5)?,
        period_from: r.try_get(6)?,
        period_to: r.try_get(7)?,
        purpose: r.try_get(8)?,
        issued_by: r.try_get(9)?,
        issued_on: r.try_get(10)?,
        content: r.try_get(11)?,
    })
}

/// One approved stretch of service, as a certificate lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub date: String,
    pub activity: String,
    pub category: String,
    pub minutes: i64,
}

impl Store {
    /// The name a user is shown by (their display name, else their login).
    pub async fn shown_name(&self, user: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT COALESCE(display_name, name) FROM users WHERE name = $1")
            .bind(user)
            .fetch_optional(self.pool())
            .await
    }

    /// Records a volunteer's request for a certificate.
    pub async fn request_certificate(
        &self,
        id: &str,
        user: &str,
        community: &str,
        period: (Option<&str>, Option<&str>),
        purpose: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO certificates (id, user_name, community, status, requested_at, \
             period_from, period_to, purpose) VALUES ($1, $2, $3, 'requested', $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(user)
        .bind(community)
        .bind(now_ms())
        .bind(period.0)
        .bind(period.1)
        .bind(purpose)
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    /// One certificate or request, by id.
    pub async fn certificate(&self, id: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
        let r = sqlx::query(&format!("SELECT {COLUMNS} FROM certificates WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(row).transpose()
    }

    /// An issued certificate, by its number.
    pub async fn certificate_numbered(
        &self,
        number: &str,
    ) -> Result<Option<CertificateRow>, sqlx::Error> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificates WHERE number = $1 AND status = 'issued'"
        ))
        .bind(number)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(row).transpose()
    }

    /// A volunteer's certificates and requests, newest first.
    pub async fn certificates_of(&self, user: &str) -> Result<Vec<CertificateRow>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificates WHERE user_name = $1 ORDER BY requested_at DESC, id"
        ))
        .bind(user)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row).collect()
    }

    /// The certificates with `status` of communities at or under `scope`, newest first.
    pub async fn certificates_in(
        &self,
        scope: &str,
        status: &str,
    ) -> Result<Vec<CertificateRow>, sqlx::Error> {
        let (under, past) = scope_bounds(scope);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificates WHERE {} AND status = $4 \
             ORDER BY requested_at DESC, id LIMIT 500",
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

    /// The approved service of `user`, by date, within the days given (both included).
    pub async fn approved_service(
        &self,
        user: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<Service>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT date, activity, category, minutes FROM p_volunteer_entries \
             WHERE user_name = $1 AND status = 'approved' AND date >= $2 AND date <= $3 \
             ORDER BY date, entry_id",
        )
        .bind(user)
        .bind(from.unwrap_or(""))
        .bind(to.unwrap_or("9999-12-31"))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Service {
                    date: r.try_get(0)?,
                    activity: r.try_get(1)?,
                    category: r.try_get(2)?,
                    minutes: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Issues a requested certificate: its number, who issued it, the day, and the content
    /// as issued. False when it is not a request (issued already).
    pub async fn issue_certificate(
        &self,
        id: &str,
        number: &str,
        by: &str,
        on: &str,
        content: &str,
    ) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE certificates SET status = 'issued', number = $2, issued_by = $3, \
             issued_at = $4, issued_on = $5, content = $6 WHERE id = $1 AND status = 'requested'",
        )
        .bind(id)
        .bind(number)
        .bind(by)
        .bind(now_ms())
        .bind(on)
        .bind(content)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
