//! Item 9: login lockout. Ten wrong passwords a minute from any address locked the account for
//! its owner on every address. Now attempts are throttled per name and address, per address,
//! and (more slowly) per name across addresses: someone guessing from one address is stopped
//! there, while the owner signs in from another.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{http_post_json, Backend, ServerProcess, TestDb};

/// `POST /api/login` from a client socket bound to `from` (a loopback address of its own).
async fn login_from(from: &str, server: &str, name: &str, password: &str) -> u16 {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(server.parse().unwrap()).await.unwrap();
    let body =
        serde_json::json!({"name": name, "password": password, "device_name": "x"}).to_string();
    let request = format!(
        "POST /api/login HTTP/1.1\r\nHost: {server}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let head = String::from_utf8_lossy(&answer);
    head.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_from_one_address_does_not_lock_the_owner_out() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    db.add_user("target", "worker", "c01/s01/m01/g01", Some("right"))
        .await;
    let server = ServerProcess::start_with(&db, &[]).await;
    let mut refused = 0;
    for _ in 0..12 {
        match login_from("127.0.0.2", &server.addr, "target", "guess").await {
            401 => {}
            429 => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(refused >= 2, "the guessing address is throttled");
    // The owner, elsewhere, signs in.
    let (status, body) = http_post_json(
        &server.addr,
        "/api/login",
        &serde_json::json!({"name": "target", "password": "right", "device_name": "phone"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}
