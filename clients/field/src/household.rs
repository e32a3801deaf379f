//! Households offline: register one, edit its address and tags (each tag change kept with its
//! day), add and edit members (employment with the day it changed, trainings, disability, who
//! is the head), log visits (with the phone's location when given). New records are the
//! contract's typed records written with autosurgeon; edits write only the fields given, so
//! concurrent edits of other fields on other devices never collide. Values are checked before
//! they are written (`checks.rs`); the server checks them again.

use std::collections::BTreeMap;

use linli_sync_core::automerge::transaction::{Transactable, Transaction};
use linli_sync_core::automerge::{ObjId, ObjType, ReadDoc, Value, ROOT};
use linli_sync_core::autosurgeon::{reconcile_insert, reconcile_prop};
use linli_sync_core::contract::fields::{RELATIONS, REMOVAL_REASONS};
use linli_sync_core::contract::{
    read_record, EmploymentSpell, Household, Kind, Location, Member, OrgPath, TagChange, Training,
    Visit, SCHEMA_VERSION,
};
use linli_sync_core::DocumentId;

use crate::checks;
use crate::{new_item_id, FieldClient, FieldError};

/// Longest user name, member, visit or document id the contract takes.
pub(crate) const ID_MAX: usize = 64;

/// Changes to a household's own fields; `None` and empty lists leave a field as it is.
#[derive(Clone, Debug, Default)]
pub struct HouseholdEdit {
    pub address: Option<String>,
    /// Tags to set (`dibao`, …).
    pub tag: Vec<String>,
    /// Tags to clear.
    pub untag: Vec<String>,
    /// The day the tag changes took effect (`YYYY-MM-DD`); `None` is today.
    pub on: Option<String>,
    /// Who records the tag changes (the logged-in user).
    pub by: String,
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
    /// The kind of disability (`physical`, …), as the certificate states it.
    pub disability_kind: Option<String>,
    /// Its grade, 1 to 4.
    pub disability_grade: Option<i64>,
    /// Clears the member's disability.
    pub no_disability: bool,
}

/// A change of a member's employment from a day on.
#[derive(Clone, Debug, Default)]
pub struct EmploymentChange {
    /// `employed`, `unemployed`, `retired`, `student` or `unable`.
    pub status: String,
    /// The first day of that status, `YYYY-MM-DD`.
    pub since: String,
    /// Able to work (有劳动能力); `None` leaves it as it is.
    pub able: Option<bool>,
    /// Wants work (有就业愿望); `None` leaves it as it is.
    pub willing: Option<bool>,
}

