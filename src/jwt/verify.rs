//! Verifying a received JWT assertion: RFC 7523 §3 (with RFC 7519 §7.2 and RFC 7515
//! §5.2), for authorization servers and the testkit.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::members::{self, Header, Member, Registered};
use super::{CLAIMS_NOT_OBJECT, HEADER_NOT_OBJECT, JwtError, ReplayCache, split_raw};
use crate::encoding::base64;
use crate::error::jwt::{ECHO_LEN, echo};
use crate::error::{Error, neutral};
use crate::key::algorithm::Algorithm;
use crate::key::{KeyError, VerifyingKey};
use crate::time::{
    self, MAX_NUMERIC_DATE, Window, from_numeric_date as to_time, saturating_add as add,
    validation_setters,
};

/// What a server verifying a JWT assertion requires (RFC 7523 §3).
///
/// Defaults: `iss` and `sub` must be present (any value), `aud` must contain the
/// audience given here, `exp` must be present and still ahead (RFC 7519 §4.1.4:
/// the token is used *before* `exp`), 60 s leeway, every algorithm that fits the
/// key (never `none`), a lifetime cap of one hour (`exp`
/// at most 1 h ahead of now and `iat`, if present, at most 1 h old, each plus the
/// leeway), `jti` optional.
///
/// The cap is what keeps a signed assertion with `exp` in the year 9999 from being
/// good forever; lift it only with [`dangerous_without_max_lifetime`](Self::dangerous_without_max_lifetime).
///
/// ```
/// use std::time::Duration;
/// use s2s_oauth::Algorithm;
/// use s2s_oauth::jwt::Validation;
/// // Salesforce-like: assertions live 3 minutes at most.
/// let validation = Validation::new("https://as.example/token")
///     .with_issuer("my-client")
///     .with_algorithms(&[Algorithm::RS256, Algorithm::PS256])
///     .with_max_lifetime(Duration::from_secs(180))
///     .require_jti();
/// # let _ = validation;
/// ```
///
/// The default cap at work:
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use s2s_oauth::{Error, SigningKey};
/// use s2s_oauth::jwt::{Claims, JwtError, Validation, verify};
///
/// let key = SigningKey::hmac(b"a shared secret of 32 bytes or more")?;
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let rng = ring::rand::SystemRandom::new();
/// let day = Claims::for_client("my-client", "https://as.example/token")
///     .with_lifetime(Duration::from_secs(86_400))
///     .sign_at(&key, now, &rng)?;
/// let validation = Validation::new("https://as.example/token");
/// let refused = verify(day.expose_secret(), &key.verifying_key(), &validation, now, None);
/// assert!(matches!(refused, Err(Error::Jwt(JwtError::LifetimeTooLong { .. }))));
/// // The explicit opt-out takes it.
/// let open = validation.dangerous_without_max_lifetime();
/// verify(day.expose_secret(), &key.verifying_key(), &open, now, None)?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Validation {
    audiences: Vec<String>,
    issuer: Option<String>,
    subject: Option<String>,
    subject_optional: bool,
    algorithms: Option<Vec<Algorithm>>,
    window: Window,
    require_jti: bool,
}

impl Validation {
    /// Accepts assertions whose `aud` contains `audience` (RFC 7523 §3, item 3).
    pub fn new(audience: impl Into<String>) -> Self {
        Validation {
            audiences: vec![audience.into()],
            issuer: None,
            subject: None,
            subject_optional: false,
            algorithms: None,
            window: Window::default(),
            require_jti: false,
        }
    }

    validation_setters!(
        issuer: "`iss`",
        expiry: "`exp`",
        issued: "`iat`",
        leeway_on: "`exp`, `nbf`, `iat`"
    );

    /// Requires `sub` to equal `subject`.
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Accepts assertions without `sub` (Google service accounts without
    /// delegation). RFC 7523 §3 requires `sub`; this relaxes it.
    pub fn allow_missing_subject(mut self) -> Self {
        self.subject_optional = true;
        self
    }

    /// Accepts only these algorithms (those that do not fit the key are refused
    /// anyway).
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = Some(algorithms.to_vec());
        self
    }

    /// Requires a `jti` (it is always required when a replay cache is passed to
    /// [`verify`]).
    pub fn require_jti(mut self) -> Self {
        self.require_jti = true;
        self
    }

