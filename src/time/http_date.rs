//! HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime
//! forms that recipients must still accept.

use std::time::SystemTime;

use super::{DAY, DateTime, civil_from_days, digits, fixed_digits, from_seconds, unix_seconds};

/// Parses an HTTP date in any of its three forms:
/// `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate),
/// `Sunday, 06-Nov-94 08:49:37 GMT` (RFC 850; the century is taken so that the
/// date is not more than 50 years after `reference`), and
/// `Sun Nov  6 08:49:37 1994` (asctime). A date before 1970 is `None`.
pub(crate) fn parse(value: &str, reference: SystemTime) -> Option<SystemTime> {
    let tokens: Vec<&str> = value.split_whitespace().collect();
    match tokens.as_slice() {
        [weekday, day, month, year, time, "GMT"] => {
            let weekday = weekday.strip_suffix(',')?;
            SHORT_DAYS.contains(&weekday).then_some(())?;
            at(
                fixed_digits(year, 4)?,
                month_number(month)?,
                fixed_digits(day, 2)?,
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
            let year = u32::try_from(full_year(fixed_digits(year, 2)?, year_of(reference))).ok()?;
            at(year, month_number(month)?, fixed_digits(day, 2)?, time)
        }
        [weekday, month, day, time, year] => {
            SHORT_DAYS.contains(weekday).then_some(())?;
            let day = match day.len() {
                1 | 2 => digits(day)?,
                _ => return None,
            };
            at(fixed_digits(year, 4)?, month_number(month)?, day, time)
        }
        _ => None,
    }
}

/// Formats `t` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, whole seconds),
/// the form senders use. A time before 1970 or after year 9999 is `None`.
#[cfg_attr(not(feature = "testkit"), allow(dead_code))]
pub(crate) fn format(t: SystemTime) -> Option<String> {
    let secs = i64::try_from(unix_seconds(t).ok()?).ok()?;
    let days = secs.div_euclid(DAY);
    let (year, month, day) = civil_from_days(days);
    if year > 9999 {
        return None;
    }
    // 1970-01-01 was a Thursday (index 3 from Monday).
    let weekday = SHORT_DAYS[usize::try_from((days + 3).rem_euclid(7)).ok()?];
    let month = MONTHS[usize::try_from(month).ok()?.checked_sub(1)?];
    let rem = secs.rem_euclid(DAY);
    Some(format!(
        "{weekday}, {day:02} {month} {year:04} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

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

fn month_number(name: &str) -> Option<u32> {
    let index = MONTHS.iter().position(|m| *m == name)?;
    u32::try_from(index + 1).ok()
}

/// The instant of a UTC date and `HH:MM:SS`, if they are valid and not before 1970.
fn at(year: u32, month: u32, day: u32, time: &str) -> Option<SystemTime> {
    if time.len() != 8 {
        return None;
    }
    let mut parts = time.split(':');
    let at = DateTime {
        year: i64::from(year),
        month,
        day,
        hour: fixed_digits(parts.next()?, 2)?,
        minute: fixed_digits(parts.next()?, 2)?,
        second: fixed_digits(parts.next()?, 2)?,
    };
    // 60 is a leap second: allowed by the grammar, counted as the next second.
    from_seconds(at.seconds(60)?)
}

/// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is the most
/// recent past year with those last two digits; otherwise the year within 50 years
/// of the reference.
fn full_year(two_digit: u32, reference_year: u64) -> u64 {
    let year = reference_year / 100 * 100 + u64::from(two_digit);
    if year > reference_year.saturating_add(50) {
        year.saturating_sub(100)
    } else if year.saturating_add(50) < reference_year {
        year.saturating_add(100)
    } else {
        year
    }
}

/// The UTC year `t` falls in (1970 for anything before), at most `u32::MAX`: far
/// beyond any date this parser accepts, without overflow in [`full_year`].
fn year_of(t: SystemTime) -> u64 {
    let secs = unix_seconds(t).unwrap_or(0);
    let days = i64::try_from(secs).unwrap_or(i64::MAX) / DAY;
    u64::try_from(civil_from_days(days).0)
        .unwrap_or(0)
        .min(u64::from(u32::MAX))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn epoch(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn parse_imf_fixdate(value: &str) -> Option<SystemTime> {
        parse(value, epoch(1_708_058_728))
    }

    #[test]
    fn format_writes_imf_fixdate_and_round_trips() {
        assert_eq!(
            format(epoch(784_111_777)).as_deref(),
            Some("Sun, 06 Nov 1994 08:49:37 GMT")
        );
        assert_eq!(
            format(epoch(0)).as_deref(),
            Some("Thu, 01 Jan 1970 00:00:00 GMT")
        );
        for secs in [
            0,
            951_825_600,
            1_708_058_728,
            4_102_444_799,
            253_402_300_799,
        ] {
            let text = format(epoch(secs)).unwrap();
            assert_eq!(parse_imf_fixdate(&text), Some(epoch(secs)), "{text}");
        }
        assert_eq!(format(epoch(253_402_300_800)), None);
        assert_eq!(format(UNIX_EPOCH - Duration::from_secs(1)), None);
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
        // A leap second counts as the next second.
        assert_eq!(
            parse_imf_fixdate("Sat, 31 Dec 2016 23:59:60 GMT"),
            Some(epoch(1_483_228_800))
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
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT", now), expected);
        assert_eq!(parse("Sun Nov  6 08:49:37 1994", now), expected);
        assert_eq!(parse("Sun Nov 06 08:49:37 1994", now), expected);
        // Two-digit years: not more than 50 years ahead of the reference.
        // ...so in 2024, "70" is 2070 (46 years ahead), not 1970.
        assert_eq!(
            parse("Wednesday, 01-Jan-70 00:00:00 GMT", now),
            Some(epoch(3_155_760_000))
        );
        assert_eq!(parse("Friday, 16-Feb-24 04:45:28 GMT", now), Some(now));
        for bad in [
            "Sun, 06-Nov-94 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sunday, 06-Nov-94-1 08:49:37 GMT",
            "Sunday 06-Nov-94 08:49:37 GMT",
            "Sun Nov 106 08:49:37 1994",
            "Sun Nov 6 08:49:37 94",
            "Sunday Nov 6 08:49:37 1994",
        ] {
            assert_eq!(parse(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn years_and_centuries() {
        assert_eq!(year_of(epoch(0)), 1970);
        assert_eq!(year_of(epoch(1_708_058_728)), 2024);
        assert_eq!(year_of(epoch(13_569_465_600)), 2400);
        assert_eq!(year_of(epoch(13_569_465_599)), 2399);
        assert_eq!(year_of(UNIX_EPOCH - Duration::from_secs(1)), 1970);
        // A reference far in the future neither overflows nor panics.
        let far = UNIX_EPOCH + Duration::from_secs(1 << 62);
        assert_eq!(year_of(far), u64::from(u32::MAX));
        let _ = parse("Sunday, 06-Nov-94 08:49:37 GMT", far);
        assert_eq!(full_year(94, u64::from(u32::MAX)) % 100, 94);
        assert_eq!(full_year(94, 2024), 1994);
        assert_eq!(full_year(74, 2024), 2074);
        assert_eq!(full_year(75, 2024), 1975);
        assert_eq!(full_year(24, 2024), 2024);
        assert_eq!(full_year(10, 2090), 2110);
    }
}
