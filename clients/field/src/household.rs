//! Households offline: register one, edit its address and tags, add and edit members, log
//! visits. New records are the contract's typed records written with autosurgeon; edits write
//! only the fields given, so concurrent edits of other fields on other devices never collide.

use std::collections::BTreeMap;

use linli_sync_core::automerge::transaction::{Transactable, Transaction};
use linli_sync_core::automerge::{ObjId, ObjType, ReadDoc, ROOT};
use linli_sync_core::autosurgeon::{reconcile_insert, reconcile_prop};
use linli_sync_core::calendar::is_date;
use linli_sync_core::contract::{Household, Kind, Member, OrgPath, Visit, SCHEMA_VERSION};
use linli_sync_core::DocumentId;

use crate::{new_item_id, FieldClient, FieldError};

/// Changes to a household's own fields; `None` and empty lists leave a field as it is.
#[derive(Clone, Debug, Default)]
pub struct HouseholdEdit {
    pub address: Option<String>,
    /// Tags to set (`dibao`, …).
    pub tag: Vec<String>,
    /// Tags to clear.
    pub untag: Vec<String>,
}

/// Changes to a member; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct MemberEdit {
    pub name: Option<String>,
    pub gender: Option<String>,
    pub birth_year: Option<i64>,
    pub relation: Option<String>,
    pub phone: Option<String>,
    pub id_tail: Option<String>,
    pub employment: Option<String>,
    pub health_record: Option<bool>,
}

/// A visit to log.
#[derive(Clone, Debug, Default)]
pub struct NewVisit {
    pub purpose: String,
    pub notes: String,
    pub needs: Vec<String>,
    /// A follow-up date, `YYYY-MM-DD`.
    pub follow_up: Option<String>,
    /// Who visited (a user name).
    pub by: String,
    /// When, ISO 8601; `None` is now.
    pub at: Option<String>,
}

impl FieldClient {
    /// Registers a household in grid `org` (offline), with its head of household as the first
    /// member when `head` is given; returns the document id and the head's member id.
    pub async fn create_household(
        &mut self,
        org: &str,
        address: &str,
        head: Option<&str>,
    ) -> Result<(DocumentId, Option<String>), FieldError> {
        let path = OrgPath::parse(org).map_err(|e| FieldError::Invalid(e.to_string()))?;
        if !Kind::Household.allowed_depths().contains(&path.depth()) {
            return Err(FieldError::Invalid(format!(
                "a household belongs to a grid (county/street/community/grid), not `{org}`"
            )));
        }
        let address = required("address", address)?;
        let mut members = BTreeMap::new();
        let head_id = match head {
            Some(name) => {
                let id = new_item_id();
                members.insert(
                    id.clone(),
                    Member {
                        name: required("head of household's name", name)?,
                        relation: "head".into(),
                        ..Member::default()
                    },
                );
                Some(id)
            }
            None => None,
        };
        let record = Household {
            kind: Kind::Household.as_str().into(),
            schema: SCHEMA_VERSION,
            org: org.into(),
            address,
            members,
            ..Household::default()
        };
        Ok((self.create(&record).await?, head_id))
    }

    /// Edits a household's address and tags (offline).
    pub async fn edit_household(
        &mut self,
        id: &DocumentId,
        edit: &HouseholdEdit,
    ) -> Result<(), FieldError> {
        self.expect_kind(id, Kind::Household)?;
        let address = edit
            .address
            .as_deref()
            .map(|a| required("address", a))
            .transpose()?;
        if address.is_none() && edit.tag.is_empty() && edit.untag.is_empty() {
            return Err(FieldError::Invalid(
                "nothing to change: give --address, --tag or --untag".into(),
            ));
        }
        self.change(id, |tx| {
            if let Some(address) = &address {
                reconcile_prop(tx, ROOT, "address", address)?;
            }
            if !edit.tag.is_empty() || !edit.untag.is_empty() {
                let tags = map_at(tx, &ROOT, "tags")?;
                for tag in &edit.tag {
                    reconcile_prop(tx, &tags, tag.as_str(), true)?;
                }
                for tag in &edit.untag {
                    reconcile_prop(tx, &tags, tag.as_str(), false)?;
                }
            }
            Ok(())
        })
        .await
    }

    /// Adds a member to a household (offline); returns the member's id.
    pub async fn add_member(
        &mut self,
        id: &DocumentId,
        member: &Member,
    ) -> Result<String, FieldError> {
        self.expect_kind(id, Kind::Household)?;
        required("name", &member.name)?;
        check_member_fields(member.birth_year, &member.id_tail)?;
        let member_id = new_item_id();
        self.change(id, |tx| {
            let members = map_at(tx, &ROOT, "members")?;
            reconcile_prop(tx, &members, member_id.as_str(), member)?;
            Ok(())
        })
        .await?;
        Ok(member_id)
    }

