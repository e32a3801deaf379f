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
    /// Largest websocket message accepted, in bytes (a month of a phone's offline edits is a
    /// few MB); larger ones end the connection with an `error`.
    #[arg(long, env = "LINLI_MAX_FRAME_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_frame_bytes: usize,
    /// Operations one sync message may carry (a text of N characters is N operations);
    /// applying one briefly costs some 100 bytes of memory per operation, so a small message
    /// can cost far more than its size. A message with more is refused before it is applied.
    #[arg(long, env = "LINLI_MAX_OPS_PER_MESSAGE", default_value_t = linli_sync_core::message_cost::DEFAULT_MAX_OPS)]
    pub max_ops_per_message: u64,
    /// Bytes each websocket's read buffer holds from the start, and reads at once (it grows
    /// for a larger frame while reading it). Small keeps idle connections cheap: tungstenite's
    /// own default is 128 KiB, allocated for every connection; a typical sync message fits in
    /// 2 KiB, a larger one takes a few more reads.
    #[arg(long, env = "LINLI_WS_READ_BUFFER_BYTES", default_value_t = 2 * 1024)]
    pub ws_read_buffer_bytes: usize,
    /// Live `/sync` websockets allowed in all; further upgrades get HTTP 503.
    #[arg(long, env = "LINLI_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Live `/sync` websockets allowed from one client address (the socket's peer address:
    /// behind a reverse proxy that is the proxy's); further upgrades get HTTP 429.
    #[arg(long, env = "LINLI_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 64)]
    pub max_connections_per_address: usize,
    /// Seconds a client has to send a request's head (line and headers) on a new or idle
    /// connection; slower ones are closed (slowloris).
    #[arg(long, env = "LINLI_HEADER_READ_TIMEOUT_SECS", default_value_t = 15)]
    pub header_read_timeout_secs: u64,
    /// Open client sockets (HTTP, HTTPS, websockets) allowed in all; further connections are
    /// closed at once. Default: the process's open-file limit less 64 for the database,
    /// listeners and logs.
    #[arg(long, env = "LINLI_MAX_SOCKETS")]
    pub max_sockets: Option<usize>,
    /// Open client sockets allowed from one address (behind a reverse proxy: the proxy's).
    #[arg(long, env = "LINLI_MAX_SOCKETS_PER_ADDRESS", default_value_t = 256)]
    pub max_sockets_per_address: usize,
    /// Messages per second one connection may send on average; above it the server reads
    /// that connection more slowly.
    #[arg(long, env = "LINLI_MAX_MESSAGES_PER_SEC", default_value_t = 500)]
    pub max_messages_per_sec: u32,
    /// Messages one connection may send at once before the rate applies.
    #[arg(long, env = "LINLI_MESSAGE_BURST", default_value_t = 5000)]
    pub message_burst: u32,
    /// Seconds a connection may stay above its message rate without pause before it is sent
    /// an `error` and closed.
    #[arg(long, env = "LINLI_FLOOD_GRACE_SECS", default_value_t = 10)]
    pub flood_grace_secs: u64,
    /// Document messages of one connection waiting for their documents at once; beyond it the
    /// server stops reading that connection until some are handled.
    #[arg(long, env = "LINLI_MAX_IN_FLIGHT_PER_CONNECTION", default_value_t = 64)]
    pub max_in_flight_per_connection: usize,
    /// Bytes of one connection's document messages waiting for their documents at once
    /// (a larger message counts as this much); beyond it, as for the count.
    #[arg(
        long,
        env = "LINLI_MAX_IN_FLIGHT_BYTES_PER_CONNECTION",
        default_value_t = 16 * 1024 * 1024
    )]
    pub max_in_flight_bytes_per_connection: usize,
    /// Distinct documents one connection may sync or request; the next one gets an `error`
    /// and the connection is closed.
    #[arg(
        long,
        env = "LINLI_MAX_DOCUMENTS_PER_CONNECTION",
        default_value_t = 10_000
    )]
    pub max_documents_per_connection: usize,
    /// Frames queued for one connection before it counts as not reading and is disconnected.
    #[arg(long, env = "LINLI_OUTBOX_FRAMES", default_value_t = 1024)]
    pub outbox_frames: usize,
    /// Bytes queued for one connection before it counts as not reading and is disconnected
    /// (a single larger frame is still sent when nothing else is queued).
    #[arg(long, env = "LINLI_OUTBOX_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub outbox_bytes: usize,
    /// Commands queued for one document's actor; further senders wait for room.
    #[arg(long, env = "LINLI_DOC_QUEUE_CAPACITY", default_value_t = 1024)]
    pub doc_queue_capacity: usize,
    /// Milliseconds a connection waits for room in a document's queue before it is sent an
    /// `error` and closed (API calls answer 503).
    #[arg(long, env = "LINLI_DOC_QUEUE_WAIT_MS", default_value_t = 10_000)]
    pub doc_queue_wait_ms: u64,
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
    /// Seconds a document stays in memory while its peers are connected but quiet; then it
    /// is parked (its peers' sync states kept, the document and its task freed) and loaded
    /// again by the next message for it.
    #[arg(long, env = "LINLI_PARK_AFTER_SECS", default_value_t = 30)]
    pub park_after_secs: u64,
    /// Seconds between websocket pings; a peer silent for three intervals is dropped.
    #[arg(long, env = "LINLI_PING_INTERVAL_SECS", default_value_t = 5)]
    pub ping_interval_secs: u64,
    /// Compact a document into a snapshot after this many new changes.
    #[arg(long, env = "LINLI_SNAPSHOT_EVERY", default_value_t = 256)]
    pub snapshot_every: u64,
    /// The time zone (IANA name) visits are dated, listed and exported in.
    #[arg(long, env = "LINLI_TIME_ZONE", default_value = linli_sync_core::calendar::DEFAULT_TIME_ZONE, value_parser = time_zone)]
    pub time_zone: String,
    /// The CJK font certificates of volunteer service are printed in (a .ttf, .otf, .ttc or
    /// .otc; in a collection the Simplified Chinese face). Default: the first installed of
    /// `certificate_pdf::font::WELL_KNOWN_FONTS` (Debian's fonts-noto-cjk first). Without one, the
    /// certificates' PDF answers 503 and all else works.
    #[arg(long, env = "LINLI_CERTIFICATE_FONT")]
    pub certificate_font: Option<PathBuf>,
}

