//! DPoP, Demonstrating Proof of Possession (RFC 9449): sender-constrained tokens
//! with no TLS client certificate. The client holds a key ([`DpopKey`]) and signs a
//! small JWT, the proof, for each HTTP request; the authorization server binds the
//! token it issues to that key (`token_type: DPoP`, `cnf.jkt`), and a resource
//! server takes the token only with a fresh proof by the same key.
//!
//! - **Token requests:** [`TokenRequest::with_dpop`](crate::TokenRequest::with_dpop)
//!   adds the `DPoP` header; the send answers a `use_dpop_nonce` refusal by sending
//!   once more with the server's nonce (RFC 9449 §8), and the token response carries
//!   the latest nonce ([`TokenResponse::dpop_nonce`](crate::TokenResponse::dpop_nonce)).
//! - **Resource requests:** [`DpopKey::resource_headers`] gives the
//!   `Authorization: DPoP …` and `DPoP` values for one call;
//!   [`HttpResponse::dpop_nonce_challenge`](crate::HttpResponse::dpop_nonce_challenge)
//!   tells a resource server's `use_dpop_nonce` 401 apart from a rejected token.
//! - **Servers:** [`verify_proof`] checks a received proof.
//!
//! ```
//! use std::time::SystemTime;
//! use ring::rand::SystemRandom;
//! use s2s_oauth::jwt::dpop::DpopKey;
//!
//! let rng = SystemRandom::new();
//! let key = DpopKey::generate(&rng)?; // ES256; keep it as long as the tokens it binds
//! let headers = key.resource_headers("GET", "https://api.example.com/v1/items?page=2",
//!     "the-access-token", None, SystemTime::now(), &rng)?;
//! assert_eq!(headers.authorization(), "DPoP the-access-token");
//! assert_eq!(headers.dpop().split('.').count(), 3);
//! # Ok::<(), s2s_oauth::Error>(())
//! ```

mod htu;
mod verify;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use ring::rand::SecureRandom;
use serde::Serialize;

use crate::encoding::Base64;
use crate::error::{Error, InputField, InputProblem, refuse_control, refuse_empty};
use crate::key::SigningKey;
use crate::redact::redacted_debug;
use crate::secrets::{AccessToken, SignedAssertion};
use crate::time;

pub use crate::error::dpop::DpopError;
pub use verify::{ProofValidation, VerifiedProof, verify_proof};

/// The proof JWT's `typ` header (RFC 9449 §4.2).
pub const PROOF_TYPE: &str = "dpop+jwt";

/// The HTTP header that carries a proof, and the `Authorization` scheme of a
/// DPoP-bound token (RFC 9449 §4.1, §7.1).
pub const HEADER: &str = "DPoP";

/// The response header that hands the client a nonce (RFC 9449 §8.1).
pub const NONCE_HEADER: &str = "DPoP-Nonce";

/// A key that signs DPoP proofs (RFC 9449 §4.2): any asymmetric [`SigningKey`]
/// (ES256 for a generated one), with the proof header written once (`typ`, `alg`
/// and the public `jwk`), so that each proof costs one signature and the encoding
/// of its claims. Cheap to clone; `Debug` shows the algorithm and the thumbprint.
///
/// ```
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::jwt::dpop::DpopKey;
/// let key = DpopKey::new(SigningKey::from_pem_file("tests/data/keys/p256.pkcs8.pem")?)?;
/// assert_eq!(key.jkt(), "KsAXKoLh23zvgciIBhWrOzDRR97mW3E5vxjgBILcEmA");
/// // A shared secret cannot prove possession to anyone else.
/// assert!(DpopKey::new(SigningKey::hmac(b"a shared secret of 32 bytes or more")?).is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone)]
pub struct DpopKey {
    key: SigningKey,
    /// The base64url of `{"typ":"dpop+jwt","alg":…,"jwk":{…}}`.
    header: Arc<str>,
    jkt: Arc<str>,
}

redacted_debug!(DpopKey as k: algorithm = k.key.algorithm(), jkt);