    /// Undoes [`require_jti`](Self::require_jti).
    pub(crate) fn jti_optional(mut self) -> Self {
        self.require_jti = false;
        self
    }

    fn allows(&self, algorithm: Algorithm, key: &VerifyingKey) -> bool {
        let fits = key.key_type().algorithms().contains(&algorithm);
        let listed = match &self.algorithms {
            Some(list) => list.contains(&algorithm),
            None => true,
        };
        fits && listed
    }
}

/// A JWT whose signature and claims passed [`verify`] (RFC 7523 §3).
///
/// The registered claims the verifier checked are kept as read; the whole header
/// and claims objects are parsed into maps only when first asked for
/// ([`claims`](Self::claims), [`header`](Self::header)).
#[derive(Debug, Clone)]
pub struct VerifiedJwt {
    algorithm: Algorithm,
    /// The decoded header and claims JSON, back to back.
    json: Box<[u8]>,
    header_len: usize,
    issuer: Box<str>,
    subject: Option<Box<str>>,
    jti: Option<Box<str>>,
    expires_at: SystemTime,
    issued_at: Option<SystemTime>,
    header: OnceLock<Map<String, Value>>,
    claims: OnceLock<Map<String, Value>>,
}

impl VerifiedJwt {
    /// The algorithm the signature was made with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The `iss` claim.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `sub` claim (absent only with [`Validation::allow_missing_subject`]).
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The `aud` values (one or several).
    pub fn audiences(&self) -> Vec<&str> {
        match self.claims().get("aud") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The `exp` claim as a time.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// The `iat` claim as a time, if present.
    pub fn issued_at(&self) -> Option<SystemTime> {
        self.issued_at
    }

    /// The `jti` claim, if present.
    pub fn jti(&self) -> Option<&str> {
        self.jti.as_deref()
    }

    /// Any claim by name.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims().get(name)
    }

    /// The whole claims object (parsed on first use).
    pub fn claims(&self) -> &Map<String, Value> {
        self.claims
            .get_or_init(|| object(self.json.get(self.header_len..)))
    }

    /// The claims decoded into the caller's own type, as with jsonwebtoken's
    /// `decode::<T>`: registered claims (`iss`, `exp`...) and private ones alike,
    /// by serde. A claim missing from the token or of another type than the field
    /// is [`JwtError::ClaimsMismatch`] saying which.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use serde::Deserialize;
    /// use s2s_oauth::SigningKey;
    /// use s2s_oauth::jwt::{Claims, Validation, verify};
    ///
    /// #[derive(Deserialize)]
    /// struct MyClaims {
    ///     iss: String,
    ///     exp: u64,
    ///     tenant: String,
    /// }
    ///
    /// let key = SigningKey::hmac(b"a shared secret of 32 bytes or more")?;
    /// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let rng = ring::rand::SystemRandom::new();
    /// let jwt = Claims::for_client("my-client", "https://as.example/token")
    ///     .with_claim("tenant", "acme")?
    ///     .sign_at(&key, now, &rng)?;
    /// let validation = Validation::new("https://as.example/token");
    /// let verified = verify(jwt.expose_secret(), &key.verifying_key(), &validation, now, None)?;
    /// let mine: MyClaims = verified.claims_as()?;
    /// assert_eq!((mine.iss.as_str(), mine.tenant.as_str()), ("my-client", "acme"));
    /// assert!(mine.exp > 1_700_000_000);
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn claims_as<T: DeserializeOwned>(&self) -> Result<T, JwtError> {
        T::deserialize(self.claims())
            .map_err(|e| JwtError::ClaimsMismatch(echo(&e.to_string(), 200)))
    }

    /// The whole JOSE header (parsed on first use).
    pub fn header(&self) -> &Map<String, Value> {
        self.header
            .get_or_init(|| object(self.json.get(..self.header_len)))
    }
}

/// A JSON object [`verify`] has read through already: [`members`] accepts only
/// what a `Map` parse accepts, so the empty map is never the answer.
fn object(json: Option<&[u8]>) -> Map<String, Value> {
    json.and_then(|json| serde_json::from_slice(json).ok())
        .unwrap_or_default()
}

