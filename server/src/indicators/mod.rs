//! The indicators a supervisor reports to the county, as docs/indicators.md defines them:
//! each with the policy clause it comes from and the target as the policy states it, for one
//! org unit and one [`Period`]. Most targets apply per community; above a community a report
//! says how many communities meet them and which do not. Grids get the operational figures
//! only. "No data" (0 of 0) is `None`, never 0%.

mod facts;
pub mod kept;
pub mod period;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::json;

pub use facts::OrgFacts;
use facts::{CommunityRecord, Facts};
pub use kept::{KeptTotals, Recount};
pub use period::{Period, PeriodError};

use crate::store::Store;

/// The org scope "`$1` or anything under `$1/`" on column `col`, with `$2` = `$1/` and
/// `$3` = `$1` followed by `0` (the character after `/`). Exact-prefix semantics, as
/// `col = $1 OR substr(col, 1, length($2)) = $2` (no `LIKE`: `_` is allowed in org codes and
/// SQLite's `LIKE` ignores case), but written as one index range: every org starting with
/// `$1/` lies in `[$1/, $10)` byte-wise, the range `[$1, $10)` holds exactly those, `$1`
/// itself and orgs `$1` followed by a character below `/` (`-`, `.`), which the last term
/// leaves out. Byte-wise: SQLite compares with BINARY, PostgreSQL's `org` columns are
/// `COLLATE "C"` (migration 0008).
pub(crate) fn in_scope(col: &str) -> String {
    format!("({col} >= $1 AND {col} < $3 AND ({col} >= $2 OR {col} = $1))")
}

/// The bounds the [`in_scope`] condition binds as `$2` and `$3`.
pub(crate) fn scope_bounds(org: &str) -> (String, String) {
    (format!("{org}/"), format!("{org}0"))
}

/// Depth of a community in an org path (county / street / community / grid).
const COMMUNITY_DEPTH: usize = 3;

/// A unit by code and name.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Unit {
    pub org: String,
    pub name: String,
}

/// Above a community: how many communities meet a per-community target.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Tally {
    /// Communities that meet it.
    pub met: i64,
    /// Communities with data for it.
    pub of: i64,
    /// Communities without data (0 of 0, nothing entered): neither met nor failed.
    pub no_data: i64,
    /// The communities that do not meet it.
    pub below: Vec<Unit>,
}

/// One policy indicator of one unit.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Indicator {
    pub key: &'static str,
    /// The clause of the policy it comes from, quoted.
    pub clause: &'static str,
    /// The target as the policy states it (`≥ 8%`), if it states one.
    pub target: Option<&'static str>,
    /// Where the policy leaves room, the reading taken.
    pub interpretation: Option<&'static str>,
    /// `percent` (a share from 0 to 1), `count` or `flag` (1 yes, 0 no).
    pub unit: &'static str,
    /// `None`: no data.
    pub value: Option<f64>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// Whether the target is met; `None` without a target or without data.
    pub met: Option<bool>,
    /// Above a community, for targets that apply per community.
    pub communities: Option<Tally>,
    /// Further figures: zero-employment households new and resolved, residents of unknown
    /// age, where a resident total or an entered figure came from.
    #[schema(value_type = Object)]
    pub detail: BTreeMap<&'static str, serde_json::Value>,
}

/// Figures with no policy target: whether needs get an answer.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Operational {
    pub visits: i64,
    pub households_visited: i64,
    pub requests_opened: i64,
    pub requests_answered: i64,
    pub mean_days_to_answer: Option<f64>,
    pub requests_finished: i64,
    pub approved_volunteer_hours: f64,
}

/// The indicators of one org unit for one period.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UnitReport {
    pub org: String,
    pub name: String,
    /// `county`, `street`, `community` or `grid`.
    pub level: &'static str,
    /// Live households, residents and registered volunteers on the period's end.
    pub households: i64,
    pub residents: i64,
    pub volunteers: i64,
    /// Communities counted (the unit itself for a community, none for a grid).
    pub communities: i64,
    /// Empty for a grid.
    pub policy: Vec<Indicator>,
    pub operational: Operational,
}

