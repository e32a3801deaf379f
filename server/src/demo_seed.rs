//! Seeds the demo county into an empty database, through the same data contract and change
//! log as documents that arrive by sync.

use std::collections::BTreeMap;

use linli_sync_core::contract::{read_record, root_string, validate_root, Community, Kind};

use crate::admin;
use crate::demo::{self, DemoSize};
use crate::error::AppError;
use crate::store::projection::{Projection, ProjectionWrite};
use crate::store::{CommitExtras, NewChange, Origin, Store};

/// Fixed seed, so every demo server holds the same county.
const DEMO_SEED: u64 = 20_061_114;

/// Writes the demo county unless the database already holds documents.
pub async fn seed_if_empty(store: &Store, time_zone: &str) -> Result<(), AppError> {
    if store.document_count().await? > 0 {
        return Ok(());
    }
    let today = crate::clock::today_utc();
    let documents = demo::generate(DEMO_SEED, &today, &DemoSize::default());
    let origin = Origin {
        peer: Some("demo".into()),
        ..Origin::default()
    };
    for d in &documents {
        let root = validate_root(&d.doc).map_err(|e| AppError::Demo(e.to_string()))?;
        let changes: Vec<NewChange> = d
            .doc
            .get_changes(&[])
            .iter()
            .map(NewChange::from_change)
            .collect();
        store
            .commit(
                &d.id.to_string(),
                Some(&root),
                &changes,
                &origin,
                &CommitExtras {
                    projection: Projection::of(&d.doc, &root, time_zone)
                        .map(|p| ProjectionWrite::full(root.org.to_string(), p)),
                    ..CommitExtras::default()
                },
            )
            .await?;
    }
    seed_orgs_and_users(store, &documents).await?;
    tracing::info!(documents = documents.len(), "seeded the demo county");
    Ok(())
}

/// The demo accounts' password (README lists the accounts).
pub const DEMO_PASSWORD: &str = "linli-demo";

/// Org units for every level the demo documents use, and one account per role.
async fn seed_orgs_and_users(
    store: &Store,
    documents: &[demo::DemoDocument],
) -> Result<(), AppError> {
    let mut orgs: BTreeMap<String, String> = BTreeMap::new();
    let mut volunteer = None;
    for d in documents {
        let root = validate_root(&d.doc).map_err(|e| AppError::Demo(e.to_string()))?;
        let path = root.org.as_str().to_owned();
        let segments: Vec<&str> = path.split('/').collect();
        for depth in 1..=segments.len() {
            let prefix = segments[..depth].join("/");
            let default_name = match depth {
                1 => "示范县".to_owned(),
                2 => format!("{}街道", segments[1]),
                3 => format!("社区 {}", segments[2]),
                _ => format!("{}网格", segments[3]),
            };
            orgs.entry(prefix).or_insert(default_name);
        }
        match root.kind {
            Kind::Community => {
                if let Ok(c) = read_record::<Community>(&d.doc) {
                    orgs.insert(path.clone(), c.name);
                }
            }
            Kind::Volunteer if volunteer.is_none() && path == "c01/s01/m01" => {
                volunteer = root_string(&d.doc, "user").map(|u| (u, path.clone()));
            }
            _ => {}
        }
    }
    for (path, name) in &orgs {
        admin::add_org(store, path, name, "demo").await?;
    }
    let mut accounts = vec![
        ("admin".to_owned(), "admin", "c01".to_owned()),
        ("sup-c01-s01".to_owned(), "supervisor", "c01/s01".to_owned()),
        (
            "worker-c01-s01-m01-g01".to_owned(),
            "worker",
            "c01/s01/m01/g01".to_owned(),
        ),
    ];
    if let Some((user, org)) = volunteer {
        accounts.push((user, "volunteer", org));
    }
    for (name, role, org) in &accounts {
        admin::add_user(store, name, role, org, Some(DEMO_PASSWORD), "demo").await?;
        tracing::info!(user = %name, role, org = %org, "demo account (password {DEMO_PASSWORD})");
    }
    Ok(())
}
