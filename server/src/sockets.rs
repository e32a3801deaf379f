//! Accepted client sockets, before any HTTP: how many one address and everyone may hold open
//! (so that half-sent requests cannot use up the process's file descriptors), `TCP_NODELAY`,
//! and a graceful close.
//!
//! The graceful close matters when the server ends a connection while the client is still
//! sending, as when a websocket message is over the size limit: the server stops reading at the
//! frame's header. Closing a socket with unread input makes the kernel send a reset, and a
//! reset throws away what was queued for the client, including the `error` frame saying why.
//! So a socket is not closed outright: its write side is shut down (the client reads what was
//! sent, then the end), and what the client still sends is read and discarded until it closes
//! too, for [`DRAIN_FOR`] at most.

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use crate::limits::{ConnectionLimits, ConnectionSlot};

/// How long a closing socket is drained at most.
pub const DRAIN_FOR: Duration = Duration::from_secs(2);

/// Bytes a closing socket reads at most (a few of the largest messages a client may send).
const DRAIN_BYTES: usize = 256 * 1024 * 1024;

/// Open files kept free for the database, listeners and logs when the socket limit is derived
/// from the process's open-file limit.
const FILES_KEPT: u64 = 64;

/// The total socket limit: `configured`, or what the open-file limit leaves.
pub fn max_sockets(configured: Option<usize>) -> usize {
    configured.unwrap_or_else(|| {
        let files = open_file_limit().unwrap_or(1024);
        usize::try_from(files.saturating_sub(FILES_KEPT).max(16)).unwrap_or(usize::MAX)
    })
}

#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}

/// Counts each accepted socket against [`ConnectionLimits`]; a socket over a limit is closed
/// at once, before any HTTP is read.
#[derive(Clone)]
pub struct SocketAcceptor {
    limits: Arc<ConnectionLimits>,
}

impl SocketAcceptor {
    /// An acceptor counting against `limits`.
    pub fn new(limits: Arc<ConnectionLimits>) -> Self {
        Self { limits }
    }

    fn admit(&self, stream: TcpStream) -> io::Result<CountedStream> {
        let address: IpAddr = stream.peer_addr()?.ip();
        let slot = self.limits.acquire(address).map_err(|refused| {
            // Debug only: a flood of refusals must not become a flood of log lines.
            tracing::debug!(%address, ?refused, "refused a socket");
            io::Error::other("over the socket limit")
        })?;
        // No Nagle: a sync reply written while an earlier frame is unacknowledged would
        // otherwise wait for the peer's delayed ACK, up to 40 ms on Linux.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        Ok(CountedStream {
            io: Some(stream),
            slot: Some(slot),
        })
    }
}

impl<S> Accept<TcpStream, S> for SocketAcceptor {
    type Stream = CountedStream;
    type Service = S;
    type Future = std::future::Ready<io::Result<(CountedStream, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        std::future::ready(self.admit(stream).map(|s| (s, service)))
    }
}

/// An accepted socket holding its place in the counts; dropped, it is closed gracefully and
/// then frees its place.
pub struct CountedStream {
    io: Option<TcpStream>,
    slot: Option<ConnectionSlot>,
}

impl CountedStream {
    fn io(&mut self) -> &mut TcpStream {
        self.io
            .as_mut()
            .expect("the socket is present until dropped")
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(self.get_mut().io()).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.get_mut().io()).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.get_mut().io()).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.as_ref().is_some_and(|io| io.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.get_mut().io()).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.get_mut().io()).poll_shutdown(cx)
    }
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        let (Some(io), slot) = (self.io.take(), self.slot.take()) else {
            return;
        };
        // Outside a runtime (it is shutting down) the socket just closes.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                drain(io).await;
                drop(slot);
            });
        }
    }
}

/// Shuts the write side, then reads and discards until the peer closes, [`DRAIN_FOR`] passes
/// or [`DRAIN_BYTES`] were read.
async fn drain(mut io: TcpStream) {
    let _ = io.shutdown().await;
    let mut buf = vec![0u8; 16 * 1024];
    let mut left = DRAIN_BYTES;
    let deadline = tokio::time::Instant::now() + DRAIN_FOR;
    while left > 0 {
        match tokio::time::timeout_at(deadline, io.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => left = left.saturating_sub(n),
            _ => return,
        }
    }
}
