//! Volunteers and their approved hours in the columns a community's supervisor types into the
//! national volunteer information system (全国志愿服务信息系统, chinavolunteer.mca.gov.cn)
//! when registering volunteers and recording their service (issue #20):
//! `GET /api/volunteers/export/registry` (志愿者名册) and `GET /api/volunteers/export/hours`
//! (志愿服务时长), as CSV or XLSX (`export.rs` writes both).
//!
//! The system's own batch-import templates are downloaded from inside an organisation's
//! account and are not published, so the columns below follow what the national rules say a
//! volunteer's registration and a service record hold (docs/volunteers.md, "Exports"): each
//! column names the rule asking for its data, and the header words are ours. They are one
//! table per file ([`REGISTRY`], [`HOURS`]), so that a supervisor who finds the template
//! differs can have them corrected in one place.
//!
//! ID numbers: whole only for supervisors whose unit holds the volunteer's community (those
//! who approve the sign-up and register the volunteer), masked for admins, as for the
//! sign-ups themselves (`volunteer_signup_api.rs`). Each export is audited (`export`).

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use linli_sync_core::access::{Principal, Role};
use linli_sync_core::contract::OrgPath;
use serde::Deserialize;

use crate::auth::extract::Reviewer;
use crate::error::AppError;
use crate::export::{Cell, Table};
use crate::export_words::Words;
use crate::indicators::Period;
use crate::review_api::{today, unit_of};
use crate::volunteer_signup::mask_id;
use crate::AppState;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    /// The kind of ID document, in words ([`ID_TYPE_WORDS`]).
    IdType,
    /// Whole or masked, as the reader may see it.
    IdNumber,
    Phone,
    /// The community's number for the volunteer (`V2026000001`), not the national system's.
    VolunteerNumber,
    Skills,
    /// The times offered, in words ([`AVAILABILITY_WORDS`]).
    Availability,
    /// The volunteer's community, by name.
    Community,
    /// The day their sign-up was approved.
    RegisteredOn,
    ServiceDate,
    /// What was done: the activity logged.
    Content,
    /// The activity's category, in words.
    Category,
    /// Approved minutes of the day and activity, as hours (two decimals).
    Hours,
    /// The unit that recorded the service (谁记录谁证明), by name.
    RecordedBy,
}

/// One column of an export: its header, what it holds, and the rule that asks for that
/// data (`None`: nothing we found asks for it; it is there because registering needs it).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub field: Field,
    pub source: Option<&'static str>,
}

const RULE_2015: &str = "民发〔2015〕149号";
const REGULATION: &str = "《志愿服务条例》第七条";
const RECORD_RULE: &str = "《志愿服务记录与证明出具办法（试行）》";

/// The registry (志愿者名册): one row per registered volunteer.
pub const REGISTRY: &[Column] = &[
    Column {
        header: "姓名",
        field: Field::Name,
        source: Some(RULE_2015),
    },
    Column {
        header: "证件类型",
        field: Field::IdType,
        source: Some(RULE_2015),
    },
    Column {
        header: "证件号码",
        field: Field::IdNumber,
        source: Some(RULE_2015),
    },
    Column {
        header: "手机号码",
        field: Field::Phone,
        source: Some(REGULATION),
    },
    Column {
        header: "志愿者编号",
        field: Field::VolunteerNumber,
        source: Some(RULE_2015),
    },
    Column {
        header: "服务技能",
        field: Field::Skills,
        source: Some(REGULATION),
    },
    Column {
        header: "服务时间",
        field: Field::Availability,
        source: Some(REGULATION),
    },
    Column {
        header: "所属社区",
        field: Field::Community,
        source: None,
    },
    Column {
        header: "注册日期",
        field: Field::RegisteredOn,
        source: None,
    },
];

/// The hours (志愿服务时长): one row per volunteer, day and activity, approved service only.
pub const HOURS: &[Column] = &[
    Column {
        header: "姓名",
        field: Field::Name,
        source: Some(RULE_2015),
    },
    Column {
        header: "证件类型",
        field: Field::IdType,
        source: Some(RULE_2015),
    },
    Column {
        header: "证件号码",
        field: Field::IdNumber,
        source: Some(RULE_2015),
    },
    Column {
        header: "志愿者编号",
        field: Field::VolunteerNumber,
        source: Some(RULE_2015),
    },
    Column {
        header: "服务日期",
        field: Field::ServiceDate,
        source: Some(RULE_2015),
    },
    Column {
        header: "服务内容",
        field: Field::Content,
        source: Some(RULE_2015),
    },
    Column {
        header: "服务类别",
        field: Field::Category,
        source: None,
    },
    Column {
        header: "服务时长（小时）",
        field: Field::Hours,
        source: Some(RECORD_RULE),
    },
    Column {
        header: "记录单位",
        field: Field::RecordedBy,
        source: Some(RULE_2015),
    },
];

