//! Limits on what one client may hold or send on `/sync` (issue #7): live connections per
//! client address and in all, each connection's message rate, and its budget of document
//! messages in flight. The limits themselves are flags (`config.rs`); README's server options
//! and ARCHITECTURE's "Limits" list them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Counts live `/sync` connections, per client address and in all.
#[derive(Debug)]
pub struct ConnectionLimits {
    max_total: usize,
    max_per_address: usize,
    live: Mutex<Live>,
}

#[derive(Debug, Default)]
struct Live {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
}

/// Why an upgrade was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The address already holds its share (HTTP 429).
    PerAddress { limit: usize },
    /// The server holds as many connections as it will (HTTP 503).
    Total { limit: usize },
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Refused::PerAddress { limit } => (
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many sync connections from your address (limit {limit}); close some or try again later"
                ),
            ),
            Refused::Total { limit } => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server is at its limit of {limit} sync connections; try again later"
                ),
            ),
        };
        (status, [(header::RETRY_AFTER, "10")], body).into_response()
    }
}

impl ConnectionLimits {
    /// Limits of `max_total` connections in all and `max_per_address` from one address.
    pub fn new(max_total: usize, max_per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            max_total,
            max_per_address,
            live: Mutex::new(Live::default()),
        })
    }

    /// Takes a slot for a connection from `address`, held until the slot is dropped.
    pub fn acquire(self: &Arc<Self>, address: IpAddr) -> Result<ConnectionSlot, Refused> {
        let address = address.to_canonical();
        let mut live = self.live.lock().expect("connection count lock");
        let mine = live.per_address.get(&address).copied().unwrap_or(0);
        if mine >= self.max_per_address {
            return Err(Refused::PerAddress {
                limit: self.max_per_address,
            });
        }
        if live.total >= self.max_total {
            return Err(Refused::Total {
                limit: self.max_total,
            });
        }
        live.total += 1;
        live.per_address.insert(address, mine + 1);
        Ok(ConnectionSlot {
            limits: self.clone(),
            address,
        })
    }

    /// Live connections in all.
    pub fn live(&self) -> usize {
        self.live.lock().expect("connection count lock").total
    }
}

/// One live connection's place in the counts; dropping it frees the place.
#[derive(Debug)]
pub struct ConnectionSlot {
    limits: Arc<ConnectionLimits>,
    address: IpAddr,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut live = self.limits.live.lock().expect("connection count lock");
        live.total -= 1;
        if let Some(n) = live.per_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                live.per_address.remove(&self.address);
            }
        }
    }
}

/// One connection's message rate: a GCRA limiter (governor) with a burst, and how long the
/// connection has been above it without pause.
pub struct MessageGate {
    limiter: DefaultDirectRateLimiter,
    grace: Duration,
    over_since: Option<Instant>,
}

/// What to do with the message just read.
#[derive(Debug, PartialEq, Eq)]
pub enum Gate {
    /// Handle it now.
    Pass,
    /// Handle it after this pause (the connection is not read meanwhile).
    Wait(Duration),
    /// The connection has been over its rate for longer than the grace period: close it.
    Flood,
}

impl MessageGate {
    /// `per_sec` messages a second on average, `burst` at once, closing after `grace` above.
    pub fn new(per_sec: u32, burst: u32, grace: Duration) -> Self {
        let per_sec = NonZeroU32::new(per_sec.max(1)).expect("non-zero");
        let burst = NonZeroU32::new(burst.max(1)).expect("non-zero");
        Self {
            limiter: RateLimiter::direct(Quota::per_second(per_sec).allow_burst(burst)),
            grace,
            over_since: None,
        }
    }

    /// Accounts for one message.
    pub fn check(&mut self) -> Gate {
        match self.limiter.check() {
            Ok(()) => {
                self.over_since = None;
                Gate::Pass
            }
            Err(not_until) => {
                let since = *self.over_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= self.grace {
                    Gate::Flood
                } else {
                    Gate::Wait(not_until.wait_time_from(DefaultClock::default().now()))
                }
            }
        }
    }

