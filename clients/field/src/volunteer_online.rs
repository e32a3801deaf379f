//! A volunteer's own standing and service through the server (issue #20): approved hours and
//! star level (`GET /api/volunteers/hours`), certificates of service (`/api/certificates`),
//! activities to join (`/api/activities`) and the check-in codes scanned at one
//! (`POST /api/activities/{id}/attendance`).
//!
//! Two things work without the server: the approved hours counted from the volunteer documents
//! on the device ([`FieldClient::device_standing`], the same rule as the server's: only
//! approved entries count, `contract::recognition` for the stars), and scanning. Check-in
//! codes are read and checked for their form on the device (`checkin::Code::parse`) before
//! anything is sent; a check-in scanned before the check-out, or a pair that could not be sent,
//! is kept in the store's sealed settings (`checkins`, like the session) until it is handed in.

use std::collections::BTreeMap;

use hyper::Method;
use linli_sync_core::calendar::is_date;
use linli_sync_core::checkin::{Code, Scan};
use linli_sync_core::contract::recognition::{next_star_hours, stars};
use linli_sync_core::contract::{read_record, root_string, Kind, Volunteer};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::local_store::{now_ms, CHECKINS};
use crate::{http, FieldClient, FieldError, Remote};

/// The longest purpose of a certificate the server takes.
const PURPOSE_MAX: usize = 200;

/// `GET /api/volunteers/hours`: the volunteer's approved hours and star level.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Standing {
    pub document_id: String,
    pub org: String,
    pub user: String,
    pub name: String,
    pub registered_on: Option<String>,
    pub volunteer_number: Option<String>,
    /// Approved hours of service, ever and in the year asked.
    pub approved_hours: f64,
    pub year_hours: f64,
    /// 0 to 5.
    pub stars: u8,
    /// The approved hours the next star level begins at (none at five stars).
    pub next_star_hours: Option<i64>,
}

/// The approved service counted from the volunteer documents on this device.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeviceStanding {
    /// The volunteer documents counted.
    pub documents: Vec<String>,
    pub approved_minutes: i64,
    pub year_minutes: i64,
    /// Minutes logged and not (yet) approved: submitted or sent back.
    pub waiting_minutes: i64,
    pub stars: u8,
    pub next_star_hours: Option<i64>,
}

/// A certificate or a request for one, as the volunteer reads it (`GET /api/certificates`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Certificate {
    pub id: String,
    /// `requested` or `issued`.
    pub status: String,
    pub user: String,
    pub community: String,
    pub requested_at: i64,
    pub purpose: String,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub number: Option<String>,
    /// The certificate as issued (volunteer, service lines, `total_hours`, issuer…).
    pub certificate: Option<Value>,
}

impl Certificate {
    /// The hours it certifies, once issued.
    pub fn total_hours(&self) -> Option<f64> {
        self.certificate.as_ref()?["total_hours"].as_f64()
    }
}

/// An activity as a volunteer reads it (`GET /api/activities`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Activity {
    pub id: String,
    pub org: String,
    pub title: String,
    pub place: String,
    pub category: String,
    pub description: String,
    /// RFC 3339 moments.
    pub starts_at: String,
    pub ends_at: String,
    /// 0: no limit.
    pub capacity: i64,
    pub skills: Vec<String>,
    pub organiser: String,
    pub organiser_name: String,
    pub enrolled: i64,
    pub cancelled: bool,
    /// The volunteer's own standing at it.
    pub me: Option<Mine>,
}

/// A volunteer's standing at an activity.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mine {
    pub enrolled: bool,
    pub attendance: Option<MyAttendance>,
}

/// What an activity credited to the volunteer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MyAttendance {
    pub minutes: i64,
    pub date: String,
    pub entry_id: String,
    /// `submitted` until the organiser confirms, then `approved`.
    pub status: Option<String>,
}

/// What handing in two codes credited (`POST /api/activities/{id}/attendance`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Credited {
    pub minutes: i64,
    pub date: String,
    pub entry_id: String,
    pub document_id: String,
    /// Credited by an earlier hand-in: nothing new was written.
    pub already: bool,
}