/// What a change of employment did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EmploymentRecorded {
    /// The new entry's id in `employment_history`.
    pub entry: String,
    /// The member's `employment` now: the status of the latest entry.
    pub employment: String,
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
        let address = checks::text("address", address, 200, true)?;
        let mut members = BTreeMap::new();
        let head_id = match head {
            Some(name) => {
                let id = new_item_id();
                members.insert(
                    id.clone(),
                    Member {
                        name: checks::text("head of household's name", name, 50, true)?,
                        relation: "head".into(),
                        ..Member::default()
                    },
                );
                Some(id)
            }
            None => None,
        };
        // `tag_changes` is made with the household, as the contract asks (the map is written
        // once; each change is added to it).
        let record = Household {
            kind: Kind::Household.as_str().into(),
            schema: SCHEMA_VERSION,
            org: org.into(),
            address,
            members,
            tag_changes: BTreeMap::new(),
            ..Household::default()
        };
        Ok((self.create(&record).await?, head_id))
    }

    /// Edits a household's address and tags (offline); each tag set or cleared is also
    /// recorded in `tag_changes` with its day.
    pub async fn edit_household(
        &mut self,
        id: &DocumentId,
        edit: &HouseholdEdit,
    ) -> Result<(), FieldError> {
        self.expect_kind(id, Kind::Household)?;
        let address = edit
            .address
            .as_deref()
            .map(|a| checks::text("--address", a, 200, true))
            .transpose()?;
        if address.is_none() && edit.tag.is_empty() && edit.untag.is_empty() {
            return Err(FieldError::Invalid(
                "nothing to change: give --address, --tag or --untag".into(),
            ));
        }
        let mut changes = Vec::new();
        for tag in &edit.tag {
            checks::household_tag("--tag", tag)?;
            changes.push((tag.as_str(), true));
        }
        for tag in &edit.untag {
            checks::household_tag("--untag", tag)?;
            changes.push((tag.as_str(), false));
        }
        let on = tag_day(edit.on.as_deref())?;
        let by = checks::text("--by", &edit.by, ID_MAX, false)?;
        self.change(id, |tx| {
            if let Some(address) = &address {
                reconcile_prop(tx, ROOT, "address", address)?;
            }
            for (tag, set) in changes {
                write_tag(tx, tag, set, &on, &by)?;
            }
            Ok(())
        })
        .await
    }

    /// Sets (`set`) or clears a household's tag from the day `on` (`None`: today), and
    /// records the change in `tag_changes` with who made it (offline); returns the change's
    /// id. `zero_employment` is derived and never set.
    pub async fn change_tag(
        &mut self,
        id: &DocumentId,
        tag: &str,
        set: bool,
        on: Option<&str>,
        by: &str,
    ) -> Result<String, FieldError> {
        self.expect_kind(id, Kind::Household)?;
        checks::household_tag(if set { "--set" } else { "--clear" }, tag)?;
        let on = tag_day(on)?;
        let by = checks::text("--by", by, ID_MAX, false)?;
        let mut change_id = String::new();
        self.change(id, |tx| {
            change_id = write_tag(tx, tag, set, &on, &by)?;
            Ok(())
        })
        .await?;
        Ok(change_id)
    }

    /// Adds a member to a household (offline); returns the member's id. A household has one
    /// head: make another member the head with [`make_head`](Self::make_head).
    pub async fn add_member(
        &mut self,
        id: &DocumentId,
        member: &Member,
    ) -> Result<String, FieldError> {
        self.expect_kind(id, Kind::Household)?;
        let mut member = member.clone();
        member.name = checks::text("--name", &member.name, 50, true)?;
        check_member(&member)?;
        if let Some(d) = &member.disability {
            if d.kind.is_empty() {
                return Err(FieldError::Invalid(
                    "--disability-grade goes with --disability-kind".into(),
                ));
            }
        }
        if member.relation == "head" {
            let household = self.household(id)?;
            if let Some(head) = heads(&household).first() {
                return Err(FieldError::Invalid(format!(
                    "household {id} has a head already (member {head}): add the member with \
                     another --relation, then `household member head` to make them the head"
                )));
            }
        }
        let member_id = new_item_id();
        self.change(id, |tx| {
            let members = map_at(tx, &ROOT, "members")?;
            reconcile_prop(tx, &members, member_id.as_str(), &member)?;
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
        let name = edit
            .name
            .as_deref()
            .map(|n| checks::text("--name", n, 50, true))
            .transpose()?;
        check_member(&Member {
            gender: edit.gender.clone().unwrap_or_default(),
            birth_year: edit.birth_year,
            relation: edit.relation.clone().unwrap_or_default(),
            id_tail: edit.id_tail.clone().unwrap_or_default(),
            phone: edit.phone.clone().unwrap_or_default(),
            employment: edit.employment.clone().unwrap_or_default(),
            ..Member::default()
        })?;
        checks::disability(edit.disability_kind.as_deref(), edit.disability_grade)?;
        if edit.no_disability && (edit.disability_kind.is_some() || edit.disability_grade.is_some())
        {
            return Err(FieldError::Invalid(
                "--no-disability clears the disability: give it without --disability-kind or \
                 --disability-grade"
                    .into(),
            ));
        }
        let (member, current) = self.member(id, member_id)?;
        if edit.relation.as_deref() == Some("head") && current.relation != "head" {
            let household = self.household(id)?;
            if let Some(head) = heads(&household).iter().find(|h| *h != member_id) {
                return Err(FieldError::Invalid(format!(
                    "household {id} has a head already (member {head}): use `household member \
                     head --member {member_id}` to make this member the head"
                )));
            }
        }
        let has_disability = current.disability.is_some();
        if edit.disability_grade.is_some() && edit.disability_kind.is_none() && !has_disability {
            return Err(FieldError::Invalid(format!(
                "member {member_id} has no disability recorded: give --disability-kind with \
                 --disability-grade"
            )));
        }
        let strings = [
            ("name", &name),
            ("gender", &edit.gender),
            ("relation", &edit.relation),
            ("phone", &edit.phone),
            ("id_tail", &edit.id_tail),
            ("employment", &edit.employment),
        ];
        if strings.iter().all(|(_, v)| v.is_none())
            && edit.birth_year.is_none()
            && edit.health_record.is_none()
            && edit.disability_kind.is_none()
            && edit.disability_grade.is_none()
            && !edit.no_disability
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
            if edit.no_disability {
                if tx.get(&member, "disability")?.is_some() {
                    tx.delete(&member, "disability")?;
                }
            } else if edit.disability_kind.is_some() || edit.disability_grade.is_some() {
                let disability = map_at(tx, &member, "disability")?;
                if let Some(kind) = &edit.disability_kind {
                    reconcile_prop(tx, &disability, "kind", kind)?;
                }
                if let Some(grade) = edit.disability_grade {
                    reconcile_prop(tx, &disability, "grade", grade)?;
                }
            }
            Ok(())
        })
        .await
    }

    /// Records a member's employment from a day on (offline): a new entry in
    /// `employment_history`, `employment` set to the status of the latest entry, and
    /// whether they are able and willing to work when given.
    pub async fn record_employment(
        &mut self,
        id: &DocumentId,
        member_id: &str,
        change: &EmploymentChange,
    ) -> Result<EmploymentRecorded, FieldError> {
        self.expect_kind(id, Kind::Household)?;
        checks::employment_status(&change.status)?;
        checks::date("--since", &change.since)?;
        let (member, current) = self.member(id, member_id)?;
        // The latest entry decides `employment`; on a tie, the one recorded now.
        let latest = current
            .employment_history
            .values()
            .filter(|s| !s.status.is_empty() && s.since > change.since)
            .max_by(|a, b| a.since.cmp(&b.since))
            .map_or(change.status.clone(), |s| s.status.clone());
        let entry = new_item_id();
        let spell = EmploymentSpell {
            since: change.since.clone(),
            status: change.status.clone(),
        };
        self.change(id, |tx| {
            let history = map_at(tx, &member, "employment_history")?;
            reconcile_prop(tx, &history, entry.as_str(), &spell)?;
            reconcile_prop(tx, &member, "employment", latest.as_str())?;
            if let Some(able) = change.able {
                reconcile_prop(tx, &member, "able_to_work", able)?;
            }
            if let Some(willing) = change.willing {
                reconcile_prop(tx, &member, "willing_to_work", willing)?;
            }
            Ok(())
        })
        .await?;
        Ok(EmploymentRecorded {
            entry,
            employment: latest,
        })
    }

    /// Records a skills training a member received on `on` (offline); returns its id.
    pub async fn add_training(
        &mut self,
        id: &DocumentId,
        member_id: &str,
        on: &str,
        course: &str,
    ) -> Result<String, FieldError> {
        self.expect_kind(id, Kind::Household)?;
        checks::date("--on", on)?;
        let training = Training {
            on: on.to_owned(),
            course: checks::text("--course", course, 100, true)?,
        };
        let (member, _) = self.member(id, member_id)?;
        let training_id = new_item_id();
        self.change(id, |tx| {
            let trainings = map_at(tx, &member, "trainings")?;
            reconcile_prop(tx, &trainings, training_id.as_str(), &training)?;
            Ok(())
        })
        .await?;
        Ok(training_id)
    }

    /// Makes a member the head of household (offline); the previous head's relation becomes
    /// `other`. Returns the previous heads' ids, or `None` when the member was the only head
    /// already (then nothing is written).
    pub async fn make_head(
        &mut self,
        id: &DocumentId,
        member_id: &str,
    ) -> Result<Option<Vec<String>>, FieldError> {
        self.expect_kind(id, Kind::Household)?;
        let (member, current) = self.member(id, member_id)?;
        if current.is_removed() {
            return Err(FieldError::Invalid(format!(
                "member {member_id} no longer lives in the household ({}): a head must live there",
                current.removed_reason
            )));
        }
        let household = self.household(id)?;
        let previous: Vec<String> = heads(&household)
            .into_iter()
            .filter(|h| h != member_id)
            .collect();
        if current.relation == "head" && previous.is_empty() {
            return Ok(None);
        }
        let doc = self.document(id).expect("kind checked");
        let Some((_, members)) = doc.get(ROOT, "members")? else {
            return Err(FieldError::Invalid(format!(
                "household {id} has no members"
            )));
        };
        let mut previous_objs = Vec::new();
        for head in &previous {
            if let Some((_, obj)) = doc.get(&members, head.as_str())? {
                previous_objs.push(obj);
            }
        }
        self.change(id, |tx| {
            for obj in &previous_objs {
                reconcile_prop(tx, obj, "relation", "other")?;
            }
            reconcile_prop(tx, &member, "relation", "head")?;
            Ok(())
        })
        .await?;
        Ok(Some(previous))
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
        checks::one_of("--reason", reason, &REMOVAL_REASONS[1..])?;
        checks::date("--date", date)?;
        let (member, _) = self.member(id, member_id)?;
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
        self.log_visit_at(id, visit, None).await
    }

    /// Logs a visit to a household with where the phone was, when given (offline); returns
    /// the visit's id. The purpose is text (the apps write a code from
    /// [`VISIT_PURPOSES`](linli_sync_core::contract::fields::VISIT_PURPOSES), see
    /// [`checks::visit_codes`](crate::checks::visit_codes)).
    pub async fn log_visit_at(
        &mut self,
        id: &DocumentId,
        visit: &NewVisit,
        location: Option<Location>,
    ) -> Result<String, FieldError> {
        self.expect_kind(id, Kind::Household)?;
        let purpose = checks::text("--purpose", &visit.purpose, 100, true)?;
        let notes = checks::text("--notes", &visit.notes, 2000, false)?;
        let mut needs = Vec::new();
        for need in &visit.needs {
            let need = checks::text("--need", need, 100, false)?;
            if !need.is_empty() {
                needs.push(need);
            }
        }
        if let Some(date) = &visit.follow_up {
            checks::date("--follow-up", date)?;
        }
        let by = checks::text("--by", &visit.by, ID_MAX, false)?;
        if let Some(at) = &location {
            checks::visit_location(Some(at.lat), Some(at.lon), at.accuracy_m)?;
        }
        let record = Visit {
            id: new_item_id(),
            at: visit.at.clone().unwrap_or_else(|| {
                linli_sync_core::calendar::iso_from_ms(crate::local_store::now_ms())
            }),
            by,
            purpose,
            notes,
            needs,
            follow_up: visit.follow_up.clone(),
            location,
            ..Visit::default()
        };
        self.change(id, |tx| {
            let visits = list_at(tx, &ROOT, "visits")?;
            let end = tx.length(&visits);
            reconcile_insert(tx, visits, end, &record)?;
            Ok(())
        })
        .await?;
        Ok(record.id)
    }

    /// The local household `id` as a typed record.
    pub(crate) fn household(&self, id: &DocumentId) -> Result<Household, FieldError> {
        let doc = self
            .document(id)
            .ok_or_else(|| FieldError::NoSuchDocument(id.to_string()))?;
        read_record(doc)
            .map_err(|e| FieldError::Corrupt(format!("household {id} does not read: {e}")))
    }

    /// A member's object in the household and the member as it reads now.
    fn member(&self, id: &DocumentId, member_id: &str) -> Result<(ObjId, Member), FieldError> {
        let doc = self
            .document(id)
            .ok_or_else(|| FieldError::NoSuchDocument(id.to_string()))?;
        let member = match doc.get(ROOT, "members")? {
            Some((_, members)) => doc.get(&members, member_id)?,
            None => None,
        };
        let Some((Value::Object(ObjType::Map), obj)) = member else {
            return Err(FieldError::Invalid(format!(
                "household {id} has no member {member_id} (see `linli-field show {id}`)"
            )));
        };
        let typed = self
            .household(id)?
            .members
            .remove(member_id)
            .unwrap_or_default();
        Ok((obj, typed))
    }
}

