//! The admin API: org units, users and devices (`/api/orgs`, `/api/users`,
//! `/api/devices/revoke`). Only admins may call it, except that any user may revoke their own
//! device (a lost phone). Every action is audited through [`crate::admin`].

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use linli_sync_core::access::{Principal, Role};
use serde::{Deserialize, Serialize};

use crate::admin;
use crate::auth::{authenticate, bearer};
use crate::error::AppError;
use crate::AppState;

async fn caller(app: &AppState, headers: &HeaderMap) -> Result<Principal, AppError> {
    let token = bearer(headers, None).ok_or(AppError::Unauthorized)?;
    Ok(authenticate(&app.keys, app.hub.store(), &token)
        .await?
        .principal)
}

async fn admin_caller(app: &AppState, headers: &HeaderMap) -> Result<Principal, AppError> {
    let who = caller(app, headers).await?;
    if who.role == Role::Admin {
        Ok(who)
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Deserialize)]
pub struct NewOrg {
    pub path: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct Org {
    pub path: String,
    pub name: String,
}

/// `POST /api/orgs`: creates an org unit (admins).
pub async fn add_org(
    State(app): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<NewOrg>,
) -> Result<Json<Org>, AppError> {
    let who = admin_caller(&app, &headers).await?;
    admin::add_org(app.hub.store(), &req.path, &req.name, &who.user).await?;
    Ok(Json(Org {
        path: req.path,
        name: req.name,
    }))
}

/// `GET /api/orgs`: the org tree, by path (any signed-in user; names are not secret).
pub async fn list_orgs(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<Org>>, AppError> {
    caller(&app, &headers).await?;
    let orgs = app.hub.store().orgs().await?;
    Ok(Json(
        orgs.into_iter()
            .map(|(path, name)| Org { path, name })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct NewUser {
    pub name: String,
    pub role: String,
    pub org: String,
    pub password: Option<String>,
}

#[derive(Serialize)]
pub struct User {
    pub name: String,
    pub role: String,
    pub org: String,
}

/// `POST /api/users`: creates a user (admins).
pub async fn add_user(
    State(app): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<NewUser>,
) -> Result<Json<User>, AppError> {
    let who = admin_caller(&app, &headers).await?;
    let store = app.hub.store().clone();
    admin::add_user(
        &store,
        &req.name,
        &req.role,
        &req.org,
        req.password.as_deref(),
        &who.user,
    )
    .await?;
    Ok(Json(User {
        name: req.name,
        role: req.role,
        org: req.org,
    }))
}

#[derive(Deserialize)]
pub struct RevokeRequest {
    pub device: String,
}

/// `POST /api/devices/revoke`: revokes a device (admins, or the device's own user) and ends
/// its connections at once.
pub async fn revoke_device(
    State(app): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<RevokeRequest>,
) -> Result<Json<serde_json::Value>, AppError> {
    let who = caller(&app, &headers).await?;
    let store = app.hub.store();
    let device = store
        .device(&req.device)
        .await?
        .ok_or(AppError::Forbidden)?;
    if who.role != Role::Admin && device.user_name != who.user {
        return Err(AppError::Forbidden);
    }
    admin::revoke(store, Some(&device.id), None, &who.user).await?;
    app.hub.revoke_device(&device.id);
    Ok(Json(serde_json::json!({ "revoked": device.id })))
}
