//! `xs:dateTime` in UTC, as SAML 2.0 uses it (SAML 2.0 Core §1.3.3): formatting
//! (`2024-05-01T12:00:00Z`) and parsing (fractions of a second and a `Z` or `+00:00`
//! offset accepted; other offsets are converted).

use std::time::SystemTime;

use super::{DAY, DateTime, TimeError, civil_from_days, from_seconds, unix_seconds};

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
///
/// The accepted form is `YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)` (surrounding white
/// space trimmed), read at fixed offsets: the date and clock are always the first
/// 19 bytes, so only the fraction and the zone are found by looking.
pub(crate) fn parse(s: &str) -> Option<SystemTime> {
    let b = s.trim().as_bytes();
    let head: &[u8; 19] = b.get(..19)?.try_into().ok()?;
    if head[4] != b'-'
        || head[7] != b'-'
        || head[10] != b'T'
        || head[13] != b':'
        || head[16] != b':'
    {
        return None;
    }
    let at = DateTime {
        year: i64::from(two(head[0], head[1])? * 100 + two(head[2], head[3])?),
        month: two(head[5], head[6])?,
        day: two(head[8], head[9])?,
        hour: two(head[11], head[12])?,
        minute: two(head[14], head[15])?,
        second: two(head[17], head[18])?,
    };
    let mut rest = &b[19..];
    if let Some((b'.', after)) = rest.split_first() {
        let frac = after.iter().take_while(|b| b.is_ascii_digit()).count();
        if frac == 0 {
            return None;
        }
        rest = &after[frac..];
    }
    let offset = zone(rest)?;
    from_seconds(at.seconds(59)? - offset)
}

/// Two ASCII digits as a number.
fn two(hi: u8, lo: u8) -> Option<u32> {
    let (hi, lo) = (hi.wrapping_sub(b'0'), lo.wrapping_sub(b'0'));
    (hi < 10 && lo < 10).then(|| u32::from(hi * 10 + lo))
}