/// The ID document kinds (`volunteer_signup::ID_TYPES`) in the national system's words.
pub const ID_TYPE_WORDS: &[(&str, &str)] = &[
    ("resident_id", "居民身份证"),
    ("hk_macao_permit", "港澳居民来往内地通行证"),
    ("taiwan_permit", "台湾居民来往大陆通行证"),
    ("passport", "护照"),
    ("foreign_permanent", "外国人永久居留身份证"),
];

/// The times offered (`volunteer_signup::AVAILABILITY`) as the web app words them.
pub const AVAILABILITY_WORDS: &[(&str, &str)] = &[
    ("weekday", "工作日"),
    ("weekend", "周末"),
    ("evening", "晚上"),
    ("any", "时间灵活"),
];

fn word<'a>(table: &[(&str, &'static str)], code: &'a str) -> &'a str {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, w)| *w)
}

/// Minutes as hours, rounded to two decimals.
fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

/// Whether `who` reads the ID numbers of `community`'s volunteers whole: its supervisors (the
/// rule of `volunteer_signup_api::reads_id_whole`).
fn reads_id_whole(who: &Principal, community: &str) -> bool {
    who.role == Role::Supervisor && OrgPath::parse(community).is_ok_and(|c| who.org.contains(&c))
}

/// Everything a row may show; each column picks its field.
#[derive(Default)]
struct Facts {
    name: String,
    id_type: String,
    id_number: String,
    phone: String,
    volunteer_number: String,
    skills: Vec<String>,
    availability: Vec<String>,
    community: String,
    registered_on: Option<String>,
    date: Option<String>,
    content: String,
    category: String,
    minutes: Option<i64>,
    recorded_by: String,
}

fn text(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_owned())
    }
}

fn date(d: Option<&str>) -> Cell {
    match d {
        Some(d) if linli_sync_core::calendar::is_date(d) => Cell::Date(d.to_owned()),
        Some(d) => text(d),
        None => Cell::Empty,
    }
}

impl Facts {
    fn cell(&self, field: Field) -> Cell {
        match field {
            Field::Name => text(&self.name),
            Field::IdType => text(word(ID_TYPE_WORDS, &self.id_type)),
            Field::IdNumber => text(&self.id_number),
            Field::Phone => text(&self.phone),
            Field::VolunteerNumber => text(&self.volunteer_number),
            Field::Skills => text(&self.skills.join("、")),
            Field::Availability => text(
                &self
                    .availability
                    .iter()
                    .map(|a| word(AVAILABILITY_WORDS, a))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            Field::Community => text(&self.community),
            Field::RegisteredOn => date(self.registered_on.as_deref()),
            Field::ServiceDate => date(self.date.as_deref()),
            Field::Content => text(&self.content),
            Field::Category => text(&self.category),
            Field::Hours => self.minutes.map_or(Cell::Empty, |m| Cell::Float(hours(m))),
            Field::RecordedBy => text(&self.recorded_by),
        }
    }
}

fn table(columns: &[Column], rows: impl Iterator<Item = Facts>) -> Table {
    Table {
        headers: columns.iter().map(|c| c.header.to_owned()).collect(),
        rows: rows
            .map(|f| columns.iter().map(|c| f.cell(c.field)).collect())
            .collect(),
    }
}

/// What an export is asked for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// `xlsx` (default) or `csv` (UTF-8 with a byte-order mark).
    pub format: Option<String>,
    /// A unit within the caller's (default: the caller's unit).
    pub org: Option<String>,
}

/// The period of the hours: `period` (`2026-11`, `2026-Q4`, `2026`) or `from` and `to`
/// (default: this month).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HoursQuery {
    pub format: Option<String>,
    pub org: Option<String>,
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `csv` or `xlsx`.
fn format_of(format: Option<&str>) -> Result<&'static str, AppError> {
    match format.unwrap_or("xlsx") {
        "xlsx" => Ok("xlsx"),
        "csv" => Ok("csv"),
        _ => Err(AppError::BadRequest("format is xlsx or csv".into())),
    }
}

/// A file's name and what it covers.
struct File<'a> {
    /// `volunteer-registry` or `volunteer-hours`.
    code: &'a str,
    /// 志愿者名册 or 志愿服务时长.
    title: &'a str,
    org: &'a str,
    unit: &'a str,
    /// `截至2026-11-26`, `2026-11`, `2025-01-01至2025-12-31`, and the ASCII of it.
    period: String,
    ascii_period: String,
    /// The rows of the XLSX's second sheet (说明).
    about: Vec<(String, String)>,
}

