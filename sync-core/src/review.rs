//! Supervisors' review decisions written into documents: volunteer entries approved, rejected
//! or sent back with a note, and households marked received, approved or sent back. The note
//! travels with the document, so the author sees it on their device, offline.

use automerge::transaction::{Transactable, Transaction};
use automerge::{AutomergeError, ObjType, ReadDoc, ROOT};

/// States a supervisor may give a volunteer entry.
pub const ENTRY_DECISIONS: &[&str] = &["approved", "rejected", "has_issues", "submitted"];
/// States a supervisor may give a household record.
pub const HOUSEHOLD_DECISIONS: &[&str] = &["received", "approved", "has_issues"];

/// Why a review could not be written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReviewError {
    #[error("`{0}` is not a decision for this record")]
    BadDecision(String),
    #[error("no entry `{0}`")]
    NoSuchEntry(String),
    #[error("entry `{0}` exists already")]
    EntryExists(String),
    #[error("automerge: {0}")]
    Automerge(String),
}

impl From<AutomergeError> for ReviewError {
    fn from(e: AutomergeError) -> Self {
        ReviewError::Automerge(e.to_string())
    }
}

/// One decision: who, when (ISO 8601), the new status and the note.
#[derive(Debug, Clone)]
pub struct Decision {
    pub status: String,
    pub note: String,
    pub by: String,
    pub at: String,
}

/// Sets `status` and `review {by, at, note}` on each listed entry.
pub fn review_entries(
    tx: &mut Transaction<'_>,
    entry_ids: &[String],
    d: &Decision,
) -> Result<(), ReviewError> {
    if !ENTRY_DECISIONS.contains(&d.status.as_str()) {
        return Err(ReviewError::BadDecision(d.status.clone()));
    }
    let entries = match tx.get(ROOT, "entries")? {
        Some((_, id)) => id,
        None => {
            return Err(ReviewError::NoSuchEntry(
                entry_ids.first().cloned().unwrap_or_default(),
            ))
        }
    };
    for id in entry_ids {
        let Some((_, entry)) = tx.get(&entries, id.as_str())? else {
            return Err(ReviewError::NoSuchEntry(id.clone()));
        };
        tx.put(&entry, "status", d.status.as_str())?;
        let review = tx.put_object(&entry, "review", ObjType::Map)?;
        tx.put(&review, "by", d.by.as_str())?;
        tx.put(&review, "at", d.at.as_str())?;
        tx.put(&review, "note", d.note.as_str())?;
    }
    Ok(())
}

/// Writes entry `id`, credited by the server (check-in hours from an organiser's signed
/// codes): submitted, with an empty review, for the organiser to confirm. Refused when entry
/// `id` exists already, so that one attendance is credited once.
pub fn credit_entry(
    tx: &mut Transaction<'_>,
    id: &str,
    entry: &crate::contract::Entry,
) -> Result<(), ReviewError> {
    let entries = match tx.get(ROOT, "entries")? {
        Some((_, entries)) => entries,
        None => tx.put_object(ROOT, "entries", ObjType::Map)?,
    };
    if tx.get(&entries, id)?.is_some() {
        return Err(ReviewError::EntryExists(id.to_owned()));
    }
    let e = tx.put_object(&entries, id, ObjType::Map)?;
    tx.put(&e, "date", entry.date.as_str())?;
    tx.put(&e, "minutes", entry.minutes)?;
    tx.put(&e, "activity", entry.activity.as_str())?;
    tx.put(&e, "category", entry.category.as_str())?;
    tx.put(&e, "source", entry.source.as_str())?;
    tx.put(&e, "status", "submitted")?;
    let review = tx.put_object(&e, "review", ObjType::Map)?;
    for key in ["by", "at", "note"] {
        tx.put(&review, key, "")?;
    }
    Ok(())
}

/// Writes a fresh `review {status, note, by, at}` map into `obj`.
fn put_review(
    tx: &mut Transaction<'_>,
    obj: &automerge::ObjId,
    d: &Decision,
) -> Result<(), ReviewError> {
    let review = tx.put_object(obj, "review", ObjType::Map)?;
    tx.put(&review, "status", d.status.as_str())?;
    tx.put(&review, "note", d.note.as_str())?;
    tx.put(&review, "by", d.by.as_str())?;
    tx.put(&review, "at", d.at.as_str())?;
    Ok(())
}

/// Sets `review {status, note, by, at}` on each listed visit of a household.
pub fn review_visits(
    tx: &mut Transaction<'_>,
    visit_ids: &[String],
    d: &Decision,
) -> Result<(), ReviewError> {
    if !HOUSEHOLD_DECISIONS.contains(&d.status.as_str()) {
        return Err(ReviewError::BadDecision(d.status.clone()));
    }
    let Some((_, visits)) = tx.get(ROOT, "visits")? else {
        return Err(ReviewError::NoSuchEntry(
            visit_ids.first().cloned().unwrap_or_default(),
        ));
    };
    for id in visit_ids {
        let found = (0..tx.length(&visits)).find_map(|i| {
            let (_, v) = tx.get(&visits, i).ok()??;
            (crate::contract::read_string(tx, &v, "id").as_deref() == Some(id.as_str()))
                .then_some(v)
        });
        let Some(visit) = found else {
            return Err(ReviewError::NoSuchEntry(id.clone()));
        };
        put_review(tx, &visit, d)?;
    }
    Ok(())
}

/// Sets a household's `review {status, note, by, at}`.
pub fn review_household(tx: &mut Transaction<'_>, d: &Decision) -> Result<(), ReviewError> {
    if !HOUSEHOLD_DECISIONS.contains(&d.status.as_str()) {
        return Err(ReviewError::BadDecision(d.status.clone()));
    }
    put_review(tx, &ROOT, d)
}