fn time_zone(s: &str) -> Result<String, String> {
    if linli_sync_core::calendar::is_time_zone(s) {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "unknown time zone `{s}` (an IANA name such as Asia/Shanghai)"
        ))
    }
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

    /// How long a quiet document with connected peers stays loaded.
    pub fn park_after(&self) -> Duration {
        Duration::from_secs(self.park_after_secs)
    }

    /// Interval between pings.
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.ping_interval_secs.max(1))
    }

    /// How long a sender waits for room in a document's queue.
    pub fn doc_queue_wait(&self) -> Duration {
        Duration::from_millis(self.doc_queue_wait_ms)
    }
}

/// The limits and defaults the documentation states agree with the flags above: README.md's
/// table of `serve` options is the reference (every flag in it, with its variable and default),
/// and wherever ARCHITECTURE.md or SECURITY.md name a flag's default it is the same number.
#[cfg(test)]
mod documented_defaults {
    use std::collections::BTreeMap;

    use clap::{Args, Command};

    /// (variable, default) of every `serve` flag, by long name.
    type Flags = BTreeMap<String, (Option<String>, Option<String>)>;

    fn flags() -> Flags {
        let mut cmd = super::ServeConfig::augment_args(Command::new("serve"));
        cmd.build();
        cmd.get_arguments()
            .filter_map(|a| {
                let long = a.get_long()?.to_owned();
                let env = a.get_env().map(|e| e.to_string_lossy().into_owned());
                let default = a
                    .get_default_values()
                    .first()
                    .map(|d| d.to_string_lossy().into_owned());
                Some((format!("--{long}"), (env, default)))
            })
            .collect()
    }

    /// The number a documented value starts with, in the flag's own unit (`8 MiB`, `250,000`,
    /// `10 s` for a flag in milliseconds); `None` when the value is not a number.
    fn number(flag: &str, value: &str) -> Option<u64> {
        let value = value.trim().trim_matches('`');
        let digits: String = value
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(|c| *c != ',')
            .collect();
        let n: u64 = digits.parse().ok()?;
        let unit = value[value
            .find(|c: char| !c.is_ascii_digit() && c != ',')
            .unwrap_or(value.len())..]
            .trim_start();
        Some(if unit.starts_with("MiB") {
            n << 20
        } else if unit.starts_with("KiB") {
            n << 10
        } else if flag.ends_with("-ms")
            && (unit == "s" || unit.starts_with("s ") || unit.starts_with("s,"))
        {
            n * 1000
        } else {
            n
        })
    }