/// The zone (`Z` or `±HH:MM`, at most ±14:59) as its offset from UTC in seconds;
/// anything else, or anything after it, is `None`.
fn zone(z: &[u8]) -> Option<i64> {
    match z {
        [b'Z'] => Some(0),
        &[sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (two(h1, h2)?, two(m1, m2)?);
            if h > 14 || m > 59 {
                return None;
            }
            let offset = i64::from(h * 3600 + m * 60);
            Some(if sign == b'-' { -offset } else { offset })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::super::digits;
    use super::*;

    /// The parser before fixed offsets (`split` on `T`, `-`, `:` and `.`), kept
    /// as the reference the differential test holds `parse` to.
    fn parse_by_splitting(s: &str) -> Option<SystemTime> {
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

    /// `parse` against `parse_by_splitting` on generated strings: every field
    /// at widths 0–5 with in-range, boundary and out-of-range values (months 0
    /// and 13, day 0, 29–32 in every month of leap and common years, hour 24,
    /// minute 60, second 60 — a leap second — and 99), signs before the year,
    /// fractions of 0–12 digits and with stray bytes, `Z`, `±HH:MM` zones at
    /// and past their limits, missing and doubled zones, white space around;
    /// then every string of those with each byte replaced by one of 24 bytes
    /// (digits, separators, signs, `Z`, space, non-ASCII), every prefix, and
    /// each with a byte appended. Both must agree on every string, accepted
    /// or refused, and many of both must occur.
    #[test]
    fn fixed_offsets_parse_what_splitting_parsed() {
        let years = [
            "1970", "2000", "2023", "2024", "1900", "1969", "9999", "0000", "197", "19700", "",
            "+2023", "-2023", "2O23",
        ];
        let months = ["01", "02", "12", "00", "13", "1", "001", "", "0a", "-1"];
        let days = [
            "01", "28", "29", "30", "31", "32", "00", "1", "001", "", "99",
        ];
        let hours = ["00", "23", "24", "7", "007", "", "99", "+1"];
        let minutes = ["00", "59", "60", "5", "005", ""];
        let seconds = ["00", "59", "60", "99", "5", "005", "", "-1"];
        let fractions = [
            "",
            ".",
            ".1",
            ".123",
            ".000000000000",
            ".123456789012",
            ".1a",
            "..1",
            ".1.2",
            ".-1",
        ];
        let zones = [
            "Z",
            "",
            "+00:00",
            "-00:00",
            "+02:00",
            "-01:30",
            "+14:00",
            "+14:59",
            "+15:00",
            "-14:00",
            "+00:60",
            "+2:00",
            "+002:00",
            "+02:0",
            "+0200",
            "ZZ",
            "Z+01:00",
            "+01:00Z",
            "z",
            "+01:00:00",
            "+-1:00",
            "-",
        ];
        let mut cases: Vec<String> = Vec::new();
        let (mut accepted, mut refused) = (0usize, 0usize);
        let mut check = |s: &str, keep: bool, cases: &mut Vec<String>| {
            let (new, old) = (parse(s), parse_by_splitting(s));
            assert_eq!(new, old, "{s:?}");
            if old.is_some() {
                accepted += 1;
            } else {
                refused += 1;
            }
            if keep {
                cases.push(s.to_owned());
            }
        };
        // Dates against zones, with two clocks; then clocks against zones on
        // four dates. Every 61st string is kept for the byte mutations below.
        let mut n = 0usize;
        for year in years {
            for month in months {
                for day in days {
                    for clock in ["12:34:56", "23:59:60.5"] {
                        for zone in zones {
                            let s = format!("{year}-{month}-{day}T{clock}{zone}");
                            n += 1;
                            check(&s, n % 61 == 0, &mut cases);
                        }
                    }
                }
            }
        }
        for date in ["2023-11-14", "1970-01-01", "9999-12-31", "2024-02-29"] {
            for hour in hours {
                for minute in minutes {
                    for second in seconds {
                        for fraction in fractions {
                            for zone in zones {
                                let s = format!("{date}T{hour}:{minute}:{second}{fraction}{zone}");
                                n += 1;
                                check(&s, n % 61 == 0, &mut cases);
                            }
                        }
                    }
                }
            }
        }
        for month in 1..=12 {
            for day in 28..=32 {
                for year in ["2023", "2024", "2100", "2000"] {
                    let s = format!("{year}-{month:02}-{day:02}T12:00:00Z");
                    check(&s, true, &mut cases);
                }
            }
        }
        for s in [
            "",
            " ",
            "T",
            "2023-11-14",
            "2023-11-14T",
            "2023-11-14T22:13:20",
            " 2023-11-14T22:13:20Z ",
            "\t2023-11-14T22:13:20.5+01:00\n",
            "\u{a0}2023-11-14T22:13:20Z",
            "2023-11-14T22:13:20Z\u{2003}",
            "2023-11-14t22:13:20Z",
            "2023-11-14 22:13:20Z",
            "2023/11/14T22:13:20Z",
            "2023-11-14T22:13:20.١Z",
            "٢023-11-14T22:13:20Z",
        ] {
            check(s, true, &mut cases);
        }
        let replacements = [
            "0", "1", "5", "9", "-", "+", ":", ".", "T", "Z", " ", "/", "a", "\u{e9}", "\u{660}",
            "\t", "\n", "\u{a0}", "\u{feff}", "z", "t", "", "00", "\u{0}",
        ];
        for case in &cases {
            let chars: Vec<(usize, char)> = case.char_indices().collect();
            for &(at, c) in &chars {
                for r in replacements {
                    let s = format!("{}{r}{}", &case[..at], &case[at + c.len_utf8()..]);
                    check(&s, false, &mut Vec::new());
                }
                check(&case[..at], false, &mut Vec::new());
            }
            for r in replacements {
                check(&format!("{case}{r}"), false, &mut Vec::new());
            }
        }
        assert!(
            accepted > 5_000 && refused > 100_000,
            "{accepted} accepted, {refused} refused"
        );
    }

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
