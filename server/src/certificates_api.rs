//! Certificates of volunteer service (issue #20), in the form 民发〔2015〕149号 recommends: who
//! the volunteer is (name, ID document, volunteer number), the service (each day's content
//! and hours, the total), who issues it (the community, the person, a contact) and the
//! certificate's number and date; the seal is put on the printed page.
//!
//! A volunteer asks (`POST /api/certificates`); a supervisor of their community issues
//! (`POST /api/certificates/{id}/issue`); the volunteer and those supervisors read it whole
//! (`GET /api/certificates/{id}`); anyone checks a number (`GET
//! /api/certificates/verify/{number}`) and sees only what tells a forgery: the name and ID
//! masked, the hours, the issuer and the day.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use linli_sync_core::access::{Principal, Role};
use linli_sync_core::contract::OrgPath;
use serde::{Deserialize, Serialize};

use crate::auth::extract::{Caller, Supervisor};
use crate::certificate_pdf::{self, CertificateFont};
use crate::error::AppError;
use crate::store::certificates::CertificateRow;
use crate::volunteer_signup::mask_id;
use crate::AppState;

/// A volunteer's request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CertificateRequest {
    /// The service to cover, from and to (dates, both included; default all).
    pub from: Option<String>,
    pub to: Option<String>,
    /// What it is for (a school, an employer…), for the supervisor.
    #[serde(default)]
    pub purpose: String,
}

/// The certificate as issued.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct CertificateContent {
    pub number: String,
    pub issued_on: String,
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub volunteer_number: String,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub services: Vec<ServiceLine>,
    pub total_hours: f64,
    /// The issuing unit (its code and name), who issued it, and a contact.
    pub issuer_org: String,
    pub issuer_name: String,
    pub issued_by: String,
    pub contact: String,
}

/// One day of service on a certificate: the time actually served (travel is never logged).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ServiceLine {
    pub date: String,
    /// What was done (the activity logged).
    pub content: String,
    pub category: String,
    pub hours: f64,
}

/// A certificate or request as its reader sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    pub id: String,
    pub status: String,
    pub user: String,
    pub community: String,
    pub requested_at: i64,
    pub purpose: String,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub number: Option<String>,
    /// Once issued.
    pub certificate: Option<CertificateContent>,
}

fn view(row: CertificateRow) -> CertificateView {
    CertificateView {
        certificate: row
            .content
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok()),
        id: row.id,
        status: row.status,
        user: row.user,
        community: row.community,
        requested_at: row.requested_at,
        purpose: row.purpose,
        period_from: row.period_from,
        period_to: row.period_to,
        number: row.number,
    }
}

fn bad(why: &str) -> AppError {
    AppError::BadRequest(why.to_owned())
}

/// Whether `who` reads `row` whole: its volunteer, and the supervisors of its community.
fn may_read(who: &Principal, row: &CertificateRow) -> bool {
    match who.role {
        Role::Volunteer => who.user == row.user,
        Role::Supervisor => OrgPath::parse(&row.community).is_ok_and(|c| who.org.contains(&c)),
        _ => false,
    }
}

/// The certificate `id` if `who` may read it (else 404, as if there were none).
async fn readable(app: &AppState, who: &Principal, id: &str) -> Result<CertificateRow, AppError> {
    let row = app.store.certificate(id).await?.ok_or(AppError::NotFound)?;
    if !may_read(who, &row) {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

/// The certificate `id` as it stands now, to answer with.
async fn current(app: &AppState, id: &str) -> Result<Json<CertificateView>, AppError> {
    let row = app.store.certificate(id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(view(row)))
}

/// `POST /api/certificates` `{from?, to?, purpose}` (volunteers with a registration): asks
/// their community for a certificate.
#[utoipa::path(post, path = "/api/certificates", tag = "volunteers", request_body = CertificateRequest, security(("bearer" = [])),
    responses((status = 200, body = CertificateView), (status = 400), (status = 403), (status = 409, description = "no registration with an ID document to certify")))]