/// A unit's report and those of the units directly under it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Report {
    pub period: Period,
    pub indicators: UnitReport,
    pub children: Vec<UnitReport>,
}

/// The indicators of `org` and of each unit directly under it, for `period`, from one
/// reading of the projections. Above a community the counts come from `kept`, which counts
/// again only the communities changed since it last did.
pub async fn report(
    store: &Store,
    kept: &KeptTotals,
    org: &str,
    period: &Period,
) -> Result<Report, sqlx::Error> {
    let facts = if org.split('/').count() < COMMUNITY_DEPTH {
        let ((by_org, _), (communities, names)) = tokio::try_join!(
            kept.counts(store, org, period),
            facts::records(store, org, period)
        )?;
        Facts {
            by_org,
            communities,
            names,
        }
    } else {
        facts::gather(store, org, period).await?
    };
    let kids = units_at(&facts, org, org.split('/').count() + 1);
    Ok(Report {
        period: period.clone(),
        indicators: unit_report(&facts, org, period),
        children: kids
            .iter()
            .map(|k| unit_report(&facts, k, period))
            .collect(),
    })
}

/// The units at `depth` (1 for a county … 4 for a grid) at or under `org` that the facts know
/// of (holding data, a community record, or registered as an org unit).
fn units_at(facts: &Facts, org: &str, depth: usize) -> BTreeSet<String> {
    facts
        .by_org
        .keys()
        .chain(facts.communities.keys())
        .chain(facts.names.keys())
        .filter(|o| within(o, org))
        .filter_map(|o| {
            let parts: Vec<&str> = o.split('/').collect();
            (parts.len() >= depth).then(|| parts[..depth].join("/"))
        })
        .collect()
}

fn within(o: &str, unit: &str) -> bool {
    o == unit || (o.starts_with(unit) && o.as_bytes().get(unit.len()) == Some(&b'/'))
}

fn name_of(facts: &Facts, org: &str) -> String {
    facts
        .names
        .get(org)
        .filter(|n| !n.is_empty())
        .or_else(|| {
            facts
                .communities
                .get(org)
                .map(|c| &c.name)
                .filter(|n| !n.is_empty())
        })
        .cloned()
        .unwrap_or_else(|| org.rsplit('/').next().unwrap_or(org).to_owned())
}

fn pooled(facts: &Facts, unit: &str) -> OrgFacts {
    let mut sum = OrgFacts::default();
    for (_, f) in facts.by_org.iter().filter(|(o, _)| within(o, unit)) {
        sum += f;
    }
    sum
}

fn unit_report(facts: &Facts, org: &str, period: &Period) -> UnitReport {
    let depth = org.split('/').count();
    let all = pooled(facts, org);
    let communities: Vec<String> = if depth > COMMUNITY_DEPTH {
        Vec::new()
    } else if depth == COMMUNITY_DEPTH {
        vec![org.to_owned()]
    } else {
        units_at(facts, org, COMMUNITY_DEPTH).into_iter().collect()
    };
    let per_community: Vec<Community> = communities
        .iter()
        .map(|c| Community {
            unit: Unit {
                org: c.clone(),
                name: name_of(facts, c),
            },
            facts: pooled(facts, c),
            record: facts.communities.get(c).cloned().unwrap_or_default(),
        })
        .collect();
    let policy = if depth > COMMUNITY_DEPTH {
        Vec::new()
    } else {
        policy_indicators(&per_community, depth == COMMUNITY_DEPTH, period)
    };
    UnitReport {
        org: org.to_owned(),
        name: name_of(facts, org),
        level: match depth {
            1 => "county",
            2 => "street",
            3 => "community",
            _ => "grid",
        },
        households: all.households,
        residents: all.residents,
        volunteers: all.volunteers,
        communities: communities.len() as i64,
        policy,
        operational: Operational {
            visits: all.visits,
            households_visited: all.households_visited,
            requests_opened: all.requests_opened,
            requests_answered: all.requests_answered,
            mean_days_to_answer: (all.requests_answered > 0)
                .then(|| all.answer_days / all.requests_answered as f64),
            requests_finished: all.requests_finished,
            approved_volunteer_hours: all.approved_minutes as f64 / 60.0,
        },
    }
}

