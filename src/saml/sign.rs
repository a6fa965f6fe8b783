//! [`Signer`]: a signing key and its certificate, checked once, that signs SAML 2.0
//! assertions with an enveloped XML-DSig signature (XML-DSig §3.1; SAML 2.0 Core
//! §5.4).

use std::fmt;

use base64ct::{Base64, Encoding};
use ring::rand::SecureRandom;

use super::dsig::{self, Digest, SignOptions, Unsigned};
use crate::error::{Error, InputField, InputProblem};
use crate::key::{Certificate, SigningKey};
use crate::secrets as secret;

/// A private key and the X.509 certificate that goes in `KeyInfo`, ready to sign
/// SAML 2.0 assertions (XML-DSig §3.1, SAML 2.0 Core §5.4).
///
/// The signature is enveloped and placed right after `Issuer`; its `Reference`
/// points at the assertion's `ID` with the enveloped-signature and exclusive c14n
/// transforms and a SHA-256 digest. The `SignatureMethod` follows the key:
/// RSA-SHA256 for an RSA key (RSA-SHA384/512 with
/// [`SigningKey::with_algorithm`]`(RS384 / RS512)`), ECDSA-SHA256 for a P-256 key.
/// RSA-PSS, Ed25519 and HMAC keys are refused.
///
/// ```
/// use s2s_oauth::{Certificate, SigningKey};
/// use s2s_oauth::saml::Signer;
///
/// let key = SigningKey::from_pem(include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"))?;
/// let certificate = Certificate::from_pem(include_str!("../../tests/data/keys/rsa2048.cert.pem"))?;
/// let signer = Signer::new(key, certificate)?;
///
/// // An assertion made elsewhere (an IdP template, say), signed as it is.
/// let unsigned = r#"<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" IssueInstant="2024-01-01T00:00:00Z" Version="2.0"><saml2:Issuer>me</saml2:Issuer></saml2:Assertion>"#;
/// let signed = signer.sign_xml(unsigned)?;
/// assert!(signed.expose_secret().contains("</saml2:Issuer><ds:Signature xmlns:ds="));
///
/// // A key with a certificate that is not its own is refused up front.
/// let other = Certificate::from_pem(include_str!("../../tests/data/keys/other.cert.pem"))?;
/// let key = SigningKey::from_pem(include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"))?;
/// assert!(Signer::new(key, other).is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    key: SigningKey,
    certificate: Certificate,
    /// The certificate's base64, as `X509Certificate` carries it: encoded once.
    certificate_b64: String,
    digest: Digest,
}

impl Signer {
    /// A signer for `key`, whose certificate `certificate` must be (else
    /// [`KeyError::CertificateMismatch`](crate::error::KeyError::CertificateMismatch)).
    /// The key's algorithm must be RS256, RS384, RS512 or ES256 (ES384 with a P-384
    /// key works too, for peers that know `ecdsa-sha384`).
    pub fn new(key: SigningKey, certificate: Certificate) -> Result<Self, Error> {
        if dsig::signature_method(key.algorithm()).is_none() {
            return Err(Error::input(
                InputField::Key,
                InputProblem::Unsupported,
                format!(
                    "SAML assertions are signed with RS256, RS384, RS512 (RSA keys) or ES256 (P-256 keys); {} has no common XML-DSig use",
                    key.algorithm()
                ),
            ));
        }
        key.check_certificate(&certificate)?;
        let certificate_b64 = Base64::encode_string(certificate.der());
        Ok(Signer {
            key,
            certificate,
            certificate_b64,
            digest: Digest::Sha256,
        })
    }

    /// Uses a SHA-1 digest instead of SHA-256, for a legacy peer that knows no
    /// better. SHA-1 is broken for collision resistance: use it only when the
    /// server demands it.
    pub fn with_legacy_sha1_digest(mut self) -> Self {
        self.digest = Digest::Sha1;
        self
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The certificate put in `KeyInfo`.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Signs an unsigned SAML 2.0 assertion given as XML (the whole document: a
    /// `saml:Assertion` with an `ID`, whose first child is `Issuer`), with the
    /// system random source.
    pub fn sign_xml(&self, unsigned_xml: &str) -> Result<secret::SignedAssertion, Error> {
        self.sign_xml_with(unsigned_xml, &ring::rand::SystemRandom::new())
    }

    /// Like [`sign_xml`](Self::sign_xml), drawing ECDSA randomness from `rng`.
    /// The document is kept as it is (line ends normalized to LF) with the
    /// `Signature` inserted after `Issuer`.
    pub fn sign_xml_with(
        &self,
        unsigned_xml: &str,
        rng: &dyn SecureRandom,
    ) -> Result<secret::SignedAssertion, Error> {
        dsig::sign_xml(
            unsigned_xml,
            &self.key,
            &self.certificate_b64,
            self.options(),
            rng,
        )
    }

    /// Signs an assertion that is its own exclusive c14n already (the builder's
    /// output): its bytes are digested as they are.
    pub(crate) fn sign_canonical(
        &self,
        document: &Unsigned<'_>,
        rng: &dyn SecureRandom,
    ) -> Result<secret::SignedAssertion, Error> {
        dsig::sign_canonical(
            document,
            &self.key,
            &self.certificate_b64,
            self.options(),
            rng,
        )
    }

    fn options(&self) -> SignOptions {
        SignOptions {
            digest: self.digest,
        }
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("key", &self.key)
            .field("certificate", &self.certificate)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}
