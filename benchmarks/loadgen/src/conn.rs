//! One load-generator connection: a websocket carrying automerge-repo frames, with every byte
//! counted as it goes over the wire.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::deflate::{self, DeflateSocket};
use super::LoadError;

/// Bytes and frames over every connection of a run, websocket framing included (the HTTP
/// upgrade and TCP/IP headers are not).
#[derive(Debug, Default)]
pub struct Traffic {
    sent: AtomicU64,
    received: AtomicU64,
    frames_sent: AtomicU64,
    frames_received: AtomicU64,
}

/// A snapshot of [`Traffic`].
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct TrafficTotals {
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub frames_sent: u64,
    pub frames_received: u64,
}

impl Traffic {
    /// Counts bytes sent that were counted at the TCP stream.
    pub(crate) fn add_sent_bytes(&self, bytes: u64) {
        self.sent.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts bytes received that were counted at the TCP stream.
    pub(crate) fn add_received_bytes(&self, bytes: u64) {
        self.received.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The totals so far.
    pub fn totals(&self) -> TrafficTotals {
        TrafficTotals {
            bytes_sent: self.sent.load(Ordering::Relaxed),
            bytes_received: self.received.load(Ordering::Relaxed),
            frames_sent: self.frames_sent.load(Ordering::Relaxed),
            frames_received: self.frames_received.load(Ordering::Relaxed),
        }
    }
}

impl TrafficTotals {
    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &TrafficTotals) -> TrafficTotals {
        TrafficTotals {
            bytes_sent: self.bytes_sent - earlier.bytes_sent,
            bytes_received: self.bytes_received - earlier.bytes_received,
            frames_sent: self.frames_sent - earlier.frames_sent,
            frames_received: self.frames_received - earlier.frames_received,
        }
    }
}

/// The size of a websocket frame header (RFC 6455 §5.2) for a payload of `len` bytes; frames
/// a client sends carry a 4-byte mask.
fn frame_overhead(len: usize, masked: bool) -> u64 {
    let length = match len {
        0..=125 => 0,
        126..=65535 => 2,
        _ => 8,
    };
    2 + length + if masked { 4 } else { 0 }
}

/// How long a websocket handshake may take: a server that accepts the TCP connection but
/// never answers fails the peer instead of stalling the run.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A websocket to a sync server.
pub struct Conn {
    socket: Socket,
    traffic: Arc<Traffic>,
}

/// The websocket under a [`Conn`].
enum Socket {
    /// tungstenite, no extensions offered; bytes counted frame by frame.
    Plain(Box<WebSocketStream<MaybeTlsStream<TcpStream>>>),
    /// yawc, permessage-deflate offered; bytes counted at the TCP stream.
    Deflate(Box<DeflateSocket>),
}

impl Conn {
    /// Connects to `url`, with `token` as a bearer token when given.
    pub async fn connect(
        url: &str,
        token: Option<&str>,
        traffic: Arc<Traffic>,
    ) -> Result<Self, LoadError> {
        let mut request = url
            .into_client_request()
            .map_err(|e| LoadError::Connect(e.to_string()))?;
        if let Some(token) = token {
            let value = format!("Bearer {token}")
                .parse()
                .map_err(|_| LoadError::Connect("token is not a valid header value".into()))?;
            request.headers_mut().insert("authorization", value);
        }
        // No Nagle, as browsers and Node's `ws` (automerge-repo's clients) do.
        let connecting = tokio_tungstenite::connect_async_with_config(request, None, true);
        let (ws, _) = tokio::time::timeout(HANDSHAKE_TIMEOUT, connecting)
            .await
            .map_err(|_| LoadError::Connect("the server did not answer the handshake".into()))?
            .map_err(|e| LoadError::Connect(e.to_string()))?;
        Ok(Self {
            socket: Socket::Plain(Box::new(ws)),
            traffic,
        })
    }

