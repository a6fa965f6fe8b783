//! JWT assertions: a claims builder, compact JWS signing (RFC 7515 §7.1), and
//! verification per RFC 7523 §3 for servers that receive assertions.

mod access_token;
mod at_sign;
mod cnf;
pub mod dpop;
mod members;
mod verify;

use std::time::{Duration, SystemTime};

use ring::rand::SecureRandom;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::encoding::{self, Base64};
use crate::error::{Error, InputField, InputProblem};
use crate::key::SigningKey;
use crate::secrets::SignedAssertion;
use crate::time;

pub use crate::error::jwt::JwtError;
pub(crate) use access_token::key_is_unknown;
pub use access_token::{
    AccessTokenValidation, DEFAULT_ACCESS_TOKEN_MAX_LIFETIME, VerifiedAccessToken,
    verify_access_token, verify_with_jwks,
};
pub use at_sign::AccessTokenClaims;
pub use cnf::Confirmation;
pub use verify::{Validation, VerifiedJwt, verify};

pub use crate::key::jwks::{Jwk, Jwks, JwksError, SkipReason, SkippedKey};
pub use crate::replay::ReplayCache;

/// The default assertion lifetime: 180 seconds, the most Salesforce accepts.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(180);

/// The `aud` claim: one audience or several (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
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