/// The codes scanned at one activity and kept on the device until the server credits them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PendingCheckIn {
    /// Who scanned them (the logged-in user; empty when working with a token only).
    pub user: String,
    pub activity: String,
    pub check_in: Option<String>,
    pub check_out: Option<String>,
    /// The minutes the organiser's phone signed into each (from the codes).
    pub in_minute: Option<i64>,
    pub out_minute: Option<i64>,
    /// Why the server refused the pair (its words), until a new check-in is scanned.
    pub refused: Option<String>,
    /// When it was last changed on this device (ms since the epoch).
    pub updated_at: i64,
}

impl PendingCheckIn {
    /// Both codes are there and the server has not refused them.
    pub fn ready(&self) -> bool {
        self.check_in.is_some() && self.check_out.is_some() && self.refused.is_none()
    }
}

/// What `check_in` did with the codes given.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CheckInOutcome {
    /// Handed in; the server credited the time between them.
    Credited {
        activity: String,
        credited: Credited,
    },
    /// Only the check-in so far: kept on the device until the check-out.
    AwaitingCheckOut { pending: PendingCheckIn },
    /// Both codes, but the server could not be reached: kept to send later.
    Kept {
        pending: PendingCheckIn,
        reason: String,
    },
}

/// What `send_check_ins` did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SendReport {
    /// Handed in and credited.
    pub credited: Vec<SentCheckIn>,
    /// Refused by the server (its words); kept, marked, until a new check-in is scanned.
    pub refused: Vec<SentCheckIn>,
    /// Still waiting: a check-out to scan, a refusal, or the server was out of reach.
    pub waiting: Vec<PendingCheckIn>,
    /// Why sending stopped early (no connection), if it did.
    pub unreachable: Option<String>,
}

/// One pair handed in by `send_check_ins`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SentCheckIn {
    pub activity: String,
    pub credited: Option<Credited>,
    pub error: Option<String>,
}

/// True for the errors that mean the server was not reached (or not answering for now):
/// what a volunteer far from signal gets, to be told plainly and not as a failure of theirs.
pub fn is_unreachable(e: &FieldError) -> bool {
    matches!(
        e,
        FieldError::Connection(_)
            | FieldError::Timeout(_)
            | FieldError::Server {
                status: 502..=504,
                ..
            }
    )
}

/// An id as given with `what` (`--activity`, `--id`), checked before it goes into a path.
pub fn check_api_id(what: &str, id: &str) -> Result<String, FieldError> {
    let id = id.trim();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(FieldError::Invalid(format!(
            "{what}: `{id}` is not an id (letters and digits, as the list shows it)"
        )));
    }
    Ok(id.to_owned())
}

/// A year as `--year` takes it: four digits, 1900 on.
pub fn check_year(year: &str) -> Result<(), FieldError> {
    if year.len() == 4 && year.parse::<u16>().is_ok_and(|y| y >= 1900) {
        Ok(())
    } else {
        Err(FieldError::Invalid(format!(
            "--year: `{year}` is not a year (four digits, 2026)"
        )))
    }
}

/// A scanned code as typed: read on the device, so a mistyped one is refused before anything
/// is sent. It must be a check-in (`scan`) code of `activity`; whether it is genuine only the
/// server can tell (it holds the activity's key).
pub fn check_code(what: &str, text: &str, activity: &str, scan: Scan) -> Result<Code, FieldError> {
    let code = Code::parse(text).map_err(|e| {
        FieldError::Invalid(format!(
            "{what}: {e} (a code reads LINLI-CI1.<activity>.<i|o>.<minute>.<signature>; \
             check what was typed or scan it again)"
        ))
    })?;
    if code.activity != activity {
        return Err(FieldError::Invalid(format!(
            "{what}: the code is for activity {}, not {activity}",
            code.activity
        )));
    }
    if code.scan != scan {
        let (is, wanted) = match scan {
            Scan::In => ("a check-out code", "the check-in code"),
            Scan::Out => ("a check-in code", "the check-out code"),
        };
        return Err(FieldError::Invalid(format!(
            "{what}: this is {is}; give {wanted} here"
        )));
    }
    Ok(code)
}

fn bad_answer(path: &str, status: u16, e: impl std::fmt::Display) -> FieldError {
    FieldError::Server {
        status,
        message: format!("unexpected answer to {path}: {e}"),
    }
}

fn pending_key(user: &str, activity: &str) -> String {
    format!("{user}|{activity}")
}

