//! TLS with a self-signed certificate that the test client trusts; plain HTTP stays on
//! loopback.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use linli_sync_core::client::ClientSession;
use linli_sync_core::wire::{self, PeerId, PeerMetadata};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{http_get, Backend, ServerProcess, TestDb};

fn client_config(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[tokio::test]
async fn wss_with_a_self_signed_certificate() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    db.add_user("w", "worker", "c01/s01/m01/g01", None).await;
    let server =
        ServerProcess::start_with(&db, &["--tls-self-signed", "--tls-listen", "127.0.0.1:0"]).await;
    let tls_addr = server.tls_addr.clone().expect("https address printed");
    let token = db.token("w").await;

    let cert = CertificateDer::from_pem_file(db.dir.path().join("tls/cert.pem"))
        .expect("certificate written");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let connector = tokio_rustls::TlsConnector::from(client_config(roots));
    let tcp = tokio::net::TcpStream::connect(&tls_addr).await.unwrap();
    let tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("TLS handshake with the trusted certificate");
    let port = tls_addr.rsplit(':').next().unwrap();
    let url = format!("wss://localhost:{port}/sync?token={token}");
    let (mut ws, response) = tokio_tungstenite::client_async(url, tls)
        .await
        .expect("websocket over TLS");
    assert_eq!(response.status().as_u16(), 101);
    let session = ClientSession::new(PeerId::from("tls-peer"), PeerMetadata::default());
    ws.send(Message::Binary(session.join_frame().into()))
        .await
        .unwrap();
    let reply = loop {
        match ws.next().await.expect("a reply").unwrap() {
            Message::Binary(bytes) => break wire::decode(&bytes).unwrap(),
            _ => continue,
        }
    };
    assert_eq!(reply.type_name(), "peer");

    // A client that does not trust the certificate cannot connect.
    let untrusting =
        tokio_rustls::TlsConnector::from(client_config(rustls::RootCertStore::empty()));
    let tcp = tokio::net::TcpStream::connect(&tls_addr).await.unwrap();
    assert!(untrusting
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .is_err());

    // Plain HTTP stays available on loopback.
    assert_eq!(http_get(&server.addr, "/healthz").await.unwrap().0, 200);
    server.stop().await;
}
