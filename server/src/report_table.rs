//! The report to the county as a table (the `indicators` export, CSV or XLSX): for one unit and
//! period, every indicator of the unit and of each unit below it, the target as the policy
//! states it with its clause, the communities below target, and the reading taken where the
//! policy leaves room. Values are written as the screen shows them (`12.5%`, `无数据`), with
//! numerator and denominator as numbers beside them.

use crate::export::Cell;
use crate::indicators::{Indicator, Report, UnitReport};
use crate::labels::{self, Code};

/// A figure for reading: whole numbers as they are, others to one decimal.
fn rounded(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Column headers: (Chinese, English).
pub const COLUMNS: &[(&str, &str)] = &[
    ("期间", "period"),
    ("组织代码", "org"),
    ("单位", "unit"),
    ("层级", "level"),
    ("指标", "indicator"),
    ("数值", "value"),
    ("分子", "numerator"),
    ("分母", "denominator"),
    ("目标", "target"),
    ("是否达标", "met"),
    ("达标社区", "communities meeting"),
    ("未达标社区", "communities below"),
    ("说明", "notes"),
    ("政策条款", "policy clause"),
];

/// An indicator's name: (Chinese, English).
pub fn indicator_name(key: &str) -> (&'static str, &'static str) {
    match key {
        "volunteers" => ("社区志愿者占居民比例", "volunteers ÷ residents"),
        "elderly_health_records" => (
            "60岁以上居民健康档案建档率",
            "residents 60+ with a health record",
        ),
        "zero_employment_households" => (
            "零就业家庭（期末）",
            "zero-employment households (period end)",
        ),
        "skills_training" => (
            "失业人员技能培训率",
            "unemployed who received skills training",
        ),
        "back_into_work" => ("失业人员就业再就业率", "unemployed back in work"),
        "civil_organisations" => ("已登记民间组织数", "registered civil organisations"),
        "facilities" => ("社区设施（六项）", "community facilities (six)"),
        "demonstration_communities" => (
            "省级和谐社区示范社区比例",
            "provincial demonstration communities",
        ),
        "health_service_coverage" => (
            "社区卫生服务人口覆盖率（录入）",
            "health-service coverage (entered)",
        ),
        "outpatient_share" => (
            "社区卫生服务门诊就诊比例（录入）",
            "outpatient share at community services (entered)",
        ),
        "satisfaction" => ("需求办结满意率", "satisfaction with finished requests"),
        "visits" => ("走访次数", "visits"),
        "households_visited" => ("走访户数", "households visited"),
        "requests_opened" => ("新增需求", "requests opened"),
        "requests_answered" => ("已响应需求", "requests answered"),
        "mean_days_to_answer" => ("平均响应天数", "mean days to answer"),
        "approved_volunteer_hours" => ("已审核志愿服务时长（小时）", "approved volunteer hours"),
        _ => ("", ""),
    }
}

fn level_name(level: &str, english: bool) -> &'static str {
    match (level, english) {
        ("county", false) => "县",
        ("street", false) => "街道",
        ("community", false) => "社区",
        ("grid", false) => "网格",
        ("county", true) => "county",
        ("street", true) => "street",
        ("community", true) => "community",
        _ => "grid",
    }
}

/// An indicator's value as the screen shows it. Above a community, a per-community target
/// with no pooled figure is shown by how many communities meet it.
pub fn value_text(i: &Indicator, english: bool) -> String {
    match (i.value, i.unit) {
        (None, _) if i.communities.is_some() => {
            let t = i.communities.as_ref().expect("checked");
            if english {
                format!("{} of {} communities", t.met, t.of)
            } else {
                format!("{} / {} 个社区达标", t.met, t.of)
            }
        }
        (None, _) => if english { "no data" } else { "无数据" }.to_owned(),
        (Some(v), "percent") => format!("{:.1}%", v * 100.0),
        (Some(v), "flag") => labels::yes_no(v > 0.0, english).to_owned(),
        (Some(v), _) => rounded(v),
    }
}

