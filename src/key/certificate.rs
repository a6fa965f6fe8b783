//! X.509 certificates: loaded from PEM or DER, thumbprints for JWS headers, and
//! the public key inside.

use std::fmt;
use std::time::SystemTime;

use rustls_pki_types::pem::SectionKind;

use super::pem::{self, Block};
use super::{KeyError, VerifyingKey, der, file, load};
use crate::encoding::Base64;

/// An X.509 certificate (DER, RFC 5280 §4.1), used for `x5t` / `x5t#S256` header
/// values (RFC 7515 §4.1.7), for SAML `KeyInfo`, and as a source of a
/// [`VerifyingKey`].
///
/// ```
/// use s2s_oauth::{Certificate, SigningKey};
/// let cert = Certificate::from_pem(include_bytes!("../../tests/data/keys/rsa2048.cert.pem"))?;
/// let key = SigningKey::from_pem(include_bytes!("../../tests/data/keys/rsa2048.pkcs8.pem"))?
///     .with_x5t_s256(&cert)?;
/// assert_eq!(key.x5t_s256(), Some(cert.x5t_s256().as_str()));
/// # Ok::<(), s2s_oauth::error::KeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
}

impl Certificate {
    /// Loads the first `BEGIN CERTIFICATE` block of a PEM file. A private key is
    /// refused with [`KeyError::PrivateKeyNotPublic`].
    ///
    /// ```
    /// use s2s_oauth::{Certificate, SigningKey};
    /// let cert = Certificate::from_pem(include_bytes!("../../tests/data/keys/rsa2048.cert.pem"))?;
    /// let key = SigningKey::from_pem(include_bytes!("../../tests/data/keys/rsa2048.pkcs8.pem"))?
    ///     .with_x5t_s256(&cert)?; // Entra: the certificate's SHA-256 thumbprint in the header
    /// assert_eq!(key.x5t_s256(), Some(cert.x5t_s256().as_str()));
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        pem::load_first_public(pem.as_ref(), |block| match block {
            Block::Known(SectionKind::Certificate, der) => Some(Self::from_der(der)),
            _ => None,
        })
    }

    /// Reads a PEM file and loads its first certificate as
    /// [`from_pem`](Self::from_pem) does. A file that cannot be read is
    /// [`KeyError::ReadFile`], naming the path.
    ///
    /// ```
    /// use s2s_oauth::Certificate;
    /// use s2s_oauth::error::KeyError;
    /// let cert = Certificate::from_pem_file("tests/data/keys/rsa2048.cert.pem")?;
    /// assert_eq!(cert.x5t_s256().len(), 43);
    /// let missing = Certificate::from_pem_file("no/such/server.crt").unwrap_err();
    /// assert!(matches!(missing, KeyError::ReadFile { .. }));
    /// assert!(missing.to_string().contains("no/such/server.crt"));
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn from_pem_file(path: impl AsRef<std::path::Path>) -> Result<Self, KeyError> {
        Self::from_pem(&*file::read(path.as_ref())?)
    }

    /// Loads every `BEGIN CERTIFICATE` block of a PEM bundle, in order: a CA file,
    /// or a TLS client certificate chain (leaf first). Other blocks (a private
    /// key in the same file) are skipped. An input with no certificate, an empty
    /// one included, is [`KeyError::NoCertificate`]; a damaged block is
    /// [`KeyError::BadPem`], a block that is no X.509 certificate
    /// [`KeyError::Malformed`].
    ///
    /// ```
    /// use s2s_oauth::Certificate;
    /// use s2s_oauth::error::KeyError;
    /// let one = include_str!("../../tests/data/tls/ca.cert.pem");
    /// let two = format!("{one}{}", include_str!("../../tests/data/keys/rsa2048.cert.pem"));
    /// assert_eq!(Certificate::all_from_pem(&two)?.len(), 2);
    /// assert_eq!(Certificate::all_from_pem("").unwrap_err(), KeyError::NoCertificate);
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn all_from_pem(pem: impl AsRef<[u8]>) -> Result<Vec<Self>, KeyError> {
        let contents = match pem::parse(pem.as_ref()) {
            Ok(contents) => contents,
            Err(KeyError::Empty | KeyError::Unrecognized) => return Err(KeyError::NoCertificate),
            Err(other) => return Err(other),
        };
        let mut certificates = Vec::new();
        for block in contents.blocks {
            if let Block::Known(SectionKind::Certificate, der) = block {
                certificates.push(Self::from_der(der)?);
            }
        }
        if certificates.is_empty() {
            return Err(KeyError::NoCertificate);
        }
        Ok(certificates)
    }

    /// [`all_from_pem`](Self::all_from_pem) for a file of certificate authorities
    /// to trust: a private key (or an encrypted one) there is
    /// [`KeyError::PrivateKeyInCaFile`], not skipped. A trust file holds
    /// certificates only; a key in it is a wrong file (a server's or a CA's own
    /// key) that should not be lying on a client machine.
    #[cfg(feature = "ureq")]
    pub(crate) fn authorities_from_pem(pem: &[u8]) -> Result<Vec<Self>, KeyError> {
        match pem::parse(pem) {
            Ok(contents)
                if contents.encrypted || contents.blocks.iter().any(Block::is_private_key) =>
            {
                Err(KeyError::PrivateKeyInCaFile)
            }
            _ => Self::all_from_pem(pem),
        }
    }

    /// Reads a PEM file and loads every certificate in it as
    /// [`all_from_pem`](Self::all_from_pem) does. A file that cannot be read is
    /// [`KeyError::ReadFile`], naming the path.
    ///
    /// ```
    /// use s2s_oauth::Certificate;
    /// let roots = Certificate::all_from_pem_file("tests/data/tls/ca.cert.pem")?;
    /// assert_eq!(roots.len(), 1);
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn all_from_pem_file(path: impl AsRef<std::path::Path>) -> Result<Vec<Self>, KeyError> {
        Self::all_from_pem(&*file::read(path.as_ref())?)
    }

    /// Wraps a DER certificate after checking that it parses as far as its public
    /// key.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Result<Self, KeyError> {
        let der = der.into();
        load::certificate_spki(&der)?;
        Ok(Certificate { der })
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// base64url(SHA-1(DER)): the `x5t` value (RFC 7515 §4.1.7).
    pub fn x5t(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.der);
        Base64::UrlUnpadded.encode_string(digest.as_ref())
    }

    /// base64url(SHA-256(DER)): the `x5t#S256` value (RFC 7515 §4.1.8).
    pub fn x5t_s256(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.der);
        Base64::UrlUnpadded.encode_string(digest.as_ref())
    }

    /// The validity period (RFC 5280 §4.1.2.5): `(notBefore, notAfter)`. `None`
    /// when a date is before 1970 or not in RFC 5280's form.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use s2s_oauth::Certificate;
    /// let cert = Certificate::from_pem(include_bytes!("../../tests/data/keys/rsa2048.cert.pem"))?;
    /// let (not_before, not_after) = cert.validity().unwrap();
    /// assert_eq!(not_before, SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_934_001));
    /// assert_eq!(not_after, SystemTime::UNIX_EPOCH + Duration::from_secs(4_949_534_001));
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn validity(&self) -> Option<(SystemTime, SystemTime)> {
        let (validity, _) = load::certificate_parts(&self.der).ok()?;
        let mut r = der::Reader::new(validity);
        let mut time = || {
            let (tag, value) = r.read_any().ok()?;
            match tag {
                der::UTC_TIME => crate::time::parse_x509_time(true, value),
                der::GENERALIZED_TIME => crate::time::parse_x509_time(false, value),
                _ => None,
            }
        };
        let not_before = time()?;
        let not_after = time()?;
        r.is_empty().then_some((not_before, not_after))
    }

    /// The subject distinguished name in RFC 4514's string form (the form of RFC
    /// 8705's `tls_client_auth_subject_dn`): the last RDN first, `CN`, `O`, `OU`,
    /// `C`, `L`, `ST`, `STREET`, `DC`, `UID` by name, other attributes as a dotted
    /// OID and `#` hex.
    ///
    /// ```
    /// use s2s_oauth::Certificate;
    /// let cert = Certificate::from_pem(include_str!("../../tests/data/tls/client.cert.pem"))?;
    /// assert_eq!(cert.subject_dn()?, "CN=mtls-client,O=s2s-oauth tests");
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn subject_dn(&self) -> Result<String, KeyError> {
        super::names::subject_dn(&self.der)
    }

    /// The subject alternative names of type dNSName (RFC 5280 §4.2.1.6), in
    /// order (RFC 8705's `tls_client_auth_san_dns`); empty with none.
    ///
    /// ```
    /// use s2s_oauth::Certificate;
    /// let cert = Certificate::from_pem(include_str!("../../tests/data/tls/client.cert.pem"))?;
    /// assert_eq!(cert.dns_names()?, ["mtls-client.example"]);
    /// # Ok::<(), s2s_oauth::error::KeyError>(())
    /// ```
    pub fn dns_names(&self) -> Result<Vec<String>, KeyError> {
        super::names::dns_names(&self.der)
    }

    /// The certificate's public key. Keys this crate cannot verify with (an RSA
    /// key under 2048 bits, another curve) are refused.
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        let spki = load::certificate_spki(&self.der)?;
        VerifyingKey::from_spki_der(spki)
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("x5t#S256", &self.x5t_s256())
            .finish_non_exhaustive()
    }
}
