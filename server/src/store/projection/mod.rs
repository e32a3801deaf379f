//! Projections: a document's typed record turned into rows of the `p_*` tables. Built from the
//! document as it will be committed and written in the commit's own transaction, replacing the
//! document's previous rows.

use std::collections::HashMap;
use std::sync::Arc;

use linli_sync_core::automerge::Automerge;

use super::Store;
pub mod facts;

use facts::HouseholdFacts;
use linli_sync_core::contract::{
    to_json, Community, Entry, Household, Kind, Member, Request, RootInfo, Visit, Volunteer,
};
use sqlx::AnyConnection;

/// A document's rows.
#[derive(Debug, Clone)]
pub enum Projection {
    /// The household with its current residents, and the facts the indicators read.
    Household(Box<Household>, Box<HouseholdFacts>),
    Volunteer(Box<Volunteer>),
    Request(Box<Request>),
    Community(Box<Community>),
}

impl Projection {
    /// Reads the record of a document; `None` if it does not read as its kind. Visits' times
    /// are written as local times in `time_zone` (with their offset), so that a visit's date
    /// in lists, exports and indicators is the date where it happened.
    pub fn of(doc: &Automerge, root: &RootInfo, time_zone: &str) -> Option<Self> {
        Self::of_json(&to_json(doc), root, time_zone)
    }

    /// [`of`](Self::of) from the document's JSON (`to_json`, or a mirror of it kept by the
    /// document's actor: `contract::mirror`).
    pub fn of_json(json: &serde_json::Value, root: &RootInfo, time_zone: &str) -> Option<Self> {
        fn record<T: serde::de::DeserializeOwned>(json: &serde_json::Value) -> Option<T> {
            T::deserialize(json).ok()
        }
        Some(match root.kind {
            Kind::Household => {
                let mut household: Household = record(json)?;
                let facts = HouseholdFacts::of(&household);
                // Members who left are not residents (they stay in the document's history);
                // a registration merged into another has none: its people and visits are
                // counted there.
                household.members.retain(|_, m| !m.is_removed());
                if household
                    .merged_into
                    .as_deref()
                    .is_some_and(|m| !m.is_empty())
                {
                    household.members.clear();
                    household.visits.clear();
                }
                for visit in &mut household.visits {
                    visit.at = linli_sync_core::calendar::local_moment(&visit.at, time_zone);
                }
                Projection::Household(Box::new(household), Box::new(facts))
            }
            Kind::Volunteer => Projection::Volunteer(Box::new(record(json)?)),
            Kind::Request => Projection::Request(Box::new(record(json)?)),
            Kind::Community => Projection::Community(Box::new(record(json)?)),
        })
    }
}

/// The name of the head of household (relation `head` or 户主), or the first resident's;
/// members who left are not heads.
pub fn head_name(h: &Household) -> String {
    let mut residents = h.members.values().filter(|m| !m.is_removed());
    h.members
        .values()
        .filter(|m| !m.is_removed())
        .find(|m| m.relation == "head" || m.relation == "户主")
        .or_else(|| residents.next())
        .map(|m| m.name.clone())
        .unwrap_or_default()
}

/// How many members live in the household (those who left are kept in the record, not
/// counted).
pub fn resident_count(h: &Household) -> i64 {
    h.members.values().filter(|m| !m.is_removed()).count() as i64
}

/// The key two registrations of one household share: the address without spaces and
/// punctuation, lower-cased, and the head of household's name.
pub fn dedup_key(h: &Household) -> Option<String> {
    let address: String = h
        .address
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let head = head_name(h);
    (!address.is_empty() && !head.is_empty()).then(|| format!("{address}|{}", head.trim()))
}

