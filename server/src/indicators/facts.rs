//! The counts the indicators are made of, read from the projection tables for one org scope
//! and period: one query per table, grouped by org, so that a unit and every unit below it
//! are built from the same reading (plain indexed SQL, never document scans).

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

use linli_sync_core::calendar::days_between;

use super::period::Period;
use super::{in_scope, scope_bounds};
use crate::store::household_moves::MoveHistory;
use crate::store::Store;

/// Counts of one org (a grid, or a community for what lives at community level). They add up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgFacts {
    pub households: i64,
    /// Residents on the period's end (members who left later included).
    pub residents: i64,
    pub unknown_age: i64,
    /// Residents aged 60 or more on the period's end, and those of them with a health record.
    pub elderly: i64,
    pub elderly_with_record: i64,
    pub volunteers: i64,
    /// Zero-employment households on the period's end; became one, and stopped being one,
    /// within the period; days from becoming to stopping, summed over those stopped whose
    /// start is known.
    pub zero_employment: i64,
    pub zero_employment_new: i64,
    pub zero_employment_resolved: i64,
    pub zero_employment_days: f64,
    pub zero_employment_days_known: i64,
    /// Residents unemployed, able and willing to work at some time in the period (and living
    /// there at its end); of them, trained since their unemployment began, and employed on
    /// the period's end.
    pub unemployed: i64,
    pub trained: i64,
    pub back_in_work: i64,
    pub visits: i64,
    pub households_visited: i64,
    pub requests_opened: i64,
    pub requests_answered: i64,
    pub answer_days: f64,
    pub requests_finished: i64,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    pub approved_minutes: i64,
}

impl std::ops::AddAssign<&OrgFacts> for OrgFacts {
    fn add_assign(&mut self, o: &OrgFacts) {
        self.households += o.households;
        self.residents += o.residents;
        self.unknown_age += o.unknown_age;
        self.elderly += o.elderly;
        self.elderly_with_record += o.elderly_with_record;
        self.volunteers += o.volunteers;
        self.zero_employment += o.zero_employment;
        self.zero_employment_new += o.zero_employment_new;
        self.zero_employment_resolved += o.zero_employment_resolved;
        self.zero_employment_days += o.zero_employment_days;
        self.zero_employment_days_known += o.zero_employment_days_known;
        self.unemployed += o.unemployed;
        self.trained += o.trained;
        self.back_in_work += o.back_in_work;
        self.visits += o.visits;
        self.households_visited += o.households_visited;
        self.requests_opened += o.requests_opened;
        self.requests_answered += o.requests_answered;
        self.answer_days += o.answer_days;
        self.requests_finished += o.requests_finished;
        self.satisfied += o.satisfied;
        self.basically_satisfied += o.basically_satisfied;
        self.dissatisfied += o.dissatisfied;
        self.approved_minutes += o.approved_minutes;
    }
}

/// Health-service figures a supervisor entered, the latest on or before the period's end.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthFigures {
    pub as_of: String,
    pub coverage_permille: Option<i64>,
    pub outpatient_permille: Option<i64>,
    pub source: String,
}

/// What a community's own record says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommunityRecord {
    /// The community has a record (else nothing is known of its facilities and organisations).
    pub exists: bool,
    pub name: String,
    /// The stated resident total, 0 when not stated.
    pub stated_residents: i64,
    pub rural: bool,
    pub demonstration_since: Option<String>,
    pub registered_organizations: i64,
    /// The policy's facility categories it has.
    pub facilities: Vec<String>,
    pub health: Option<HealthFigures>,
}

/// Everything read for one scope and period.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub by_org: BTreeMap<String, OrgFacts>,
    pub communities: BTreeMap<String, CommunityRecord>,
    /// Org units' names by path.
    pub names: BTreeMap<String, String>,
}

type Rows = Vec<(String, Vec<i64>)>;

/// A value bound after a grouped query's scope (`$4`, `$5`, …).
enum Arg<'a> {
    Int(i64),
    Text(&'a str),
}

