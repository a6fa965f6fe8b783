//! JWK Sets (RFC 7517 §5): the public keys an issuer publishes at its `jwks_uri`,
//! read once into verifying keys. Members this crate cannot verify with (an
//! unknown `kty`, `use: enc`, an algorithm it does not know or that does not fit
//! the key) are skipped with a reason, never fatal: issuers publish encryption
//! keys and new key types next to their signing keys. Pure: no I/O, no clock.

use std::fmt;

use serde_json::{Map, Value};

use super::algorithm::Algorithm;
use super::{KeyError, VerifyingKey};

/// Why a JWK Set as a whole was refused (RFC 7517 §5). A member that cannot be
/// used is not an error: it is skipped (see [`SkippedKey`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksError {
    /// The document is larger than [`Jwks::MAX_LEN`].
    TooLarge {
        /// The document's length in bytes.
        len: usize,
    },
    /// The set has more members than [`Jwks::MAX_KEYS`].
    TooManyKeys {
        /// How many members the `keys` array has.
        count: usize,
    },
    /// Not a JSON object with a `keys` array; the text says which part.
    Malformed(&'static str),
    /// No set is held yet: the last fetch failed, and the next is allowed in
    /// `retry_in` (a [`JwksCache`](crate::discovery::JwksCache)'s rate limit).
    NotFetched {
        /// How long until the cache fetches again.
        retry_in: std::time::Duration,
    },
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwksError::TooLarge { len } => write!(
                f,
                "the JWK Set is {len} bytes, more than the {} this crate reads: check that the URL is the issuer's jwks_uri",
                Jwks::MAX_LEN
            ),
            JwksError::TooManyKeys { count } => write!(
                f,
                "the JWK Set has {count} keys, more than the {} this crate reads: check that the URL is the issuer's jwks_uri",
                Jwks::MAX_KEYS
            ),
            JwksError::NotFetched { retry_in } => write!(
                f,
                "the issuer's JWK Set could not be fetched; the next attempt is allowed in {} s",
                retry_in.as_secs()
            ),
            JwksError::Malformed(what) => write!(
                f,
                "the JWK Set is malformed ({what}); an issuer's jwks_uri answers {{\"keys\":[...]}} (RFC 7517 §5)"
            ),
        }
    }
}

impl std::error::Error for JwksError {}

/// Why a member of a JWK Set was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The member is not a JSON object.
    NotAnObject,
    /// A `kty` this crate does not verify with (`oct`, or an unknown one), as
    /// received (at most 32 characters).
    UnsupportedKeyType(Box<str>),
    /// `use` is not `sig` (`enc`: an encryption key, RFC 7517 §4.2).
    NotForSignatures,
    /// `key_ops` (RFC 7517 §4.3) does not list `verify`.
    NoVerifyOperation,
    /// An `alg` this crate does not know (`RSA-OAEP`, `ES512`...), as received
    /// (at most 32 characters).
    UnsupportedAlgorithm(Box<str>),
    /// An `alg` that does not fit the key (`ES256` on an RSA key).
    AlgorithmMismatch(Algorithm),
    /// `kid`, `alg`, `use`, `key_ops`, `x5c` or `x5t#S256` is not of its type.
    BadMember(&'static str),
    /// The first certificate of `x5c` holds another public key than the JWK's
    /// own members (RFC 7517 §4.7: it MUST match): the member contradicts
    /// itself, and neither half is taken.
    CertificateMismatch,
    /// The key itself was refused (a curve other than P-256/P-384, an RSA key
    /// under 2048 bits, private members, a malformed coordinate...).
    Key(KeyError),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotAnObject => f.write_str("not a JSON object"),
            SkipReason::UnsupportedKeyType(kty) => write!(f, "unsupported kty {kty:?}"),
            SkipReason::NotForSignatures => f.write_str("use is not \"sig\""),
            SkipReason::NoVerifyOperation => f.write_str("key_ops does not list \"verify\""),
            SkipReason::UnsupportedAlgorithm(alg) => write!(f, "unsupported alg {alg:?}"),
            SkipReason::AlgorithmMismatch(alg) => write!(f, "alg {alg} does not fit the key"),
            SkipReason::BadMember(name) => write!(f, "member {name} has the wrong type"),
            SkipReason::CertificateMismatch => f.write_str(
                "the first x5c certificate holds another key than the JWK (RFC 7517 §4.7)",
            ),
            SkipReason::Key(e) => write!(f, "{e}"),
        }
    }
}

