//! Volunteer activities with check-in (issue #20): a supervisor publishes an activity
//! (`POST /api/activities`); volunteers of the communities under its unit enrol; at the
//! activity the organiser's phone shows check-in and check-out codes signed with the
//! activity's key (`GET /api/activities/{id}/key`, kept on the phone so that it works
//! offline); the volunteer's phone keeps the two codes it scanned, offline too, and hands them
//! in (`POST /api/activities/{id}/attendance`). The server checks both signatures and credits
//! the time between them, within the activity's own time, as a `checkin` entry of the
//! volunteer's document, submitted; the organiser confirms (`POST
//! /api/activities/{id}/confirm`), which approves it. Codes and credit: `linli_sync_core::checkin`.

use axum::extract::{Path, State};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use linli_sync_core::access::{Principal, Role};
use linli_sync_core::checkin::{self, Code, Span};
use linli_sync_core::contract::{Entry, OrgPath};
use serde::{Deserialize, Serialize};

use crate::auth::extract::{Caller, Supervisor};
use crate::doc_actor::{ReviewTarget, ServerEdit};
use crate::error::AppError;
use crate::store::activities::{ActivityRow, AttendanceRow, EnrolRefusal, NewActivity};
use crate::AppState;

/// The volunteer-hour categories an activity may have (the apps' list).
const CATEGORIES: &[&str] = &[
    "elderly",
    "children",
    "disability",
    "environment",
    "safety",
    "culture",
    "other",
];
/// Ended activities stay in a volunteer's list this long (ms): a week to hand in check-ins.
const ENDED_SHOWN_MS: i64 = 7 * 24 * 3600 * 1000;
/// The most activities a list returns.
const LIST_LIMIT: i64 = 200;
/// The longest activity (ms).
const LONGEST_MS: i64 = 24 * 3600 * 1000;

/// An activity to publish.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActivityRequest {
    pub title: String,
    pub place: String,
    pub category: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339 moments.
    pub starts_at: String,
    pub ends_at: String,
    /// 0: no limit.
    #[serde(default)]
    pub capacity: i64,
    #[serde(default)]
    pub skills: Vec<String>,
    /// The unit it is for (default: the supervisor's own).
    pub org: Option<String>,
}

/// A volunteer's own standing at an activity.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Mine {
    pub enrolled: bool,
    pub attendance: Option<MyAttendance>,
}

/// What was credited to the volunteer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyAttendance {
    pub minutes: i64,
    pub date: String,
    pub entry_id: String,
    /// The entry's status (`submitted` until the organiser confirms).
    pub status: Option<String>,
}

/// An activity as its readers see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    pub id: String,
    pub org: String,
    pub title: String,
    pub place: String,
    pub category: String,
    pub description: String,
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i64,
    pub skills: Vec<String>,
    pub organiser: String,
    pub organiser_name: String,
    pub enrolled: i64,
    pub cancelled: bool,
    /// For volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub me: Option<Mine>,
    /// For supervisors, on one activity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrolments: Option<Vec<EnrolmentView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Vec<AttendanceView>>,
}

/// A volunteer enrolled.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrolmentView {
    pub user: String,
    pub name: String,
    pub volunteer_number: Option<String>,
    pub enrolled_at: String,
}

/// A volunteer's credited attendance, as the organiser sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttendanceView {
    pub user: String,
    pub name: String,
    /// The minutes the organiser's codes were made (RFC 3339).
    pub checked_in_at: String,
    pub checked_out_at: String,
    pub minutes: i64,
    pub date: String,
    pub entry_status: Option<String>,
    pub document_id: String,
    pub entry_id: String,
}

fn moment(ms: i64) -> String {
    linli_sync_core::calendar::iso_from_ms(ms)
}

fn attendance_view(a: AttendanceRow) -> AttendanceView {
    AttendanceView {
        checked_in_at: moment(a.in_minute * 60_000),
        checked_out_at: moment(a.out_minute * 60_000),
        user: a.user,
        name: a.name,
        minutes: a.minutes,
        date: a.date,
        entry_status: a.entry_status,
        document_id: a.document_id,
        entry_id: a.entry_id,
    }
}

