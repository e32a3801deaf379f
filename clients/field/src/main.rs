//! `linli-field`: the field client's command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use linli_field::{FieldClient, FieldError};
use linli_sync_core::DocumentId;
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "linli-field",
    version,
    about = "Linli (邻里) offline field client"
)]
struct Cli {
    /// The server's sync endpoint, e.g. ws://127.0.0.1:8080/sync.
    #[arg(
        long,
        env = "LINLI_SERVER",
        global = true,
        default_value = "ws://127.0.0.1:8080/sync"
    )]
    server: String,
    /// The device's local store (a SQLite file).
    #[arg(
        long,
        env = "LINLI_STORE",
        global = true,
        default_value = "linli-field.sqlite3"
    )]
    store: PathBuf,
    /// Access token (from `linli-server token` or the login API).
    #[arg(long, env = "LINLI_TOKEN", global = true)]
    token: Option<String>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Volunteer documents and service hours.
    #[command(subcommand)]
    Volunteer(VolunteerCommand),
    /// Set a text field at a document's root (offline).
    Set {
        doc: String,
        key: String,
        value: String,
    },
    /// Fetch a document by id at the next sync.
    Pull { doc: String },
    /// Sync every local document with the server.
    Sync {
        #[arg(long, default_value_t = 30)]
        timeout_secs: u64,
    },
    /// Print a local document.
    Show { doc: String },
    /// List local documents.
    List,
    /// Pending changes and the last sync.
    Status,
}

#[derive(Subcommand)]
enum VolunteerCommand {
    /// Register a volunteer document (offline).
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        name: String,
    },
    /// Log service hours (offline).
    Log {
        #[arg(long)]
        doc: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        minutes: i64,
        #[arg(long)]
        activity: String,
        #[arg(long, default_value = "other")]
        category: String,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if cli.json {
                println!("{}", json!({ "error": e.to_string() }));
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

fn doc_id(s: &str) -> Result<DocumentId, FieldError> {
    DocumentId::parse(s).map_err(|e| FieldError::Invalid(format!("{s}: {e}")))
}

async fn run(cli: &Cli) -> Result<(), FieldError> {
    let mut client = FieldClient::open(&cli.store).await?;
    let out = match &cli.command {
        Command::Volunteer(VolunteerCommand::Create { org, user, name }) => {
            let id = client.create_volunteer(org, user, name).await?;
            json!({ "documentId": id.to_string(), "url": id.url() })
        }
        Command::Volunteer(VolunteerCommand::Log {
            doc,
            date,
            minutes,
            activity,
            category,
        }) => {
            let entry = client
                .log_hours(&doc_id(doc)?, date, *minutes, activity, category)
                .await?;
            json!({ "entryId": entry })
        }
        Command::Set { doc, key, value } => {
            client.set_field(&doc_id(doc)?, key, value).await?;
            json!({ "ok": true })
        }
        Command::Pull { doc } => {
            let id = doc_id(doc)?;
            client.pull(id);
            let report = client
                .sync_with(&cli.server, cli.token.as_deref(), Duration::from_secs(30))
                .await?;
            serde_json::to_value(report).unwrap_or_default()
        }
        Command::Sync { timeout_secs } => {
            let report = client
                .sync(&cli.server, Duration::from_secs(*timeout_secs))
                .await?;
            serde_json::to_value(report).unwrap_or_default()
        }
        Command::Show { doc } => client.show(&doc_id(doc)?)?,
        Command::List => json!(client
            .document_ids()
            .iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()),
        Command::Status => serde_json::to_value(client.status().await?).unwrap_or_default(),
    };
    client.close().await;
    if cli.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    }
    Ok(())
}
