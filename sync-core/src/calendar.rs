//! Calendar arithmetic for the ISO 8601 strings documents store. Pure: the caller passes the
//! time (milliseconds since the Unix epoch, UTC), so this is no clock.

/// A timestamp (milliseconds since the epoch) as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_from_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date_from_days(days),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The date (UTC) of a timestamp in milliseconds since the epoch, as `YYYY-MM-DD`.
pub fn date_from_ms(ms: i64) -> String {
    date_from_days(ms.div_euclid(86_400_000))
}

/// Converts days since 1970-01-01 to a calendar date `YYYY-MM-DD` (Howard Hinnant's
/// `civil_from_days` algorithm, from his "chrono-Compatible Low-Level Date Algorithms").
pub fn date_from_days(z: i64) -> String {
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

/// True when `s` is a real calendar date written `YYYY-MM-DD` (years 1900–2199).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..2200).contains(&y) && (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(date_from_days(0), "1970-01-01");
        assert_eq!(date_from_days(20_418), "2025-11-26");
        assert_eq!(date_from_days(11_016), "2000-02-29");
    }

    #[test]
    fn iso_timestamps() {
        assert_eq!(iso_from_ms(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_from_ms(1_764_159_301_999), "2025-11-26T12:15:01Z");
        assert_eq!(date_from_ms(1_764_159_301_999), "2025-11-26");
    }

    #[test]
    fn dates() {
        assert!(is_date("2026-11-20"));
        assert!(is_date("2000-02-29"));
        assert!(!is_date("1900-02-29"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("2026-04-31"));
        assert!(!is_date("2026-1-01"));
        assert!(!is_date("20261101xx"));
        assert!(!is_date("+026-11-01"));
    }
}