/// One community's counts and record.
struct Community {
    unit: Unit,
    facts: OrgFacts,
    record: CommunityRecord,
}

/// A community's value for one per-community indicator.
#[derive(Clone, Copy)]
struct Value {
    num: Option<i64>,
    den: Option<i64>,
    value: Option<f64>,
    met: Option<bool>,
}

fn share(num: i64, den: i64, target: Option<f64>) -> Value {
    let value = (den > 0).then(|| num as f64 / den as f64);
    Value {
        num: Some(num),
        den: Some(den),
        value,
        met: target.and_then(|t| value.map(|v| v >= t - 1e-12)),
    }
}

/// The per-community indicator above a community: the tally, and the pooled value if given.
fn tallied(
    communities: &[&Community],
    each: impl Fn(&Community) -> Value,
    pooled: Option<Value>,
) -> (Value, Tally) {
    let mut tally = Tally {
        met: 0,
        of: 0,
        no_data: 0,
        below: Vec::new(),
    };
    for c in communities {
        match each(c).met {
            Some(true) => {
                tally.met += 1;
                tally.of += 1;
            }
            Some(false) => {
                tally.of += 1;
                tally.below.push(c.unit.clone());
            }
            None => tally.no_data += 1,
        }
    }
    let value = pooled.unwrap_or(Value {
        num: None,
        den: None,
        value: None,
        met: None,
    });
    (value, tally)
}

struct Definition {
    key: &'static str,
    clause: &'static str,
    target: Option<&'static str>,
    interpretation: Option<&'static str>,
    unit: &'static str,
}