    /// Edits the given fields of a member (offline).
    pub async fn edit_member(
        &mut self,
        id: &DocumentId,
        member_id: &str,
        edit: &MemberEdit,
    ) -> Result<(), FieldError> {
        self.expect_kind(id, Kind::Household)?;
        if let Some(name) = &edit.name {
            required("name", name)?;
        }
        check_member_fields(edit.birth_year, edit.id_tail.as_deref().unwrap_or(""))?;
        let doc = self.document(id).expect("kind checked");
        let member = match doc.get(ROOT, "members")? {
            Some((_, members)) => doc.get(&members, member_id)?,
            None => None,
        };
        let Some((_, member)) = member else {
            return Err(FieldError::Invalid(format!(
                "household {id} has no member {member_id}"
            )));
        };
        let strings = [
            ("name", &edit.name),
            ("gender", &edit.gender),
            ("relation", &edit.relation),
            ("phone", &edit.phone),
            ("id_tail", &edit.id_tail),
            ("employment", &edit.employment),
        ];
        if strings.iter().all(|(_, v)| v.is_none())
            && edit.birth_year.is_none()
            && edit.health_record.is_none()
        {
            return Err(FieldError::Invalid("nothing to change".into()));
        }
        self.change(id, |tx| {
            for (field, value) in strings {
                if let Some(value) = value {
                    reconcile_prop(tx, &member, field, value)?;
                }
            }
            if let Some(year) = edit.birth_year {
                reconcile_prop(tx, &member, "birth_year", year)?;
            }
            if let Some(flag) = edit.health_record {
                reconcile_prop(tx, &member, "health_record", flag)?;
            }
            Ok(())
        })
        .await
    }

    /// Marks a member as no longer living in the household (offline): `reason` is
    /// `moved_out`, `deceased` or `registered_elsewhere`, `date` when. Members are never
    /// deleted; the server refuses a deletion.
    pub async fn remove_member(
        &mut self,
        id: &DocumentId,
        member_id: &str,
        reason: &str,
        date: &str,
    ) -> Result<(), FieldError> {
        self.expect_kind(id, Kind::Household)?;
        let reasons = &linli_sync_core::contract::fields::REMOVAL_REASONS[1..];
        if !reasons.contains(&reason) {
            return Err(FieldError::Invalid(format!(
                "--reason must be one of {}",
                reasons.join(", ")
            )));
        }
        if !is_date(date) {
            return Err(FieldError::Invalid(format!(
                "--date {date} is not YYYY-MM-DD"
            )));
        }
        let doc = self.document(id).expect("kind checked");
        let member = match doc.get(ROOT, "members")? {
            Some((_, members)) => doc.get(&members, member_id)?,
            None => None,
        };
        let Some((_, member)) = member else {
            return Err(FieldError::Invalid(format!(
                "household {id} has no member {member_id}"
            )));
        };
        self.change(id, |tx| {
            reconcile_prop(tx, &member, "removed_reason", reason)?;
            reconcile_prop(tx, &member, "removed_on", date)?;
            Ok(())
        })
        .await
    }

    /// Logs a visit to a household (offline); returns the visit's id.
    pub async fn log_visit(
        &mut self,
        id: &DocumentId,
        visit: &NewVisit,
    ) -> Result<String, FieldError> {
        self.expect_kind(id, Kind::Household)?;
        let purpose = required("purpose", &visit.purpose)?;
        if let Some(date) = &visit.follow_up {
            if !is_date(date) {
                return Err(FieldError::Invalid(format!(
                    "follow-up `{date}` is not a date YYYY-MM-DD"
                )));
            }
        }
        let record = Visit {
            id: new_item_id(),
            at: visit.at.clone().unwrap_or_else(|| {
                linli_sync_core::calendar::iso_from_ms(crate::local_store::now_ms())
            }),
            by: visit.by.clone(),
            purpose,
            notes: visit.notes.trim().to_owned(),
            needs: visit
                .needs
                .iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect(),
            follow_up: visit.follow_up.clone(),
            review: None,
        };
        self.change(id, |tx| {
            let visits = match tx.get(ROOT, "visits")? {
                Some((_, obj)) => obj,
                None => tx.put_object(ROOT, "visits", ObjType::List)?,
            };
            let end = tx.length(&visits);
            reconcile_insert(tx, visits, end, &record)?;
            Ok(())
        })
        .await?;
        Ok(record.id)
    }
}

/// The map at `obj[key]`, made if absent.
pub(crate) fn map_at(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
) -> Result<ObjId, FieldError> {
    Ok(match tx.get(obj, key)? {
        Some((_, map)) => map,
        None => tx.put_object(obj, key, ObjType::Map)?,
    })
}

/// A required text, trimmed.
pub(crate) fn required(what: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::Invalid(format!("{what} must not be empty")));
    }
    Ok(value.to_owned())
}

fn check_member_fields(birth_year: Option<i64>, id_tail: &str) -> Result<(), FieldError> {
    if let Some(year) = birth_year {
        if !(1900..=2100).contains(&year) {
            return Err(FieldError::Invalid(format!(
                "birth year {year} is not between 1900 and 2100"
            )));
        }
    }
    if id_tail.chars().count() > 4 {
        return Err(FieldError::Invalid(
            "id tail is the last four characters of the ID card number, never more".into(),
        ));
    }
    Ok(())
}
