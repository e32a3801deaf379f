//! Access tokens: short-lived HS256 JWTs. The signing key is one random secret per
//! deployment, kept in the database (`server_meta`), so that every node on one database signs
//! and verifies alike and a device logged in through one node syncs through any other. A
//! `--jwt-secret-file` overrides it; a secret an older version generated into the data
//! directory is adopted into the database on first start. Only HS256 is accepted, so
//! `alg: none` and every other algorithm are refused.

use std::path::Path;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::store::Store;

/// Where older versions generated the secret inside the data directory (adopted into the
/// database when found there).
pub const SECRET_FILE: &str = "jwt-secret";

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub org: String,
    pub device: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
}

/// The signing and verifying keys.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// Why a token was not accepted (never sent to clients in detail).
#[derive(Debug, thiserror::Error)]
#[error("invalid token: {0}")]
pub struct TokenError(String);

impl Keys {
    /// Keys from a secret.
    pub fn from_secret(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// The deployment's keys: from `file` when given; else the secret the database keeps,
    /// made on first start (adopting one an older version left in the data directory). Nodes
    /// starting together agree: the first to store a secret wins and all read it back.
    pub async fn for_deployment(
        store: &Store,
        data_dir: &Path,
        file: Option<&Path>,
    ) -> Result<Self, AppError> {
        if let Some(file) = file {
            return Ok(Self::from_secret(&std::fs::read(file)?));
        }
        if let Some(secret) = store.jwt_secret().await? {
            return Ok(Self::from_secret(&secret));
        }
        let candidate = match std::fs::read(data_dir.join(SECRET_FILE)) {
            Ok(secret) => secret,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret: [u8; 32] = rand::random();
                hex::encode(secret).into_bytes()
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Self::from_secret(&store.keep_jwt_secret(&candidate).await?))
    }

    /// Signs claims.
    pub fn sign(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// Verifies signature, algorithm and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| TokenError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "u".into(),
            role: "worker".into(),
            org: "c01".into(),
            device: "d".into(),
            exp,
            iat: 0,
            jti: "j".into(),
        }
    }

    fn far_future() -> i64 {
        crate::clock::now_ms() / 1000 + 3600
    }

    #[test]
    fn signed_tokens_verify_and_others_do_not() {
        let keys = Keys::from_secret(b"one");
        let token = keys.sign(&claims(far_future()));
        assert_eq!(keys.verify(&token).unwrap().sub, "u");
        assert!(
            Keys::from_secret(b"two").verify(&token).is_err(),
            "wrong key"
        );
        assert!(keys.verify(&keys.sign(&claims(1))).is_err(), "expired");
    }

    #[test]
    fn alg_none_is_refused() {
        let keys = Keys::from_secret(b"one");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = b64.encode(serde_json::to_vec(&claims(far_future())).unwrap());
        assert!(keys.verify(&format!("{header}.{body}.")).is_err());
    }
}
