//! The facts of a household that the indicators count as of a day (docs/indicators.md):
//! residents who left on a known day, employment spells, trainings, and the stretches in which
//! the household had nobody in work. Written with the household's other projection rows.

use linli_sync_core::calendar::is_date;
use linli_sync_core::contract::employment::{able_and_willing, spells, zero_employment_stretches};
use linli_sync_core::contract::Household;

/// A member who left the household on a known day.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftResident {
    pub member_id: String,
    pub birth_year: Option<i64>,
    pub health_record: bool,
    pub left_on: String,
}

/// One employment spell of a member who lives there (or left on a known day).
#[derive(Debug, Clone, PartialEq)]
pub struct SpellRow {
    pub member_id: String,
    pub since: String,
    pub until: Option<String>,
    pub status: String,
    /// Able and willing to work.
    pub ready: bool,
    pub left_on: Option<String>,
}

/// One skills training.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingRow {
    pub member_id: String,
    pub training_id: String,
    pub on: String,
    pub course: String,
}

/// Everything of a household the indicators read beyond its current residents.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HouseholdFacts {
    pub left: Vec<LeftResident>,
    pub spells: Vec<SpellRow>,
    pub trainings: Vec<TrainingRow>,
    /// `(since, until)`: when the household was a zero-employment household.
    pub zero_employment: Vec<(String, Option<String>)>,
}

impl HouseholdFacts {
    /// The facts of a household as its document holds it (members who left included). A
    /// registration merged into another has none: its people are counted there.
    pub fn of(h: &Household) -> Self {
        let mut facts = HouseholdFacts::default();
        if h.merged_into.as_deref().is_some_and(|m| !m.is_empty()) {
            return facts;
        }
        for (id, m) in &h.members {
            let left_on = match (m.is_removed(), m.removed_on.as_deref()) {
                (false, _) => None,
                (true, Some(day)) if is_date(day) => Some(day.to_owned()),
                // Left on a day nobody recorded: not counted on any day.
                (true, _) => continue,
            };
            if let Some(day) = &left_on {
                facts.left.push(LeftResident {
                    member_id: id.clone(),
                    birth_year: m.birth_year,
                    health_record: m.health_record,
                    left_on: day.clone(),
                });
            }
            let ready = able_and_willing(m);
            facts.spells.extend(spells(m).into_iter().map(|s| SpellRow {
                member_id: id.clone(),
                since: s.since,
                until: s.until,
                status: s.status,
                ready,
                left_on: left_on.clone(),
            }));
            facts
                .trainings
                .extend(
                    m.trainings
                        .iter()
                        .filter(|(_, t)| is_date(&t.on))
                        .map(|(tid, t)| TrainingRow {
                            member_id: id.clone(),
                            training_id: tid.clone(),
                            on: t.on.clone(),
                            course: t.course.clone(),
                        }),
                );
        }
        facts.zero_employment = zero_employment_stretches(h);
        facts
    }
}

/// Replaces a household's fact rows (inside the commit's transaction).
pub(crate) async fn write_household_facts(
    conn: &mut sqlx::AnyConnection,
    doc: &str,
    org: &str,
    facts: &HouseholdFacts,
) -> Result<(), sqlx::Error> {
    for table in [
        "p_residents_left",
        "p_employment",
        "p_trainings",
        "p_zero_employment",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE document_id = $1"))
            .bind(doc)
            .execute(&mut *conn)
            .await?;
    }
    for l in &facts.left {
        sqlx::query("INSERT INTO p_residents_left (document_id, member_id, org, birth_year, health_record, left_on) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(doc).bind(&l.member_id).bind(org).bind(l.birth_year).bind(l.health_record as i64).bind(&l.left_on)
                .execute(&mut *conn).await?;
    }
    for s in &facts.spells {
        sqlx::query("INSERT INTO p_employment (document_id, member_id, org, since, until, status, ready, left_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(doc).bind(&s.member_id).bind(org).bind(&s.since).bind(&s.until).bind(&s.status).bind(s.ready as i64).bind(&s.left_on)
                .execute(&mut *conn).await?;
    }
    for t in &facts.trainings {
        sqlx::query("INSERT INTO p_trainings (document_id, member_id, training_id, org, on_date, course) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(doc).bind(&t.member_id).bind(&t.training_id).bind(org).bind(&t.on).bind(&t.course)
                .execute(&mut *conn).await?;
    }
    for (since, until) in &facts.zero_employment {
        sqlx::query("INSERT INTO p_zero_employment (document_id, org, since, until) VALUES ($1, $2, $3, $4)")
                .bind(doc).bind(org).bind(since).bind(until)
                .execute(&mut *conn).await?;
    }
    Ok(())
}
