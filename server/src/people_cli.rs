//! The operator's commands for people and units that change or list what exists (`user set`,
//! `user password`, `user disable|enable|list`, `org rename|close|reopen|list`,
//! `device list`); creating them stays in `main.rs`. Each change goes through
//! `linli_server::people_admin` as the operator, and is audited.

use std::io::Read;

use linli_server::people_admin::{self, By};
use linli_server::store::UserChange;

use super::{DeviceCommand, OrgCommand, UserCommand};

/// A time in ms since the epoch as an ISO date and time (UTC), or "—".
fn when(ms: Option<i64>) -> String {
    ms.map(linli_server::clock::iso_from_ms)
        .unwrap_or_else(|| "—".into())
}

pub async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { .. } => unreachable!("handled in main"),
        UserCommand::Set {
            store,
            name,
            role,
            org,
            display_name,
        } => {
            let store = store.open().await?;
            let change = UserChange {
                role,
                org,
                display_name,
            };
            people_admin::change_user(&store, By::Operator, &name, &change).await?;
            println!("changed user {name}");
        }
        UserCommand::Password { store, name } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let store = store.open().await?;
            people_admin::reset_password(&store, By::Operator, &name, password).await?;
            println!("set a new password for {name}");
        }
        UserCommand::Disable { store, name } => {
            let store = store.open().await?;
            people_admin::set_disabled(&store, By::Operator, &name, true).await?;
            println!("disabled {name}");
        }
        UserCommand::Enable { store, name } => {
            let store = store.open().await?;
            people_admin::set_disabled(&store, By::Operator, &name, false).await?;
            println!("enabled {name}");
        }
        UserCommand::List { store, org } => {
            let store = store.open().await?;
            for u in store.users_in(&org).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\tdevices {}\tlast synced {}",
                    u.name,
                    u.display_name.as_deref().unwrap_or("—"),
                    u.role,
                    u.org,
                    if u.disabled_at.is_some() {
                        "disabled"
                    } else {
                        "active"
                    },
                    u.devices,
                    when(u.last_seen_at)
                );
            }
        }
    }
    Ok(())
}

pub async fn org(command: OrgCommand) -> anyhow::Result<()> {
    match command {
        OrgCommand::Add { .. } => unreachable!("handled in main"),
        OrgCommand::Rename { store, path, name } => {
            let store = store.open().await?;
            people_admin::rename_org(&store, By::Operator, &path, &name).await?;
            println!("renamed {path} to {name}");
        }
        OrgCommand::Close { store, path } => {
            let store = store.open().await?;
            people_admin::set_org_closed(&store, By::Operator, &path, true).await?;
            println!("closed {path}");
        }
        OrgCommand::Reopen { store, path } => {
            let store = store.open().await?;
            people_admin::set_org_closed(&store, By::Operator, &path, false).await?;
            println!("reopened {path}");
        }
        OrgCommand::List { store } => {
            let store = store.open().await?;
            for o in store.orgs_in("").await? {
                let closed = if o.closed_at.is_some() {
                    "\tclosed"
                } else {
                    ""
                };
                println!("{}\t{}{closed}", o.path, o.name);
            }
        }
    }
    Ok(())
}

pub async fn device(command: DeviceCommand) -> anyhow::Result<()> {
    match command {
        DeviceCommand::Revoke { .. } => unreachable!("handled in main"),
        DeviceCommand::List { store, user } => {
            let store = store.open().await?;
            for d in store.devices_in("", user.as_deref()).await? {
                println!(
                    "{}\t{}\t{}\tlast synced {}{}",
                    d.id,
                    d.user_name,
                    d.name,
                    when(d.last_seen_at),
                    if d.revoked_at.is_some() {
                        "\trevoked"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    Ok(())
}

/// `linli-server import`'s arguments.
pub struct ImportArgs {
    pub store: linli_server::store::Store,
    pub file: std::path::PathBuf,
    pub org: Option<String>,
    pub columns: Option<String>,
    pub dry_run: bool,
    pub time_zone: String,
}

/// Imports a register as the operator and prints what it did, row by row where refused.
pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    use linli_server::register_import::{import_register, Importer, RegisterOptions};
    let bytes = std::fs::read(&args.file)?;
    let importer = Importer {
        by: By::Operator,
        device: "cli",
    };
    let options = RegisterOptions {
        dry_run: args.dry_run,
        org: args.org.as_deref(),
        columns: args.columns.as_deref(),
        time_zone: &args.time_zone,
    };
    let report = import_register(&args.store, &importer, &bytes, &options).await?;
    for r in &report.refused {
        println!("row {}: {}", r.row, r.reason);
    }
    for d in &report.duplicates {
        println!(
            "rows {:?}: {} ({}) is registered already: {}",
            d.rows,
            d.address,
            d.head,
            d.existing.join(", ")
        );
    }
    let residents: usize = report.accepted.iter().map(|h| h.residents).sum();
    println!(
        "{} rows: {} households ({residents} residents) {}, {} rows refused, {} households registered already",
        report.rows,
        report.accepted.len(),
        if report.dry_run { "would be created" } else { "created" },
        report.refused.len(),
        report.duplicates.len()
    );
    Ok(())
}
