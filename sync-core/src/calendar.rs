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

/// Days since 1970-01-01 of the date a date or moment starts with (`2026-11-20`,
/// `2026-11-20T09:00:00+08:00`), when that is a date [`is_date`] accepts (Howard Hinnant's
/// `days_from_civil`, the inverse of [`date_from_days`]).
pub fn day_number(s: &str) -> Option<i64> {
    let d = s.get(..10).filter(|d| is_date(d))?;
    let (y, m, day): (i64, i64, i64) = (
        d[0..4].parse().ok()?,
        d[5..7].parse().ok()?,
        d[8..10].parse().ok()?,
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    Some(era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468)
}

/// Whole days from the date `from` starts with to the date `to` starts with (negative when
/// `to` is earlier); `None` when either is not a date.
pub fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(day_number(to)? - day_number(from)?)
}

/// The date `days` after the date `date` starts with (before it when negative); `None` when
/// `date` is not a date.
pub fn add_days(date: &str, days: i64) -> Option<String> {
    Some(date_from_days(day_number(date)? + days))
}

/// The number of days in `month` (1–12) of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
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

/// The time zone dates are shown and reported in when an org unit names none.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// A moment as documents write it (`2026-11-20T05:30:00Z`, `2026-11-20T13:30:00+08:00`, with
/// or without fractions of a second), as milliseconds since the epoch. A bare date is not a
/// moment.
pub fn timestamp_ms(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_millisecond())
        .filter(|ms| (MIN_MS..MAX_MS).contains(ms))
}

/// 1900-01-01T00:00:00Z and 2200-01-01T00:00:00Z: the years [`is_date`] accepts.
const MIN_MS: i64 = -2_208_988_800_000;
const MAX_MS: i64 = 7_258_118_400_000;

/// When a document's time field (a moment, or a bare date meaning that day) happened, as
/// milliseconds since the epoch (a bare date: its start in UTC).
pub fn when_ms(s: &str) -> Option<i64> {
    if is_date(s) {
        return s
            .parse::<jiff::civil::Date>()
            .ok()?
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    timestamp_ms(s)
}

/// The calendar date `YYYY-MM-DD` of a time field in time zone `zone` (an IANA name such as
/// `Asia/Shanghai`): a visit at 05:30 Beijing time (21:30Z the day before) is on the Beijing
/// date. A bare date stays as it is; `None` when `s` is neither or the zone is unknown.
pub fn local_date(s: &str, zone: &str) -> Option<String> {
    if is_date(s) {
        return Some(s.to_owned());
    }
    let ts: jiff::Timestamp = s.parse().ok()?;
    let tz = jiff::tz::TimeZone::get(zone).ok()?;
    Some(ts.to_zoned(tz).date().to_string())
}

/// A moment written as the local time in `zone` with its offset (`2026-11-19T21:30:00Z` in
/// Asia/Shanghai is `2026-11-20T05:30:00+08:00`), so that its first ten characters are the
/// local date; a bare date, or anything that does not read as a moment, stays as it is.
pub fn local_moment(s: &str, zone: &str) -> String {
    let Ok(ts) = s.parse::<jiff::Timestamp>() else {
        return s.to_owned();
    };
    let Ok(tz) = jiff::tz::TimeZone::get(zone) else {
        return s.to_owned();
    };
    let zoned = ts.to_zoned(tz);
    let offset = zoned.offset().seconds();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.abs();
    format!(
        "{}T{}{sign}{:02}:{:02}",
        zoned.date(),
        zoned.time().strftime("%H:%M:%S"),
        offset / 3600,
        offset % 3600 / 60
    )
}

/// True when `zone` is a time zone name this build knows.
pub fn is_time_zone(zone: &str) -> bool {
    jiff::tz::TimeZone::get(zone).is_ok()
}

/// The date in `zone` at `ms` milliseconds since the epoch.
pub fn local_date_at(ms: i64, zone: &str) -> Option<String> {
    let ts = jiff::Timestamp::from_millisecond(ms).ok()?;
    let tz = jiff::tz::TimeZone::get(zone).ok()?;
    Some(ts.to_zoned(tz).date().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_and_days_between() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2024-03-01"), Some(19_783));
        assert_eq!(
            date_from_days(day_number("2024-02-29").unwrap()),
            "2024-02-29"
        );
        assert_eq!(
            day_number("2026-11-20T09:00:00+08:00"),
            day_number("2026-11-20")
        );
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "1899-12-31",
            "20261120",
            "",
            "2026-1-01",
        ] {
            assert_eq!(day_number(bad), None, "{bad}");
        }
        assert_eq!(days_between("2026-03-01", "2026-08-15"), Some(167));
        assert_eq!(days_between("2026-08-15", "2026-03-01"), Some(-167));
        assert_eq!(
            days_between("2026-07-02T09:00:00+08:00", "2026-07-10"),
            Some(8)
        );
        assert_eq!(days_between("x", "2026-07-10"), None);
        assert_eq!(
            (
                days_in_month(2024, 2),
                days_in_month(2026, 2),
                days_in_month(1900, 2)
            ),
            (29, 28, 28)
        );
        assert_eq!(
            (
                days_in_month(2000, 2),
                days_in_month(2026, 4),
                days_in_month(2026, 12)
            ),
            (29, 30, 31)
        );
    }

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
    fn moments_and_local_dates() {
        assert_eq!(timestamp_ms("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(timestamp_ms("1970-01-01T08:00:01+08:00"), Some(1000));
        assert_eq!(
            timestamp_ms("2026-11-20T05:30:00.250Z"),
            Some(1_795_152_600_250)
        );
        assert_eq!(timestamp_ms("2026-11-20"), None);
        assert_eq!(timestamp_ms("not-a-date"), None);
        assert_eq!(timestamp_ms("1800-01-01T00:00:00Z"), None);
        assert_eq!(when_ms("1970-01-02"), Some(86_400_000));
        // 05:30 in Beijing is 21:30 UTC the day before.
        assert_eq!(
            local_date("2026-11-19T21:30:00Z", DEFAULT_TIME_ZONE).as_deref(),
            Some("2026-11-20")
        );
        assert_eq!(
            local_date("2026-11-19T21:30:00Z", "UTC").as_deref(),
            Some("2026-11-19")
        );
        assert_eq!(
            local_date("2026-11-19", DEFAULT_TIME_ZONE).as_deref(),
            Some("2026-11-19")
        );
        assert_eq!(local_date("2026-11-19T21:30:00Z", "Mars/Base"), None);
        assert_eq!(
            local_moment("2026-11-19T21:30:00Z", DEFAULT_TIME_ZONE),
            "2026-11-20T05:30:00+08:00"
        );
        assert_eq!(
            local_moment("2026-11-19T21:30:00.5Z", "America/New_York"),
            "2026-11-19T16:30:00-05:00"
        );
        assert_eq!(local_moment("2026-11-19", DEFAULT_TIME_ZONE), "2026-11-19");
        assert_eq!(local_moment("soon", DEFAULT_TIME_ZONE), "soon");
        assert!(is_time_zone(DEFAULT_TIME_ZONE) && !is_time_zone("Mars/Base"));
        assert_eq!(
            local_date_at(1_795_123_800_000, DEFAULT_TIME_ZONE).as_deref(),
            Some("2026-11-20")
        );
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