    fn check(flag: &str, value: &str, flags: &Flags, doc: &str) {
        let (_, default) = flags
            .get(flag)
            .unwrap_or_else(|| panic!("{doc} names {flag}, which `serve` does not have"));
        let value = value.trim();
        if value.starts_with('`') {
            return assert_eq!(
                default.as_deref(),
                Some(value.trim_matches('`')),
                "{doc}: {flag}"
            );
        }
        match number(flag, value) {
            Some(n) => assert_eq!(
                default.as_deref(),
                Some(n.to_string().as_str()),
                "{doc}: {flag} {value}"
            ),
            None if value == "off" => {
                assert_eq!(default.as_deref(), Some("false"), "{doc}: {flag}")
            }
            None => assert!(
                default.is_none() || default.as_deref() == Some("false"),
                "{doc}: {flag} is documented as `{value}` but defaults to {default:?}"
            ),
        }
    }

    /// Checks `value` when it is a number; says whether it was.
    fn check_number(flag: &str, value: &str, flags: &Flags, doc: &str) -> bool {
        let is_number = number(flag, value).is_some();
        if is_number {
            check(flag, value, flags, doc);
        }
        is_number
    }

    fn names(cell: &str, prefix: &str) -> Vec<String> {
        cell.split('`')
            .filter(|s| s.starts_with(prefix))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn readme_lists_every_flag_with_its_variable_and_default() {
        let flags = flags();
        let readme = include_str!("../../README.md");
        let mut listed = Vec::new();
        for row in readme.lines().filter(|l| l.starts_with("| `--")) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let (names_cell, envs_cell, value) = (cells[1], cells[2], cells[3]);
            let (flag_names, envs) = (names(names_cell, "--"), names(envs_cell, "LINLI_"));
            assert_eq!(flag_names.len(), envs.len(), "README row {row}");
            for (flag, env) in flag_names.iter().zip(&envs) {
                let (actual_env, _) = flags
                    .get(flag)
                    .unwrap_or_else(|| panic!("README names {flag}"));
                assert_eq!(actual_env.as_deref(), Some(env.as_str()), "README: {flag}");
                check(
                    flag,
                    if flag_names.len() == 1 { value } else { "" },
                    &flags,
                    "README",
                );
                listed.push(flag.clone());
            }
        }
        for flag in flags
            .keys()
            .filter(|f| !["--help", "--version"].contains(&f.as_str()))
        {
            assert!(
                listed.contains(flag),
                "README's table of serve options lacks {flag}"
            );
        }
    }

    #[test]
    fn architecture_and_security_state_the_same_defaults() {
        let flags = flags();
        // ARCHITECTURE.md: "`--flag` (`LINLI_…`), 1024 …" / "(`LINLI_…`) 16 MiB …".
        let architecture = include_str!("../../ARCHITECTURE.md").replace('\n', " ");
        let mut seen = 0;
        for (at, _) in architecture.match_indices("(`LINLI_") {
            let before = &architecture[..at];
            let Some(flag) = before.rsplit('`').nth(1).filter(|f| f.starts_with("--")) else {
                continue;
            };
            let after = &architecture[at..];
            let Some(close) = after.find("`)") else {
                continue;
            };
            let rest = after[close + 2..].trim_start_matches([',', ' ']);
            let value: String = rest.chars().take(12).collect();
            seen += usize::from(check_number(flag, &value, &flags, "ARCHITECTURE.md"));
        }
        assert!(seen >= 15, "ARCHITECTURE.md's limits not found ({seen})");
        // SECURITY.md's table of limits: flags in the second cell, defaults in the third.
        let security = include_str!("../../SECURITY.md");
        let mut rows = 0;
        for row in security.lines().filter(|l| l.starts_with('|')) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let Some(flag_cell) = cells.get(2).filter(|c| c.starts_with("`--")) else {
                continue;
            };
            let flag_names = names(flag_cell, "--");
            let values: Vec<&str> = cells[3].split(", ").collect();
            assert_eq!(flag_names.len(), values.len(), "SECURITY.md row {row}");
            for (flag, value) in flag_names.iter().zip(values) {
                let value = value.trim_start_matches("burst ").replace("/s", "");
                check_number(flag, &value, &flags, "SECURITY.md");
            }
            rows += 1;
        }
        assert!(
            rows >= 10,
            "SECURITY.md's table of limits not found ({rows})"
        );
    }
}