/// Tags that are set, comma-separated.
pub fn tag_list(tags: &std::collections::BTreeMap<String, bool>) -> String {
    tags.iter()
        .filter(|(_, on)| **on)
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// When a request was finished: its first step to `resolved` or `closed`.
pub fn request_finished(r: &Request) -> Option<String> {
    r.log
        .iter()
        .find(|l| matches!(l.status.as_deref(), Some("resolved" | "closed")))
        .map(|l| l.at.clone())
}

/// The policy's facility categories a community has, sorted and comma-separated.
pub fn facility_categories(c: &Community) -> String {
    let mut have: Vec<&str> = linli_sync_core::contract::fields::FACILITY_CATEGORIES
        .iter()
        .copied()
        .filter(|cat| c.facilities.values().any(|f| f.category == *cat))
        .collect();
    have.sort_unstable();
    have.join(",")
}

/// When a request was opened and first answered (its first step away from `open`).
pub fn request_times(r: &Request) -> (Option<String>, Option<String>) {
    let opened = r.log.first().map(|l| l.at.clone());
    let answered = r
        .log
        .iter()
        .find(|l| l.status.as_deref().is_some_and(|s| s != "open"))
        .map(|l| l.at.clone());
    (opened, answered)
}

/// What a commit writes into the projection tables.
#[derive(Debug, Clone)]
pub struct ProjectionWrite {
    /// The document's org.
    pub org: String,
    /// The document's rows as of the commit.
    pub rows: Arc<Projection>,
    /// The rows the database holds for the document already, when this node wrote them and
    /// nothing has changed them since: then only the rows that differ are written.
    pub base: Option<Arc<Projection>>,
}

impl ProjectionWrite {
    /// Rows to write in full (the document's previous rows, whatever they are, are replaced).
    pub fn full(org: String, rows: Projection) -> Self {
        ProjectionWrite {
            org,
            rows: Arc::new(rows),
            base: None,
        }
    }
}

/// Visits by id, the first of each id (as the `ON CONFLICT DO NOTHING` insert keeps it).
pub fn visits_by_id(h: &Household) -> HashMap<&str, &Visit> {
    let mut by_id = HashMap::with_capacity(h.visits.len());
    for v in &h.visits {
        by_id.entry(v.id.as_str()).or_insert(v);
    }
    by_id
}

/// The household's last visit: when, and the follow-up day it set (the visit with the latest
/// `at`; what follow-up plans start from).
pub fn last_visit(h: &Household) -> Option<(&str, Option<&str>)> {
    h.visits
        .iter()
        .max_by(|a, b| a.at.cmp(&b.at))
        .map(|v| (v.at.as_str(), v.follow_up.as_deref()))
}

/// Whether the household's own row (not its residents or visits) reads differently.
pub fn household_row_differs(old: &Household, new: &Household) -> bool {
    old.address != new.address
        || last_visit(old) != last_visit(new)
        || old.tags != new.tags
        || old.review != new.review
        || old.merged_into != new.merged_into
        || resident_count(old) != resident_count(new)
        || head_name(old) != head_name(new)
}

/// Writes a household's own row, and opens review items for its possible duplicates.
async fn insert_household_row(
    conn: &mut AnyConnection,
    doc: &str,
    org: &str,
    h: &Household,
) -> Result<(), sqlx::Error> {
    let key = dedup_key(h);
    let last = last_visit(h);
    sqlx::query("INSERT INTO p_households (document_id, org, address, head_name, tags, review_status, merged_into, member_count, dedup_key, last_visit_at, last_follow_up) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(doc).bind(org).bind(&h.address).bind(head_name(h)).bind(tag_list(&h.tags))
            .bind(h.review.as_ref().map(|r| r.status.clone())).bind(&h.merged_into).bind(resident_count(h))
            .bind(&key).bind(last.map(|(at, _)| at))
            .bind(last.and_then(|(_, f)| f).filter(|d| linli_sync_core::calendar::is_date(d)))
            .execute(&mut *conn).await?;
    // Another live household with the same key is a possible duplicate. Commits of
    // one key take turns (the lock row), so two registered at once still meet.
    if let (Some(key), None) = (&key, &h.merged_into) {
        sqlx::query("INSERT INTO dedup_locks (dedup_key, touched_at) VALUES ($1, $2) ON CONFLICT (dedup_key) DO UPDATE SET touched_at = excluded.touched_at")
                .bind(key).bind(crate::clock::now_ms())
                .execute(&mut *conn).await?;
        let others: Vec<String> = sqlx::query_scalar("SELECT document_id FROM p_households WHERE dedup_key = $1 AND document_id <> $2 AND merged_into IS NULL")
                .bind(key).bind(doc).fetch_all(&mut *conn).await?;
        for other in others {
            let (first, second) = if other.as_str() < doc {
                (other.clone(), doc.to_owned())
            } else {
                (doc.to_owned(), other.clone())
            };
            sqlx::query("INSERT INTO duplicates (first_id, second_id, org, status, opened_at) VALUES ($1, $2, $3, 'open', $4) ON CONFLICT (first_id, second_id) DO NOTHING")
                    .bind(&first).bind(&second).bind(org).bind(crate::clock::now_ms())
                    .execute(&mut *conn).await?;
        }
    }
    Ok(())
}

async fn insert_resident(
    conn: &mut AnyConnection,
    doc: &str,
    org: &str,
    id: &str,
    m: &Member,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO p_residents (document_id, member_id, org, name, gender, birth_year, relation, employment, health_record, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(doc).bind(id).bind(org).bind(&m.name).bind(&m.gender).bind(m.birth_year).bind(&m.relation)
            .bind(&m.employment).bind(m.health_record as i64).bind(crate::store::projection::tag_list(&m.tags))
            .execute(&mut *conn).await?;
    Ok(())
}

async fn insert_visit(
    conn: &mut AnyConnection,
    doc: &str,
    org: &str,
    v: &Visit,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO p_visits (document_id, visit_id, org, at, by_user, purpose, needs, follow_up) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (document_id, visit_id) DO NOTHING")
            .bind(doc).bind(&v.id).bind(org).bind(&v.at).bind(&v.by).bind(&v.purpose).bind(v.needs.join(","))
            .bind(&v.follow_up)
            .execute(&mut *conn).await?;
    Ok(())
}

async fn insert_entry(
    conn: &mut AnyConnection,
    doc: &str,
    org: &str,
    user: &str,
    id: &str,
    e: &Entry,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO p_volunteer_entries (document_id, entry_id, org, user_name, date, minutes, activity, category, source, status, review_note, reviewed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(doc).bind(id).bind(org).bind(user).bind(&e.date).bind(e.minutes).bind(&e.activity)
            .bind(&e.category).bind(&e.source).bind(&e.status)
            .bind(e.review.as_ref().map(|r| r.note.clone())).bind(e.review.as_ref().map(|r| r.by.clone()))
            .execute(&mut *conn).await?;
    Ok(())
}

/// Deletes one row of a document's child table (`key_column` names its id).
async fn delete_child(
    conn: &mut AnyConnection,
    table: &str,
    key_column: &str,
    doc: &str,
    id: &str,
) -> Result<(), sqlx::Error> {
    let sql = format!("DELETE FROM {table} WHERE document_id = $1 AND {key_column} = $2");
    sqlx::query(&sql)
        .bind(doc)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Writes a document's projection rows inside the commit's transaction. With a base of the
/// same kind and org, only the rows that differ from it are deleted and written; otherwise
/// every row of the document is replaced.
pub(crate) async fn apply_projection(
    conn: &mut AnyConnection,
    doc: &str,
    w: &ProjectionWrite,
) -> Result<(), sqlx::Error> {
    let org = w.org.as_str();
    let base = w.base.as_deref();
    match (base, &*w.rows) {
        (Some(Projection::Household(old, old_facts)), Projection::Household(new, new_facts))
            if old.org == new.org =>
        {
            if old_facts != new_facts {
                facts::write_household_facts(&mut *conn, doc, org, new_facts).await?;
            }
            if household_row_differs(old, new) {
                sqlx::query("DELETE FROM p_households WHERE document_id = $1")
                    .bind(doc)
                    .execute(&mut *conn)
                    .await?;
                insert_household_row(&mut *conn, doc, org, new).await?;
            }
            for (id, m) in &old.members {
                if new.members.get(id) != Some(m) {
                    delete_child(&mut *conn, "p_residents", "member_id", doc, id).await?;
                }
            }
            for (id, m) in &new.members {
                if old.members.get(id) != Some(m) {
                    insert_resident(&mut *conn, doc, org, id, m).await?;
                }
            }
            let (old_visits, new_visits) = (visits_by_id(old), visits_by_id(new));
            for (id, v) in &old_visits {
                if new_visits.get(id) != Some(v) {
                    delete_child(&mut *conn, "p_visits", "visit_id", doc, id).await?;
                }
            }
            for (id, v) in &new_visits {
                if old_visits.get(id) != Some(v) {
                    insert_visit(&mut *conn, doc, org, v).await?;
                }
            }
        }
        (Some(Projection::Volunteer(old)), Projection::Volunteer(new))
            if old.org == new.org
                && old.user == new.user
                && old.registered_on == new.registered_on =>
        {
            if (&old.name, &old.skills) != (&new.name, &new.skills) {
                sqlx::query(
                    "UPDATE p_volunteers SET name = $1, skills = $2 WHERE document_id = $3",
                )
                .bind(&new.name)
                .bind(new.skills.join(","))
                .bind(doc)
                .execute(&mut *conn)
                .await?;
            }
            for (id, e) in &old.entries {
                if new.entries.get(id) != Some(e) {
                    delete_child(&mut *conn, "p_volunteer_entries", "entry_id", doc, id).await?;
                }
            }
            for (id, e) in &new.entries {
                if old.entries.get(id) != Some(e) {
                    insert_entry(&mut *conn, doc, org, &new.user, id, e).await?;
                }
            }
        }
        (_, rows) => {
            for table in [
                "p_households",
                "p_residents",
                "p_visits",
                "p_volunteers",
                "p_volunteer_entries",
                "p_requests",
                "p_communities",
                "p_residents_left",
                "p_employment",
                "p_trainings",
                "p_zero_employment",
                "p_health_figures",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE document_id = $1"))
                    .bind(doc)
                    .execute(&mut *conn)
                    .await?;
            }
            match rows {
                Projection::Household(h, facts) => {
                    facts::write_household_facts(&mut *conn, doc, org, facts).await?;
                    insert_household_row(&mut *conn, doc, org, h).await?;
                    for (id, m) in &h.members {
                        insert_resident(&mut *conn, doc, org, id, m).await?;
                    }
                    for v in &h.visits {
                        insert_visit(&mut *conn, doc, org, v).await?;
                    }
                }
                Projection::Volunteer(v) => {
                    sqlx::query("INSERT INTO p_volunteers (document_id, org, user_name, name, skills, registered_on) VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(doc).bind(org).bind(&v.user).bind(&v.name).bind(v.skills.join(","))
                            .bind(v.registered_on.as_deref().filter(|d| linli_sync_core::calendar::is_date(d)))
                            .execute(&mut *conn).await?;
                    for (id, e) in &v.entries {
                        insert_entry(&mut *conn, doc, org, &v.user, id, e).await?;
                    }
                }
                Projection::Request(r) => {
                    let (opened, answered) = request_times(r);
                    sqlx::query("INSERT INTO p_requests (document_id, org, household, category, description, status, assignee, opened_at, answered_at, finished_at, satisfaction, assignee_kind, urgency, due, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
                            .bind(doc).bind(org).bind(&r.household).bind(&r.category).bind(&r.description).bind(&r.status)
                            .bind(&r.assignee).bind(opened).bind(answered).bind(request_finished(r)).bind(&r.satisfaction)
                            .bind(&r.assignee_kind).bind(&r.urgency)
                            .bind(r.due.as_deref().filter(|d| linli_sync_core::calendar::is_date(d)))
                            .bind(&r.outcome)
                            .execute(&mut *conn).await?;
                }
                Projection::Community(c) => {
                    sqlx::query("INSERT INTO p_communities (document_id, org, name, residents, facilities, organizations, rural, demonstration_since, registered_organizations, facility_categories, follow_up_rules) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                            .bind(doc).bind(org).bind(&c.name).bind(c.residents).bind(c.facilities.len() as i64).bind(c.organizations.len() as i64)
                            .bind(c.rural as i64)
                            .bind(c.demonstration_since.as_deref().filter(|d| linli_sync_core::calendar::is_date(d)))
                            .bind(c.organizations.values().filter(|o| o.registered).count() as i64)
                            .bind(facility_categories(c))
                            .bind(serde_json::to_string(&c.follow_up_rules).unwrap_or_else(|_| "{}".into()))
                            .execute(&mut *conn).await?;
                    for (id, f) in c
                        .health_figures
                        .iter()
                        .filter(|(_, f)| linli_sync_core::calendar::is_date(&f.as_of))
                    {
                        sqlx::query("INSERT INTO p_health_figures (document_id, figure_id, org, as_of, coverage_permille, outpatient_permille, source) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                                .bind(doc).bind(id).bind(org).bind(&f.as_of).bind(f.coverage_permille).bind(f.outpatient_permille).bind(&f.source)
                                .execute(&mut *conn).await?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// A volunteer entry as listed for review.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EntryRow {
    pub document_id: String,
    pub entry_id: String,
    pub org: String,
    pub user: String,
    pub date: String,
    pub minutes: i64,
    pub activity: String,
    pub category: String,
    /// `self`, `checkin` (credited from an activity's signed codes) or `supervisor`.
    pub source: String,
    pub status: String,
    pub review_note: Option<String>,
}

impl Store {
    /// Volunteer entries with `status` at or under `scope`, by date.
    pub async fn volunteer_entries(
        &self,
        scope: &str,
        status: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<EntryRow>, sqlx::Error> {
        use sqlx::Row;
        let (under, past) = crate::indicators::scope_bounds(scope);
        let pool = self.pool();
        let rows = sqlx::query(&format!("SELECT document_id, entry_id, org, user_name, date, minutes, activity, category, source, status, review_note \
                 FROM p_volunteer_entries WHERE status = $4 AND {} ORDER BY date, document_id, entry_id LIMIT $5 OFFSET $6", crate::indicators::in_scope("org")))
            .bind(scope).bind(&under).bind(&past).bind(status).bind(limit).bind(offset)
            .fetch_all(pool).await?;
        rows.iter()
            .map(|r| {
                Ok(EntryRow {
                    document_id: r.try_get("document_id")?,
                    entry_id: r.try_get("entry_id")?,
                    org: r.try_get("org")?,
                    user: r.try_get("user_name")?,
                    date: r.try_get("date")?,
                    minutes: r.try_get("minutes")?,
                    activity: r.try_get("activity")?,
                    category: r.try_get("category")?,
                    source: r.try_get("source")?,
                    status: r.try_get("status")?,
                    review_note: r.try_get("review_note")?,
                })
            })
            .collect()
    }

    /// A stored document's kind and org.
    pub async fn document_root(&self, id: &str) -> Result<Option<(String, String)>, sqlx::Error> {
        use sqlx::Row;
        let pool = self.pool();
        let row = sqlx::query("SELECT kind, org FROM documents WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
        row.map(|r| Ok((r.try_get("kind")?, r.try_get("org")?)))
            .transpose()
    }
}

/// A possible duplicate pair.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DuplicateRow {
    pub id: i64,
    pub first_id: String,
    pub second_id: String,
    pub org: String,
    pub status: String,
    pub merged_into: Option<String>,
    /// Each household as a person finds it (absent while it has no projection row).
    pub first_address: Option<String>,
    pub first_head: Option<String>,
    pub first_members: Option<i64>,
    pub second_address: Option<String>,
    pub second_head: Option<String>,
    pub second_members: Option<i64>,
}

/// A duplicate pair with both households' address, head and size.
const DUPLICATE_SELECT: &str =
    "SELECT d.id, d.first_id, d.second_id, d.org, d.status, d.merged_into, \
     a.address AS first_address, a.head_name AS first_head, a.member_count AS first_members, \
     b.address AS second_address, b.head_name AS second_head, b.member_count AS second_members \
     FROM duplicates d LEFT JOIN p_households a ON a.document_id = d.first_id \
     LEFT JOIN p_households b ON b.document_id = d.second_id";

impl Store {
    /// Duplicate items with `status` at or under `scope`.
    pub async fn duplicates(
        &self,
        scope: &str,
        status: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<DuplicateRow>, sqlx::Error> {
        let (under, past) = crate::indicators::scope_bounds(scope);
        let pool = self.pool();
        sqlx::query_as(&format!(
            "{DUPLICATE_SELECT} WHERE d.status = $4 AND {} ORDER BY d.id LIMIT $5 OFFSET $6",
            crate::indicators::in_scope("d.org")
        ))
        .bind(scope)
        .bind(&under)
        .bind(&past)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
    }

    /// Duplicate item `id` if it has `status` and lies at or under `scope`.
    pub async fn duplicate(
        &self,
        scope: &str,
        id: i64,
        status: &str,
    ) -> Result<Option<DuplicateRow>, sqlx::Error> {
        let (under, past) = crate::indicators::scope_bounds(scope);
        let pool = self.pool();
        sqlx::query_as(&format!(
            "{DUPLICATE_SELECT} WHERE d.id = $4 AND d.status = $5 AND {}",
            crate::indicators::in_scope("d.org")
        ))
        .bind(scope)
        .bind(&under)
        .bind(&past)
        .bind(id)
        .bind(status)
        .fetch_optional(pool)
        .await
    }
}

/// A household as listed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HouseholdRow {
    pub document_id: String,
    pub org: String,
    pub address: String,
    pub head_name: String,
    pub tags: String,
    pub review_status: Option<String>,
    pub merged_into: Option<String>,
    pub member_count: i64,
}