/// Runs a grouped query whose first column is the org and the rest (`n` of them) are whole
/// numbers: `$1`…`$3` are the scope's bounds ([`in_scope`]), then `args`.
async fn grouped(
    pool: &sqlx::AnyPool,
    (org, under, past): (&str, &str, &str),
    sql: String,
    n: usize,
    args: Vec<Arg<'_>>,
) -> Result<Rows, sqlx::Error> {
    let mut query = sqlx::query(&sql).bind(org).bind(under).bind(past);
    for arg in args {
        query = match arg {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            let org: String = r.try_get(0)?;
            let values = (1..=n)
                .map(|i| r.try_get::<i64, _>(i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((org, values))
        })
        .collect()
}

/// Reads every count and record for `org` and everything under it, in `period`.
pub async fn gather(store: &Store, org: &str, period: &Period) -> Result<Facts, sqlx::Error> {
    let (by_org, (communities, names)) =
        tokio::try_join!(counts(store, org, period), records(store, org, period))?;
    Ok(Facts {
        by_org,
        communities,
        names,
    })
}

/// The communities' records (with the health figures entered up to the period's end) and the
/// org units' names at or under `org`: small tables, read afresh for every report.
pub async fn records(
    store: &Store,
    org: &str,
    period: &Period,
) -> Result<(BTreeMap<String, CommunityRecord>, BTreeMap<String, String>), sqlx::Error> {
    let (under, past) = scope_bounds(org);
    let as_of = period.as_of.as_str();
    let pool = store.pool();
    let (communities, health, names) = tokio::try_join!(
        async {
            let rows = sqlx::query(&format!("SELECT org, name, residents, rural, demonstration_since, registered_organizations, facility_categories \
                    FROM p_communities WHERE {} ORDER BY org", in_scope("org")))
                    .bind(org).bind(&under).bind(&past)
                    .fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>(0)?,
                        CommunityRecord {
                            exists: true,
                            name: r.try_get(1)?,
                            stated_residents: r.try_get(2)?,
                            rural: r.try_get::<i64, _>(3)? != 0,
                            demonstration_since: r.try_get(4)?,
                            registered_organizations: r.try_get(5)?,
                            facilities: r
                                .try_get::<String, _>(6)?
                                .split(',')
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned)
                                .collect(),
                            health: None,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        },
        async {
            let rows = sqlx::query(&format!("SELECT org, as_of, coverage_permille, outpatient_permille, source FROM p_health_figures WHERE {} AND as_of <= $4 ORDER BY org, as_of, figure_id", in_scope("org")))
                    .bind(org).bind(&under).bind(&past).bind(as_of)
                    .fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>(0)?,
                        HealthFigures {
                            as_of: r.try_get(1)?,
                            coverage_permille: r.try_get(2)?,
                            outpatient_permille: r.try_get(3)?,
                            source: r.try_get(4)?,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
        },
        // org_units is small and its path column keeps the database's collation: plain
        // prefix test.
        async {
            sqlx::query_as::<_, (String, String)>(
                    "SELECT path, name FROM org_units WHERE path = $1 OR substr(path, 1, length($2)) = $2")
                    .bind(org).bind(&under)
                    .fetch_all(pool).await
        },
    )?;
    let mut communities: BTreeMap<String, CommunityRecord> = communities.into_iter().collect();
    for (org, h) in health {
        // Ordered by date: the last one is the latest.
        communities.entry(org).or_default().health = Some(h);
    }
    Ok((communities, names.into_iter().collect()))
}

/// Which rows a fact query reads and what it groups them by: every row of the scope by the
/// org it is in now, or only the rows of households that moved (see [`moved_rows`]), by
/// household.
#[derive(Clone, Copy)]
enum Reading {
    Scope,
    /// Households with a move after the day bound as `$n`.
    Moved(usize),
}

impl Reading {
    /// The column grouped by, of the table aliased `t`.
    fn key(self, t: &str) -> String {
        match self {
            Reading::Scope => format!("{t}org"),
            Reading::Moved(_) => format!("{t}document_id"),
        }
    }

    /// The condition on the table aliased `t`.
    fn filter(self, t: &str) -> String {
        match self {
            Reading::Scope => in_scope(&format!("{t}org")),
            Reading::Moved(n) => moved_rows(t, n),
        }
    }
}

/// Rows of the households that moved after the day bound as `$n`, by a move that left or
/// entered the scope: wherever they are now, their rows may count elsewhere on some day.
fn moved_rows(t: &str, n: usize) -> String {
    format!(
        "{t}document_id IN (SELECT document_id FROM household_moves WHERE on_date > ${n} AND ({} OR {}))",
        in_scope("from_org"),
        in_scope("to_org")
    )
}

/// The fact queries grouped by org or by moved household; each returns the key then whole
/// numbers, with the scope's bounds as `$1`…`$3` and its own values after.
fn households_sql(r: Reading) -> String {
    format!(
        "SELECT {k}, COUNT(*) FROM p_households WHERE {f} AND merged_into IS NULL GROUP BY {k}",
        k = r.key(""),
        f = r.filter("")
    )
}

/// Residents (`p_residents`) or residents who left later (`p_residents_left`, with
/// `left_on > $5`): all, of unknown age, aged 60 or more (born by `$4`), and of them with a
/// health record.
fn people_sql(table: &str, extra: &str, r: Reading) -> String {
    format!(
        "SELECT {k}, COUNT(*), \
         COALESCE(SUM(CASE WHEN birth_year IS NULL THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN birth_year <= $4 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN birth_year <= $4 AND health_record = 1 THEN 1 ELSE 0 END), 0) \
         FROM {table} WHERE {f}{extra} GROUP BY {k}",
        k = r.key(""),
        f = r.filter("")
    )
}

/// Residents unemployed, able and willing at some time from `$5` to `$4` and living there on
/// `$6`; of them trained since, and employed on `$6`.
fn unemployed_sql(r: Reading) -> String {
    format!(
        "SELECT u.k, COUNT(*), \
         COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM p_trainings t WHERE t.document_id = u.document_id \
             AND t.member_id = u.member_id AND t.on_date >= u.began AND t.on_date <= $6) THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM p_employment w WHERE w.document_id = u.document_id \
             AND w.member_id = u.member_id AND w.status = 'employed' AND w.since <= $6 \
             AND (w.until IS NULL OR w.until > $6)) THEN 1 ELSE 0 END), 0) \
         FROM (SELECT {k} AS k, e.document_id, e.member_id, MIN(e.since) AS began FROM p_employment e \
               WHERE {f} AND e.status = 'unemployed' AND e.ready = 1 \
               AND e.since <= $4 AND (e.until IS NULL OR e.until > $5) \
               AND (e.left_on IS NULL OR e.left_on > $6) \
               GROUP BY {k}, e.document_id, e.member_id) u GROUP BY u.k",
        k = r.key("e."),
        f = r.filter("e.")
    )
}

/// Zero-employment stretches that touch the period (`since <= $4`, `until >= $5`).
fn zero_employment_sql(r: Reading) -> String {
    format!(
        "SELECT {k}, since, until FROM p_zero_employment WHERE {f} AND since <= $4 AND (until IS NULL OR until >= $5)",
        k = r.key(""),
        f = r.filter("")
    )
}

/// Reads zero-employment stretches: key, since, until.
async fn stretches(
    pool: &sqlx::AnyPool,
    (org, under, past): (&str, &str, &str),
    sql: String,
    args: Vec<&str>,
) -> Result<Vec<(String, String, Option<String>)>, sqlx::Error> {
    let mut query = sqlx::query(&sql).bind(org).bind(under).bind(past);
    for arg in args {
        query = query.bind(arg);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

fn add_households(o: &mut OrgFacts, v: &[i64]) {
    o.households += v[0];
}

fn add_people(o: &mut OrgFacts, v: &[i64]) {
    o.residents += v[0];
    o.unknown_age += v[1];
    o.elderly += v[2];
    o.elderly_with_record += v[3];
}

fn add_unemployed(o: &mut OrgFacts, v: &[i64]) {
    o.unemployed += v[0];
    o.trained += v[1];
    o.back_in_work += v[2];
}

/// Counts one zero-employment stretch in `o` (`sign` -1 takes it back out).
fn add_stretch(o: &mut OrgFacts, since: &str, until: Option<&str>, period: &Period, sign: i64) {
    let (from, to, as_of) = (
        period.from.as_str(),
        period.to.as_str(),
        period.as_of.as_str(),
    );
    let known_start = since > linli_sync_core::contract::employment::BEGINNING;
    if since <= as_of && until.is_none_or(|u| u > as_of) {
        o.zero_employment += sign;
    }
    if known_start && since >= from {
        o.zero_employment_new += sign;
    }
    if let Some(u) = until.filter(|u| *u >= from && *u <= to) {
        o.zero_employment_resolved += sign;
        if let Some(days) = known_start
            .then(|| days_between(since, u))
            .flatten()
            .map(|d| d as f64)
        {
            o.zero_employment_days += days * sign as f64;
            o.zero_employment_days_known += sign;
        }
    }
}

/// The counts of `org` and of every org under it, in `period`, by org (the expensive part
/// of a report: one grouped query per table over every row of the scope).
///
/// Rows carry the org a household is in now. A household that moved after the period began
/// is then counted again where it lived: its residents and the like in the unit it lived in
/// on `as_of`, each visit in the unit it lived in on the visit's day ([`moved_back`]).
pub async fn counts(
    store: &Store,
    org: &str,
    period: &Period,
) -> Result<BTreeMap<String, OrgFacts>, sqlx::Error> {
    let (under, past) = scope_bounds(org);
    let (from, to, as_of) = (
        period.from.as_str(),
        period.to.as_str(),
        period.as_of.as_str(),
    );
    // Moments (visits, request steps) compare as text: every one of the last day sorts
    // below this.
    let to_end = format!("{to}\u{10FFFF}");
    let elderly_born_by = period.year() - 60;
    let pool = store.pool();
    let bounds = (org, under.as_str(), past.as_str());
    let scope = Reading::Scope;
    let since = from.min(as_of);
    let (
        households,
        residents,
        left,
        volunteers,
        zero,
        unemployed,
        visits,
        requests,
        answered,
        minutes,
        moved,
    ) = tokio::try_join!(
            grouped(pool, bounds, households_sql(scope), 1, vec![]),
            grouped(pool, bounds, people_sql("p_residents", "", scope), 4, vec![Arg::Int(elderly_born_by)]),
            grouped(pool, bounds, people_sql("p_residents_left", " AND left_on > $5", scope), 4, vec![Arg::Int(elderly_born_by), Arg::Text(as_of)]),
            grouped(pool, bounds, format!("SELECT org, COUNT(*) FROM p_volunteers WHERE {} AND (registered_on IS NULL OR registered_on <= $4) GROUP BY org", in_scope("org")), 1, vec![Arg::Text(as_of)]),
            stretches(pool, bounds, zero_employment_sql(scope), vec![to, from]),
            grouped(pool, bounds, unemployed_sql(scope), 3, vec![Arg::Text(to), Arg::Text(from), Arg::Text(as_of)]),
            grouped(pool, bounds, format!("SELECT org, COUNT(*), COUNT(DISTINCT document_id) FROM p_visits WHERE {} AND at >= $4 AND at <= $5 GROUP BY org", in_scope("org")), 2, vec![Arg::Text(from), Arg::Text(&to_end)]),
            grouped(pool, bounds, format!("SELECT org, \
                 COALESCE(SUM(CASE WHEN opened_at >= $4 AND opened_at <= $5 THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN finished_at >= $4 AND finished_at <= $5 THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN finished_at >= $4 AND finished_at <= $5 AND satisfaction = 'satisfied' THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN finished_at >= $4 AND finished_at <= $5 AND satisfaction = 'basically_satisfied' THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN finished_at >= $4 AND finished_at <= $5 AND satisfaction = 'dissatisfied' THEN 1 ELSE 0 END), 0) \
                 FROM p_requests WHERE {} GROUP BY org", in_scope("org")), 5, vec![Arg::Text(from), Arg::Text(&to_end)]),
            async {
                let rows = sqlx::query(&format!("SELECT org, opened_at, answered_at FROM p_requests WHERE {} AND answered_at >= $4 AND answered_at <= $5", in_scope("org")))
                    .bind(org).bind(&under).bind(&past).bind(from).bind(&to_end)
                    .fetch_all(pool).await?;
                rows.iter()
                    .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<Option<String>, _>(1)?, r.try_get::<Option<String>, _>(2)?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()
            },
            grouped(pool, bounds, format!("SELECT org, CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM p_volunteer_entries WHERE {} AND status = 'approved' AND date >= $4 AND date <= $5 GROUP BY org", in_scope("org")), 1, vec![Arg::Text(from), Arg::Text(to)]),
            store.moves_after(org, since),
        )?;
    let mut by_org: BTreeMap<String, OrgFacts> = BTreeMap::new();
    let mut add = |rows: Rows, f: fn(&mut OrgFacts, &[i64])| {
        for (org, v) in rows {
            f(by_org.entry(org).or_default(), &v);
        }
    };
    add(households, add_households);
    add(residents, add_people);
    add(left, add_people);
    add(volunteers, |o, v| o.volunteers += v[0]);
    add(unemployed, add_unemployed);
    add(visits, |o, v| {
        o.visits += v[0];
        o.households_visited += v[1];
    });
    add(requests, |o, v| {
        o.requests_opened += v[0];
        o.requests_finished += v[1];
        o.satisfied += v[2];
        o.basically_satisfied += v[3];
        o.dissatisfied += v[4];
    });
    add(minutes, |o, v| o.approved_minutes += v[0]);
    for (org, since, until) in zero {
        add_stretch(
            by_org.entry(org).or_default(),
            &since,
            until.as_deref(),
            period,
            1,
        );
    }
    for (org, opened, answered) in answered {
        if let (Some(o), Some(a)) = (opened, answered) {
            if let Some(days) = days_between(&o, &a).map(|d| d as f64) {
                let f = by_org.entry(org).or_default();
                f.requests_answered += 1;
                f.answer_days += days;
            }
        }
    }
    if !moved.is_empty() {
        moved_back(store, (org, &under, &past), period, &moved, &mut by_org).await?;
    }
    Ok(by_org)
}

/// Counts the households of `moved` where they lived rather than where they are now: each
/// household's rows are read alone and taken out of the unit it is in now, then put in the
/// unit it lived in on `as_of` (each visit: on the visit's day). Only units in the scope
/// `org` are touched.
async fn moved_back(
    store: &Store,
    (org, under, past): (&str, &str, &str),
    period: &Period,
    moved: &BTreeMap<String, MoveHistory>,
    by_org: &mut BTreeMap<String, OrgFacts>,
) -> Result<(), sqlx::Error> {
    let (from, to, as_of) = (
        period.from.as_str(),
        period.to.as_str(),
        period.as_of.as_str(),
    );
    let to_end = format!("{to}\u{10FFFF}");
    let elderly_born_by = period.year() - 60;
    let since = from.min(as_of);
    let pool = store.pool();
    let bounds = (org, under, past);
    let (households, residents, left, unemployed, zero, visits) = tokio::try_join!(
        grouped(
            pool,
            bounds,
            households_sql(Reading::Moved(4)),
            1,
            vec![Arg::Text(since)]
        ),
        grouped(
            pool,
            bounds,
            people_sql("p_residents", "", Reading::Moved(5)),
            4,
            vec![Arg::Int(elderly_born_by), Arg::Text(since)]
        ),
        grouped(
            pool,
            bounds,
            people_sql("p_residents_left", " AND left_on > $5", Reading::Moved(6)),
            4,
            vec![
                Arg::Int(elderly_born_by),
                Arg::Text(as_of),
                Arg::Text(since)
            ]
        ),
        grouped(
            pool,
            bounds,
            unemployed_sql(Reading::Moved(7)),
            3,
            vec![
                Arg::Text(to),
                Arg::Text(from),
                Arg::Text(as_of),
                Arg::Text(since)
            ]
        ),
        stretches(
            pool,
            bounds,
            zero_employment_sql(Reading::Moved(6)),
            vec![to, from, since]
        ),
        async {
            let rows = sqlx::query(&format!(
                "SELECT document_id, at FROM p_visits WHERE {} AND at >= $4 AND at <= $5",
                moved_rows("", 6)
            ))
            .bind(org)
            .bind(under)
            .bind(past)
            .bind(from)
            .bind(&to_end)
            .bind(since)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
        },
    )?;
    // Where a household is counted now and where it should be, as far as the scope goes.
    let in_scope = |o: &str| super::within(o, org);
    let mut shift = |document: &str, day: &str, f: &dyn Fn(&mut OrgFacts, i64)| {
        let Some(history) = moved.get(document) else {
            return;
        };
        let (Some(now), Some(then)) = (history.now(), history.org_on(day)) else {
            return;
        };
        if now == then {
            return;
        }
        if in_scope(now) {
            f(by_org.entry(now.to_owned()).or_default(), -1);
        }
        if in_scope(then) {
            f(by_org.entry(then.to_owned()).or_default(), 1);
        }
    };
    let signed = |v: &[i64], sign: i64| v.iter().map(|x| x * sign).collect::<Vec<_>>();
    for (document, v) in &households {
        shift(document, as_of, &|o, s| add_households(o, &signed(v, s)));
    }
    for (document, v) in residents.iter().chain(&left) {
        shift(document, as_of, &|o, s| add_people(o, &signed(v, s)));
    }
    for (document, v) in &unemployed {
        shift(document, as_of, &|o, s| add_unemployed(o, &signed(v, s)));
    }
    for (document, since, until) in &zero {
        shift(document, as_of, &|o, s| {
            add_stretch(o, since, until.as_deref(), period, s)
        });
    }
    let mut visited: BTreeSet<&str> = BTreeSet::new();
    for (document, at) in &visits {
        let day = at.get(..10).unwrap_or(at);
        shift(document, day, &|o, s| o.visits += s);
        visited.insert(document);
    }
    for document in visited {
        shift(document, as_of, &|o, s| o.households_visited += s);
    }
    Ok(())
}
