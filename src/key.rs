//! Signing and verifying keys, and X.509 certificates: PEM and DER loading.
//!
//! A [`SigningKey`] knows its algorithm: RS256 for RSA unless another RSA algorithm is
//! chosen, ES256 for P-256, ES384 for P-384, EdDSA for Ed25519, HS256 for an HMAC
//! secret. Asking a key for an algorithm that does not fit it is an error.

pub(crate) mod algorithm;
mod certificate;
mod der;
mod error;
mod file;
mod jwk;
pub(crate) mod jwks;
mod load;
mod names;
mod pem;
mod rsa;
mod thumbprint;

use std::fmt;
use std::sync::Arc;

use ring::hmac;
use ring::signature::{self, KeyPair as _, UnparsedPublicKey};
use rustls_pki_types::pem::SectionKind;

pub use certificate::Certificate;
pub use error::KeyError;
#[cfg(feature = "ureq")]
pub(crate) use file::read as read_file;
use load::KeyPair;

use pem::Block;

use crate::redact::redacted_debug;
use algorithm::Algorithm;

/// The kind of a key, as far as signing goes, which fixes the JWS algorithms it can
/// use (RFC 7518 §3.1). Printed in errors and `Debug`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// RSA with a modulus of this many bits.
    Rsa {
        /// Modulus length.
        bits: u16,
    },
    /// ECDSA on NIST P-256.
    EcP256,
    /// ECDSA on NIST P-384.
    EcP384,
    /// Ed25519.
    Ed25519,
    /// A shared HMAC secret.
    Hmac,
}

impl KeyType {
    /// The algorithms this kind of key can sign or verify with. The first is the
    /// default.
    pub fn algorithms(self) -> &'static [Algorithm] {
        use Algorithm::*;
        match self {
            KeyType::Rsa { .. } => &[RS256, RS384, RS512, PS256, PS384, PS512],
            KeyType::EcP256 => &[ES256],
            KeyType::EcP384 => &[ES384],
            KeyType::Ed25519 => &[EdDSA],
            KeyType::Hmac => &[HS256, HS384, HS512],
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Rsa { bits } => write!(f, "an RSA-{bits} key"),
            KeyType::EcP256 => f.write_str("an EC P-256 key"),
            KeyType::EcP384 => f.write_str("an EC P-384 key"),
            KeyType::Ed25519 => f.write_str("an Ed25519 key"),
            KeyType::Hmac => f.write_str("an HMAC secret"),
        }
    }
}

/// A private key (or HMAC secret) bound to one JWS algorithm (RFC 7518 §3.1), with
/// the optional header values that identify it (`kid`, `x5t`, `x5t#S256`; RFC 7515
/// §4.1.4, §4.1.7, §4.1.8).
///
/// The key is parsed and handed to `ring` once, at load time. Cheap to clone (the
/// key material is shared), `Send` and `Sync`. `Debug` prints only public facts.
///
/// ```
/// use s2s_oauth::{Algorithm, SigningKey};
/// let key = SigningKey::hmac(b"a shared secret of 32 bytes or more")?
///     .with_algorithm(Algorithm::HS512)?
///     .with_kid("k1");
/// assert_eq!(key.algorithm(), Algorithm::HS512);
/// assert!(key.clone().with_algorithm(Algorithm::RS256).is_err());
/// # Ok::<(), s2s_oauth::error::KeyError>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<Signer>,
    algorithm: Algorithm,
    key_type: KeyType,
    kid: Option<String>,
    x5t: Option<String>,
    x5t_s256: Option<String>,
}

// Always behind an `Arc`, built once per key: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Signer {
    Pair(KeyPair),
    /// Shared with the verifying keys made from this key.
    Hmac(Arc<HmacKeys>),
}

/// An HMAC secret with ring keys for the three hash sizes, built once.
struct HmacKeys {
    sha256: hmac::Key,
    sha384: hmac::Key,
    sha512: hmac::Key,
}

impl HmacKeys {
    fn new(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.is_empty() {
            return Err(KeyError::EmptySecret);
        }
        Ok(HmacKeys {
            sha256: hmac::Key::new(hmac::HMAC_SHA256, secret),
            sha384: hmac::Key::new(hmac::HMAC_SHA384, secret),
            sha512: hmac::Key::new(hmac::HMAC_SHA512, secret),
        })
    }

    fn key(&self, algorithm: Algorithm) -> Option<&hmac::Key> {
        match algorithm {
            Algorithm::HS256 => Some(&self.sha256),
            Algorithm::HS384 => Some(&self.sha384),
            Algorithm::HS512 => Some(&self.sha512),
            _ => None,
        }
    }
}

