//! RSA-only loading of a private key: [`SigningKey::from_rsa_pem`] and
//! [`SigningKey::from_rsa_der`], for callers whose server takes RSA keys alone.

use super::{KeyError, Signer, SigningKey, load};

impl SigningKey {
    /// Loads an RSA private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`). The algorithm is RS256, as for
    /// [`from_pem`](Self::from_pem); another RSA algorithm can be chosen with
    /// [`with_algorithm`](Self::with_algorithm).
    ///
    /// For a server that takes RSA keys only (Salesforce's JWT Bearer flow signs
    /// with RS256, as does Google's service account flow). It reads and checks an
    /// RSA key exactly as `from_pem` does, with the same errors (an encrypted
    /// key, a certificate or public key, an RSA key under 2048 bits...); an EC or
    /// Ed25519 private key is refused as [`KeyError::NotRsa`], naming its type.
    /// `from_pem` loads every key type; this one leaves the EC and Ed25519
    /// loaders out of a program that uses it alone.
    ///
    /// ```
    /// use s2s_oauth::error::KeyError;
    /// use s2s_oauth::{Algorithm, KeyType, SigningKey};
    ///
    /// let pem = include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"); // std::fs::read("server.key")?
    /// let key = SigningKey::from_rsa_pem(pem)?;
    /// assert_eq!(key.algorithm(), Algorithm::RS256);
    /// assert_eq!(key.key_type(), KeyType::Rsa { bits: 2048 });
    ///
    /// let ec = include_str!("../../tests/data/keys/p256.pkcs8.pem");
    /// assert_eq!(SigningKey::from_rsa_pem(ec).unwrap_err(), KeyError::NotRsa(KeyType::EcP256));
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn from_rsa_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::first_private_key(pem.as_ref(), Self::from_rsa_der)
    }

    /// Loads an RSA private key from DER (PKCS#8 or PKCS#1), as
    /// [`from_der`](Self::from_der) does; another key type is
    /// [`KeyError::NotRsa`] ([`from_rsa_pem`](Self::from_rsa_pem)).
    ///
    /// ```
    /// use s2s_oauth::{KeyType, SigningKey};
    /// let der = include_bytes!("../../tests/data/keys/rsa2048.pkcs8.der");
    /// assert_eq!(SigningKey::from_rsa_der(der)?.key_type(), KeyType::Rsa { bits: 2048 });
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn from_rsa_der(der: &[u8]) -> Result<Self, KeyError> {
        let (pair, key_type) = load::rsa_private_key(der)?;
        Ok(SigningKey::new(Signer::Pair(pair), key_type))
    }
}
