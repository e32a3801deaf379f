//! The admin API: org units, users and devices (`/api/orgs`, `/api/users`,
//! `/api/devices/revoke`). Admins create units; admins and supervisors create the users they
//! may manage ([`crate::people_admin`]); any user may revoke their own device (a lost phone).
//! Every action is audited through [`crate::admin`].

use axum::extract::State;
use axum::Json;
use linli_sync_core::access::{Principal, Role};
use serde::{Deserialize, Serialize};

use crate::admin;
use crate::auth::extract::{Admin, Caller, Reviewer};
use crate::error::AppError;
use crate::AppState;

/// An admin manages org units and users at or under their own unit only (a county's admin
/// cannot create units or admins in another county).
fn within_scope(who: &Principal, org: &str) -> Result<(), AppError> {
    let org = linli_sync_core::contract::OrgPath::parse(org)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if who.org.contains(&org) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewOrg {
    pub path: String,
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Org {
    pub path: String,
    pub name: String,
}

/// `POST /api/orgs`: creates an org unit (admins).
#[utoipa::path(post, path = "/api/orgs", tag = "admin", request_body = NewOrg, security(("bearer" = [])), responses((status = 200, body = Org), (status = 403)))]
pub async fn add_org(
    State(app): State<AppState>,
    Admin(who): Admin,
    Json(req): Json<NewOrg>,
) -> Result<Json<Org>, AppError> {
    within_scope(&who, &req.path)?;
    admin::add_org(&app.store, &req.path, &req.name, &who.user).await?;
    Ok(Json(Org {
        path: req.path,
        name: req.name,
    }))
}

/// `GET /api/orgs`: the org tree, by path (any signed-in user; names are not secret).
#[utoipa::path(get, path = "/api/orgs", tag = "admin", security(("bearer" = [])), responses((status = 200, body = [Org])))]
pub async fn list_orgs(State(app): State<AppState>, _: Caller) -> Result<Json<Vec<Org>>, AppError> {
    let orgs = app.store.orgs().await?;
    Ok(Json(
        orgs.into_iter()
            .map(|(path, name)| Org { path, name })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub name: String,
    pub role: String,
    pub org: String,
    pub password: Option<String>,
    /// The name others see (default: the login name).
    pub display_name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct User {
    pub name: String,
    pub role: String,
    pub org: String,
}

/// `POST /api/users`: creates a user (admins within their unit; supervisors, workers and
/// volunteers within theirs).
#[utoipa::path(post, path = "/api/users", tag = "admin", request_body = NewUser, security(("bearer" = [])), responses((status = 200, body = User), (status = 400), (status = 403)))]
pub async fn add_user(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Json(req): Json<NewUser>,
) -> Result<Json<User>, AppError> {
    within_scope(&who, &req.org)?;
    let role = Role::parse(&req.role)
        .ok_or_else(|| AppError::BadRequest(format!("unknown role `{}`", req.role)))?;
    if who.role == Role::Supervisor && !matches!(role, Role::Worker | Role::Volunteer) {
        return Err(AppError::Forbidden);
    }
    let store = app.store.clone();
    let user = admin::NewUser {
        name: &req.name,
        role: &req.role,
        org: &req.org,
        password: req.password.as_deref(),
        display_name: req.display_name.as_deref(),
    };
    admin::add_user(&store, &user, &who.user).await?;
    Ok(Json(User {
        name: req.name,
        role: req.role,
        org: req.org,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevokeRequest {
    pub device: String,
}

/// `POST /api/devices/revoke`: revokes a device (admins and supervisors for the users they
/// manage, or the device's own user) and ends its connections at once.
#[utoipa::path(post, path = "/api/devices/revoke", tag = "admin", request_body = RevokeRequest, security(("bearer" = [])), responses((status = 200), (status = 403)))]
pub async fn revoke_device(
    State(app): State<AppState>,
    Caller(who): Caller,
    Json(req): Json<RevokeRequest>,
) -> Result<Json<serde_json::Value>, AppError> {
    let store = &app.store;
    let device = store
        .device(&req.device)
        .await?
        .ok_or(AppError::Forbidden)?;
    if device.user_name != who.user {
        let owner = store
            .user(&device.user_name)
            .await?
            .ok_or(AppError::Forbidden)?;
        let role = Role::parse(&owner.role).ok_or(AppError::Forbidden)?;
        let org = linli_sync_core::contract::OrgPath::parse(&owner.org)
            .map_err(|_| AppError::Forbidden)?;
        if !crate::people_admin::By::Person(&who).may_manage(role, &org) {
            return Err(AppError::Forbidden);
        }
    }
    admin::revoke(store, Some(&device.id), None, &who.user).await?;
    app.hub.revoke_device(&device.id);
    Ok(Json(serde_json::json!({ "revoked": device.id })))
}
