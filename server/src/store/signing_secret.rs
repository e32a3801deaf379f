//! The deployment's token-signing secret, kept in `server_meta` (hex) so that every node on
//! one database signs and verifies access tokens alike.

use super::Store;

impl Store {
    /// The stored secret, if one was stored.
    pub async fn jwt_secret(&self) -> Result<Option<Vec<u8>>, sqlx::Error> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'jwt_secret'")
                .fetch_optional(self.pool())
                .await?;
        stored
            .map(|hex_text| hex::decode(hex_text).map_err(|e| sqlx::Error::Decode(Box::new(e))))
            .transpose()
    }

    /// Stores `candidate` unless a secret is stored already; returns the one stored (another
    /// node starting at the same moment may have stored its own first).
    pub async fn keep_jwt_secret(&self, candidate: &[u8]) -> Result<Vec<u8>, sqlx::Error> {
        sqlx::query(
            "INSERT INTO server_meta (key, value) VALUES ('jwt_secret', $1) ON CONFLICT (key) DO NOTHING",
        )
        .bind(hex::encode(candidate))
        .execute(self.pool())
        .await?;
        self.jwt_secret()
            .await?
            .ok_or_else(|| sqlx::Error::RowNotFound)
    }
}
