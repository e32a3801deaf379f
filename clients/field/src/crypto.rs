//! Encryption at rest of the local store.
//!
//! A 32-byte key is derived from the user's password with Argon2id and a random per-store
//! salt; the salt and the KDF parameters are kept in clear in the store's `meta` table (key
//! `encryption`), so the parameters can be raised later (the store is then re-encrypted under
//! a fresh salt). Every sensitive record (a document's bytes, its sync state, the session with
//! its tokens) is sealed with XChaCha20-Poly1305 under a random 24-byte nonce, with the
//! record's purpose and document id as associated data, so a record moved to another row or
//! column fails to open instead of being read as the wrong thing. A small verifier (a known
//! value sealed with the key) tells a wrong password apart from a damaged store.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::FieldError;

/// Bytes of a key.
pub const KEY_LEN: usize = 32;
/// Bytes of a nonce (XChaCha20-Poly1305).
const NONCE_LEN: usize = 24;
/// Bytes of a per-store salt.
const SALT_LEN: usize = 16;
/// The first byte of every sealed record: the format, so it can change later.
const FORMAT: u8 = 1;
/// What the verifier seals.
const VERIFIER_PLAINTEXT: &[u8] = b"linli-field local store key v1";

/// A store key. Its bytes are erased from memory when it is dropped.
#[derive(Clone)]
pub struct StoreKey(Zeroizing<[u8; KEY_LEN]>);

impl StoreKey {
    /// A key from its bytes (as kept in the unlocked-key file).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(…)")
    }
}

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory, KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

/// The parameters new keys are derived with: 64 MiB, 3 passes, 1 lane (RFC 9106's second
/// recommended setting, for machines that cannot spare 2 GiB). A store derived with less is
/// re-encrypted with these at the next `login` or `unlock`.
pub const KDF_PARAMS: KdfParams = KdfParams {
    m_cost_kib: 64 * 1024,
    t_cost: 3,
    p_cost: 1,
};

impl KdfParams {
    /// True when some cost is below `other`'s.
    pub fn weaker_than(&self, other: &KdfParams) -> bool {
        self.m_cost_kib < other.m_cost_kib || self.t_cost < other.t_cost
    }
}

/// How a store is encrypted: kept in clear in `meta` under `encryption` (none of it is
/// secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption {
    /// `xchacha20poly1305`.
    pub cipher: String,
    /// `argon2id`.
    pub kdf: String,
    #[serde(flatten)]
    pub params: KdfParams,
    /// The salt, hex.
    pub salt: String,
    /// The verifier: a known value sealed with the key, hex.
    pub verifier: String,
}

impl Encryption {
    /// Parses the stored description; refuses schemes this build does not know.
    pub fn parse(json: &str) -> Result<Self, FieldError> {
        let e: Encryption = serde_json::from_str(json)
            .map_err(|e| FieldError::Corrupt(format!("encryption settings: {e}")))?;
        if e.cipher != "xchacha20poly1305" || e.kdf != "argon2id" {
            return Err(FieldError::Corrupt(format!(
                "unknown encryption scheme {} / {} (written by a newer linli-field?)",
                e.cipher, e.kdf
            )));
        }
        Ok(e)
    }

    /// Derives the key for `password` and checks it against the verifier.
    pub fn key_for(&self, password: &str) -> Result<StoreKey, FieldError> {
        let salt =
            hex::decode(&self.salt).map_err(|_| FieldError::Corrupt("encryption salt".into()))?;
        let key = derive(password, &salt, &self.params)?;
        self.check(&key)?;
        Ok(key)
    }

    /// Fails with [`FieldError::WrongPassword`] unless `key` opens the verifier.
    pub fn check(&self, key: &StoreKey) -> Result<(), FieldError> {
        let sealed = hex::decode(&self.verifier)
            .map_err(|_| FieldError::Corrupt("encryption verifier".into()))?;
        match Cipher::new(key.clone()).open(b"verifier", &sealed) {
            Some(v) if v.as_slice() == VERIFIER_PLAINTEXT => Ok(()),
            _ => Err(FieldError::WrongPassword),
        }
    }
}

/// A fresh encryption for `password` (new salt, today's parameters) and its key.
pub fn new_encryption(password: &str) -> Result<(Encryption, StoreKey), FieldError> {
    new_encryption_with(password, &KDF_PARAMS)
}