fn notes(i: &Indicator, english: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(reading) = i.interpretation {
        // "中文 / English": the half the reader asked for.
        let (zh, en) = reading.split_once(" / ").unwrap_or((reading, reading));
        parts.push(if english { en } else { zh }.to_owned());
    }
    for (k, v) in &i.detail {
        if v.is_null() || v.as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        let key = labels::word(Code::Detail, k, english);
        let v = match v {
            // A flag such as "entered": the word alone.
            serde_json::Value::Bool(true) => {
                parts.push(key.into_owned());
                continue;
            }
            serde_json::Value::Bool(false) => labels::yes_no(false, english).to_owned(),
            serde_json::Value::String(s) => labels::word(Code::Source, s, english).into_owned(),
            serde_json::Value::Number(n) => n.as_f64().map(rounded).unwrap_or_default(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    serde_json::Value::String(s) => {
                        labels::word(Code::Facility, s, english).into_owned()
                    }
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(labels::list_separator(english)),
            other => other.to_string(),
        };
        parts.push(format!("{key}{}{v}", if english { ": " } else { "：" }));
    }
    parts.join(if english { "; " } else { "；" })
}

fn unit_rows(r: &UnitReport, period: &str, english: bool, rows: &mut Vec<Vec<Cell>>) {
    let head = |name: &str| {
        vec![
            Cell::Text(period.to_owned()),
            Cell::Text(r.org.clone()),
            Cell::Text(r.name.clone()),
            Cell::Text(level_name(r.level, english).to_owned()),
            Cell::Text(name.to_owned()),
        ]
    };
    let pick = |key: &str| {
        let (zh, en) = indicator_name(key);
        if english {
            en
        } else {
            zh
        }
    };
    for i in &r.policy {
        let mut row = head(pick(i.key));
        let int = |n: Option<i64>| n.map(Cell::Int).unwrap_or(Cell::Empty);
        row.extend([
            Cell::Text(value_text(i, english)),
            int(i.numerator),
            int(i.denominator),
            i.target
                .map(|t| Cell::Text(t.to_owned()))
                .unwrap_or(Cell::Empty),
            match i.met {
                Some(m) => Cell::Text(labels::yes_no(m, english).to_owned()),
                None => Cell::Empty,
            },
            match &i.communities {
                Some(t) => Cell::Text(format!("{} / {}", t.met, t.of)),
                None => Cell::Empty,
            },
            match &i.communities {
                Some(t) => Cell::Text(
                    t.below
                        .iter()
                        .map(|u| u.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
                None => Cell::Empty,
            },
            Cell::Text(notes(i, english)),
            Cell::Text(i.clause.to_owned()),
        ]);
        rows.push(row);
    }
    let o = &r.operational;
    let figures: [(&str, Option<f64>); 6] = [
        ("visits", Some(o.visits as f64)),
        ("households_visited", Some(o.households_visited as f64)),
        ("requests_opened", Some(o.requests_opened as f64)),
        ("requests_answered", Some(o.requests_answered as f64)),
        ("mean_days_to_answer", o.mean_days_to_answer),
        ("approved_volunteer_hours", Some(o.approved_volunteer_hours)),
    ];
    for (key, value) in figures {
        let mut row = head(pick(key));
        row.push(Cell::Text(match value {
            None => if english { "no data" } else { "无数据" }.to_owned(),
            Some(v) => rounded(v),
        }));
        row.extend(std::iter::repeat_n(Cell::Empty, COLUMNS.len() - 6));
        rows.push(row);
    }
}

/// The report's rows: the unit first, then each unit below it.
pub fn rows(report: &Report, english: bool) -> Vec<Vec<Cell>> {
    let p = &report.period;
    let period = if english {
        format!(
            "{} ({} to {}, people as of {})",
            p.label, p.from, p.to, p.as_of
        )
    } else {
        format!(
            "{}（{} 至 {}，人数截至 {}）",
            p.label, p.from, p.to, p.as_of
        )
    };
    let mut out = Vec::new();
    unit_rows(&report.indicators, &period, english, &mut out);
    for child in &report.children {
        unit_rows(child, &period, english, &mut out);
    }
    out
}
