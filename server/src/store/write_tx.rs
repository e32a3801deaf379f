//! Transactions that will write.
//!
//! SQLite's default `BEGIN` is deferred: the transaction reads from a snapshot and asks for the
//! write lock at its first write. If another connection committed in between, that upgrade
//! fails at once with `SQLITE_BUSY` ("database is locked"); the busy timeout does not apply,
//! because waiting cannot make the old snapshot current. `BEGIN IMMEDIATE` takes the write lock
//! up front, so a concurrent writer waits its turn instead. PostgreSQL needs no such care.

use sqlx::{Any, Transaction};

use super::Store;

impl Store {
    /// A transaction that reads and then writes, holding SQLite's write lock from its start.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        if self.is_postgres() {
            self.pool.begin().await
        } else {
            self.pool.begin_with("BEGIN IMMEDIATE").await
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// A read-then-write transaction and a writer that commits between its read and its write:
    /// both succeed, one after the other (a deferred `BEGIN` fails the first with "database is
    /// locked").
    #[tokio::test]
    async fn a_writer_between_read_and_write_waits_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open(None, dir.path()).await.unwrap();
        let pool = store.pool().clone();
        sqlx::query("CREATE TABLE t (n INTEGER NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t (n) VALUES (1)")
            .execute(&pool)
            .await
            .unwrap();

        let mut tx = store.begin_write().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT MAX(n) FROM t")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let other = pool.clone();
        let writer = tokio::spawn(async move {
            sqlx::query("INSERT INTO t (n) VALUES (10)")
                .execute(&other)
                .await
        });
        // Give the other writer its chance to commit first (with a deferred BEGIN it does).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let written = sqlx::query("INSERT INTO t (n) VALUES ($1)")
            .bind(n + 1)
            .execute(&mut *tx)
            .await;
        assert!(
            written.is_ok(),
            "the transaction's write failed: {written:?}"
        );
        tx.commit().await.unwrap();
        writer.await.unwrap().expect("the other writer waited");
        let rows: Vec<i64> = sqlx::query_scalar("SELECT n FROM t ORDER BY rowid")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(rows, vec![1, 2, 10]);
    }

    /// A transaction that SQLite rolled back by itself (as on a full disk) leaves sqlx counting
    /// it as open once its own ROLLBACK fails; the store's pool closes such a connection
    /// instead of handing it out again, where every `BEGIN IMMEDIATE` would fail with
    /// "attempted to call begin_with at non-zero transaction depth".
    #[tokio::test]
    async fn a_connection_sqlite_rolled_back_is_not_reused() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open(None, dir.path()).await.unwrap();
        for _ in 0..8 {
            let mut tx = store.begin_write().await.unwrap();
            // SQLite ends the transaction behind sqlx's back.
            sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
            drop(tx);
        }
        let mut tx = store.begin_write().await.expect("a usable connection");
        sqlx::query("SELECT 1").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
}
