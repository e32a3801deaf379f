//! Exports for supervisors: households, residents, visits, volunteer hours and indicators as
//! CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese correctly) or XLSX,
//! scoped to the caller, in Chinese or English: headers, codes as words (`labels.rs`), units
//! and people by name (`export_words.rs`). What a file covers is `export_scope.rs`.

use rust_xlsxwriter::{Format, Workbook};
use sqlx::Row;

pub use crate::export_words::{Show, Words};
use crate::indicators::Report;
use crate::store::Store;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    /// A calendar date `YYYY-MM-DD` (a date cell in XLSX).
    Date(String),
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            // Rounded for reading: at most three decimals, no trailing zeros.
            Cell::Float(f) => {
                let t = format!("{f:.3}");
                t.trim_end_matches('0').trim_end_matches('.').to_owned()
            }
            Cell::Date(d) => d.clone(),
            Cell::Empty => String::new(),
        }
    }

    /// The cell as CSV text. Text a spreadsheet would take for a formula (starting with `=`,
    /// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP's "CSV
    /// Injection" page advises; numbers and dates are written as they are.
    pub fn csv_text(&self) -> String {
        match self {
            Cell::Text(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
            other => other.text(),
        }
    }
}

/// A table ready to write.
#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The datasets that can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    Households,
    Residents,
    Visits,
    VolunteerHours,
    Indicators,
}

impl Dataset {
    /// Parses the name used in URLs.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "households" => Dataset::Households,
            "residents" => Dataset::Residents,
            "visits" => Dataset::Visits,
            "volunteer-hours" => Dataset::VolunteerHours,
            "indicators" => Dataset::Indicators,
            _ => return None,
        })
    }

    /// Columns: Chinese header, English header, how the stored value is shown.
    fn columns(self) -> &'static [(&'static str, &'static str, Show)] {
        use Show::*;
        match self {
            Dataset::Households => &[
                ("文档编号", "document id", As),
                ("单位", "unit", Unit),
                ("组织代码", "org", As),
                ("地址", "address", As),
                ("户主", "head of household", As),
                ("标签", "tags", Tags),
                ("审核状态", "review status", Review),
                ("人数", "members", As),
            ],
            Dataset::Residents => &[
                ("文档编号", "document id", As),
                ("成员编号", "member id", As),
                ("单位", "unit", Unit),
                ("组织代码", "org", As),
                ("姓名", "name", As),
                ("性别", "gender", Gender),
                ("出生年份", "birth year", As),
                ("与户主关系", "relation", Relation),
                ("就业状况", "employment", Employment),
                ("健康档案", "health record", YesNo),
            ],
            Dataset::Visits => &[
                ("文档编号", "document id", As),
                ("走访编号", "visit id", As),
                ("单位", "unit", Unit),
                ("组织代码", "org", As),
                ("日期", "date", As),
                ("时间", "at", As),
                ("走访人", "by", Person),
                ("目的", "purpose", Purpose),
                ("需求", "needs", Needs),
                ("回访日期", "follow-up", As),
            ],
            Dataset::VolunteerHours => &[
                ("文档编号", "document id", As),
                ("记录编号", "entry id", As),
                ("单位", "unit", Unit),
                ("组织代码", "org", As),
                ("志愿者", "volunteer", Person),
                ("日期", "date", As),
                ("分钟", "minutes", As),
                ("活动", "activity", As),
                ("类别", "category", Activity),
                ("状态", "status", Entry),
            ],
            Dataset::Indicators => &[],
        }
    }

    /// Whether the dataset covers a period (visits and hours by their date, indicators); the
    /// others are registers as of today.
    pub fn dated(self) -> bool {
        matches!(
            self,
            Dataset::Visits | Dataset::VolunteerHours | Dataset::Indicators
        )
    }
}

/// What a table holds: a dataset at or under a unit, for visits and hours within dates.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    pub dataset: Dataset,
    /// The unit's org path.
    pub scope: &'a str,
    /// First and last day (both included); `None`: every day.
    pub dates: Option<(&'a str, &'a str)>,
}

