//! The validity window a verifier applies to a received assertion, JWT or SAML:
//! a clock-skew leeway and a cap on how long an assertion may live. One set of
//! lifetime rules behind `jwt::Validation` and `saml::Validation`, and one set of
//! setters for them (`validation_setters!`).

use std::time::{Duration, SystemTime};

use super::saturating_add;

/// The default clock-skew allowance.
const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// The default lifetime cap: RFC 7523 §3 and RFC 7522 §3 let a server limit how
/// far ahead the expiry may be and how old the issue time may be; servers commonly
/// take minutes (Salesforce 3 or 5, Google 60).
const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(3600);

/// A leeway and an optional lifetime cap, with the checks made with them. Every
/// bound is an instant compared at full precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    leeway: Duration,
    max_lifetime: Option<Duration>,
}

impl Default for Window {
    /// 60 s leeway, a one-hour cap.
    fn default() -> Self {
        Window {
            leeway: DEFAULT_LEEWAY,
            max_lifetime: Some(DEFAULT_MAX_LIFETIME),
        }
    }
}

impl Window {
    /// The lifetime cap, if any.
    pub(crate) fn max_lifetime(&self) -> Option<Duration> {
        self.max_lifetime
    }

    /// Sets the clock-skew allowance.
    pub(crate) fn set_leeway(&mut self, leeway: Duration) {
        self.leeway = leeway;
    }

    /// Sets the lifetime cap; `None` turns it off.
    pub(crate) fn set_max_lifetime(&mut self, max_lifetime: Option<Duration>) {
        self.max_lifetime = max_lifetime;
    }

    /// The first instant something that expires at `expiry` no longer verifies:
    /// `expiry` plus the leeway (a replay cache keeps its entry until then).
    pub(crate) fn valid_until(&self, expiry: SystemTime) -> SystemTime {
        saturating_add(expiry, self.leeway)
    }

    /// Whether something that expires at `expiry` has expired as of `now`, beyond
    /// the leeway (RFC 7519 §4.1.4: valid strictly before the expiry).
    pub(crate) fn has_expired(&self, expiry: SystemTime, now: SystemTime) -> bool {
        now >= self.valid_until(expiry)
    }

    /// Whether `t` (a not-before or issue time) is still ahead of `now`, beyond
    /// the leeway.
    pub(crate) fn is_ahead(&self, t: SystemTime, now: SystemTime) -> bool {
        t > saturating_add(now, self.leeway)
    }

    /// The cap plus the leeway, if there is a cap.
    fn span(&self) -> Option<Duration> {
        self.max_lifetime.map(|max| max.saturating_add(self.leeway))
    }

    /// Whether `expiry` lies further ahead of `now` than the cap plus the leeway.
    /// A limit past what `SystemTime` holds caps nothing.
    pub(crate) fn lives_too_long(&self, expiry: SystemTime, now: SystemTime) -> bool {
        self.span()
            .and_then(|span| now.checked_add(span))
            .is_some_and(|limit| expiry > limit)
    }

    /// Whether `issued` lies further behind `now` than the cap plus the leeway.
    /// A limit before what `SystemTime` holds caps nothing.
    pub(crate) fn issued_too_long_ago(&self, issued: SystemTime, now: SystemTime) -> bool {
        self.span()
            .and_then(|span| now.checked_sub(span))
            .is_some_and(|earliest| issued < earliest)
    }
}