pub async fn request(
    State(app): State<AppState>,
    Caller(who): Caller,
    Json(req): Json<CertificateRequest>,
) -> Result<Json<CertificateView>, AppError> {
    if who.role != Role::Volunteer {
        return Err(AppError::Forbidden);
    }
    for d in [&req.from, &req.to].into_iter().flatten() {
        if !linli_sync_core::calendar::is_date(d) {
            return Err(bad("from and to are dates, YYYY-MM-DD"));
        }
    }
    if let (Some(f), Some(t)) = (&req.from, &req.to) {
        if f > t {
            return Err(bad("from is after to"));
        }
    }
    let purpose = req.purpose.trim();
    if purpose.chars().count() > 200 {
        return Err(bad("purpose: at most 200 characters"));
    }
    let Some(registration) = app.store.registration_of(&who.user).await? else {
        return Err(AppError::Changed(
            "a certificate names your ID document: sign up as a volunteer of your community first"
                .into(),
            serde_json::Value::Null,
        ));
    };
    let id = format!("{:032x}", rand::random::<u128>());
    app.store
        .request_certificate(
            &id,
            &who.user,
            &registration.community,
            (req.from.as_deref(), req.to.as_deref()),
            purpose,
        )
        .await?;
    app.store
        .audit(
            Some(&who.user),
            "certificate_request",
            Some(&id),
            None,
            None,
        )
        .await?;
    current(&app, &id).await
}

/// Which certificates to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CertificateQuery {
    /// For supervisors: `requested` (default) or `issued`.
    pub status: Option<String>,
}

/// `GET /api/certificates?status=`: a volunteer's own certificates and requests; for
/// supervisors, those of their unit's communities with `status`.
#[utoipa::path(get, path = "/api/certificates", tag = "volunteers", params(CertificateQuery), security(("bearer" = [])),
    responses((status = 200, body = [CertificateView]), (status = 400), (status = 403)))]
pub async fn list(
    State(app): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<CertificateQuery>,
) -> Result<Json<Vec<CertificateView>>, AppError> {
    let rows = match who.role {
        Role::Volunteer => app.store.certificates_of(&who.user).await?,
        Role::Supervisor => {
            let status = q.status.as_deref().unwrap_or("requested");
            if !["requested", "issued"].contains(&status) {
                return Err(bad("status is requested or issued"));
            }
            app.store.certificates_in(who.org.as_str(), status).await?
        }
        _ => return Err(AppError::Forbidden),
    };
    Ok(Json(rows.into_iter().map(view).collect()))
}

/// `GET /api/certificates/{id}`: one certificate, whole (its volunteer and the supervisors of
/// its community).
#[utoipa::path(get, path = "/api/certificates/{id}", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = CertificateView), (status = 404)))]
pub async fn get_one(
    State(app): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<CertificateView>, AppError> {
    let row = readable(&app, &who, &id).await?;
    Ok(Json(view(row)))
}

/// `GET /api/certificates/{id}/pdf`: an issued certificate as a PDF to print and seal (A4, in
/// Chinese; `certificate_pdf`), for the same readers as `GET /api/certificates/{id}`.
#[utoipa::path(get, path = "/api/certificates/{id}/pdf", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", description = "the certificate, `inline; filename=\"<number>.pdf\"`"),
        (status = 404, description = "no such certificate for the caller, or not issued yet"),
        (status = 503, description = "no CJK font for certificates (`--certificate-font`), or storage unavailable")))]
pub async fn pdf(
    State(app): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let row = readable(&app, &who, &id).await?;
    let content: CertificateContent = row
        .content
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .ok_or(AppError::NotFound)?;
    let font = match certificate_font(&app).await {
        Ok(font) => font,
        Err(why) => {
            tracing::error!(error = %why, "no CJK font for certificates");
            let body = serde_json::json!({
                "error": "no CJK font for certificates: set --certificate-font (LINLI_CERTIFICATE_FONT)"
            });
            return Ok((StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response());
        }
    };
    let number = content.number.clone();
    let pdf = tokio::task::spawn_blocking(move || certificate_pdf::render(&content, &font))
        .await
        .map_err(|_| AppError::Unavailable)?
        .map_err(|why| {
            tracing::error!(error = %why, number, "certificate PDF failed");
            AppError::Io(std::io::Error::other(why))
        })?;
    let disposition = format!("inline; filename=\"{number}.pdf\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response())
}

/// The certificates' font, read once on first use (`--certificate-font`, else a well-known
/// system font), or why there is none (each asking again is told the same).
async fn certificate_font(app: &AppState) -> Result<Arc<CertificateFont>, String> {
    app.certificate_font
        .get_or_init(|| async {
            let path = app.config.certificate_font.clone();
            let loaded =
                tokio::task::spawn_blocking(move || CertificateFont::find(path.as_deref()))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
            if let Ok(font) = &loaded {
                tracing::info!(
                    path = %font.path.display(),
                    face = font.face_index(),
                    "certificate font loaded"
                );
            }
            loaded.map(Arc::new)
        })
        .await
        .clone()
}

/// How the supervisor signs.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Issue {
    /// A phone or address where the certificate can be checked with the issuer.
    #[serde(default)]
    pub contact: String,
}

/// `POST /api/certificates/{id}/issue` `{contact}` (supervisors of the volunteer's community):
/// writes the certificate from the volunteer's approved service and gives it its number.
#[utoipa::path(post, path = "/api/certificates/{id}/issue", tag = "volunteers", request_body = Issue, security(("bearer" = [])),
    responses((status = 200, body = CertificateView), (status = 400), (status = 403), (status = 404), (status = 409, description = "issued already, or no approved service to certify")))]
