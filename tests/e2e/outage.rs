//! PostgreSQL becoming unreachable while peers sync, and coming back: nothing is acknowledged
//! while it is away, clients get a clear error, and the server recovers by itself (no
//! restart). The outage is made by a TCP proxy between the server and PostgreSQL that drops
//! every connection, so that the shared PostgreSQL other tests use keeps running.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::harness::{field_client, http_get_auth, Backend, ServerProcess, TestDb};

/// A TCP forwarder to PostgreSQL that can be cut and restored.
struct Proxy {
    addr: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<tokio::sync::Mutex<JoinSet<()>>>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let links = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused at once
                }
                let target = target.clone();
                links2.lock().await.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self { addr, up, links }
    }

    /// Drops every open connection and refuses new ones.
    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.links.lock().await.abort_all();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `db`'s PostgreSQL URL, and the `host:port` in it (for a proxy to stand in for).
fn url_via(db: &TestDb) -> (String, String) {
    let url = db.url.clone().expect("PostgreSQL URL");
    let target = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("host:port in the URL")
        .to_owned();
    (url, target)
}

/// One sync round with the worker's token.
async fn round(
    phone: &mut linli_field::FieldClient,
    url: &str,
    token: &str,
) -> Result<linli_field::SyncReport, linli_field::FieldError> {
    phone
        .sync_with(url, Some(token), Duration::from_secs(20))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_acknowledges_nothing_and_recovers_without_restart() {
    let Some(mut db) = TestDb::new(Backend::Postgres).await else {
        return;
    };
    let (url, target) = url_via(&db);
    let proxy = Proxy::start(target.clone()).await;
    let via_proxy = url.replacen(&target, &proxy.addr.to_string(), 1);
    db.add_user("w1", "worker", "c01/s01/m01/g01", None).await;
    let token = db.token("w1").await;

    db.url = Some(via_proxy);
    let server = ServerProcess::start_with(&db, &[]).await;
    let mut phone = field_client(db.dir.path(), "phone").await;
    let (house, _) = phone
        .create_household("c01/s01/m01/g01", "停电路1号", Some("孙阿姨"))
        .await
        .unwrap();
    let url_ws = server.ws_url();
    assert!(round(&mut phone, &url_ws, &token).await.unwrap().complete);

    proxy.cut().await;
    phone
        .set_field(&house, "address", "停电路2号")
        .await
        .unwrap();
    let during = round(&mut phone, &url_ws, &token).await;
    assert!(
        !during.as_ref().is_ok_and(|r| r.complete),
        "nothing is acknowledged while the database is away: {during:?}"
    );
    assert_eq!(phone.status().await.unwrap().pending_changes, 1);
    let (status, body) = http_get_auth(&server.addr, "/api/documents", &token).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("temporarily unavailable"), "{body}");

    proxy.restore();
    let mut recovered = false;
    for _ in 0..20 {
        if round(&mut phone, &url_ws, &token)
            .await
            .is_ok_and(|r| r.complete)
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(recovered, "the server recovered without a restart");
    assert_eq!(phone.status().await.unwrap().pending_changes, 0);
    let mut other = field_client(db.dir.path(), "other").await;
    other.pull(house);
    assert!(round(&mut other, &url_ws, &token).await.unwrap().complete);
    assert_eq!(other.show(&house).unwrap()["address"], "停电路2号");
    server.stop().await;
    db.url = Some(url);
    db.cleanup().await;
}

/// A server on PostgreSQL through a proxy that can be cut, with one stored household.
struct Stored {
    db: TestDb,
    /// The database URL without the proxy (to clean up).
    url: String,
    proxy: Proxy,
    server: ServerProcess,
    house: linli_sync_core::DocumentId,
}

/// [`Stored`], or `None` when PostgreSQL is not there.
async fn stored_household() -> Option<Stored> {
    let mut db = TestDb::new(Backend::Postgres).await?;
    let (url, target) = url_via(&db);
    let proxy = Proxy::start(target.clone()).await;
    db.url = Some(url.replacen(&target, &proxy.addr.to_string(), 1));
    let server = ServerProcess::start(&db, &[]).await;
    let mut phone = field_client(db.dir.path(), "phone").await;
    let (house, _) = phone
        .create_household("c01/s01/m01/g01", "停电路1号", Some("孙阿姨"))
        .await
        .unwrap();
    crate::harness::sync_ok(&mut phone, &server).await;
    Some(Stored {
        db,
        url,
        proxy,
        server,
        house,
    })
}

/// The household's address as a fresh device gets it from the server.
async fn stored_address(
    db: &TestDb,
    server: &ServerProcess,
    house: linli_sync_core::DocumentId,
) -> serde_json::Value {
    let mut other = field_client(db.dir.path(), "other").await;
    other.pull(house);
    crate::harness::sync_ok(&mut other, server).await;
    other.show(&house).unwrap()["address"].clone()
}

/// Security, second round (#14), item 3: a client that stays connected through a storage
/// failure. Its change that failed to commit was dropped by the server, and an automerge peer
/// never sends a change twice on one connection, so every later change (which depends on the
/// dropped one) waited for ever while the client kept editing on a healthy socket. Now the
/// server asks its peers to send everything again once storage works, and the document
/// catches up without a reconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_client_catches_up_after_a_storage_failure() {
    use linli_sync_core::automerge::transaction::Transactable;
    use linli_sync_core::automerge::ROOT;
    use linli_sync_core::client::ClientEvent;

    let Some(Stored {
        mut db,
        url,
        proxy,
        server,
        house,
    }) = stored_household().await
    else {
        return;
    };

    // A client that stays connected throughout, holding the household.
    let mut raw = crate::protocol::Raw::connect(&server.ws_url(), "steady").await;
    raw.session.request(house);
    raw.until(|r| r.session.is_synced(&house)).await;
    let edit = |raw: &mut crate::protocol::Raw, address: &str| {
        let doc = raw.session.doc_mut(&house).unwrap();
        let mut tx = doc.transaction();
        tx.put(ROOT, "address", address).unwrap();
        tx.commit();
    };

    // Storage goes away; an edit cannot be stored.
    proxy.cut().await;
    edit(&mut raw, "停电路2号");
    raw.until(|r| {
        r.events.iter().any(
            |e| matches!(e, ClientEvent::Error(m) if m.contains("could not store your changes")),
        )
    })
    .await;

    // Storage comes back; the client edits on, on the same connection.
    proxy.restore();
    for n in 3..=6 {
        edit(&mut raw, &format!("停电路{n}号"));
        raw.flush().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    raw.until(|r| r.session.is_synced(&house)).await;

    // What the server stored is the client's last edit.
    assert_eq!(stored_address(&db, &server, house).await, "停电路6号");
    server.stop().await;
    db.url = Some(url);
    db.cleanup().await;
}

/// Item 3 as the attack run saw it: the stock JS client stays connected (it does not reconnect
/// a healthy socket) and keeps editing while PostgreSQL goes away for two seconds and comes
/// back. Every edit made after the storage failure is stored in the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stock_client_catches_up_after_a_storage_failure() {
    let Some(Stored {
        mut db,
        url,
        proxy,
        server,
        house,
    }) = stored_household().await
    else {
        return;
    };

    let (ws, house_url) = (server.ws_url(), house.url());
    let args = [
        "edit-series",
        "--server",
        &ws,
        "--url",
        &house_url,
        "--count",
        "20",
        "--interval-ms",
        "300",
        "--timeout-ms",
        "60000",
    ];
    let edits = crate::harness::js(&args);
    let outage = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        proxy.cut().await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        proxy.restore();
    };
    let (out, ()) = tokio::join!(edits, outage);
    assert_eq!(out["doc"]["address"], "edit 20", "{out}");

    assert_eq!(stored_address(&db, &server, house).await, "edit 20");
    server.stop().await;
    db.url = Some(url);
    db.cleanup().await;
}
