//! Administration in the API (issue #19): users listed, changed, their passwords reset,
//! disabled and enabled (`/api/users…`); devices listed (`GET /api/devices`); org units
//! renamed, closed and reopened (`PATCH /api/orgs`). Admins within their unit; supervisors
//! for the workers and volunteers of theirs ([`crate::people_admin`] decides and audits).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use crate::auth::extract::Reviewer;
use crate::error::AppError;
use crate::people_admin::{self, By};
use crate::people_import::{self, UsersImport};
use crate::review_api::unit_of;
use crate::store::{DeviceListing, OrgListing, UserChange, UserListing};
use crate::AppState;

/// What the lists take.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct PeopleQuery {
    /// A unit at or under the caller's own (default: the caller's).
    pub org: Option<String>,
    /// One user's devices only (`GET /api/devices`).
    pub user: Option<String>,
}

/// `GET /api/users?org=`: the users at or under a unit, with their devices and when they last
/// synced (admins and supervisors, within their unit).
#[utoipa::path(get, path = "/api/users", tag = "admin", params(PeopleQuery), security(("bearer" = [])), responses((status = 200, body = [UserListing])))]
pub async fn list_users(
    State(app): State<AppState>,
    Query(q): Query<PeopleQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<UserListing>>, AppError> {
    let unit = unit_of(&who, q.org.as_deref())?;
    Ok(Json(app.store.users_in(unit.as_str()).await?))
}

/// `GET /api/devices?org=&user=`: devices of the users at or under a unit, newest first.
#[utoipa::path(get, path = "/api/devices", tag = "admin", params(PeopleQuery), security(("bearer" = [])), responses((status = 200, body = [DeviceListing])))]
pub async fn list_devices(
    State(app): State<AppState>,
    Query(q): Query<PeopleQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<DeviceListing>>, AppError> {
    let unit = unit_of(&who, q.org.as_deref())?;
    let user = q.user.as_deref().filter(|u| !u.is_empty());
    Ok(Json(app.store.devices_in(unit.as_str(), user).await?))
}

/// A change of a user: what is left out stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangeUser {
    pub name: String,
    pub role: Option<String>,
    pub org: Option<String>,
    pub display_name: Option<String>,
}

/// `POST /api/users/change`: changes a user's role, unit or shown name. Their devices
/// reconnect under the new scope.
#[utoipa::path(post, path = "/api/users/change", tag = "admin", request_body = ChangeUser, security(("bearer" = [])), responses((status = 200), (status = 400), (status = 403), (status = 404)))]
pub async fn change_user(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Json(req): Json<ChangeUser>,
) -> Result<Json<serde_json::Value>, AppError> {
    let change = UserChange {
        role: req.role.filter(|r| !r.is_empty()),
        org: req.org.filter(|o| !o.is_empty()),
        display_name: req.display_name,
    };
    people_admin::change_user(&app.store, By::Person(&who), &req.name, &change).await?;
    Ok(Json(serde_json::json!({ "changed": req.name })))
}

/// A new password for a user.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetPassword {
    pub name: String,
    pub password: String,
}

/// `POST /api/users/password`: sets a new password for a user who forgot theirs.
#[utoipa::path(post, path = "/api/users/password", tag = "admin", request_body = ResetPassword, security(("bearer" = [])), responses((status = 200), (status = 400), (status = 403), (status = 404)))]
pub async fn reset_password(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Json(req): Json<ResetPassword>,
) -> Result<Json<serde_json::Value>, AppError> {
    people_admin::reset_password(&app.store, By::Person(&who), &req.name, &req.password).await?;
    Ok(Json(serde_json::json!({ "reset": req.name })))
}

/// A user named.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NamedUser {
    pub name: String,
}

/// `POST /api/users/disable`: the user can no longer log in; their connections end.
#[utoipa::path(post, path = "/api/users/disable", tag = "admin", request_body = NamedUser, security(("bearer" = [])), responses((status = 200), (status = 400), (status = 403), (status = 404)))]
pub async fn disable_user(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Json(req): Json<NamedUser>,
) -> Result<Json<serde_json::Value>, AppError> {
    people_admin::set_disabled(&app.store, By::Person(&who), &req.name, true).await?;
    Ok(Json(serde_json::json!({ "disabled": req.name })))
}

/// `POST /api/users/enable`: the user may log in again.
#[utoipa::path(post, path = "/api/users/enable", tag = "admin", request_body = NamedUser, security(("bearer" = [])), responses((status = 200), (status = 400), (status = 403), (status = 404)))]
pub async fn enable_user(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Json(req): Json<NamedUser>,
) -> Result<Json<serde_json::Value>, AppError> {
    people_admin::set_disabled(&app.store, By::Person(&who), &req.name, false).await?;
    Ok(Json(serde_json::json!({ "enabled": req.name })))
}

