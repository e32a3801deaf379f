//! Durable storage through sqlx: SQLite (the embedded default) or PostgreSQL, one schema, the
//! same queries. Every query goes through one [`AnyPool`]: the same SQL text runs on either
//! backend (`$n` placeholders work on both), and the few statements that differ ask
//! [`Store::is_postgres`].

use linli_sync_core::contract::{Kind, OrgPath, RootInfo};
use sqlx::{AnyConnection, AnyPool, PgPool, Row};

use crate::clock::now_ms;

/// A database, SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// PostgreSQL only: a pool opened lazily on the same database for `LISTEN` (the cluster's
    /// change notices), which the `Any` driver does not offer.
    listen: Option<PgPool>,
}

/// Inserts one quarantine row through `conn` (a pooled connection or a transaction).
async fn quarantine_insert(
    conn: impl sqlx::AnyExecutor<'_>,
    entry: &QuarantineEntry,
    now: i64,
) -> Result<(), sqlx::Error> {
    let digest = digest_hex(&entry.bytes);
    sqlx::query(
        "INSERT INTO quarantine (document_id, peer, user_id, device_id, reason, digest, bytes, received_at, org, writes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (document_id, digest) DO NOTHING",
    )
    .bind(entry.document_id.as_str())
    .bind(entry.origin.peer.as_deref())
    .bind(entry.origin.user.as_deref())
    .bind(entry.origin.device.as_deref())
    .bind(entry.reason.as_str())
    .bind(digest.as_str())
    .bind(entry.bytes.as_slice())
    .bind(now)
    .bind(entry.org.as_deref())
    .bind(entry.writes.as_deref())
    .execute(conn)
    .await
    .map(|_| ())
}

pub mod activities;
pub mod audit;
pub mod backup;
mod catch_up;
pub mod certificates;
mod conflicts;
mod documents;
mod follow_ups;
pub mod group_commit;
mod household_list;
pub mod household_moves;
mod identity;
pub mod indicator_versions;
pub mod merges;
mod open;
mod people;
pub mod projection;
pub mod quarantine;
mod reproject;
mod requests;
mod signing_secret;
pub mod volunteer_export;
pub mod volunteer_signups;
pub mod volunteer_standing;
pub use household_list::HouseholdFilter;
pub use reproject::PROJECTION_VERSION;
mod write_tx;

pub use catch_up::{StoredChange, StoredSince};
pub use conflicts::ConflictRow;
pub use documents::{DocumentRow, ReadScope};
pub use follow_ups::FollowUpFacts;
pub use identity::{DeviceRow, RefreshUse, UserRow};
pub use open::{open, SQLITE_FILE};
pub use people::{DeviceListing, OrgListing, UserChange, UserListing};
pub use requests::{RequestFilter, RequestRow};

/// A stored document, ready to be loaded into memory.
#[derive(Debug)]
pub struct StoredDocument {
    pub root: RootInfo,
    /// The latest compacted snapshot, if any.
    pub snapshot: Option<Vec<u8>>,
    /// Changes committed after the snapshot, oldest first.
    pub changes: Vec<Vec<u8>>,
    /// The highest change `seq` of the document loaded (every change up to it is loaded).
    pub last_seq: i64,
}

/// A stored document's kind, org and snapshot (`upto_seq` and bytes) if it has one.
type DocumentHead = (String, String, Option<i64>, Option<Vec<u8>>);

/// The `LISTEN`/`NOTIFY` channel on which commits announce new changes to other nodes.
pub const CHANGES_CHANNEL: &str = "linli_changes";

/// What [`Store::commit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// Committed. `last_seq` is the document's highest change `seq` now, and the committer
    /// holds every change up to it; `added` counts the changes that were new.
    Stored { last_seq: i64, added: u64 },
    /// Another writer stored changes after `known_seq`: nothing was written; catch up first.
    Behind,
    /// This actor is already bound to another device (by another node): nothing was written.
    ActorTaken(String),
}

/// One change to append to the log.
#[derive(Debug, Clone)]
pub struct NewChange {
    pub hash: String,
    pub actor: String,
    pub bytes: Vec<u8>,
}

impl NewChange {
    /// The log row for an automerge change.
    pub fn from_change(change: &linli_sync_core::automerge::Change) -> Self {
        Self {
            hash: change.hash().to_string(),
            actor: change.actor_id().to_hex_string(),
            bytes: change.raw_bytes().to_vec(),
        }
    }
}

