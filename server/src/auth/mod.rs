//! Identity: passwords, access tokens, refresh tokens, and turning a token into the
//! [`Principal`] the access policy judges.

pub mod api;
pub(crate) mod extract;
pub mod jwt;
pub mod password;
mod rate_limit;

use base64::Engine;
use linli_sync_core::access::{Principal, Role};
use linli_sync_core::contract::OrgPath;
use sha2::{Digest, Sha256};

pub use jwt::{Claims, Keys};
pub use password::PasswordChecker;
pub use rate_limit::LoginLimiter;

use crate::clock::now_ms;
use crate::error::AppError;
use crate::store::Store;

/// How long a refresh token lives.
pub const REFRESH_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// An authenticated connection or request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    /// When the access token expires, seconds since the epoch.
    pub expires_at: i64,
}

/// Verifies an access token and that its device and user still stand.
pub async fn authenticate(
    keys: &Keys,
    store: &Store,
    token: &str,
) -> Result<Authenticated, AppError> {
    let claims = keys.verify(token).map_err(|e| {
        tracing::info!(error = %e, "refused a token");
        AppError::Unauthorized
    })?;
    let device = store
        .device(&claims.device)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if device.user_name != claims.sub {
        return Err(AppError::Unauthorized);
    }
    if device.revoked() {
        return Err(AppError::DeviceRevoked);
    }
    let user = store
        .user(&claims.sub)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if user.disabled() {
        return Err(AppError::AccountDisabled);
    }
    let role = Role::parse(&user.role).ok_or(AppError::Unauthorized)?;
    let org = OrgPath::parse(&user.org).map_err(|_| AppError::Unauthorized)?;
    let extra_read = store
        .active_grants(&user.name)
        .await?
        .iter()
        .filter_map(|o| OrgPath::parse(o).ok())
        .collect();
    Ok(Authenticated {
        principal: Principal {
            user: user.name,
            role,
            org,
            device: device.id,
            extra_read,
        },
        expires_at: claims.exp,
    })
}

/// Signs an access token for a user's device.
pub fn access_token(
    keys: &Keys,
    user: &str,
    role: &str,
    org: &str,
    device: &str,
    ttl_secs: i64,
) -> (String, i64) {
    let now = now_ms() / 1000;
    let exp = now + ttl_secs;
    let token = keys.sign(&Claims {
        sub: user.into(),
        role: role.into(),
        org: org.into(),
        device: device.into(),
        exp,
        iat: now,
        jti: format!("{:032x}", rand::random::<u128>()),
    });
    (token, exp)
}

/// Makes a new refresh token for a device and stores its hash; returns the token.
pub async fn new_refresh_token(store: &Store, device: &str) -> Result<String, AppError> {
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    store
        .add_refresh_token(&refresh_hash(&token), device, now_ms() + REFRESH_TTL_MS)
        .await?;
    Ok(token)
}

/// What is stored of a refresh token: its SHA-256.
pub fn refresh_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The bearer token of a request: `Authorization: Bearer …`, or `?token=…` (the JavaScript
/// websocket client cannot set headers).
pub fn bearer(headers: &axum::http::HeaderMap, query_token: Option<&str>) -> Option<String> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| query_token.map(str::to_owned))
}