/// A dataset's table as a file shows it: headers in the reader's language, codes as words,
/// units and people by name. `indicators` is the report of an `indicators` selection.
pub async fn table(
    store: &Store,
    selection: &Selection<'_>,
    words: &Words,
    indicators: Option<&Report>,
) -> Result<Table, sqlx::Error> {
    if selection.dataset == Dataset::Indicators {
        let pick = |(zh, en): &(&str, &str)| if words.english { *en } else { *zh }.to_owned();
        return Ok(Table {
            headers: crate::report_table::COLUMNS.iter().map(pick).collect(),
            rows: indicators
                .map(|r| crate::report_table::rows(r, words.english))
                .unwrap_or_default(),
        });
    }
    let columns = selection.dataset.columns();
    let rows = query_rows(store, selection, i64::MAX, 0).await?;
    Ok(Table {
        headers: columns
            .iter()
            .map(|(zh, en, _)| if words.english { *en } else { *zh }.to_owned())
            .collect(),
        rows: rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .zip(columns)
                    .map(|(cell, (_, _, show))| words.show(*show, cell))
                    .collect()
            })
            .collect(),
    })
}

/// One page of a dataset's rows as stored (codes, login names, org paths; English headers),
/// for `GET /api/records`: the unit-name columns are left out.
pub async fn page(
    store: &Store,
    selection: &Selection<'_>,
    limit: i64,
    offset: i64,
) -> Result<Table, sqlx::Error> {
    let columns = selection.dataset.columns();
    let keep: Vec<bool> = columns.iter().map(|(_, _, s)| *s != Show::Unit).collect();
    let rows = query_rows(store, selection, limit, offset).await?;
    Ok(Table {
        headers: columns
            .iter()
            .filter(|(_, _, s)| *s != Show::Unit)
            .map(|(_, en, _)| (*en).to_owned())
            .collect(),
        rows: rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(c, _)| c)
                    .collect()
            })
            .collect(),
    })
}

async fn query_rows(
    store: &Store,
    selection: &Selection<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Vec<Cell>>, sqlx::Error> {
    let scope = selection.scope;
    let (under, past) = crate::indicators::scope_bounds(scope);
    let in_scope = crate::indicators::in_scope("org");
    let dated = selection.dates.is_some()
        && matches!(selection.dataset, Dataset::Visits | Dataset::VolunteerHours);
    // The first and last day, `$6` and `$7`.
    let within = |col: &str| {
        if dated {
            format!(" AND {col} >= $6 AND {col} <= $7")
        } else {
            String::new()
        }
    };
    let (sql, kinds): (String, &[char]) = match selection.dataset {
        Dataset::Households => (
            format!("SELECT document_id, org, org, address, head_name, tags, review_status, member_count FROM p_households \
             WHERE {in_scope} AND merged_into IS NULL ORDER BY org, address"),
            &['t', 't', 't', 't', 't', 't', 'o', 'i'],
        ),
        Dataset::Residents => (
            format!("SELECT document_id, member_id, org, org, name, gender, birth_year, relation, employment, health_record FROM p_residents \
             WHERE {in_scope} ORDER BY org, document_id, member_id"),
            &['t', 't', 't', 't', 't', 't', 'j', 't', 't', 'i'],
        ),
        Dataset::Visits => (
            // `at` is the local time in the server's time zone (`--time-zone`), with its
            // offset: its first ten characters are the visit's local date.
            format!("SELECT document_id, visit_id, org, org, substr(at, 1, 10), at, by_user, purpose, needs, follow_up FROM p_visits \
             WHERE {in_scope}{} ORDER BY at, document_id", within("substr(at, 1, 10)")),
            &['t', 't', 't', 't', 'd', 't', 't', 't', 't', 'D'],
        ),
        Dataset::VolunteerHours => (
            format!("SELECT document_id, entry_id, org, org, user_name, date, minutes, activity, category, status FROM p_volunteer_entries \
             WHERE {in_scope}{} ORDER BY date, document_id, entry_id", within("date")),
            &['t', 't', 't', 't', 't', 'd', 'i', 't', 't', 't'],
        ),
        Dataset::Indicators => return Ok(Vec::new()),
    };
    let pool = store.pool();
    let sql = format!("{sql} LIMIT $4 OFFSET $5");
    let mut query = sqlx::query(&sql)
        .bind(scope)
        .bind(&under)
        .bind(&past)
        .bind(limit)
        .bind(offset);
    if let Some((from, to)) = selection.dates.filter(|_| dated) {
        query = query.bind(from.to_owned()).bind(to.to_owned());
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            kinds
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    Ok(match k {
                        't' => Cell::Text(r.try_get::<String, _>(i)?),
                        'o' => r
                            .try_get::<Option<String>, _>(i)?
                            .map(Cell::Text)
                            .unwrap_or(Cell::Empty),
                        'i' => Cell::Int(r.try_get::<i64, _>(i)?),
                        'd' => date_cell(Some(r.try_get::<String, _>(i)?)),
                        'D' => date_cell(r.try_get::<Option<String>, _>(i)?),
                        _ => r
                            .try_get::<Option<i64>, _>(i)?
                            .map(Cell::Int)
                            .unwrap_or(Cell::Empty),
                    })
                })
                .collect::<Result<Vec<Cell>, sqlx::Error>>()
        })
        .collect()
}