/// A public key (or HMAC secret) that checks JWS signatures (RFC 7515 §5.2).
///
/// ```
/// use s2s_oauth::{Algorithm, SigningKey};
/// let key = SigningKey::hmac(b"a shared secret of 32 bytes or more")?;
/// let signature = key.sign(b"message", &ring::rand::SystemRandom::new())?;
/// key.verifying_key().verify(Algorithm::HS256, b"message", &signature)?;
/// assert!(key.verifying_key().verify(Algorithm::HS256, b"other", &signature).is_err());
/// # Ok::<(), s2s_oauth::error::KeyError>(())
/// ```
#[derive(Clone)]
pub struct VerifyingKey {
    inner: Arc<Verifier>,
    key_type: KeyType,
}

enum Verifier {
    /// ring's public key encoding (see `load::PublicKey`).
    Public(Vec<u8>),
    Hmac(Arc<HmacKeys>),
}

impl SigningKey {
    /// Loads a private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`: RSA, EC P-256,
    /// EC P-384, Ed25519), PKCS#1 (`BEGIN RSA PRIVATE KEY`) or SEC1
    /// (`BEGIN EC PRIVATE KEY`). The algorithm is the key's default.
    ///
    /// An encrypted key, a certificate, a public key, an RSA key under 2048 bits
    /// and other curves are refused with the matching [`KeyError`]. A program
    /// whose server takes RSA keys only (Salesforce, Google service accounts) can
    /// load with [`from_rsa_pem`](Self::from_rsa_pem) instead: the same checks
    /// and errors, another key type refused, and no EC or Ed25519 loading code in
    /// the binary.
    ///
    /// ```
    /// use s2s_oauth::{Algorithm, KeyType, SigningKey};
    /// let pem = include_bytes!("../tests/data/keys/rsa2048.pkcs8.pem"); // std::fs::read("server.key")?
    /// let key = SigningKey::from_pem(pem)?.with_algorithm(Algorithm::PS256)?;
    /// assert_eq!(key.key_type(), KeyType::Rsa { bits: 2048 });
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::first_private_key(pem.as_ref(), Self::from_der)
    }

    /// The first private key block of `pem` loaded by `load` (an encrypted
    /// key, a public key or a certificate refused by name): the PEM half of
    /// [`from_pem`](Self::from_pem) and [`from_rsa_pem`](Self::from_rsa_pem),
    /// which differ in the DER loader only (a function passed, not called
    /// here, so a program that loads RSA only carries no other loader).
    fn first_private_key(
        pem: &[u8],
        load: fn(&[u8]) -> Result<Self, KeyError>,
    ) -> Result<Self, KeyError> {
        pem::load_first(
            pem,
            KeyError::Encrypted,
            [
                (Block::is_public_key, KeyError::PublicKeyNotPrivate),
                (Block::is_certificate, KeyError::CertificateNotKey),
            ],
            |block| match block {
                Block::PrivateKey(der) => Some(load(&der)),
                _ => None,
            },
        )
    }

    /// Reads a PEM private key file and loads it as [`from_pem`](Self::from_pem)
    /// does; the bytes read are wiped when dropped. A file that cannot be read is
    /// [`KeyError::ReadFile`], naming the path.
    ///
    /// ```
    /// use s2s_oauth::SigningKey;
    /// use s2s_oauth::error::KeyError;
    /// let key = SigningKey::from_pem_file("tests/data/keys/p256.pkcs8.pem")?;
    /// assert_eq!(key.algorithm().as_str(), "ES256");
    /// // A path given to from_pem is not read: the error says to read it first.
    /// assert_eq!(SigningKey::from_pem("server.key").unwrap_err(), KeyError::LooksLikePath);
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn from_pem_file(path: impl AsRef<std::path::Path>) -> Result<Self, KeyError> {
        Self::from_pem(&*file::read(path.as_ref())?)
    }

    /// Loads a private key from DER (PKCS#8, PKCS#1 RSA or SEC1 EC), told apart by
    /// their structure.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let (pair, key_type) = load::private_key(der)?;
        Ok(SigningKey::new(Signer::Pair(pair), key_type))
    }

    /// An HMAC key (HS256 unless changed with [`with_algorithm`](Self::with_algorithm)),
    /// for `client_secret_jwt` (RFC 7523 §2.2 with RFC 7518 §3.2). RFC 7518 asks for
    /// a secret at least as long as the hash output (32 bytes for HS256); shorter
    /// secrets are accepted because servers issue them, but are weaker.
    pub fn hmac(secret: &[u8]) -> Result<Self, KeyError> {
        Ok(SigningKey::new(
            Signer::Hmac(Arc::new(HmacKeys::new(secret)?)),
            KeyType::Hmac,
        ))
    }

    fn new(signer: Signer, key_type: KeyType) -> Self {
        SigningKey {
            inner: Arc::new(signer),
            algorithm: key_type
                .algorithms()
                .first()
                .copied()
                .unwrap_or(Algorithm::RS256),
            key_type,
            kid: None,
            x5t: None,
            x5t_s256: None,
        }
    }

    /// Binds the key to another algorithm that fits it (RS384, PS256... for RSA;
    /// HS384/HS512 for HMAC). A mismatch is [`KeyError::AlgorithmMismatch`].
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Result<Self, KeyError> {
        if !self.key_type.algorithms().contains(&algorithm) {
            return Err(KeyError::AlgorithmMismatch {
                requested: algorithm,
                key: self.key_type,
            });
        }
        self.algorithm = algorithm;
        Ok(self)
    }

    /// Sets the `kid` header value.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Puts the certificate's SHA-1 thumbprint in the `x5t` header (legacy Entra).
    /// The certificate must belong to this key, else
    /// [`KeyError::CertificateMismatch`].
    pub fn with_x5t(mut self, certificate: &Certificate) -> Result<Self, KeyError> {
        self.check_certificate(certificate)?;
        self.x5t = Some(certificate.x5t());
        Ok(self)
    }

    /// Puts the certificate's SHA-256 thumbprint in the `x5t#S256` header (Entra).
    /// The certificate must belong to this key, else
    /// [`KeyError::CertificateMismatch`].
    pub fn with_x5t_s256(mut self, certificate: &Certificate) -> Result<Self, KeyError> {
        self.check_certificate(certificate)?;
        self.x5t_s256 = Some(certificate.x5t_s256());
        Ok(self)
    }

    /// Checks that `certificate` carries this key's public key.
    pub fn check_certificate(&self, certificate: &Certificate) -> Result<(), KeyError> {
        let public = load::spki(load::certificate_spki(certificate.der())?)
            .map_err(|_| KeyError::CertificateMismatch)?;
        match self.public_key_bytes() {
            Some(mine) if public.key_type == self.key_type && public.bytes == mine => Ok(()),
            _ => Err(KeyError::CertificateMismatch),
        }
    }

    fn public_key_bytes(&self) -> Option<&[u8]> {
        match &*self.inner {
            Signer::Pair(KeyPair::Rsa(pair)) => Some(pair.public_key().as_ref()),
            Signer::Pair(KeyPair::Ecdsa(pair)) => Some(pair.public_key().as_ref()),
            Signer::Pair(KeyPair::Ed25519(pair)) => Some(pair.public_key().as_ref()),
            Signer::Hmac(_) => None,
        }
    }

    /// The JWK thumbprint of the public key (RFC 7638, SHA-256, base64url): the
    /// value consoles and JWKS tooling show as a key's id. `None` for an HMAC
    /// secret, which has no public part.
    ///
    /// ```
    /// use s2s_oauth::SigningKey;
    /// let pem = include_bytes!("../tests/data/keys/p256.pkcs8.pem"); // std::fs::read("server.key")?
    /// let key = SigningKey::from_pem(pem)?;
    /// assert_eq!(key.jwk_thumbprint().as_deref(), Some("KsAXKoLh23zvgciIBhWrOzDRR97mW3E5vxjgBILcEmA"));
    /// assert_eq!(SigningKey::hmac(b"a shared secret")?.jwk_thumbprint(), None);
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn jwk_thumbprint(&self) -> Option<String> {
        self.public_jwk()
            .map(|jwk| thumbprint::of_canonical_jwk(&jwk))
    }

    /// The public key as a JWK (RFC 7517 §4) with its required members only, in
    /// the order RFC 7638 §3.2 sorts them and with no whitespace: what a DPoP proof
    /// carries in its `jwk` header (RFC 9449 §4.2), never a private member. `None`
    /// for an HMAC secret.
    ///
    /// ```
    /// use s2s_oauth::SigningKey;
    /// let pem = include_bytes!("../tests/data/keys/ed25519.pkcs8.pem"); // std::fs::read("dpop.key")?
    /// let jwk = SigningKey::from_pem(pem)?.public_jwk().unwrap();
    /// assert!(jwk.starts_with(r#"{"crv":"Ed25519","kty":"OKP","x":""#));
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn public_jwk(&self) -> Option<String> {
        let bytes = self.public_key_bytes()?;
        thumbprint::canonical_jwk(&jwk::members(self.key_type, bytes)?)
    }

    /// A new EC P-256 key (ES256), drawn from `rng`: the default for a key made
    /// on the spot, such as a DPoP key (RFC 9449) that lives as long as the
    /// process. It is never written anywhere; keep the value to keep the key.
    ///
    /// ```
    /// use s2s_oauth::{KeyType, SigningKey};
    /// let key = SigningKey::generate_p256(&ring::rand::SystemRandom::new())?;
    /// assert_eq!(key.key_type(), KeyType::EcP256);
    /// assert_eq!(key.algorithm().as_str(), "ES256");
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn generate_p256(rng: &dyn ring::rand::SecureRandom) -> Result<Self, KeyError> {
        let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            rng,
        )
        .map_err(|_| KeyError::SigningFailed)?;
        Self::from_der(pkcs8.as_ref())
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The kind of key.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The `kid` header value, if set.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The `x5t` header value, if set.
    pub fn x5t(&self) -> Option<&str> {
        self.x5t.as_deref()
    }

    /// The `x5t#S256` header value, if set.
    pub fn x5t_s256(&self) -> Option<&str> {
        self.x5t_s256.as_deref()
    }

    /// The matching public key (for HMAC, the same secret).
    pub fn verifying_key(&self) -> VerifyingKey {
        let verifier = match &*self.inner {
            Signer::Hmac(keys) => Verifier::Hmac(Arc::clone(keys)),
            Signer::Pair(_) => {
                Verifier::Public(self.public_key_bytes().unwrap_or_default().to_vec())
            }
        };
        VerifyingKey {
            inner: Arc::new(verifier),
            key_type: self.key_type,
        }
    }

    /// The length in bytes of this key's signatures (a capacity hint for the token).
    pub(crate) fn signature_len(&self) -> usize {
        match &*self.inner {
            Signer::Pair(KeyPair::Rsa(pair)) => pair.public().modulus_len(),
            Signer::Pair(KeyPair::Ecdsa(_)) if self.key_type == KeyType::EcP384 => 96,
            Signer::Pair(KeyPair::Ecdsa(_) | KeyPair::Ed25519(_)) => 64,
            Signer::Hmac(_) => match self.algorithm {
                Algorithm::HS384 => 48,
                Algorithm::HS512 => 64,
                _ => 32,
            },
        }
    }

    /// Signs `message` with the key's algorithm (RFC 7518 §3) and returns the raw JWS
    /// signature (r‖s for ECDSA). ECDSA and RSA-PSS draw randomness from `rng`.
    pub fn sign(
        &self,
        message: &[u8],
        rng: &dyn ring::rand::SecureRandom,
    ) -> Result<Vec<u8>, KeyError> {
        match &*self.inner {
            Signer::Pair(KeyPair::Rsa(pair)) => {
                let padding: &'static dyn signature::RsaEncoding = match self.algorithm {
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_SHA384,
                    Algorithm::PS512 => &signature::RSA_PSS_SHA512,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(padding, rng, message, &mut sig)
                    .map_err(|_| KeyError::SigningFailed)?;
                Ok(sig)
            }
            Signer::Pair(KeyPair::Ecdsa(pair)) => pair
                .sign(rng, message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| KeyError::SigningFailed),
            Signer::Pair(KeyPair::Ed25519(pair)) => Ok(pair.sign(message).as_ref().to_vec()),
            Signer::Hmac(keys) => {
                let key = keys.key(self.algorithm).ok_or(KeyError::SigningFailed)?;
                Ok(hmac::sign(key, message).as_ref().to_vec())
            }
        }
    }
}