/// The day a tag change takes effect: `on`, or today (Beijing time).
fn tag_day(on: Option<&str>) -> Result<String, FieldError> {
    match on {
        Some(on) => {
            checks::date("--on", on)?;
            Ok(on.to_owned())
        }
        None => Ok(checks::today_in(
            linli_sync_core::calendar::DEFAULT_TIME_ZONE,
        )),
    }
}

/// Writes `tags/<tag>` and appends its change to `tag_changes`; returns the change's id.
fn write_tag(
    tx: &mut Transaction<'_>,
    tag: &str,
    set: bool,
    on: &str,
    by: &str,
) -> Result<String, FieldError> {
    let tags = map_at(tx, &ROOT, "tags")?;
    reconcile_prop(tx, &tags, tag, set)?;
    let changes = map_at(tx, &ROOT, "tag_changes")?;
    let change_id = new_item_id();
    let change = TagChange {
        tag: tag.to_owned(),
        on: on.to_owned(),
        set,
        by: by.to_owned(),
    };
    reconcile_prop(tx, &changes, change_id.as_str(), &change)?;
    Ok(change_id)
}

/// The ids of the members living in the household whose relation is `head`.
fn heads(h: &Household) -> Vec<String> {
    h.members
        .iter()
        .filter(|(_, m)| m.relation == "head" && !m.is_removed())
        .map(|(id, _)| id.clone())
        .collect()
}