/// Verifies a compact JWT per RFC 7523 §3 as of `now`.
///
/// In order: size (64 KiB at most) and shape; `alg` (`none` and unknown names are
/// refused), which must be allowed and fit the key; the signature, before any
/// claim is looked at; then `iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, the lifetime
/// cap (times compared at full precision: `exp` = T is refused from T + leeway
/// on), and last the `jti` replay check through `replay`, so that only tokens that
/// passed everything are recorded. A `crit` header is refused (RFC 7515
/// §4.1.11: this verifier understands no extensions).
///
/// ```
/// use std::collections::HashMap;
/// use std::time::{Duration, UNIX_EPOCH};
/// use s2s_oauth::{Error, SigningKey};
/// use s2s_oauth::jwt::{Claims, JwtError, Validation, verify};
///
/// let key = SigningKey::hmac(b"a shared secret of 32 bytes or more")?;
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let rng = ring::rand::SystemRandom::new();
/// let jwt = Claims::for_client("my-client", "https://as.example/token").sign_at(&key, now, &rng)?;
///
/// let validation = Validation::new("https://as.example/token").with_issuer("my-client");
/// let mut seen = HashMap::new();
/// let ok = verify(jwt.expose_secret(), &key.verifying_key(), &validation, now, Some(&mut seen))?;
/// assert_eq!(ok.subject(), Some("my-client"));
/// let again = verify(jwt.expose_secret(), &key.verifying_key(), &validation, now, Some(&mut seen));
/// assert!(matches!(again, Err(Error::Jwt(JwtError::Replayed))));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn verify(
    token: &str,
    key: &VerifyingKey,
    validation: &Validation,
    now: SystemTime,
    replay: Option<&mut dyn ReplayCache>,
) -> Result<VerifiedJwt, Error> {
    time::unix_seconds(now)?;
    let parts = split_raw(token)?;
    // Header and claims decoded into one buffer of their exact size, which the
    // VerifiedJwt keeps.
    let mut decoded = Vec::with_capacity(
        base64::url_decoded_len(parts.header.len()) + base64::url_decoded_len(parts.claims.len()),
    );
    base64::decode_url_into(parts.header.as_bytes(), &mut decoded)
        .map_err(|_| JwtError::Malformed(HEADER_NOT_OBJECT))?;
    let header_len = decoded.len();
    let header: Header<'_> =
        members::read(&decoded).ok_or(JwtError::Malformed(HEADER_NOT_OBJECT))?;
    let algorithm = allowed_algorithm(&header, key, validation)?;
    let signature = decode_signature(parts.signature)?;
    check_signature(parts.signing_input, &signature, algorithm, key)?;
    // Only now, with the signature checked, are the claims read.
    base64::decode_url_into(parts.claims.as_bytes(), &mut decoded)
        .map_err(|_| JwtError::Malformed(CLAIMS_NOT_OBJECT))?;
    let claims_json = decoded.get(header_len..).unwrap_or_default();
    let claims: Registered<'_> =
        members::read(claims_json).ok_or(JwtError::Malformed(CLAIMS_NOT_OBJECT))?;
    let owned = |s: &str| Box::<str>::from(s);
    let issuer = owned(check_parties(&claims, validation)?);
    let subject = string_claim(claims.sub.as_ref(), "sub")?.map(owned);
    let times = check_times(&claims, validation, now)?;
    let jti = check_replay(&claims, validation, times.expires_until, now, replay)?.map(owned);
    Ok(VerifiedJwt {
        algorithm,
        json: decoded.into_boxed_slice(),
        header_len,
        issuer,
        subject,
        jti,
        expires_at: times.exp,
        issued_at: times.iat,
        header: OnceLock::new(),
        claims: OnceLock::new(),
    })
}

/// The header's `alg`, known to this crate, allowed by `validation` and fitting
/// `key`; a `crit` header is refused. The name comes from the sender, unverified:
/// an error keeps at most 32 characters of it, neutralized.
fn allowed_algorithm(
    header: &Header<'_>,
    key: &VerifyingKey,
    validation: &Validation,
) -> Result<Algorithm, JwtError> {
    let alg_name = match &header.alg {
        Some(Member::Str(alg)) => alg.as_ref(),
        Some(_) => return Err(JwtError::Malformed("the alg header is not a string")),
        None => return Err(JwtError::Malformed("the header has no alg")),
    };
    let algorithm: Algorithm = alg_name.parse().map_err(|_| {
        JwtError::UnsupportedAlgorithm(alg_name.chars().take(32).map(neutral).collect())
    })?;
    if !validation.allows(algorithm, key) {
        return Err(JwtError::AlgorithmNotAllowed(algorithm));
    }
    if header.crit {
        return Err(JwtError::Malformed(
            "the crit header names extensions this verifier does not support",
        ));
    }
    Ok(algorithm)
}

