//! Password hashing with argon2 (default parameters, random salt per password).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Hashes a password into a PHC string.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with valid parameters cannot fail")
        .to_string()
}

/// Checks a password against a PHC string.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks login passwords so that the answer costs the same whether or not the name exists:
/// a user without a stored hash (an unknown name, a volunteer without a password) is checked
/// against a dummy hash made with the same parameters, and refused. Without it, a wrong
/// password for a real name took 17–25 ms and an unknown name 1.4–7 ms.
#[derive(Clone, Default)]
pub struct PasswordChecker {
    inner: Arc<CheckerInner>,
}

#[derive(Default)]
struct CheckerInner {
    dummy: OnceLock<String>,
    /// Argon2 verifications run (for tests: every attempt must run one).
    verifications: AtomicU64,
}

impl PasswordChecker {
    /// Whether `password` matches `stored`; `None` (or a stored value that is not a PHC
    /// string) never matches but costs a verification all the same.
    /// Blocking (argon2): call it from `spawn_blocking`.
    pub fn check(&self, password: &str, stored: Option<&str>) -> bool {
        let matched = match stored.filter(|phc| PasswordHash::new(phc).is_ok()) {
            Some(phc) => verify(password, phc),
            None => {
                let _ = verify(password, self.dummy());
                false
            }
        };
        self.inner.verifications.fetch_add(1, Ordering::Relaxed);
        matched
    }

    /// Makes the dummy hash now rather than on the first unknown name (blocking).
    pub fn warm(&self) {
        self.dummy();
    }

    fn dummy(&self) -> &str {
        self.inner.dummy.get_or_init(|| {
            let random: [u8; 16] = rand::random();
            hash(&hex::encode(random))
        })
    }

    #[cfg(test)]
    fn verifications(&self) -> u64 {
        self.inner.verifications.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::PasswordChecker;

    /// Every attempt runs argon2 once: a real name with a wrong password, an unknown name, a
    /// user without a password, and a stored hash that is not a PHC string.
    #[test]
    fn every_attempt_costs_one_verification() {
        let checker = PasswordChecker::default();
        let stored = super::hash("正确的密码");
        assert!(checker.check("正确的密码", Some(&stored)));
        assert!(!checker.check("guess", Some(&stored)));
        assert!(!checker.check("guess", None));
        assert!(!checker.check("guess", Some("not a hash")));
        assert_eq!(checker.verifications(), 4);
        // The dummy lets no password in, the empty one included.
        assert!(!checker.check("", None));
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let h = super::hash("正确的密码");
        assert!(super::verify("正确的密码", &h));
        assert!(!super::verify("wrong", &h));
        assert_ne!(super::hash("正确的密码"), h, "salted");
    }
}
