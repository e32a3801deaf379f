//! Tables people bring as files (registers, lists of users): a CSV (UTF-8, with or without a
//! byte-order mark, as Excel and WPS save it) or the first sheet of an XLSX, read into rows of
//! text cells; the first row is the header. Imports map the header's names to their fields.

use calamine::{Data, Reader};

/// The most rows a file may hold.
pub const MAX_ROWS: usize = 20_000;

/// Why a file could not be read as a table.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("the file is neither a CSV in UTF-8 nor an XLSX workbook: {0}")]
    Unreadable(String),
    #[error("the file has no rows")]
    Empty,
    #[error("the file has more than {MAX_ROWS} rows; split it")]
    TooLong,
}

/// A table: its header and its rows (each as long as it was written), with each row's number
/// as a spreadsheet shows it (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// Reads `bytes`: an XLSX (a zip: it starts with `PK`) or else a CSV.
    pub fn read(bytes: &[u8]) -> Result<Table, TableError> {
        let mut all = if bytes.starts_with(b"PK\x03\x04") {
            xlsx_rows(bytes)?
        } else {
            csv_rows(bytes)?
        };
        if all.is_empty() {
            return Err(TableError::Empty);
        }
        if all.len() > MAX_ROWS + 1 {
            return Err(TableError::TooLong);
        }
        let header = all
            .remove(0)
            .into_iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let rows = all
            .into_iter()
            .enumerate()
            .map(|(i, row)| (i + 2, row))
            .filter(|(_, row)| row.iter().any(|c| !c.trim().is_empty()))
            .collect();
        Ok(Table { header, rows })
    }

    /// The column whose header is one of `names` (compared trimmed, ignoring ASCII case).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    }

    /// A row's cell in `column`, trimmed (empty when the row is shorter or there is no such
    /// column).
    pub fn cell(row: &[String], column: Option<usize>) -> &str {
        column
            .and_then(|c| row.get(c))
            .map(|c| c.trim())
            .unwrap_or("")
    }
}

fn csv_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| TableError::Unreadable(e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| TableError::Unreadable(e.to_string()))?;
        rows.push(record.iter().map(str::to_owned).collect());
        if rows.len() > MAX_ROWS + 1 {
            return Err(TableError::TooLong);
        }
    }
    Ok(rows)
}

fn xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| TableError::Unreadable(e.to_string()))?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(TableError::Empty)?;
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| TableError::Unreadable(e.to_string()))?;
    if range.height() > MAX_ROWS + 1 {
        return Err(TableError::TooLong);
    }
    Ok(range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect())
}

/// A cell as text: whole numbers without a decimal point (a phone number or a year typed
/// into Excel is a float there).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_with_a_byte_order_mark_and_blank_lines() {
        let t = Table::read("\u{feff}登录名,角色\nwang,网格员\n,\nli,志愿者\n".as_bytes()).unwrap();
        assert_eq!(t.header, ["登录名", "角色"]);
        assert_eq!(
            t.rows,
            vec![
                (2, vec!["wang".to_owned(), "网格员".to_owned()]),
                (4, vec!["li".to_owned(), "志愿者".to_owned()])
            ]
        );
        assert_eq!(t.column(&["name", "登录名"]), Some(0));
        assert_eq!(
            Table::cell(&t.rows[0].1, t.column(&["role", "角色"])),
            "网格员"
        );
        assert_eq!(Table::cell(&t.rows[0].1, None), "");
    }

    #[test]
    fn an_xlsx_first_sheet_with_numbers_as_typed() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "姓名").unwrap();
        sheet.write_string(0, 1, "电话").unwrap();
        sheet.write_string(1, 0, "王芳").unwrap();
        sheet.write_number(1, 1, 13812345678.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let t = Table::read(&bytes).unwrap();
        assert_eq!(t.header, ["姓名", "电话"]);
        assert_eq!(
            t.rows,
            vec![(2, vec!["王芳".to_owned(), "13812345678".to_owned()])]
        );
    }

    #[test]
    fn what_is_not_a_table_says_so() {
        assert!(matches!(
            Table::read(b"\xff\xfe\x00"),
            Err(TableError::Unreadable(_))
        ));
        assert!(matches!(Table::read(b""), Err(TableError::Empty)));
        assert!(matches!(
            Table::read(b"PK\x03\x04broken"),
            Err(TableError::Unreadable(_))
        ));
    }
}
