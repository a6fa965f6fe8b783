//! The DPoP verifier's own error: why a received DPoP proof (RFC 9449 §4.3) was
//! refused.

use std::fmt;

use crate::key::KeyError;
use crate::key::algorithm::Algorithm;

/// Why a DPoP proof was refused (RFC 9449 §4.3, §7.1).
///
/// A server answers most of them with `invalid_dpop_proof`, the nonce ones with
/// `use_dpop_nonce` and a fresh `DPoP-Nonce` header, and a key that does not match
/// the access token's binding with `invalid_token`: [`DpopError::error_code`] says
/// which.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DpopError {
    /// Not a compact JWS, or a part does not decode; the text says which.
    Malformed(&'static str),
    /// The `typ` header is not `dpop+jwt` (RFC 9449 §4.2): the JWT is some other
    /// kind of token, which must not pass as a proof.
    WrongType,
    /// The `alg` header names no algorithm this crate knows (including `none`): the
    /// name as received, cut to 32 characters, control characters as spaces.
    UnsupportedAlgorithm(Box<str>),
    /// The algorithm is symmetric (`HS256`...), not on the verifier's allow-list,
    /// or does not fit the `jwk`'s key type.
    AlgorithmNotAllowed(Algorithm),
    /// The `jwk` header is missing, not an object, carries a private key, or is no
    /// public key this crate can use; the inner error says which.
    BadKey(KeyError),
    /// The signature does not verify with the key in the `jwk` header.
    InvalidSignature,
    /// A required claim (`jti`, `htm`, `htu`, `iat`) is missing.
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type.
    InvalidClaim(&'static str),
    /// `htm` is not the method of the request the proof came with.
    WrongMethod {
        /// The `htm` received (cut to 80 characters, control characters as spaces).
        received: Box<str>,
    },
    /// `htu` is not the URL of the request the proof came with (compared without
    /// query and fragment, after RFC 3986 §6.2.2 and §6.2.3 normalization).
    WrongUrl {
        /// The `htu` received (cut and neutralized as in `WrongMethod`).
        received: Box<str>,
    },
    /// `iat` is further in the past than the verifier's maximum age, or ahead of
    /// now beyond the leeway.
    IssuedAtOutOfRange {
        /// The `iat` received, in seconds since 1970 (negative ones as 0).
        iat: u64,
        /// The time of the check, in seconds since 1970.
        now: u64,
    },
    /// This proof's `jti` was seen before: a replay (RFC 9449 §11.1).
    Replayed,
    /// The server requires a nonce and the proof carries none (RFC 9449 §8): answer
    /// `use_dpop_nonce` with a `DPoP-Nonce` header.
    MissingNonce,
    /// The proof's `nonce` is not one the server currently accepts.
    WrongNonce,
    /// A proof sent with an access token has no `ath` (RFC 9449 §4.2).
    MissingAccessTokenHash,
    /// `ath` is not the hash of the access token presented with the proof.
    WrongAccessTokenHash,
    /// The access token is bound to another key: its `cnf.jkt` is not the
    /// thumbprint of the proof's `jwk` (RFC 9449 §6).
    KeyMismatch,
    /// The access token presented with `Authorization: DPoP` carries no `cnf.jkt`:
    /// it is no DPoP-bound token (RFC 9449 §7.1).
    TokenNotBound,
    /// The verifier's own request URL ([`ProofValidation::new`]) is not an absolute
    /// `http://` or `https://` URL with a host (a path alone, say): a server
    /// misconfiguration, not the client's fault, so no proof can pass. Answer it
    /// as a server error (500).
    ///
    /// [`ProofValidation::new`]: crate::jwt::dpop::ProofValidation::new
    InvalidRequestUrl,
}

impl DpopError {
    /// The OAuth error code a server answers with (RFC 9449 §5, §7.1, §8, §9):
    /// `use_dpop_nonce` for [`MissingNonce`](DpopError::MissingNonce) and
    /// [`WrongNonce`](DpopError::WrongNonce); `invalid_token` for an access token
    /// that does not belong to the proof's key ([`KeyMismatch`](DpopError::KeyMismatch),
    /// [`TokenNotBound`](DpopError::TokenNotBound)); `server_error` for the
    /// verifier's own mistake ([`InvalidRequestUrl`](DpopError::InvalidRequestUrl));
    /// `invalid_dpop_proof` for the rest.
    ///
    /// ```
    /// use s2s_oauth::jwt::dpop::DpopError;
    /// assert_eq!(DpopError::MissingNonce.error_code(), "use_dpop_nonce");
    /// assert_eq!(DpopError::Replayed.error_code(), "invalid_dpop_proof");
    /// ```
    pub fn error_code(&self) -> &'static str {
        match self {
            DpopError::MissingNonce | DpopError::WrongNonce => "use_dpop_nonce",
            DpopError::KeyMismatch | DpopError::TokenNotBound => "invalid_token",
            DpopError::InvalidRequestUrl => "server_error",
            _ => "invalid_dpop_proof",
        }
    }
}

