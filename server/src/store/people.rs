//! Administration of people and units (issue #19): users listed, changed, disabled and
//! enabled, passwords reset; org units renamed, closed and reopened; devices listed with when
//! they last connected.

use super::Store;
use crate::clock::now_ms;

/// A user as an administrator lists them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UserListing {
    pub name: String,
    pub display_name: Option<String>,
    pub role: String,
    pub org: String,
    /// When the user was disabled (ms since the epoch), if they are.
    pub disabled_at: Option<i64>,
    /// Whether the user can log in with a password (else only with operator tokens).
    pub has_password: bool,
    /// Devices not revoked.
    pub devices: i64,
    /// When one of their devices last connected to sync (ms), if ever.
    pub last_seen_at: Option<i64>,
}

/// A device as an administrator lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DeviceListing {
    pub id: String,
    pub user_name: String,
    /// The name given at login ("王芳的手机").
    pub name: String,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// An org unit as an administrator lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct OrgListing {
    pub path: String,
    pub name: String,
    pub closed_at: Option<i64>,
}

/// A [`UserListing`] as the database answers it (booleans are integers in SQLite).
#[derive(sqlx::FromRow)]
struct UserRowListed {
    name: String,
    display_name: Option<String>,
    role: String,
    org: String,
    disabled_at: Option<i64>,
    has_password: i64,
    devices: i64,
    last_seen_at: Option<i64>,
}

/// What a change of a user sets (`None`: left as it is).
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<String>,
    pub org: Option<String>,
    pub display_name: Option<String>,
}

/// The prefix bound beside a scope: `scope/`, or nothing for every unit (`""`).
fn under(scope: &str) -> String {
    if scope.is_empty() {
        String::new()
    } else {
        format!("{scope}/")
    }
}

/// `col` at or under `$n` (the unit itself, or `$n/` as a prefix at `$m`).
fn at_or_under(col: &str, unit: usize, prefix: usize) -> String {
    format!("({col} = ${unit} OR substr({col}, 1, length(${prefix})) = ${prefix})")
}

