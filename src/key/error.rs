//! The key layer's own error: why a key, certificate or algorithm was refused, and
//! its one bad-signature answer.

use std::fmt;

use super::KeyType;
use crate::key::algorithm::Algorithm;

/// Why a key or certificate was refused. Each message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The input was empty.
    Empty,
    /// The input is neither a PEM block this crate knows nor DER it can parse.
    Unrecognized,
    /// The PEM armor or its base64 content is broken.
    BadPem,
    /// An encrypted PKCS#8 key (`BEGIN ENCRYPTED PRIVATE KEY`).
    Encrypted,
    /// A certificate was given where a private key was expected.
    CertificateNotKey,
    /// A public key was given where a private key was expected.
    PublicKeyNotPrivate,
    /// A private key was given where a public key or certificate was expected.
    PrivateKeyNotPublic,
    /// An RSA key shorter than 2048 bits.
    RsaTooSmall {
        /// The key's modulus length.
        bits: usize,
    },
    /// An RSA key longer than 8192 bits.
    RsaTooLarge {
        /// The key's modulus length.
        bits: usize,
    },
    /// A key type this crate does not sign with (DSA, X25519, a curve other than
    /// P-256 and P-384...).
    Unsupported(&'static str),
    /// The DER structure is malformed; the text says where.
    Malformed(&'static str),
    /// The certificate does not belong to the private key.
    CertificateMismatch,
    /// A certificate bundle or chain (a CA file, a TLS client certificate chain)
    /// holds no `BEGIN CERTIFICATE` block: it is empty, or holds only keys.
    NoCertificate,
    /// A file of certificate authorities to trust (a CA file) holds a private key
    /// (or an encrypted one): it should hold certificates only.
    PrivateKeyInCaFile,
    /// An HMAC secret that is empty.
    EmptySecret,
    /// An EC private key stored without its public key, which ring needs.
    MissingPublicKey,
    /// A private key of another type where an RSA key was asked for
    /// ([`SigningKey::from_rsa_pem`](super::SigningKey::from_rsa_pem),
    /// [`SigningKey::from_rsa_der`](super::SigningKey::from_rsa_der)): the type
    /// it is.
    NotRsa(KeyType),
    /// The algorithm does not fit the key (for example ES256 with an RSA key), when
    /// binding a key to it ([`SigningKey::with_algorithm`](super::SigningKey::with_algorithm))
    /// or verifying with it ([`VerifyingKey::verify`](super::VerifyingKey::verify)).
    AlgorithmMismatch {
        /// The algorithm that was asked for.
        requested: Algorithm,
        /// The kind of key it was asked of.
        key: KeyType,
    },
    /// A name that is no JWS algorithm this crate knows (`none` included).
    UnknownAlgorithm(Box<str>),
    /// The signature does not verify with this key: the key layer's one
    /// bad-signature answer, whatever the algorithm.
    BadSignature,
    /// The input has no PEM armor and reads as a file name or path (`server.key`,
    /// `keys/client.pem`): the file's contents were meant. Not echoed, in case it
    /// is a secret after all.
    LooksLikePath,
    /// A key or certificate file could not be read (`from_pem_file`).
    ReadFile {
        /// The path as given.
        path: Box<str>,
        /// Why, as the operating system said it.
        kind: std::io::ErrorKind,
    },
    /// The signing operation itself failed (or the random source did). Opaque on
    /// purpose, like ring's `Unspecified`.
    SigningFailed,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("key input is empty: pass the contents of a PEM or DER file"),
            KeyError::Unrecognized => f.write_str(
                "key input is neither PEM (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY, EC PRIVATE KEY, PUBLIC KEY, CERTIFICATE) nor DER this crate can read",
            ),
            KeyError::BadPem => f.write_str("PEM input is damaged (missing END line or invalid base64)"),
            KeyError::Encrypted => f.write_str(
                "the private key is encrypted (ENCRYPTED PRIVATE KEY); decrypt it first: openssl pkcs8 -in key.pem -out plain.pem",
            ),
            KeyError::CertificateNotKey => f.write_str(
                "a certificate was given where a private key was expected; pass the private key file (a certificate is given separately: SigningKey::with_x5t_s256, saml::Signer::new, the CLI's --cert)",
            ),
            KeyError::PublicKeyNotPrivate => f.write_str(
                "a public key was given where a private key was expected; signing needs the private key",
            ),
            KeyError::PrivateKeyNotPublic => f.write_str(
                "a private key was given where a public key or certificate was expected; pass the public key (openssl pkey -pubout) or the certificate",
            ),
            KeyError::RsaTooSmall { bits } => write!(
                f,
                "RSA key is {bits} bits; at least 2048 are required: generate a new one with openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048"
            ),
            KeyError::RsaTooLarge { bits } => write!(f, "RSA key is {bits} bits; at most 8192 are supported"),
            KeyError::Unsupported(what) => write!(
                f,
                "unsupported key type ({what}); use RSA (2048 bits or more), EC P-256, EC P-384 or Ed25519"
            ),
            KeyError::Malformed(what) => write!(f, "malformed key: {what}"),
            KeyError::CertificateMismatch => f.write_str(
                "the certificate does not belong to the private key: pass the certificate issued for this key",
            ),
            KeyError::NoCertificate => f.write_str(
                "the certificate file holds no certificate (no -----BEGIN CERTIFICATE----- block): pass a PEM file with the CA certificates, or the client certificate chain with the leaf first",
            ),
            KeyError::PrivateKeyInCaFile => f.write_str(
                "the CA file holds a private key: a CA file holds only the certificates of the authorities to trust; pass a file with the CA certificates alone (and move the key off this machine: a CA's or a server's key does not belong with a client)",
            ),
            KeyError::EmptySecret => f.write_str(
                "the HMAC secret is empty; pass the client secret the authorization server issued",
            ),
            KeyError::MissingPublicKey => f.write_str(
                "the EC private key is stored without its public key; re-export it with: openssl ec -in key.pem -out key-with-public.pem",
            ),
            KeyError::NotRsa(key) => write!(
                f,
                "the private key is {key}, not RSA, and an RSA key was asked for (SigningKey::from_rsa_pem or from_rsa_der): pass the RSA key (Salesforce's JWT Bearer flow signs with RS256), or load this one with SigningKey::from_pem or from_der"
            ),
            KeyError::AlgorithmMismatch { requested, key } => write!(
                f,
                "algorithm {requested} cannot be used with {key}; choose one of: {}",
                key.algorithms()
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            KeyError::UnknownAlgorithm(name) => write!(
                f,
                "unknown JWT algorithm {name:?}; expected one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA, HS256, HS384, HS512"
            ),
            KeyError::LooksLikePath => f.write_str(
                "the key input looks like a file path, not the file's contents: read the file first, SigningKey::from_pem(std::fs::read(path)?), or call SigningKey::from_pem_file(path) (likewise VerifyingKey and Certificate)",
            ),
            KeyError::ReadFile { path, kind } => write!(
                f,
                "cannot read the key or certificate file {path:?}: {kind}; check the path (a relative path starts from the working directory) and the file's permissions"
            ),
            KeyError::BadSignature => f.write_str("signature does not verify"),
            KeyError::SigningFailed => {
                f.write_str("signing failed (cryptographic operation error)")
            }
        }
    }
}

impl std::error::Error for KeyError {}
