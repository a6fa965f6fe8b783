//! `Retry-After` (RFC 9110 §10.2.3): a number of seconds, or an HTTP date
//! (RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms that
//! recipients must still accept) taken relative to when the response was received.
//!
//! Total and panic-free: anything that is not one of these forms is `None`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses a `Retry-After` value. A date in the past means "now": zero.
pub(crate) fn parse(value: &str, received_at: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than fit a u64 is still "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = parse_http_date(value, received_at)?;
    Some(at.duration_since(received_at).unwrap_or(Duration::ZERO))
}

/// Parses an HTTP date in any of its three forms:
/// `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate),
/// `Sunday, 06-Nov-94 08:49:37 GMT` (RFC 850; the century is taken so that the
/// date is not more than 50 years after `reference`), and
/// `Sun Nov  6 08:49:37 1994` (asctime).
fn parse_http_date(value: &str, reference: SystemTime) -> Option<SystemTime> {
    let tokens: Vec<&str> = value.split_whitespace().collect();
    match tokens.as_slice() {
        [weekday, day, month, year, time, "GMT"] => {
            let weekday = weekday.strip_suffix(',')?;
            SHORT_DAYS.contains(&weekday).then_some(())?;
            at(
                four_digits(year)?,
                month_number(month)?,
                two_digits(day)?,
                time,
            )
        }
        [weekday, date, time, "GMT"] => {
            let weekday = weekday.strip_suffix(',')?;
            LONG_DAYS.contains(&weekday).then_some(())?;
            let mut parts = date.split('-');
            let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() {
                return None;
            }
            let year = full_year(two_digits(year)?, year_of(reference));
            at(year, month_number(month)?, two_digits(day)?, time)
        }
        [weekday, month, day, time, year] => {
            SHORT_DAYS.contains(weekday).then_some(())?;
            let day = match day.len() {
                1 | 2 => digits(day)?,
                _ => return None,
            };
            at(four_digits(year)?, month_number(month)?, day, time)
        }
        _ => None,
    }
}

const SHORT_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn month_number(name: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let index = MONTHS.iter().position(|m| *m == name)?;
    u64::try_from(index + 1).ok()
}

/// The instant of a UTC date and `HH:MM:SS`, if they are valid and not before 1970.
fn at(year: u64, month: u64, day: u64, time: &str) -> Option<SystemTime> {
    if time.len() != 8 {
        return None;
    }
    let mut parts = time.split(':');
    let hour = two_digits(parts.next()?)?;
    let minute = two_digits(parts.next()?)?;
    let second = two_digits(parts.next()?)?;
    // 60 is a leap second: allowed by the grammar, counted as the next second.
    if year < 1970
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is the most
/// recent past year with those last two digits; otherwise the year within 50 years
/// of the reference.
fn full_year(two_digit: u64, reference_year: u64) -> u64 {
    let year = reference_year / 100 * 100 + two_digit;
    if year > reference_year + 50 {
        year.saturating_sub(100)
    } else if year + 50 < reference_year {
        year + 100
    } else {
        year
    }
}

/// The UTC year `t` falls in (1970 for anything before).
fn year_of(t: SystemTime) -> u64 {
    let mut days = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    let mut year = 1970 + days / 146_097 * 400;
    days %= 146_097;
    loop {
        let len = if is_leap(year) { 366 } else { 365 };
        if days < len {
            return year;
        }
        days -= len;
        year += 1;
    }
}

fn two_digits(s: &str) -> Option<u64> {
    if s.len() == 2 { digits(s) } else { None }
}

fn four_digits(s: &str) -> Option<u64> {
    if s.len() == 4 { digits(s) } else { None }
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

    fn epoch(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn parse_imf_fixdate(value: &str) -> Option<SystemTime> {
        parse_http_date(value, epoch(1_708_058_728))
    }

    #[test]
    fn imf_fixdate_known_values() {
        // RFC 9110's own example: 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(epoch(784_111_777))
        );
        assert_eq!(
            parse_imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(epoch(0))
        );
        // A leap day, and the turn of 2000 (a 400-year leap year).
        assert_eq!(
            parse_imf_fixdate("Tue, 29 Feb 2000 12:00:00 GMT"),
            Some(epoch(951_825_600))
        );
        assert_eq!(
            parse_imf_fixdate("Fri, 16 Feb 2024 04:45:28 GMT"),
            Some(epoch(1_708_058_728))
        );
        // Far beyond a 400-year cycle.
        assert_eq!(
            parse_imf_fixdate("Sat, 01 Jan 2400 00:00:00 GMT"),
            Some(epoch(13_569_465_600))
        );
    }

    #[test]
    fn imf_fixdate_refuses_garbage() {
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
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
    fn obsolete_forms_are_accepted() {
        let now = epoch(1_708_058_728); // 2024
        let expected = Some(epoch(784_111_777));
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", now),
            expected
        );
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994", now), expected);
        assert_eq!(parse_http_date("Sun Nov 06 08:49:37 1994", now), expected);
        // Two-digit years: not more than 50 years ahead of the reference.
        // ...so in 2024, "70" is 2070 (46 years ahead), not 1970.
        assert_eq!(
            parse_http_date("Wednesday, 01-Jan-70 00:00:00 GMT", now),
            Some(epoch(3_155_760_000))
        );
        assert_eq!(
            parse_http_date("Friday, 16-Feb-24 04:45:28 GMT", now),
            Some(now)
        );
        for bad in [
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sunday, 06-Nov-94-1 08:49:37 GMT",
            "Sunday 06-Nov-94 08:49:37 GMT",
            "Sun Nov 106 08:49:37 1994",
            "Sun Nov 6 08:49:37 94",
            "Sunday Nov 6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn years_and_centuries() {
        assert_eq!(year_of(epoch(0)), 1970);
        assert_eq!(year_of(epoch(1_708_058_728)), 2024);
        assert_eq!(year_of(epoch(13_569_465_600)), 2400);
        assert_eq!(year_of(epoch(13_569_465_599)), 2399);
        assert_eq!(year_of(UNIX_EPOCH - Duration::from_secs(1)), 1970);
        assert_eq!(full_year(94, 2024), 1994);
        assert_eq!(full_year(74, 2024), 2074);
        assert_eq!(full_year(75, 2024), 1975);
        assert_eq!(full_year(24, 2024), 2024);
        assert_eq!(full_year(10, 2090), 2110);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = epoch(784_111_777);
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
