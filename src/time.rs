//! Time as the protocols write it, on one calendar: NumericDate (JWT, RFC 7519 §2:
//! seconds since the epoch), `xs:dateTime` (SAML 2.0 Core §1.3.3) and HTTP-date
//! (RFC 9110 §5.6.7, for `Retry-After`).
//!
//! The bottom layer: it uses nothing of the crate but itself. Every function is
//! total and panic-free; instants before 1970 are refused or clamped, never
//! wrapped.

mod civil;
mod http_date;
mod window;
mod x509_time;
mod xs_datetime;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) use civil::civil_from_days;

#[cfg(feature = "testkit")]
pub(crate) use http_date::format as format_http_date;
pub(crate) use http_date::parse as parse_http_date;
pub(crate) use window::{Window, validation_setters};
pub(crate) use x509_time::parse as parse_x509_time;
// SAML's instants, and the testkit's generateAccessToken expireTime (RFC 3339).
#[cfg(any(feature = "saml", feature = "testkit"))]
pub(crate) use xs_datetime::format as format_xs_datetime;
// Also RFC 3339 (Google's expireTime), which is an xs:dateTime with a zone.
pub(crate) use xs_datetime::parse as parse_xs_datetime;

/// Whether something that expires at `expires_at` has expired, or will within
/// `margin`, as of `now`; `false` when the expiry is unknown. A `now + margin`
/// past what `SystemTime` can hold counts as expired. The one rule behind
/// `TokenResponse::is_expired` and `Token::is_expired`.
pub(crate) fn is_expired(
    expires_at: Option<SystemTime>,
    now: SystemTime,
    margin: Duration,
) -> bool {
    match expires_at {
        Some(at) => now.checked_add(margin).is_none_or(|limit| limit >= at),
        None => false,
    }
}

/// Why an instant cannot be written in the form asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "saml"), allow(dead_code))] // the xs:dateTime variants
pub(crate) enum TimeError {
    /// Before 1970-01-01T00:00:00Z.
    BeforeEpoch,
    /// More seconds than an `i64` holds.
    TooFarForXsDateTime,
    /// After 9999-12-31T23:59:59Z, the last `xs:dateTime` with a four-digit year.
    AfterYear9999,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeError::BeforeEpoch => {
                "the clock reads a time before 1970; check the time passed as `now`"
            }
            TimeError::TooFarForXsDateTime => "the time is too far in the future for xs:dateTime",
            TimeError::AfterYear9999 => {
                "the time is after year 9999; shorten the assertion lifetime"
            }
        })
    }
}

impl std::error::Error for TimeError {}

/// Seconds in a day.
const DAY: i64 = 86_400;

/// The last second of year 9999: later NumericDates are clamped to it, so a time is
/// always representable and never earlier than the claim.
pub(crate) const MAX_NUMERIC_DATE: u64 = 253_402_300_799;

/// `t` as a NumericDate: whole seconds since the UNIX epoch. A time before it is
/// refused.
pub(crate) fn unix_seconds(t: SystemTime) -> Result<u64, TimeError> {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| TimeError::BeforeEpoch)
}

/// The instant of a received NumericDate, clamped to 1970 ..= [`MAX_NUMERIC_DATE`]:
/// total for any `i64` a peer sends.
pub(crate) fn from_numeric_date(secs: i64) -> SystemTime {
    let secs = u64::try_from(secs).unwrap_or(0).min(MAX_NUMERIC_DATE);
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH)
}

/// `t + d`; where that overflows (a huge leeway or cap), a time after every
/// instant [`from_numeric_date`] can give, which is all comparisons need.
pub(crate) fn saturating_add(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_add(d)
        .unwrap_or(UNIX_EPOCH + Duration::from_secs(MAX_NUMERIC_DATE + 1))
}

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

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days in `month` of `year` (0 for a month that does not exist).
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A UTC date and time of day, checked: a date that does not exist, an hour past
/// 23, a minute past 59 or a second past `max_second` (60 where the grammar allows
/// a leap second, counted as the next second) is `None`.
struct DateTime {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl DateTime {
    /// Seconds since the epoch (negative before 1970), if every field is in range.
    fn seconds(&self, max_second: u32) -> Option<i64> {
        if self.day == 0
            || self.day > days_in_month(self.year, self.month)
            || self.hour > 23
            || self.minute > 59
            || self.second > max_second
        {
            return None;
        }
        let clock = i64::from(self.hour * 3600 + self.minute * 60 + self.second);
        Some(days_from_civil(self.year, self.month, self.day) * DAY + clock)
    }
}

/// The instant `secs` seconds after the epoch; `None` before it.
fn from_seconds(secs: i64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(secs).ok()?))
}

/// `s` as a number if it is ASCII digits only (and not empty).
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `s` as a number if it is exactly `len` ASCII digits.
fn fixed_digits(s: &str, len: usize) -> Option<u32> {
    if s.len() == len { digits(s) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for days in [-719_468, -1, 0, 1, 11_016, 19_675, 157_153, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(days_from_civil(2400, 1, 1) * DAY, 13_569_465_600);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2024, 13), 0);
    }

    #[test]
    fn numeric_dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(unix_seconds(t), Ok(1_700_000_000));
        assert_eq!(
            unix_seconds(UNIX_EPOCH - Duration::from_secs(1)),
            Err(TimeError::BeforeEpoch)
        );
        assert_eq!(from_numeric_date(-5), UNIX_EPOCH);
        assert_eq!(from_numeric_date(1_700_000_000), t);
        let max = UNIX_EPOCH + Duration::from_secs(MAX_NUMERIC_DATE);
        assert_eq!(from_numeric_date(i64::MAX), max);
        assert!(saturating_add(max, Duration::MAX) > max);
    }
}