/// An actor seen for the first time in a document, bound to the device that sent it.
#[derive(Debug, Clone)]
pub struct Binding {
    /// The actor id, hex.
    pub actor: String,
    pub user: String,
    pub device: String,
}

/// Everything else a commit checks or writes in its transaction.
#[derive(Debug, Clone, Default)]
pub struct CommitExtras {
    /// The highest change `seq` of the document the committer holds (0: none). Another node
    /// may have stored changes after it: then nothing is written ([`CommitOutcome::Behind`]).
    pub known_seq: i64,
    /// Payload of a `NOTIFY` on [`CHANGES_CHANNEL`] sent with the transaction when it stores
    /// new changes (PostgreSQL only; other nodes catch up on it).
    pub notice: Option<String>,
    pub bindings: Vec<Binding>,
    pub quarantine: Vec<QuarantineEntry>,
    pub conflicts: Vec<NewConflict>,
    pub resolved: Vec<Resolved>,
    /// Reviewed fields this commit wrote that now hold one value: their open conflict items
    /// are closed as superseded (the field changed after the conflict was seen).
    pub superseded: Vec<String>,
    /// The document's rows as of this commit.
    pub projection: Option<projection::ProjectionWrite>,
    /// The document moved in this commit. Its row follows the new unit, the move is
    /// recorded (indicators follow it from its day), and the old unit's indicators are
    /// counted again too.
    pub moved: Option<Move>,
}

/// A household moved to another unit, as a commit records it in `household_moves`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub from: String,
    pub to: String,
    /// The day it is in `to` from (`YYYY-MM-DD`).
    pub on: String,
}

/// One document's commit, owned, for [`Store::commit_group`].
#[derive(Debug, Clone)]
pub struct CommitRequest {
    pub document_id: String,
    pub create: Option<RootInfo>,
    pub changes: Vec<NewChange>,
    pub origin: Origin,
    pub extras: CommitExtras,
}

/// A review item to open (or refresh, while one of the same kind is open for the field).
#[derive(Debug, Clone)]
pub struct NewConflict {
    pub path: String,
    /// JSON array of `{value, actor, time}`.
    pub candidates: String,
    /// `conflict` (concurrent values) or `implausible` (a valid value unlikely to be right).
    pub item: &'static str,
    /// Why the item was opened, for the supervisor.
    pub note: Option<String>,
}

/// A conflicted field a supervisor resolved.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub path: String,
    pub by: String,
    /// The chosen value, JSON.
    pub value: String,
}

/// Who sent something, as far as the server knows.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub peer: Option<String>,
    pub user: Option<String>,
    pub device: Option<String>,
}

/// One page of review items: `sql` binds the status as `$1`, the scope and the scope followed
/// by `/` as `$2` and `$3`, the page's limit and offset as `$4` and `$5`.
async fn page_in_scope<T>(
    pool: &AnyPool,
    sql: &str,
    status: &str,
    scope: &str,
    (limit, offset): (i64, i64),
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sqlx::query_as(sql)
        .bind(status)
        .bind(scope)
        .bind(format!("{scope}/"))
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
}

/// Refused bytes to keep, with the reason.
#[derive(Debug, Clone)]
pub struct QuarantineEntry {
    pub document_id: String,
    pub origin: Origin,
    pub reason: String,
    pub bytes: Vec<u8>,
    /// Who may see it: the document's org, or the sender's when the document is not stored.
    pub org: Option<String>,
    /// The refused writes a supervisor may apply, JSON `[{path, value}]`.
    pub writes: Option<String>,
}

/// A quarantined item as stored.
#[derive(Debug, Clone)]
pub struct QuarantinedItem {
    pub document_id: String,
    pub peer: Option<String>,
    pub user: Option<String>,
    pub device: Option<String>,
    pub reason: String,
    pub bytes: Vec<u8>,
}

/// One document's commit, borrowed: what [`commit_statements`] writes.
struct CommitParts<'a> {
    document_id: &'a str,
    create: Option<&'a RootInfo>,
    changes: &'a [NewChange],
    origin: &'a Origin,
    extras: &'a CommitExtras,
}

