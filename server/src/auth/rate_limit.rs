//! Login attempts are limited per user name and per client address, so that passwords cannot
//! be guessed at speed (governor's keyed GCRA limiters).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts per minute for one user name.
const PER_USER_PER_MINUTE: u32 = 10;
/// Attempts per minute from one address (a community office may share one).
const PER_ADDRESS_PER_MINUTE: u32 = 60;

/// The two limiters, shared by all requests.
#[derive(Clone)]
pub struct LoginLimiter {
    users: Arc<DefaultKeyedRateLimiter<String>>,
    addresses: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let per = |n: u32| Quota::per_minute(NonZeroU32::new(n).expect("non-zero"));
        Self {
            users: Arc::new(RateLimiter::keyed(per(PER_USER_PER_MINUTE))),
            addresses: Arc::new(RateLimiter::keyed(per(PER_ADDRESS_PER_MINUTE))),
        }
    }
}

impl LoginLimiter {
    /// True when one more attempt for `user` from `address` is allowed now.
    pub fn allow(&self, user: &str, address: IpAddr) -> bool {
        self.addresses.check_key(&address).is_ok() && self.users.check_key(&user.to_owned()).is_ok()
    }
}
