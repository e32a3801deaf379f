//! Configuration of `linli-server serve`, from flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How to run the server.
#[derive(clap::Args, Clone, Debug)]
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "LINLI_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory for the SQLite database and other server files.
    #[arg(long, env = "LINLI_DATA_DIR", default_value = "./linli-data")]
    pub data_dir: PathBuf,
    /// `postgres://…` selects PostgreSQL; absent means SQLite inside the data directory.
    #[arg(long, env = "LINLI_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Read the JWT signing secret from this file (share it between nodes); default: a secret
    /// generated into the data directory.
    #[arg(long, env = "LINLI_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "LINLI_ACCESS_TTL_SECS", default_value_t = 900)]
    pub access_ttl_secs: u64,
    /// Also accept `/sync` connections without a token (they are not held to any access
    /// policy). For development only.
    #[arg(long, env = "LINLI_INSECURE_DEV")]
    pub insecure_dev: bool,
    /// On first start (an empty database), seed a realistic example county.
    #[arg(long, env = "LINLI_DEMO")]
    pub demo: bool,
    /// Largest websocket frame accepted, in bytes.
    #[arg(long, env = "LINLI_MAX_FRAME_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_frame_bytes: usize,
    /// Serve HTTPS/WSS on this address too (with `--tls-cert`/`--tls-key` or
    /// `--tls-self-signed`); plain HTTP stays on `--listen`.
    #[arg(long, env = "LINLI_TLS_LISTEN", default_value = "0.0.0.0:8443")]
    pub tls_listen: SocketAddr,
    /// PEM certificate chain for TLS.
    #[arg(long, env = "LINLI_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for TLS.
    #[arg(long, env = "LINLI_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Generate a self-signed certificate into the data directory (development).
    #[arg(long, env = "LINLI_TLS_SELF_SIGNED")]
    pub tls_self_signed: bool,
    /// Extra host names or addresses for the self-signed certificate (e.g. the LAN address).
    #[arg(
        long = "tls-hostname",
        env = "LINLI_TLS_HOSTNAMES",
        value_delimiter = ','
    )]
    pub tls_hostnames: Vec<String>,
    /// Seconds a document stays in memory after its last peer left.
    #[arg(long, env = "LINLI_EVICT_AFTER_SECS", default_value_t = 60)]
    pub evict_after_secs: u64,
    /// Seconds between websocket pings; a peer silent for three intervals is dropped.
    #[arg(long, env = "LINLI_PING_INTERVAL_SECS", default_value_t = 5)]
    pub ping_interval_secs: u64,
    /// Compact a document into a snapshot after this many new changes.
    #[arg(long, env = "LINLI_SNAPSHOT_EVERY", default_value_t = 256)]
    pub snapshot_every: u64,
}

impl ServeConfig {
    /// True when HTTPS is to be served.
    pub fn tls_enabled(&self) -> bool {
        self.tls_self_signed || self.tls_cert.is_some()
    }

    /// How long an idle document stays loaded.
    pub fn evict_after(&self) -> Duration {
        Duration::from_secs(self.evict_after_secs)
    }

    /// Interval between pings.
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.ping_interval_secs.max(1))
    }
}
