//! Changes the server makes to a document on a person's behalf: a supervisor's review
//! decision, a step of merging duplicate households, a settled conflict, writes accepted from
//! quarantine. One type, [`ServerEdit`], applied by [`DocumentSync::apply_server_edit`]: the
//! document's actor on the server runs every kind the same way (apply, commit, answer once
//! durable), and a new kind of edit is added here, next to the logic it calls.

use automerge::ActorId;

use crate::access::Principal;
use crate::conflicts::{self, ConflictValue, ResolveError};
use crate::contract::{Household, Kind};
use crate::doc_sync::{DocumentSync, Existence};
use crate::merge::{self, MergePlan};
use crate::review::{self, Decision, ReviewError};

/// What a review decision applies to.
#[derive(Debug, Clone)]
pub enum ReviewTarget {
    /// Entries of a volunteer document, by id.
    Entries(Vec<String>),
    /// A household record itself.
    Household,
    /// Visits of a household, by id.
    Visits(Vec<String>),
}

/// One step of merging (or unmerging) two registrations of a household.
#[derive(Debug, Clone)]
pub enum MergeStep {
    /// Write the plan into the kept registration, with values from the other.
    Absorb {
        other: Box<Household>,
        plan: MergePlan,
    },
    /// Mark this registration merged into another (`None`: not merged any more).
    Mark(Option<String>),
    /// Take back what the plan added to the kept registration.
    Undo(MergePlan),
}

/// A change the server makes as a person (the supervisor who decided).
#[derive(Debug, Clone)]
pub enum ServerEdit {
    /// A review decision on the record, its visits or its entries.
    Review {
        target: ReviewTarget,
        decision: Decision,
    },
    /// A step of merging duplicate households.
    Merge(MergeStep),
    /// Resolve a conflict: write `value` into the field, if it still holds exactly the values `seen` (the review
    /// item's candidates).
    Resolve {
        path: Vec<String>,
        value: serde_json::Value,
        seen: Vec<ConflictValue>,
    },
    /// Write values refused earlier and accepted from quarantine, each checked against its
    /// field's rule.
    Accept {
        writes: Vec<(Vec<String>, serde_json::Value)>,
    },
    /// Deliver changes a device could not sync (its user left the document's scope, so it
    /// handed them to quarantine), once a supervisor accepts them: applied as `author` made
    /// them, judged by the rules for `author`'s role, bound to `author`'s device. All or
    /// nothing.
    Deliver {
        /// The changes, concatenated as `Change::raw_bytes`.
        changes: Vec<u8>,
        /// Who made them, with the document's unit as their scope (the supervisor vouches
        /// that it was theirs when they made them).
        author: Principal,
    },
    /// Credit a volunteer with hours the server counted (check-in at an activity): a new
    /// entry `id`, submitted, written only if no entry `id` exists.
    Credit {
        id: String,
        entry: crate::contract::Entry,
    },
    /// Move a household to another unit (a family moved to another grid): its `org` is
    /// rewritten; its history stays whole, and who may read it follows the new unit.
    Move {
        to: crate::contract::OrgPath,
        /// Why, as the supervisor gave it (kept in the change's message).
        reason: String,
        /// The day the family moved (`YYYY-MM-DD`): indicators count the household in the
        /// new unit from that day on.
        on: String,
    },
}

/// Why a server edit was not made (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Review(#[from] ReviewError),
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// Handed-over changes that cannot be delivered, and why.
    #[error("cannot deliver: {0}")]
    Deliver(String),
    /// A record that cannot be moved, and why.
    #[error("cannot move: {0}")]
    Move(String),
}

impl DocumentSync {
    /// Makes `edit` as `actor` (bound to `by`), committed with the next `take_commit`; at
    /// `time_secs`. Nothing is written when it does not fit the document.
    pub fn apply_server_edit(
        &mut self,
        edit: &ServerEdit,
        actor: &ActorId,
        by: &Principal,
        time_secs: i64,
    ) -> Result<(), EditError> {
        let kind = match self.existence() {
            Existence::Stored(root) => Some(root.kind),
            Existence::Tentative => None,
        };
        match edit {
            ServerEdit::Review { target, decision } => {
                let message = format!("linli: review by {}", by.user);
                match (kind, target) {
                    (Some(Kind::Volunteer), ReviewTarget::Entries(ids)) => {
                        self.server_edit(actor, by, time_secs, &message, |tx| {
                            review::review_entries(tx, ids, decision)
                        })?
                    }
                    (Some(Kind::Household), ReviewTarget::Household) => {
                        self.server_edit(actor, by, time_secs, &message, |tx| {
                            review::review_household(tx, decision)
                        })?
                    }
                    (Some(Kind::Household), ReviewTarget::Visits(ids)) => {
                        self.server_edit(actor, by, time_secs, &message, |tx| {
                            review::review_visits(tx, ids, decision)
                        })?
                    }
                    _ => return Err(ReviewError::BadDecision(decision.status.clone()).into()),
                }
            }
            ServerEdit::Credit { id, entry } => {
                if kind != Some(Kind::Volunteer) {
                    return Err(ReviewError::BadDecision("credit".into()).into());
                }
                let message = format!("linli: {} credited by {}", entry.source, by.user);
                self.server_edit(actor, by, time_secs, &message, |tx| {
                    review::credit_entry(tx, id, entry)
                })?
            }
            ServerEdit::Merge(step) => {
                if kind != Some(Kind::Household) {
                    return Err(ReviewError::BadDecision("merge".into()).into());
                }
                let message = format!("linli: duplicate merge by {}", by.user);
                self.server_edit(actor, by, time_secs, &message, |tx| match step {
                    MergeStep::Absorb { other, plan } => merge::apply(tx, other, plan),
                    MergeStep::Mark(into) => merge::mark(tx, into.as_deref()),
                    MergeStep::Undo(plan) => merge::undo(tx, plan),
                })?
            }
            ServerEdit::Resolve { path, value, seen } => {
                self.resolve_conflict(path, value, seen, actor, by, time_secs)?
            }
            ServerEdit::Move { to, reason, on } => {
                if kind != Some(Kind::Household) {
                    return Err(EditError::Move("only households move".into()));
                }
                let message = format!("linli: moved to {to} on {on} by {}: {reason}", by.user);
                self.move_to(to, on, actor, by, time_secs, &message)
                    .map_err(EditError::Move)?
            }
            ServerEdit::Deliver { changes, author } => self
                .deliver(changes, author, time_secs.saturating_mul(1000))
                .map_err(EditError::Deliver)?,
            ServerEdit::Accept { writes } => {
                let Some(kind) = kind else {
                    return Err(
                        ResolveError::NoSuchField("(the document is not stored)".into()).into(),
                    );
                };
                for (path, value) in writes {
                    conflicts::check_value(kind, path, value)?;
                }
                let message = format!("linli: accepted from quarantine by {}", by.user);
                self.server_edit(actor, by, time_secs, &message, |tx| {
                    writes.iter().try_for_each(|(path, value)| {
                        conflicts::write_value_making_maps(tx, path, value)
                    })
                })?
            }
        }
        Ok(())
    }
}