/// Checks a member's coded and formatted fields (empty ones pass: not given).
fn check_member(m: &Member) -> Result<(), FieldError> {
    checks::gender(&m.gender)?;
    checks::one_of("--relation", &m.relation, RELATIONS)?;
    checks::employment(&m.employment)?;
    checks::phone(&m.phone)?;
    checks::id_tail(&m.id_tail)?;
    if let Some(year) = m.birth_year {
        checks::birth_year(year)?;
    }
    if let Some(d) = &m.disability {
        let kind = Some(d.kind.as_str()).filter(|k| !k.is_empty());
        checks::disability(kind, d.grade)?;
    }
    Ok(())
}

/// The map at `obj[key]`, made if absent (or if what is there is not a map).
pub(crate) fn map_at(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
) -> Result<ObjId, FieldError> {
    Ok(match tx.get(obj, key)? {
        Some((Value::Object(ObjType::Map), map)) => map,
        _ => tx.put_object(obj, key, ObjType::Map)?,
    })
}

/// The list at `obj[key]`, made if absent (or if what is there is not a list).
pub(crate) fn list_at(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    key: &str,
) -> Result<ObjId, FieldError> {
    Ok(match tx.get(obj, key)? {
        Some((Value::Object(ObjType::List), list)) => list,
        _ => tx.put_object(obj, key, ObjType::List)?,
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
