//! Item 12: slowloris. Half-sent requests were held open for ever: 300 of them used up the
//! server's file descriptors at a limit of 256, and nobody else was served. Now the server
//! closes a connection whose request head has not arrived within `--header-read-timeout-secs`,
//! holds at most `--max-sockets-per-address` sockets for one address, and keeps the total
//! below its open-file limit.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::harness::{http_get, Backend, ServerProcess, TestDb};

/// Opens a connection from `from` and sends the start of a request head, never its end.
async fn half_sent(from: &str, server: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(server.parse().unwrap()).await.unwrap();
    // Accepted or not, the bytes wait in a kernel buffer.
    let _ = stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: linli\r\nX-Slow: a")
        .await;
    stream
}

/// Whether the server ended the connection (end of stream or reset) within `within`.
async fn closed_by_server(mut stream: TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // A response (a 408 or 400 before closing) is fine; read on to the end.
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_neither_use_up_files_nor_stay_open() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let server = ServerProcess::start_with_open_files(
        &db,
        &[
            "--insecure-dev",
            "--header-read-timeout-secs",
            "2",
            "--max-sockets-per-address",
            "16",
        ],
        128,
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..200 {
        held.push(half_sent("127.0.0.2", &server.addr).await);
    }

    // Someone else is served while the attacker holds its connections.
    let served = tokio::time::timeout(Duration::from_secs(10), http_get(&server.addr, "/healthz"))
        .await
        .ok()
        .flatten();
    assert_eq!(
        served.map(|(status, _)| status),
        Some(200),
        "another address is served during the attack"
    );

    // Every half-sent request is closed by the server: at once when over the address's share,
    // after the header timeout otherwise.
    let closed = futures_util::future::join_all(
        held.into_iter()
            .map(|s| closed_by_server(s, Duration::from_secs(30))),
    )
    .await;
    let open = closed.iter().filter(|c| !**c).count();
    assert_eq!(open, 0, "{open} of 200 half-sent requests still open");

    // And the server still serves the attacker's address once it behaves.
    let (status, _) = http_get(&server.addr, "/healthz").await.unwrap();
    assert_eq!(status, 200);
}
