//! Until access control lands, `/sync` is open only with `--insecure-dev`.

use tokio_tungstenite::tungstenite::Error as WsError;

use crate::harness::{http_get, Backend, ServerProcess, TestDb};

#[tokio::test]
async fn sync_refuses_connections_without_insecure_dev() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = ServerProcess::start_with(&db, &[]).await;
    let (status, _) = http_get(&server.addr, "/healthz").await.unwrap();
    assert_eq!(status, 200);
    match tokio_tungstenite::connect_async(server.ws_url()).await {
        Err(WsError::Http(response)) => assert_eq!(response.status().as_u16(), 401),
        other => panic!("expected 401, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn sync_accepts_connections_with_insecure_dev() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = ServerProcess::start(&db, &[]).await;
    let (ws, response) = tokio_tungstenite::connect_async(server.ws_url())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 101);
    drop(ws);
    server.stop().await;
}
