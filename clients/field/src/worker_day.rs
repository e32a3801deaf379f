//! The grid worker's day on the command line: households, their members and tags, the
//! follow-ups due, and service requests (opened by the worker, assigned and closed by a
//! supervisor, worked on by whoever they are assigned to). Everything here works offline.

use linli_field::{
    checks, Assignment, EmploymentChange, FieldClient, FieldError, HouseholdEdit, MemberEdit,
    NewRequest, RequestUpdate,
};
use linli_sync_core::calendar::DEFAULT_TIME_ZONE;
use linli_sync_core::contract::{Disability, Member, Tags};
use serde_json::json;

use crate::cli::{HouseholdCommand, MemberCommand, RequestCommand, TrainingCommand};
use crate::output::{to_json, Output};
use crate::{doc_id, logged_in_user};

/// The logged-in user's name, or empty (working with `--token` only).
async fn user_or_empty(client: &FieldClient) -> Result<String, FieldError> {
    Ok(client.session().await?.map(|s| s.user).unwrap_or_default())
}

/// A member's disability from `--disability-kind` and `--disability-grade`.
fn disability(kind: &Option<String>, grade: Option<i64>) -> Option<Disability> {
    match (kind, grade) {
        (None, None) => None,
        (kind, grade) => Some(Disability {
            kind: kind.clone().unwrap_or_default(),
            grade,
        }),
    }
}

pub async fn household(
    client: &mut FieldClient,
    cmd: &HouseholdCommand,
) -> Result<Output, FieldError> {
    Ok(match cmd {
        HouseholdCommand::Create { org, address, head } => {
            let (id, head_id) = client
                .create_household(org, address, head.as_deref())
                .await?;
            let mut text = format!("Created household {id} (offline).");
            if let Some(m) = &head_id {
                text.push_str(&format!("\nHead of household: member {m}."));
            }
            Output::new(
                json!({ "documentId": id.to_string(), "url": id.url(), "memberId": head_id }),
                text,
            )
        }
        HouseholdCommand::Edit {
            doc,
            address,
            tag,
            untag,
        } => {
            let edit = HouseholdEdit {
                address: address.clone(),
                tag: tag.clone(),
                untag: untag.clone(),
                on: None,
                by: user_or_empty(client).await?,
            };
            client.edit_household(&doc_id(doc)?, &edit).await?;
            Output::new(json!({ "ok": true }), "Saved (offline).")
        }
        HouseholdCommand::Tag {
            doc,
            set,
            clear,
            on,
            by,
        } => {
            let (tag, is_set) = match (set, clear) {
                (Some(tag), _) => (tag, true),
                (None, Some(tag)) => (tag, false),
                (None, None) => {
                    return Err(FieldError::Invalid("give --set TAG or --clear TAG".into()))
                }
            };
            let by = match by {
                Some(by) => by.clone(),
                None => logged_in_user(client, "--by").await?,
            };
            let on = on
                .clone()
                .unwrap_or_else(|| checks::today_in(DEFAULT_TIME_ZONE));
            let change = client
                .change_tag(&doc_id(doc)?, tag, is_set, Some(&on), &by)
                .await?;
            Output::new(
                json!({ "changeId": change, "tag": tag, "set": is_set, "on": on, "by": by }),
                format!(
                    "{} tag {tag} from {on} (offline).",
                    if is_set { "Set" } else { "Cleared" }
                ),
            )
        }
        HouseholdCommand::Due { org } => {
            let today = checks::today_in(DEFAULT_TIME_ZONE);
            let report = client.households_due(org.as_deref(), &today, DEFAULT_TIME_ZONE)?;
            let mut lines = vec![format!(
                "Follow-ups as of {today} ({}), {} households:",
                report.time_zone,
                report.households.len()
            )];
            for h in &report.households {
                let state = serde_json::to_value(h.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                lines.push(format!(
                    "{}  {:<7}  {:<10}  every {:>2} days  {}  {}{}",
                    h.document_id,
                    state,
                    h.due.as_deref().unwrap_or("-"),
                    h.every,
                    h.address,
                    h.head,
                    if h.tags.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", h.tags.join(", "))
                    }
                ));
            }
            if report.communities_with_rules.is_empty() {
                lines.push(
                    "No community record on this device: the default intervals apply (`pull` \
                     fetches your community's)."
                        .into(),
                );
            }
            Output::new(to_json(&report), lines.join("\n"))
        }
        HouseholdCommand::Member(cmd) => member(client, cmd).await?,
    })
}

