//! Wall-clock helpers: ISO 8601 timestamps and dates in UTC, as documents store them (the
//! calendar arithmetic is `linli_sync_core::calendar`; this adds the clock).

use crate::store::now_ms;

pub use linli_sync_core::calendar::iso_from_ms;

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    linli_sync_core::calendar::date_from_ms(now_ms())
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_now() -> String {
    iso_from_ms(now_ms())
}
