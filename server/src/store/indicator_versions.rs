//! The versions of the indicator totals a server keeps per community (migration 0014): every
//! commit with projection rows raises its community's version in the same transaction, and
//! [`crate::indicators::kept`] counts a community again only when its version has moved.

use std::collections::BTreeMap;

use super::Store;

/// The unit an org's indicator totals are kept under: its community (the first three parts of
/// its path), or the org itself when it lies above a community.
pub fn kept_unit(org: &str) -> &str {
    match org.match_indices('/').nth(2) {
        Some((at, _)) => &org[..at],
        None => org,
    }
}

/// Raises the version of each unit of `units` (distinct and sorted, so that transactions of
/// several nodes take the rows in one order) inside the transaction `tx`. Run last before
/// the commit: the rows stay locked until then. Plain SQL both backends take.
pub(crate) async fn bump_indicator_versions<'u>(
    tx: &mut sqlx::AnyConnection,
    units: impl IntoIterator<Item = &'u str>,
) -> Result<(), sqlx::Error> {
    for unit in units {
        sqlx::query(
            "INSERT INTO indicator_versions (unit, version) VALUES ($1, 1) \
             ON CONFLICT (unit) DO UPDATE SET version = indicator_versions.version + 1",
        )
        .bind(unit)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// The versions of the units at or under `org` (a unit without one has version 0).
    pub async fn indicator_versions(
        &self,
        org: &str,
    ) -> Result<BTreeMap<String, i64>, sqlx::Error> {
        let (under, past) = crate::indicators::scope_bounds(org);
        let pool = self.pool();
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT unit, version FROM indicator_versions WHERE {}",
            crate::indicators::in_scope("unit")
        ))
        .bind(org)
        .bind(&under)
        .bind(&past)
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::kept_unit;

    #[test]
    fn units_are_communities_or_what_lies_above() {
        assert_eq!(kept_unit("c01/s01/m01/g01"), "c01/s01/m01");
        assert_eq!(kept_unit("c01/s01/m01"), "c01/s01/m01");
        assert_eq!(kept_unit("c01/s01"), "c01/s01");
        assert_eq!(kept_unit("c01"), "c01");
    }
}