/// A member of a JWK Set that was not taken, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    index: usize,
    kid: Option<String>,
    reason: SkipReason,
}

impl SkippedKey {
    /// Its position in the `keys` array.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Its `kid`, if it had a string one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Why it was skipped.
    pub fn reason(&self) -> &SkipReason {
        &self.reason
    }
}

/// One public key of a JWK Set (RFC 7517 §4), ready to verify with.
#[derive(Debug, Clone)]
pub struct Jwk {
    key: VerifyingKey,
    kid: Option<String>,
    algorithm: Option<Algorithm>,
    x5c: Vec<String>,
    x5t_s256: Option<String>,
    thumbprint: String,
}

impl Jwk {
    /// The key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// `kid`, if the member has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// `alg`, if the member names one: the key is used with that algorithm only.
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.algorithm
    }

    /// `x5c` (RFC 7517 §4.7), as sent: base64 (not base64url) DER certificates,
    /// the key's own first. Never used to verify, and not trusted: no chain or
    /// CA is checked, and no validity period. The one check made is that a
    /// first certificate this crate can read holds this member's key (a member
    /// whose certificate holds another key is skipped,
    /// [`SkipReason::CertificateMismatch`]); one it cannot read is kept as sent,
    /// unchecked. A caller that relies on the chain validates it itself.
    pub fn x5c(&self) -> &[String] {
        &self.x5c
    }

    /// `x5t#S256` (RFC 7517 §4.9), as sent.
    pub fn x5t_s256(&self) -> Option<&str> {
        self.x5t_s256.as_deref()
    }

    /// The JWK thumbprint of the public key (RFC 7638, SHA-256, base64url),
    /// computed from the key, whatever `kid` says.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// Whether a token signed with `algorithm` may be checked with this key: the
    /// algorithm fits the key type and, if the member names an `alg`, is that one.
    pub fn fits(&self, algorithm: Algorithm) -> bool {
        self.key.key_type().algorithms().contains(&algorithm)
            && self.algorithm.is_none_or(|alg| alg == algorithm)
    }
}

/// A JWK Set (RFC 7517 §5): the usable public keys, in the order sent, and the
/// members that were skipped, with why.
///
/// ```
/// use s2s_oauth::{Algorithm, SigningKey};
/// use s2s_oauth::jwt::Jwks;
///
/// let key = SigningKey::from_pem(include_bytes!("../../tests/data/keys/p256.pkcs8.pem"))?;
/// let jwk = key.public_jwk().unwrap();
/// let json = format!(r#"{{"keys":[{}, {{"kty":"oct","k":"c2VjcmV0"}}]}}"#,
///     jwk.replacen('{', r#"{"kid":"k1","use":"sig","#, 1));
/// let set = Jwks::parse(json.as_bytes())?;
/// assert_eq!(set.keys().len(), 1);
/// assert_eq!(set.skipped().len(), 1); // the symmetric key: not for a public set
/// let chosen = set.select(Some("k1"), Algorithm::ES256).unwrap();
/// assert_eq!(Some(chosen.thumbprint()), key.jwk_thumbprint().as_deref());
/// assert!(set.select(Some("k1"), Algorithm::RS256).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Jwks {
    keys: Vec<Jwk>,
    skipped: Vec<SkippedKey>,
}

impl Jwks {
    /// The largest JWK Set document read: 256 KiB (a set of 100 RSA-4096 keys
    /// with certificate chains fits).
    pub const MAX_LEN: usize = 256 * 1024;