impl From<&String> for Audience {
    fn from(s: &String) -> Self {
        Audience::One(s.clone())
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

/// The largest token [`verify`] and [`UnverifiedJwt::decode`] accept: 64 KiB.
pub(crate) const MAX_TOKEN_LEN: usize = 64 * 1024;

/// The registered claim names (RFC 7519 §4.1) that [`Claims`] sets itself.
const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// The claims of a JWT assertion (RFC 7523 §3) or client assertion (RFC 7523 §3
/// with RFC 7521 §5.2).
///
/// Required claims are constructor arguments; the rest are `with_*` setters. `exp`,
/// `iat` and `jti` are filled in when the claims are signed, from the clock and
/// random source passed to [`Claims::sign_at`] (or the system's, with
/// [`Claims::sign`]): `iat` = now, `exp` = now + lifetime (180 s by default), `jti`
/// = a random UUID v4, no `nbf` unless asked for.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::jwt::{Claims, UnverifiedJwt};
///
/// let key = SigningKey::hmac(b"a shared secret of 32 bytes or more")?;
/// let claims = Claims::new("3MVG9-consumer-key", "user@example.com", "https://login.salesforce.com")
///     .with_lifetime(Duration::from_secs(120));
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let jwt = claims.sign_at(&key, now, &ring::rand::SystemRandom::new())?;
/// let decoded = UnverifiedJwt::decode(jwt.expose_secret())?;
/// assert_eq!(decoded.claims()["exp"], 1_700_000_120);
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Claims {
    issuer: String,
    subject: Option<String>,
    audience: Audience,
    lifetime: Duration,
    issued_at: bool,
    not_before: bool,
    jti: Jti,
    extra: Map<String, Value>,
}

#[derive(Debug, Clone)]
enum Jti {
    Random,
    Fixed(String),
    Omit,
}

impl Claims {
    /// Claims for an assertion grant: `iss`, `sub`, `aud` (RFC 7523 §3). For
    /// Salesforce: the consumer key, the username, and the login host.
    pub fn new(
        issuer: impl Into<String>,
        subject: impl Into<String>,
        audience: impl Into<Audience>,
    ) -> Self {
        Self::build(issuer.into(), Some(subject.into()), audience.into())
    }

    /// Claims without `sub`: Google service accounts without domain-wide
    /// delegation. RFC 7523 servers that require `sub` will refuse them.
    pub fn without_subject(issuer: impl Into<String>, audience: impl Into<Audience>) -> Self {
        Self::build(issuer.into(), None, audience.into())
    }

    /// Claims for a client assertion (`private_key_jwt`, `client_secret_jwt`; RFC
    /// 7523 §3 and §2.2): `iss` = `sub` = the client id, `aud` = the token endpoint.
    pub fn for_client(client_id: impl Into<String>, audience: impl Into<Audience>) -> Self {
        let client_id = client_id.into();
        Self::build(client_id.clone(), Some(client_id), audience.into())
    }

    fn build(issuer: String, subject: Option<String>, audience: Audience) -> Self {
        Claims {
            issuer,
            subject,
            audience,
            lifetime: DEFAULT_LIFETIME,
            issued_at: true,
            not_before: false,
            jti: Jti::Random,
            extra: Map::new(),
        }
    }

    /// How long the assertion is valid: `exp` = now + `lifetime`, in whole seconds.
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Adds `nbf` = now.
    pub fn with_not_before(mut self) -> Self {
        self.not_before = true;
        self
    }

    /// Leaves out `iat`.
    pub fn without_issued_at(mut self) -> Self {
        self.issued_at = false;
        self
    }

    /// Uses this `jti` instead of a random one.
    pub fn with_jti(mut self, jti: impl Into<String>) -> Self {
        self.jti = Jti::Fixed(jti.into());
        self
    }

    /// Leaves out `jti`.
    pub fn without_jti(mut self) -> Self {
        self.jti = Jti::Omit;
        self
    }

    /// Adds a claim beyond the registered ones (`scope` for Google, say). The
    /// registered names `iss sub aud exp nbf iat jti` are refused: use the
    /// constructors and setters for those.
    pub fn with_claim(
        mut self,
        name: impl Into<String>,
        value: impl Into<Value>,
    ) -> Result<Self, Error> {
        insert_claim(
            &mut self.extra,
            name.into(),
            value.into(),
            &REGISTERED,
            "Claims itself; use the constructor or its with_*/without_* setter",
        )?;
        Ok(self)
    }

    /// The `iss` claim.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `sub` claim, if any.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The `aud` claim.
    pub fn audience(&self) -> &Audience {
        &self.audience
    }

    /// The lifetime that sets `exp`.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The fixed `jti`, if one was set with [`with_jti`](Self::with_jti).
    pub fn jti(&self) -> Option<&str> {
        match &self.jti {
            Jti::Fixed(jti) => Some(jti),
            _ => None,
        }
    }

    /// An extra claim set with [`with_claim`](Self::with_claim).
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.extra.get(name)
    }

    /// Signs with the system clock and random source.
    pub fn sign(&self, key: &SigningKey) -> Result<SignedAssertion, Error> {
        self.sign_at(key, SystemTime::now(), &ring::rand::SystemRandom::new())
    }

    /// Signs as of `now`, drawing `jti` (and ECDSA/PSS randomness) from `rng`, into a
    /// compact JWS (RFC 7515 §7.1) with header `alg`, `typ: JWT` and the key's
    /// `kid`, `x5t`, `x5t#S256`.
    pub fn sign_at(
        &self,
        key: &SigningKey,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<SignedAssertion, Error> {
        let now = time::unix_seconds(now)?;
        let exp = expiry(now, self.lifetime, "assertion")?;
        let random_jti;
        let jti = match &self.jti {
            Jti::Random => {
                random_jti = uuid_v4(rng)?;
                Some(random_jti.as_str())
            }
            Jti::Fixed(jti) => Some(jti.as_str()),
            Jti::Omit => None,
        };
        let header = Header {
            alg: key.algorithm().as_str(),
            typ: "JWT",
            kid: key.kid(),
            x5t: key.x5t(),
            x5t_s256: key.x5t_s256(),
        };
        let payload = Payload {
            iss: &self.issuer,
            sub: self.subject.as_deref(),
            aud: &self.audience,
            exp,
            nbf: self.not_before.then_some(now),
            iat: self.issued_at.then_some(now),
            jti,
            extra: &self.extra,
        };
        sign_json(
            &header,
            &payload,
            key,
            rng,
            ["serializing the JWT header", "serializing the JWT claims"],
        )
    }
}

/// `now + lifetime` as a NumericDate; `what` names the token in the error
/// ("the {what} lifetime is too long").
pub(crate) fn expiry(now: u64, lifetime: Duration, what: &str) -> Result<u64, Error> {
    now.checked_add(lifetime.as_secs()).ok_or_else(|| {
        Error::input(
            InputField::Lifetime,
            InputProblem::OutOfRange,
            format!("the {what} lifetime is too long: exp does not fit a NumericDate"),
        )
    })
}

/// Adds a claim to a builder's `extra` map unless `reserved` names it; the error
/// says the claim "is set by {set_by}".
pub(crate) fn insert_claim(
    extra: &mut Map<String, Value>,
    name: String,
    value: Value,
    reserved: &[&str],
    set_by: &str,
) -> Result<(), Error> {
    if reserved.contains(&name.as_str()) {
        return Err(Error::input(
            InputField::Claim,
            InputProblem::Reserved,
            format!("claim {name:?} is set by {set_by}"),
        ));
    }
    extra.insert(name, value);
    Ok(())
}

/// Serializes `header` and `payload` and signs them as a compact JWS; `errors`
/// are the internal-error messages for the header and the payload.
pub(crate) fn sign_json(
    header: &impl Serialize,
    payload: &impl Serialize,
    key: &SigningKey,
    rng: &dyn SecureRandom,
    errors: [&'static str; 2],
) -> Result<SignedAssertion, Error> {
    // Both JSON documents go into one buffer, and the token into one more whose
    // size is known up front: three allocations in all, plus the signature.
    let mut json = Vec::with_capacity(256);
    serde_json::to_writer(&mut json, header).map_err(|_| Error::Internal(errors[0]))?;
    let header_len = json.len();
    // Strings, integers and JSON values written to a Vec: serde_json has no
    // failure left for them.
    serde_json::to_writer(&mut json, payload).map_err(|_| Error::Internal(errors[1]))?;
    let (header, payload) = json.split_at(header_len);
    let mut token = String::with_capacity(compact_len(
        Base64::UrlUnpadded.encoded_len(header.len()),
        payload.len(),
        key,
    ));
    Base64::UrlUnpadded.push(&mut token, header);
    finish_compact(token, payload, key, rng).map(SignedAssertion::new)
}

/// The length of a compact JWS whose header is `encoded_header_len` characters of
/// base64url, its payload `payload_len` bytes of JSON, signed by `key`.
pub(crate) fn compact_len(
    encoded_header_len: usize,
    payload_len: usize,
    key: &SigningKey,
) -> usize {
    let b64 = Base64::UrlUnpadded;
    encoded_header_len + b64.encoded_len(payload_len) + 2 + b64.encoded_len(key.signature_len())
}

/// The one JWS compact serializer (RFC 7515 §7.1) of the crate: `token` holds the
/// base64url header already (written once per key by a DPoP key, per assertion by
/// [`Claims`]); the payload's JSON is appended, the signing input signed with
/// `key`, the signature appended.
pub(crate) fn finish_compact(
    mut token: String,
    payload: &[u8],
    key: &SigningKey,
    rng: &dyn SecureRandom,
) -> Result<String, Error> {
    let b64 = Base64::UrlUnpadded;
    token.push('.');
    b64.push(&mut token, payload);
    let signature = key.sign(token.as_bytes(), rng)?;
    token.push('.');
    b64.push(&mut token, &signature);
    Ok(token)
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x5t: Option<&'a str>,
    #[serde(rename = "x5t#S256", skip_serializing_if = "Option::is_none")]
    x5t_s256: Option<&'a str>,
}

#[derive(Serialize)]
struct Payload<'a> {
    iss: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    aud: &'a Audience,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

/// 16 random bytes as a UUID version 4 string (RFC 9562 §5.4).
pub(crate) fn uuid_v4(rng: &dyn SecureRandom) -> Result<String, Error> {
    let mut b = [0u8; 16];
    rng.fill(&mut b).map_err(|_| Error::Crypto)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        // 8-4-4-4-12 hex digits.
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        encoding::push_hex(&mut out, std::slice::from_ref(byte));
    }
    Ok(out)
}

/// The three parts of a compact JWS, as received.
pub(crate) struct RawParts<'a> {
    /// Header and claims with the dot between them: what the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) header: &'a str,
    pub(crate) claims: &'a str,
    pub(crate) signature: &'a str,
}

/// Splits a compact JWS into its three parts (RFC 7515 §5.2 step 1), refusing a
/// token over 64 KiB.
pub(crate) fn split_raw(token: &str) -> Result<RawParts<'_>, JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Malformed("the token is larger than 64 KiB"));
    }
    let mut parts = token.splitn(4, '.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed(
            "expected three base64url parts separated by dots (header.claims.signature)",
        ));
    };
    let signing_input = token
        .get(..header.len() + 1 + claims.len())
        .unwrap_or_default();
    Ok(RawParts {
        signing_input,
        header,
        claims,
        signature,
    })
}