impl FieldClient {
    /// One API call as the caller of `remote`, renewing the access token once when the server
    /// refuses it; the answer as it came (any status but 401).
    async fn api_raw(
        &self,
        remote: &mut Remote,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<http::Raw, FieldError> {
        let token = remote.token(self).await?;
        let mut raw =
            http::call_raw(&remote.server, method.clone(), path, body, token.as_deref()).await?;
        if raw.status == 401 && remote.renew(self).await? {
            let token = remote.token(self).await?;
            raw = http::call_raw(&remote.server, method, path, body, token.as_deref()).await?;
        }
        if raw.status == 401 {
            return Err(remote.refused());
        }
        Ok(raw)
    }

    /// An API call whose success is JSON of type `T`; any other answer is the server's error
    /// ([`FieldError::Server`] with its words).
    async fn api<T: DeserializeOwned>(
        &self,
        remote: &mut Remote,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, FieldError> {
        let response = self.api_raw(remote, method, path, body).await?.json();
        if !(200..300).contains(&response.status) {
            return Err(response.into_error());
        }
        let status = response.status;
        serde_json::from_value(response.body).map_err(|e| bad_answer(path, status, e))
    }

    /// The caller's approved hours (in all and in `year`) and star level, from the server.
    pub async fn my_standing(
        &self,
        remote: &mut Remote,
        year: &str,
    ) -> Result<Standing, FieldError> {
        check_year(year)?;
        let path = format!("/api/volunteers/hours?year={year}");
        match self.api(remote, Method::GET, &path, None).await {
            Err(FieldError::Server { status: 404, .. }) => Err(FieldError::Server {
                status: 404,
                message: "the server has no volunteer record of yours yet (create it with \
                          `linli-field volunteer create` and `sync`)"
                    .into(),
            }),
            other => other,
        }
    }

    /// The approved service in the volunteer documents on this device: those of `user`, or
    /// every one when `None` (a device working with a token only). Counted as the server
    /// counts: approved entries only, in all and in `year`.
    pub fn device_standing(&self, user: Option<&str>, year: &str) -> DeviceStanding {
        let mut out = DeviceStanding::default();
        for id in self.document_ids() {
            let Some(doc) = self.document(&id).filter(|d| !d.get_heads().is_empty()) else {
                continue;
            };
            if root_string(doc, "kind").as_deref() != Some(Kind::Volunteer.as_str()) {
                continue;
            }
            let Ok(volunteer) = read_record::<Volunteer>(doc) else {
                continue;
            };
            if user.is_some_and(|u| u != volunteer.user) {
                continue;
            }
            out.documents.push(id.to_string());
            for entry in volunteer.entries.values() {
                match entry.status.as_str() {
                    "approved" => {
                        out.approved_minutes += entry.minutes;
                        if entry.date.get(..4) == Some(year) {
                            out.year_minutes += entry.minutes;
                        }
                    }
                    "submitted" | "has_issues" => out.waiting_minutes += entry.minutes,
                    _ => {}
                }
            }
        }
        out.stars = stars(out.approved_minutes);
        out.next_star_hours = next_star_hours(out.approved_minutes);
        out
    }

    /// The caller's certificates and requests, newest first as the server lists them.
    pub async fn certificates(&self, remote: &mut Remote) -> Result<Vec<Certificate>, FieldError> {
        self.api(remote, Method::GET, "/api/certificates", None)
            .await
    }

    /// One of the caller's certificates.
    pub async fn certificate(
        &self,
        remote: &mut Remote,
        id: &str,
    ) -> Result<Certificate, FieldError> {
        let id = check_api_id("--id", id)?;
        self.api(
            remote,
            Method::GET,
            &format!("/api/certificates/{id}"),
            None,
        )
        .await
    }

    /// Asks the caller's community for a certificate of their service from `from` to `to`
    /// (dates, both included; all service when absent), saying what it is for.
    pub async fn ask_certificate(
        &self,
        remote: &mut Remote,
        from: Option<&str>,
        to: Option<&str>,
        purpose: &str,
    ) -> Result<Certificate, FieldError> {
        for (what, day) in [("--from", from), ("--to", to)] {
            if let Some(day) = day.filter(|d| !is_date(d)) {
                return Err(FieldError::Invalid(format!(
                    "{what}: `{day}` is not a date YYYY-MM-DD"
                )));
            }
        }
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(FieldError::Invalid(format!(
                    "--from {from} is after --to {to}"
                )));
            }
        }
        let purpose = purpose.trim();
        if purpose.is_empty() || purpose.chars().count() > PURPOSE_MAX {
            return Err(FieldError::Invalid(format!(
                "--purpose: say what it is for (a school, an employer…), at most {PURPOSE_MAX} \
                 characters"
            )));
        }
        let body = json!({ "from": from, "to": to, "purpose": purpose });
        self.api(remote, Method::POST, "/api/certificates", Some(&body))
            .await
    }

