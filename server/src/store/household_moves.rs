//! Households moved to another unit (migration 0018): written by the commit that moves one,
//! read by the indicators, which count a household where it lived on the day they look at.

use std::collections::BTreeMap;

use super::{Move, Store};
use crate::indicators::{in_scope, scope_bounds};

/// Records `moved` of document `id`, inside the commit's transaction.
pub(super) async fn record(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    moved: &Move,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO household_moves (document_id, moved_at, from_org, to_org, on_date) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(now)
    .bind(&moved.from)
    .bind(&moved.to)
    .bind(&moved.on)
    .execute(tx)
    .await
    .map(|_| ())
}

/// Where a moved household lived over time: its moves, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoveHistory {
    pub moves: Vec<Move>,
}

impl MoveHistory {
    /// The unit it lived in on `day` (`YYYY-MM-DD`): the unit it left by the first move after
    /// that day, or, moved on or before it, the one it is in now.
    pub fn org_on(&self, day: &str) -> Option<&str> {
        self.moves
            .iter()
            .find(|m| m.on.as_str() > day)
            .or(self.moves.last())
            .map(|m| if m.on.as_str() > day { &m.from } else { &m.to })
            .map(String::as_str)
    }

    /// The unit it is in now.
    pub fn now(&self) -> Option<&str> {
        self.moves.last().map(|m| m.to.as_str())
    }
}

impl Store {
    /// The day of the household's latest move, if it ever moved.
    pub async fn last_move_day(&self, document_id: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT MAX(on_date) FROM household_moves WHERE document_id = $1")
            .bind(document_id)
            .fetch_one(self.pool())
            .await
    }

    /// The whole move history of every household with a move after `day` that left or
    /// entered `org` or a unit under it: the households whose unit on some day after `day`
    /// may differ from the one they are in now, as far as `org`'s figures go.
    pub async fn moves_after(
        &self,
        org: &str,
        day: &str,
    ) -> Result<BTreeMap<String, MoveHistory>, sqlx::Error> {
        let (under, past) = scope_bounds(org);
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(&format!(
            "SELECT document_id, from_org, to_org, on_date FROM household_moves \
             WHERE document_id IN (SELECT document_id FROM household_moves \
                 WHERE on_date > $4 AND ({} OR {})) \
             ORDER BY document_id, on_date, moved_at",
            in_scope("from_org"),
            in_scope("to_org")
        ))
        .bind(org)
        .bind(&under)
        .bind(&past)
        .bind(day)
        .fetch_all(self.pool())
        .await?;
        let mut histories: BTreeMap<String, MoveHistory> = BTreeMap::new();
        for (id, from, to, on) in rows {
            histories
                .entry(id)
                .or_default()
                .moves
                .push(Move { from, to, on });
        }
        Ok(histories)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(moves: &[(&str, &str, &str)]) -> MoveHistory {
        MoveHistory {
            moves: moves
                .iter()
                .map(|(from, to, on)| Move {
                    from: (*from).into(),
                    to: (*to).into(),
                    on: (*on).into(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_household_lives_in_the_unit_it_left_until_the_day_it_moved() {
        let h = history(&[("a", "b", "2026-03-10"), ("b", "c", "2026-06-01")]);
        assert_eq!(h.org_on("2026-01-01"), Some("a"));
        assert_eq!(h.org_on("2026-03-09"), Some("a"));
        assert_eq!(
            h.org_on("2026-03-10"),
            Some("b"),
            "the day of the move is the new unit's"
        );
        assert_eq!(h.org_on("2026-05-31"), Some("b"));
        assert_eq!(h.org_on("2026-06-01"), Some("c"));
        assert_eq!(h.org_on("2027-01-01"), Some("c"));
        assert_eq!(h.now(), Some("c"));
        assert_eq!(MoveHistory::default().org_on("2026-01-01"), None);
    }
}
