//! Verifying a JWT against a JWK Set (the key chosen by `kid` and `alg`), and the
//! JWT access-token profile of RFC 9068 on top of it: what a resource server
//! checks in the bearer token it is handed.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::verify::{Validation, VerifiedJwt, verify};
use super::{Confirmation, JwtError, ReplayCache, decode_object, split_raw};
use crate::error::Error;
use crate::error::jwt::{ECHO_LEN, echo};
use crate::key::algorithm::Algorithm;
use crate::key::jwks::Jwks;

/// The lifetime cap of [`AccessTokenValidation`]: one day. Access tokens live
/// longer than assertions (an hour is common; Salesforce's follow the org's
/// session timeout, up to a day).
pub const DEFAULT_ACCESS_TOKEN_MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// What the header says before anything is verified: the algorithm, `kid` and
/// `typ`, to choose the key with.
struct Peek {
    algorithm: Algorithm,
    kid: Option<String>,
    typ: Option<String>,
}

fn peek(token: &str) -> Result<Peek, JwtError> {
    let parts = split_raw(token)?;
    let header = decode_object(
        parts.header,
        "the header is not base64url-encoded JSON object",
    )?;
    let algorithm = match header.get("alg") {
        Some(Value::String(alg)) => alg.parse().map_err(|_| {
            JwtError::UnsupportedAlgorithm(
                alg.chars().take(32).map(crate::error::neutral).collect(),
            )
        })?,
        Some(_) => return Err(JwtError::Malformed("the alg header is not a string")),
        None => return Err(JwtError::Malformed("the header has no alg")),
    };
    let text = |name: &'static str, what: &'static str| match header.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(JwtError::Malformed(what)),
    };
    Ok(Peek {
        algorithm,
        kid: text("kid", "the kid header is not a string")?,
        typ: text("typ", "the typ header is not a string")?,
    })
}

/// Verifies `token` with the key of `jwks` its header names (RFC 7515 §4.1.4:
/// `kid`; without one, every key that fits its `alg` is tried, in the set's
/// order), then its claims per `validation`, as [`verify`] does.
///
/// No key with the token's `kid` that fits its `alg` is
/// [`JwtError::NoMatchingKey`]. A token is checked against at most
/// [`Jwks::MAX_SIGNATURE_CHECKS`] keys: when more fit (a token without `kid`
/// against a set with many keys of its algorithm, a set repeating a `kid`), it
/// is [`JwtError::AmbiguousKey`], refused before any signature check, so that a
/// token cannot make the verifier try every key. With a caller-owned
/// [`JwksCache`](crate::discovery::JwksCache), an unknown `kid` may mean the
/// issuer rotated its keys: see [`JwksCache::verify`](crate::discovery::JwksCache::verify).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::jwt::{Claims, Jwks, Validation, verify_with_jwks};
///
/// let key = SigningKey::from_pem(include_bytes!("../../tests/data/keys/ed25519.pkcs8.pem"))?.with_kid("k1");
/// let set = Jwks::from_keys([(key.verifying_key(), Some("k1".to_owned()))]);
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let jwt = Claims::for_client("app", "https://api.example").sign_at(&key, now, &ring::rand::SystemRandom::new())?;
/// let verified = verify_with_jwks(jwt.expose_secret(), &set, &Validation::new("https://api.example"), now, None)?;
/// assert_eq!(verified.issuer(), "app");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn verify_with_jwks(
    token: &str,
    jwks: &Jwks,
    validation: &Validation,
    now: SystemTime,
    replay: Option<&mut dyn ReplayCache>,
) -> Result<VerifiedJwt, Error> {
    let peek = peek(token)?;
    verify_peeked(token, &peek, jwks, validation, now, replay)
}

fn verify_peeked(
    token: &str,
    peek: &Peek,
    jwks: &Jwks,
    validation: &Validation,
    now: SystemTime,
    mut replay: Option<&mut dyn ReplayCache>,
) -> Result<VerifiedJwt, Error> {
    let candidates = jwks.candidates(peek.kid.as_deref(), peek.algorithm).count();
    if candidates > Jwks::MAX_SIGNATURE_CHECKS {
        return Err(JwtError::AmbiguousKey {
            kid: peek.kid.as_deref().map(|kid| echo(kid, ECHO_LEN)),
            algorithm: peek.algorithm,
            candidates,
        }
        .into());
    }
    let mut tried = false;
    for jwk in jwks.candidates(peek.kid.as_deref(), peek.algorithm) {
        tried = true;
        let replay = replay.as_mut().map(|r| &mut **r as &mut dyn ReplayCache);
        match verify(token, jwk.key(), validation, now, replay) {
            // Another key of the same kid (a rotation that reused it, a set that
            // repeats it) may be the one: the claims are not read until one fits.
            Err(Error::Jwt(JwtError::InvalidSignature)) => continue,
            other => return other,
        }
    }
    Err(if tried {
        JwtError::InvalidSignature
    } else {
        JwtError::NoMatchingKey {
            kid: peek.kid.as_deref().map(|kid| echo(kid, ECHO_LEN)),
            algorithm: peek.algorithm,
        }
    }
    .into())
}