/// A date column's cell: a date when it reads as one, else the text as it is.
fn date_cell(value: Option<String>) -> Cell {
    match value {
        Some(d) if linli_sync_core::calendar::is_date(&d) => Cell::Date(d),
        Some(other) if !other.is_empty() => Cell::Text(other),
        _ => Cell::Empty,
    }
}

/// The table as CSV, UTF-8 with a byte-order mark.
pub fn to_csv(table: &Table) -> Vec<u8> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(&table.headers);
        for row in &table.rows {
            let _ = w.write_record(row.iter().map(Cell::csv_text));
        }
        let _ = w.flush();
    }
    out
}

/// Most characters an XLSX cell holds (Excel's limit; rust_xlsxwriter refuses more).
const XLSX_CELL_CHARS: usize = 32_767;

/// Text as an XLSX cell takes it: cut to Excel's limit, ending in "…" where it was cut, so
/// that stored data (from before the contract bounded text) never breaks an export.
fn xlsx_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().count() <= XLSX_CELL_CHARS {
        return s.into();
    }
    let mut cut: String = s.chars().take(XLSX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut.into()
}

/// The table as an XLSX workbook: the table's sheet, then `about` (a sheet name and rows of
/// two cells: what the file covers).
pub fn to_xlsx(
    table: &Table,
    sheet: &str,
    about: (&str, &[(String, String)]),
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let decimals = Format::new().set_num_format("0.0##");
    for (c, h) in table.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, xlsx_text(s).as_ref())?;
                }
                Cell::Int(i) => {
                    ws.write_number(r, c, *i as f64)?;
                }
                Cell::Float(f) => {
                    ws.write_number_with_format(r, c, *f, &decimals)?;
                }
                Cell::Date(d) => {
                    let day = rust_xlsxwriter::ExcelDateTime::parse_from_str(d)?;
                    ws.write_datetime_with_format(r, c, &day, &date)?;
                }
                Cell::Empty => {}
            }
        }
    }
    let (name, rows) = about;
    let ws = book.add_worksheet();
    ws.set_name(name)?;
    for (r, (key, value)) in rows.iter().enumerate() {
        ws.write_string_with_format(r as u32, 0, key, &bold)?;
        ws.write_string(r as u32, 1, xlsx_text(value).as_ref())?;
    }
    ws.set_column_width(0, 14)?;
    ws.set_column_width(1, 48)?;
    book.save_to_buffer()
}

impl Table {
    /// The rows as JSON objects keyed by the (English) headers in snake case.
    pub fn to_json(&self) -> serde_json::Value {
        let keys: Vec<String> = self
            .headers
            .iter()
            .map(|h| h.replace([' ', '-'], "_").replace('÷', "per"))
            .collect();
        serde_json::Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    let object = keys.iter().zip(row).map(|(k, c)| {
                        let v = match c {
                            Cell::Text(s) | Cell::Date(s) => serde_json::Value::String(s.clone()),
                            Cell::Int(i) => (*i).into(),
                            Cell::Float(f) => serde_json::Number::from_f64(*f)
                                .map(Into::into)
                                .unwrap_or_default(),
                            Cell::Empty => serde_json::Value::Null,
                        };
                        (k.clone(), v)
                    });
                    serde_json::Value::Object(object.collect())
                })
                .collect(),
        )
    }
}