async fn view(app: &AppState, a: ActivityRow) -> Result<ActivityView, AppError> {
    let organiser_name = app
        .store
        .shown_name(&a.organiser)
        .await?
        .unwrap_or_else(|| a.organiser.clone());
    Ok(ActivityView {
        starts_at: moment(a.starts_at),
        ends_at: moment(a.ends_at),
        id: a.id,
        org: a.org,
        title: a.title,
        place: a.place,
        category: a.category,
        description: a.description,
        capacity: a.capacity,
        skills: a.skills,
        organiser: a.organiser,
        organiser_name,
        enrolled: a.enrolled,
        cancelled: a.cancelled,
        me: None,
        enrolments: None,
        attendance: None,
    })
}

/// A volunteer's standing at `a`, from their enrolments and attendance.
fn mine(a: &ActivityRow, enrolled: &[String], attended: &[AttendanceRow]) -> Mine {
    Mine {
        enrolled: enrolled.contains(&a.id),
        attendance: attended
            .iter()
            .find(|t| t.activity_id == a.id)
            .map(|t| MyAttendance {
                minutes: t.minutes,
                date: t.date.clone(),
                entry_id: t.entry_id.clone(),
                status: t.entry_status.clone(),
            }),
    }
}

fn bad(why: &str) -> AppError {
    AppError::BadRequest(why.to_owned())
}

fn refused(why: &str) -> AppError {
    AppError::Changed(why.to_owned(), serde_json::Value::Null)
}

/// The units whose activities a volunteer of `org` may join: `org` and the units above it.
fn units_holding(org: &OrgPath) -> Vec<String> {
    let parts: Vec<&str> = org.as_str().split('/').collect();
    (1..=parts.len()).map(|n| parts[..n].join("/")).collect()
}

/// Whether `who` may see activity `a`: a supervisor or admin of a unit holding it, or a
/// volunteer of a community under it.
fn may_see(who: &Principal, a: &ActivityRow) -> bool {
    let Ok(org) = OrgPath::parse(&a.org) else {
        return false;
    };
    match who.role {
        Role::Supervisor | Role::Admin => who.org.contains(&org),
        Role::Volunteer => org.contains(&who.org),
        Role::Worker => false,
    }
}

