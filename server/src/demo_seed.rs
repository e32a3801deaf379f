//! Seeds the demo county into an empty database, through the same data contract and change
//! log as documents that arrive by sync.

use linli_sync_core::contract::validate_root;

use crate::demo::{self, DemoSize};
use crate::error::AppError;
use crate::store::{NewChange, Origin, Store};

/// Fixed seed, so every demo server holds the same county.
const DEMO_SEED: u64 = 20_061_114;

/// Writes the demo county unless the database already holds documents.
pub async fn seed_if_empty(store: &Store) -> Result<(), AppError> {
    if store.document_count().await? > 0 {
        return Ok(());
    }
    let today = today_utc();
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
            .commit(&d.id.to_string(), Some(&root), &changes, &origin, &[], &[])
            .await?;
    }
    tracing::info!(documents = documents.len(), "seeded the demo county");
    Ok(())
}

/// Today's date (UTC) as `YYYY-MM-DD`, from the system clock.
fn today_utc() -> String {
    let days = store_days_since_epoch();
    civil_from_days(days)
}

fn store_days_since_epoch() -> i64 {
    crate::store::now_ms() / 86_400_000
}

/// Converts days since 1970-01-01 to a calendar date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_418), "2025-11-26");
        assert_eq!(civil_from_days(11_016), "2000-02-29");
    }
}
