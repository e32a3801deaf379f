//! Org units, users, devices, refresh tokens, actor bindings, emergency grants and the audit
//! log.

use sqlx::Row;

use super::Store;
use crate::clock::now_ms;

/// A user as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub name: String,
    pub role: String,
    pub org: String,
    pub password_hash: Option<String>,
    /// When the user was disabled (ms since the epoch): no login, no token is accepted.
    pub disabled_at: Option<i64>,
}

impl UserRow {
    /// Whether the user was disabled.
    pub fn disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// A device as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: String,
    pub user_name: String,
    pub name: String,
    /// When it was revoked (milliseconds since the epoch), if it was.
    pub revoked_at: Option<i64>,
}

impl DeviceRow {
    /// Whether the device was revoked.
    pub fn revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// Valid and now used up: issue a new pair for this device.
    Fresh { device_id: String },
    /// Already used once: someone replayed it. The device must be revoked.
    Reused { device_id: String },
    /// Its device is revoked: the device must erase its local data.
    Revoked { device_id: String },
    /// Unknown or expired.
    Invalid,
}

impl Store {
    /// Creates an org unit (idempotent).
    pub async fn add_org(&self, path: &str, name: &str) -> Result<bool, sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        let r = sqlx::query("INSERT INTO org_units (path, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (path) DO NOTHING")
                .bind(path).bind(name).bind(now).execute(pool).await?;
        Ok(r.rows_affected() == 1)
    }

    /// Org units, by path.
    pub async fn orgs(&self) -> Result<Vec<(String, String)>, sqlx::Error> {
        let pool = self.pool();
        let rows = sqlx::query("SELECT path, name FROM org_units ORDER BY path")
            .fetch_all(pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("path")?, r.try_get("name")?)))
            .collect()
    }

    /// Creates a user (`display_name`: the name others see, if not the login name); false if
    /// the name is taken.
    pub async fn add_user(
        &self,
        name: &str,
        role: &str,
        org: &str,
        password_hash: Option<&str>,
        display_name: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        let r = sqlx::query(
                "INSERT INTO users (name, role, org, password_hash, created_at, display_name) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name).bind(role).bind(org).bind(password_hash).bind(now).bind(display_name)
            .execute(pool).await?;
        Ok(r.rows_affected() == 1)
    }

    /// Looks a user up by name.
    pub async fn user(&self, name: &str) -> Result<Option<UserRow>, sqlx::Error> {
        let pool = self.pool();
        let row = sqlx::query(
            "SELECT name, role, org, password_hash, disabled_at FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(pool)
        .await?;
        row.map(|r| {
            Ok(UserRow {
                name: r.try_get("name")?,
                role: r.try_get("role")?,
                org: r.try_get("org")?,
                password_hash: r.try_get("password_hash")?,
                disabled_at: r.try_get("disabled_at")?,
            })
        })
        .transpose()
    }

    /// Registers a device for a user; returns its id.
    pub async fn add_device(&self, user: &str, name: &str) -> Result<String, sqlx::Error> {
        let id = format!("dev-{:024x}", rand::random::<u128>() >> 32);
        let now = now_ms();
        let pool = self.pool();
        sqlx::query(
            "INSERT INTO devices (id, user_name, name, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(user)
        .bind(name)
        .bind(now)
        .execute(pool)
        .await?;
        Ok(id)
    }

    /// Looks a device up.
    pub async fn device(&self, id: &str) -> Result<Option<DeviceRow>, sqlx::Error> {
        let pool = self.pool();
        sqlx::query_as("SELECT id, user_name, name, revoked_at FROM devices WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    }

    /// A user's devices.
    pub async fn devices_of(&self, user: &str) -> Result<Vec<DeviceRow>, sqlx::Error> {
        let pool = self.pool();
        sqlx::query_as("SELECT id, user_name, name, revoked_at FROM devices WHERE user_name = $1 ORDER BY created_at")
                .bind(user).fetch_all(pool).await
    }

    /// Revokes a device: its tokens stop working. Returns false if it was unknown.
    pub async fn revoke_device(&self, id: &str) -> Result<bool, sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        let r =
            sqlx::query("UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(pool)
                .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Devices revoked at or after `since_ms` (for ending their live connections).
    pub async fn revoked_since(&self, since_ms: i64) -> Result<Vec<String>, sqlx::Error> {
        let pool = self.pool();
        sqlx::query_scalar("SELECT id FROM devices WHERE revoked_at >= $1")
            .bind(since_ms)
            .fetch_all(pool)
            .await
    }

    /// Stores a refresh token's hash for a device.
    pub async fn add_refresh_token(
        &self,
        token_hash: &str,
        device_id: &str,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        sqlx::query("INSERT INTO refresh_tokens (token_hash, device_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash).bind(device_id).bind(now).bind(expires_at)
                .execute(pool).await.map(|_| ())
    }

    /// Uses up a refresh token, atomically: a second use is reported as reuse.
    pub async fn use_refresh_token(&self, token_hash: &str) -> Result<RefreshUse, sqlx::Error> {
        let now = now_ms();

        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT r.device_id, r.expires_at, r.used_at, d.revoked_at FROM refresh_tokens r \
                 JOIN devices d ON d.id = r.device_id WHERE r.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(RefreshUse::Invalid);
        };
        let device_id: String = row.try_get("device_id")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        let used: Option<i64> = row.try_get("used_at")?;
        let revoked: Option<i64> = row.try_get("revoked_at")?;
        if revoked.is_some() {
            return Ok(RefreshUse::Revoked { device_id });
        }
        if used.is_some() {
            return Ok(RefreshUse::Reused { device_id });
        }
        if expires_at < now {
            return Ok(RefreshUse::Invalid);
        }
        let r = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(if r.rows_affected() == 1 {
            RefreshUse::Fresh { device_id }
        } else {
            RefreshUse::Reused { device_id }
        })
    }

    /// The devices each actor of a document is bound to (actor hex → device id).
    pub async fn actor_bindings(
        &self,
        document_id: &str,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        let pool = self.pool();
        let rows =
            sqlx::query("SELECT actor, device_id FROM actor_bindings WHERE document_id = $1")
                .bind(document_id)
                .fetch_all(pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("actor")?, r.try_get("device_id")?)))
            .collect()
    }

    /// Grants temporary read access to `org` ("break the glass").
    pub async fn add_grant(
        &self,
        user: &str,
        org: &str,
        reason: &str,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        sqlx::query("INSERT INTO emergency_grants (user_name, org, reason, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(user).bind(org).bind(reason).bind(now).bind(expires_at)
                .execute(pool).await.map(|_| ())
    }

    /// Every unexpired emergency grant: (user, org, reason, granted_at, expires_at).
    pub async fn active_grants_all(
        &self,
    ) -> Result<Vec<(String, String, String, i64, i64)>, sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        let rows = sqlx::query("SELECT user_name, org, reason, granted_at, expires_at FROM emergency_grants WHERE expires_at > $1 ORDER BY id")
                .bind(now).fetch_all(pool).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("user_name")?,
                    r.try_get("org")?,
                    r.try_get("reason")?,
                    r.try_get("granted_at")?,
                    r.try_get("expires_at")?,
                ))
            })
            .collect()
    }

    /// Org paths a user has unexpired emergency read access to.
    pub async fn active_grants(&self, user: &str) -> Result<Vec<String>, sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        sqlx::query_scalar(
            "SELECT org FROM emergency_grants WHERE user_name = $1 AND expires_at > $2",
        )
        .bind(user)
        .bind(now)
        .fetch_all(pool)
        .await
    }

    /// Appends to the audit log.
    pub async fn audit(
        &self,
        actor: Option<&str>,
        action: &str,
        subject: Option<&str>,
        detail: Option<&str>,
        address: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        sqlx::query("INSERT INTO audit_log (at, actor, action, subject, detail, address) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(now).bind(actor).bind(action).bind(subject).bind(detail).bind(address)
                .execute(pool).await.map(|_| ())
    }

    /// The audit log's actions and subjects, oldest first (for operators and tests).
    pub async fn audit_entries(
        &self,
    ) -> Result<Vec<(String, Option<String>, Option<String>)>, sqlx::Error> {
        let pool = self.pool();
        let rows = sqlx::query("SELECT action, actor, subject FROM audit_log ORDER BY id")
            .fetch_all(pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("action")?,
                    r.try_get("actor")?,
                    r.try_get("subject")?,
                ))
            })
            .collect()
    }
}