async fn member(client: &mut FieldClient, cmd: &MemberCommand) -> Result<Output, FieldError> {
    Ok(match cmd {
        MemberCommand::Add { doc, name, fields } => {
            let member = Member {
                name: name.clone(),
                gender: fields.gender.clone().unwrap_or_default(),
                birth_year: fields.birth_year,
                relation: fields.relation.clone().unwrap_or_default(),
                id_tail: fields.id_tail.clone().unwrap_or_default(),
                phone: fields.phone.clone().unwrap_or_default(),
                employment: fields.employment.clone().unwrap_or_default(),
                health_record: fields.health_record.unwrap_or(false),
                tags: Tags::new(),
                disability: disability(&fields.disability_kind, fields.disability_grade),
                ..Member::default()
            };
            let id = client.add_member(&doc_id(doc)?, &member).await?;
            Output::new(
                json!({ "memberId": id }),
                format!("Added member {id} (offline)."),
            )
        }
        MemberCommand::Edit {
            doc,
            member,
            name,
            fields,
            no_disability,
        } => {
            let edit = MemberEdit {
                name: name.clone(),
                gender: fields.gender.clone(),
                birth_year: fields.birth_year,
                relation: fields.relation.clone(),
                phone: fields.phone.clone(),
                id_tail: fields.id_tail.clone(),
                employment: fields.employment.clone(),
                health_record: fields.health_record,
                disability_kind: fields.disability_kind.clone(),
                disability_grade: fields.disability_grade,
                no_disability: *no_disability,
            };
            client.edit_member(&doc_id(doc)?, member, &edit).await?;
            Output::new(json!({ "ok": true }), "Saved (offline).")
        }
        MemberCommand::Employment {
            doc,
            member,
            status,
            since,
            able,
            willing,
        } => {
            let change = EmploymentChange {
                status: status.clone(),
                since: since.clone(),
                able: *able,
                willing: *willing,
            };
            let done = client
                .record_employment(&doc_id(doc)?, member, &change)
                .await?;
            Output::new(
                json!({ "entryId": done.entry, "employment": done.employment }),
                format!(
                    "Recorded {status} from {since} (entry {}); employment now: {} (offline).",
                    done.entry, done.employment
                ),
            )
        }
        MemberCommand::Training(TrainingCommand::Add {
            doc,
            member,
            on,
            course,
        }) => {
            let id = client
                .add_training(&doc_id(doc)?, member, on, course)
                .await?;
            Output::new(
                json!({ "trainingId": id }),
                format!("Recorded training {id} (offline)."),
            )
        }
        MemberCommand::Head { doc, member } => {
            let changed = client.make_head(&doc_id(doc)?, member).await?;
            let text = match &changed {
                None => format!("Member {member} is the head already; nothing changed."),
                Some(previous) if previous.is_empty() => {
                    format!("Member {member} is the head now (offline).")
                }
                Some(previous) => format!(
                    "Member {member} is the head now; {} is `other` (offline).",
                    previous.join(", ")
                ),
            };
            Output::new(
                json!({ "memberId": member, "changed": changed.is_some(),
                        "previousHeads": changed.unwrap_or_default() }),
                text,
            )
        }
        MemberCommand::Remove {
            doc,
            member,
            reason,
            date,
        } => {
            client
                .remove_member(&doc_id(doc)?, member, reason, date)
                .await?;
            Output::new(json!({ "ok": true }), "Marked as left (offline).")
        }
    })
}

pub async fn request(client: &mut FieldClient, cmd: &RequestCommand) -> Result<Output, FieldError> {
    Ok(match cmd {
        RequestCommand::Open {
            household,
            category,
            description,
            urgency,
        } => {
            let new = NewRequest {
                household: household.clone(),
                category: category.clone(),
                description: description.clone(),
                urgency: urgency.clone(),
                by: logged_in_user(client, "a login").await?,
            };
            let id = client.open_request(&new).await?;
            Output::new(
                json!({ "documentId": id.to_string(), "url": id.url() }),
                format!("Opened request {id} (offline)."),
            )
        }
        RequestCommand::List { mine } => {
            let me = if *mine {
                Some(logged_in_user(client, "a login (for --mine)").await?)
            } else {
                None
            };
            let today = checks::today_in(DEFAULT_TIME_ZONE);
            let rows = client.requests(me.as_deref(), &today)?;
            let text = if rows.is_empty() {
                "No requests on this device.".to_owned()
            } else {
                rows.iter()
                    .map(|r| {
                        let assignee = match r.assignee.as_deref() {
                            Some(a) if !r.assignee_kind.is_empty() => {
                                format!("{a} ({})", r.assignee_kind)
                            }
                            Some(a) => a.to_owned(),
                            None => "-".into(),
                        };
                        format!(
                            "{}  {:<11}  {:<11}  due {:<10}  {}{}{}",
                            r.document_id,
                            r.category,
                            r.status,
                            r.due.as_deref().unwrap_or("-"),
                            assignee,
                            if r.urgency == "urgent" {
                                "  URGENT"
                            } else {
                                ""
                            },
                            if r.overdue { "  OVERDUE" } else { "" },
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Output::new(to_json(&rows), text)
        }
        RequestCommand::Update {
            doc,
            note,
            status,
            outcome,
        } => {
            let update = RequestUpdate {
                note: note.clone(),
                status: status.clone(),
                outcome: outcome.clone(),
                by: logged_in_user(client, "a login").await?,
            };
            client.update_request(&doc_id(doc)?, &update).await?;
            Output::new(json!({ "ok": true, "status": status }), "Saved (offline).")
        }
        RequestCommand::Assign { doc, to, kind, due } => {
            let assignment = Assignment {
                to: to.clone(),
                kind: kind.clone(),
                due: due.clone(),
                by: logged_in_user(client, "a login").await?,
            };
            let due = client.assign_request(&doc_id(doc)?, &assignment).await?;
            Output::new(
                json!({ "ok": true, "assignee": to, "assignee_kind": kind, "due": due }),
                format!("Assigned to {to} ({kind}), due {due} (offline)."),
            )
        }
        RequestCommand::Close { doc, satisfaction } => {
            let by = logged_in_user(client, "a login").await?;
            client
                .close_request(&doc_id(doc)?, satisfaction.as_deref(), &by)
                .await?;
            Output::new(json!({ "ok": true }), "Closed (offline).")
        }
        RequestCommand::Satisfaction { doc, value } => {
            let by = logged_in_user(client, "a login").await?;
            client
                .record_satisfaction(&doc_id(doc)?, value, &by)
                .await?;
            Output::new(
                json!({ "ok": true, "satisfaction": value }),
                format!("Recorded: {value} (offline)."),
            )
        }
    })
}