impl File<'_> {
    /// `attachment; filename="volunteer-hours-c01-s01-m01-2026-11.csv";
    /// filename*=UTF-8''志愿服务时长-幸福社区-2026-11.csv` (percent-encoded).
    fn content_disposition(&self, extension: &str) -> String {
        let ascii: String = format!(
            "{}-{}-{}.{extension}",
            self.code,
            self.org.replace('/', "-"),
            self.ascii_period
        )
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
        let name: String = format!("{}-{}-{}.{extension}", self.title, self.unit, self.period)
            .chars()
            .map(|c| {
                if c.is_control() || "/\\:*?\"<>|".contains(c) {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        format!(
            "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
            crate::export_scope::rfc5987(&name)
        )
    }

    /// The file as CSV or XLSX, with its headers; audited as `who`'s export.
    async fn send(
        self,
        app: &AppState,
        who: &Principal,
        table: &Table,
        format: &str,
    ) -> Result<axum::response::Response, AppError> {
        let (bytes, content_type) = if format == "csv" {
            (crate::export::to_csv(table), "text/csv; charset=utf-8")
        } else {
            (
                crate::export::to_xlsx(table, self.title, ("说明", &self.about))
                    .map_err(|e| AppError::BadRequest(e.to_string()))?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        };
        app.store
            .audit(
                Some(&who.user),
                "export",
                Some(&format!("{}.{format}", self.code)),
                Some(&format!("{} {}", self.org, self.ascii_period)),
                None,
            )
            .await?;
        Ok((
            [
                (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    self.content_disposition(format),
                ),
            ],
            bytes,
        )
            .into_response())
    }
}

/// Which rule asks for each column's data, as the About sheet says it:
/// `姓名、证件类型：民发〔2015〕149号；所属社区：无（推定）`.
fn sources(columns: &[Column]) -> String {
    let mut by_source: Vec<(&str, Vec<&str>)> = Vec::new();
    for c in columns {
        let source = c.source.unwrap_or("无（推定）");
        match by_source.iter_mut().find(|(s, _)| *s == source) {
            Some((_, headers)) => headers.push(c.header),
            None => by_source.push((source, vec![c.header])),
        }
    }
    by_source
        .iter()
        .map(|(source, headers)| format!("{}：{source}", headers.join("、")))
        .collect::<Vec<_>>()
        .join("；")
}

/// The About sheet's rows every export has.
fn about(
    app: &AppState,
    who: &Principal,
    columns: &[Column],
    title: &str,
    unit: &str,
    org: &str,
    period: (&str, String),
) -> Vec<(String, String)> {
    let zone = &app.hub.settings().time_zone;
    let generated = linli_sync_core::calendar::local_moment(&crate::clock::iso_now(), zone)
        .replacen('T', " ", 1);
    let ids = if who.role == Role::Supervisor {
        "本社区志愿者的证件号码完整"
    } else {
        "证件号码已遮蔽（完整号码仅志愿者所在社区的主管可导出）"
    };
    vec![
        ("数据".into(), title.into()),
        ("单位".into(), unit.into()),
        ("组织代码".into(), org.into()),
        (period.0.into(), period.1),
        (
            "格式".into(),
            "按全国志愿服务信息系统登记与时长录入所需信息整理；列名为推定，见 docs/volunteers.md"
                .into(),
        ),
        ("列的依据".into(), sources(columns)),
        ("证件号码".into(), ids.into()),
        ("生成时间".into(), generated),
    ]
}

/// `GET /api/volunteers/export/registry?format=xlsx|csv&org=` (supervisors and admins, their
/// unit): the registered volunteers in the registry's columns ([`REGISTRY`]).
#[utoipa::path(get, path = "/api/volunteers/export/registry", tag = "volunteers", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, description = "the file (志愿者名册); Content-Disposition names unit and day"), (status = 400), (status = 403), (status = 404, description = "a unit outside the caller's")))]
pub async fn registry(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Query(q): Query<ExportQuery>,
) -> Result<axum::response::Response, AppError> {
    let format = format_of(q.format.as_deref())?;
    let org = unit_of(&who, q.org.as_deref())?;
    let store = &app.store;
    let rows = store.registered_volunteers(org.as_str()).await?;
    let words = Words::load(store, org.as_str(), false).await?;
    let zone = app.hub.settings().time_zone.clone();
    let facts = rows.into_iter().map(|r| Facts {
        id_number: if reads_id_whole(&who, &r.community) {
            r.id_number
        } else {
            mask_id(&r.id_number)
        },
        community: words.unit_name(&r.community).to_owned(),
        registered_on: r
            .approved_at
            .and_then(|ms| linli_sync_core::calendar::local_date_at(ms, &zone)),
        name: r.name,
        id_type: r.id_type,
        phone: r.phone,
        volunteer_number: r.volunteer_number,
        skills: r.skills,
        availability: r.availability,
        ..Facts::default()
    });
    let table = table(REGISTRY, facts);
    let today = today(&app);
    let unit = words.unit_name(org.as_str());
    let title = "志愿者名册";
    File {
        code: "volunteer-registry",
        title,
        org: org.as_str(),
        unit,
        period: format!("截至{today}"),
        ascii_period: format!("as-of-{today}"),
        about: about(
            &app,
            &who,
            REGISTRY,
            title,
            unit,
            org.as_str(),
            ("名册日期", format!("截至 {today}")),
        ),
    }
    .send(&app, &who, &table, format)
    .await
}

/// `GET /api/volunteers/export/hours?from=&to=&format=xlsx|csv&org=` (or `period=`;
/// supervisors and admins, their unit): the approved service recorded in the unit, per
/// volunteer, day and activity, in the hours' columns ([`HOURS`]).
#[utoipa::path(get, path = "/api/volunteers/export/hours", tag = "volunteers", params(HoursQuery), security(("bearer" = [])),
    responses((status = 200, description = "the file (志愿服务时长); Content-Disposition names unit and period"), (status = 400, description = "a malformed period or format"), (status = 403), (status = 404, description = "a unit outside the caller's")))]
pub async fn hours_file(
    State(app): State<AppState>,
    Reviewer(who): Reviewer,
    Query(q): Query<HoursQuery>,
) -> Result<axum::response::Response, AppError> {
    let format = format_of(q.format.as_deref())?;
    let org = unit_of(&who, q.org.as_deref())?;
    let today = today(&app);
    let period = Period::parse(
        q.period.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
        &today,
    )
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let store = &app.store;
    let rows = store
        .registered_service(org.as_str(), &period.from, &period.to)
        .await?;
    let words = Words::load(store, org.as_str(), false).await?;
    let facts = rows.into_iter().map(|r| Facts {
        id_number: if reads_id_whole(&who, &r.community) {
            r.id_number
        } else {
            mask_id(&r.id_number)
        },
        category: crate::labels::word(crate::labels::Code::Activity, &r.category, false)
            .into_owned(),
        recorded_by: words
            .unit_name(crate::store::indicator_versions::kept_unit(&r.recorded_in))
            .to_owned(),
        minutes: Some(r.minutes),
        date: Some(r.date),
        content: r.activity,
        name: r.name,
        id_type: r.id_type,
        volunteer_number: r.volunteer_number,
        ..Facts::default()
    });
    let table = table(HOURS, facts);
    let unit = words.unit_name(org.as_str());
    let title = "志愿服务时长";
    let (shown, ascii) = if period.kind == "range" {
        (
            format!("{}至{}", period.from, period.to),
            format!("{}_{}", period.from, period.to),
        )
    } else {
        (period.label.clone(), period.label.clone())
    };
    File {
        code: "volunteer-hours",
        title,
        org: org.as_str(),
        unit,
        period: shown,
        ascii_period: ascii,
        about: about(
            &app,
            &who,
            HOURS,
            title,
            unit,
            org.as_str(),
            (
                "期间",
                if period.kind == "range" {
                    format!("{} 至 {}", period.from, period.to)
                } else {
                    format!("{}（{} 至 {}）", period.label, period.from, period.to)
                },
            ),
        ),
    }
    .send(&app, &who, &table, format)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_words() {
        let headers = |c: &[Column]| c.iter().map(|c| c.header).collect::<Vec<_>>();
        assert_eq!(
            headers(REGISTRY),
            [
                "姓名",
                "证件类型",
                "证件号码",
                "手机号码",
                "志愿者编号",
                "服务技能",
                "服务时间",
                "所属社区",
                "注册日期"
            ]
        );
        assert_eq!(headers(HOURS)[7], "服务时长（小时）");
        for (code, _) in ID_TYPE_WORDS {
            assert!(crate::volunteer_signup::ID_TYPES.contains(code), "{code}");
        }
        assert_eq!(ID_TYPE_WORDS.len(), crate::volunteer_signup::ID_TYPES.len());
        for (code, _) in AVAILABILITY_WORDS {
            assert!(
                crate::volunteer_signup::AVAILABILITY.contains(code),
                "{code}"
            );
        }
        assert_eq!(word(ID_TYPE_WORDS, "passport"), "护照");
        assert_eq!(word(ID_TYPE_WORDS, "other"), "other");
        assert_eq!(hours(90), 1.5);
        assert_eq!(hours(20), 0.33);
        assert_eq!(hours(45), 0.75);
        assert_eq!(
            sources(&REGISTRY[..4]),
            "姓名、证件类型、证件号码：民发〔2015〕149号；手机号码：《志愿服务条例》第七条"
        );
    }
}
