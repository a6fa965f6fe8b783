//! Checking a received DPoP proof (RFC 9449 §4.3), and its binding to the access
//! token presented with it (§7.1).

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{DpopError, PROOF_TYPE, access_token_hash, htu};
use crate::encoding::{Base64, base64};
use crate::error::jwt::{ECHO_LEN, echo};
use crate::error::neutral;
use crate::jwt::{Confirmation, ReplayCache, split_raw};
use crate::key::algorithm::Algorithm;
use crate::key::{KeyError, VerifyingKey};
use crate::time;

/// The asymmetric algorithms a proof may use unless the verifier narrows them:
/// every algorithm of [`Algorithm::ALL`] but the HMAC ones.
const ASYMMETRIC: [Algorithm; 9] = asymmetric();

const fn asymmetric() -> [Algorithm; 9] {
    let mut out = [Algorithm::RS256; 9];
    let (mut i, mut n) = (0, 0);
    while i < Algorithm::ALL.len() {
        if !Algorithm::ALL[i].is_hmac() {
            out[n] = Algorithm::ALL[i];
            n += 1;
        }
        i += 1;
    }
    assert!(
        n == out.len(),
        "ASYMMETRIC's length is the count of non-HMAC algorithms"
    );
    out
}

/// The most bytes a proof may have: a proof with an RSA-8192 `jwk` is about 3 KB.
const MAX_PROOF_LEN: usize = 8 * 1024;

/// What a proof must match (RFC 9449 §4.3): the request's method and URL, and
/// optionally the nonces the server accepts and the access token sent with it.
/// Borrowed values: a verifier makes one per request.
///
/// Defaults: every asymmetric algorithm this crate knows; a proof at most 5
/// minutes old; 5 seconds of leeway for a client clock that runs ahead.
#[derive(Clone)]
pub struct ProofValidation<'a> {
    method: &'a str,
    url: &'a str,
    algorithms: &'a [Algorithm],
    max_age: Duration,
    leeway: Duration,
    nonces: Vec<&'a str>,
    access_token: Option<(&'a str, &'a Confirmation)>,
}

