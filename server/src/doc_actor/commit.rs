//! Committing a document's owed changes when other nodes may write it too, and catching up
//! with what they stored.
//!
//! Every commit names the highest change `seq` this node holds; the store refuses it
//! ([`CommitOutcome::Behind`]) if another node stored changes after that. The actor then takes
//! the commit back, applies the stored changes (durable already) and commits again on top of
//! them, so a commit's conflict check and projection always see the merged document.

use std::str::FromStr;

use linli_sync_core::automerge::ActorId;
use linli_sync_core::doc_sync::{Pending, StoredError};

use super::Actor;
use crate::store::{CommitOutcome, CommitRequest, NewChange, Origin};

/// Commits taken back and tried again on top of other nodes' changes, at most.
const MAX_RETRIES: usize = 8;

impl Actor {
    /// Commits what is owed (retrying on top of other nodes' changes), or stores a refusal.
    pub(super) async fn commit_owed(&mut self) {
        for attempt in 0.. {
            let commit = match self.sync.take_commit() {
                Pending::Nothing => return,
                Pending::Refused(refusal, authors) => {
                    let reason = refusal.reason.clone();
                    tracing::info!(document = %self.key, %reason, "refused a new document");
                    let entry = self.quarantine_entry(&refusal);
                    if let Err(e) = self.hub.store().quarantine(&entry).await {
                        tracing::error!(document = %self.key, error = %e, "could not quarantine refused changes");
                    }
                    for peer in &authors {
                        self.send_error(peer, &format!("document {} refused: {reason}", self.key));
                    }
                    return;
                }
                Pending::Commit(commit) => commit,
            };
            let changes: Vec<NewChange> =
                commit.changes.iter().map(NewChange::from_change).collect();
            let origin = match commit.authors.first() {
                Some(peer) if commit.authors.len() == 1 => self.origin_of(peer),
                _ => Origin::default(),
            };
            self.advance_record(&commit);
            let extras = self.commit_extras(&commit);
            let rows = extras.projection.as_ref().map(|w| w.rows.clone());
            let result = self
                .hub
                .committer()
                .commit(CommitRequest {
                    document_id: self.key.clone(),
                    create: commit.create.clone(),
                    changes,
                    origin,
                    extras,
                })
                .await;
            let behind = matches!(result, Ok(CommitOutcome::Behind));
            let why = match result {
                Ok(CommitOutcome::Stored { last_seq, added }) => {
                    self.sync.committed(&commit);
                    self.resend_backoff = super::FIRST_RESEND;
                    if commit.create.is_none() {
                        self.follow_merge(&commit.authors);
                    }
                    self.last_seq = last_seq;
                    self.projected = rows.map(|rows| (last_seq, rows));
                    self.changes_since_snapshot += added;
                    if self.changes_since_snapshot >= self.hub.settings().snapshot_every {
                        self.compact().await;
                    }
                    return;
                }
                Ok(CommitOutcome::Behind) if attempt < MAX_RETRIES && commit.create.is_none() => {
                    // Another node stored changes first: commit again on top of them.
                    self.sync.retract(commit);
                    if !self.catch_up().await {
                        self.forget_owed("could not read other nodes' changes");
                        return;
                    }
                    continue;
                }
                Ok(CommitOutcome::Behind) => "another node stored changes first".to_string(),
                Ok(CommitOutcome::ActorTaken(actor)) => {
                    format!("actor {actor} was bound to another device by another node")
                }
                Err(e) => {
                    let why = e.to_string();
                    self.failure = Some(std::sync::Arc::new(e));
                    why
                }
            };
            tracing::error!(document = %self.key, error = %why, "commit failed; nothing was acknowledged");
            self.lost = true;
            let peers = self.sync.rollback(&commit);
            if behind {
                // Contention, not failure: the changes may go in at the next try.
                self.sync.ask_peers_to_resend();
            } else {
                // Storage failed: ask again once it may work (sooner, then less often).
                let wait = self.resend_backoff;
                self.resend_at = Some(tokio::time::Instant::now() + wait);
                self.resend_backoff = (wait * 2).min(super::LAST_RESEND);
            }
            for peer in peers {
                self.send_error(
                    &peer,
                    "the server could not store your changes; they will be sent again",
                );
            }
            // What another node stored (a creation, a binding) is taken in before peers resend.
            self.catch_up().await;
            return;
        }
    }

    /// Reads the changes other nodes stored after `last_seq` and applies them; false when
    /// they could not be read or applied (then a later notice or commit tries again).
    pub(super) async fn catch_up(&mut self) -> bool {
        let store = self.hub.store().clone();
        let stored = match store.changes_after(&self.key, self.last_seq).await {
            Ok(Some(stored)) => stored,
            Ok(None) => return true,
            Err(e) => {
                tracing::warn!(document = %self.key, error = %e, "could not read other nodes' changes");
                self.stale = true;
                return false;
            }
        };
        let Some(last_seq) = stored.changes.last().map(|c| c.seq) else {
            return true;
        };
        // Bindings made by another node are read only when a change uses an actor not known
        // here (then they are needed to judge this node's peers).
        let unknown = stored
            .changes
            .iter()
            .any(|c| ActorId::from_str(&c.actor).map_or(true, |a| !self.sync.knows_actor(&a)));
        let bindings = if unknown {
            match store.actor_bindings(&self.key).await {
                Ok(rows) => rows
                    .into_iter()
                    .filter_map(|(actor, device)| Some((ActorId::from_str(&actor).ok()?, device)))
                    .collect(),
                Err(e) => {
                    tracing::warn!(document = %self.key, error = %e, "could not read actor bindings");
                    self.stale = true;
                    return false;
                }
            }
        } else {
            Vec::new()
        };
        let bytes: Vec<Vec<u8>> = stored.changes.into_iter().map(|c| c.bytes).collect();
        let applied = match self
            .sync
            .apply_stored(&stored.root, &bytes, bindings.clone())
        {
            Err(StoredError::BindingTaken(actor)) => {
                self.forget_owed(&format!("actor {actor} is bound to another device"));
                self.sync.apply_stored(&stored.root, &bytes, bindings)
            }
            other => other,
        };
        match applied {
            Ok(fresh) => {
                self.last_seq = last_seq;
                self.changes_since_snapshot += fresh as u64;
                tracing::debug!(document = %self.key, fresh, last_seq, "caught up with other nodes");
                true
            }
            Err(e) => {
                tracing::error!(document = %self.key, error = %e, "could not apply other nodes' changes");
                false
            }
        }
    }

    /// Drops what is owed and not stored; its authors send it again.
    fn forget_owed(&mut self, why: &str) {
        tracing::warn!(document = %self.key, %why, "dropped changes not stored yet");
        self.lost = true;
        for peer in self.sync.forget_owed() {
            self.send_error(
                &peer,
                "the server could not store your changes; they will be sent again",
            );
        }
    }
}