/// The signature part, decoded.
fn decode_signature(signature: &str) -> Result<Vec<u8>, JwtError> {
    let mut decoded = Vec::new();
    base64::decode_url_into(signature.as_bytes(), &mut decoded)
        .map_err(|_| JwtError::Malformed("the signature is not base64url"))?;
    Ok(decoded)
}

/// The signature over the signing input, with `algorithm` and `key`.
fn check_signature(
    signing_input: &str,
    signature: &[u8],
    algorithm: Algorithm,
    key: &VerifyingKey,
) -> Result<(), JwtError> {
    key.verify(algorithm, signing_input.as_bytes(), signature)
        .map_err(|e| match e {
            KeyError::AlgorithmMismatch { requested, .. } => {
                JwtError::AlgorithmNotAllowed(requested)
            }
            _ => JwtError::InvalidSignature,
        })
}

/// `iss`, `sub` and `aud` (RFC 7523 §3 items 1 to 3); the issuer.
fn check_parties<'c>(
    claims: &'c Registered<'_>,
    validation: &Validation,
) -> Result<&'c str, JwtError> {
    let issuer = string_claim(claims.iss.as_ref(), "iss")?.ok_or(JwtError::MissingClaim("iss"))?;
    if let Some(received) = unexpected(validation.issuer.as_deref(), issuer) {
        return Err(JwtError::WrongIssuer { received });
    }
    match string_claim(claims.sub.as_ref(), "sub")? {
        Some(subject) => {
            if let Some(received) = unexpected(validation.subject.as_deref(), subject) {
                return Err(JwtError::WrongSubject { received });
            }
        }
        None if validation.subject_optional && validation.subject.is_none() => {}
        None => return Err(JwtError::MissingClaim("sub")),
    }
    check_audience(claims.aud.as_ref(), &validation.audiences)?;
    Ok(issuer)
}

/// The `received` claim, echoed for an error, when `validation` wants another
/// value; `None` when it matches or nothing particular is wanted.
fn unexpected(want: Option<&str>, received: &str) -> Option<Box<str>> {
    want.is_some_and(|want| want != received)
        .then(|| echo(received, ECHO_LEN))
}

/// The instants a verified token carries.
struct Times {
    exp: SystemTime,
    iat: Option<SystemTime>,
    /// The first instant the token no longer verifies (`exp` plus the leeway).
    expires_until: SystemTime,
}

/// `exp`, `nbf`, `iat` and the lifetime cap (RFC 7523 §3 items 4 to 6).
///
/// Every bound is an instant compared with `now` at full precision (RFC 7519
/// §4.1.4: valid strictly before exp), never whole seconds: a token must not
/// outlive the replay cache entry, which is kept until `expires_until`.
fn check_times(
    claims: &Registered<'_>,
    validation: &Validation,
    now: SystemTime,
) -> Result<Times, JwtError> {
    let window = validation.window;
    let exp = numeric_date(claims.exp.as_ref(), "exp")?.ok_or(JwtError::MissingClaim("exp"))?;
    if window.has_expired(exp, now) {
        return Err(JwtError::Expired {
            ago: since(exp, now),
        });
    }
    if let Some(nbf) = numeric_date(claims.nbf.as_ref(), "nbf")? {
        if window.is_ahead(nbf, now) {
            return Err(JwtError::NotYetValid {
                starts_in: since(now, nbf),
            });
        }
    }
    let iat = numeric_date(claims.iat.as_ref(), "iat")?;
    let cap = window.max_lifetime().map_or(0, |max| max.as_secs());
    let iat_refused = |iat: SystemTime| JwtError::IssuedAtOutOfRange {
        iat: seconds(iat),
        now: seconds(now),
        max_lifetime: cap,
    };
    if let Some(iat) = iat.filter(|&iat| window.is_ahead(iat, now)) {
        // Rounded up: an iat a fraction of a second ahead still reads as ahead.
        return Err(JwtError::IssuedAtOutOfRange {
            iat: seconds_rounded_up(iat),
            now: seconds(now),
            max_lifetime: cap,
        });
    }
    if window.lives_too_long(exp, now) {
        return Err(JwtError::LifetimeTooLong {
            exp: seconds(exp),
            now: seconds(now),
            max_lifetime: cap,
        });
    }
    if let Some(iat) = iat.filter(|&iat| window.issued_too_long_ago(iat, now)) {
        return Err(iat_refused(iat));
    }
    Ok(Times {
        exp,
        iat,
        expires_until: window.valid_until(exp),
    })
}