// The public parts only: never the key pair or the HMAC secret.
redacted_debug!(SigningKey: algorithm, key_type, kid);

impl VerifyingKey {
    /// Loads a public key from PEM: `BEGIN PUBLIC KEY` (SPKI), `BEGIN RSA PUBLIC KEY`
    /// (PKCS#1) or `BEGIN CERTIFICATE` (the certificate's key). A private key is
    /// refused with [`KeyError::PrivateKeyNotPublic`].
    ///
    /// ```
    /// use s2s_oauth::{KeyType, VerifyingKey};
    /// let key = VerifyingKey::from_pem(include_bytes!("../tests/data/keys/p256.cert.pem"))?;
    /// assert_eq!(key.key_type(), KeyType::EcP256);
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        pem::load_first_public(pem.as_ref(), |block| match block {
            Block::Known(SectionKind::PublicKey, der) => Some(Self::from_spki_der(&der)),
            Block::Known(SectionKind::Certificate, der) => {
                Some(Certificate::from_der(der).and_then(|cert| cert.verifying_key()))
            }
            Block::RsaPublicKey(der) => Some(load::rsa_public(&der).map(Self::from_public)),
            _ => None,
        })
    }

    /// Reads a PEM file and loads its public key as [`from_pem`](Self::from_pem)
    /// does. A file that cannot be read is [`KeyError::ReadFile`], naming the path.
    ///
    /// ```
    /// use s2s_oauth::{KeyType, VerifyingKey};
    /// let key = VerifyingKey::from_pem_file("tests/data/keys/rsa2048.pub.pem")?;
    /// assert_eq!(key.key_type(), KeyType::Rsa { bits: 2048 });
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn from_pem_file(path: impl AsRef<std::path::Path>) -> Result<Self, KeyError> {
        Self::from_pem(&*file::read(path.as_ref())?)
    }

    /// Loads a public key from a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        Ok(Self::from_public(load::spki(der)?))
    }

    fn from_public(public: load::PublicKey) -> Self {
        VerifyingKey {
            inner: Arc::new(Verifier::Public(public.bytes)),
            key_type: public.key_type,
        }
    }

    /// Loads a public key from a JWK (RFC 7517 §4): `kty` `EC` (P-256, P-384),
    /// `RSA` (2048 to 8192 bits) or `OKP` (Ed25519). Members other than the key's
    /// own (`kid`, `use`, `alg`...) are ignored; a JWK with private members (`d`,
    /// `p`...) or a symmetric one (`oct`) is refused with
    /// [`KeyError::PrivateKeyNotPublic`].
    ///
    /// ```
    /// use s2s_oauth::{KeyType, SigningKey, VerifyingKey};
    /// let signing = SigningKey::from_pem(include_bytes!("../tests/data/keys/p256.pkcs8.pem"))?;
    /// let key = VerifyingKey::from_jwk(&signing.public_jwk().unwrap())?;
    /// assert_eq!(key.key_type(), KeyType::EcP256);
    /// assert_eq!(key.jwk_thumbprint(), signing.jwk_thumbprint());
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn from_jwk(jwk: &str) -> Result<Self, KeyError> {
        Ok(Self::from_public(jwk::parse_text(jwk)?))
    }

    /// A JWK object already parsed (the `jwk` header of a DPoP proof).
    pub(crate) fn from_jwk_object(
        jwk: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, KeyError> {
        Ok(Self::from_public(jwk::parse(jwk)?))
    }

    /// The JWK thumbprint of the public key (RFC 7638, SHA-256, base64url), the
    /// value a DPoP-bound token's `cnf.jkt` holds (RFC 9449 §6.1). `None` for an
    /// HMAC secret.
    pub fn jwk_thumbprint(&self) -> Option<String> {
        match &*self.inner {
            Verifier::Public(bytes) => {
                let members = jwk::members(self.key_type, bytes)?;
                thumbprint::jwk_thumbprint(&members)
            }
            Verifier::Hmac(_) => None,
        }
    }

    /// An HMAC verification key.
    pub fn hmac(secret: &[u8]) -> Result<Self, KeyError> {
        Ok(VerifyingKey {
            inner: Arc::new(Verifier::Hmac(Arc::new(HmacKeys::new(secret)?))),
            key_type: KeyType::Hmac,
        })
    }

    /// The kind of key.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// Checks `signature` over `message` with `algorithm` (RFC 7515 §5.2). An
    /// algorithm that does not fit the key is [`KeyError::AlgorithmMismatch`]; a bad
    /// signature is [`KeyError::BadSignature`]. HMAC tags are compared in constant
    /// time.
    pub fn verify(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), KeyError> {
        if !self.key_type.algorithms().contains(&algorithm) {
            return Err(self.mismatch(algorithm));
        }
        let ok = match &*self.inner {
            Verifier::Hmac(keys) => match keys.key(algorithm) {
                Some(key) => hmac::verify(key, message, signature).is_ok(),
                None => false,
            },
            Verifier::Public(bytes) => {
                let alg: &'static dyn signature::VerificationAlgorithm = match algorithm {
                    Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                    Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
                    Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
                    Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
                    Algorithm::EdDSA => &signature::ED25519,
                    Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                        return Err(self.mismatch(algorithm));
                    }
                };
                UnparsedPublicKey::new(alg, bytes)
                    .verify(message, signature)
                    .is_ok()
            }
        };
        if ok {
            Ok(())
        } else {
            Err(KeyError::BadSignature)
        }
    }

    fn mismatch(&self, requested: Algorithm) -> KeyError {
        KeyError::AlgorithmMismatch {
            requested,
            key: self.key_type,
        }
    }
}

redacted_debug!(VerifyingKey: key_type);
