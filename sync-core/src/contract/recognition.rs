//! Star levels of volunteers by approved hours of service: 《志愿服务记录办法》
//! (民函〔2012〕340号) recognises volunteers whose approved hours reach 100, 300, 600, 1,000
//! and 1,500 as one- to five-star volunteers (docs/volunteers.md). Shared by the server's
//! lists and the field client; the web app states the same thresholds.

/// Approved hours at which each star level (one to five) begins.
pub const STAR_HOURS: [i64; 5] = [100, 300, 600, 1000, 1500];

/// The star level (0 to 5) of `approved_minutes` of service.
pub fn stars(approved_minutes: i64) -> u8 {
    STAR_HOURS
        .iter()
        .take_while(|h| approved_minutes >= *h * 60)
        .count() as u8
}

/// The hours at which the next star level begins, `None` at five stars.
pub fn next_star_hours(approved_minutes: i64) -> Option<i64> {
    STAR_HOURS
        .get(usize::from(stars(approved_minutes)))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_begin_at_the_thresholds() {
        assert_eq!(stars(0), 0);
        assert_eq!(stars(100 * 60 - 1), 0);
        assert_eq!(stars(100 * 60), 1);
        assert_eq!(stars(299 * 60), 1);
        assert_eq!(stars(300 * 60), 2);
        assert_eq!(stars(1000 * 60), 4);
        assert_eq!(stars(1500 * 60), 5);
        assert_eq!(stars(9999 * 60), 5);
        assert_eq!(next_star_hours(0), Some(100));
        assert_eq!(next_star_hours(650 * 60), Some(1000));
        assert_eq!(next_star_hours(1500 * 60), None);
    }
}
