//! Residents sign up as volunteers of their community and its supervisors approve them (issue
//! #20): `POST /api/volunteers/sign-up` and `GET /api/volunteers/communities` need no login;
//! `GET /api/volunteers/sign-ups` and the decisions are the supervisors'; `GET
//! /api/volunteers/me` is the volunteer's own registration. An ID number is sent whole only
//! to the volunteer and to the supervisors of their community, masked to everyone else.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::Json;
use linli_sync_core::access::{Principal, Role};
use linli_sync_core::contract::OrgPath;
use serde::{Deserialize, Serialize};

use crate::auth::extract::{Caller, Reviewer, Supervisor};
use crate::error::AppError;
use crate::store::volunteer_signups::{Approval, SignUpRow};
use crate::volunteer_signup::{check, mask_id, SignUp};
use crate::AppState;

/// A sign-up as a reader may see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignUpView {
    pub id: String,
    pub community: String,
    pub name: String,
    pub phone: String,
    pub id_type: String,
    /// Whole for the volunteer and their community's supervisors, else masked.
    pub id_number: String,
    pub id_masked: bool,
    pub skills: Vec<String>,
    pub availability: Vec<String>,
    pub login: String,
    pub status: String,
    pub submitted_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
    pub volunteer_number: Option<String>,
}

/// Whether `who` reads `row`'s ID number whole: the volunteer it belongs to, and the
/// supervisors whose unit holds the community (those who approve it).
fn reads_id_whole(who: &Principal, row: &SignUpRow) -> bool {
    if who.role == Role::Volunteer {
        return row.status == "approved" && row.login == who.user;
    }
    who.role == Role::Supervisor
        && OrgPath::parse(&row.community).is_ok_and(|c| who.org.contains(&c))
}

fn view(who: &Principal, row: SignUpRow) -> SignUpView {
    let whole = reads_id_whole(who, &row);
    SignUpView {
        id_number: if whole {
            row.id_number
        } else {
            mask_id(&row.id_number)
        },
        id_masked: !whole,
        id: row.id,
        community: row.community,
        name: row.name,
        phone: row.phone,
        id_type: row.id_type,
        skills: row.skills,
        availability: row.availability,
        login: row.login,
        status: row.status,
        submitted_at: row.submitted_at,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        decision_note: row.decision_note,
        volunteer_number: row.volunteer_number,
    }
}

/// A community a resident may sign up with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommunityChoice {
    pub org: String,
    pub name: String,
}

/// `GET /api/volunteers/communities`: the open communities, by name, for the sign-up form.
#[utoipa::path(get, path = "/api/volunteers/communities", tag = "volunteers", responses((status = 200, body = [CommunityChoice])))]
pub async fn communities(
    State(app): State<AppState>,
) -> Result<Json<Vec<CommunityChoice>>, AppError> {
    let orgs = app.store.open_communities().await?;
    Ok(Json(
        orgs.into_iter()
            .map(|(org, name)| CommunityChoice { org, name })
            .collect(),
    ))
}

/// `POST /api/volunteers/sign-up` (no login): a resident's sign-up, kept for their
/// community's supervisors to decide. Answers `{id, status: "pending"}`.
#[utoipa::path(post, path = "/api/volunteers/sign-up", tag = "volunteers", request_body = SignUp,
    responses((status = 200), (status = 400, description = "a field is missing or wrong, said which"), (status = 409, description = "the ID document or the login is registered already"), (status = 429)))]
pub async fn sign_up(
    State(app): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<SignUp>,
) -> Result<Json<serde_json::Value>, AppError> {
    // Limited like logins, per login chosen and per address: a community's sign-up day
    // from one office is not refused because others signed up before.
    let key = format!("volunteer sign-up:{}", req.login.trim());
    if !app.limiter.allow(&key, addr.ip()) {
        return Err(AppError::TooManyRequests);
    }
    let s = check(&req).map_err(AppError::BadRequest)?;
    match app.store.org(&s.community).await? {
        Some(unit) if unit.closed_at.is_none() => {}
        _ => return Err(AppError::BadRequest("community: no such community".into())),
    }
    if app.store.signup_with_id(&s.id_type, &s.id_number).await? {
        return Err(AppError::Changed(
            "id_number: a volunteer with this ID document has signed up already".into(),
            serde_json::Value::Null,
        ));
    }
    if app.store.login_taken(&s.login).await? {
        return Err(AppError::Changed(
            "login: this login name is taken; choose another".into(),
            serde_json::Value::Null,
        ));
    }
    let pw = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || crate::auth::password::hash(&pw))
        .await
        .map_err(|_| AppError::Unavailable)?;
    let id = format!("{:032x}", rand::random::<u128>());
    app.store.add_signup(&id, &s, &hash).await?;
    app.store
        .audit(
            None,
            "volunteer_sign_up",
            Some(&id),
            Some(&format!("{} in {}", s.login, s.community)),
            Some(&addr.ip().to_string()),
        )
        .await?;
    Ok(Json(serde_json::json!({"id": id, "status": "pending"})))
}

