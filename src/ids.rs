//! Mastodon-style 64-bit ids: milliseconds since the epoch in the high bits, a sequence below.
//!
//! The database makes ids (`next_id()` in the first migration) so that every process shares one
//! sequence; this module reads them, parses client input and bounds pages by time.

use chrono::{DateTime, TimeZone, Utc};

/// Bits below the timestamp that hold the sequence.
pub const SEQUENCE_BITS: u32 = 16;

/// The smallest id that any row made at `time` can have: the bound for "newer than `time`".
pub fn lowest_at(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis().max(0) << SEQUENCE_BITS
}

/// The moment an id was made (or, for a remote status, the time it was published).
pub fn time_of(id: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(id >> SEQUENCE_BITS)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// Parses an id as a client sends it: decimal digits only, positive, within 64 bits.
pub fn parse(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trips_through_an_id() {
        let time =
            Utc.with_ymd_and_hms(2026, 10, 14, 19, 3, 26).unwrap() + chrono::Duration::milliseconds(588);
        let id = lowest_at(time) | 0xbeef;
        assert_eq!(time_of(id), time);
        assert!(lowest_at(time) < id);
        assert!(id < lowest_at(time + chrono::Duration::milliseconds(1)));
    }

    #[test]
    fn ids_sort_by_time_as_decimal_strings_of_equal_length() {
        let earlier = lowest_at(Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap());
        let later = lowest_at(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        assert_eq!(earlier.to_string().len(), later.to_string().len());
        assert!(earlier.to_string() < later.to_string());
    }

    #[test]
    fn parse_accepts_only_plain_positive_decimals() {
        assert_eq!(parse("110000000000000001"), Some(110_000_000_000_000_001));
        for bad in [
            "",
            "-1",
            "0",
            "1e5",
            " 12",
            "12 ",
            "0x10",
            "99999999999999999999",
            "１２",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
