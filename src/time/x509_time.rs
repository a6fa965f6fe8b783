//! The X.509 `Time` of a certificate's validity (RFC 5280 §4.1.2.5): `UTCTime`
//! (`YYMMDDHHMMSSZ`, years 1950–2049) and `GeneralizedTime` (`YYYYMMDDHHMMSSZ`),
//! both in UTC with seconds and no fraction, as RFC 5280 requires.

use std::time::SystemTime;

use super::{DateTime, fixed_digits, from_seconds};

/// Parses a `UTCTime` (`utc` true) or `GeneralizedTime` value. A time before 1970
/// or not in RFC 5280's form is `None`.
pub(crate) fn parse(utc: bool, value: &[u8]) -> Option<SystemTime> {
    let text = std::str::from_utf8(value).ok()?.strip_suffix('Z')?;
    let (year, rest) = if utc {
        let (yy, rest) = text.split_at_checked(2)?;
        let yy = fixed_digits(yy, 2)?;
        // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, else 20YY.
        (if yy >= 50 { 1900 + yy } else { 2000 + yy }, rest)
    } else {
        let (yyyy, rest) = text.split_at_checked(4)?;
        (fixed_digits(yyyy, 4)?, rest)
    };
    if rest.len() != 10 {
        return None;
    }
    let field = |i: usize| fixed_digits(rest.get(i..i + 2)?, 2);
    let at = DateTime {
        year: i64::from(year),
        month: field(0)?,
        day: field(2)?,
        hour: field(4)?,
        minute: field(6)?,
        second: field(8)?,
    };
    from_seconds(at.seconds(59)?)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn at(secs: u64) -> Option<SystemTime> {
        Some(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn both_forms() {
        assert_eq!(parse(true, b"261129063321Z"), at(1_795_934_001));
        assert_eq!(parse(false, b"21261105063321Z"), at(4_949_534_001));
        assert_eq!(parse(false, b"20261129063321Z"), at(1_795_934_001));
        assert_eq!(parse(true, b"700101000000Z"), at(0));
        assert_eq!(parse(true, b"491231235959Z"), at(2_524_607_999));
    }

    #[test]
    fn other_shapes_are_refused() {
        for (utc, bad) in [
            (true, &b"261129063321"[..]),
            (true, b"2611290633Z"),
            (true, b"261129063321.5Z"),
            (true, b"261329063321Z"),
            (true, b"261129243321Z"),
            (true, b"261129063360Z"),
            (true, b"690101000000Z"),
            (false, b"261129063321Z"),
            (false, b"2026112906332+Z"),
            (false, b"19691231235959Z"),
            (true, b"\xff"),
        ] {
            assert_eq!(parse(utc, bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }
}