/// Which sign-ups to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SignUpQuery {
    /// `pending` (default), `approved` or `rejected`.
    pub status: Option<String>,
}

/// `GET /api/volunteers/sign-ups?status=` (supervisors and admins, their unit): the sign-ups,
/// newest first; ID numbers masked for admins.
#[utoipa::path(get, path = "/api/volunteers/sign-ups", tag = "volunteers", params(SignUpQuery), security(("bearer" = [])),
    responses((status = 200, body = [SignUpView]), (status = 400), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Query(q): Query<SignUpQuery>,
) -> Result<Json<Vec<SignUpView>>, AppError> {
    let status = q.status.as_deref().unwrap_or("pending");
    if !["pending", "approved", "rejected"].contains(&status) {
        return Err(AppError::BadRequest(
            "status is pending, approved or rejected".into(),
        ));
    }
    let rows = app.store.signups_in(who.org.as_str(), status).await?;
    Ok(Json(rows.into_iter().map(|r| view(&who, r)).collect()))
}

/// A supervisor's decision on a sign-up.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    /// `approve` or `reject`.
    pub decision: String,
    /// Why, for a rejection (told to nobody but the record).
    #[serde(default)]
    pub note: String,
}

/// `POST /api/volunteers/sign-ups/{id}` `{decision, note}` (the community's supervisors):
/// approving makes the volunteer's account and number.
#[utoipa::path(post, path = "/api/volunteers/sign-ups/{id}", tag = "volunteers", request_body = Decision, security(("bearer" = [])),
    responses((status = 200, body = SignUpView), (status = 400), (status = 403), (status = 404), (status = 409, description = "decided already, or the login was taken meanwhile")))]
pub async fn decide(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Path(id): Path<String>,
    Json(d): Json<Decision>,
) -> Result<Json<SignUpView>, AppError> {
    let row = app.store.signup(&id).await?.ok_or(AppError::NotFound)?;
    let community = OrgPath::parse(&row.community).map_err(|_| AppError::NotFound)?;
    if !who.org.contains(&community) {
        return Err(AppError::NotFound);
    }
    let decided = |why: &str| AppError::Changed(why.to_owned(), serde_json::Value::Null);
    match d.decision.as_str() {
        "approve" => {
            let today = crate::review_api::today(&app);
            match app
                .store
                .approve_signup(&id, &who.user, &today[..4])
                .await?
            {
                Approval::Approved(number) => {
                    app.store
                        .audit(
                            Some(&who.user),
                            "volunteer_approve",
                            Some(&id),
                            Some(&format!("{} as {number}", row.login)),
                            None,
                        )
                        .await?;
                }
                Approval::NotPending => return Err(decided("decided already")),
                Approval::LoginTaken => {
                    return Err(decided(
                        "the login name was taken meanwhile; reject this sign-up and ask the resident to sign up again",
                    ))
                }
            }
        }
        "reject" => {
            let note = d.note.trim();
            if note.is_empty() || note.chars().count() > 500 {
                return Err(AppError::BadRequest(
                    "note: say why (at most 500 characters)".into(),
                ));
            }
            if !app.store.reject_signup(&id, &who.user, note).await? {
                return Err(decided("decided already"));
            }
            app.store
                .audit(
                    Some(&who.user),
                    "volunteer_reject",
                    Some(&id),
                    Some(note),
                    None,
                )
                .await?;
        }
        _ => return Err(AppError::BadRequest("decision is approve or reject".into())),
    }
    let row = app.store.signup(&id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(view(&who, row)))
}

/// `GET /api/volunteers/me` (volunteers): their own registration, ID number whole; 404 for a
/// volunteer made by an administrator without a sign-up.
#[utoipa::path(get, path = "/api/volunteers/me", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = SignUpView), (status = 403), (status = 404)))]
pub async fn me(
    State(app): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<SignUpView>, AppError> {
    if who.role != Role::Volunteer {
        return Err(AppError::Forbidden);
    }
    let row = app
        .store
        .registration_of(&who.user)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(view(&who, row)))
}