/// The `jti` requirement, and last the replay check, so that only tokens that
/// passed everything are recorded; the `jti`.
fn check_replay<'c>(
    claims: &'c Registered<'_>,
    validation: &Validation,
    expires_until: SystemTime,
    now: SystemTime,
    replay: Option<&mut dyn ReplayCache>,
) -> Result<Option<&'c str>, JwtError> {
    let jti = string_claim(claims.jti.as_ref(), "jti")?;
    if jti.is_none() && (validation.require_jti || replay.is_some()) {
        return Err(JwtError::MissingJti);
    }
    if let (Some(jti), Some(cache)) = (jti, replay) {
        // The first instant the token no longer verifies: the entry outlives
        // every instant it could be replayed at.
        if !cache.check_and_insert(jti, expires_until, now) {
            return Err(JwtError::Replayed);
        }
    }
    Ok(jti)
}

/// How long from `earlier` to `later` (zero if `later` is not later).
fn since(earlier: SystemTime, later: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or_default()
}

/// Whole seconds since 1970 (zero before).
fn seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Whole seconds since 1970, a fraction counting as a second more.
fn seconds_rounded_up(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| {
        d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
    })
}

/// A string claim: `None` if absent, an error if of another type.
fn string_claim<'c>(
    member: Option<&'c Member<'_>>,
    name: &'static str,
) -> Result<Option<&'c str>, JwtError> {
    match member {
        None => Ok(None),
        Some(Member::Str(s)) => Ok(Some(s)),
        Some(_) => Err(JwtError::InvalidClaim(name)),
    }
}

/// A NumericDate claim (RFC 7519 §2) as an instant, fractions of a second kept;
/// clamped to [1970, end of 9999].
fn numeric_date(
    member: Option<&Member<'_>>,
    name: &'static str,
) -> Result<Option<SystemTime>, JwtError> {
    match member {
        None => Ok(None),
        Some(Member::Int(i)) => Ok(Some(to_time(*i))),
        Some(Member::UInt(u)) => Ok(Some(to_time(i64::try_from(*u).unwrap_or(i64::MAX)))),
        Some(&Member::Float(f)) if f.is_finite() && f.abs() < 9.0e15 => {
            let whole = f.floor();
            let at = to_time(whole as i64);
            if whole < 0.0 || whole >= MAX_NUMERIC_DATE as f64 {
                // Clamped: the fraction is moot.
                return Ok(Some(at));
            }
            let nanos = ((f - whole) * 1e9) as u64;
            Ok(Some(add(at, Duration::from_nanos(nanos))))
        }
        Some(_) => Err(JwtError::InvalidClaim(name)),
    }
}

fn check_audience(aud: Option<&Member<'_>>, accepted: &[String]) -> Result<(), JwtError> {
    let one;
    let received: &[std::borrow::Cow<'_, str>] = match aud {
        None => return Err(JwtError::MissingClaim("aud")),
        Some(Member::Str(aud)) => {
            one = [std::borrow::Cow::Borrowed(aud.as_ref())];
            &one
        }
        Some(Member::Strings(values)) => values,
        Some(_) => return Err(JwtError::InvalidClaim("aud")),
    };
    if received
        .iter()
        .any(|aud| accepted.iter().any(|a| a == aud.as_ref()))
    {
        Ok(())
    } else {
        Err(JwtError::WrongAudience {
            // Each value quoted, so that one audience cannot pose as several.
            received: echo(
                &received
                    .iter()
                    .map(|aud| format!("{aud:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                ECHO_LEN,
            ),
        })
    }
}