/// Whether a JWK Set lookup for `token` would find no key: the `kid` (or, with
/// none, the algorithm) is unknown to the set. A cache refetches on that.
pub(crate) fn key_is_unknown(token: &str, jwks: &Jwks) -> bool {
    peek(token).is_ok_and(|peek| jwks.select(peek.kid.as_deref(), peek.algorithm).is_none())
}

/// The rules for a JWT access token (RFC 9068 §4): `typ` `at+jwt` (or
/// `application/at+jwt`), `iss` the issuer, `aud` naming this resource server,
/// `exp`, `iat`, `sub`, `client_id` and `jti` present, the signature by a key of
/// the issuer's JWK Set. `scope` is read as a set; the `cnf` binding (RFC 7800)
/// is handed to the caller for the DPoP (RFC 9449) or mutual-TLS (RFC 8705)
/// check.
///
/// Tokens live up to [`DEFAULT_ACCESS_TOKEN_MAX_LIFETIME`] (`exp` no further
/// ahead, `iat` no older), 60 s of clock skew allowed.
///
/// ```
/// use std::time::Duration;
/// use s2s_oauth::jwt::AccessTokenValidation;
/// let rules = AccessTokenValidation::new("https://as.example", "https://api.example")
///     .require_scope("orders:read")
///     .with_leeway(Duration::from_secs(30));
/// # let _ = rules;
/// ```
#[derive(Debug, Clone)]
pub struct AccessTokenValidation {
    validation: Validation,
    types: Vec<String>,
    require_client_id: bool,
    require_issued_at: bool,
    scopes: Vec<String>,
}

impl AccessTokenValidation {
    /// Tokens from `issuer` (compared byte for byte with `iss`, RFC 9068 §4) for
    /// `audience` (this resource server's identifier, as its resource indicator).
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        AccessTokenValidation {
            validation: Validation::new(audience)
                .with_issuer(issuer)
                .require_jti()
                .with_max_lifetime(DEFAULT_ACCESS_TOKEN_MAX_LIFETIME),
            types: vec!["at+jwt".to_owned()],
            require_client_id: true,
            require_issued_at: true,
            scopes: Vec::new(),
        }
    }

    /// Accepts this audience too.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.validation = self.validation.with_audience(audience);
        self
    }

    /// The clock-skew allowance on `exp`, `nbf` and `iat` (default 60 s).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.validation = self.validation.with_leeway(leeway);
        self
    }

    /// How far ahead `exp` and how old `iat` may be (default one day).
    pub fn with_max_lifetime(mut self, max_lifetime: Duration) -> Self {
        self.validation = self.validation.with_max_lifetime(max_lifetime);
        self
    }

    /// Accepts only these algorithms (RFC 9068 §4: the resource server may
    /// insist on the algorithms it was told about).
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.validation = self.validation.with_algorithms(algorithms);
        self
    }

    /// Requires this scope among the token's (repeatable: all are required).
    pub fn require_scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Takes this `typ` too, compared without regard to case, an
    /// `application/` prefix ignored (RFC 7515 §4.1.9). For an issuer that does
    /// not follow RFC 9068's `at+jwt` (Salesforce: `JWT`): weaker, since an ID
    /// token of that issuer with the same audience would pass too.
    pub fn accept_type(mut self, typ: impl Into<String>) -> Self {
        self.types.push(typ.into());
        self
    }

    /// Does not require `client_id` (RFC 9068 §2.2 requires it; some issuers
    /// leave it out).
    pub fn without_client_id(mut self) -> Self {
        self.require_client_id = false;
        self
    }

    /// Does not require `jti` and `iat` (RFC 9068 §2.2 requires them; some
    /// issuers leave them out).
    pub fn without_jti_and_iat(mut self) -> Self {
        self.validation = self.validation.jti_optional();
        self.require_issued_at = false;
        self
    }

    /// The JWT rules underneath (audience, issuer, times, algorithms).
    pub fn validation(&self) -> &Validation {
        &self.validation
    }

    fn type_accepted(&self, typ: Option<&str>) -> bool {
        let Some(typ) = typ else {
            return false;
        };
        let bare = |t: &str| {
            let lower = t.to_ascii_lowercase();
            lower
                .strip_prefix("application/")
                .map(str::to_owned)
                .unwrap_or(lower)
        };
        let typ = bare(typ);
        self.types.iter().any(|t| bare(t) == typ)
    }
}

/// A JWT access token that passed [`verify_access_token`] (RFC 9068).
#[derive(Debug, Clone)]
pub struct VerifiedAccessToken {
    jwt: VerifiedJwt,
    client_id: Option<Box<str>>,
    scopes: BTreeSet<String>,
    confirmation: Confirmation,
}