/// The builder methods `jwt::Validation` and `saml::Validation` share, written
/// once: the audiences accepted, the issuer required, and the [`Window`] (leeway
/// and lifetime cap). The type needs the fields `audiences: Vec<String>`,
/// `issuer: Option<String>` and `window: Window`; the names of its claims (the
/// issuer, the expiry, the issue time, the times the leeway applies to) go into
/// the docs.
macro_rules! validation_setters {
    (issuer: $iss:literal, expiry: $exp:literal, issued: $iat:literal, leeway_on: $times:literal) => {
        /// Accepts this audience too (a server known by several URLs).
        pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
            self.audiences.push(audience.into());
            self
        }

        #[doc = concat!("Requires ", $iss, " to equal `issuer`.")]
        pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
            self.issuer = Some(issuer.into());
            self
        }

        #[doc = concat!(
            "The clock-skew allowance for ", $times, " and the lifetime cap (default 60 s).\n",
            "Keep it to seconds or minutes: a time plus a leeway too large to represent\n",
            "saturates, so a huge leeway accepts expired and not-yet-valid assertions."
        )]
        pub fn with_leeway(mut self, leeway: ::std::time::Duration) -> Self {
            self.window.set_leeway(leeway);
            self
        }

        #[doc = concat!(
            "Refuses assertions whose ", $exp, " is more than `max_lifetime` (plus the\n",
            "leeway) ahead of now, or whose ", $iat, " is more than that behind it\n",
            "(default: one hour)."
        )]
        pub fn with_max_lifetime(mut self, max_lifetime: ::std::time::Duration) -> Self {
            self.window.set_max_lifetime(Some(max_lifetime));
            self
        }

        #[doc = concat!(
            "Lifts the lifetime cap: an assertion is then accepted until its ", $exp, ",\n",
            "however far ahead, and however long ago it was issued. Only for a peer whose\n",
            "assertions are known to be long-lived, or a caller that bounds the lifetime\n",
            "itself: an assertion that leaks stays good until its ", $exp, ", which may\n",
            "be decades away."
        )]
        pub fn dangerous_without_max_lifetime(mut self) -> Self {
            self.window.set_max_lifetime(None);
            self
        }
    };
}
pub(crate) use validation_setters;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn defaults_are_a_minute_of_leeway_and_an_hour_cap() {
        let w = Window::default();
        assert_eq!(w.valid_until(at(NOW)), at(NOW + 60));
        assert_eq!(w.max_lifetime(), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn expiry_is_refused_from_expiry_plus_leeway_on() {
        let w = Window::default();
        assert!(!w.has_expired(at(NOW), at(NOW + 59)));
        assert!(w.has_expired(at(NOW), at(NOW + 60)));
        assert_eq!(w.valid_until(at(NOW)), at(NOW + 60));
    }

    #[test]
    fn ahead_means_beyond_the_leeway() {
        let w = Window::default();
        assert!(!w.is_ahead(at(NOW + 60), at(NOW)));
        assert!(w.is_ahead(at(NOW + 61), at(NOW)));
    }

    #[test]
    fn the_cap_bounds_both_ends_plus_the_leeway() {
        let w = Window::default();
        assert!(!w.lives_too_long(at(NOW + 3660), at(NOW)));
        assert!(w.lives_too_long(at(NOW + 3661), at(NOW)));
        assert!(!w.issued_too_long_ago(at(NOW - 3660), at(NOW)));
        assert!(w.issued_too_long_ago(at(NOW - 3661), at(NOW)));
    }

    #[test]
    fn no_cap_or_an_unrepresentable_one_caps_nothing() {
        let mut w = Window::default();
        w.set_max_lifetime(None);
        assert!(!w.lives_too_long(at(u64::from(u32::MAX) * 60), at(NOW)));
        assert!(!w.issued_too_long_ago(UNIX_EPOCH, at(NOW)));
        w.set_max_lifetime(Some(Duration::MAX));
        assert!(!w.lives_too_long(at(u64::from(u32::MAX) * 60), at(NOW)));
        assert!(!w.issued_too_long_ago(UNIX_EPOCH, at(NOW)));
    }

    #[test]
    fn a_huge_leeway_saturates_instead_of_wrapping() {
        let mut w = Window::default();
        w.set_leeway(Duration::MAX);
        assert!(!w.has_expired(at(NOW), at(NOW + 86_400)));
        assert!(!w.is_ahead(at(NOW + 86_400), at(NOW)));
    }
}
