//! `linli-field`: the field client's command line. Every command prints a line or two for
//! people, or with `--json` one JSON value for scripts; errors go to standard error (or, with
//! `--json`, to standard output as `{"error": …}`) with a non-zero exit status.

mod cli;
mod output;
mod volunteer_day;
mod worker_day;

use std::io::BufRead;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use linli_field::{
    checks, EntryEdit, FieldClient, FieldError, KeyChange, LocalStore, NewVisit, Session,
    StoreState, UnlockedKey, KDF_PARAMS,
};
use linli_sync_core::DocumentId;
use serde_json::{json, Value};

use cli::{Cli, Command, VisitCommand, VolunteerCommand};
use output::{status_text, sync_output, to_json, Output};

/// Exit status of a sync that did not complete (clap uses 2 for usage errors).
const SYNC_INCOMPLETE: u8 = 3;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(out) => {
            if cli.json {
                println!("{}", out.json);
            } else {
                println!("{}", out.text.trim_end());
            }
            if out.complete {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(SYNC_INCOMPLETE)
            }
        }
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

pub(crate) fn doc_id(s: &str) -> Result<DocumentId, FieldError> {
    DocumentId::parse(s.trim_start_matches("automerge:"))
        .map_err(|e| FieldError::Invalid(format!("`{s}` is not a document id: {e}")))
}

async fn run(cli: &Cli) -> Result<Output, FieldError> {
    let key_file = UnlockedKey::for_store(&cli.store)?;
    let out = match &cli.command {
        Command::Login(args) => login(cli, args, &key_file).await,
        Command::Unlock => unlock(cli, &key_file).await,
        Command::Lock => lock(&key_file),
        Command::Logout => logout(cli, &key_file).await,
        _ => {
            let mut client = open(cli, &key_file).await?;
            let out = command(cli, &mut client).await;
            client.close().await;
            out
        }
    };
    if matches!(out, Err(FieldError::DeviceWiped)) {
        // The store's salt and verifier went with everything else; the key is of no use.
        let _ = key_file.remove();
    }
    out
}

/// The password given with --password, LINLI_PASSWORD or --password-stdin, if any.
fn given_password(cli: &Cli) -> Result<Option<String>, FieldError> {
    if cli.password_stdin {
        return read_password().map(Some);
    }
    Ok(cli.password.clone().filter(|p| !p.is_empty()))
}

fn required_password(cli: &Cli) -> Result<String, FieldError> {
    given_password(cli)?.ok_or_else(|| {
        FieldError::Invalid("give --password, set LINLI_PASSWORD, or use --password-stdin".into())
    })
}

/// Commands that only read the store: on a store that is empty and not encrypted (nothing
/// to protect or decrypt) they run without a key.
fn reads_only(command: &Command) -> bool {
    match command {
        Command::Status | Command::List | Command::Show { .. } | Command::Remote { .. } => true,
        Command::Volunteer(cmd) => volunteer_day::reads_only(cmd),
        _ => false,
    }
}

/// Opens the store for a command with its key: derived from the password when one is given
/// (for this run only), else read from the unlocked-key file. The CLI never reads or writes
/// records in clear; only `login` and `unlock` encrypt a store or change its key.
async fn open(cli: &Cli, key_file: &UnlockedKey) -> Result<FieldClient, FieldError> {
    let password = given_password(cli)?;
    let mut store = LocalStore::open(&cli.store).await?;
    match store.state().await? {
        StoreState::Encrypted => match password {
            Some(password) => {
                let key = store.key_for_password(&password).await?;
                store.use_key(key).await?;
            }
            None => {
                let key = key_file.read()?.ok_or(FieldError::Locked)?;
                match store.use_key(key).await {
                    Err(FieldError::WrongPassword) => {
                        let path = key_file.path().display().to_string();
                        return Err(FieldError::StaleKey(path));
                    }
                    other => other?,
                }
            }
        },
        StoreState::Unencrypted => return Err(FieldError::NotEncryptedYet),
        // Nothing in it to protect or decrypt; nothing may be written to it in clear.
        StoreState::Empty if reads_only(&cli.command) => {}
        StoreState::Empty => return Err(FieldError::NoStoreKey),
    }
    FieldClient::from_store(store).await
}

