//! Case 9: the data directory, the SQLite database and its WAL and the TLS key are readable
//! by the server's user only (they hold password hashes, refresh tokens and residents'
//! records), as the backup file already was. The JWT secret lives in the database (one per
//! deployment, issue #19), not in a file beside it.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::harness::{Backend, ServerProcess, TestDb};
use crate::on_both_backends;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

async fn data_files_are_private(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    // A data directory others may read: the server closes it.
    let data = db.dir.path().to_path_buf();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let server =
        ServerProcess::start_with(&db, &["--tls-self-signed", "--tls-listen", "127.0.0.1:0"]).await;
    db.add_user("w", "worker", "c01/s01/m01/g01", Some("pw"))
        .await;
    let (status, _) = crate::harness::http_post_json(
        &server.addr,
        "/api/login",
        &serde_json::json!({"name": "w", "password": "pw", "device_name": "phone"}),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(mode(&data), 0o700, "the data directory");
    assert!(
        !data.join("jwt-secret").exists(),
        "the JWT secret is kept in the database"
    );
    assert_eq!(mode(&data.join("tls/key.pem")), 0o600, "the TLS key");
    if backend == Backend::Sqlite {
        let db_file = data.join("linli.sqlite3");
        assert_eq!(mode(&db_file), 0o600, "the database");
        assert_eq!(mode(&data.join("linli.sqlite3-wal")), 0o600, "its WAL");
    }
    server.stop().await;
    db.cleanup().await;
}
on_both_backends!(data_files_are_private);

/// A database created before this check (mode 0644) is tightened at the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_database_is_tightened() {
    let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let server = ServerProcess::start(&db, &[]).await;
    server.stop().await;
    let file = db.dir.path().join("linli.sqlite3");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(db.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = ServerProcess::start(&db, &[]).await;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(db.dir.path()), 0o700);
    server.stop().await;
}
