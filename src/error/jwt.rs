//! The JWT layer's own error: why a received JWT was rejected.

use std::fmt;
use std::time::Duration;

use crate::error::neutral;
use crate::key::algorithm::Algorithm;

/// The most characters of a received value (`iss`, `sub`, `aud`, `alg`) an error
/// keeps: enough to recognize it, too few to flood a log.
pub(crate) const ECHO_LEN: usize = 80;

/// Why a received JWT was rejected (RFC 7523 §3, RFC 7519 §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// Not a compact JWS, or its parts do not decode; the text says which part.
    Malformed(&'static str),
    /// The `alg` header names an algorithm this crate does not accept (including
    /// `none`). The name as received, read before the signature could be checked:
    /// cut to 32 characters, control and bidi characters shown as spaces.
    UnsupportedAlgorithm(Box<str>),
    /// The `alg` is not on the verifier's allow-list or does not fit the key.
    AlgorithmNotAllowed(Algorithm),
    /// The signature does not verify with the configured key.
    InvalidSignature,
    /// A required claim is missing.
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type.
    InvalidClaim(&'static str),
    /// `iss` is not the expected issuer.
    WrongIssuer {
        /// The `iss` received (read after the signature check; cut to 80
        /// characters, control and bidi characters shown as spaces).
        received: Box<str>,
    },
    /// `sub` is not the expected subject.
    WrongSubject {
        /// The `sub` received (cut and neutralized as in `WrongIssuer`).
        received: Box<str>,
    },
    /// None of the `aud` values is an accepted audience.
    WrongAudience {
        /// The `aud` values received, each quoted and escaped as Rust's `{:?}`
        /// does (`\n`, `\u{202e}`), joined by `", "`, cut to 80 characters in all.
        received: Box<str>,
    },
    /// `exp` is in the past (beyond the leeway).
    Expired {
        /// How long ago `exp` was, at the time of the check (the leeway not
        /// subtracted).
        ago: Duration,
    },
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid {
        /// How far ahead `nbf` is, at the time of the check.
        starts_in: Duration,
    },
    /// `iat` is in the future, or further in the past than the verifier allows.
    IssuedAtOutOfRange {
        /// The `iat` received, in seconds since 1970 (NumericDate; a fraction of a
        /// second rounded up when `iat` is ahead).
        iat: u64,
        /// The time of the check, in seconds since 1970.
        now: u64,
        /// The verifier's maximum lifetime in seconds, leeway not added (`0`:
        /// none; then only a future `iat` is refused).
        max_lifetime: u64,
    },
    /// `exp` is further ahead of now than the verifier allows.
    LifetimeTooLong {
        /// The `exp` received, in seconds since 1970 (NumericDate).
        exp: u64,
        /// The time of the check, in seconds since 1970.
        now: u64,
        /// The verifier's maximum lifetime in seconds, leeway not added.
        max_lifetime: u64,
    },
    /// The verified claims do not fit the type asked for with
    /// [`VerifiedJwt::claims_as`](crate::jwt::VerifiedJwt::claims_as): serde's reason
    /// (cut to 200 characters, control and bidi characters shown as spaces).
    ClaimsMismatch(Box<str>),
    /// No `jti`, while the verifier requires one for replay protection.
    MissingJti,
    /// This `jti` was seen before: the assertion is a replay.
    Replayed,
    /// No key of the JWK Set (RFC 7517 §5) may check this token: none has its
    /// `kid`, or none with it fits its `alg`.
    NoMatchingKey {
        /// The token's `kid` (cut and neutralized as in `WrongIssuer`), if any.
        kid: Option<Box<str>>,
        /// The token's algorithm.
        algorithm: Algorithm,
    },
    /// More keys of the JWK Set may check this token than one token is allowed
    /// to cost ([`Jwks::MAX_SIGNATURE_CHECKS`](crate::jwt::Jwks::MAX_SIGNATURE_CHECKS)):
    /// a token without `kid` against a set with many keys of its algorithm, or a
    /// set that repeats the token's `kid` on many keys. Refused before any
    /// signature is checked, so that a flood of such tokens cannot exhaust the CPU.
    AmbiguousKey {
        /// The token's `kid` (cut and neutralized as in `WrongIssuer`), if any.
        kid: Option<Box<str>>,
        /// The token's algorithm.
        algorithm: Algorithm,
        /// How many keys of the set fit.
        candidates: usize,
    },
    /// The token lacks a scope the caller requires
    /// ([`AccessTokenValidation::require_scope`](crate::jwt::AccessTokenValidation::require_scope)).
    MissingScope(Box<str>),
    /// The `typ` header is not one this profile takes (RFC 9068 §2.1: `at+jwt`).
    WrongType {
        /// The `typ` received (cut and neutralized), if any.
        received: Option<Box<str>>,
    },
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::Malformed(what) => write!(f, "malformed JWT: {what}"),
            JwtError::UnsupportedAlgorithm(alg) => write!(f, "unsupported alg {alg:?}"),
            JwtError::AlgorithmNotAllowed(alg) => {
                write!(f, "alg {alg} is not allowed for this key")
            }
            JwtError::InvalidSignature => f.write_str("signature does not verify"),
            JwtError::MissingClaim(c) => write!(f, "required claim {c:?} is missing"),
            JwtError::InvalidClaim(c) => write!(f, "claim {c:?} has the wrong type"),
            JwtError::WrongIssuer { received } => write!(
                f,
                "iss {received:?} is not the expected issuer: sign with the issuer this server expects, or change Validation::with_issuer"
            ),
            JwtError::WrongSubject { received } => write!(
                f,
                "sub {received:?} is not the expected subject: sign for the subject this server expects, or change Validation::with_subject"
            ),
            JwtError::WrongAudience { received } => write!(
                f,
                "aud [{received}] does not name this server: sign for one of its audiences, or add this one with Validation::with_audience"
            ),
            JwtError::Expired { ago } => write!(
                f,
                "the assertion has expired (exp was {} ago): sign a fresh assertion for each request, and check the signer's clock",
                Seconds(*ago)
            ),
            JwtError::NotYetValid { starts_in } => write!(
                f,
                "the assertion is not valid yet (nbf is {} ahead): check the signer's clock",
                Seconds(*starts_in)
            ),
            JwtError::IssuedAtOutOfRange {
                iat,
                now,
                max_lifetime,
            } => {
                if iat > now {
                    write!(
                        f,
                        "iat is {} s in the future (iat {iat}, now {now}): check the signer's clock",
                        iat - now
                    )
                } else {
                    write!(
                        f,
                        "iat is {} s old (iat {iat}, now {now}), more than the maximum lifetime of {max_lifetime} s allows: sign a fresh assertion for each request, or raise Validation::with_max_lifetime",
                        now - iat
                    )
                }
            }
            JwtError::LifetimeTooLong {
                exp,
                now,
                max_lifetime,
            } => write!(
                f,
                "exp is {} s ahead (exp {exp}, now {now}), more than the maximum lifetime of {max_lifetime} s allows: sign assertions that live minutes, or raise Validation::with_max_lifetime",
                exp.saturating_sub(*now)
            ),
            JwtError::ClaimsMismatch(why) => write!(
                f,
                "the verified claims do not fit the requested type ({why}): make the field optional or match the claim's type"
            ),
            JwtError::MissingJti => f.write_str("jti is required for replay protection"),
            JwtError::Replayed => f.write_str("jti was already used (replay)"),
            JwtError::NoMatchingKey {
                kid: Some(kid),
                algorithm,
            } => write!(
                f,
                "no key in the issuer's JWK Set has kid {kid:?} for {algorithm}: the token was signed by another issuer, or with a key the set no longer (or not yet) holds"
            ),
            JwtError::NoMatchingKey {
                kid: None,
                algorithm,
            } => write!(
                f,
                "the token has no kid and no key in the issuer's JWK Set fits {algorithm}"
            ),
            JwtError::AmbiguousKey {
                kid: None,
                algorithm,
                candidates,
            } => write!(
                f,
                "the token has no kid and {candidates} keys of the issuer's JWK Set fit {algorithm}, more than the {} tried for one token (a bound on the work a token can cause): the issuer must name the key in the token's kid header",
                crate::key::jwks::Jwks::MAX_SIGNATURE_CHECKS
            ),
            JwtError::AmbiguousKey {
                kid: Some(kid),
                algorithm,
                candidates,
            } => write!(
                f,
                "{candidates} keys of the issuer's JWK Set share kid {kid:?} for {algorithm}, more than the {} tried for one token: the set is broken or hostile; check the jwks_uri with the issuer",
                crate::key::jwks::Jwks::MAX_SIGNATURE_CHECKS
            ),
            JwtError::MissingScope(scope) => write!(
                f,
                "the token does not grant scope {scope:?}: ask the authorization server for a token with it"
            ),
            JwtError::WrongType { received: None } => f.write_str(
                "the header has no typ: an access token (RFC 9068 §2.1) carries typ at+jwt; is this an ID token or another JWT?",
            ),
            JwtError::WrongType {
                received: Some(typ),
            } => write!(
                f,
                "typ {typ:?} is not an access token type (RFC 9068 §2.1 asks for at+jwt): an ID token or another JWT must not be taken as an access token"
            ),
        }
    }
}

impl std::error::Error for JwtError {}

/// A duration as seconds with at most three decimals (`125 s`, `0.5 s`).
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.subsec_millis();
        if millis == 0 {
            write!(f, "{} s", self.0.as_secs())
        } else {
            let fraction = format!("{millis:03}");
            write!(
                f,
                "{}.{} s",
                self.0.as_secs(),
                fraction.trim_end_matches('0')
            )
        }
    }
}

/// At most `max` characters of received `text`, control and format characters as
/// spaces, and `…` if it was cut: what an error may echo of a sender's value.
pub(crate) fn echo(text: &str, max: usize) -> Box<str> {
    let mut out = String::with_capacity(text.len().min(max * 4));
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        out.push(neutral(c));
    }
    out.into_boxed_str()
}
