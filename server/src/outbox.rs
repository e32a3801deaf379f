//! A connection's outgoing queue: bounded, and a peer that lets it fill up is disconnected
//! rather than allowed to hold memory.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Frames queued for one connection before it counts as too slow.
pub const OUTBOX_CAPACITY: usize = 1024;

/// Something for a connection's writer to do.
#[derive(Debug)]
pub enum Outgoing {
    Frame(Vec<u8>),
    Ping,
    /// Send this frame (if not empty), then close.
    Close(Vec<u8>),
}

/// The sending side of a connection, cheap to clone.
#[derive(Clone, Debug)]
pub struct Outbox {
    tx: mpsc::Sender<Outgoing>,
    kill: CancellationToken,
}

impl Outbox {
    /// A new outbox, its receiver, and the token that ends the connection.
    pub fn new() -> (Self, mpsc::Receiver<Outgoing>, CancellationToken) {
        let (tx, rx) = mpsc::channel(OUTBOX_CAPACITY);
        let kill = CancellationToken::new();
        (
            Self {
                tx,
                kill: kill.clone(),
            },
            rx,
            kill,
        )
    }

    /// Queues a frame; a full queue ends the connection.
    pub fn send(&self, item: Outgoing) {
        match self.tx.try_send(item) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("peer is not reading; disconnecting it");
                self.kill.cancel();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}