    /// The most members a set may have: 100.
    pub const MAX_KEYS: usize = 100;

    /// The most keys one token is checked against: 4 (a rotation's previous,
    /// current and next key, and one spare). A token whose header names no
    /// `kid` is tried against every key that fits its algorithm, and a set may
    /// repeat a `kid`; when more keys than this fit, the token is refused with
    /// [`JwtError::AmbiguousKey`](crate::jwt::JwtError::AmbiguousKey) before any
    /// signature is checked, so that a flood of tokens cannot cost up to
    /// [`MAX_KEYS`](Self::MAX_KEYS) RSA verifications each.
    pub const MAX_SIGNATURE_CHECKS: usize = 4;

    /// Reads a JWK Set document. Refused as a whole only when it is over
    /// [`MAX_LEN`](Self::MAX_LEN), has over [`MAX_KEYS`](Self::MAX_KEYS) members,
    /// or is not a JSON object with a `keys` array; each member that cannot be
    /// used is skipped ([`skipped`](Self::skipped)).
    pub fn parse(json: &[u8]) -> Result<Self, JwksError> {
        if json.len() > Self::MAX_LEN {
            return Err(JwksError::TooLarge { len: json.len() });
        }
        let Ok(Value::Object(mut document)) = serde_json::from_slice::<Value>(json) else {
            return Err(JwksError::Malformed("not a JSON object"));
        };
        let Some(Value::Array(members)) = document.remove("keys") else {
            return Err(JwksError::Malformed("no \"keys\" array"));
        };
        if members.len() > Self::MAX_KEYS {
            return Err(JwksError::TooManyKeys {
                count: members.len(),
            });
        }
        let mut set = Jwks::default();
        for (index, member) in members.iter().enumerate() {
            let Value::Object(member) = member else {
                set.skip(index, None, SkipReason::NotAnObject);
                continue;
            };
            let kid = match member.get("kid") {
                None => None,
                Some(Value::String(kid)) => Some(kid.clone()),
                Some(_) => {
                    set.skip(index, None, SkipReason::BadMember("kid"));
                    continue;
                }
            };
            match read_member(member, kid.clone()) {
                Ok(jwk) => set.keys.push(jwk),
                Err(reason) => set.skip(index, kid, reason),
            }
        }
        Ok(set)
    }

    /// A set of keys the caller already has (a key file, say), each with an
    /// optional `kid`. HMAC secrets are not public keys and are left out.
    ///
    /// ```
    /// use s2s_oauth::{Algorithm, VerifyingKey};
    /// use s2s_oauth::jwt::Jwks;
    /// let key = VerifyingKey::from_pem_file("tests/data/keys/rsa2048.pub.pem")?;
    /// let set = Jwks::from_keys([(key, None)]);
    /// assert!(set.select(None, Algorithm::RS256).is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_keys(keys: impl IntoIterator<Item = (VerifyingKey, Option<String>)>) -> Self {
        let keys = keys
            .into_iter()
            .filter_map(|(key, kid)| {
                let thumbprint = key.jwk_thumbprint()?;
                Some(Jwk {
                    key,
                    kid,
                    algorithm: None,
                    x5c: Vec::new(),
                    x5t_s256: None,
                    thumbprint,
                })
            })
            .collect();
        Jwks {
            keys,
            skipped: Vec::new(),
        }
    }

    fn skip(&mut self, index: usize, kid: Option<String>, reason: SkipReason) {
        self.skipped.push(SkippedKey { index, kid, reason });
    }

    /// The usable keys, in the order sent.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The members that were skipped, with why.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// Whether some usable key has this `kid` (whatever its algorithm).
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid() == Some(kid))
    }

    /// The keys that may check a token whose header has this `kid` (if any) and
    /// `algorithm`: with a `kid`, the keys with that `kid` only (a set may repeat
    /// a `kid` across key types; a hostile or broken set may repeat it outright);
    /// without one, every key that fits the algorithm. In the order sent.
    pub fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
        algorithm: Algorithm,
    ) -> impl Iterator<Item = &'a Jwk> + 'a {
        self.keys
            .iter()
            .filter(move |k| kid.is_none_or(|kid| k.kid() == Some(kid)) && k.fits(algorithm))
    }

    /// The first of [`candidates`](Self::candidates).
    pub fn select(&self, kid: Option<&str>, algorithm: Algorithm) -> Option<&Jwk> {
        self.keys
            .iter()
            .find(|k| kid.is_none_or(|kid| k.kid() == Some(kid)) && k.fits(algorithm))
    }

    /// The key whose RFC 7638 thumbprint is `thumbprint`.
    pub fn by_thumbprint(&self, thumbprint: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.thumbprint == thumbprint)
    }
}