/// Decodes one base64url part into a JSON object.
pub(crate) fn decode_object(
    part: &str,
    what: &'static str,
) -> Result<Map<String, Value>, JwtError> {
    let mut bytes = Vec::new();
    encoding::base64::decode_url_into(part.as_bytes(), &mut bytes)
        .map_err(|_| JwtError::Malformed(what))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Malformed(what)),
    }
}

const HEADER_NOT_OBJECT: &str = "the header is not base64url-encoded JSON object";
const CLAIMS_NOT_OBJECT: &str = "the claims are not a base64url-encoded JSON object";

/// A JWT decoded **without** verification, to find out which key to verify it
/// with (by `iss` or `kid`). Never trust its contents (RFC 7515 §5.2).
///
/// ```
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::jwt::{Claims, UnverifiedJwt};
/// let key = SigningKey::hmac(b"a shared secret of 32 bytes or more")?.with_kid("k7");
/// let jwt = Claims::for_client("my-client", "https://as.example/token").sign(&key)?;
/// let unverified = UnverifiedJwt::decode(jwt.expose_secret())?;
/// assert_eq!(unverified.issuer(), Some("my-client"));
/// assert_eq!(unverified.kid(), Some("k7"));
/// assert_eq!(unverified.algorithm_name(), Some("HS256"));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct UnverifiedJwt {
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl UnverifiedJwt {
    /// Decodes header and claims without checking anything but their shape.
    pub fn decode(token: &str) -> Result<Self, Error> {
        let parts = split_raw(token)?;
        let header = decode_object(parts.header, HEADER_NOT_OBJECT)?;
        let claims = decode_object(parts.claims, CLAIMS_NOT_OBJECT)?;
        Ok(UnverifiedJwt { header, claims })
    }

    /// The unverified `iss` claim.
    pub fn issuer(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }

    /// The unverified `sub` claim.
    pub fn subject(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }

    /// The `kid` header value.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// The `alg` header value, as written (it may be `none` or unknown).
    pub fn algorithm_name(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The whole header.
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The whole claims object.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
}