    /// Connects to `url` offering permessage-deflate, as browsers do. Returns whether the
    /// server accepted it.
    pub async fn connect_offering_deflate(
        url: &str,
        token: Option<&str>,
        traffic: Arc<Traffic>,
    ) -> Result<(Self, bool), LoadError> {
        let connecting = deflate::connect(url, token, traffic.clone());
        let (ws, accepted) = tokio::time::timeout(HANDSHAKE_TIMEOUT, connecting)
            .await
            .map_err(|_| LoadError::Connect("the server did not answer the handshake".into()))??;
        let conn = Self {
            socket: Socket::Deflate(Box::new(ws)),
            traffic,
        };
        Ok((conn, accepted))
    }

    /// Queues frames and sends them.
    pub async fn send_all(&mut self, frames: Vec<Vec<u8>>) -> Result<(), LoadError> {
        if frames.is_empty() {
            return Ok(());
        }
        let sent = frames.len() as u64;
        match &mut self.socket {
            Socket::Plain(ws) => {
                for frame in frames {
                    let len = frame.len();
                    ws.feed(Message::Binary(frame.into()))
                        .await
                        .map_err(|e| LoadError::Connection(e.to_string()))?;
                    self.traffic
                        .sent
                        .fetch_add(len as u64 + frame_overhead(len, true), Ordering::Relaxed);
                }
                ws.flush()
                    .await
                    .map_err(|e| LoadError::Connection(e.to_string()))?;
            }
            Socket::Deflate(ws) => {
                for frame in frames {
                    ws.feed(yawc::Frame::binary(frame))
                        .await
                        .map_err(|e| LoadError::Connection(e.to_string()))?;
                }
                ws.flush()
                    .await
                    .map_err(|e| LoadError::Connection(e.to_string()))?;
            }
        }
        self.traffic.frames_sent.fetch_add(sent, Ordering::Relaxed);
        Ok(())
    }

    /// The next binary frame; `None` when the server closed the connection.
    pub async fn recv(&mut self) -> Result<Option<Vec<u8>>, LoadError> {
        let ws = match &mut self.socket {
            Socket::Plain(ws) => ws,
            Socket::Deflate(ws) => return Self::recv_deflate_frame_of(&self.traffic, ws).await,
        };
        loop {
            match ws.next().await {
                Some(Ok(Message::Binary(bytes))) => {
                    let len = bytes.len();
                    self.traffic
                        .received
                        .fetch_add(len as u64 + frame_overhead(len, false), Ordering::Relaxed);
                    self.traffic.frames_received.fetch_add(1, Ordering::Relaxed);
                    return Ok(Some(bytes.into()));
                }
                Some(Ok(Message::Close(_))) | None => return Ok(None),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(LoadError::Connection(e.to_string())),
            }
        }
    }

    async fn recv_deflate_frame_of(
        traffic: &Traffic,
        ws: &mut DeflateSocket,
    ) -> Result<Option<Vec<u8>>, LoadError> {
        loop {
            let frame = std::future::poll_fn(|cx| ws.poll_next_frame(cx)).await;
            match frame {
                Ok(frame) => match frame.opcode() {
                    yawc::OpCode::Binary => {
                        traffic.frames_received.fetch_add(1, Ordering::Relaxed);
                        return Ok(Some(frame.into_payload().into()));
                    }
                    yawc::OpCode::Close => return Ok(None),
                    _ => continue,
                },
                Err(yawc::WebSocketError::ConnectionClosed) => return Ok(None),
                Err(e) => return Err(LoadError::Connection(e.to_string())),
            }
        }
    }

    /// Closes the connection politely.
    pub async fn close(self) {
        match self.socket {
            Socket::Plain(mut ws) => {
                let _ = WebSocketStream::close(&mut *ws, None).await;
            }
            Socket::Deflate(mut ws) => {
                let _ = ws.close().await;
            }
        }
    }
}
