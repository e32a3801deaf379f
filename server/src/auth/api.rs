//! `POST /api/login`, `POST /api/refresh` and `POST /api/emergency-access`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::Json;
use linli_sync_core::contract::OrgPath;
use serde::{Deserialize, Serialize};

use super::extract::{Caller, Reviewer, Supervisor};
use super::{access_token, new_refresh_token, refresh_hash};
use crate::clock::now_ms;
use crate::error::AppError;
use crate::store::RefreshUse;
use crate::AppState;

/// Longest emergency access a supervisor may ask for.
const MAX_EMERGENCY_HOURS: i64 = 8;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub name: String,
    pub password: String,
    pub device_name: String,
}

/// Longest user name, password and device name a login may carry (checked before anything
/// is looked up, rate-limited or audited).
const MAX_NAME_CHARS: usize = 64;
const MAX_PASSWORD_BYTES: usize = 1024;
const MAX_DEVICE_NAME_CHARS: usize = 200;

impl LoginRequest {
    fn check(&self) -> Result<(), AppError> {
        if self.name.is_empty() || self.name.chars().count() > MAX_NAME_CHARS {
            return Err(AppError::BadRequest(format!(
                "name: 1 to {MAX_NAME_CHARS} characters"
            )));
        }
        if self.password.len() > MAX_PASSWORD_BYTES {
            return Err(AppError::BadRequest(format!(
                "password: at most {MAX_PASSWORD_BYTES} bytes"
            )));
        }
        if self.device_name.chars().count() > MAX_DEVICE_NAME_CHARS {
            return Err(AppError::BadRequest(format!(
                "device_name: at most {MAX_DEVICE_NAME_CHARS} characters"
            )));
        }
        Ok(())
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A fresh pair of tokens.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
    pub user: String,
    pub role: String,
    pub org: String,
    pub device: String,
    /// The deployment the tokens belong to (its storage id, the same on every node of one
    /// database): a client may use them with any server that names the same deployment.
    pub deployment: String,
}

/// Which deployment a server belongs to.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Deployment {
    /// The storage id, the same on every node of one database.
    pub deployment: String,
}

/// `GET /api/deployment`: which deployment this server belongs to, so that a client logged
/// in through one node knows its session is good on another (no token needed: the storage id
/// is what every sync peer is told anyway).
#[utoipa::path(get, path = "/api/deployment", tag = "auth", responses((status = 200, body = Deployment)))]
pub async fn deployment(State(app): State<AppState>) -> Json<Deployment> {
    Json(Deployment {
        deployment: app.storage_id.clone(),
    })
}

/// Who the caller is now: their role and unit as they stand (an administrator may have
/// changed them since the access token was issued).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: String,
    pub role: String,
    pub org: String,
    pub device: String,
}

/// `GET /api/me`: the caller's role and unit now, so that a device learns a new scope.
#[utoipa::path(get, path = "/api/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = Me), (status = 401), (status = 403, description = "the account is disabled")))]
pub async fn me(Caller(who): Caller) -> Json<Me> {
    Json(Me {
        user: who.user,
        role: who.role.as_str().to_owned(),
        org: who.org.to_string(),
        device: who.device,
    })
}

/// Logs a user in on a new device.
#[utoipa::path(post, path = "/api/login", tag = "auth", request_body = LoginRequest, responses((status = 200, body = TokenPair), (status = 401, description = "wrong name or password"), (status = 429, description = "too many attempts")))]
pub async fn login(
    State(app): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<TokenPair>, AppError> {
    req.check()?;
    let store = &app.store;
    let address = addr.ip().to_string();
    if !app.limiter.allow(&req.name, addr.ip()) {
        store
            .audit(
                Some(&req.name),
                "login_rate_limited",
                None,
                None,
                Some(&address),
            )
            .await?;
        return Err(AppError::TooManyRequests);
    }
    let user = store.user(&req.name).await?;
    // Unknown names and users without a password are checked against a dummy hash: the
    // answer takes as long as for a real name (timing must not tell which names exist).
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let (checker, pw) = (app.passwords.clone(), req.password.clone());
    let ok = tokio::task::spawn_blocking(move || checker.check(&pw, stored.as_deref()))
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|_| ok) else {
        store
            .audit(Some(&req.name), "login_failed", None, None, Some(&address))
            .await?;
        return Err(AppError::Unauthorized);
    };
    if user.disabled() {
        store
            .audit(
                Some(&user.name),
                "login_disabled",
                None,
                None,
                Some(&address),
            )
            .await?;
        return Err(AppError::AccountDisabled);
    }
    let device_name: String = req.device_name.chars().take(100).collect();
    let device = store.add_device(&user.name, &device_name).await?;
    store
        .audit(
            Some(&user.name),
            "login",
            Some(&device),
            Some(&device_name),
            Some(&address),
        )
        .await?;
    Ok(Json(
        pair(&app, &user.name, &user.role, &user.org, &device).await?,
    ))
}

