//! `Retry-After` (RFC 9110 §10.2.3): a number of seconds, or an HTTP date
//! (RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms that
//! recipients must still accept; parsed by `crate::time`) taken relative to when
//! the response was received.
//!
//! Total and panic-free: anything that is not one of these forms is `None`.

use std::time::{Duration, SystemTime};

/// Parses a `Retry-After` value. A date in the past means "now": zero.
pub(crate) fn parse(value: &str, received_at: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than fit a u64 is still "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = crate::time::parse_http_date(value, received_at)?;
    Some(at.duration_since(received_at).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn epoch(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
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