impl VerifiedAccessToken {
    /// The verified JWT: header, every claim, times.
    pub fn jwt(&self) -> &VerifiedJwt {
        &self.jwt
    }

    /// `iss`.
    pub fn issuer(&self) -> &str {
        self.jwt.issuer()
    }

    /// `sub`: the resource owner, or the client itself in a client credentials
    /// grant (RFC 9068 §2.2).
    pub fn subject(&self) -> Option<&str> {
        self.jwt.subject()
    }

    /// `client_id` (RFC 8693 §4.3), if present.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The granted scopes: `scope` split at spaces (RFC 9068 §2.2.3), or
    /// `scp` when there is no `scope` (a string or an array of strings, as
    /// Salesforce, Okta and Entra write it).
    pub fn scopes(&self) -> &BTreeSet<String> {
        &self.scopes
    }

    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    /// The token's `cnf` (RFC 7800): what it is bound to. A token with a `jkt`
    /// must come with a DPoP proof of that key (RFC 9449 §7); this verifier does
    /// not see the request, so the caller checks it.
    pub fn confirmation(&self) -> &Confirmation {
        &self.confirmation
    }

    /// `exp`.
    pub fn expires_at(&self) -> SystemTime {
        self.jwt.expires_at()
    }
}

/// Verifies a JWT access token (RFC 9068 §4) against the issuer's JWK Set as of
/// `now`: `typ`, the signature with the key the header names, then `iss`,
/// `aud`, `exp`, `nbf`, `iat`, `sub`, `jti`, `client_id` and the required
/// scopes. The caller still checks the `cnf` binding
/// ([`VerifiedAccessToken::confirmation`]) against the request's DPoP proof or client
/// certificate.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::jwt::{AccessTokenValidation, Jwks, verify_access_token};
///
/// let key = SigningKey::from_pem(include_bytes!("../../tests/data/keys/p256.pkcs8.pem"))?.with_kid("k1");
/// let jwks = Jwks::from_keys([(key.verifying_key(), Some("k1".into()))]);
/// # let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// # let token = s2s_oauth::jwt::AccessTokenClaims::new("https://as.example", "https://api.example", "svc", "billing")
/// #     .with_scope("orders:read orders:write").sign_at(&key, now, &ring::rand::SystemRandom::new())?;
/// let rules = AccessTokenValidation::new("https://as.example", "https://api.example").require_scope("orders:read");
/// let token = verify_access_token(token.expose_secret(), &jwks, &rules, now)?;
/// assert_eq!(token.client_id(), Some("billing"));
/// assert!(token.has_scope("orders:write"));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn verify_access_token(
    token: &str,
    jwks: &Jwks,
    rules: &AccessTokenValidation,
    now: SystemTime,
) -> Result<VerifiedAccessToken, Error> {
    let peek = peek(token)?;
    check_type(&peek, rules)?;
    let jwt = verify_peeked(token, &peek, jwks, &rules.validation, now, None)?;
    finish(jwt, rules)
}

fn check_type(peek: &Peek, rules: &AccessTokenValidation) -> Result<(), JwtError> {
    if rules.type_accepted(peek.typ.as_deref()) {
        Ok(())
    } else {
        Err(JwtError::WrongType {
            received: peek.typ.as_deref().map(|t| echo(t, 32)),
        })
    }
}

/// The RFC 9068 claims beyond what [`verify`] checked.
fn finish(jwt: VerifiedJwt, rules: &AccessTokenValidation) -> Result<VerifiedAccessToken, Error> {
    if rules.require_issued_at && jwt.issued_at().is_none() {
        return Err(JwtError::MissingClaim("iat").into());
    }
    let claims = jwt.claims();
    let client_id = match claims.get("client_id") {
        Some(Value::String(id)) => Some(Box::<str>::from(id.as_str())),
        Some(_) => return Err(JwtError::InvalidClaim("client_id").into()),
        None if rules.require_client_id => return Err(JwtError::MissingClaim("client_id").into()),
        None => None,
    };
    let scopes = scopes(claims)?;
    if let Some(missing) = rules.scopes.iter().find(|s| !scopes.contains(*s)) {
        return Err(JwtError::MissingScope(echo(missing, ECHO_LEN)).into());
    }
    let confirmation = Confirmation::from_claims(claims)?;
    Ok(VerifiedAccessToken {
        jwt,
        client_id,
        scopes,
        confirmation,
    })
}

fn scopes(claims: &serde_json::Map<String, Value>) -> Result<BTreeSet<String>, JwtError> {
    let split = |s: &str| {
        s.split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) => Ok(split(s)),
        (Some(_), _) => Err(JwtError::InvalidClaim("scope")),
        (None, None) => Ok(BTreeSet::new()),
        (None, Some(Value::String(s))) => Ok(split(s)),
        (None, Some(Value::Array(items))) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or(JwtError::InvalidClaim("scp")),
        (None, Some(_)) => Err(JwtError::InvalidClaim("scp")),
    }
}