/// Activity `id` if `who` may see it (else 404).
async fn visible(app: &AppState, who: &Principal, id: &str) -> Result<ActivityRow, AppError> {
    let a = app.store.activity(id).await?.ok_or(AppError::NotFound)?;
    if !may_see(who, &a) {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

/// `POST /api/activities`: publishes an activity in the supervisor's unit (or a unit under it).
#[utoipa::path(post, path = "/api/activities", tag = "volunteers", request_body = ActivityRequest, security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 400), (status = 403)))]
pub async fn create(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Json(req): Json<ActivityRequest>,
) -> Result<Json<ActivityView>, AppError> {
    let org = match &req.org {
        Some(o) => OrgPath::parse(o).map_err(|_| bad("org: not a unit"))?,
        None => who.org.clone(),
    };
    if !who.org.contains(&org) {
        return Err(AppError::Forbidden);
    }
    let title = req.title.trim();
    let place = req.place.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(bad("title: 1 to 100 characters"));
    }
    if place.is_empty() || place.chars().count() > 200 {
        return Err(bad("place: 1 to 200 characters"));
    }
    if req.description.chars().count() > 2000 {
        return Err(bad("description: at most 2000 characters"));
    }
    if !CATEGORIES.contains(&req.category.as_str()) {
        return Err(bad("category: not a volunteer service category"));
    }
    let starts = linli_sync_core::calendar::timestamp_ms(&req.starts_at)
        .ok_or_else(|| bad("starts_at: a moment, RFC 3339"))?;
    let ends = linli_sync_core::calendar::timestamp_ms(&req.ends_at)
        .ok_or_else(|| bad("ends_at: a moment, RFC 3339"))?;
    if ends <= starts {
        return Err(bad("ends_at: after starts_at"));
    }
    if ends - starts > LONGEST_MS {
        return Err(bad("ends_at: an activity lasts at most a day"));
    }
    if !(0..=10_000).contains(&req.capacity) {
        return Err(bad("capacity: 0 (no limit) to 10000"));
    }
    let skills: Vec<String> = req
        .skills
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if skills.len() > 20 || skills.iter().any(|s| s.chars().count() > 50) {
        return Err(bad("skills: at most 20, each at most 50 characters"));
    }
    let id = format!("{:016x}", rand::random::<u64>());
    let key = hex::encode(rand::random::<[u8; 32]>());
    app.store
        .create_activity(&NewActivity {
            id: &id,
            org: org.as_str(),
            title,
            place,
            category: &req.category,
            description: req.description.trim(),
            starts_at: starts,
            ends_at: ends,
            capacity: req.capacity,
            skills: &skills,
            organiser: &who.user,
            checkin_key: &key,
        })
        .await?;
    app.store
        .audit(
            Some(&who.user),
            "activity_publish",
            Some(&id),
            Some(title),
            None,
        )
        .await?;
    let a = app.store.activity(&id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(view(&app, a).await?))
}

/// `GET /api/activities`: a volunteer's activities to join (those of their community and the
/// units above it, not ended more than a week ago), with their own standing; a supervisor's
/// or admin's, those of their unit.
#[utoipa::path(get, path = "/api/activities", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = [ActivityView]), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<ActivityView>>, AppError> {
    let since = crate::clock::now_ms() - ENDED_SHOWN_MS;
    let mut out = Vec::new();
    match who.role {
        Role::Volunteer => {
            let rows = app
                .store
                .activities_for(&units_holding(&who.org), since, LIST_LIMIT)
                .await?;
            let enrolled = app.store.enrolments_of(&who.user).await?;
            let attended = app.store.attendance_of(&who.user).await?;
            for a in rows {
                let me = mine(&a, &enrolled, &attended);
                let mut v = view(&app, a).await?;
                v.me = Some(me);
                out.push(v);
            }
        }
        Role::Supervisor | Role::Admin => {
            for a in app
                .store
                .activities_in(who.org.as_str(), since, LIST_LIMIT)
                .await?
            {
                out.push(view(&app, a).await?);
            }
        }
        Role::Worker => return Err(AppError::Forbidden),
    }
    Ok(Json(out))
}