/// One member read into a key, or why not.
fn read_member(member: &Map<String, Value>, kid: Option<String>) -> Result<Jwk, SkipReason> {
    let kty = match member.get("kty") {
        Some(Value::String(kty)) => kty.as_str(),
        Some(_) => return Err(SkipReason::BadMember("kty")),
        None => return Err(SkipReason::Key(KeyError::Malformed("the JWK has no kty"))),
    };
    if !matches!(kty, "RSA" | "EC" | "OKP") {
        return Err(SkipReason::UnsupportedKeyType(cut(kty)));
    }
    match member.get("use") {
        None => {}
        Some(Value::String(use_)) if use_ == "sig" => {}
        Some(Value::String(_)) => return Err(SkipReason::NotForSignatures),
        Some(_) => return Err(SkipReason::BadMember("use")),
    }
    match member.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) if !ops.iter().any(|op| op == "verify") => {
            return Err(SkipReason::NoVerifyOperation);
        }
        Some(Value::Array(_)) => {}
        Some(_) => return Err(SkipReason::BadMember("key_ops")),
    }
    let algorithm = match member.get("alg") {
        None => None,
        Some(Value::String(alg)) => Some(
            alg.parse::<Algorithm>()
                .map_err(|_| SkipReason::UnsupportedAlgorithm(cut(alg)))?,
        ),
        Some(_) => return Err(SkipReason::BadMember("alg")),
    };
    let x5c = match member.get("x5c") {
        None => Vec::new(),
        Some(Value::Array(certs)) => certs
            .iter()
            .map(|c| c.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or(SkipReason::BadMember("x5c"))?,
        Some(_) => return Err(SkipReason::BadMember("x5c")),
    };
    let x5t_s256 = match member.get("x5t#S256") {
        None => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => return Err(SkipReason::BadMember("x5t#S256")),
    };
    let key = VerifyingKey::from_jwk_object(member).map_err(SkipReason::Key)?;
    if let Some(alg) = algorithm {
        if !key.key_type().algorithms().contains(&alg) {
            return Err(SkipReason::AlgorithmMismatch(alg));
        }
    }
    let thumbprint = key
        .jwk_thumbprint()
        .ok_or(SkipReason::Key(KeyError::Malformed(
            "the JWK's key has no thumbprint",
        )))?;
    if let Some(certified) = x5c.first().and_then(|first| certified_key(first)) {
        if certified.jwk_thumbprint().as_deref() != Some(thumbprint.as_str()) {
            return Err(SkipReason::CertificateMismatch);
        }
    }
    Ok(Jwk {
        key,
        kid,
        algorithm,
        x5c,
        x5t_s256,
        thumbprint,
    })
}

/// The public key of an `x5c` certificate (base64 DER), if this crate reads it.
fn certified_key(base64_der: &str) -> Option<VerifyingKey> {
    use base64ct::{Base64, Encoding};
    let der = Base64::decode_vec(base64_der).ok()?;
    super::Certificate::from_der(der).ok()?.verifying_key().ok()
}

/// At most 32 characters of a received name, for a skip reason.
fn cut(name: &str) -> Box<str> {
    name.chars()
        .take(32)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
