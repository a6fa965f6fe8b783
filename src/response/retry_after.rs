//! `Retry-After` (RFC 9110 §10.2.3): a number of seconds, or an HTTP date
//! (IMF-fixdate, RFC 9110 §5.6.7) taken relative to when the response was received.
//!
//! Total and panic-free: anything that is not one of the two forms is `None`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses a `Retry-After` value. A date in the past means "now": zero.
pub(crate) fn parse(value: &str, received_at: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than fit a u64 is still "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = parse_imf_fixdate(value)?;
    Some(at.duration_since(received_at).unwrap_or(Duration::ZERO))
}

/// Parses `Sun, 06 Nov 1994 08:49:37 GMT`.
fn parse_imf_fixdate(value: &str) -> Option<SystemTime> {
    let b = value.as_bytes();
    if b.len() != 29 {
        return None;
    }
    let day_name = value.get(0..3)?;
    if !matches!(
        day_name,
        "Mon" | "Tue" | "Wed" | "Thu" | "Fri" | "Sat" | "Sun"
    ) || value.get(3..5)? != ", "
        || b.get(7) != Some(&b' ')
        || b.get(11) != Some(&b' ')
        || b.get(16) != Some(&b' ')
        || b.get(19) != Some(&b':')
        || b.get(22) != Some(&b':')
        || value.get(25..29)? != " GMT"
    {
        return None;
    }
    let day = digits(value.get(5..7)?)?;
    let month = match value.get(8..11)? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year = digits(value.get(12..16)?)?;
    let hour = digits(value.get(17..19)?)?;
    let minute = digits(value.get(20..22)?)?;
    let second = digits(value.get(23..25)?)?;
    if year < 1970 || day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 {
        return None;
    }
    // 60 is a leap second: allowed by the grammar, counted as the next second.
    if second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

fn digits(s: &str) -> Option<u64> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn is_leap(year: u64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date (year ≥ 1970), by counting.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let mut days = 0;
    // Whole 400-year cycles have 146_097 days; the rest is at most 399 years.
    let span = year - 1970;
    days += span / 400 * 146_097;
    for y in (1970 + span / 400 * 400)..year {
        days += if is_leap(y) { 366 } else { 365 };
    }
    for m in 1..month {
        days += days_in_month(year, m);
    }
    days + day - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn imf_fixdate_known_values() {
        // RFC 9110's own example: 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(at(784_111_777))
        );
        assert_eq!(
            parse_imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(at(0))
        );
        // A leap day, and the turn of 2000 (a 400-year leap year).
        assert_eq!(
            parse_imf_fixdate("Tue, 29 Feb 2000 12:00:00 GMT"),
            Some(at(951_825_600))
        );
        assert_eq!(
            parse_imf_fixdate("Fri, 16 Feb 2024 04:45:28 GMT"),
            Some(at(1_708_058_728))
        );
        // Far beyond a 400-year cycle.
        assert_eq!(
            parse_imf_fixdate("Sat, 01 Jan 2400 00:00:00 GMT"),
            Some(at(13_569_465_600))
        );
    }

    #[test]
    fn imf_fixdate_refuses_garbage() {
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 29 Feb 1900 08:49:37 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:49:37 GMT",
            "Sun, 06 Nov 1994 08:60:37 GMT",
            "Sun, 06 Nov 1994 08:49:61 GMT",
            "Sun, +6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMTé",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:3é GMT",
        ] {
            assert_eq!(parse_imf_fixdate(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = at(784_111_777);
        assert_eq!(parse("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date already past: retry now.
        assert_eq!(
            parse("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse("-5", now), None);
        assert_eq!(parse("1.5", now), None);
        assert_eq!(parse("soon", now), None);
        assert_eq!(parse("", now), None);
    }
}