/// A change of an org unit: a new name, closed or reopened.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangeOrg {
    pub path: String,
    pub name: Option<String>,
    pub closed: Option<bool>,
}

/// `PATCH /api/orgs`: renames, closes or reopens an org unit (admins, within their unit).
#[utoipa::path(patch, path = "/api/orgs", tag = "admin", request_body = ChangeOrg, security(("bearer" = [])), responses((status = 200, body = OrgListing), (status = 400), (status = 403), (status = 404)))]
pub async fn change_org(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Json(req): Json<ChangeOrg>,
) -> Result<Json<OrgListing>, AppError> {
    let by = By::Person(&who);
    if let Some(name) = req.name.as_deref() {
        people_admin::rename_org(&app.store, by, &req.path, name).await?;
    }
    if let Some(closed) = req.closed {
        people_admin::set_org_closed(&app.store, by, &req.path, closed).await?;
    }
    let unit = app.store.org(&req.path).await?.ok_or(AppError::NotFound)?;
    Ok(Json(unit))
}

/// `GET /api/orgs/admin?org=`: the units at or under a unit with whether each is closed.
#[utoipa::path(get, path = "/api/orgs/admin", tag = "admin", params(PeopleQuery), security(("bearer" = [])), responses((status = 200, body = [OrgListing])))]
pub async fn list_units(
    State(app): State<AppState>,
    Query(q): Query<PeopleQuery>,
    Reviewer(who): Reviewer,
) -> Result<Json<Vec<OrgListing>>, AppError> {
    let unit = unit_of(&who, q.org.as_deref())?;
    Ok(Json(app.store.orgs_in(unit.as_str()).await?))
}

/// What `POST /api/users/import` takes besides the file.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// Check every row and create nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST /api/users/import?dry_run=true`: users from a sheet (the body: a CSV or XLSX file with
/// the columns 登录名, 姓名, 角色, 单位, 初始密码), each row checked as `POST /api/users` would;
/// a dry run creates nothing. Names that exist are refused, so a second import of the same
/// file creates nothing more.
#[utoipa::path(post, path = "/api/users/import", tag = "admin", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "a CSV (UTF-8) or XLSX file"),
    security(("bearer" = [])), responses((status = 200, body = UsersImport), (status = 400), (status = 403)))]
pub async fn import_users(
    State(app): State<AppState>,
    Query(q): Query<ImportQuery>,
    Reviewer(who): Reviewer,
    body: Bytes,
) -> Result<Json<UsersImport>, AppError> {
    Ok(Json(
        people_import::import_users(&app.store, By::Person(&who), &body, q.dry_run).await?,
    ))
}

/// What `POST /api/households/import` takes besides the file.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct RegisterQuery {
    /// Check every row and create nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// The grid of rows that name none.
    pub org: Option<String>,
    /// Headers of another shape: `field:header` pairs, comma-separated
    /// (`address:住址,name:名字`; `phone:` leaves a column the template matched unread).
    pub columns: Option<String>,
}

/// `POST /api/households/import?dry_run=true&org=&columns=`: a community's register (the body:
/// a CSV or XLSX, one row per resident; docs/import.md) checked row by row and, unless a dry
/// run, its households created as the importer's changes. Households already registered
/// (same address and head) are reported and not created again. The answer names the file's
/// headers and the column each field was read from; a file lacking a needed column is
/// refused (400) with `missing`, `headers` and `columns` beside `error`, for the columns to
/// be named.
#[utoipa::path(post, path = "/api/households/import", tag = "records", params(RegisterQuery),
    request_body(content = String, content_type = "text/csv", description = "a CSV (UTF-8) or XLSX register"),
    security(("bearer" = [])), responses((status = 200, body = crate::register_import::RegisterImport),
        (status = 400, description = "an unreadable file, a bad `columns`, or needed columns missing: then `{error, missing, headers, columns}`"),
        (status = 403)))]
pub async fn import_register(
    State(app): State<AppState>,
    Query(q): Query<RegisterQuery>,
    Reviewer(who): Reviewer,
    body: Bytes,
) -> Result<Json<crate::register_import::RegisterImport>, AppError> {
    use crate::register_import::{Importer, RegisterOptions};
    let importer = Importer {
        by: By::Person(&who),
        device: &who.device,
    };
    let options = RegisterOptions {
        dry_run: q.dry_run,
        org: q.org.as_deref(),
        columns: q.columns.as_deref(),
        time_zone: &app.hub.settings().time_zone,
    };
    Ok(Json(
        crate::register_import::import_register(&app.store, &importer, &body, &options).await?,
    ))
}