    /// An issued certificate as a PDF to print and seal (its bytes). A certificate not issued
    /// yet is told as such.
    pub async fn certificate_pdf(
        &self,
        remote: &mut Remote,
        id: &str,
    ) -> Result<Vec<u8>, FieldError> {
        let id = check_api_id("--id", id)?;
        let path = format!("/api/certificates/{id}/pdf");
        let raw = self.api_raw(remote, Method::GET, &path, None).await?;
        if raw.status == 200 {
            let pdf_type = raw
                .content_type
                .as_deref()
                .is_some_and(|t| t.starts_with("application/pdf"));
            if !pdf_type || !raw.bytes.starts_with(b"%PDF-") {
                return Err(bad_answer(&path, 200, "not a PDF"));
            }
            return Ok(raw.bytes);
        }
        let response = raw.json();
        if response.status == 404 {
            if let Ok(c) = self.certificate(remote, &id).await {
                if c.status != "issued" {
                    return Err(FieldError::Server {
                        status: 404,
                        message: format!(
                            "certificate {id} is not issued yet ({}): your community's \
                             supervisor issues it",
                            c.status
                        ),
                    });
                }
            }
        }
        Err(response.into_error())
    }

    /// The activities the caller may join (and those ended within the week), with their own
    /// standing at each.
    pub async fn activities(&self, remote: &mut Remote) -> Result<Vec<Activity>, FieldError> {
        self.api(remote, Method::GET, "/api/activities", None).await
    }

    /// Enrols the caller in an activity; the activity as it is now.
    pub async fn enrol(&self, remote: &mut Remote, activity: &str) -> Result<Activity, FieldError> {
        self.activity_step(remote, activity, "enrol").await
    }

    /// Gives the caller's place at an activity back; the activity as it is now.
    pub async fn withdraw(
        &self,
        remote: &mut Remote,
        activity: &str,
    ) -> Result<Activity, FieldError> {
        self.activity_step(remote, activity, "withdraw").await
    }

    async fn activity_step(
        &self,
        remote: &mut Remote,
        activity: &str,
        step: &str,
    ) -> Result<Activity, FieldError> {
        let id = check_api_id("--activity", activity)?;
        let path = format!("/api/activities/{id}/{step}");
        self.api(remote, Method::POST, &path, Some(&json!({})))
            .await
            .map_err(|e| not_found_activity(e, &id))
    }

    /// Hands in the check-in and check-out codes scanned at `activity` (both checked on the
    /// device first); the server verifies them and credits the time between them.
    pub async fn hand_in(
        &self,
        remote: &mut Remote,
        activity: &str,
        check_in: &str,
        check_out: &str,
    ) -> Result<Credited, FieldError> {
        let id = check_api_id("--activity", activity)?;
        check_code("--in", check_in, &id, Scan::In)?;
        check_code("--out", check_out, &id, Scan::Out)?;
        let body = json!({ "check_in": check_in.trim(), "check_out": check_out.trim() });
        let path = format!("/api/activities/{id}/attendance");
        self.api(remote, Method::POST, &path, Some(&body))
            .await
            .map_err(|e| not_found_activity(e, &id))
    }

    /// The codes scanned on this device and not yet credited, of `user`.
    pub async fn pending_check_ins(&self, user: &str) -> Result<Vec<PendingCheckIn>, FieldError> {
        Ok(self
            .read_check_ins()
            .await?
            .into_values()
            .filter(|p| p.user == user)
            .collect())
    }