async fn pair(
    app: &AppState,
    user: &str,
    role: &str,
    org: &str,
    device: &str,
) -> Result<TokenPair, AppError> {
    let (access, exp) = access_token(
        &app.keys,
        user,
        role,
        org,
        device,
        app.config.access_ttl_secs as i64,
    );
    let refresh = new_refresh_token(&app.store, device).await?;
    Ok(TokenPair {
        access_token: access,
        refresh_token: refresh,
        expires_at: exp,
        user: user.into(),
        role: role.into(),
        org: org.into(),
        device: device.into(),
        deployment: app.storage_id.clone(),
    })
}

/// Rotates a refresh token. Presenting one that was already used revokes its device: either
/// the device or a thief has a copy, and we cannot tell which.
#[utoipa::path(post, path = "/api/refresh", tag = "auth", request_body = RefreshRequest, responses((status = 200, body = TokenPair), (status = 401, description = "unknown, expired or reused (the device is then revoked); `wipe: true` when the device is revoked and must erase its local data")))]
pub async fn refresh(
    State(app): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<RefreshRequest>,
) -> Result<Json<TokenPair>, AppError> {
    if req.refresh_token.len() > 256 {
        return Err(AppError::Unauthorized);
    }
    let store = &app.store;
    let address = addr.ip().to_string();
    match store
        .use_refresh_token(&refresh_hash(&req.refresh_token))
        .await?
    {
        RefreshUse::Fresh { device_id } => {
            let device = store
                .device(&device_id)
                .await?
                .ok_or(AppError::Unauthorized)?;
            let user = store
                .user(&device.user_name)
                .await?
                .ok_or(AppError::Unauthorized)?;
            if user.disabled() {
                return Err(AppError::AccountDisabled);
            }
            store
                .audit(
                    Some(&user.name),
                    "token_refresh",
                    Some(&device_id),
                    None,
                    Some(&address),
                )
                .await?;
            Ok(Json(
                pair(&app, &user.name, &user.role, &user.org, &device_id).await?,
            ))
        }
        RefreshUse::Reused { device_id } => {
            store.revoke_device(&device_id).await?;
            app.hub.revoke_device(&device_id);
            store
                .audit(
                    None,
                    "refresh_reuse_revoked_device",
                    Some(&device_id),
                    None,
                    Some(&address),
                )
                .await?;
            Err(AppError::DeviceRevoked)
        }
        RefreshUse::Revoked { .. } => Err(AppError::DeviceRevoked),
        RefreshUse::Invalid => Err(AppError::Unauthorized),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EmergencyRequest {
    pub org: String,
    pub reason: String,
    #[serde(default)]
    pub hours: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EmergencyGrant {
    pub org: String,
    /// Milliseconds since the epoch.
    pub expires_at_ms: i64,
}

/// "Break the glass": a supervisor gets temporary read access outside their scope, with a
/// stated reason, written to the audit log. Connections opened after the grant see it.
#[utoipa::path(post, path = "/api/emergency-access", tag = "auth", request_body = EmergencyRequest, security(("bearer" = [])), responses((status = 200, body = EmergencyGrant), (status = 403, description = "supervisors only")))]
pub async fn emergency_access(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Json(req): Json<EmergencyRequest>,
) -> Result<Json<EmergencyGrant>, AppError> {
    let org = OrgPath::parse(&req.org).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let reason = req.reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::BadRequest(
            "reason: at most 500 characters".into(),
        ));
    }
    if reason.chars().count() < 4 {
        return Err(AppError::BadRequest(
            "state the reason for emergency access".into(),
        ));
    }
    let hours = req.hours.unwrap_or(4).clamp(1, MAX_EMERGENCY_HOURS);
    let expires = now_ms() + hours * 3600 * 1000;
    let store = &app.store;
    store
        .add_grant(&who.user, org.as_str(), reason, expires)
        .await?;
    store
        .audit(
            Some(&who.user),
            "emergency_access",
            Some(org.as_str()),
            Some(reason),
            None,
        )
        .await?;
    Ok(Json(EmergencyGrant {
        org: org.to_string(),
        expires_at_ms: expires,
    }))
}

/// An emergency grant as the supervisors it concerns see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ActiveGrant {
    pub user: String,
    pub org: String,
    pub reason: String,
    pub granted_at_ms: i64,
    pub expires_at_ms: i64,
}

/// `GET /api/emergency-access`: the unexpired emergency grants that reach into the caller's
/// scope or contain it (supervisors and admins), so a unit's supervisors see who may read
/// their records and why.
#[utoipa::path(get, path = "/api/emergency-access", tag = "auth", security(("bearer" = [])), responses((status = 200, body = [ActiveGrant]), (status = 403)))]
pub async fn active_grants(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<ActiveGrant>>, AppError> {
    let grants = app.store.active_grants_all().await?;
    Ok(Json(
        grants
            .into_iter()
            .filter(|(_, org, _, _, _)| {
                OrgPath::parse(org).is_ok_and(|o| o.contains(&who.org) || who.org.contains(&o))
            })
            .map(
                |(user, org, reason, granted_at_ms, expires_at_ms)| ActiveGrant {
                    user,
                    org,
                    reason,
                    granted_at_ms,
                    expires_at_ms,
                },
            )
            .collect(),
    ))
}