/// `login`: checks the password against an encrypted store before asking the server (a wrong
/// one changes nothing), logs in, encrypts the store if it is not yet (or re-encrypts it under
/// a new password, see below), and leaves the key in the unlocked-key file.
async fn login(
    cli: &Cli,
    args: &cli::LoginArgs,
    key_file: &UnlockedKey,
) -> Result<Output, FieldError> {
    let password = required_password(cli)?;
    let mut store = LocalStore::open(&cli.store).await?;
    let encrypt = match store.encryption().await? {
        None => true,
        Some(encryption) => match encryption.key_for(&password) {
            Ok(key) => {
                store.use_key(key).await?;
                encryption.params.weaker_than(&KDF_PARAMS)
            }
            // Not the store's password. When the store is unlocked on this machine, the
            // password may have changed on the server: if the server accepts it, the store
            // is re-encrypted under it. Otherwise nothing is changed and nothing is sent.
            Err(FieldError::WrongPassword) => match key_file.read()? {
                Some(key) => match store.use_key(key).await {
                    Ok(()) => true,
                    Err(_) => return Err(FieldError::WrongPassword),
                },
                None => return Err(FieldError::WrongPassword),
            },
            Err(e) => return Err(e),
        },
    };
    let mut client = FieldClient::from_store(store).await?;
    let out = login_as(cli, args, &password, encrypt, &mut client).await;
    let key = client.store_key().cloned();
    client.close().await;
    let s = out?;
    let key = key.ok_or_else(|| FieldError::Corrupt("logged in without a store key".into()))?;
    key_file.write(&key)?;
    Ok(Output::new(
        json!({ "server": s.server, "user": s.user, "role": s.role, "org": s.org,
                "device": s.device, "expires_at": s.expires_at, "encrypted": true,
                "key_file": key_file.path() }),
        format!(
            "Logged in to {} as {} ({}, {}) on device {}.\n{}",
            s.server,
            s.user,
            s.role,
            s.org,
            s.device,
            unlocked_text(key_file)
        ),
    ))
}

async fn login_as(
    cli: &Cli,
    args: &cli::LoginArgs,
    password: &str,
    encrypt: bool,
    client: &mut FieldClient,
) -> Result<Session, FieldError> {
    let server = match cli.server.as_deref() {
        Some(s) => s.to_owned(),
        None => client
            .session()
            .await?
            .map(|s| s.server)
            .ok_or_else(|| FieldError::Invalid("login needs --server URL".into()))?,
    };
    let device = args.device.clone().unwrap_or_else(default_device_name);
    if encrypt {
        client
            .login_encrypted(&server, &args.name, password, &device, args.force)
            .await
    } else {
        client
            .login(&server, &args.name, password, &device, args.force)
            .await
    }
}

/// `unlock`: opens the store with the password (encrypting a store from before encryption in
/// place) and leaves the key in the unlocked-key file.
async fn unlock(cli: &Cli, key_file: &UnlockedKey) -> Result<Output, FieldError> {
    let password = required_password(cli)?;
    let (client, change) = FieldClient::open_with_password(&cli.store, &password).await?;
    let key = client.store_key().cloned();
    let documents = client.document_ids().len();
    client.close().await;
    let key = key.ok_or_else(|| FieldError::Corrupt("opened without a store key".into()))?;
    key_file.write(&key)?;
    let done = match change {
        KeyChange::None => "Unlocked the local store.".to_owned(),
        KeyChange::Encrypted => {
            format!("Encrypted the local store ({documents} documents) in place and unlocked it.")
        }
        KeyChange::Strengthened => {
            "Re-encrypted the local store with stronger key derivation and unlocked it.".into()
        }
    };
    Ok(Output::new(
        json!({ "unlocked": true, "change": change, "documents": documents,
                "key_file": key_file.path() }),
        format!("{done}\n{}", unlocked_text(key_file)),
    ))
}