impl DpopKey {
    /// Makes proofs with `key`. An HMAC secret is refused
    /// ([`InputProblem::Unsupported`] on [`InputField::Key`]): a proof must verify
    /// with the public key it carries.
    pub fn new(key: SigningKey) -> Result<Self, Error> {
        let (Some(jwk), Some(jkt)) = (key.public_jwk(), key.jwk_thumbprint()) else {
            return Err(Error::input(
                InputField::Key,
                InputProblem::Unsupported,
                "a DPoP key must be an asymmetric key (EC P-256 is the usual choice; RSA, P-384 or Ed25519 work too): an HMAC secret has no public key to put in the proof",
            ));
        };
        let header = format!(
            r#"{{"typ":"{PROOF_TYPE}","alg":"{}","jwk":{jwk}}}"#,
            key.algorithm().as_str()
        );
        Ok(DpopKey {
            header: Base64::UrlUnpadded.encode_string(header.as_bytes()).into(),
            jkt: jkt.into(),
            key,
        })
    }

    /// A new ES256 (P-256) key drawn from `rng`, the default for DPoP: it lives as
    /// long as the value (and the tokens bound to it).
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, Error> {
        Self::new(SigningKey::generate_p256(rng)?)
    }

    /// The key's JWK SHA-256 thumbprint (RFC 7638), which a DPoP-bound token's
    /// `cnf.jkt` holds and `dpop_jkt` sends (RFC 9449 §6.1, §10).
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    /// The signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// A proof for one request of `method` to `url` (its query and fragment are
    /// left out of `htu`, RFC 9449 §4.2), signed as of `now`.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use ring::rand::SystemRandom;
    /// use s2s_oauth::jwt::dpop::{DpopKey, Proof};
    /// let rng = SystemRandom::new();
    /// let key = DpopKey::generate(&rng)?;
    /// let proof = key.proof(&Proof::new("POST", "https://as.example.com/token").with_nonce("n-1"),
    ///     SystemTime::now(), &rng)?;
    /// assert!(proof.expose_secret().starts_with("eyJ0eXAiOiJkcG9wK2p3dCIs")); // {"typ":"dpop+jwt",
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn proof(
        &self,
        proof: &Proof<'_>,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<SignedAssertion, Error> {
        let htm = proof.method;
        refuse_empty(
            InputField::DpopProof,
            htm,
            "the DPoP proof's HTTP method is empty",
        )?;
        if !htm.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') {
            return Err(Error::input(
                InputField::DpopProof,
                InputProblem::Malformed,
                "the DPoP proof's HTTP method is not a method name (GET, POST...)",
            ));
        }
        let htu = htu::for_proof(proof.url)?;
        if let Some(nonce) = proof.nonce {
            check_nonce(nonce)?;
        }
        let ath = proof.access_token.map(access_token_hash);
        let jti = super::uuid_v4(rng)?;
        let claims = ProofClaims {
            jti: &jti,
            htm,
            htu,
            iat: time::unix_seconds(now)?,
            nonce: proof.nonce,
            ath: ath.as_deref(),
        };
        let mut json = Vec::with_capacity(256);
        serde_json::to_writer(&mut json, &claims)
            .map_err(|_| Error::Internal("serializing the DPoP proof claims"))?;
        let mut token =
            String::with_capacity(super::compact_len(self.header.len(), json.len(), &self.key));
        token.push_str(&self.header);
        super::finish_compact(token, &json, &self.key, rng).map(SignedAssertion::new)
    }

    /// The two header values of a resource request with a DPoP-bound
    /// `access_token` (RFC 9449 §7.1): `Authorization: DPoP <token>` and a proof
    /// carrying `ath`, and `nonce` if the resource server gave one. An access
    /// token that is empty or has a space, control or non-ASCII character is
    /// refused (it would not be a well-formed header value).
    pub fn resource_headers(
        &self,
        method: &str,
        url: &str,
        access_token: &str,
        nonce: Option<&str>,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<ResourceHeaders, Error> {
        // The token goes into a header value as it is: nothing that could end
        // the header or the request (RFC 9110 §5.5, token68).
        refuse_empty(
            InputField::DpopProof,
            access_token,
            "the access token for the DPoP Authorization header is empty; pass TokenResponse::access_token",
        )?;
        refuse_control(
            InputField::DpopProof,
            access_token,
            "the access token contains a control character (a stray newline?) and cannot go in the Authorization header; pass it as the token response gave it",
        )?;
        if !access_token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::input(
                InputField::DpopProof,
                InputProblem::Malformed,
                "the access token has a space or a non-ASCII character and cannot go in the Authorization header (RFC 9110 token68); pass it as the token response gave it",
            ));
        }
        let mut proof = Proof::new(method, url).with_access_token(access_token);
        proof.nonce = nonce;
        let dpop = self.proof(&proof, now, rng)?;
        Ok(ResourceHeaders {
            authorization: AccessToken::new(format!("{HEADER} {access_token}")),
            dpop,
        })
    }
}

