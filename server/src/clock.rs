//! Wall-clock helpers: ISO 8601 timestamps and dates in UTC, as documents store them (the
//! calendar arithmetic is `linli_sync_core::calendar`; this adds the clock).

pub use linli_sync_core::calendar::iso_from_ms;

/// Milliseconds since the Unix epoch (the `*_at` columns, token expiry).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    linli_sync_core::calendar::date_from_ms(now_ms())
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_now() -> String {
    iso_from_ms(now_ms())
}
