//! A connection's outgoing queue: bounded in frames and in bytes, and a peer that lets it fill
//! up is disconnected rather than allowed to hold memory. Sending never waits, so a document
//! actor is never held up by one slow peer.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Something for a connection's writer to do.
#[derive(Debug)]
pub enum Outgoing {
    Frame(Vec<u8>),
    Ping,
    /// Send this frame (if not empty), then close.
    Close(Vec<u8>),
}

impl Outgoing {
    fn len(&self) -> usize {
        match self {
            Outgoing::Frame(b) | Outgoing::Close(b) => b.len(),
            Outgoing::Ping => 0,
        }
    }
}

/// How much one connection's queue may hold.
#[derive(Clone, Copy, Debug)]
pub struct OutboxLimits {
    pub frames: usize,
    pub bytes: usize,
}

/// The sending side of a connection, cheap to clone.
#[derive(Clone, Debug)]
pub struct Outbox {
    tx: mpsc::Sender<Outgoing>,
    kill: CancellationToken,
    queued: Arc<AtomicUsize>,
    max_bytes: usize,
    last_words: LastWords,
}

/// The frame sent just before the connection closes (an `error` saying why), kept outside
/// the bounded queue so that it is not lost when the queue is full; and whether a close was
/// asked for (later frames are dropped: nothing goes out after it).
#[derive(Clone, Debug, Default)]
struct LastWords {
    frame: Arc<Mutex<Option<Vec<u8>>>>,
    closing: Arc<AtomicBool>,
}

/// The writer's side of a connection's queue.
#[derive(Debug)]
pub struct OutboxReceiver {
    rx: mpsc::Receiver<Outgoing>,
    queued: Arc<AtomicUsize>,
    last_words: LastWords,
}

impl OutboxReceiver {
    /// The next thing to send, or `None` once every [`Outbox`] is dropped.
    pub async fn recv(&mut self) -> Option<Outgoing> {
        let item = self.rx.recv().await?;
        self.queued.fetch_sub(item.len(), Ordering::AcqRel);
        Some(item)
    }

    /// The frame to send before closing, if a close with one was asked for.
    pub fn take_last_words(&self) -> Option<Vec<u8>> {
        self.last_words
            .frame
            .lock()
            .expect("last words lock")
            .take()
    }
}

impl Outbox {
    /// A new outbox, its receiver, and the token that ends the connection.
    pub fn new(limits: OutboxLimits) -> (Self, OutboxReceiver, CancellationToken) {
        let (tx, rx) = mpsc::channel(limits.frames.max(1));
        let kill = CancellationToken::new();
        let queued = Arc::new(AtomicUsize::new(0));
        let last_words = LastWords::default();
        (
            Self {
                tx,
                kill: kill.clone(),
                queued: queued.clone(),
                max_bytes: limits.bytes,
                last_words: last_words.clone(),
            },
            OutboxReceiver {
                rx,
                queued,
                last_words,
            },
            kill,
        )
    }

    /// Queues a frame; a full queue ends the connection. A close's frame is kept aside and
    /// sent even then (one short try); frames after a close are dropped.
    pub fn send(&self, item: Outgoing) {
        if self.last_words.closing.load(Ordering::Acquire) {
            return;
        }
        let item = match item {
            Outgoing::Close(frame) => {
                self.last_words.closing.store(true, Ordering::Release);
                if !frame.is_empty() {
                    *self.last_words.frame.lock().expect("last words lock") = Some(frame);
                }
                if self.tx.try_send(Outgoing::Close(Vec::new())).is_err() {
                    self.kill.cancel();
                }
                return;
            }
            item => item,
        };
        let len = item.len();
        let before = self.queued.fetch_add(len, Ordering::AcqRel);
        // One frame larger than the whole budget still goes out on an empty queue (a large
        // document's first sync); anything that would pile up beyond it does not.
        if before > 0 && before + len > self.max_bytes {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            self.too_slow();
            return;
        }
        match self.tx.try_send(item) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued.fetch_sub(len, Ordering::AcqRel);
                self.too_slow();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.queued.fetch_sub(len, Ordering::AcqRel);
            }
        }
    }

    fn too_slow(&self) {
        if !self.kill.is_cancelled() {
            tracing::warn!("peer is not reading; disconnecting it");
        }
        self.kill.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_ends_the_connection_in_frames_or_bytes() {
        let (outbox, mut rx, kill) = Outbox::new(OutboxLimits {
            frames: 2,
            bytes: 1000,
        });
        outbox.send(Outgoing::Frame(vec![0; 10]));
        outbox.send(Outgoing::Frame(vec![0; 10]));
        assert!(!kill.is_cancelled());
        outbox.send(Outgoing::Frame(vec![0; 10]));
        assert!(kill.is_cancelled(), "a third frame does not fit");
        assert_eq!(rx.recv().await.unwrap().len(), 10);

        let (outbox, mut rx, kill) = Outbox::new(OutboxLimits {
            frames: 10,
            bytes: 1000,
        });
        outbox.send(Outgoing::Frame(vec![0; 5000]));
        assert!(
            !kill.is_cancelled(),
            "one large frame on an empty queue goes out"
        );
        assert_eq!(rx.recv().await.unwrap().len(), 5000);
        outbox.send(Outgoing::Frame(vec![0; 600]));
        outbox.send(Outgoing::Frame(vec![0; 300]));
        assert!(!kill.is_cancelled());
        outbox.send(Outgoing::Frame(vec![0; 200]));
        assert!(kill.is_cancelled(), "1100 bytes would be queued");
    }

    /// Why a connection closes reaches the peer even when its queue is full, and nothing is
    /// queued after the close.
    #[tokio::test]
    async fn a_close_keeps_its_reason_when_the_queue_is_full() {
        let (outbox, rx, kill) = Outbox::new(OutboxLimits {
            frames: 1,
            bytes: 1000,
        });
        outbox.send(Outgoing::Frame(vec![1]));
        outbox.send(Outgoing::Close(vec![9, 9]));
        assert!(
            kill.is_cancelled(),
            "no room for the close: the connection ends"
        );
        assert_eq!(
            rx.take_last_words(),
            Some(vec![9, 9]),
            "the reason is kept aside"
        );

        let (outbox, mut rx, kill) = Outbox::new(OutboxLimits {
            frames: 4,
            bytes: 1000,
        });
        outbox.send(Outgoing::Close(vec![7]));
        outbox.send(Outgoing::Frame(vec![1]));
        assert!(!kill.is_cancelled());
        assert!(matches!(rx.recv().await, Some(Outgoing::Close(_))));
        assert_eq!(rx.take_last_words(), Some(vec![7]));
        drop(outbox);
        assert!(
            rx.recv().await.is_none(),
            "nothing was queued after the close"
        );
    }
}