    /// Check-in at `activity` with the codes given: `check_in` alone is kept on the device
    /// (no network needed) until the check-out; `check_out` alone completes the check-in kept;
    /// with both, they are handed in (`remote`), or kept to send later when the server cannot
    /// be reached. Codes are checked for their form first. A refusal by the server is an
    /// error with its words; a pair kept on the device is marked with it.
    pub async fn check_in(
        &self,
        remote: Option<&mut Remote>,
        user: &str,
        activity: &str,
        check_in: Option<&str>,
        check_out: Option<&str>,
    ) -> Result<CheckInOutcome, FieldError> {
        let activity = check_api_id("--activity", activity)?;
        let scanned_in = check_in
            .map(|c| check_code("--in", c, &activity, Scan::In))
            .transpose()?;
        let scanned_out = check_out
            .map(|c| check_code("--out", c, &activity, Scan::Out))
            .transpose()?;
        let key = pending_key(user, &activity);
        let kept = self.read_check_ins().await?.remove(&key);
        let mut pending = match (&scanned_in, kept) {
            // A new check-in starts over.
            (Some(_), _) | (None, None) => PendingCheckIn {
                user: user.to_owned(),
                activity: activity.clone(),
                ..PendingCheckIn::default()
            },
            (None, Some(kept)) => kept,
        };
        if let (Some(code), Some(text)) = (&scanned_in, check_in) {
            pending.check_in = Some(text.trim().to_owned());
            pending.in_minute = Some(code.minute);
        }
        if let (Some(code), Some(text)) = (&scanned_out, check_out) {
            pending.check_out = Some(text.trim().to_owned());
            pending.out_minute = Some(code.minute);
        }
        pending.refused = None;
        pending.updated_at = now_ms();
        let Some(in_text) = pending.check_in.clone() else {
            return Err(FieldError::Invalid(format!(
                "no check-in scanned at activity {activity} on this device: give --in CODE too"
            )));
        };
        if let (Some(i), Some(o)) = (pending.in_minute, pending.out_minute) {
            if o <= i {
                return Err(FieldError::Invalid(
                    "--out: the check-out code was made before the check-in code".into(),
                ));
            }
        }
        let Some(out_text) = pending.check_out.clone() else {
            self.keep_check_in(&pending).await?;
            return Ok(CheckInOutcome::AwaitingCheckOut { pending });
        };
        let Some(remote) = remote else {
            self.keep_check_in(&pending).await?;
            return Ok(CheckInOutcome::Kept {
                pending,
                reason: "not sent now".into(),
            });
        };
        match self.hand_in(remote, &activity, &in_text, &out_text).await {
            Ok(credited) => {
                self.forget_check_in(&key).await?;
                Ok(CheckInOutcome::Credited { activity, credited })
            }
            Err(e) if is_unreachable(&e) => {
                self.keep_check_in(&pending).await?;
                Ok(CheckInOutcome::Kept {
                    pending,
                    reason: e.to_string(),
                })
            }
            Err(e @ FieldError::Server { .. }) => {
                // Kept marked only when it was kept already (a code scanned earlier).
                if check_in.is_none() {
                    pending.refused = Some(e.to_string());
                    self.keep_check_in(&pending).await?;
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Hands in every pair of codes of `user` kept on the device and ready (both scanned, not
    /// refused); stops at the first that cannot reach the server.
    pub async fn send_check_ins(
        &self,
        remote: &mut Remote,
        user: &str,
    ) -> Result<SendReport, FieldError> {
        let mut report = SendReport::default();
        for mut pending in self.pending_check_ins(user).await? {
            let (Some(i), Some(o)) = (pending.check_in.clone(), pending.check_out.clone()) else {
                report.waiting.push(pending);
                continue;
            };
            if !pending.ready() || report.unreachable.is_some() {
                report.waiting.push(pending);
                continue;
            }
            let key = pending_key(user, &pending.activity);
            match self.hand_in(remote, &pending.activity, &i, &o).await {
                Ok(credited) => {
                    self.forget_check_in(&key).await?;
                    report.credited.push(SentCheckIn {
                        activity: pending.activity,
                        credited: Some(credited),
                        error: None,
                    });
                }
                Err(e) if is_unreachable(&e) => {
                    report.unreachable = Some(e.to_string());
                    report.waiting.push(pending);
                }
                Err(e @ (FieldError::Server { .. } | FieldError::Invalid(_))) => {
                    pending.refused = Some(e.to_string());
                    pending.updated_at = now_ms();
                    self.keep_check_in(&pending).await?;
                    report.refused.push(SentCheckIn {
                        activity: pending.activity.clone(),
                        credited: None,
                        error: Some(e.to_string()),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    async fn read_check_ins(&self) -> Result<BTreeMap<String, PendingCheckIn>, FieldError> {
        match self.store.secret_meta(CHECKINS).await? {
            None => Ok(BTreeMap::new()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| FieldError::Corrupt(format!("kept check-ins: {e}"))),
        }
    }

    /// Changes the kept check-ins under the store's write lock (another process on the same
    /// store may be keeping one too).
    async fn change_check_ins(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, PendingCheckIn>),
    ) -> Result<(), FieldError> {
        let mut lock = self.store.lock().await?;
        let mut all: BTreeMap<String, PendingCheckIn> = match lock.secret_meta(CHECKINS).await? {
            None => BTreeMap::new(),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| FieldError::Corrupt(format!("kept check-ins: {e}")))?,
        };
        change(&mut all);
        if all.is_empty() {
            lock.delete_meta(CHECKINS).await?;
        } else {
            let json = serde_json::to_string(&all)
                .map_err(|e| FieldError::Corrupt(format!("kept check-ins: {e}")))?;
            lock.set_secret_meta(CHECKINS, &json).await?;
        }
        lock.commit().await
    }

    async fn keep_check_in(&self, pending: &PendingCheckIn) -> Result<(), FieldError> {
        let key = pending_key(&pending.user, &pending.activity);
        let pending = pending.clone();
        self.change_check_ins(|all| {
            all.insert(key, pending);
        })
        .await
    }

    async fn forget_check_in(&self, key: &str) -> Result<(), FieldError> {
        self.change_check_ins(|all| {
            all.remove(key);
        })
        .await
    }
}

/// The server's 404 for an activity, with where to find the ids.
fn not_found_activity(e: FieldError, id: &str) -> FieldError {
    match e {
        FieldError::Server {
            status: 404,
            message,
        } => FieldError::Server {
            status: 404,
            message: format!(
                "{message}: no activity {id} open to you (`linli-field volunteer activities` \
                 lists them)"
            ),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use linli_sync_core::checkin::sign;

    use super::*;

    const KEY: &[u8] = b"an activity's key, 32 bytes long";

    #[test]
    fn codes_are_read_on_the_device() {
        let i = sign(KEY, "act1", Scan::In, 29_000_000);
        let o = sign(KEY, "act1", Scan::Out, 29_000_060);
        assert!(check_code("--in", &i, "act1", Scan::In).is_ok());
        assert!(check_code("--in", &format!("  {i}\n"), "act1", Scan::In).is_ok());
        let message = |r: Result<Code, FieldError>| r.expect_err("refused").to_string();
        let typo = i.replacen("LINLI-CI1", "LINLI-C11", 1);
        assert!(message(check_code("--in", &typo, "act1", Scan::In))
            .contains("--in: not a Linli check-in code"));
        let short = &i[..i.len() - 3];
        assert!(message(check_code("--in", short, "act1", Scan::In)).contains("not a Linli"));
        assert!(message(check_code("--in", &o, "act1", Scan::In)).contains("check-out code"));
        assert!(message(check_code("--out", &i, "act1", Scan::Out)).contains("check-in code"));
        assert!(message(check_code("--in", &i, "act2", Scan::In)).contains("activity act1"));
    }

    #[test]
    fn ids_and_years_are_checked_before_they_go_into_a_path() {
        assert_eq!(check_api_id("--id", " ab12 ").unwrap(), "ab12");
        for bad in ["", "../x", "a/b", "a?b=1", "a b"] {
            assert!(check_api_id("--id", bad).is_err(), "{bad}");
        }
        assert!(check_year("2026").is_ok());
        for bad in ["26", "1899", "20x6", "20261"] {
            assert!(check_year(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unreachable_is_no_signal_not_a_refusal() {
        assert!(is_unreachable(&FieldError::Connection("x".into())));
        assert!(is_unreachable(&FieldError::Timeout(
            std::time::Duration::from_secs(1)
        )));
        assert!(is_unreachable(&FieldError::Server {
            status: 503,
            message: String::new()
        }));
        assert!(!is_unreachable(&FieldError::Server {
            status: 400,
            message: String::new()
        }));
    }

    #[tokio::test]
    async fn approved_hours_are_counted_from_the_volunteer_documents_on_the_device() {
        let tmp = tempfile::tempdir().unwrap();
        let mut c = FieldClient::open(&tmp.path().join("s.sqlite3"))
            .await
            .unwrap();
        let mine = c
            .create_volunteer("c01/s01/m01", "vol", "李秀兰")
            .await
            .unwrap();
        let other = c
            .create_volunteer("c01/s01/m01", "someone", "王芳")
            .await
            .unwrap();
        let mut approve = Vec::new();
        for (date, minutes) in [("2025-03-01", 1440), ("2026-01-02", 30)] {
            approve.push(
                c.log_hours(&mine, date, minutes, "助老", "elderly")
                    .await
                    .unwrap(),
            );
        }
        c.log_hours(&mine, "2026-02-01", 60, "未审核", "elderly")
            .await
            .unwrap();
        c.log_hours(&other, "2026-02-01", 600, "别人的", "elderly")
            .await
            .unwrap();
        // Approval is a supervisor's; written here directly, as a synced document would hold it.
        for entry in &approve {
            c.change(&mine, |tx| {
                use linli_sync_core::automerge::transaction::Transactable;
                use linli_sync_core::automerge::{ReadDoc, ROOT};
                let (_, entries) = tx.get(ROOT, "entries")?.expect("entries");
                let (_, e) = tx.get(&entries, entry.as_str())?.expect("entry");
                tx.put(&e, "status", "approved")?;
                Ok(())
            })
            .await
            .unwrap();
        }
        let s = c.device_standing(Some("vol"), "2026");
        assert_eq!(s.documents, vec![mine.to_string()]);
        assert_eq!(
            (s.approved_minutes, s.year_minutes, s.waiting_minutes),
            (1440 + 30, 30, 60)
        );
        assert_eq!((s.stars, s.next_star_hours), (0, Some(100)));
        let all = c.device_standing(None, "2026");
        assert_eq!(all.documents.len(), 2);
        assert_eq!(all.waiting_minutes, 660);
        c.close().await;
    }

    #[tokio::test]
    async fn a_check_in_is_kept_until_its_check_out_and_then_waits_for_the_server() {
        let tmp = tempfile::tempdir().unwrap();
        let c = FieldClient::open(&tmp.path().join("s.sqlite3"))
            .await
            .unwrap();
        let i = sign(KEY, "act1", Scan::In, 29_000_000);
        let o = sign(KEY, "act1", Scan::Out, 29_000_060);
        let early = sign(KEY, "act1", Scan::Out, 28_999_000);

        let err = c
            .check_in(None, "vol", "act1", None, Some(&o))
            .await
            .expect_err("no check-in yet");
        assert!(err.to_string().contains("give --in CODE"), "{err}");
        let outcome = c
            .check_in(None, "vol", "act1", Some(&i), None)
            .await
            .unwrap();
        let CheckInOutcome::AwaitingCheckOut { pending } = outcome else {
            panic!("kept for the check-out: {outcome:?}");
        };
        assert_eq!(pending.in_minute, Some(29_000_000));
        assert!(!pending.ready());
        assert_eq!(c.pending_check_ins("vol").await.unwrap().len(), 1);
        assert!(c.pending_check_ins("other").await.unwrap().is_empty());

        let err = c
            .check_in(None, "vol", "act1", None, Some(&early))
            .await
            .expect_err("out before in");
        assert!(err.to_string().contains("before the check-in"), "{err}");
        let outcome = c
            .check_in(None, "vol", "act1", None, Some(&o))
            .await
            .unwrap();
        assert!(
            matches!(&outcome, CheckInOutcome::Kept { pending, .. } if pending.ready()),
            "{outcome:?}"
        );
        let kept = c.pending_check_ins("vol").await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].check_out.as_deref(), Some(o.as_str()));
        c.close().await;
    }

    #[tokio::test]
    async fn kept_codes_are_sealed_with_the_store() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.sqlite3");
        let c = FieldClient::open(&path).await.unwrap();
        let i = sign(KEY, "act1", Scan::In, 29_000_000);
        c.check_in(None, "vol", "act1", Some(&i), None)
            .await
            .unwrap();
        c.close().await;

        // Encrypting the store in place seals them too; the key opens them.
        let (c, change) = FieldClient::open_with_password(&path, "pw").await.unwrap();
        assert_eq!(change, crate::KeyChange::Encrypted);
        let kept = c.pending_check_ins("vol").await.unwrap();
        assert_eq!(kept[0].check_in.as_deref(), Some(i.as_str()));
        c.close().await;
        let store = crate::LocalStore::open(&path).await.unwrap();
        let stored = store.meta(CHECKINS).await.unwrap().expect("kept");
        assert!(!stored.contains("LINLI-CI1"), "sealed: {stored}");
        store.close().await;
    }
}