// The access token is a secret: only whether one is expected is shown.
impl std::fmt::Debug for ProofValidation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProofValidation")
            .field("method", &self.method)
            .field("url", &crate::redact::redact(self.url))
            .field("algorithms", &self.algorithms)
            .field("max_age", &self.max_age)
            .field("leeway", &self.leeway)
            .field("nonces", &self.nonces.len())
            .field("access_token", &self.access_token.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> ProofValidation<'a> {
    /// The default age limit of a proof (`iat`).
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
    /// The default leeway for a proof's `iat` ahead of the server's clock.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);

    /// A proof for a request of `method` to `url`: the full URL the server
    /// received the request at, as the client sent it (`https://host/path`, not
    /// the path alone; behind a proxy, the external scheme and host); its query is
    /// ignored. A `url` that is not an absolute http(s) URL makes every proof fail
    /// with [`DpopError::InvalidRequestUrl`].
    pub fn new(method: &'a str, url: &'a str) -> Self {
        ProofValidation {
            method,
            url,
            algorithms: &ASYMMETRIC,
            max_age: Self::DEFAULT_MAX_AGE,
            leeway: Self::DEFAULT_LEEWAY,
            nonces: Vec::new(),
            access_token: None,
        }
    }

    /// Accepts only these algorithms (symmetric ones are never accepted).
    pub fn with_algorithms(mut self, algorithms: &'a [Algorithm]) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// How old (`iat`) a proof may be.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// How far ahead of the server's clock a proof's `iat` may be.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Requires a nonce (RFC 9449 §8) and accepts `nonce`; call again to accept
    /// several (the current one and the one before a rotation).
    pub fn with_nonce(mut self, nonce: &'a str) -> Self {
        self.nonces.push(nonce);
        self
    }

    /// The proof comes with `access_token` (a resource request, RFC 9449 §7.1):
    /// requires `ath` to be its hash, and the token's binding `cnf` (its
    /// `cnf.jkt`) to be the proof's key.
    pub fn with_access_token(mut self, access_token: &'a str, cnf: &'a Confirmation) -> Self {
        self.access_token = Some((access_token, cnf));
        self
    }
}

/// A proof that passed [`verify_proof`]: the key that made it and its claims.
#[derive(Debug, Clone)]
pub struct VerifiedProof {
    key: VerifyingKey,
    jkt: String,
    algorithm: Algorithm,
    jti: String,
    issued_at: SystemTime,
    nonce: Option<String>,
}

impl VerifiedProof {
    /// The JWK thumbprint of the proof's key: what to bind an issued token to
    /// (`cnf.jkt`, RFC 9449 §6).
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    /// The proof's public key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The algorithm it was signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Its `jti`.
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// Its `iat`.
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// Its `nonce`, if it carried one.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }
}

#[derive(Deserialize)]
struct Header {
    typ: Option<Value>,
    alg: Option<Value>,
    jwk: Option<Value>,
    crit: Option<Value>,
}

#[derive(Deserialize)]
struct Claims {
    jti: Option<Value>,
    htm: Option<Value>,
    htu: Option<Value>,
    iat: Option<Value>,
    nonce: Option<Value>,
    ath: Option<Value>,
}

/// Checks a DPoP proof (the `DPoP` header's value) received with a request
/// (RFC 9449 §4.3): the `typ` `dpop+jwt`; an allowed asymmetric `alg`; the
/// signature with the public key in the `jwk` header (a private key there is
/// refused); `htm` and `htu` against the request (URLs compared after RFC 3986
/// normalization, without query); `iat` within the age limit and leeway; the
/// nonce if one is required; with an access token, `ath` and the token's
/// `cnf.jkt`; last, `jti` against the caller's replay cache, so that only proofs
/// that passed everything are recorded (kept until they would be too old anyway).
/// The cache records `dpop:` and a SHA-256 digest of the proof key's thumbprint
/// and the `jti` (48 bytes, whatever the `jti`), not the `jti` itself.
///
/// A request with more than one `DPoP` header must be refused before this call
/// (RFC 9449 §4.3 item 1).
///
/// ```
/// use std::collections::HashMap;
/// use std::time::SystemTime;
/// use ring::rand::SystemRandom;
/// use s2s_oauth::jwt::dpop::{DpopError, DpopKey, Proof, ProofValidation, verify_proof};
///
/// let rng = SystemRandom::new();
/// let key = DpopKey::generate(&rng)?;
/// let now = SystemTime::now();
/// let proof = key.proof(&Proof::new("POST", "https://as.example.com/token"), now, &rng)?;
///
/// let mut seen = HashMap::new(); // the server's replay cache, kept across requests
/// let check = ProofValidation::new("POST", "https://AS.example.com:443/token");
/// let verified = verify_proof(proof.expose_secret(), &check, now, &mut seen)?;
/// assert_eq!(verified.jkt(), key.jkt()); // bind the token to this
/// assert_eq!(verify_proof(proof.expose_secret(), &check, now, &mut seen).unwrap_err(), DpopError::Replayed);
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn verify_proof(
    proof: &str,
    validation: &ProofValidation<'_>,
    now: SystemTime,
    replay: &mut dyn ReplayCache,
) -> Result<VerifiedProof, DpopError> {
    let now_secs = time::unix_seconds(now)
        .map_err(|_| DpopError::Malformed("the verifier's clock is before 1970"))?;
    // The verifier's own URL first: when it is wrong, no proof can pass, and the
    // fault is not the client's.
    let expected_htu = htu::normalize(validation.url).ok_or(DpopError::InvalidRequestUrl)?;
    if proof.len() > MAX_PROOF_LEN {
        return Err(DpopError::Malformed("the proof is larger than 8 KiB"));
    }
    let parts = split_raw(proof).map_err(|_| {
        DpopError::Malformed(
            "expected three base64url parts separated by dots (header.claims.signature)",
        )
    })?;
    let header: Header = decode(
        parts.header,
        "the header is not a base64url-encoded JSON object",
    )?;
    if header.typ.as_ref().and_then(Value::as_str) != Some(PROOF_TYPE) {
        return Err(DpopError::WrongType);
    }
    let algorithm = algorithm(&header, validation)?;
    let key = match &header.jwk {
        Some(Value::Object(jwk)) => {
            VerifyingKey::from_jwk_object(jwk).map_err(DpopError::BadKey)?
        }
        Some(_) => {
            return Err(DpopError::BadKey(KeyError::Malformed(
                "the jwk header is not a JSON object",
            )));
        }
        None => {
            return Err(DpopError::BadKey(KeyError::Malformed(
                "the proof has no jwk header",
            )));
        }
    };
    if header.crit.is_some() {
        return Err(DpopError::Malformed(
            "the crit header names extensions this verifier does not support",
        ));
    }
    let mut signature = Vec::new();
    base64::decode_url_into(parts.signature.as_bytes(), &mut signature)
        .map_err(|_| DpopError::Malformed("the signature is not base64url"))?;
    key.verify(algorithm, parts.signing_input.as_bytes(), &signature)
        .map_err(|e| match e {
            KeyError::AlgorithmMismatch { requested, .. } => {
                DpopError::AlgorithmNotAllowed(requested)
            }
            _ => DpopError::InvalidSignature,
        })?;
    // Only now, with the signature checked, are the claims read.
    let claims: Claims = decode(
        parts.claims,
        "the claims are not a base64url-encoded JSON object",
    )?;
    let jti = string(claims.jti.as_ref(), "jti")?;
    if jti.is_empty() {
        return Err(DpopError::InvalidClaim("jti"));
    }
    let htm = string(claims.htm.as_ref(), "htm")?;
    if htm != validation.method {
        return Err(DpopError::WrongMethod {
            received: echo(htm, ECHO_LEN),
        });
    }
    let received_htu = string(claims.htu.as_ref(), "htu")?;
    match htu::normalize(received_htu) {
        Some(received) if received == expected_htu => {}
        _ => {
            return Err(DpopError::WrongUrl {
                received: echo(received_htu, ECHO_LEN),
            });
        }
    }
    let iat = match claims.iat.as_ref() {
        None => return Err(DpopError::MissingClaim("iat")),
        Some(Value::Number(n)) => n.as_f64().ok_or(DpopError::InvalidClaim("iat"))?,
        Some(_) => return Err(DpopError::InvalidClaim("iat")),
    };
    let iat_secs = if iat.is_finite() && iat > 0.0 {
        iat.floor() as u64
    } else {
        0
    };
    let too_old = now_secs.saturating_sub(validation.max_age.as_secs());
    let too_new = now_secs.saturating_add(validation.leeway.as_secs());
    if iat_secs < too_old || iat_secs > too_new {
        return Err(DpopError::IssuedAtOutOfRange {
            iat: iat_secs,
            now: now_secs,
        });
    }
    let nonce = match claims.nonce.as_ref() {
        None => None,
        Some(Value::String(n)) => Some(n.as_str()),
        Some(_) => return Err(DpopError::InvalidClaim("nonce")),
    };
    if !validation.nonces.is_empty() {
        match nonce {
            None => return Err(DpopError::MissingNonce),
            Some(n) if !validation.nonces.contains(&n) => return Err(DpopError::WrongNonce),
            Some(_) => {}
        }
    }
    let jkt = key
        .jwk_thumbprint()
        .ok_or(DpopError::BadKey(KeyError::Malformed(
            "the jwk has no thumbprint",
        )))?;
    if let Some((access_token, cnf)) = validation.access_token {
        let ath = match claims.ath.as_ref() {
            None => return Err(DpopError::MissingAccessTokenHash),
            Some(Value::String(ath)) => ath,
            Some(_) => return Err(DpopError::InvalidClaim("ath")),
        };
        if !constant_time_eq(ath.as_bytes(), access_token_hash(access_token).as_bytes()) {
            return Err(DpopError::WrongAccessTokenHash);
        }
        match cnf.jkt() {
            None => return Err(DpopError::TokenNotBound),
            Some(bound) if bound != jkt => return Err(DpopError::KeyMismatch),
            Some(_) => {}
        }
    }
    let issued_at = time::from_numeric_date(i64::try_from(iat_secs).unwrap_or(i64::MAX));
    // Kept until the proof is too old to pass anyway: `iat` and now are compared
    // in whole seconds, so a proof passes until a second after `iat + max_age`.
    // (Saturating: `with_max_age(Duration::MAX)` must not overflow.)
    let keep_until = time::saturating_add(
        issued_at,
        validation.max_age.saturating_add(Duration::from_secs(1)),
    );
    if !replay.check_and_insert(&replay_entry(&jkt, jti), keep_until, now) {
        return Err(DpopError::Replayed);
    }
    Ok(VerifiedProof {
        jti: jti.to_owned(),
        nonce: nonce.map(str::to_owned),
        key,
        jkt,
        algorithm,
        issued_at,
    })
}

/// What the replay cache records for a proof: `dpop:` and the base64url SHA-256
/// of the key's thumbprint and the `jti`. A fixed 48 bytes whatever the `jti`'s
/// length (anyone can make a proof with a `jti` of kilobytes), a proof's `jti`
/// under another key is another entry, and the prefix keeps it apart from the
/// bare `jti`s of client assertions when a server uses one cache for both.
fn replay_entry(jkt: &str, jti: &str) -> String {
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    // The thumbprint is always 43 characters: the concatenation is unambiguous.
    digest.update(jkt.as_bytes());
    digest.update(b".");
    digest.update(jti.as_bytes());
    let mut entry = String::with_capacity(48);
    entry.push_str("dpop:");
    entry.push_str(&Base64::UrlUnpadded.encode_string(digest.finish().as_ref()));
    entry
}

/// The header's `alg`: known, asymmetric, on the allow-list.
fn algorithm(header: &Header, validation: &ProofValidation<'_>) -> Result<Algorithm, DpopError> {
    let name = match &header.alg {
        Some(Value::String(alg)) => alg.as_str(),
        Some(_) => return Err(DpopError::Malformed("the alg header is not a string")),
        None => return Err(DpopError::Malformed("the header has no alg")),
    };
    let algorithm: Algorithm = name.parse().map_err(|_| {
        DpopError::UnsupportedAlgorithm(name.chars().take(32).map(neutral).collect())
    })?;
    if !ASYMMETRIC.contains(&algorithm) || !validation.algorithms.contains(&algorithm) {
        return Err(DpopError::AlgorithmNotAllowed(algorithm));
    }
    Ok(algorithm)
}

fn decode<T: for<'de> Deserialize<'de>>(part: &str, what: &'static str) -> Result<T, DpopError> {
    let mut bytes = Vec::with_capacity(base64::url_decoded_len(part.len()));
    base64::decode_url_into(part.as_bytes(), &mut bytes).map_err(|_| DpopError::Malformed(what))?;
    // An object, and nothing but: `Map` first refuses arrays, strings, numbers.
    let object: Map<String, Value> =
        serde_json::from_slice(&bytes).map_err(|_| DpopError::Malformed(what))?;
    serde_json::from_value(Value::Object(object)).map_err(|_| DpopError::Malformed(what))
}

fn string<'c>(value: Option<&'c Value>, name: &'static str) -> Result<&'c str, DpopError> {
    match value {
        None => Err(DpopError::MissingClaim(name)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(DpopError::InvalidClaim(name)),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
