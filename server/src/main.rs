//! `linli-server`: the command line of Linli's sync server.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use linli_server::store::{self, backup};
use linli_server::{admin, auth::Keys, ServeConfig};
use tokio::net::TcpListener;

mod people_cli;

#[derive(Parser)]
#[command(name = "linli-server", version, about = "Linli (邻里) sync server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the operator commands find the database.
#[derive(Args, Clone)]
struct StoreArgs {
    #[arg(long, env = "LINLI_DATA_DIR", default_value = "./linli-data")]
    data_dir: PathBuf,
    #[arg(long, env = "LINLI_DATABASE_URL")]
    database_url: Option<String>,
}

impl StoreArgs {
    async fn open(&self) -> anyhow::Result<store::Store> {
        Ok(store::open(self.database_url.as_deref(), &self.data_dir).await?)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync endpoint and the API.
    Serve(Box<ServeConfig>),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// Print an access token for a user (for scripts and tests).
    Token {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        user: String,
        /// Lifetime, e.g. 30m, 1h, 2d.
        #[arg(long, default_value = "1h")]
        ttl: String,
        #[arg(long, default_value = "cli")]
        device_name: String,
        /// Issue this many tokens, each for a new device, one per line (load tests).
        #[arg(long, default_value_t = 1)]
        count: u32,
        #[arg(long, env = "LINLI_JWT_SECRET_FILE")]
        jwt_secret_file: Option<PathBuf>,
    },
    /// Devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Org units.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Import a community's register (households and residents) from a CSV or XLSX file;
    /// `--dry-run` checks every row and creates nothing (docs/import.md).
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// The register file.
        #[arg(long)]
        file: PathBuf,
        /// The grid of rows that name none.
        #[arg(long)]
        org: Option<String>,
        /// Headers of another shape: `field:header` pairs, comma-separated.
        #[arg(long)]
        columns: Option<String>,
        #[arg(long)]
        dry_run: bool,
        /// The time zone days are reckoned in (as the server's `--time-zone`).
        #[arg(long, env = "LINLI_TIME_ZONE", default_value = linli_sync_core::calendar::DEFAULT_TIME_ZONE)]
        time_zone: String,
    },
    /// Write a consistent backup of the database (and the data directory's JWT secret) to one
    /// file; works while the server serves.
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup file to create (never overwritten).
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup (from either backend) into a fresh data directory or an empty
    /// database; refuses a target that holds data. Stop the target's server first.
    Restore {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup file written by `backup`.
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with a role and a scope.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        name: String,
        /// worker, volunteer, supervisor or admin.
        #[arg(long)]
        role: String,
        /// The org path the user's scope covers, e.g. c01/s01/m01/g01.
        #[arg(long)]
        org: String,
        /// The name others see in lists and exports, e.g. 王芳 (default: the login name).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (otherwise the user can only get tokens from
        /// `linli-server token`).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role, unit or shown name (their devices reconnect under the new scope).
    Set {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        org: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a new password for a user (read from standard input).
    Password {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        name: String,
    },
    /// Disable a user: no login, no token accepted, connections end.
    Disable {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        name: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        name: String,
    },
    /// List the users at or under a unit (default: all).
    List {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, default_value = "")]
        org: String,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Revoke a device (or every device of a user): its tokens stop working and its
    /// connections end.
    Revoke {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        device: Option<String>,
        #[arg(long)]
        user: Option<String>,
    },
    /// List devices with when they last synced (of one user, or of everyone).
    List {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        user: Option<String>,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an org unit.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        path: String,
        #[arg(long)]
        name: String,
    },
    /// Rename an org unit.
    Rename {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        path: String,
        #[arg(long)]
        name: String,
    },
    /// Close an org unit (once nobody active works in it); kept for history.
    Close {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        path: String,
    },
    /// Reopen a closed org unit.
    Reopen {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        path: String,
    },
    /// List the org units, with those closed marked.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// jemalloc, built with its background threads on (the `background_threads` feature): what a
/// quiet server frees (documents parked, connections closed) goes back to the system even
/// while nothing else allocates.
/// glibc's malloc kept it, and jemalloc without background threads purges only while
/// allocating: an idle peer then cost 32 to 63 KiB of RSS where it holds 14 KiB (issue #21,
/// the idle workload of BENCHMARKS.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            // automerge instruments its loading at INFO: each span formats its arguments (a
            // busy document's change list) on every message, most of the server's CPU under
            // live editing.
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,automerge=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(config) => {
            let listener = TcpListener::bind(config.listen).await?;
            // Tests and scripts read the bound addresses from these lines.
            println!(
                "linli-server listening on http://{}",
                listener.local_addr()?
            );
            let tls_listener = if config.tls_enabled() {
                let l = std::net::TcpListener::bind(config.tls_listen)?;
                l.set_nonblocking(true)?;
                println!("linli-server listening on https://{}", l.local_addr()?);
                Some(l)
            } else {
                None
            };
            linli_server::run(listener, tls_listener, *config, shutdown_signal()).await?;
        }
        Command::User(UserCommand::Add {
            store,
            name,
            role,
            org,
            display_name,
            password_stdin,
        }) => {
            let password = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                Some(s.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let store = store.open().await?;
            let user = admin::NewUser {
                name: &name,
                role: &role,
                org: &org,
                password: password.as_deref(),
                display_name: display_name.as_deref(),
            };
            admin::add_user(&store, &user, "cli").await?;
            println!("added user {name} ({role}, {org})");
        }
        Command::Token {
            store,
            user,
            ttl,
            device_name,
            count,
            jwt_secret_file,
        } => {
            let ttl = admin::parse_ttl(&ttl)?;
            let data_dir = store.data_dir.clone();
            let store = store.open().await?;
            let keys = Keys::for_deployment(&store, &data_dir, jwt_secret_file.as_deref()).await?;
            for _ in 0..count {
                println!(
                    "{}",
                    admin::issue_token(&store, &keys, &user, ttl, &device_name).await?
                );
            }
        }
        Command::Device(DeviceCommand::Revoke {
            store,
            device,
            user,
        }) => {
            let store = store.open().await?;
            for id in admin::revoke(&store, device.as_deref(), user.as_deref(), "cli").await? {
                println!("revoked {id}");
            }
        }
        Command::Org(OrgCommand::Add { store, path, name }) => {
            let store = store.open().await?;
            admin::add_org(&store, &path, &name, "cli").await?;
            println!("added org {path} ({name})");
        }
        Command::User(command) => people_cli::user(command).await?,
        Command::Org(command) => people_cli::org(command).await?,
        Command::Device(command) => people_cli::device(command).await?,
        Command::Import {
            store,
            file,
            org,
            columns,
            dry_run,
            time_zone,
        } => {
            people_cli::import(people_cli::ImportArgs {
                store: store.open().await?,
                file,
                org,
                columns,
                dry_run,
                time_zone,
            })
            .await?
        }
        Command::Backup { store, to } => {
            let summary =
                backup::backup(store.database_url.as_deref(), &store.data_dir, &to, "cli").await?;
            println!("{summary}");
        }
        Command::Restore { store, from } => {
            let summary =
                backup::restore(&from, store.database_url.as_deref(), &store.data_dir, "cli")
                    .await?;
            println!("{summary}");
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}