/// The statements of one document's commit, run on `tx` (a transaction or a savepoint).
/// Shared by single and group commits.
async fn commit_statements(
    tx: &mut AnyConnection,
    commit: CommitParts<'_>,
    now: i64,
    postgres: bool,
) -> Result<CommitOutcome, sqlx::Error> {
    let CommitParts {
        document_id: id,
        create,
        changes,
        origin,
        extras,
    } = commit;
    if let Some(moved) = &extras.moved {
        sqlx::query("UPDATE documents SET org = $1 WHERE id = $2")
            .bind(&moved.to)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        household_moves::record(&mut *tx, id, moved, now).await?;
    }
    if let Some(root) = create {
        sqlx::query("INSERT INTO documents (id, kind, org, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
                        .bind(id)
                        .bind(root.kind.as_str())
                        .bind(root.org.as_str())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
    }
    // Take the document's row lock before reading its log: other nodes' commits of
    // this document wait here until this one ends, and this one sees theirs.
    sqlx::query("UPDATE documents SET change_count = change_count WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let stored: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM changes WHERE document_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if stored > extras.known_seq {
        return Ok(CommitOutcome::Behind);
    }
    let mut added = 0_i64;
    for change in changes {
        let result = sqlx::query(
                        "INSERT INTO changes (document_id, hash, actor, peer, user_id, device_id, bytes, received_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (document_id, hash) DO NOTHING",
                    )
                    .bind(id)
                    .bind(&change.hash)
                    .bind(&change.actor)
                    .bind(&origin.peer)
                    .bind(&origin.user)
                    .bind(&origin.device)
                    .bind(&change.bytes)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
        added += result.rows_affected() as i64;
    }
    sqlx::query("UPDATE documents SET change_count = change_count + $1 WHERE id = $2")
        .bind(added)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for b in &extras.bindings {
        sqlx::query(
            "INSERT INTO actor_bindings (document_id, actor, user_name, device_id, bound_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (document_id, actor) DO NOTHING",
        )
        .bind(id)
        .bind(&b.actor)
        .bind(&b.user)
        .bind(&b.device)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let device: String = sqlx::query_scalar(
            "SELECT device_id FROM actor_bindings WHERE document_id = $1 AND actor = $2",
        )
        .bind(id)
        .bind(&b.actor)
        .fetch_one(&mut *tx)
        .await?;
        if device != b.device {
            return Ok(CommitOutcome::ActorTaken(b.actor.clone()));
        }
    }
    for q in &extras.quarantine {
        quarantine_insert(&mut *tx, q, now).await?;
    }
    for s in &extras.resolved {
        sqlx::query(
                        "UPDATE conflicts SET status = 'resolved', resolved_at = $1, resolved_by = $2, resolution = $3 \
                         WHERE document_id = $4 AND path = $5 AND status = 'open'",
                    )
                    .bind(now)
                    .bind(&s.by)
                    .bind(&s.value)
                    .bind(id)
                    .bind(&s.path)
                    .execute(&mut *tx)
                    .await?;
    }
    if let Some(w) = &extras.projection {
        projection::apply_projection(&mut *tx, id, w).await?;
    }
    for path in &extras.superseded {
        sqlx::query(
                        "UPDATE conflicts SET status = 'superseded', resolved_at = $1, note = 'changed_again' \
                         WHERE document_id = $2 AND path = $3 AND status = 'open' AND item IN ('conflict', 'removed_edited')",
                    )
                    .bind(now)
                    .bind(id)
                    .bind(path)
                    .execute(&mut *tx)
                    .await?;
    }
    for c in &extras.conflicts {
        sqlx::query(
                        "INSERT INTO conflicts (document_id, path, candidates, status, opened_at, item, note) VALUES ($1, $2, $3, 'open', $4, $5, $6) \
                         ON CONFLICT (document_id, path, item) WHERE status = 'open' DO UPDATE SET candidates = excluded.candidates, note = excluded.note",
                    )
                    .bind(id)
                    .bind(&c.path)
                    .bind(&c.candidates)
                    .bind(now)
                    .bind(c.item)
                    .bind(&c.note)
                    .execute(&mut *tx)
                    .await?;
    }
    if let (true, true, Some(notice)) = (postgres, added > 0, &extras.notice) {
        // Delivered to listeners when (and only if) the transaction commits.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANGES_CHANNEL)
            .bind(notice)
            .execute(&mut *tx)
            .await?;
    }
    let last_seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM changes WHERE document_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    Ok(CommitOutcome::Stored {
        last_seq,
        added: added as u64,
    })
}

impl Store {
    /// Which backend this is, for logs.
    pub fn backend(&self) -> &'static str {
        if self.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// Whether the database is PostgreSQL (else SQLite).
    pub fn is_postgres(&self) -> bool {
        self.listen.is_some()
    }

    /// The pool every query runs on.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A store on an open, migrated SQLite pool (benchmarks seed through one with their own
    /// settings; servers use [`open`]).
    pub fn on_sqlite_pool(pool: AnyPool) -> Self {
        Store { pool, listen: None }
    }

    /// PostgreSQL: a pool for `LISTEN` (it opens a connection only when asked for one).
    pub fn listen_pool(&self) -> Option<&PgPool> {
        self.listen.as_ref()
    }

    /// The server's storage id (advertised to peers); made on first use.
    pub async fn storage_id(&self) -> Result<String, sqlx::Error> {
        let fresh = format!("linli-{:032x}", rand::random::<u128>());
        let pool = self.pool();
        sqlx::query("INSERT INTO server_meta (key, value) VALUES ('storage_id', $1) ON CONFLICT (key) DO NOTHING")
                .bind(&fresh)
                .execute(pool)
                .await?;
        sqlx::query_scalar::<_, String>("SELECT value FROM server_meta WHERE key = 'storage_id'")
            .fetch_one(pool)
            .await
    }

    /// A stored document's kind and org (`None`: not stored).
    pub(crate) async fn stored_root(&self, id: &str) -> Result<Option<RootInfo>, sqlx::Error> {
        self.document_root(id)
            .await?
            .map(|(kind, org)| root_info(&kind, &org))
            .transpose()
    }

    /// Number of stored documents.
    pub async fn document_count(&self) -> Result<i64, sqlx::Error> {
        let pool = self.pool();
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM documents")
            .fetch_one(pool)
            .await
    }

    /// Loads a document's root info, latest snapshot and the changes after it.
    pub async fn load_document(&self, id: &str) -> Result<Option<StoredDocument>, sqlx::Error> {
        // One connection and two queries: a first sync after a restart waits on this.
        let mut conn = self.pool().acquire().await?;
        let head: Option<DocumentHead> = sqlx::query_as(
            "SELECT d.kind, d.org, s.upto_seq, s.bytes FROM documents d \
             LEFT JOIN snapshots s ON s.document_id = d.id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((kind, org, upto, snapshot)) = head else {
            return Ok(None);
        };
        let root = root_info(&kind, &org)?;
        let upto = upto.unwrap_or(0);
        let rows = sqlx::query(
            "SELECT seq, bytes FROM changes WHERE document_id = $1 AND seq > $2 ORDER BY seq",
        )
        .bind(id)
        .bind(upto)
        .fetch_all(&mut *conn)
        .await?;
        let mut last_seq = upto;
        let mut changes = Vec::with_capacity(rows.len());
        for row in &rows {
            last_seq = row.try_get::<i64, _>("seq")?;
            changes.push(row.try_get::<Vec<u8>, _>("bytes")?);
        }
        Ok(Some(StoredDocument {
            root,
            snapshot,
            changes,
            last_seq,
        }))
    }

    /// Appends changes (creating the document first when `create` is set), in one transaction,
    /// if nobody stored changes of the document after `extras.known_seq`. Returns once the
    /// transaction is committed (or, for [`CommitOutcome::Behind`] and
    /// [`CommitOutcome::ActorTaken`], rolled back).
    ///
    /// Commits of one document take turns (the document's row is locked first), so its
    /// changes' `seq` order is their commit order: whoever has read up to some `seq` has every
    /// change before it.
    pub async fn commit(
        &self,
        document_id: &str,
        create: Option<&RootInfo>,
        changes: &[NewChange],
        origin: &Origin,
        extras: &CommitExtras,
    ) -> Result<CommitOutcome, sqlx::Error> {
        let now = now_ms();
        let postgres = self.is_postgres();

        let mut tx = self.begin_write().await?;
        let parts = CommitParts {
            document_id,
            create,
            changes,
            origin,
            extras,
        };
        let outcome = commit_statements(&mut tx, parts, now, postgres).await?;
        if matches!(outcome, CommitOutcome::Stored { .. }) {
            let mut units = std::collections::BTreeSet::new();
            if let Some(w) = &extras.projection {
                units.insert(indicator_versions::kept_unit(&w.org));
            }
            if let Some(moved) = &extras.moved {
                units.insert(indicator_versions::kept_unit(&moved.from));
            }
            indicator_versions::bump_indicator_versions(&mut tx, units).await?;
            tx.commit().await?;
        }
        Ok(outcome)
    }

    /// Several documents' commits in one transaction (group commit: one disk flush for all).
    /// Each runs in its own savepoint, so one that is [`CommitOutcome::Behind`] or
    /// [`CommitOutcome::ActorTaken`] is rolled back alone. An error fails the whole group
    /// (nothing of it is stored); callers then commit one by one to find the culprit.
    pub async fn commit_group(
        &self,
        requests: &[CommitRequest],
    ) -> Result<Vec<CommitOutcome>, sqlx::Error> {
        let now = now_ms();
        let postgres = self.is_postgres();

        let mut tx = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(requests.len());
        let mut units = std::collections::BTreeSet::new();
        for r in requests {
            let mut sp = sqlx::Acquire::begin(&mut *tx).await?;
            let parts = CommitParts {
                document_id: &r.document_id,
                create: r.create.as_ref(),
                changes: &r.changes,
                origin: &r.origin,
                extras: &r.extras,
            };
            let outcome = commit_statements(&mut sp, parts, now, postgres).await?;
            if matches!(outcome, CommitOutcome::Stored { .. }) {
                sp.commit().await?;
                if let Some(w) = &r.extras.projection {
                    units.insert(indicator_versions::kept_unit(&w.org));
                }
                if let Some(moved) = &r.extras.moved {
                    units.insert(indicator_versions::kept_unit(&moved.from));
                }
            } else {
                sp.rollback().await?;
            }
            outcomes.push(outcome);
        }
        indicator_versions::bump_indicator_versions(&mut tx, units).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Replaces the document's snapshot with `bytes`, which must hold every change of the
    /// document up to `upto_seq` (it may hold more: loading skips changes it already has).
    /// A snapshot covering less than the stored one is not written (two nodes compacting).
    pub async fn save_snapshot(
        &self,
        document_id: &str,
        bytes: &[u8],
        upto_seq: i64,
    ) -> Result<(), sqlx::Error> {
        let now = now_ms();

        let mut tx = self.begin_write().await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM changes WHERE document_id = $1 AND seq <= $2")
                .bind(document_id)
                .bind(upto_seq)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
                "INSERT INTO snapshots (document_id, upto_seq, change_count, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (document_id) DO UPDATE SET upto_seq = excluded.upto_seq, change_count = excluded.change_count, \
                 bytes = excluded.bytes, created_at = excluded.created_at WHERE snapshots.upto_seq <= excluded.upto_seq",
            )
            .bind(document_id)
            .bind(upto_seq)
            .bind(count)
            .bind(bytes)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Keeps refused bytes with their reason (once per document and content).
    pub async fn quarantine(&self, entry: &QuarantineEntry) -> Result<(), sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        quarantine_insert(pool, entry, now).await
    }

    /// Everything in quarantine, oldest first.
    pub async fn quarantined(&self) -> Result<Vec<QuarantinedItem>, sqlx::Error> {
        let pool = self.pool();
        let rows = sqlx::query("SELECT document_id, peer, user_id, device_id, reason, bytes FROM quarantine ORDER BY id")
                .fetch_all(pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(QuarantinedItem {
                    document_id: r.try_get("document_id")?,
                    peer: r.try_get("peer")?,
                    user: r.try_get("user_id")?,
                    device: r.try_get("device_id")?,
                    reason: r.try_get("reason")?,
                    bytes: r.try_get("bytes")?,
                })
            })
            .collect()
    }

    /// The persisted sync state of a peer's storage for a document.
    pub async fn load_sync_state(
        &self,
        storage_id: &str,
        document_id: &str,
    ) -> Result<Option<Vec<u8>>, sqlx::Error> {
        let pool = self.pool();
        sqlx::query_scalar(
            "SELECT state FROM sync_states WHERE storage_id = $1 AND document_id = $2",
        )
        .bind(storage_id)
        .bind(document_id)
        .fetch_optional(pool)
        .await
    }

    /// Persists a peer's sync state for a document.
    pub async fn save_sync_state(
        &self,
        storage_id: &str,
        document_id: &str,
        state: &[u8],
    ) -> Result<(), sqlx::Error> {
        let now = now_ms();
        let pool = self.pool();
        sqlx::query(
                "INSERT INTO sync_states (storage_id, document_id, state, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (storage_id, document_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(storage_id)
            .bind(document_id)
            .bind(state)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(listen) = &self.listen {
            listen.close().await;
        }
    }
}

fn root_info(kind: &str, org: &str) -> Result<RootInfo, sqlx::Error> {
    let bad =
        |what: &str| sqlx::Error::Decode(format!("stored document has an invalid {what}").into());
    Ok(RootInfo {
        kind: Kind::parse(kind).ok_or_else(|| bad("kind"))?,
        org: OrgPath::parse(org).map_err(|_| bad("org"))?,
    })
}

fn digest_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
