//! Signing and verifying keys, and X.509 certificates: PEM and DER loading.
//!
//! A [`SigningKey`] knows its algorithm: RS256 for RSA unless another RSA algorithm is
//! chosen, ES256 for P-256, ES384 for P-384, EdDSA for Ed25519, HS256 for an HMAC
//! secret. Asking a key for an algorithm that does not fit it is an error.

use std::fmt;
use std::sync::Arc;

use crate::algorithm::Algorithm;
use crate::error::{Error, KeyError};

/// The kind of a key, as far as signing goes. Printed in errors and `Debug`.
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

/// A private key (or HMAC secret) bound to one JWS algorithm, with the optional
/// header values that identify it (`kid`, `x5t`, `x5t#S256`).
///
/// Cheap to clone (the key material is shared). `Debug` prints only public facts.
#[derive(Clone)]
pub struct SigningKey {
    // Filled in by the implementation; see the methods.
    inner: Arc<()>,
    algorithm: Algorithm,
    key_type: KeyType,
    kid: Option<String>,
    x5t: Option<String>,
    x5t_s256: Option<String>,
}

/// A public key (or HMAC secret) that checks signatures.
#[derive(Clone)]
pub struct VerifyingKey {
    inner: Arc<()>,
    key_type: KeyType,
}

/// An X.509 certificate (DER), used for `x5t` / `x5t#S256` header values, for
/// SAML `KeyInfo`, and as a source of a [`VerifyingKey`].
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
}

impl SigningKey {
    /// Loads a private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`: RSA, EC P-256,
    /// EC P-384, Ed25519), PKCS#1 (`BEGIN RSA PRIVATE KEY`) or SEC1
    /// (`BEGIN EC PRIVATE KEY`). The algorithm is the key's default.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, Error> {
        let _ = pem;
        todo!()
    }

    /// Loads a private key from DER (PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let _ = der;
        todo!()
    }

    /// An HMAC key (HS256 unless changed with [`with_algorithm`](Self::with_algorithm)),
    /// for `client_secret_jwt`.
    pub fn hmac(secret: &[u8]) -> Result<Self, Error> {
        let _ = secret;
        todo!()
    }

    /// Binds the key to another algorithm that fits it (RS384, PS256... for RSA;
    /// HS384/HS512 for HMAC). A mismatch is [`Error::AlgorithmMismatch`].
    pub fn with_algorithm(self, algorithm: Algorithm) -> Result<Self, Error> {
        let _ = algorithm;
        todo!()
    }

    /// Sets the `kid` header value.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Puts the certificate's SHA-1 thumbprint in the `x5t` header (legacy Entra).
    /// The certificate must belong to this key.
    pub fn with_x5t(self, certificate: &Certificate) -> Result<Self, Error> {
        let _ = certificate;
        todo!()
    }

    /// Puts the certificate's SHA-256 thumbprint in the `x5t#S256` header (Entra).
    /// The certificate must belong to this key.
    pub fn with_x5t_s256(self, certificate: &Certificate) -> Result<Self, Error> {
        let _ = certificate;
        todo!()
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
        todo!()
    }

    /// Signs `message` with the key's algorithm. ECDSA and RSA-PSS draw randomness
    /// from `rng`.
    pub fn sign(
        &self,
        message: &[u8],
        rng: &dyn ring::rand::SecureRandom,
    ) -> Result<Vec<u8>, Error> {
        let _ = (message, rng, &self.inner);
        todo!()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("key_type", &self.key_type)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// Loads a public key from PEM: `BEGIN PUBLIC KEY` (SPKI), `BEGIN RSA PUBLIC KEY`
    /// (PKCS#1) or `BEGIN CERTIFICATE` (the certificate's key).
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, Error> {
        let _ = pem;
        todo!()
    }

    /// Loads a public key from a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let _ = der;
        todo!()
    }

    /// An HMAC verification key.
    pub fn hmac(secret: &[u8]) -> Result<Self, Error> {
        let _ = secret;
        todo!()
    }

    /// The kind of key.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// Checks `signature` over `message` with `algorithm`. An algorithm that does not
    /// fit the key is [`JwtError::AlgorithmNotAllowed`](crate::JwtError); a bad
    /// signature is [`JwtError::InvalidSignature`](crate::JwtError).
    pub fn verify(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let _ = (algorithm, message, signature, &self.inner);
        todo!()
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("key_type", &self.key_type)
            .finish_non_exhaustive()
    }
}

impl Certificate {
    /// Loads the first `BEGIN CERTIFICATE` block of a PEM file.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, Error> {
        let _ = pem;
        todo!()
    }

    /// Wraps a DER certificate after checking that it parses.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let _ = der.into();
        Err(KeyError::Unrecognized.into())
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// base64url(SHA-1(DER)): the `x5t` value.
    pub fn x5t(&self) -> String {
        todo!()
    }

    /// base64url(SHA-256(DER)): the `x5t#S256` value.
    pub fn x5t_s256(&self) -> String {
        todo!()
    }

    /// The certificate's public key.
    pub fn verifying_key(&self) -> Result<VerifyingKey, Error> {
        todo!()
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("x5t#S256", &self.x5t_s256())
            .finish_non_exhaustive()
    }
}