/// A fresh encryption for `password` with a new salt and `params`.
pub fn new_encryption_with(
    password: &str,
    params: &KdfParams,
) -> Result<(Encryption, StoreKey), FieldError> {
    let salt: [u8; SALT_LEN] = rand::random();
    let key = derive(password, &salt, params)?;
    let verifier = Cipher::new(key.clone()).seal(b"verifier", VERIFIER_PLAINTEXT);
    let encryption = Encryption {
        cipher: "xchacha20poly1305".into(),
        kdf: "argon2id".into(),
        params: *params,
        salt: hex::encode(salt),
        verifier: hex::encode(verifier),
    };
    Ok((encryption, key))
}

/// Argon2id(password, salt) → 32 bytes.
fn derive(password: &str, salt: &[u8], p: &KdfParams) -> Result<StoreKey, FieldError> {
    let params = Params::new(p.m_cost_kib, p.t_cost, p.p_cost, Some(KEY_LEN))
        .map_err(|e| FieldError::Corrupt(format!("key derivation parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(password.as_bytes(), salt, &mut key[..])
        .map_err(|e| FieldError::Invalid(format!("key derivation: {e}")))?;
    Ok(StoreKey(key))
}

/// Seals and opens records with one key.
#[derive(Clone)]
pub struct Cipher {
    aead: XChaCha20Poly1305,
    key: StoreKey,
}

impl Cipher {
    pub fn new(key: StoreKey) -> Self {
        Self {
            aead: XChaCha20Poly1305::new(key.as_bytes().into()),
            key,
        }
    }

    /// The key.
    pub fn key(&self) -> &StoreKey {
        &self.key
    }

    /// `FORMAT ‖ nonce ‖ ciphertext and tag`, authenticated together with `ad`.
    pub fn seal(&self, ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &associated(ad),
                },
            )
            .expect("XChaCha20-Poly1305 seals any record that fits in memory");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plaintext of a sealed record, or `None` when the key, the associated data or the
    /// bytes are not those it was sealed with.
    pub fn open(&self, ad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (format, rest) = sealed.split_first()?;
        if *format != FORMAT || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &associated(ad),
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

/// Associated data: a fixed prefix (so nothing else sealed with the same key can pass for a
/// store record) and the record's own label.
fn associated(ad: &[u8]) -> Vec<u8> {
    [b"linli-field/v1/".as_slice(), ad].concat()
}

/// The associated data of a document's bytes.
pub fn ad_document(id: &str) -> Vec<u8> {
    format!("document/{id}").into_bytes()
}

/// The associated data of a document's sync state.
pub fn ad_sync_state(id: &str) -> Vec<u8> {
    format!("sync-state/{id}").into_bytes()
}

/// The associated data of a secret setting.
pub fn ad_meta(key: &str) -> Vec<u8> {
    format!("meta/{key}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap(password: &str) -> (Encryption, StoreKey) {
        let params = KdfParams {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        };
        new_encryption_with(password, &params).unwrap()
    }

    #[test]
    fn records_open_only_with_their_key_and_label() {
        let (_, key) = cheap("right");
        let cipher = Cipher::new(key);
        let sealed = cipher.seal(&ad_document("a"), b"secret address");
        assert_eq!(
            cipher.open(&ad_document("a"), &sealed).unwrap().as_slice(),
            b"secret address"
        );
        assert!(cipher.open(&ad_document("b"), &sealed).is_none(), "moved");
        assert!(
            cipher.open(&ad_sync_state("a"), &sealed).is_none(),
            "swapped"
        );
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(
            cipher.open(&ad_document("a"), &flipped).is_none(),
            "tampered"
        );
        let (_, other) = cheap("other");
        assert!(Cipher::new(other)
            .open(&ad_document("a"), &sealed)
            .is_none());
        // A fresh nonce every time: the same record never seals to the same bytes.
        assert_ne!(sealed, cipher.seal(&ad_document("a"), b"secret address"));
        assert!(!sealed
            .windows(b"secret".len())
            .any(|w| w == b"secret".as_slice()));
    }

    #[test]
    fn the_verifier_tells_a_wrong_password() {
        let (e, _) = cheap("right");
        assert!(e.key_for("right").is_ok());
        assert!(matches!(e.key_for("wrong"), Err(FieldError::WrongPassword)));
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(Encryption::parse(&json).unwrap(), e);
        let unknown = json.replace("argon2id", "scrypt");
        assert!(matches!(
            Encryption::parse(&unknown),
            Err(FieldError::Corrupt(_))
        ));
        assert!(e.params.weaker_than(&KDF_PARAMS));
        assert!(!KDF_PARAMS.weaker_than(&KDF_PARAMS));
    }
}