/// What one proof is for: the request's method and URL, and optionally the
/// server's nonce and the access token sent with it (RFC 9449 §4.2).
#[derive(Clone, Copy)]
pub struct Proof<'a> {
    method: &'a str,
    url: &'a str,
    nonce: Option<&'a str>,
    access_token: Option<&'a str>,
}

// The access token is a secret: only whether one is set is shown.
impl fmt::Debug for Proof<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proof")
            .field("method", &self.method)
            .field("url", &crate::redact::redact(self.url))
            .field("nonce", &self.nonce)
            .field("access_token", &self.access_token.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> Proof<'a> {
    /// A proof for a request of `method` (`POST`) to `url`.
    pub fn new(method: &'a str, url: &'a str) -> Self {
        Proof {
            method,
            url,
            nonce: None,
            access_token: None,
        }
    }

    /// The nonce the server handed out in its `DPoP-Nonce` header (RFC 9449 §8).
    pub fn with_nonce(mut self, nonce: &'a str) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// The access token the request carries: the proof gets its hash, `ath`.
    pub fn with_access_token(mut self, access_token: &'a str) -> Self {
        self.access_token = Some(access_token);
        self
    }
}

/// The header values of a resource request with a DPoP-bound token, from
/// [`DpopKey::resource_headers`]. `Debug` redacts both (the first is the token).
pub struct ResourceHeaders {
    authorization: AccessToken,
    dpop: SignedAssertion,
}

impl ResourceHeaders {
    /// The `Authorization` value: `DPoP <access token>`.
    pub fn authorization(&self) -> &str {
        self.authorization.expose_secret()
    }

    /// The `DPoP` value: the proof.
    pub fn dpop(&self) -> &str {
        self.dpop.expose_secret()
    }
}

impl fmt::Debug for ResourceHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResourceHeaders { authorization: \"DPoP [redacted]\", dpop: [redacted] }")
    }
}

/// Whether `nonce` has the syntax of RFC 9449 §8.1, `1*NQCHAR`: visible ASCII
/// but `"` and `\`. A server's nonce outside it is not echoed.
pub(crate) fn is_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// Refuses a nonce that is not `1*NQCHAR` (RFC 9449 §8.1), as an input error on
/// [`InputField::DpopProof`] (a control character as
/// [`InputProblem::ControlCharacter`], the rest as [`InputProblem::Malformed`]).
pub(crate) fn check_nonce(nonce: &str) -> Result<(), Error> {
    refuse_control(
        InputField::DpopProof,
        nonce,
        "the DPoP nonce contains a control character; pass the DPoP-Nonce header value as received",
    )?;
    if !is_nonce(nonce) {
        return Err(Error::input(
            InputField::DpopProof,
            InputProblem::Malformed,
            "the DPoP nonce is empty or has a character RFC 9449 §8.1 does not allow (only visible ASCII, no space, '\"' or '\\'); pass the DPoP-Nonce header value as received",
        ));
    }
    Ok(())
}

/// `ath`: the base64url SHA-256 of the access token's ASCII (RFC 9449 §4.2).
///
/// ```
/// // RFC 9449 §7.1's example token and ath.
/// assert_eq!(s2s_oauth::jwt::dpop::access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
///     "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
/// ```
pub fn access_token_hash(access_token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, access_token.as_bytes());
    Base64::UrlUnpadded.encode_string(digest.as_ref())
}

#[derive(Serialize)]
struct ProofClaims<'a> {
    jti: &'a str,
    htm: &'a str,
    htu: &'a str,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<&'a str>,
}
