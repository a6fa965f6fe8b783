//! JWT assertions: a claims builder, compact JWS signing, and verification per
//! RFC 7523 §3 for servers that receive assertions.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use ring::rand::SecureRandom;

use crate::algorithm::Algorithm;
use crate::error::Error;
use crate::key::{SigningKey, VerifyingKey};
use crate::secret::Assertion;

/// The default assertion lifetime: 180 seconds, the most Salesforce accepts.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(180);

/// The `aud` claim: one audience or several (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Serialized as a string.
    One(String),
    /// Serialized as an array of strings.
    Many(Vec<String>),
}

impl From<&str> for Audience {
    fn from(s: &str) -> Self {
        Audience::One(s.to_owned())
    }
}

impl From<String> for Audience {
    fn from(s: String) -> Self {
        Audience::One(s)
    }
}

impl From<Vec<String>> for Audience {
    fn from(v: Vec<String>) -> Self {
        Audience::Many(v)
    }
}

/// The claims of a JWT assertion or client assertion (RFC 7523 §3).
///
/// Required claims are constructor arguments; the rest are `with_*` setters. `exp`,
/// `iat` and `jti` are filled in when the claims are signed, from the clock and
/// random source passed to [`Claims::sign_at`] (or the system's, with
/// [`Claims::sign`]).
#[derive(Debug, Clone)]
pub struct Claims {
    issuer: String,
    subject: Option<String>,
    audience: Audience,
    lifetime: Duration,
    issued_at: bool,
    not_before: bool,
    jti: Jti,
    extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone)]
enum Jti {
    Random,
    Fixed(String),
    Omit,
}

/// Checks what a server verifying a JWT assertion requires (RFC 7523 §3).
#[derive(Debug, Clone)]
pub struct Validation {
    audiences: Vec<String>,
    issuer: Option<String>,
    subject: Option<String>,
    algorithms: Option<Vec<Algorithm>>,
    leeway: Duration,
    max_lifetime: Option<Duration>,
    require_jti: bool,
}

/// A caller-owned record of the `jti` values already seen, for replay protection.
pub trait ReplayCache {
    /// Records `jti` (valid until `expires_at`) and returns `true` if it was not
    /// seen before, `false` if it is a replay.
    fn check_and_insert(&mut self, jti: &str, expires_at: SystemTime) -> bool;
}

impl ReplayCache for HashSet<String> {
    fn check_and_insert(&mut self, jti: &str, _expires_at: SystemTime) -> bool {
        self.insert(jti.to_owned())
    }
}

/// A JWT whose signature and claims passed [`verify`].
#[derive(Debug, Clone)]
pub struct VerifiedJwt {
    algorithm: Algorithm,
    header: serde_json::Map<String, serde_json::Value>,
    claims: serde_json::Map<String, serde_json::Value>,
}

/// A JWT decoded **without** verification, to find out which key to verify it
/// with (by `iss` or `kid`). Never trust its contents.
#[derive(Debug, Clone)]
pub struct UnverifiedJwt {
    header: serde_json::Map<String, serde_json::Value>,
    claims: serde_json::Map<String, serde_json::Value>,
}

impl Claims {
    /// Claims for an assertion grant: `iss`, `sub`, `aud` (RFC 7523 §3).
    pub fn new(
        issuer: impl Into<String>,
        subject: impl Into<String>,
        audience: impl Into<Audience>,
    ) -> Self {
        let _ = (issuer.into(), subject.into(), audience.into());
        todo!()
    }

    /// Signs with the system clock and random source.
    pub fn sign(&self, key: &SigningKey) -> Result<Assertion, Error> {
        let _ = key;
        todo!()
    }

    /// Signs as of `now`, drawing `jti` (and ECDSA/PSS randomness) from `rng`.
    pub fn sign_at(
        &self,
        key: &SigningKey,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<Assertion, Error> {
        let _ = (
            key,
            now,
            rng,
            &self.issuer,
            &self.subject,
            &self.audience,
            self.lifetime,
            self.issued_at,
            self.not_before,
            &self.jti,
            &self.extra,
        );
        todo!()
    }
}

impl Validation {
    /// Accepts assertions whose `aud` contains `audience`.
    pub fn new(audience: impl Into<String>) -> Self {
        let _ = audience.into();
        todo!()
    }
}

/// Verifies a compact JWT per RFC 7523 §3 as of `now`.
pub fn verify(
    token: &str,
    key: &VerifyingKey,
    validation: &Validation,
    now: SystemTime,
    replay: Option<&mut dyn ReplayCache>,
) -> Result<VerifiedJwt, Error> {
    let _ = (token, key, validation, now, replay);
    todo!()
}

impl VerifiedJwt {
    /// The `iss` claim.
    pub fn issuer(&self) -> &str {
        let _ = (&self.algorithm, &self.header, &self.claims);
        todo!()
    }
}

impl UnverifiedJwt {
    /// Decodes header and claims without checking anything.
    pub fn decode(token: &str) -> Result<Self, Error> {
        let _ = token;
        todo!()
    }

    /// The unverified `iss` claim.
    pub fn issuer(&self) -> Option<&str> {
        let _ = (&self.header, &self.claims);
        todo!()
    }
}
