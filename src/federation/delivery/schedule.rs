//! When a failed delivery is tried again: exponential backoff with jitter, `Retry-After`, and the
//! retry budget.

use std::time::SystemTime;

/// The pause after the first failed attempt.
pub const FIRST_DELAY_SECONDS: f64 = 60.0;
/// Pauses stop doubling here, so a long outage is still probed a few times a day.
pub const MAX_DELAY_SECONDS: f64 = 6.0 * 3600.0;
/// A `Retry-After` further out than this is read as this (a typo must not park a row for a year).
const MAX_RETRY_AFTER_SECONDS: f64 = 24.0 * 3600.0;

/// The pause after failed attempt number `attempt` (1 for the first), before jitter.
pub fn base_delay(attempt: i32) -> f64 {
    let doublings = attempt.saturating_sub(1).clamp(0, 30);
    (FIRST_DELAY_SECONDS * 2f64.powi(doublings)).min(MAX_DELAY_SECONDS)
}

/// Whether a delivery whose attempt number `attempt` just failed has used up `budget_hours`:
/// the pauses so far and the next one would add up to more than the budget.
pub fn out_of_budget(attempt: i32, budget_hours: u32) -> bool {
    let waited: f64 = (1..=attempt.max(1)).map(base_delay).sum();
    waited > f64::from(budget_hours) * 3600.0
}

/// `delay` spread by ±20%, so the deliveries of a host that was down do not all return at once.
pub fn jittered(delay: f64) -> f64 {
    let mut bytes = [0u8; 4];
    // Without randomness the schedule is merely regular, which is still correct.
    let unit = match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
        Err(_) => 0.5,
    };
    delay * (0.8 + 0.4 * unit)
}

/// Seconds from `now` that a `Retry-After` value asks for: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<f64> {
    let value = value.trim();
    let seconds = match value.parse::<u64>() {
        Ok(seconds) => seconds as f64,
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(now).map(|d| d.as_secs_f64()).unwrap_or(0.0)
        }
    };
    Some(seconds.min(MAX_RETRY_AFTER_SECONDS))
}

/// The pause before the next attempt: backoff with jitter, or later if the server asked.
pub fn next_delay(attempt: i32, retry_after: Option<f64>) -> f64 {
    let backoff = jittered(base_delay(attempt));
    retry_after.map_or(backoff, |asked| asked.max(backoff))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn pauses_double_from_a_minute_up_to_six_hours() {
        assert_eq!(base_delay(1), 60.0);
        assert_eq!(base_delay(2), 120.0);
        assert_eq!(base_delay(5), 960.0);
        assert_eq!(base_delay(20), MAX_DELAY_SECONDS);
        assert_eq!(base_delay(i32::MAX), MAX_DELAY_SECONDS);
    }

    #[test]
    fn two_days_of_budget_give_about_sixteen_attempts() {
        let last = (1..100).find(|&attempt| out_of_budget(attempt, 48)).unwrap();
        assert!((14..=18).contains(&last), "{last}");
        assert!(!out_of_budget(1, 1));
        assert!(out_of_budget(7, 1));
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..100 {
            let delay = jittered(100.0);
            assert!((80.0..=120.0).contains(&delay), "{delay}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(parse_retry_after("3600", now), Some(3600.0));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        assert_eq!(parse_retry_after(&later, now), Some(120.0));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(120));
        assert_eq!(parse_retry_after(&earlier, now), Some(0.0));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("99999999", now), Some(MAX_RETRY_AFTER_SECONDS));
        assert!(next_delay(1, Some(3600.0)) >= 3600.0);
        assert!(next_delay(1, Some(1.0)) >= 48.0);
    }
}
