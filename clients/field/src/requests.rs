//! Service requests offline (docs/data-contract.md, "Requests"): a worker opens one for a
//! household; a supervisor assigns it (to a worker, a volunteer or an organisation, with its
//! due day) and closes it; the person it is assigned to (or the worker) logs what was done,
//! marks it in progress, then resolved with its outcome; the worker records the resident's
//! satisfaction. Every step appends to the request's `log`.
//!
//! Who may write what is the server's to decide (`sync-core/src/access/rules.rs`); when the
//! device knows who is logged in, it refuses the steps that are not theirs before writing,
//! with the reason.

use linli_sync_core::automerge::ReadDoc;
use linli_sync_core::automerge::ROOT;
use linli_sync_core::autosurgeon::{reconcile_insert, reconcile_prop};
use linli_sync_core::calendar::{self, DEFAULT_TIME_ZONE};
use linli_sync_core::contract::fields::{request_due, ASSIGNEE_KINDS, SATISFACTION};
use linli_sync_core::contract::{read_record, root_string, Kind, LogItem, Request, SCHEMA_VERSION};
use linli_sync_core::DocumentId;
use serde::Serialize;

use crate::checks;
use crate::household::{list_at, ID_MAX};
use crate::{FieldClient, FieldError};

/// Longest description, note or outcome.
const NOTE_MAX: usize = 2000;

/// A request to open.
#[derive(Clone, Debug, Default)]
pub struct NewRequest {
    /// The household it is about (a local household document).
    pub household: String,
    /// A request category code (`elderly`, `medical`, …).
    pub category: String,
    pub description: String,
    /// `normal` or `urgent`; empty is normal.
    pub urgency: String,
    /// Who opens it (the logged-in user).
    pub by: String,
}

/// An update by whoever works on a request; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct RequestUpdate {
    /// What was done, for the log.
    pub note: Option<String>,
    /// `in_progress` or `resolved`.
    pub status: Option<String>,
    /// What was done, in the end.
    pub outcome: Option<String>,
    pub by: String,
}

/// A supervisor's assignment.
#[derive(Clone, Debug, Default)]
pub struct Assignment {
    /// A worker's or volunteer's user name, or an organisation's id in the community record.
    pub to: String,
    /// `worker`, `volunteer` or `organization`.
    pub kind: String,
    /// The day it is due; `None`: its category's time limit from the day it opened.
    pub due: Option<String>,
    pub by: String,
}

/// A local request as listed.
#[derive(Clone, Debug, Serialize)]
pub struct RequestSummary {
    pub document_id: String,
    pub org: String,
    pub household: Option<String>,
    pub category: String,
    pub description: String,
    pub status: String,
    pub urgency: String,
    pub assignee: Option<String>,
    pub assignee_kind: String,
    pub due: Option<String>,
    pub outcome: String,
    pub satisfaction: String,
    /// When it was opened (its first log entry).
    pub opened_at: Option<String>,
    /// Past its due day and neither resolved nor closed.
    pub overdue: bool,
}

/// Who is logged in, when the device knows: user name and role.
struct Who {
    user: String,
    role: String,
}

fn finished(status: &str) -> bool {
    matches!(status, "resolved" | "closed")
}

/// A request's opening day in Beijing time: its first log entry's, else `today`.
fn opened_day(r: &Request, today: &str) -> String {
    r.log
        .first()
        .and_then(|l| calendar::local_date(&l.at, DEFAULT_TIME_ZONE))
        .unwrap_or_else(|| today.to_owned())
}

impl FieldClient {
    /// Opens a service request for a local household (offline), in the household's org,
    /// with status `open` and its first log entry; returns the new document's id.
    pub async fn open_request(&mut self, new: &NewRequest) -> Result<DocumentId, FieldError> {
        if let Some(who) = self.who().await? {
            if who.role != "worker" && who.role != "supervisor" {
                return Err(FieldError::Invalid(format!(
                    "requests are opened by grid workers (you are logged in as a {})",
                    who.role
                )));
            }
        }
        let household = crate::parse_doc_id("--household", &new.household)?;
        self.expect_kind(&household, Kind::Household)?;
        let org = self.household(&household)?.org;
        checks::request_category("--category", new.category.trim())?;
        let description = checks::text("--description", &new.description, NOTE_MAX, true)?;
        let urgency = if new.urgency.is_empty() {
            "normal".to_owned()
        } else {
            checks::one_of("--urgency", &new.urgency, &["normal", "urgent"])?;
            new.urgency.clone()
        };
        let by = checks::text("--by", &new.by, ID_MAX, false)?;
        let record = Request {
            kind: Kind::Request.as_str().into(),
            schema: SCHEMA_VERSION,
            org,
            household: Some(household.to_string()),
            category: new.category.trim().to_owned(),
            description: description.clone(),
            status: "open".into(),
            assignee: Some(String::new()),
            assignee_kind: String::new(),
            urgency,
            log: vec![LogItem {
                at: now(),
                by,
                text: description,
                status: Some("open".into()),
            }],
            ..Request::default()
        };
        self.create(&record).await
    }