pub async fn issue(
    State(app): State<AppState>,
    Supervisor(who): Supervisor,
    Path(id): Path<String>,
    Json(req): Json<Issue>,
) -> Result<Json<CertificateView>, AppError> {
    let row = readable(&app, &who, &id).await?;
    let changed = |why: &str| AppError::Changed(why.to_owned(), serde_json::Value::Null);
    if row.status != "requested" {
        return Err(changed("issued already"));
    }
    let contact = req.contact.trim();
    if contact.chars().count() > 100 {
        return Err(bad("contact: at most 100 characters"));
    }
    let registration = app
        .store
        .registration_of(&row.user)
        .await?
        .ok_or_else(|| changed("the volunteer has no registration"))?;
    let services = app
        .store
        .approved_service(
            &row.user,
            row.period_from.as_deref(),
            row.period_to.as_deref(),
        )
        .await?;
    if services.is_empty() {
        return Err(changed("no approved service in the period to certify"));
    }
    let total: i64 = services.iter().map(|s| s.minutes).sum();
    let issuer_name = match app.store.org(&row.community).await? {
        Some(unit) if !unit.name.is_empty() => unit.name,
        _ => row.community.clone(),
    };
    let issued_by = app
        .store
        .shown_name(&who.user)
        .await?
        .unwrap_or_else(|| who.user.clone());
    let today = crate::review_api::today(&app);
    let number = format!("ZYFW-{}-{:08X}", &today[..4], rand::random::<u32>());
    let content = CertificateContent {
        number: number.clone(),
        issued_on: today.clone(),
        name: registration.name,
        id_type: registration.id_type,
        id_number: registration.id_number,
        volunteer_number: registration.volunteer_number.unwrap_or_default(),
        period_from: row.period_from.clone(),
        period_to: row.period_to.clone(),
        services: services
            .into_iter()
            .map(|s| ServiceLine {
                date: s.date,
                content: s.activity,
                category: s.category,
                hours: s.minutes as f64 / 60.0,
            })
            .collect(),
        total_hours: total as f64 / 60.0,
        issuer_org: row.community.clone(),
        issuer_name,
        issued_by,
        contact: contact.to_owned(),
    };
    let json = serde_json::to_string(&content).map_err(|_| AppError::Unavailable)?;
    if !app
        .store
        .issue_certificate(&id, &number, &who.user, &today, &json)
        .await?
    {
        return Err(changed("issued already"));
    }
    app.store
        .audit(
            Some(&who.user),
            "certificate_issue",
            Some(&id),
            Some(&number),
            None,
        )
        .await?;
    current(&app, &id).await
}

/// What anyone holding a certificate can check against the server.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub number: String,
    /// The name with its middle hidden (李*兰), the ID number masked.
    pub name: String,
    pub id_number: String,
    pub total_hours: f64,
    pub issued_on: String,
    pub issuer_name: String,
}

/// A name with all but its first and last characters hidden.
fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// `GET /api/certificates/verify/{number}` (no login): whether a certificate of that number was
/// issued, and what tells a forged one.
#[utoipa::path(get, path = "/api/certificates/verify/{number}", tag = "volunteers",
    responses((status = 200, body = Verification), (status = 404, description = "no certificate of that number")))]
pub async fn verify(
    State(app): State<AppState>,
    Path(number): Path<String>,
) -> Result<Json<Verification>, AppError> {
    let number = number.trim().to_uppercase();
    if number.len() > 40 {
        return Err(AppError::NotFound);
    }
    let row = app
        .store
        .certificate_numbered(&number)
        .await?
        .ok_or(AppError::NotFound)?;
    let content: CertificateContent = row
        .content
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .ok_or(AppError::NotFound)?;
    Ok(Json(Verification {
        number: content.number,
        name: mask_name(&content.name),
        id_number: mask_id(&content.id_number),
        total_hours: content.total_hours,
        issued_on: content.issued_on,
        issuer_name: content.issuer_name,
    }))
}

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn names_keep_their_ends() {
        assert_eq!(mask_name("李秀兰"), "李*兰");
        assert_eq!(mask_name("王芳"), "王*");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
    }
}
