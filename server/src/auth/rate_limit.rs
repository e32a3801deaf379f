//! Login attempts are limited per user name and client address, per address, and (more
//! slowly) per user name across all addresses, so that passwords cannot be guessed at speed
//! while someone failing from one address does not lock the owner out on another (governor's
//! keyed GCRA limiters).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts per minute for one user name from one address.
const PER_USER_AND_ADDRESS_PER_MINUTE: u32 = 10;
/// Attempts per minute from one address (a community office may share one).
const PER_ADDRESS_PER_MINUTE: u32 = 60;
/// Attempts per hour for one user name from all addresses together, in bursts of at most
/// [`PER_USER_BURST`].
const PER_USER_PER_HOUR: u32 = 120;
const PER_USER_BURST: u32 = 30;

/// The three limiters, shared by all requests.
#[derive(Clone)]
pub struct LoginLimiter {
    user_at_address: Arc<DefaultKeyedRateLimiter<(String, IpAddr)>>,
    addresses: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    users: Arc<DefaultKeyedRateLimiter<String>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let n = |n: u32| NonZeroU32::new(n).expect("non-zero");
        Self {
            user_at_address: Arc::new(RateLimiter::keyed(Quota::per_minute(n(
                PER_USER_AND_ADDRESS_PER_MINUTE,
            )))),
            addresses: Arc::new(RateLimiter::keyed(Quota::per_minute(n(
                PER_ADDRESS_PER_MINUTE,
            )))),
            users: Arc::new(RateLimiter::keyed(
                Quota::per_hour(n(PER_USER_PER_HOUR)).allow_burst(n(PER_USER_BURST)),
            )),
        }
    }
}

impl LoginLimiter {
    /// True when one more attempt for `user` from `address` is allowed now.
    pub fn allow(&self, user: &str, address: IpAddr) -> bool {
        self.addresses.check_key(&address).is_ok()
            && self
                .user_at_address
                .check_key(&(user.to_owned(), address))
                .is_ok()
            && self.users.check_key(&user.to_owned()).is_ok()
    }
}
