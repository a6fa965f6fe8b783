//! `xs:dateTime` in UTC, as SAML 2.0 uses it (SAML 2.0 Core §1.3.3): formatting
//! (`2024-05-01T12:00:00Z`) and parsing (fractions of a second and a `Z` or `+00:00`
//! offset accepted; other offsets are converted).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats `t` as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds). A time before 1970 is
/// refused.
pub(crate) fn format(t: SystemTime) -> Result<String, Error> {
    let secs = crate::jwt::unix_seconds(t)?;
    let secs = i64::try_from(secs)
        .map_err(|_| Error::input("the time is too far in the future for xs:dateTime"))?;
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    if year > 9999 {
        return Err(Error::input(
            "the time is after year 9999; shorten the assertion lifetime",
        ));
    }
    let rem = secs.rem_euclid(86_400);
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses an `xs:dateTime` with a time zone (`Z` or `±HH:MM`). Fractions of a second
/// are dropped (the time is rounded down). A time without a zone, or before 1970,
/// is `None`.
pub(crate) fn parse(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-');
    let (year, month, day) = (d.next()?, d.next()?, d.next()?);
    if d.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day) = (i64::from(number(year)?), number(month)?, number(day)?);
    let (clock, offset) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0i64)
    } else {
        let split = time.rfind(['+', '-'])?;
        let (clock, zone) = time.split_at(split);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone.get(1..)?.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m) = (number(h)?, number(m)?);
        if h > 14 || m > 59 {
            return None;
        }
        (clock, sign * i64::from(h * 3600 + m * 60))
    };
    let mut c = clock.split(':');
    let (hh, mm, ss) = (c.next()?, c.next()?, c.next()?);
    if c.next().is_some() || hh.len() != 2 || mm.len() != 2 {
        return None;
    }
    let whole = match ss.split_once('.') {
        Some((whole, frac)) if !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()) => {
            whole
        }
        Some(_) => return None,
        None => ss,
    };
    if whole.len() != 2 {
        return None;
    }
    let (hh, mm, ss) = (number(hh)?, number(mm)?, number(whole)?);
    let max_day = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > max_day || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let secs =
        days_from_civil(year, month, day) * 86_400 + i64::from(hh * 3600 + mm * 60 + ss) - offset;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for secs in [
            0u64,
            951_782_400,
            1_700_000_000,
            4_102_444_800,
            253_402_300_799,
        ] {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            let s = format(t).unwrap();
            assert_eq!(parse(&s), Some(t), "{s}");
        }
        assert_eq!(
            format(UNIX_EPOCH + Duration::from_secs(1_700_000_000)).unwrap(),
            "2023-11-14T22:13:20Z"
        );
    }

    #[test]
    fn parses_fractions_and_offsets() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse("2023-11-14T22:13:20.123Z"), Some(t));
        assert_eq!(parse("2023-11-15T00:13:20+02:00"), Some(t));
        assert_eq!(parse("2023-11-14T21:13:20-01:00"), Some(t));
        for bad in [
            "2023-11-14T22:13:20",
            "2023-13-14T22:13:20Z",
            "2023-02-29T00:00:00Z",
            "2023-11-14 22:13:20Z",
            "2023-11-14T22:13:20.Z",
            "+2023-11-14T22:13:20Z",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(parse("2024-02-29T00:00:00Z").is_some());
    }
}