impl fmt::Display for DpopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DpopError::Malformed(what) => write!(f, "malformed DPoP proof: {what}"),
            DpopError::WrongType => f.write_str(
                "the DPoP proof's typ header is not \"dpop+jwt\" (RFC 9449 §4.2): send a DPoP proof, not another JWT",
            ),
            DpopError::UnsupportedAlgorithm(alg) => {
                write!(
                    f,
                    "the DPoP proof's alg {alg:?} is not supported: sign proofs with ES256 (the usual choice), ES384, EdDSA, RS256/384/512 or PS256/384/512"
                )
            }
            DpopError::AlgorithmNotAllowed(alg) => write!(
                f,
                "the DPoP proof's alg {alg} is not allowed (asymmetric algorithms on the verifier's list only, fitting the jwk)"
            ),
            DpopError::BadKey(e) => write!(f, "the DPoP proof's jwk header is refused: {e}"),
            DpopError::InvalidSignature => f.write_str(
                "the DPoP proof's signature does not verify with the key in its jwk header",
            ),
            DpopError::MissingClaim(c) => {
                write!(f, "the DPoP proof has no {c:?} claim (RFC 9449 §4.2)")
            }
            DpopError::InvalidClaim(c) => {
                write!(f, "the DPoP proof's {c:?} claim has the wrong type")
            }
            DpopError::WrongMethod { received } => write!(
                f,
                "the DPoP proof's htm {received:?} is not this request's method: make a proof per request"
            ),
            DpopError::WrongUrl { received } => write!(
                f,
                "the DPoP proof's htu {received:?} is not this request's URL: make the proof for the URL the request goes to"
            ),
            DpopError::IssuedAtOutOfRange { iat, now } => {
                if iat > now {
                    write!(
                        f,
                        "the DPoP proof's iat is {} s in the future (iat {iat}, now {now}): check the client's clock",
                        iat - now
                    )
                } else {
                    write!(
                        f,
                        "the DPoP proof's iat is {} s old (iat {iat}, now {now}), older than the verifier accepts: make a fresh proof per request, and check the client's clock",
                        now - iat
                    )
                }
            }
            DpopError::Replayed => f.write_str(
                "the DPoP proof's jti was already used (replay): make a fresh proof per request",
            ),
            DpopError::MissingNonce => f.write_str(
                "the server requires a DPoP nonce and the proof has none: send it again with the server's DPoP-Nonce",
            ),
            DpopError::WrongNonce => f.write_str(
                "the DPoP proof's nonce is not one the server accepts: send it again with the server's latest DPoP-Nonce",
            ),
            DpopError::MissingAccessTokenHash => f.write_str(
                "the DPoP proof sent with an access token has no ath claim (RFC 9449 §4.2): make the proof with the access token (DpopKey::resource_headers does)",
            ),
            DpopError::WrongAccessTokenHash => f.write_str(
                "the DPoP proof's ath is not the hash of the access token sent with it: make the proof with the token the request carries",
            ),
            DpopError::KeyMismatch => f.write_str(
                "the access token is bound to another key than the DPoP proof's (cnf.jkt differs)",
            ),
            DpopError::TokenNotBound => f.write_str(
                "the access token sent with Authorization: DPoP is not DPoP-bound (no cnf.jkt)",
            ),
            DpopError::InvalidRequestUrl => f.write_str(
                "the DPoP verifier's request URL is not an absolute http:// or https:// URL with a host: pass ProofValidation::new the full URL the request was received at (scheme and host included, as the client sees them behind any proxy), not a path",
            ),
        }
    }
}

impl std::error::Error for DpopError {}

impl From<DpopError> for crate::error::Error {
    fn from(e: DpopError) -> Self {
        crate::error::Error::Dpop(e)
    }
}