    /// Takes the cell the pause waited for (call after a [`Gate::Wait`]).
    pub fn waited(&mut self) {
        // The pause was exactly until a cell is free; a miss here means only that another
        // check will follow with the next message.
        let _ = self.limiter.check();
    }
}

/// One connection's budget of document messages handed to their documents and not yet
/// handled: a count and a number of bytes. Waiting for room is first come, first served.
pub struct InFlight {
    count: Arc<Semaphore>,
    bytes: Arc<Semaphore>,
    max_bytes: u32,
}

impl InFlight {
    /// At most `count` messages and `bytes` bytes at once.
    pub fn new(count: usize, bytes: usize) -> Self {
        let max_bytes = bytes.clamp(1, u32::MAX as usize) as u32;
        Self {
            count: Arc::new(Semaphore::new(count.max(1))),
            bytes: Arc::new(Semaphore::new(max_bytes as usize)),
            max_bytes,
        }
    }

    /// Room for one message of `len` bytes (a larger one than the whole budget takes all of
    /// it), waiting until there is; the room is given back when the permits are dropped.
    pub async fn acquire(&self, len: usize) -> Vec<OwnedSemaphorePermit> {
        let cost = len.clamp(1, self.max_bytes as usize) as u32;
        let count = self.count.clone().acquire_owned().await;
        let bytes = self.bytes.clone().acquire_many_owned(cost).await;
        vec![count.expect("never closed"), bytes.expect("never closed")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_address_and_in_all() {
        let limits = ConnectionLimits::new(3, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = limits.acquire(a).unwrap();
        let _a2 = limits.acquire(a).unwrap();
        assert_eq!(
            limits.acquire(a).unwrap_err(),
            Refused::PerAddress { limit: 2 }
        );
        let _b1 = limits.acquire(b).unwrap();
        assert_eq!(limits.acquire(b).unwrap_err(), Refused::Total { limit: 3 });
        drop(a1);
        assert_eq!(limits.live(), 2);
        let _b2 = limits.acquire(b).unwrap();
        // An IPv4 address seen as IPv6 (dual-stack socket) is the same address.
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(
            limits.acquire(mapped).unwrap_err(),
            Refused::Total { limit: 3 }
        );
    }

    #[tokio::test]
    async fn in_flight_room_is_bounded_in_count_and_bytes() {
        let budget = InFlight::new(2, 100);
        let a = budget.acquire(10).await;
        let b = budget.acquire(10).await;
        let third = budget.acquire(10);
        tokio::pin!(third);
        assert!(
            futures_util::poll!(third.as_mut()).is_pending(),
            "two at most"
        );
        drop(a);
        let c = third.await;
        drop((b, c));
        let big = budget.acquire(1_000_000).await;
        let small = budget.acquire(1);
        tokio::pin!(small);
        assert!(
            futures_util::poll!(small.as_mut()).is_pending(),
            "a huge one takes all"
        );
        drop(big);
        small.await;
    }

    #[test]
    fn a_burst_passes_a_sustained_flood_does_not() {
        let mut gate = MessageGate::new(10, 5, Duration::from_millis(200));
        for _ in 0..5 {
            assert_eq!(gate.check(), Gate::Pass);
        }
        assert!(matches!(gate.check(), Gate::Wait(_)));
        std::thread::sleep(Duration::from_millis(250));
        // Still over (a message waited for) after the grace period: a flood.
        let mut gate2 = MessageGate::new(1, 1, Duration::from_millis(100));
        assert_eq!(gate2.check(), Gate::Pass);
        assert!(matches!(gate2.check(), Gate::Wait(_)));
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(gate2.check(), Gate::Flood);
        // The first gate refilled while we slept: the pause is over.
        assert_eq!(gate.check(), Gate::Pass);
    }
}
