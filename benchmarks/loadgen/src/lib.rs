//! `linli-loadgen`: a load generator that speaks the automerge-repo wire protocol to any
//! sync server (Linli, the reference Node server, samod) and reports convergence time,
//! throughput, latency percentiles, bytes on the wire, and the server's CPU seconds and peak
//! memory (read from `/proc` for the pid given). One module per workload; `compare.sh` beside
//! this crate runs them all side by side. The burst's plan, the simulated device and its
//! connection are public so that the crash test (`tests/e2e/crash_burst.rs`) drives them too.
//! It lives beside the benchmarks, apart from the field client a phone runs.

pub mod burst;
mod cold;
pub mod conn;
mod deflate;
pub mod device;
pub mod docs;
mod idle;
mod live;
mod procstat;
mod reconnect;
mod stats;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

pub use burst::BurstShape;
use conn::{Traffic, TrafficTotals};
use procstat::ProcSample;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Why a load run failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("the server said: {0}")]
    Server(String),
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("did not complete: {0}")]
    Incomplete(String),
    #[error("{0}")]
    Protocol(#[from] linli_sync_core::client::ClientError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Options every workload shares.
#[derive(Clone, Debug, clap::Args)]
pub struct LoadArgs {
    /// The server's sync endpoint, e.g. ws://127.0.0.1:8080/sync. Repeat it to spread
    /// devices over several nodes (device i uses url i mod n).
    #[arg(long = "url", required = true)]
    pub urls: Vec<String>,
    /// A file of access tokens, one per line (from `linli-server token --count N`); device i
    /// uses token i mod n. Leave out for servers without authentication.
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// The server's process id: its CPU seconds and peak memory are reported.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// A name for the server in the report.
    #[arg(long, default_value = "server")]
    pub label: String,
    /// Makes document ids and actors; runs with one seed on one server must not overlap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Give up after this long.
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
}

/// The workloads.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum Workload {
    /// D devices × K documents × E offline changes, all reconnecting at once.
    Burst {
        #[command(flatten)]
        shape: BurstShape,
        #[command(flatten)]
        common: LoadArgs,
    },
    /// The burst's changes applied in process with bare automerge (no network, no storage).
    Floor {
        #[command(flatten)]
        shape: BurstShape,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// C connected peers each holding one document, nothing changing: server memory per peer.
    Idle {
        #[arg(long = "peers", short = 'C', default_value_t = 10_000)]
        peers: usize,
        /// How long to hold the connections idle before reading the server's memory.
        #[arg(long, default_value_t = 5)]
        settle_secs: u64,
        #[command(flatten)]
        common: LoadArgs,
    },
    /// P peers editing one document, R changes a second each: delivery latency.
    Live {
        #[arg(long, default_value_t = 16)]
        peers: usize,
        #[arg(long, default_value_t = 6.0)]
        rate: f64,
        #[arg(long, default_value_t = 20)]
        duration_secs: u64,
        #[command(flatten)]
        common: LoadArgs,
    },
    /// One device with N documents reconnecting with nothing new on either side.
    Reconnect {
        #[arg(long, default_value_t = 1000)]
        docs: usize,
        /// Offer permessage-deflate on the reconnect, as browsers do; the bytes are then
        /// counted at the TCP stream.
        #[arg(long)]
        deflate: bool,
        #[command(flatten)]
        common: LoadArgs,
    },
    /// Puts N documents on the server (the first half of the cold workload).
    ColdSeed {
        #[arg(long, default_value_t = 100_000)]
        docs: usize,
        /// Connections used at once.
        #[arg(long, default_value_t = 8)]
        parallel: usize,
        #[command(flatten)]
        common: LoadArgs,
    },
    /// Just after the server was (re)started: time until it serves, then first-sync latency of
    /// cold documents put there by `cold-seed`.
    ColdProbe {
        /// How many documents `cold-seed` put there.
        #[arg(long, default_value_t = 100_000)]
        docs: usize,
        /// Cold documents fetched one after another.
        #[arg(long, default_value_t = 200)]
        samples: usize,
        #[command(flatten)]
        common: LoadArgs,
    },
}

/// What a run is pointed at.
pub struct Run {
    pub urls: Vec<String>,
    pub tokens: Vec<String>,
    pub server_pid: Option<u32>,
    pub seed: u64,
    pub timeout: Duration,
    pub traffic: Arc<Traffic>,
}

impl Run {
    fn new(args: &LoadArgs) -> Result<Self, LoadError> {
        let tokens = match &args.tokens {
            Some(path) => std::fs::read_to_string(path)?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            None => Vec::new(),
        };
        Ok(Self {
            urls: args.urls.clone(),
            tokens,
            server_pid: args.server_pid,
            seed: args.seed,
            timeout: Duration::from_secs(args.timeout_secs),
            traffic: Arc::new(Traffic::default()),
        })
    }

    /// The endpoint of device `i`.
    pub fn url(&self, i: usize) -> &str {
        &self.urls[i % self.urls.len()]
    }

    /// The token of device `i`, if the server wants tokens.
    pub fn token(&self, i: usize) -> Option<String> {
        (!self.tokens.is_empty()).then(|| self.tokens[i % self.tokens.len()].clone())
    }

    /// The server process now.
    pub fn sample(&self) -> Option<ProcSample> {
        self.server_pid.and_then(procstat::sample)
    }
}

/// Readings at the start of the measured part of a workload.
pub struct Setup {
    proc: Option<ProcSample>,
    traffic: TrafficTotals,
}

impl Setup {
    /// Starts measuring.
    pub fn begin(run: &Run) -> Self {
        Self {
            proc: run.sample(),
            traffic: run.traffic.totals(),
        }
    }

    /// What the measured part cost: bytes on the wire, server CPU, server memory.
    pub fn end(&self, run: &Run) -> serde_json::Value {
        let traffic = run.traffic.totals().since(&self.traffic);
        let server = match (self.proc, run.sample()) {
            (Some(before), Some(after)) => json!({
                "cpu_secs": after.cpu_secs - before.cpu_secs,
                "rss_kib": after.rss_kib,
                "peak_rss_kib": after.peak_rss_kib,
            }),
            _ => serde_json::Value::Null,
        };
        json!({ "traffic": traffic, "server": server })
    }
}

/// Runs a workload; returns its report as JSON.
pub async fn run(workload: &Workload) -> Result<serde_json::Value, LoadError> {
    let (name, label, params, result) = match workload {
        Workload::Floor { shape, seed } => {
            let plan = burst::Plan::build(*shape, *seed);
            let result = burst::floor(&plan);
            ("floor", "bare automerge".to_owned(), json!(shape), result)
        }
        Workload::Burst { shape, common } => {
            let run = Run::new(common)?;
            let plan = burst::Plan::build(*shape, common.seed);
            let result = burst::run(&run, plan).await?;
            ("burst", common.label.clone(), json!(shape), result)
        }
        Workload::Idle {
            peers,
            settle_secs,
            common,
        } => {
            let run = Run::new(common)?;
            let result = idle::run(&run, *peers, Duration::from_secs(*settle_secs)).await?;
            (
                "idle",
                common.label.clone(),
                json!({ "peers": peers }),
                result,
            )
        }
        Workload::Live {
            peers,
            rate,
            duration_secs,
            common,
        } => {
            let run = Run::new(common)?;
            let result =
                live::run(&run, *peers, *rate, Duration::from_secs(*duration_secs)).await?;
            let params = json!({ "peers": peers, "rate": rate, "duration_secs": duration_secs, "nodes": common.urls.len() });
            ("live", common.label.clone(), params, result)
        }
        Workload::Reconnect {
            docs,
            deflate,
            common,
        } => {
            let run = Run::new(common)?;
            let result = reconnect::run(&run, *docs, *deflate).await?;
            let name = if *deflate {
                "reconnect-deflate"
            } else {
                "reconnect"
            };
            (
                name,
                common.label.clone(),
                json!({ "docs": docs, "deflate_offered": deflate }),
                result,
            )
        }
        Workload::ColdSeed {
            docs,
            parallel,
            common,
        } => {
            let run = Run::new(common)?;
            let result = cold::seed(&run, *docs, *parallel).await?;
            (
                "cold-seed",
                common.label.clone(),
                json!({ "docs": docs }),
                result,
            )
        }
        Workload::ColdProbe {
            docs,
            samples,
            common,
        } => {
            let run = Run::new(common)?;
            let result = cold::probe(&run, *docs, *samples).await?;
            let params = json!({ "docs": docs, "samples": samples });
            ("cold", common.label.clone(), params, result)
        }
    };
    Ok(json!({ "workload": name, "server": label, "params": params, "result": result }))
}

/// A few lines for people.
pub fn table(report: &serde_json::Value) -> String {
    let mut out = format!(
        "{} on {} {}\n",
        report["workload"].as_str().unwrap_or("?"),
        report["server"].as_str().unwrap_or("?"),
        report["params"]
    );
    if let Some(map) = report["result"].as_object() {
        for (key, value) in map {
            out.push_str(&format!("  {key:<20} {value}\n"));
        }
    }
    out
}
