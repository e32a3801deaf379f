//! The local store encrypted at rest, through the library's API: a store from before
//! encryption is encrypted in place, nothing sensitive is left readable in the file, a wrong
//! password changes nothing, records cannot be moved between rows, and a wipe leaves no salt.

use std::path::Path;

use linli_field::{FieldClient, FieldError, KeyChange, LocalStore, Session, StoreState};
use sqlx::Connection;

const ADDRESS: &str = "隐秘巷 77号 robin-hood-lane";
const MEMBER: &str = "秘密人 Zebulon Quixote";
const REFRESH: &str = "refresh-token-sesame-1234567890";

/// The store file and its write-ahead log, as raw bytes.
fn raw(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    let wal = path.with_extension("sqlite3-wal");
    if let Ok(more) = std::fs::read(wal) {
        bytes.extend(more);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn session() -> Session {
    Session {
        server: "http://127.0.0.1:9".into(),
        user: "w1".into(),
        role: "worker".into(),
        org: "c01/s01/m01/g01".into(),
        device: "dev-1".into(),
        access_token: "access-token-open-sesame".into(),
        refresh_token: REFRESH.into(),
        expires_at: 4_000_000_000,
        deployment: None,
    }
}

/// Every row of the store, to tell that nothing changed.
async fn rows(path: &Path) -> Vec<(String, Vec<u8>)> {
    let url = format!("sqlite://{}", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let mut all: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT key, CAST(value AS BLOB) FROM meta WHERE key <> 'lock'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let docs: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT id, bytes || COALESCE(sync_state, x'') FROM documents ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    all.extend(docs);
    all.sort();
    conn.close().await.unwrap();
    all
}

/// A store as linli-field kept it before encryption: documents and session in clear.
async fn legacy_store(path: &Path) -> linli_sync_core::DocumentId {
    let mut client = FieldClient::open(path).await.unwrap();
    let (id, _) = client
        .create_household("c01/s01/m01/g01", ADDRESS, Some(MEMBER))
        .await
        .unwrap();
    client.set_session(&session()).await.unwrap();
    client.close().await;
    id
}

#[tokio::test]
async fn a_store_from_before_encryption_is_encrypted_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("phone.sqlite3");
    let id = legacy_store(&path).await;
    assert!(
        contains(&raw(&path), REFRESH),
        "the old format kept the token in clear"
    );
    let store = LocalStore::open(&path).await.unwrap();
    assert_eq!(store.state().await.unwrap(), StoreState::Unencrypted);
    store.close().await;

    let (client, change) = FieldClient::open_with_password(&path, "pass-word")
        .await
        .unwrap();
    assert_eq!(change, KeyChange::Encrypted);
    assert!(client.is_encrypted());
    let shown = client.show(&id).unwrap();
    assert_eq!(shown["address"], ADDRESS);
    let members = shown["members"].as_object().unwrap();
    assert_eq!(members.values().next().unwrap()["name"], MEMBER);
    assert_eq!(client.session().await.unwrap().unwrap(), session());
    let key = client.store_key().unwrap().clone();
    client.close().await;

    let bytes = raw(&path);
    for secret in [
        ADDRESS,
        "robin-hood-lane",
        MEMBER,
        "Zebulon",
        REFRESH,
        "open-sesame",
    ] {
        assert!(
            !contains(&bytes, secret),
            "{secret} is readable in the file"
        );
    }
    let store = LocalStore::open(&path).await.unwrap();
    assert_eq!(store.state().await.unwrap(), StoreState::Encrypted);
    store.close().await;

    // Without the key, the library refuses rather than read garbage; with it, all is there.
    assert!(matches!(
        FieldClient::open(&path).await,
        Err(FieldError::Encrypted)
    ));
    let client = FieldClient::open_encrypted(&path, &key).await.unwrap();
    assert_eq!(client.show(&id).unwrap()["address"], ADDRESS);
    client.close().await;
    let (_, change) = FieldClient::open_with_password(&path, "pass-word")
        .await
        .unwrap();
    assert_eq!(change, KeyChange::None);
}

#[tokio::test]
async fn a_wrong_password_fails_clearly_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("phone.sqlite3");
    let id = legacy_store(&path).await;
    let (client, _) = FieldClient::open_with_password(&path, "right")
        .await
        .unwrap();
    client.close().await;
    let before = rows(&path).await;

    let wrong = FieldClient::open_with_password(&path, "wrong").await;
    let err = wrong.err().expect("refused");
    assert!(matches!(err, FieldError::WrongPassword));
    assert_eq!(err.to_string(), "wrong password for this store");
    let other_key = {
        let other = tmp.path().join("other.sqlite3");
        let (c, _) = FieldClient::open_with_password(&other, "right")
            .await
            .unwrap();
        c.store_key().unwrap().clone()
    };
    assert!(matches!(
        FieldClient::open_encrypted(&path, &other_key).await,
        Err(FieldError::WrongPassword)
    ));
    assert_eq!(rows(&path).await, before, "nothing changed");

    let (client, _) = FieldClient::open_with_password(&path, "right")
        .await
        .unwrap();
    assert_eq!(client.show(&id).unwrap()["address"], ADDRESS);
}

#[tokio::test]
async fn records_moved_between_rows_do_not_open() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("phone.sqlite3");
    let (mut client, _) = FieldClient::open_with_password(&path, "pw").await.unwrap();
    let (a, _) = client
        .create_household("c01/s01/m01/g01", "甲路 1号", None)
        .await
        .unwrap();
    let (b, _) = client
        .create_household("c01/s01/m01/g01", "乙路 2号", None)
        .await
        .unwrap();
    let key = client.store_key().unwrap().clone();
    client.close().await;

    let url = format!("sqlite://{}", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let bytes_of = |id: String| {
        sqlx::query_scalar::<_, Vec<u8>>("SELECT bytes FROM documents WHERE id = $1").bind(id)
    };
    let a_bytes = bytes_of(a.to_string()).fetch_one(&mut conn).await.unwrap();
    let b_bytes = bytes_of(b.to_string()).fetch_one(&mut conn).await.unwrap();
    for (id, bytes) in [(a, &b_bytes), (b, &a_bytes)] {
        sqlx::query("UPDATE documents SET bytes = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(bytes)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
    match FieldClient::open_encrypted(&path, &key).await {
        Err(FieldError::Corrupt(why)) => assert!(why.contains("cannot be decrypted"), "{why}"),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("swapped records were read"),
    }
}

#[tokio::test]
async fn a_wipe_erases_the_salt_and_verifier_too() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("phone.sqlite3");
    legacy_store(&path).await;
    let (client, _) = FieldClient::open_with_password(&path, "pw").await.unwrap();
    let key = client.store_key().unwrap().clone();
    client.close().await;
    let mut store = LocalStore::open(&path).await.unwrap();
    store.use_key(key).await.unwrap();
    store.wipe().await.unwrap();
    assert_eq!(store.state().await.unwrap(), StoreState::Empty);
    assert!(store.encryption().await.unwrap().is_none());
    assert!(store.load_all().await.unwrap().is_empty());
    store.close().await;
    assert!(rows(&path).await.is_empty(), "{:?}", rows(&path).await);
}