impl Store {
    /// Users whose unit is `scope` or under it (`""`: everyone), by unit and name.
    pub async fn users_in(&self, scope: &str) -> Result<Vec<UserListing>, sqlx::Error> {
        let sql = format!(
            "SELECT u.name, u.display_name, u.role, u.org, u.disabled_at, \
                    CASE WHEN u.password_hash IS NULL THEN 0 ELSE 1 END AS has_password, \
                    (SELECT COUNT(*) FROM devices d WHERE d.user_name = u.name AND d.revoked_at IS NULL) AS devices, \
                    (SELECT MAX(d.last_seen_at) FROM devices d WHERE d.user_name = u.name) AS last_seen_at \
             FROM users u WHERE {} ORDER BY u.org, u.name",
            at_or_under("u.org", 1, 2)
        );
        let rows: Vec<UserRowListed> = sqlx::query_as(&sql)
            .bind(scope)
            .bind(under(scope))
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| UserListing {
                name: r.name,
                display_name: r.display_name,
                role: r.role,
                org: r.org,
                disabled_at: r.disabled_at,
                has_password: r.has_password != 0,
                devices: r.devices,
                last_seen_at: r.last_seen_at,
            })
            .collect())
    }

    /// Changes a user's role, unit or shown name, and notes when (their devices reconnect to
    /// learn the new scope); false when there is no such user.
    pub async fn change_user(&self, name: &str, change: &UserChange) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE users SET role = COALESCE($1, role), org = COALESCE($2, org), \
             display_name = COALESCE($3, display_name), changed_at = $4 WHERE name = $5",
        )
        .bind(change.role.as_deref())
        .bind(change.org.as_deref())
        .bind(change.display_name.as_deref())
        .bind(now_ms())
        .bind(name)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Sets a user's password hash; false when there is no such user.
    pub async fn set_password_hash(&self, name: &str, hash: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("UPDATE users SET password_hash = $1 WHERE name = $2")
            .bind(hash)
            .bind(name)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Disables or enables a user; false when there is no such user.
    pub async fn set_user_disabled(&self, name: &str, disabled: bool) -> Result<bool, sqlx::Error> {
        let now = now_ms();
        let r = sqlx::query(
            "UPDATE users SET disabled_at = CASE WHEN $1 THEN COALESCE(disabled_at, $2) ELSE NULL END, \
             changed_at = $2 WHERE name = $3",
        )
        .bind(disabled)
        .bind(now)
        .bind(name)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Devices (not revoked) of users changed or disabled at or after `since_ms`, with when
    /// their user changed: their connections from before then end, so that they reconnect
    /// under what the user is now.
    pub async fn devices_of_users_changed_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<(String, i64)>, sqlx::Error> {
        sqlx::query_as(
            "SELECT d.id, u.changed_at FROM devices d JOIN users u ON u.name = d.user_name \
             WHERE u.changed_at >= $1 AND d.revoked_at IS NULL",
        )
        .bind(since_ms)
        .fetch_all(self.pool())
        .await
    }

    /// Notes that a device connected to sync now.
    pub async fn device_seen(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await
            .map(|_| ())
    }

    /// Devices of users whose unit is `scope` or under it (or of `user` alone), newest first.
    pub async fn devices_in(
        &self,
        scope: &str,
        user: Option<&str>,
    ) -> Result<Vec<DeviceListing>, sqlx::Error> {
        let sql = format!(
            "SELECT d.id, d.user_name, d.name, d.created_at, d.last_seen_at, d.revoked_at \
             FROM devices d JOIN users u ON u.name = d.user_name \
             WHERE {} AND (CAST($3 AS TEXT) IS NULL OR d.user_name = $3) ORDER BY d.created_at DESC LIMIT 2000",
            at_or_under("u.org", 1, 2)
        );
        sqlx::query_as(&sql)
            .bind(scope)
            .bind(under(scope))
            .bind(user)
            .fetch_all(self.pool())
            .await
    }

    /// Org units at or under `scope`, by path, with whether they are closed.
    pub async fn orgs_in(&self, scope: &str) -> Result<Vec<OrgListing>, sqlx::Error> {
        let sql = format!(
            "SELECT path, name, closed_at FROM org_units WHERE {} ORDER BY path",
            at_or_under("path", 1, 2)
        );
        sqlx::query_as(&sql)
            .bind(scope)
            .bind(under(scope))
            .fetch_all(self.pool())
            .await
    }

    /// One org unit.
    pub async fn org(&self, path: &str) -> Result<Option<OrgListing>, sqlx::Error> {
        sqlx::query_as("SELECT path, name, closed_at FROM org_units WHERE path = $1")
            .bind(path)
            .fetch_optional(self.pool())
            .await
    }

    /// Renames an org unit; false when there is none.
    pub async fn rename_org(&self, path: &str, name: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("UPDATE org_units SET name = $1 WHERE path = $2")
            .bind(name)
            .bind(path)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Closes or reopens an org unit; false when there is none.
    pub async fn set_org_closed(&self, path: &str, closed: bool) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE org_units SET closed_at = CASE WHEN $1 THEN COALESCE(closed_at, $2) ELSE NULL END WHERE path = $3",
        )
        .bind(closed)
        .bind(now_ms())
        .bind(path)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Households (not merged away) registered under a duplicate-check key.
    pub async fn households_with_key(&self, key: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT document_id FROM p_households WHERE dedup_key = $1 AND merged_into IS NULL ORDER BY document_id",
        )
        .bind(key)
        .fetch_all(self.pool())
        .await
    }

    /// How many users (not disabled) have their unit at or under `path`.
    pub async fn active_users_under(&self, path: &str) -> Result<i64, sqlx::Error> {
        let sql = format!(
            "SELECT COUNT(*) FROM users WHERE disabled_at IS NULL AND {}",
            at_or_under("org", 1, 2)
        );
        sqlx::query_scalar(&sql)
            .bind(path)
            .bind(under(path))
            .fetch_one(self.pool())
            .await
    }
}