const VOLUNTEERS: Definition = Definition {
    key: "volunteers",
    clause: "（十九）到“十一五”期末，每个社区志愿者人数要达到本社区居民总数的8％以上",
    target: Some("≥ 8%"),
    interpretation: Some("居民总数取社区填报的居民总数；未填报时取登记在册的居民 / the community's stated resident total, else its registered residents"),
    unit: "percent",
};
const HEALTH_RECORDS: Definition = Definition {
    key: "elderly_health_records",
    clause: "（七）全省城市（含县级市）……60岁以上居民建立健康档案的比例达到95%",
    target: Some("≥ 95%"),
    interpretation: Some("只计城市社区，农村社区另列；年龄按出生年份计 / urban communities only, villages shown apart; age by year of birth"),
    unit: "percent",
};
const ZERO_EMPLOYMENT: Definition = Definition {
    key: "zero_employment_households",
    clause: "（四）全省社区动态解决“零就业家庭”就业问题",
    target: None,
    interpretation: Some("劳动年龄按16至59岁计；就业状况不明的不算失业 / working age 16–59; unknown employment is not joblessness"),
    unit: "count",
};
const TRAINING: Definition = Definition {
    key: "skills_training",
    clause: "（四）保证为有劳动能力和就业愿望的下岗失业人员提供一次以上就业技能培训",
    target: Some("100%"),
    interpretation: Some("期内任何时候失业、有劳动能力和就业愿望、期末仍在本地居住的居民；失业以来至期末受过培训 / residents unemployed, able and willing at any time in the period and living there at its end; trained since their unemployment began"),
    unit: "percent",
};
const BACK_TO_WORK: Definition = Definition {
    key: "back_into_work",
    clause: "（四）力争80%以上的人员实现就业再就业",
    target: Some("≥ 80%"),
    interpretation: Some("同上人群，期末在业 / the same residents, employed on the period's end"),
    unit: "percent",
};
const ORGANISATIONS: Definition = Definition {
    key: "civil_organisations",
    clause: "（十）“十一五”期间，每个社区要培育发展2－3个规范有序、作用明显的民间组织",
    target: Some("≥ 2"),
    interpretation: Some("“2－3个”按至少两个计，只计已登记的组织 / “2–3” read as at least two; registered organisations only"),
    unit: "count",
};
const FACILITIES: Definition = Definition {
    key: "facilities",
    clause: "（八）每个社区要配有居民课堂、综合文体站（室）、图书阅览室、公共信息栏；每个社区都要有体育健身设施；（五）力争“慈善超市”遍及全省每个社区",
    target: Some("6 / 6"),
    interpretation: None,
    unit: "count",
};
const DEMONSTRATION: Definition = Definition {
    key: "demonstration_communities",
    clause: "（二十二）全省50%的社区要力争达到省级和谐社区示范标准",
    target: Some("≥ 50%"),
    interpretation: None,
    unit: "percent",
};
const HEALTH_COVERAGE: Definition = Definition {
    key: "health_service_coverage",
    clause: "（七）社区卫生服务人口覆盖率达到95%以上",
    target: Some("≥ 95%"),
    interpretation: Some("卫生部门的数字，由督导员录入 / the health administration's figure, entered by a supervisor"),
    unit: "percent",
};
const OUTPATIENT: Definition = Definition {
    key: "outpatient_share",
    clause: "（七）居民社区卫生服务机构门诊就诊比例达到50%以上",
    target: Some("≥ 50%"),
    interpretation: Some("卫生部门的数字，由督导员录入 / the health administration's figure, entered by a supervisor"),
    unit: "percent",
};
const SATISFACTION: Definition = Definition {
    key: "satisfaction",
    clause: "（二十一）建立健全反映……居民需求及满意程度等有关信息的采集及工作评估体系",
    target: None,
    interpretation: Some("满意率 =（满意 + 基本满意）÷ 期内办结并记录了满意度的需求 / (satisfied + basically satisfied) ÷ requests finished in the period with a satisfaction recorded"),
    unit: "percent",
};

/// Every policy indicator, in report order (for the export's names and the docs' table).
pub const KEYS: &[&str] = &[
    VOLUNTEERS.key,
    HEALTH_RECORDS.key,
    ZERO_EMPLOYMENT.key,
    TRAINING.key,
    BACK_TO_WORK.key,
    ORGANISATIONS.key,
    FACILITIES.key,
    DEMONSTRATION.key,
    HEALTH_COVERAGE.key,
    OUTPATIENT.key,
    SATISFACTION.key,
];

fn indicator(
    d: &Definition,
    v: Value,
    communities: Option<Tally>,
    detail: BTreeMap<&'static str, serde_json::Value>,
) -> Indicator {
    Indicator {
        key: d.key,
        clause: d.clause,
        target: d.target,
        interpretation: d.interpretation,
        unit: d.unit,
        value: v.value,
        numerator: v.num,
        denominator: v.den,
        met: v.met,
        communities,
        detail,
    }
}

fn sum(cs: &[&Community], f: impl Fn(&Community) -> i64) -> i64 {
    cs.iter().map(|c| f(c)).sum()
}

/// The residents a community's volunteer ratio divides by, and whether they are its stated
/// total.
fn resident_base(c: &Community) -> (i64, bool) {
    if c.record.stated_residents > 0 {
        (c.record.stated_residents, true)
    } else {
        (c.facts.residents, false)
    }
}

