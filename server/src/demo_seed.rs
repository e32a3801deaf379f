//! Seeds the demo county into an empty database, through the same data contract and change
//! log as documents that arrive by sync.

use std::collections::BTreeMap;

use linli_sync_core::contract::{read_record, validate_root, Community, Kind, Volunteer};

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

/// Names of the demo's streets and grids, by number (`s01`, `g01`).
const STREETS: &[&str] = &["城关街道", "东城街道", "西城街道", "南湖街道"];
const GRIDS: &[&str] = &["第一网格", "第二网格", "第三网格", "第四网格", "第五网格"];

/// The name of unit `code` (`s02`: the second of `names`), or the code and `suffix`.
fn unit_name(code: &str, names: &[&str], suffix: &str) -> String {
    code.get(1..)
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| names.get(n.checked_sub(1)?))
        .map_or_else(|| format!("{code}{suffix}"), |n| (*n).to_owned())
}

/// The demo accounts' password (README lists the accounts).
pub const DEMO_PASSWORD: &str = "linli-demo";

/// Org units for every level the demo documents use; one account per role that signs in
/// with [`DEMO_PASSWORD`]; and every other person the documents name (grid workers, community
/// supervisors, volunteers) as a user without a password, so that lists and exports show
/// them by name.
async fn seed_orgs_and_users(
    store: &Store,
    documents: &[demo::DemoDocument],
) -> Result<(), AppError> {
    let mut orgs: BTreeMap<String, String> = BTreeMap::new();
    // login → (role, org, display name)
    let mut people: BTreeMap<String, (&str, String, String)> = BTreeMap::new();
    let mut volunteer = None;
    for d in documents {
        let root = validate_root(&d.doc).map_err(|e| AppError::Demo(e.to_string()))?;
        let path = root.org.as_str().to_owned();
        let segments: Vec<&str> = path.split('/').collect();
        for depth in 1..=segments.len() {
            let prefix = segments[..depth].join("/");
            let default_name = match depth {
                1 => "示范县".to_owned(),
                2 => unit_name(segments[1], STREETS, "街道"),
                3 => format!("社区 {}", segments[2]),
                _ => unit_name(segments[3], GRIDS, "网格"),
            };
            orgs.entry(prefix).or_insert(default_name);
        }
        match root.kind {
            Kind::Community => {
                if let Ok(c) = read_record::<Community>(&d.doc) {
                    orgs.insert(path.clone(), c.name);
                }
            }
            Kind::Volunteer => {
                if let Ok(v) = read_record::<Volunteer>(&d.doc) {
                    if volunteer.is_none() && path == "c01/s01/m01" {
                        volunteer = Some(v.user.clone());
                    }
                    people.insert(v.user, ("volunteer", path.clone(), v.name));
                }
            }
            _ => {}
        }
    }
    for (path, name) in &orgs {
        admin::add_org(store, path, name, "demo").await?;
    }
    // The staff the documents name: a worker per grid, a supervisor per community.
    for path in orgs.keys() {
        let role = match path.split('/').count() {
            4 => "worker",
            3 => "supervisor",
            _ => continue,
        };
        let prefix = if role == "worker" { "worker" } else { "sup" };
        let login = format!("{prefix}-{}", path.replace('/', "-"));
        let name = demo::staff_name(&login);
        people.insert(login, (role, path.clone(), name));
    }
    for (login, role, org) in [
        ("admin", "admin", "c01"),
        ("sup-c01-s01", "supervisor", "c01/s01"),
    ] {
        people.insert(login.into(), (role, org.into(), demo::staff_name(login)));
    }
    let accounts = ["admin", "sup-c01-s01", "worker-c01-s01-m01-g01"]
        .map(str::to_owned)
        .into_iter()
        .chain(volunteer)
        .collect::<Vec<_>>();
    for (login, (role, org, name)) in &people {
        let signs_in = accounts.contains(login);
        let user = admin::NewUser {
            name: login,
            role,
            org,
            password: signs_in.then_some(DEMO_PASSWORD),
            display_name: Some(name),
        };
        admin::add_user(store, &user, "demo").await?;
        if signs_in {
            tracing::info!(user = %login, role, org = %org, "demo account (password {DEMO_PASSWORD})");
        }
    }
    Ok(())
}
