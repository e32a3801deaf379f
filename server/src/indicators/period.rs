//! The period a report covers: a month, a quarter, a year or a range of dates. The screen, the
//! API and every export take the same period (docs/indicators.md, "One period everywhere").

use linli_sync_core::calendar::days_in_month;
use serde::Serialize;

/// A reporting period: events are counted from `from` to `to` (both included), people and
/// households as of `as_of` (the period's end, or today while the period is still running).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    /// `month`, `quarter`, `year` or `range`.
    pub kind: &'static str,
    /// As the caller named it: `2026-11`, `2026-Q4`, `2026`, or `2026-01-15..2026-03-31`.
    pub label: String,
    pub from: String,
    pub to: String,
    pub as_of: String,
}

/// Why a period could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("period is a month (2026-11), a quarter (2026-Q4), a year (2026), or from and to dates YYYY-MM-DD with from ≤ to")]
pub struct PeriodError;

fn year_of(s: &str) -> Result<i32, PeriodError> {
    let y: i32 = s.parse().map_err(|_| PeriodError)?;
    if s.len() == 4 && (1900..2200).contains(&y) {
        Ok(y)
    } else {
        Err(PeriodError)
    }
}

fn months(year: i32, first: u32, last: u32) -> (String, String) {
    (
        format!("{year:04}-{first:02}-01"),
        format!("{year:04}-{last:02}-{:02}", days_in_month(year, last)),
    )
}

impl Period {
    /// Reads `period` (`2026-11`, `2026-Q4`, `2026`) or, without it, `from` and `to`; with
    /// neither, the month of `today`. `today` (a local date) caps `as_of`.
    pub fn parse(
        period: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        today: &str,
    ) -> Result<Period, PeriodError> {
        let (kind, label, from, to) = match (period, from, to) {
            (Some(p), None, None) => {
                let p = p.trim();
                if let Some((y, q)) = p.split_once("-Q") {
                    let q: u32 = q.parse().map_err(|_| PeriodError)?;
                    if !(1..=4).contains(&q) {
                        return Err(PeriodError);
                    }
                    let (f, t) = months(year_of(y)?, q * 3 - 2, q * 3);
                    ("quarter", p.to_owned(), f, t)
                } else if let Some((y, m)) = p.split_once('-') {
                    let m: u32 = m.parse().map_err(|_| PeriodError)?;
                    if m.to_string().len() > 2 || !(1..=12).contains(&m) {
                        return Err(PeriodError);
                    }
                    let (f, t) = months(year_of(y)?, m, m);
                    ("month", p.to_owned(), f, t)
                } else {
                    let (f, t) = months(year_of(p)?, 1, 12);
                    ("year", p.to_owned(), f, t)
                }
            }
            (None, Some(f), Some(t)) => {
                let ok = |d: &str| linli_sync_core::calendar::is_date(d);
                if !ok(f) || !ok(t) || f > t {
                    return Err(PeriodError);
                }
                ("range", format!("{f}..{t}"), f.to_owned(), t.to_owned())
            }
            (None, None, None) => {
                let month = today.get(0..7).ok_or(PeriodError)?;
                return Period::parse(Some(month), None, None, today);
            }
            _ => return Err(PeriodError),
        };
        let as_of = if today < to.as_str() && today >= from.as_str() {
            today.to_owned()
        } else {
            to.clone()
        };
        Ok(Period {
            kind,
            label,
            from,
            to,
            as_of,
        })
    }

    /// The year of `as_of`, by which ages are reckoned.
    pub fn year(&self) -> i64 {
        self.as_of[..4].parse().unwrap_or(1970)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(period: &str) -> Period {
        Period::parse(Some(period), None, None, "2026-12-02").unwrap()
    }

    #[test]
    fn months_quarters_years_and_ranges() {
        let feb = p("2024-02");
        assert_eq!(
            (feb.from.as_str(), feb.to.as_str()),
            ("2024-02-01", "2024-02-29")
        );
        assert_eq!(feb.as_of, "2024-02-29");
        let q = p("2026-Q3");
        assert_eq!(
            (q.from.as_str(), q.to.as_str(), q.kind),
            ("2026-07-01", "2026-09-30", "quarter")
        );
        let y = p("2026");
        assert_eq!(
            (y.from.as_str(), y.to.as_str()),
            ("2026-01-01", "2026-12-31")
        );
        assert_eq!(
            y.as_of, "2026-12-02",
            "a running period is counted as of today"
        );
        let r = Period::parse(None, Some("2026-01-15"), Some("2026-03-31"), "2026-12-02").unwrap();
        assert_eq!((r.kind, r.as_of.as_str()), ("range", "2026-03-31"));
        let default = Period::parse(None, None, None, "2026-12-02").unwrap();
        assert_eq!(
            (default.from.as_str(), default.to.as_str()),
            ("2026-12-01", "2026-12-31")
        );
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in ["2026-13", "2026-Q5", "26", "2026-1-1", "x", "2026-Q", ""] {
            assert!(
                Period::parse(Some(bad), None, None, "2026-12-02").is_err(),
                "{bad}"
            );
        }
        assert!(Period::parse(None, Some("2026-03-01"), Some("2026-02-01"), "2026-12-02").is_err());
        assert!(Period::parse(Some("2026"), Some("2026-01-01"), None, "2026-12-02").is_err());
    }
}