/// `GET /api/activities/{id}`: one activity; for supervisors and admins with who enrolled and
/// the attendance credited, for a volunteer with their own standing.
#[utoipa::path(get, path = "/api/activities/{id}", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 404)))]
pub async fn get_one(
    State(app): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ActivityView>, AppError> {
    let a = visible(&app, &who, &id).await?;
    answer(&app, &who, a).await
}

/// The activity as `who` reads it.
async fn answer(
    app: &AppState,
    who: &Principal,
    a: ActivityRow,
) -> Result<Json<ActivityView>, AppError> {
    if who.role == Role::Volunteer {
        let enrolled = app.store.enrolments_of(&who.user).await?;
        let attended = app.store.attendance_of(&who.user).await?;
        let me = mine(&a, &enrolled, &attended);
        let mut v = view(app, a).await?;
        v.me = Some(me);
        return Ok(Json(v));
    }
    let enrolments = app.store.enrolments(&a.id).await?;
    let attendance = app.store.attendance(&a.id).await?;
    let mut v = view(app, a).await?;
    v.enrolments = Some(
        enrolments
            .into_iter()
            .map(|e| EnrolmentView {
                user: e.user,
                name: e.name,
                volunteer_number: e.volunteer_number,
                enrolled_at: moment(e.enrolled_at),
            })
            .collect(),
    );
    v.attendance = Some(attendance.into_iter().map(attendance_view).collect());
    Ok(Json(v))
}

/// The caller as a volunteer (403 otherwise).
fn volunteer(who: &Principal) -> Result<(), AppError> {
    if who.role == Role::Volunteer {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// `POST /api/activities/{id}/enrol` (volunteers): takes a place, while the activity has one
/// and has not ended.
#[utoipa::path(post, path = "/api/activities/{id}/enrol", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 403), (status = 404), (status = 409, description = "full, ended or cancelled")))]
pub async fn enrol(
    State(app): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ActivityView>, AppError> {
    volunteer(&who)?;
    let a = visible(&app, &who, &id).await?;
    if a.cancelled {
        return Err(refused("the activity was cancelled"));
    }
    if a.ends_at <= crate::clock::now_ms() {
        return Err(refused("the activity has ended"));
    }
    if let Err(EnrolRefusal::Full) = app.store.enrol(&id, &who.user).await? {
        return Err(refused("the activity is full"));
    }
    app.store
        .audit(Some(&who.user), "activity_enrol", Some(&id), None, None)
        .await?;
    let a = visible(&app, &who, &id).await?;
    answer(&app, &who, a).await
}

/// `POST /api/activities/{id}/withdraw` (volunteers): gives the place back (not once their
/// attendance is credited).
#[utoipa::path(post, path = "/api/activities/{id}/withdraw", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = ActivityView), (status = 403), (status = 404), (status = 409)))]
pub async fn withdraw(
    State(app): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<ActivityView>, AppError> {
    volunteer(&who)?;
    visible(&app, &who, &id).await?;
    let attended = app.store.attendance_of(&who.user).await?;
    if attended.iter().any(|t| t.activity_id == id) {
        return Err(refused("your attendance is credited already"));
    }
    app.store.withdraw(&id, &who.user).await?;
    app.store
        .audit(Some(&who.user), "activity_withdraw", Some(&id), None, None)
        .await?;
    let a = visible(&app, &who, &id).await?;
    answer(&app, &who, a).await
}

/// An activity's check-in key, for its organiser's phone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInKey {
    pub activity: String,
    /// base64url, without padding.
    pub key: String,
    pub starts_at: String,
    pub ends_at: String,
}

/// `GET /api/activities/{id}/key` (supervisors of a unit holding the activity): the key the
/// organiser's phone signs check-in codes with; it keeps it to show codes offline.
#[utoipa::path(get, path = "/api/activities/{id}/key", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = CheckInKey), (status = 403), (status = 404)))]
pub async fn key(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Path(id): Path<String>,
) -> Result<Json<CheckInKey>, AppError> {
    let a = visible(&app, &who, &id).await?;
    let key = activity_key(&app, &id).await?;
    app.store
        .audit(Some(&who.user), "activity_key", Some(&id), None, None)
        .await?;
    Ok(Json(CheckInKey {
        activity: a.id,
        key: URL_SAFE_NO_PAD.encode(key),
        starts_at: moment(a.starts_at),
        ends_at: moment(a.ends_at),
    }))
}

async fn activity_key(app: &AppState, id: &str) -> Result<Vec<u8>, AppError> {
    let hex_key = app
        .store
        .activity_key(id)
        .await?
        .ok_or(AppError::NotFound)?;
    hex::decode(hex_key).map_err(|_| AppError::Unavailable)
}

/// A volunteer's two scanned codes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AttendanceRequest {
    pub check_in: String,
    pub check_out: String,
}

/// What was credited.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Credited {
    pub minutes: i64,
    pub date: String,
    pub entry_id: String,
    pub document_id: String,
    /// Credited by an earlier request (a retry): nothing new was written.
    pub already: bool,
}

/// `POST /api/activities/{id}/attendance` `{check_in, check_out}` (volunteers enrolled): the
/// codes scanned at the activity, checked and credited to the volunteer's document as a
/// `checkin` entry for the organiser to confirm. Handing them in again answers what was
/// credited.
#[utoipa::path(post, path = "/api/activities/{id}/attendance", tag = "volunteers", request_body = AttendanceRequest, security(("bearer" = [])),
    responses((status = 200, body = Credited), (status = 400, description = "a code that is not genuine, not this activity's, or out of its time"),
        (status = 403), (status = 404), (status = 409, description = "not enrolled, or no volunteer record to credit")))]
