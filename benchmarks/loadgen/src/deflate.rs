//! A connection that offers permessage-deflate (RFC 7692), as browsers do, through `yawc`
//! (tungstenite, the load generator's usual websocket, has no deflate). What goes over the
//! wire is counted at the TCP stream, after the HTTP upgrade: with compression, the frames'
//! sizes are not the sizes of the messages they carry.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::conn::Traffic;
use super::LoadError;

/// A TCP stream that adds every byte after the handshake to a run's [`Traffic`], and keeps
/// what the server answered to the upgrade.
pub struct Counted {
    inner: TcpStream,
    traffic: Arc<Traffic>,
    /// Set once the upgrade is done: from then on bytes count.
    upgraded: Arc<AtomicBool>,
    /// The bytes read before that: the server's HTTP answer.
    answer: Arc<Mutex<Vec<u8>>>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = &buf.filled()[before..];
        if self.upgraded.load(Ordering::Relaxed) {
            self.traffic.add_received_bytes(read.len() as u64);
        } else {
            self.answer
                .lock()
                .expect("not poisoned")
                .extend_from_slice(read);
        }
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(written)) = polled {
            if self.upgraded.load(Ordering::Relaxed) {
                self.traffic.add_sent_bytes(written as u64);
            }
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A websocket that offered permessage-deflate.
pub type DeflateSocket = yawc::WebSocket<Counted>;

/// Connects to `url` offering permessage-deflate with context takeover and the full window,
/// the parameters a browser ends up with. Returns the socket and whether the server accepted
/// the offer.
pub async fn connect(
    url: &str,
    token: Option<&str>,
    traffic: Arc<Traffic>,
) -> Result<(DeflateSocket, bool), LoadError> {
    let parsed: url::Url = url
        .parse()
        .map_err(|e| LoadError::Connect(format!("{url}: {e}")))?;
    let address = format!(
        "{}:{}",
        parsed.host_str().unwrap_or("127.0.0.1"),
        parsed.port_or_known_default().unwrap_or(80)
    );
    let tcp = TcpStream::connect(&address)
        .await
        .map_err(|e| LoadError::Connect(format!("{address}: {e}")))?;
    // No Nagle, as browsers and Node's `ws` do.
    tcp.set_nodelay(true)
        .map_err(|e| LoadError::Connect(e.to_string()))?;
    let upgraded = Arc::new(AtomicBool::new(false));
    let answer = Arc::new(Mutex::new(Vec::new()));
    let stream = Counted {
        inner: tcp,
        traffic,
        upgraded: upgraded.clone(),
        answer: answer.clone(),
    };
    let mut request = yawc::HttpRequest::builder();
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let options =
        yawc::Options::default().with_compression_level(yawc::CompressionLevel::default());
    let ws = yawc::WebSocket::handshake_with_request(parsed, stream, options, request)
        .await
        .map_err(|e| LoadError::Connect(e.to_string()))?;
    upgraded.store(true, Ordering::Relaxed);
    let answer = String::from_utf8_lossy(&answer.lock().expect("not poisoned")).to_lowercase();
    let accepted = answer.lines().any(|line| {
        line.starts_with("sec-websocket-extensions:") && line.contains("permessage-deflate")
    });
    Ok((ws, accepted))
}
