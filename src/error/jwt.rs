//! The JWT layer's own error: why a received JWT was rejected.

use std::fmt;

use crate::key::algorithm::Algorithm;

/// Why a received JWT was rejected (RFC 7523 §3, RFC 7519 §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtError {
    /// Not a compact JWS, or its parts do not decode; the text says which part.
    Malformed(&'static str),
    /// The `alg` header names an algorithm this crate does not accept (including
    /// `none`).
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
    WrongIssuer,
    /// `sub` is not the expected subject.
    WrongSubject,
    /// None of the `aud` values is an accepted audience.
    WrongAudience,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future, or further in the past than the verifier allows.
    IssuedAtOutOfRange,
    /// `exp` is further ahead of `iat`/now than the verifier allows.
    LifetimeTooLong,
    /// No `jti`, while the verifier requires one for replay protection.
    MissingJti,
    /// This `jti` was seen before: the assertion is a replay.
    Replayed,
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
            JwtError::WrongIssuer => f.write_str("iss is not the expected issuer"),
            JwtError::WrongSubject => f.write_str("sub is not the expected subject"),
            JwtError::WrongAudience => f.write_str("aud does not name this server"),
            JwtError::Expired => f.write_str("the assertion has expired (exp)"),
            JwtError::NotYetValid => f.write_str("the assertion is not valid yet (nbf)"),
            JwtError::IssuedAtOutOfRange => f.write_str(
                "iat is in the future, or further back than the maximum lifetime allows (1 hour by default): sign a fresh assertion for each request, or raise Validation::with_max_lifetime",
            ),
            JwtError::LifetimeTooLong => f.write_str(
                "exp is further ahead than the maximum lifetime allows (1 hour by default): sign assertions that live minutes, or raise Validation::with_max_lifetime",
            ),
            JwtError::MissingJti => f.write_str("jti is required for replay protection"),
            JwtError::Replayed => f.write_str("jti was already used (replay)"),
        }
    }
}

impl std::error::Error for JwtError {}
