//! Replay protection: the caller-owned record of assertion identifiers already
//! seen, shared by the JWT and SAML verifiers.

use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

/// A caller-owned record of the identifiers already seen, for replay protection: a
/// JWT's `jti` (RFC 7523 §3, item 7) or a SAML assertion's `ID` (RFC 7522 §3, item
/// 9). The JWT and SAML verifiers consult it last, only for assertions that passed
/// every other check.
pub trait ReplayCache {
    /// Records `jti`, which must be remembered until `expires_at` (the token's `exp`
    /// plus the verifier's leeway: the first instant the verifier refuses it as
    /// expired, so an entry kept while `expires_at >= now` covers every instant
    /// the token could still be replayed at), and returns `true` if it was not
    /// seen before, `false` if it is a replay. `now` is the verifier's clock, for
    /// pruning.
    fn check_and_insert(&mut self, jti: &str, expires_at: SystemTime, now: SystemTime) -> bool;
}

/// Remembers every `jti` forever: simple, but grows without bound.
impl ReplayCache for HashSet<String> {
    fn check_and_insert(&mut self, jti: &str, _expires_at: SystemTime, _now: SystemTime) -> bool {
        self.insert(jti.to_owned())
    }
}

/// Remembers each `jti` until its token can no longer verify, and prunes the
/// entries that have expired (as of `now`) on every insert, so the map stays as
/// small as the set of live tokens.
///
/// ```
/// use std::collections::HashMap;
/// use std::time::{Duration, UNIX_EPOCH};
/// use s2s_oauth::jwt::ReplayCache;
///
/// let mut seen: HashMap<String, std::time::SystemTime> = HashMap::new();
/// let t = |s| UNIX_EPOCH + Duration::from_secs(s);
/// assert!(seen.check_and_insert("a", t(100), t(0)));
/// assert!(!seen.check_and_insert("a", t(100), t(50)));
/// assert!(seen.check_and_insert("b", t(300), t(200))); // prunes "a"
/// assert_eq!(seen.len(), 1);
/// ```
impl ReplayCache for HashMap<String, SystemTime> {
    fn check_and_insert(&mut self, jti: &str, expires_at: SystemTime, now: SystemTime) -> bool {
        self.retain(|_, until| *until >= now);
        if self.contains_key(jti) {
            return false;
        }
        self.insert(jti.to_owned(), expires_at);
        true
    }
}
