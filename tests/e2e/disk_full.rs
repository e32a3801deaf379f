//! The SQLite disk fills up while a device syncs: its writes are refused with an error and
//! nothing is acknowledged, what was stored before is intact, the database passes its
//! integrity check, and syncing recovers by itself once space returns. The data directory is
//! a small tmpfs mounted for the test (root only; outside CI the test says so and skips otherwise).

use std::path::{Path, PathBuf};
use std::time::Duration;

use linli_field::{FieldClient, NewVisit};

use crate::crash::integrity_check;
use crate::harness::{field_client, http_get, Backend, ServerProcess, TestDb};

const GRID: &str = "c01/s01/m01/g01";

/// A size-limited tmpfs on `dir`, unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(dir.to_owned()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Fills the disk with 256 KiB ballast files, then frees `keep` of them.
fn fill(dir: &Path, keep: usize) -> Vec<PathBuf> {
    let chunk = vec![0x5a_u8; 256 * 1024];
    let mut files = Vec::new();
    for n in 0.. {
        let path = dir.join(format!("ballast-{n}"));
        if std::fs::write(&path, &chunk).is_err() {
            let _ = std::fs::remove_file(&path);
            break;
        }
        files.push(path);
    }
    for path in files.drain(files.len().saturating_sub(keep)..) {
        std::fs::remove_file(path).unwrap();
    }
    files
}

/// A visit whose notes (as long as the contract allows) do not compress, so the disk fills
/// quickly.
fn bulky_visit(n: usize) -> NewVisit {
    let notes: String = (0..2_000)
        .map(|_| char::from_u32(0x4e00 + rand::random::<u32>() % 0x5000).unwrap())
        .collect();
    NewVisit {
        purpose: format!("第{n}次走访"),
        notes,
        needs: vec![],
        follow_up: None,
        by: "w1".into(),
        at: None,
    }
}

async fn round(phone: &mut FieldClient, server: &ServerProcess, token: &str) -> bool {
    phone
        .sync_with(&server.ws_url(), Some(token), Duration::from_secs(20))
        .await
        .is_ok_and(|r| r.complete)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sqlite_disk_refuses_writes_and_recovers() {
    let db = TestDb::new(Backend::Sqlite).await.expect("SQLite");
    let Some(disk) = SmallDisk::mount(db.dir.path(), "24m") else {
        // CI runs as root: there the test must run, not skip.
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "cannot mount a tmpfs for the full-disk test in CI"
        );
        eprintln!("skipping: cannot mount a tmpfs here (needs root)");
        return;
    };
    db.add_user("w1", "worker", GRID, None).await;
    let token = db.token("w1").await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let phones = tempfile::tempdir().unwrap();
    let mut phone = field_client(phones.path(), "phone").await;
    let (house, _) = phone
        .create_household(GRID, "满盘路1号", Some("周阿姨"))
        .await
        .unwrap();
    phone.log_visit(&house, &bulky_visit(0)).await.unwrap();
    assert!(round(&mut phone, &server, &token).await);
    let acked_heads = phone.document(&house).unwrap().get_heads();

    let ballast = fill(db.dir.path(), 6);
    let mut refused = false;
    for n in 1..60 {
        // About 120 KB of changes a round.
        for k in 0..20 {
            phone
                .log_visit(&house, &bulky_visit(n * 20 + k))
                .await
                .unwrap();
        }
        if !round(&mut phone, &server, &token).await {
            refused = true;
            break;
        }
    }
    assert!(refused, "the disk filled up and a write was refused");
    let pending = phone.status().await.unwrap().pending_changes;
    assert!(pending > 0, "nothing refused was acknowledged");
    assert_eq!(
        http_get(&server.addr, "/healthz").await.map(|r| r.0),
        Some(200),
        "the server keeps serving"
    );

    for path in ballast {
        std::fs::remove_file(path).unwrap();
    }
    let mut recovered = false;
    for _ in 0..20 {
        if round(&mut phone, &server, &token).await {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        recovered,
        "syncing recovers once space returns, without a restart"
    );
    assert_eq!(phone.status().await.unwrap().pending_changes, 0);

    let mut other = field_client(phones.path(), "other").await;
    other.pull(house);
    assert!(round(&mut other, &server, &token).await);
    let stored = other.document(&house).unwrap();
    assert_eq!(
        stored.get_heads(),
        phone.document(&house).unwrap().get_heads()
    );
    for head in &acked_heads {
        use linli_sync_core::automerge::ReadDoc;
        assert!(
            stored.get_change_by_hash(head).is_some(),
            "acknowledged before: kept"
        );
    }
    server.stop().await;
    integrity_check(&db, Backend::Sqlite).await;
    drop(disk);
    db.cleanup().await;
}