pub async fn attend(
    State(app): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    Json(req): Json<AttendanceRequest>,
) -> Result<Json<Credited>, AppError> {
    volunteer(&who)?;
    let a = visible(&app, &who, &id).await?;
    if let Some(t) = app
        .store
        .attendance_of(&who.user)
        .await?
        .into_iter()
        .find(|t| t.activity_id == id)
    {
        return Ok(Json(Credited {
            minutes: t.minutes,
            date: t.date,
            entry_id: t.entry_id,
            document_id: t.document_id,
            already: true,
        }));
    }
    if !app.store.is_enrolled(&id, &who.user).await? {
        return Err(refused("you are not enrolled in this activity"));
    }
    let scanned = |text: &str, which: &str| {
        Code::parse(text).map_err(|e| AppError::BadRequest(format!("{which}: {e}")))
    };
    let check_in = scanned(&req.check_in, "check_in")?;
    let check_out = scanned(&req.check_out, "check_out")?;
    let key = activity_key(&app, &id).await?;
    let span = Span {
        starts: a.starts_at.div_euclid(60_000),
        ends: a.ends_at.div_euclid(60_000),
    };
    let minutes = checkin::credit(&key, &id, span, &check_in, &check_out)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if a.cancelled {
        return Err(refused("the activity was cancelled"));
    }
    // The volunteer's document in the activity's unit.
    let year = crate::review_api::today(&app)[..4].to_owned();
    let org = OrgPath::parse(&a.org).map_err(|_| AppError::NotFound)?;
    let document_id = app
        .store
        .standing_of(&who.user, &year)
        .await?
        .into_iter()
        .find(|s| OrgPath::parse(&s.org).is_ok_and(|o| org.contains(&o)))
        .map(|s| s.document_id)
        .ok_or_else(|| {
            refused("no volunteer record to credit: create your volunteer record first")
        })?;
    let zone = &app.hub.settings().time_zone;
    let date = linli_sync_core::calendar::local_date_at(check_in.minute * 60_000, zone)
        .unwrap_or_else(crate::clock::today_utc);
    let entry_id = format!("checkin-{id}");
    let entry = Entry {
        date: date.clone(),
        minutes,
        activity: a.title.clone(),
        category: a.category.clone(),
        source: "checkin".into(),
        status: "submitted".into(),
        review: None,
    };
    let credit = ServerEdit::Credit {
        id: entry_id.clone(),
        entry,
    };
    crate::review_api::edit(&app, &document_id, credit, &who).await??;
    app.store
        .record_attendance(&AttendanceRow {
            activity_id: id.clone(),
            user: who.user.clone(),
            name: String::new(),
            in_minute: check_in.minute,
            out_minute: check_out.minute,
            minutes,
            date: date.clone(),
            document_id: document_id.clone(),
            entry_id: entry_id.clone(),
            entry_status: None,
        })
        .await?;
    app.store
        .audit(
            Some(&who.user),
            "activity_attendance",
            Some(&id),
            Some(&format!("{minutes} min")),
            None,
        )
        .await?;
    Ok(Json(Credited {
        minutes,
        date,
        entry_id,
        document_id,
        already: false,
    }))
}

/// Whose attendance to confirm.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConfirmRequest {
    /// The volunteers (absent: everyone credited and not yet confirmed).
    pub users: Option<Vec<String>>,
}

/// `POST /api/activities/{id}/confirm` `{users?}` (supervisors of a unit holding the
/// activity): approves the check-in hours credited at it.
#[utoipa::path(post, path = "/api/activities/{id}/confirm", tag = "volunteers", request_body = ConfirmRequest, security(("bearer" = [])),
    responses((status = 200), (status = 403), (status = 404)))]
pub async fn confirm(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Path(id): Path<String>,
    Json(req): Json<ConfirmRequest>,
) -> Result<Json<serde_json::Value>, AppError> {
    visible(&app, &who, &id).await?;
    let targets: Vec<(String, ReviewTarget)> = app
        .store
        .attendance(&id)
        .await?
        .into_iter()
        .filter(|t| match &req.users {
            Some(users) => users.contains(&t.user),
            None => t.entry_status.as_deref() != Some("approved"),
        })
        .map(|t| (t.document_id, ReviewTarget::Entries(vec![t.entry_id])))
        .collect();
    let confirmed = targets.len();
    if confirmed > 0 {
        let note = "签到已确认";
        crate::review_api::decide(&app, &who, "volunteer", targets, "approved", note).await?;
    }
    Ok(Json(serde_json::json!({ "confirmed": confirmed })))
}
