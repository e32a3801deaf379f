//! Wall-clock helpers: ISO 8601 timestamps and dates in UTC, as documents store them.

use crate::store::now_ms;

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    civil_from_days(now_ms().div_euclid(86_400_000))
}

/// A timestamp (milliseconds since the epoch) as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_from_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        civil_from_days(days),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_now() -> String {
    iso_from_ms(now_ms())
}

/// Converts days since 1970-01-01 to a calendar date (Howard Hinnant's `civil_from_days`
/// algorithm, from his "chrono-Compatible Low-Level Date Algorithms").
fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::{civil_from_days, iso_from_ms};

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_418), "2025-11-26");
        assert_eq!(civil_from_days(11_016), "2000-02-29");
    }

    #[test]
    fn iso_timestamps() {
        assert_eq!(iso_from_ms(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_from_ms(1_764_159_301_999), "2025-11-26T12:15:01Z");
    }
}
