//! `xs:dateTime` in UTC, as SAML 2.0 uses it (SAML 2.0 Core §1.3.3): formatting
//! (`2024-05-01T12:00:00Z`) and parsing (fractions of a second and a `Z` or `+00:00`
//! offset accepted; other offsets are converted).

use std::time::SystemTime;

use super::{DAY, DateTime, TimeError, civil_from_days, digits, from_seconds, unix_seconds};

/// Formats `t` as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds). A time before 1970 or
/// after year 9999 is refused.
#[cfg_attr(not(any(feature = "saml", feature = "testkit")), allow(dead_code))]
pub(crate) fn format(t: SystemTime) -> Result<String, TimeError> {
    let secs = unix_seconds(t)?;
    let secs = i64::try_from(secs).map_err(|_| TimeError::TooFarForXsDateTime)?;
    let (year, month, day) = civil_from_days(secs.div_euclid(DAY));
    if year > 9999 {
        return Err(TimeError::AfterYear9999);
    }
    let rem = secs.rem_euclid(DAY);
    // Written digit by digit: no formatting machinery for 20 fixed bytes.
    let mut out = *b"0000-00-00T00:00:00Z";
    put_digits(&mut out[0..4], year.unsigned_abs());
    put_digits(&mut out[5..7], u64::from(month));
    put_digits(&mut out[8..10], u64::from(day));
    put_digits(&mut out[11..13], rem.unsigned_abs() / 3600);
    put_digits(&mut out[14..16], rem.unsigned_abs() % 3600 / 60);
    put_digits(&mut out[17..19], rem.unsigned_abs() % 60);
    Ok(out.iter().map(|&b| char::from(b)).collect())
}

/// Writes the last `out.len()` decimal digits of `n` into `out`, zero-padded.
fn put_digits(out: &mut [u8], mut n: u64) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
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
    let (clock, offset) = split_zone(time)?;
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
    let at = DateTime {
        year: i64::from(digits(year)?),
        month: digits(month)?,
        day: digits(day)?,
        hour: digits(hh)?,
        minute: digits(mm)?,
        second: digits(whole)?,
    };
    from_seconds(at.seconds(59)? - offset)
}

/// Splits `HH:MM:SS[.fff]` from its zone (`Z` or `±HH:MM`, at most ±14:00) and
/// returns the zone's offset from UTC in seconds.
fn split_zone(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix('Z') {
        return Some((clock, 0));
    }
    let split = time.rfind(['+', '-'])?;
    let (clock, zone) = time.split_at(split);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let (h, m) = zone.get(1..)?.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m) = (digits(h)?, digits(m)?);
    if h > 14 || m > 59 {
        return None;
    }
    Some((clock, sign * i64::from(h * 3600 + m * 60)))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

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

    /// The digit-by-digit writer against `format!` of the same fields, from 1970
    /// to the end of 9999 at a stride that visits every field's digits.
    #[test]
    fn writes_what_format_would() {
        for secs in (0..=253_402_300_799i64)
            .step_by(7_919_993)
            .chain([0, 253_402_300_799])
        {
            let (year, month, day) = civil_from_days(secs.div_euclid(DAY));
            let rem = secs.rem_euclid(DAY);
            let expected = format!(
                "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            );
            let t = UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs());
            assert_eq!(format(t).unwrap(), expected);
        }
        assert_eq!(format(UNIX_EPOCH).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(
            format(UNIX_EPOCH + Duration::from_secs(253_402_300_799)).unwrap(),
            "9999-12-31T23:59:59Z"
        );
    }

    #[test]
    fn refuses_what_it_cannot_write() {
        assert_eq!(
            format(UNIX_EPOCH + Duration::from_secs(253_402_300_800)),
            Err(TimeError::AfterYear9999)
        );
        assert_eq!(
            format(UNIX_EPOCH - Duration::from_secs(1)),
            Err(TimeError::BeforeEpoch)
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
            "1969-12-31T23:59:59Z",
            "2023-11-14T22:13:60Z",
            "2023-11-14T22:13:20+15:00",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(parse("2024-02-29T00:00:00Z").is_some());
    }
}
