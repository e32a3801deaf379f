//! Volunteer documents offline: register one, log service hours, edit an entry while it may
//! still be edited (`submitted`, or `has_issues`: editing a sent-back entry resubmits it).

use std::collections::BTreeMap;

use linli_sync_core::access::rules::EDITABLE_ENTRY_STATES;
use linli_sync_core::automerge::transaction::Transactable;
use linli_sync_core::automerge::{ObjId, ReadDoc, ROOT};
use linli_sync_core::autosurgeon::reconcile_prop;
use linli_sync_core::calendar::is_date;
use linli_sync_core::contract::{read_string, Entry, Kind, OrgPath, Volunteer, SCHEMA_VERSION};
use linli_sync_core::DocumentId;

use crate::household::{map_at, required};
use crate::{new_item_id, FieldClient, FieldError};

/// Changes to a volunteer entry; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct EntryEdit {
    pub date: Option<String>,
    pub minutes: Option<i64>,
    pub activity: Option<String>,
    pub category: Option<String>,
}

/// What an entry edit did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EntryEdited {
    /// The entry's status now.
    pub status: String,
    /// True when the entry had been sent back (`has_issues`) and is now `submitted` again.
    pub resubmitted: bool,
}

impl FieldClient {
    /// Creates a volunteer document for `user` in community `org` (offline); returns its id.
    pub async fn create_volunteer(
        &mut self,
        org: &str,
        user: &str,
        name: &str,
    ) -> Result<DocumentId, FieldError> {
        let path = OrgPath::parse(org).map_err(|e| FieldError::Invalid(e.to_string()))?;
        if !Kind::Volunteer.allowed_depths().contains(&path.depth()) {
            return Err(FieldError::Invalid(format!(
                "a volunteer belongs to a community (county/street/community), not `{org}`"
            )));
        }
        let record = Volunteer {
            kind: Kind::Volunteer.as_str().into(),
            schema: SCHEMA_VERSION,
            org: org.into(),
            user: required("user", user)?,
            name: required("name", name)?,
            registered_on: None,
            skills: Vec::new(),
            entries: BTreeMap::new(),
        };
        self.create(&record).await
    }

    /// Logs service hours into a volunteer document as a new `submitted` entry (offline);
    /// returns the entry's id.
    pub async fn log_hours(
        &mut self,
        id: &DocumentId,
        date: &str,
        minutes: i64,
        activity: &str,
        category: &str,
    ) -> Result<String, FieldError> {
        self.expect_kind(id, Kind::Volunteer)?;
        check_date(date)?;
        check_minutes(minutes)?;
        let entry = Entry {
            date: date.into(),
            minutes,
            activity: required("activity", activity)?,
            category: required("category", category)?,
            source: "self".into(),
            status: "submitted".into(),
            review: None,
        };
        let entry_id = new_item_id();
        self.change(id, |tx| {
            let entries = map_at(tx, &ROOT, "entries")?;
            reconcile_prop(tx, &entries, entry_id.as_str(), &entry)?;
            Ok(())
        })
        .await?;
        Ok(entry_id)
    }

    /// Edits the given fields of an entry (offline). Approved or rejected entries are final.
    pub async fn edit_entry(
        &mut self,
        id: &DocumentId,
        entry_id: &str,
        edit: &EntryEdit,
    ) -> Result<EntryEdited, FieldError> {
        self.expect_kind(id, Kind::Volunteer)?;
        if let Some(date) = &edit.date {
            check_date(date)?;
        }
        if let Some(minutes) = edit.minutes {
            check_minutes(minutes)?;
        }
        let activity = edit
            .activity
            .as_deref()
            .map(|a| required("activity", a))
            .transpose()?;
        let category = edit
            .category
            .as_deref()
            .map(|c| required("category", c))
            .transpose()?;
        if edit.date.is_none() && edit.minutes.is_none() && activity.is_none() && category.is_none()
        {
            return Err(FieldError::Invalid(
                "nothing to change: give --date, --minutes, --activity or --category".into(),
            ));
        }
        let (entry, status) = self.entry(id, entry_id)?;
        if !EDITABLE_ENTRY_STATES.contains(&status.as_str()) {
            return Err(FieldError::Invalid(format!(
                "entry {entry_id} is {status}; only submitted entries and entries sent back \
                 (has_issues) can be edited"
            )));
        }
        let resubmit = status == "has_issues";
        self.change(id, |tx| {
            if let Some(date) = &edit.date {
                reconcile_prop(tx, &entry, "date", date)?;
            }
            if let Some(minutes) = edit.minutes {
                reconcile_prop(tx, &entry, "minutes", minutes)?;
            }
            if let Some(activity) = &activity {
                reconcile_prop(tx, &entry, "activity", activity)?;
            }
            if let Some(category) = &category {
                reconcile_prop(tx, &entry, "category", category)?;
            }
            if resubmit {
                tx.put(&entry, "status", "submitted")?;
            }
            Ok(())
        })
        .await?;
        Ok(EntryEdited {
            status: if resubmit { "submitted".into() } else { status },
            resubmitted: resubmit,
        })
    }

    /// An entry's object and status.
    fn entry(&self, id: &DocumentId, entry_id: &str) -> Result<(ObjId, String), FieldError> {
        let doc = self
            .document(id)
            .ok_or_else(|| FieldError::NoSuchDocument(id.to_string()))?;
        let entry = match doc.get(ROOT, "entries")? {
            Some((_, entries)) => doc.get(&entries, entry_id)?,
            None => None,
        };
        let Some((_, entry)) = entry else {
            return Err(FieldError::Invalid(format!(
                "volunteer document {id} has no entry {entry_id}"
            )));
        };
        let status = read_string(doc, &entry, "status").unwrap_or_default();
        Ok((entry, status))
    }
}

fn check_date(date: &str) -> Result<(), FieldError> {
    if is_date(date) {
        Ok(())
    } else {
        Err(FieldError::Invalid(format!(
            "date `{date}` is not a date YYYY-MM-DD"
        )))
    }
}

fn check_minutes(minutes: i64) -> Result<(), FieldError> {
    if (1..=24 * 60).contains(&minutes) {
        Ok(())
    } else {
        Err(FieldError::Invalid(
            "minutes must be between 1 and 1440".into(),
        ))
    }
}
