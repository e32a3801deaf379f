//! Group commit: document actors hand their commits to one task, which stores every commit
//! waiting at that moment in a single transaction, so a burst of many devices' changes to
//! many documents costs one disk flush per group instead of one per document. A commit is
//! answered only after the group's transaction committed (invariant 3).

use tokio::sync::{mpsc, oneshot};

use super::{CommitOutcome, CommitRequest, Store};

/// Commits stored in one transaction, at most.
const MAX_GROUP: usize = 256;

/// Commits waiting for the committer, at most (senders wait beyond it).
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<Result<CommitOutcome, sqlx::Error>>;

/// Handle to the committer task; cheap to clone.
#[derive(Clone, Debug)]
pub struct GroupCommitter {
    queue: mpsc::Sender<(CommitRequest, Reply)>,
}

impl GroupCommitter {
    /// Starts the committer on `store`; it stops when every handle is dropped.
    pub fn start(store: Store) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, rx));
        Self { queue }
    }

    /// Stores one document's commit, together with whatever other commits are waiting.
    pub async fn commit(&self, request: CommitRequest) -> Result<CommitOutcome, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        if self.queue.send((request, reply)).await.is_err() {
            return Err(sqlx::Error::PoolClosed);
        }
        answer.await.unwrap_or(Err(sqlx::Error::PoolClosed))
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<(CommitRequest, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        // One lock order for every group: two nodes' groups never wait on each other in a
        // circle (PostgreSQL row locks on the documents).
        group.sort_by(|a, b| a.0.document_id.cmp(&b.0.document_id));
        let (requests, replies): (Vec<CommitRequest>, Vec<Reply>) = group.into_iter().unzip();
        if requests.len() == 1 {
            let r = &requests[0];
            let one = store
                .commit(
                    &r.document_id,
                    r.create.as_ref(),
                    &r.changes,
                    &r.origin,
                    &r.extras,
                )
                .await;
            let _ = replies.into_iter().next().map(|reply| reply.send(one));
            continue;
        }
        match store.commit_group(&requests).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                // Nothing of the group was stored. Commit one by one, so one commit's error
                // does not fail the others.
                tracing::warn!(error = %e, commits = requests.len(), "group commit failed; committing one by one");
                for (request, reply) in requests.iter().zip(replies) {
                    let r = request;
                    let one = store
                        .commit(
                            &r.document_id,
                            r.create.as_ref(),
                            &r.changes,
                            &r.origin,
                            &r.extras,
                        )
                        .await;
                    let _ = reply.send(one);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use linli_sync_core::contract::{Kind, OrgPath, RootInfo};

    use super::*;
    use crate::store::{CommitExtras, NewChange, Origin};

    fn request(id: &str, byte: u8, known_seq: i64, create: bool) -> CommitRequest {
        CommitRequest {
            document_id: id.into(),
            create: create.then(|| RootInfo {
                kind: Kind::Household,
                org: OrgPath::parse("c01/s01/m01/g01").unwrap(),
            }),
            changes: vec![NewChange {
                hash: format!("{byte:02x}").repeat(32),
                actor: "aa".repeat(16),
                bytes: vec![byte; 8],
            }],
            origin: Origin::default(),
            extras: CommitExtras {
                known_seq,
                ..CommitExtras::default()
            },
        }
    }

    /// Commits arriving together share a transaction, and one of them being behind another
    /// node's (its savepoint rolled back) stores nothing of it and everything of the others.
    #[tokio::test]
    async fn a_group_stores_every_commit_and_rolls_back_only_the_one_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open(None, dir.path()).await.unwrap();
        let committer = GroupCommitter::start(store.clone());
        let first = committer
            .commit(request("doc-a", 1, 0, true))
            .await
            .unwrap();
        assert!(
            matches!(first, CommitOutcome::Stored { added: 1, .. }),
            "{first:?}"
        );
        // doc-a now has a change this "node" has not seen (known_seq 0): behind.
        let group = [
            request("doc-a", 2, 0, false),
            request("doc-b", 3, 0, true),
            request("doc-c", 4, 0, true),
        ];
        let outcomes = store.commit_group(&group).await.unwrap();
        assert!(matches!(outcomes[0], CommitOutcome::Behind), "{outcomes:?}");
        for o in &outcomes[1..] {
            assert!(matches!(o, CommitOutcome::Stored { added: 1, .. }), "{o:?}");
        }
        // Through the committer, commits sent at once are answered each with its own outcome.
        let answers = futures_util::future::join_all([
            committer.commit(request("doc-a", 5, 0, false)),
            committer.commit(request("doc-d", 6, 0, true)),
        ])
        .await;
        assert!(
            matches!(answers[0], Ok(CommitOutcome::Behind)),
            "{answers:?}"
        );
        assert!(
            matches!(answers[1], Ok(CommitOutcome::Stored { .. })),
            "{answers:?}"
        );
        let a = store.load_document("doc-a").await.unwrap().unwrap();
        assert_eq!(
            a.changes,
            vec![vec![1u8; 8]],
            "the change behind was not stored"
        );
        for id in ["doc-b", "doc-c"] {
            assert_eq!(
                store
                    .load_document(id)
                    .await
                    .unwrap()
                    .unwrap()
                    .changes
                    .len(),
                1
            );
        }
    }
}