fn policy_indicators(cs: &[Community], one_community: bool, period: &Period) -> Vec<Indicator> {
    let all: Vec<&Community> = cs.iter().collect();
    let urban: Vec<&Community> = cs.iter().filter(|c| !c.record.rural).collect();
    let rural: Vec<&Community> = cs.iter().filter(|c| c.record.rural).collect();
    // Per-community indicators: a community's own value, or above it the tally (and a pooled
    // value where one means something).
    let per_community =
        |d: &Definition,
         each: &dyn Fn(&Community) -> Value,
         pooled: Option<Value>,
         detail: BTreeMap<&'static str, serde_json::Value>| {
            if one_community {
                indicator(d, each(&cs[0]), None, detail)
            } else {
                let (v, tally) = tallied(&all, each, pooled);
                indicator(d, v, Some(tally), detail)
            }
        };
    let mut out = Vec::new();

    // §十九 volunteers ÷ residents, per community.
    let stated = all.iter().filter(|c| resident_base(c).1).count();
    let source = match (stated, all.len() - stated) {
        (_, 0) if stated > 0 => "stated",
        (0, _) => "registered",
        _ => "mixed",
    };
    out.push(per_community(
        &VOLUNTEERS,
        &|c| share(c.facts.volunteers, resident_base(c).0, Some(0.08)),
        Some(share(
            sum(&all, |c| c.facts.volunteers),
            sum(&all, |c| resident_base(c).0),
            None,
        )),
        BTreeMap::from([("residents_source", json!(source))]),
    ));

    // §七 health records of residents aged 60+, urban communities; the target is the cities'
    // share, so above a community the pooled value meets it or not.
    let health = share(
        sum(&urban, |c| c.facts.elderly_with_record),
        sum(&urban, |c| c.facts.elderly),
        Some(0.95),
    );
    let health_detail = BTreeMap::from([
        ("unknown_age", json!(sum(&urban, |c| c.facts.unknown_age))),
        ("rural_elderly", json!(sum(&rural, |c| c.facts.elderly))),
        (
            "rural_with_record",
            json!(sum(&rural, |c| c.facts.elderly_with_record)),
        ),
    ]);
    if one_community {
        out.push(indicator(&HEALTH_RECORDS, health, None, health_detail));
    } else {
        let (_, tally) = tallied(
            &urban,
            |c| share(c.facts.elderly_with_record, c.facts.elderly, Some(0.95)),
            None,
        );
        out.push(indicator(
            &HEALTH_RECORDS,
            health,
            Some(tally),
            health_detail,
        ));
    }

    // §四 zero-employment households: counts, no target.
    let resolved = sum(&all, |c| c.facts.zero_employment_resolved);
    let known: i64 = sum(&all, |c| c.facts.zero_employment_days_known);
    let days: f64 = all.iter().map(|c| c.facts.zero_employment_days).sum();
    out.push(indicator(
        &ZERO_EMPLOYMENT,
        Value {
            num: None,
            den: None,
            value: Some(sum(&all, |c| c.facts.zero_employment) as f64),
            met: None,
        },
        None,
        BTreeMap::from([
            ("new", json!(sum(&all, |c| c.facts.zero_employment_new))),
            ("resolved", json!(resolved)),
            (
                "mean_days_to_resolve",
                json!((known > 0).then(|| days / known as f64)),
            ),
        ]),
    ));

    // §四 training and back into work, over the unit's unemployed.
    let unemployed = sum(&all, |c| c.facts.unemployed);
    let trained = share(sum(&all, |c| c.facts.trained), unemployed, Some(1.0));
    out.push(indicator(&TRAINING, trained, None, BTreeMap::new()));
    let back = share(sum(&all, |c| c.facts.back_in_work), unemployed, Some(0.8));
    out.push(indicator(&BACK_TO_WORK, back, None, BTreeMap::new()));

    // §十 registered organisations, per community.
    // A community without a record: nothing is known of its organisations or facilities.
    let unknown = Value {
        num: None,
        den: None,
        value: None,
        met: None,
    };
    let orgs = |c: &Community| {
        if !c.record.exists {
            return unknown;
        }
        let n = c.record.registered_organizations;
        Value {
            num: Some(n),
            den: None,
            value: Some(n as f64),
            met: Some(n >= 2),
        }
    };
    out.push(per_community(
        &ORGANISATIONS,
        &orgs,
        Some(Value {
            num: Some(sum(&all, |c| c.record.registered_organizations)),
            den: None,
            value: Some(sum(&all, |c| c.record.registered_organizations) as f64),
            met: None,
        }),
        BTreeMap::new(),
    ));

    // §八, §五 facilities: all six, per community.
    let required = linli_sync_core::contract::fields::FACILITY_CATEGORIES;
    let facilities = |c: &Community| {
        if !c.record.exists {
            return unknown;
        }
        let n = required
            .iter()
            .filter(|r| c.record.facilities.iter().any(|f| f == *r))
            .count() as i64;
        Value {
            num: Some(n),
            den: Some(required.len() as i64),
            value: Some(n as f64),
            met: Some(n == required.len() as i64),
        }
    };
    let missing: Vec<&str> = if one_community && cs[0].record.exists {
        required
            .iter()
            .copied()
            .filter(|r| !cs[0].record.facilities.iter().any(|f| f == r))
            .collect()
    } else {
        Vec::new()
    };
    out.push(per_community(
        &FACILITIES,
        &facilities,
        None,
        BTreeMap::from([("missing", json!(missing))]),
    ));

    // §二十二 demonstration communities: a share of communities.
    let recognised = |c: &Community| {
        c.record
            .demonstration_since
            .as_deref()
            .is_some_and(|d| d <= period.as_of.as_str())
    };
    let n = all.iter().filter(|c| recognised(c)).count() as i64;
    let mut demo = share(n, all.len() as i64, Some(0.5));
    let mut demo_detail = BTreeMap::new();
    if one_community {
        demo.met = None;
        demo_detail.insert(
            "since",
            json!(cs[0]
                .record
                .demonstration_since
                .as_deref()
                .filter(|_| recognised(&cs[0]))),
        );
    }
    out.push(indicator(&DEMONSTRATION, demo, None, demo_detail));

    // §七 entered health-service figures, per community.
    let entered = |get: fn(&facts::HealthFigures) -> Option<i64>, target: f64| {
        move |c: &Community| {
            let v = c.record.health.as_ref().and_then(get);
            Value {
                num: None,
                den: None,
                value: v.map(|p| p as f64 / 1000.0),
                met: v.map(|p| p as f64 / 1000.0 >= target - 1e-12),
            }
        }
    };
    let entered_detail = |get: fn(&facts::HealthFigures) -> Option<i64>| {
        let mut d = BTreeMap::from([("entered", json!(true))]);
        if one_community {
            if let Some(h) = cs[0].record.health.as_ref().filter(|h| get(h).is_some()) {
                d.insert("source", json!(h.source));
                d.insert("as_of", json!(h.as_of));
            }
        }
        d
    };
    out.push(per_community(
        &HEALTH_COVERAGE,
        &entered(|h| h.coverage_permille, 0.95),
        None,
        entered_detail(|h| h.coverage_permille),
    ));
    out.push(per_community(
        &OUTPATIENT,
        &entered(|h| h.outpatient_permille, 0.5),
        None,
        entered_detail(|h| h.outpatient_permille),
    ));

    // §二十一 satisfaction of requests finished in the period.
    let satisfied = sum(&all, |c| c.facts.satisfied);
    let basically = sum(&all, |c| c.facts.basically_satisfied);
    let dissatisfied = sum(&all, |c| c.facts.dissatisfied);
    out.push(indicator(
        &SATISFACTION,
        share(
            satisfied + basically,
            satisfied + basically + dissatisfied,
            None,
        ),
        None,
        BTreeMap::from([
            ("satisfied", json!(satisfied)),
            ("basically_satisfied", json!(basically)),
            ("dissatisfied", json!(dissatisfied)),
            ("finished", json!(sum(&all, |c| c.facts.requests_finished))),
        ]),
    ));
    out
}
