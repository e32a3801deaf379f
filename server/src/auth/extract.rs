//! Who is calling, as axum extractors: a handler names the caller it needs (`Caller`,
//! `Reviewer`, `Supervisor`, `Admin`) among its arguments and never reads the
//! `Authorization` header itself. A request without the right caller is answered with the
//! [`AppError`] the extractor returns (401, 401 with `wipe` for a revoked device, 403).
//!
//! Extractors run in the order of the handler's arguments, and a `Json` body always last: a
//! handler lists its `Path` and `Query` before the caller, so a malformed path or query is
//! still answered before the token is checked.

use axum::extract::FromRequestParts;
use axum::extract::Query;
use axum::http::request::Parts;
use linli_sync_core::access::{Principal, Role};

use super::{authenticate, bearer, Authenticated};
use crate::error::AppError;
use crate::AppState;

/// The access token `token`, verified with its device and user; `None` when there is none.
/// Every extractor below and the `/sync` upgrade authenticate through here.
pub(crate) async fn verify(
    app: &AppState,
    token: Option<&str>,
) -> Result<Option<Authenticated>, AppError> {
    match token {
        Some(token) => authenticate(&app.keys, &app.store, token).await.map(Some),
        None => Ok(None),
    }
}

/// The access token a request presents (`Authorization: Bearer …`, or the websocket's
/// `?token=`), not yet verified: `/sync` counts the connection against its caps first and
/// verifies the token after, so that a refused upgrade costs no database work.
pub struct PresentedToken(pub Option<String>);

#[derive(serde::Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for PresentedToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let Query(query) = Query::<TokenQuery>::try_from_uri(&parts.uri)
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        Ok(PresentedToken(bearer(
            &parts.headers,
            query.token.as_deref(),
        )))
    }
}

/// Any signed-in user (401 without a valid access token; the API takes no `?token=`).
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        let auth = verify(app, bearer(&parts.headers, None).as_deref())
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Caller(auth.principal))
    }
}

/// The caller, if `allowed` lets their role in (403 otherwise).
async fn caller_with(
    parts: &mut Parts,
    app: &AppState,
    allowed: fn(Role) -> bool,
) -> Result<Principal, AppError> {
    let Caller(who) = Caller::from_request_parts(parts, app).await?;
    if allowed(who.role) {
        Ok(who)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A supervisor or an admin: who read review data (403 for other roles).
pub struct Reviewer(pub Principal);

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        caller_with(parts, app, |r| matches!(r, Role::Supervisor | Role::Admin))
            .await
            .map(Reviewer)
    }
}

/// A supervisor: who decide (review decisions, resolutions, merges, emergency access; 403 for
/// other roles, admins included).
pub struct Supervisor(pub Principal);

impl FromRequestParts<AppState> for Supervisor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        caller_with(parts, app, |r| r == Role::Supervisor)
            .await
            .map(Supervisor)
    }
}

/// An admin (403 for other roles).
pub struct Admin(pub Principal);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, AppError> {
        caller_with(parts, app, |r| r == Role::Admin)
            .await
            .map(Admin)
    }
}