fn unlocked_text(key_file: &UnlockedKey) -> String {
    format!(
        "The local store is encrypted; its key is kept in {} until `linli-field lock`, \
         `logout` or a reboot.",
        key_file.path().display()
    )
}

/// `lock`: deletes the unlocked-key file (needs no key, and leaves the store as it is).
fn lock(key_file: &UnlockedKey) -> Result<Output, FieldError> {
    let was = key_file.remove()?;
    Ok(Output::new(
        json!({ "locked": true, "was_unlocked": was }),
        if was {
            "Locked: commands need the password again (`linli-field unlock`)."
        } else {
            "The store was not unlocked."
        },
    ))
}

/// `logout`: forgets the session (no key needed: the sealed record is deleted) and locks.
async fn logout(cli: &Cli, key_file: &UnlockedKey) -> Result<Output, FieldError> {
    let store = LocalStore::open(&cli.store).await?;
    let forgotten = async {
        let was = Session::is_stored(&store).await?;
        Session::forget(&store).await?;
        Ok::<_, FieldError>(was)
    }
    .await;
    store.close().await;
    let was = forgotten?;
    key_file.remove()?;
    Ok(Output::new(
        json!({ "logged_out": was, "locked": true }),
        if was {
            "Logged out; the store is locked."
        } else {
            "Nobody was logged in; the store is locked."
        },
    ))
}

async fn command(cli: &Cli, client: &mut FieldClient) -> Result<Output, FieldError> {
    let server = cli.server.as_deref();
    let token = cli.token.as_deref();
    Ok(match &cli.command {
        Command::Login(_) | Command::Unlock | Command::Lock | Command::Logout => {
            unreachable!("handled by run")
        }
        Command::Status => {
            let status = client.status().await?;
            Output::new(to_json(&status), status_text(&status))
        }
        Command::Sync { timeout_secs } => {
            let mut remote = client.remote(server, token).await?;
            let report = client
                .sync_remote(&mut remote, Duration::from_secs(*timeout_secs))
                .await?;
            sync_output(to_json(&report), &report, String::new())
        }
        Command::Pull { doc, timeout_secs } => {
            let mut remote = client.remote(server, token).await?;
            let timeout = Duration::from_secs(*timeout_secs);
            match doc {
                Some(doc) => {
                    client.pull(doc_id(doc)?);
                    let report = client.sync_remote(&mut remote, timeout).await?;
                    sync_output(to_json(&report), &report, String::new())
                }
                None => {
                    let pulled = client.pull_all(&mut remote, timeout).await?;
                    let head = format!(
                        "{} documents in your scope; {} fetched now.\n",
                        pulled.listed,
                        pulled.requested.len()
                    );
                    sync_output(to_json(&pulled), &pulled.sync, head)
                }
            }
        }
        Command::Remote { kind } => {
            let mut remote = client.remote(server, token).await?;
            let docs = client.list_remote(&mut remote, kind.as_deref()).await?;
            let text = docs
                .iter()
                .map(|d| format!("{}  {:<9}  {}", d.document_id, d.kind, d.org))
                .collect::<Vec<_>>()
                .join("\n");
            Output::new(to_json(&docs), text)
        }
        Command::List => list(client).await?,
        Command::Show { doc } => {
            let value = client.show(&doc_id(doc)?)?;
            let text = serde_json::to_string_pretty(&value).unwrap_or_default();
            Output::new(value, text)
        }
        Command::Set { doc, key, value } => {
            client.set_field(&doc_id(doc)?, key, value).await?;
            Output::new(json!({ "ok": true }), "Saved (offline).")
        }
        Command::Household(cmd) => worker_day::household(client, cmd).await?,
        Command::Visit(VisitCommand::Log {
            doc,
            purpose,
            notes,
            need,
            lat,
            lon,
            accuracy_m,
            follow_up,
            by,
        }) => {
            // The apps write codes: a purpose from the list, needs as request categories.
            checks::visit_codes(purpose, need)?;
            let location = checks::visit_location(*lat, *lon, *accuracy_m)?;
            let by = match by {
                Some(by) => by.clone(),
                None => logged_in_user(client, "--by").await?,
            };
            let visit = NewVisit {
                purpose: purpose.trim().to_owned(),
                notes: notes.clone(),
                needs: need.clone(),
                follow_up: follow_up.clone(),
                by,
                at: None,
            };
            let id = client
                .log_visit_at(&doc_id(doc)?, &visit, location.clone())
                .await?;
            let mut text = format!("Logged visit {id} (offline).");
            if let Some(at) = &location {
                text.push_str(&format!("\nLocation: {}, {}.", at.lat, at.lon));
            }
            Output::new(json!({ "visitId": id, "location": location }), text)
        }
        Command::Volunteer(cmd) if volunteer_day::is_online(cmd) => {
            volunteer_day::run(client, server, token, cmd).await?
        }
        Command::Volunteer(cmd) => volunteer(client, cmd).await?,
        Command::Request(cmd) => worker_day::request(client, cmd).await?,
    })
}

