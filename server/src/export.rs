//! Exports for supervisors: households, residents, visits, volunteer hours and indicators as
//! CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese correctly) or XLSX,
//! scoped to the caller, with column headers in Chinese or English.

use rust_xlsxwriter::{Format, Workbook};
use sqlx::Row;

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
            Cell::Float(f) => format!("{f}"),
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

    /// Column headers: (Chinese, English).
    fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Dataset::Households => &[
                ("文档编号", "document id"),
                ("组织", "org"),
                ("地址", "address"),
                ("户主", "head of household"),
                ("标签", "tags"),
                ("审核状态", "review status"),
                ("人数", "members"),
            ],
            Dataset::Residents => &[
                ("文档编号", "document id"),
                ("成员编号", "member id"),
                ("组织", "org"),
                ("姓名", "name"),
                ("性别", "gender"),
                ("出生年份", "birth year"),
                ("与户主关系", "relation"),
                ("就业状况", "employment"),
                ("健康档案", "health record"),
            ],
            Dataset::Visits => &[
                ("文档编号", "document id"),
                ("走访编号", "visit id"),
                ("组织", "org"),
                ("日期", "date"),
                ("时间", "at"),
                ("走访人", "by"),
                ("目的", "purpose"),
                ("需求", "needs"),
                ("回访日期", "follow-up"),
            ],
            Dataset::VolunteerHours => &[
                ("文档编号", "document id"),
                ("记录编号", "entry id"),
                ("组织", "org"),
                ("志愿者", "volunteer"),
                ("日期", "date"),
                ("分钟", "minutes"),
                ("活动", "activity"),
                ("类别", "category"),
                ("状态", "status"),
            ],
            Dataset::Indicators => crate::report_table::COLUMNS,
        }
    }
}

/// Builds a dataset's table for everything at or under `scope`.
pub async fn table(
    store: &Store,
    dataset: Dataset,
    scope: &str,
    english: bool,
    indicators: Option<&Report>,
) -> Result<Table, sqlx::Error> {
    page(store, dataset, scope, english, indicators, i64::MAX, 0).await
}

/// Like [`table`], one page of rows.
pub async fn page(
    store: &Store,
    dataset: Dataset,
    scope: &str,
    english: bool,
    indicators: Option<&Report>,
    limit: i64,
    offset: i64,
) -> Result<Table, sqlx::Error> {
    let headers = dataset
        .columns()
        .iter()
        .map(|(zh, en)| if english { *en } else { *zh }.to_owned())
        .collect();
    let rows = match dataset {
        Dataset::Indicators => indicators
            .map(|r| crate::report_table::rows(r, english))
            .unwrap_or_default(),
        _ => query_rows(store, dataset, scope, limit, offset).await?,
    };
    Ok(Table { headers, rows })
}

async fn query_rows(
    store: &Store,
    dataset: Dataset,
    scope: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Vec<Cell>>, sqlx::Error> {
    let (under, past) = crate::indicators::scope_bounds(scope);
    let (sql, kinds): (&str, &[char]) = match dataset {
        Dataset::Households => (
            &format!("SELECT document_id, org, address, head_name, tags, review_status, member_count FROM p_households \
             WHERE {} AND merged_into IS NULL ORDER BY org, address", crate::indicators::in_scope("org")),
            &['t', 't', 't', 't', 't', 'o', 'i'],
        ),
        Dataset::Residents => (
            &format!("SELECT document_id, member_id, org, name, gender, birth_year, relation, employment, health_record FROM p_residents \
             WHERE {} ORDER BY org, document_id, member_id", crate::indicators::in_scope("org")),
            &['t', 't', 't', 't', 't', 'j', 't', 't', 'i'],
        ),
        Dataset::Visits => (
            // `at` is the local time in the server's time zone (`--time-zone`), with its
            // offset: its first ten characters are the visit's local date.
            &format!("SELECT document_id, visit_id, org, substr(at, 1, 10), at, by_user, purpose, needs, follow_up FROM p_visits \
             WHERE {} ORDER BY at, document_id", crate::indicators::in_scope("org")),
            &['t', 't', 't', 'd', 't', 't', 't', 't', 'D'],
        ),
        Dataset::VolunteerHours => (
            &format!("SELECT document_id, entry_id, org, user_name, date, minutes, activity, category, status FROM p_volunteer_entries \
             WHERE {} ORDER BY date, document_id, entry_id", crate::indicators::in_scope("org")),
            &['t', 't', 't', 't', 'd', 'i', 't', 't', 't'],
        ),
        Dataset::Indicators => return Ok(Vec::new()),
    };
    let pool = store.pool();
    let sql = format!("{sql} LIMIT $4 OFFSET $5");
    let rows = sqlx::query(&sql)
        .bind(scope)
        .bind(&under)
        .bind(&past)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await?;
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

/// The table as an XLSX workbook with one sheet.
pub fn to_xlsx(table: &Table, sheet: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
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
                    ws.write_number(r, c, *f)?;
                }
                Cell::Date(d) => {
                    let day = rust_xlsxwriter::ExcelDateTime::parse_from_str(d)?;
                    ws.write_datetime_with_format(r, c, &day, &date)?;
                }
                Cell::Empty => {}
            }
        }
    }
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