    /// The local requests (with `mine`, only those assigned to that user as a worker or
    /// volunteer), overdue ones first, then by due day; `today` decides what is overdue.
    pub fn requests(
        &self,
        mine: Option<&str>,
        today: &str,
    ) -> Result<Vec<RequestSummary>, FieldError> {
        let mut rows = Vec::new();
        for id in self.document_ids() {
            let Some(doc) = self.document(&id).filter(|d| !d.get_heads().is_empty()) else {
                continue;
            };
            if root_string(doc, "kind").as_deref() != Some("request") {
                continue;
            }
            let Ok(r) = read_record::<Request>(doc) else {
                continue;
            };
            if let Some(user) = mine {
                let person = matches!(r.assignee_kind.as_str(), "worker" | "volunteer");
                if !person || r.assignee.as_deref() != Some(user) {
                    continue;
                }
            }
            let overdue = r
                .due
                .as_deref()
                .is_some_and(|d| calendar::is_date(d) && d < today)
                && !finished(&r.status);
            rows.push(RequestSummary {
                document_id: id.to_string(),
                org: r.org,
                household: r.household,
                category: r.category,
                description: r.description,
                status: r.status,
                urgency: r.urgency,
                assignee: r.assignee.filter(|a| !a.is_empty()),
                assignee_kind: r.assignee_kind,
                due: r.due,
                outcome: r.outcome,
                satisfaction: r.satisfaction,
                opened_at: r.log.first().map(|l| l.at.clone()),
                overdue,
            });
        }
        rows.sort_by(|a, b| {
            let key = |r: &RequestSummary| {
                (
                    !r.overdue,
                    r.due.is_none(),
                    r.due.clone(),
                    r.opened_at.clone(),
                    r.document_id.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        Ok(rows)
    }

    /// Logs work on a request (offline): a note, the status `in_progress` or `resolved`, the
    /// outcome; appends a log entry. The assignee's and the worker's step.
    pub async fn update_request(
        &mut self,
        id: &DocumentId,
        update: &RequestUpdate,
    ) -> Result<(), FieldError> {
        let r = self.request(id)?;
        let note = update
            .note
            .as_deref()
            .map(|n| checks::text("--note", n, NOTE_MAX, true))
            .transpose()?;
        let outcome = update
            .outcome
            .as_deref()
            .map(|o| checks::text("--outcome", o, NOTE_MAX, true))
            .transpose()?;
        if let Some(status) = &update.status {
            checks::one_of("--status", status, &["in_progress", "resolved"])?;
        }
        if note.is_none() && update.status.is_none() && outcome.is_none() {
            return Err(FieldError::Invalid(
                "nothing to change: give --note, --status or --outcome".into(),
            ));
        }
        if r.status == "closed" {
            return Err(FieldError::Invalid(format!(
                "request {id} is closed: nothing more is logged on it"
            )));
        }
        if let Some(who) = self.who().await? {
            let assigned = matches!(r.assignee_kind.as_str(), "worker" | "volunteer")
                && r.assignee.as_deref() == Some(who.user.as_str());
            if who.role == "volunteer" && !assigned {
                return Err(FieldError::Invalid(format!(
                    "request {id} is not assigned to you ({}): only the person it is assigned \
                     to, its grid's workers and supervisors update it",
                    who.user
                )));
            }
        }
        let by = checks::text("--by", &update.by, ID_MAX, false)?;
        let text = match (&note, &update.status, &outcome) {
            (Some(note), _, _) => note.clone(),
            (None, Some(status), _) => status_words(status).to_owned(),
            (None, None, Some(outcome)) => truncate(&format!("outcome: {outcome}"), NOTE_MAX),
            (None, None, None) => unreachable!("checked above"),
        };
        let item = LogItem {
            at: now(),
            by,
            text,
            status: update.status.clone(),
        };
        self.change(id, |tx| {
            if let Some(status) = &update.status {
                reconcile_prop(tx, ROOT, "status", status.as_str())?;
            }
            if let Some(outcome) = &outcome {
                reconcile_prop(tx, ROOT, "outcome", outcome.as_str())?;
            }
            append_log(tx, &item)
        })
        .await
    }

    /// Assigns a request (offline; a supervisor's step): who, what kind of assignee, the due
    /// day (by default its category's time limit from the day it opened), status
    /// `assigned`, and a log entry. Returns the due day.
    pub async fn assign_request(
        &mut self,
        id: &DocumentId,
        assignment: &Assignment,
    ) -> Result<String, FieldError> {
        self.supervisor_only("assigning a request").await?;
        let r = self.request(id)?;
        let to = checks::text("--to", &assignment.to, ID_MAX, true)?;
        checks::one_of("--kind", &assignment.kind, &ASSIGNEE_KINDS[1..])?;
        let today = checks::today_in(DEFAULT_TIME_ZONE);
        let due = match &assignment.due {
            Some(due) => {
                checks::date("--due", due)?;
                due.clone()
            }
            None => request_due(&r.category, &r.urgency, &opened_day(&r, &today))
                .unwrap_or_else(|| today.clone()),
        };
        if r.status == "closed" {
            return Err(FieldError::Invalid(format!("request {id} is closed")));
        }
        let by = checks::text("--by", &assignment.by, ID_MAX, false)?;
        let item = LogItem {
            at: now(),
            by,
            text: format!("assigned to {to} ({}), due {due}", assignment.kind),
            status: Some("assigned".into()),
        };
        self.change(id, |tx| {
            reconcile_prop(tx, ROOT, "assignee", to.as_str())?;
            reconcile_prop(tx, ROOT, "assignee_kind", assignment.kind.as_str())?;
            reconcile_prop(tx, ROOT, "due", due.as_str())?;
            reconcile_prop(tx, ROOT, "status", "assigned")?;
            append_log(tx, &item)
        })
        .await?;
        Ok(due)
    }

    /// Closes a request (offline; a supervisor's step), with the resident's satisfaction
    /// when given; appends a log entry.
    pub async fn close_request(
        &mut self,
        id: &DocumentId,
        satisfaction: Option<&str>,
        by: &str,
    ) -> Result<(), FieldError> {
        self.supervisor_only("closing a request").await?;
        let r = self.request(id)?;
        if let Some(value) = satisfaction {
            checks::one_of("--satisfaction", value, &SATISFACTION[1..])?;
        }
        if r.status == "closed" {
            return Err(FieldError::Invalid(format!(
                "request {id} is closed already"
            )));
        }
        let by = checks::text("--by", by, ID_MAX, false)?;
        let item = LogItem {
            at: now(),
            by,
            text: "closed".into(),
            status: Some("closed".into()),
        };
        self.change(id, |tx| {
            if let Some(value) = satisfaction {
                reconcile_prop(tx, ROOT, "satisfaction", value)?;
            }
            reconcile_prop(tx, ROOT, "status", "closed")?;
            append_log(tx, &item)
        })
        .await
    }

    /// Records the resident's satisfaction with a finished request (offline; the worker's
    /// step); appends a log entry.
    pub async fn record_satisfaction(
        &mut self,
        id: &DocumentId,
        value: &str,
        by: &str,
    ) -> Result<(), FieldError> {
        if let Some(who) = self.who().await? {
            if who.role == "volunteer" {
                return Err(FieldError::Invalid(
                    "the resident's satisfaction is recorded by the grid worker (or a supervisor)"
                        .into(),
                ));
            }
        }
        let r = self.request(id)?;
        checks::one_of("--value", value, &SATISFACTION[1..])?;
        if !finished(&r.status) {
            return Err(FieldError::Invalid(format!(
                "the resident's satisfaction is asked when the request is finished (resolved or \
                 closed); request {id} is {}",
                r.status
            )));
        }
        let by = checks::text("--by", by, ID_MAX, false)?;
        let item = LogItem {
            at: now(),
            by,
            text: format!("satisfaction: {value}"),
            status: None,
        };
        self.change(id, |tx| {
            reconcile_prop(tx, ROOT, "satisfaction", value)?;
            append_log(tx, &item)
        })
        .await
    }

    /// The local request `id` as a typed record.
    fn request(&self, id: &DocumentId) -> Result<Request, FieldError> {
        self.expect_kind(id, Kind::Request)?;
        let doc = self.document(id).expect("kind checked");
        read_record(doc)
            .map_err(|e| FieldError::Corrupt(format!("request {id} does not read: {e}")))
    }

    /// Who is logged in, when a login is stored.
    async fn who(&self) -> Result<Option<Who>, FieldError> {
        Ok(self.session().await?.map(|s| Who {
            user: s.user,
            role: s.role,
        }))
    }

    /// Refuses a supervisor's step when someone else is logged in.
    async fn supervisor_only(&self, what: &str) -> Result<(), FieldError> {
        match self.who().await? {
            Some(who) if who.role != "supervisor" => Err(FieldError::Invalid(format!(
                "{what} is a supervisor's step (you are logged in as a {})",
                who.role
            ))),
            _ => Ok(()),
        }
    }
}

/// Appends `item` to the request's `log`.
fn append_log(
    tx: &mut linli_sync_core::automerge::transaction::Transaction<'_>,
    item: &LogItem,
) -> Result<(), FieldError> {
    let log = list_at(tx, &ROOT, "log")?;
    let end = tx.length(&log);
    reconcile_insert(tx, log, end, item)?;
    Ok(())
}

fn status_words(status: &str) -> &'static str {
    match status {
        "in_progress" => "in progress",
        "resolved" => "resolved",
        _ => "updated",
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn now() -> String {
    calendar::iso_from_ms(crate::local_store::now_ms())
}