async fn volunteer(client: &mut FieldClient, cmd: &VolunteerCommand) -> Result<Output, FieldError> {
    Ok(match cmd {
        VolunteerCommand::Create { org, user, name } => {
            let user = match user {
                Some(u) => u.clone(),
                None => logged_in_user(client, "--user").await?,
            };
            let id = client.create_volunteer(org, &user, name).await?;
            Output::new(
                json!({ "documentId": id.to_string(), "url": id.url() }),
                format!("Created volunteer document {id} (offline)."),
            )
        }
        VolunteerCommand::Log {
            doc,
            date,
            minutes,
            activity,
            category,
        } => {
            let entry = client
                .log_hours(&doc_id(doc)?, date, *minutes, activity, category)
                .await?;
            Output::new(
                json!({ "entryId": entry }),
                format!("Logged entry {entry} (offline)."),
            )
        }
        VolunteerCommand::Edit {
            doc,
            entry,
            date,
            minutes,
            activity,
            category,
        } => {
            let edit = EntryEdit {
                date: date.clone(),
                minutes: *minutes,
                activity: activity.clone(),
                category: category.clone(),
            };
            let done = client.edit_entry(&doc_id(doc)?, entry, &edit).await?;
            let text = if done.resubmitted {
                format!("Saved and resubmitted entry {entry} (offline).")
            } else {
                format!("Saved entry {entry} (offline).")
            };
            Output::new(
                json!({ "entryId": entry, "status": done.status, "resubmitted": done.resubmitted }),
                text,
            )
        }
        _ => unreachable!("the online commands are volunteer_day's"),
    })
}

async fn list(client: &FieldClient) -> Result<Output, FieldError> {
    let status = client.status().await?;
    let mut rows = Vec::new();
    let mut text = Vec::new();
    for id in client.document_ids() {
        let Some(doc) = client.document(&id).filter(|d| !d.get_heads().is_empty()) else {
            continue;
        };
        let kind = linli_sync_core::contract::root_string(doc, "kind").unwrap_or_default();
        let org = linli_sync_core::contract::root_string(doc, "org").unwrap_or_default();
        let pending = status
            .pending_by_document
            .get(&id.to_string())
            .copied()
            .unwrap_or(0);
        text.push(format!("{id}  {kind:<9}  {org:<16}  {pending} pending"));
        rows.push(
            json!({ "document_id": id.to_string(), "kind": kind, "org": org, "pending": pending }),
        );
    }
    Ok(Output::new(Value::Array(rows), text.join("\n")))
}

pub(crate) async fn logged_in_user(client: &FieldClient, flag: &str) -> Result<String, FieldError> {
    match client.session().await? {
        Some(s) => Ok(s.user),
        None => Err(FieldError::Invalid(format!(
            "not logged in: log in first or give {flag}"
        ))),
    }
}

fn read_password() -> Result<String, FieldError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(FieldError::Invalid("no password on standard input".into()));
    }
    Ok(password)
}

fn default_device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    match host {
        Some(h) => format!("linli-field on {h}"),
        None => "linli-field".into(),
    }
}
