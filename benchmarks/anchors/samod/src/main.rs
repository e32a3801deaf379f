//! Bench-only anchor: samod as a plain automerge-repo websocket sync server.
//!
//!     linli-anchor-samod --port PORT --data DIR [--host 127.0.0.1]
//!
//! Serves the automerge-repo websocket protocol on `ws://HOST:PORT/` (any path is
//! accepted: the router upgrades every GET), stores documents with samod's
//! filesystem storage (the same layout as automerge-repo-storage-nodefs) in DIR,
//! and answers peers without announcing documents to them (samod's
//! `ShareConfig::read_write().with_announce(false)`, its counterpart of the JS
//! `sharePolicy: async () => false`). Prints exactly one line `ready PORT` on
//! stdout once listening (PORT 0 picks a free port and prints the real one);
//! logs go to stderr (RUST_LOG, default `warn`). Stops on SIGINT/SIGTERM.

use std::{io::IsTerminal as _, net::SocketAddr, path::PathBuf, process::ExitCode};

use axum::{
    extract::{ws::WebSocketUpgrade, State},
    response::Response,
    Router,
};
use samod::{storage::TokioFilesystemStorage, AcceptorHandle, PeerId, Repo, ShareConfig};

struct Args {
    host: String,
    port: u16,
    data: PathBuf,
}

const USAGE: &str = "usage: linli-anchor-samod --port PORT --data DIR [--host 127.0.0.1]";

fn parse_args() -> Result<Args, String> {
    let mut host = "127.0.0.1".to_string();
    let mut port = None;
    let mut data = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" => {
                let v = value()?;
                port = Some(v.parse::<u16>().map_err(|e| format!("--port {v}: {e}"))?);
            }
            "--data" => data = Some(PathBuf::from(value()?)),
            "--host" => host = value()?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        host,
        port: port.ok_or("--port is required")?,
        data: data.ok_or("--data is required")?,
    })
}

async fn upgrade(State(acceptor): State<AcceptorHandle>, ws: WebSocketUpgrade) -> Response {
    // axum's default frame and message limits (16 MiB / 64 MiB) are kept.
    ws.on_upgrade(move |socket| async move {
        // No authentication: the peer id the client claims in `join` is trusted.
        if let Err(e) = acceptor.accept_axum(socket, None) {
            eprintln!("[samod-anchor] accept failed: {e:?}");
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("{e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();

    if let Err(e) = std::fs::create_dir_all(&args.data) {
        eprintln!("cannot create {}: {e}", args.data.display());
        return ExitCode::FAILURE;
    }

    let repo = Repo::build_tokio()
        .with_peer_id(PeerId::from("samod-anchor"))
        .with_storage(TokioFilesystemStorage::new(&args.data))
        // Peers may read and write every document they ask for, but the server
        // never announces documents nor asks peers for ones it lacks.
        .with_share_policy(ShareConfig::read_write().with_announce(false))
        .load()
        .await;

    let listener = match tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}:{}: {e}", args.host, args.port);
            return ExitCode::FAILURE;
        }
    };
    let addr: SocketAddr = listener.local_addr().expect("local addr");
    let url = url::Url::parse(&format!("ws://{addr}/")).expect("url");
    let acceptor = repo.make_acceptor(url.clone()).expect("repo running");

    let app = Router::new().fallback(upgrade).with_state(acceptor.clone());

    eprintln!(
        "[samod-anchor] listening on {url}, data in {}",
        args.data.display()
    );
    println!("ready {}", addr.port());
    use std::io::Write as _;
    let _ = std::io::stdout().flush();

    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    eprintln!("[samod-anchor] shutting down");
    acceptor.close();
    repo.stop().await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server error: {e}");
            ExitCode::FAILURE
        }
    }
}
