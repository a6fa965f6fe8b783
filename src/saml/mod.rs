//! SAML 2.0 assertions for the SAML 2.0 Bearer grant (RFC 7522), in pure Rust on
//! `quick-xml` and `ring`: no libxml2, no xmlsec, no OpenSSL.
//!
//! - [`Assertion`]: the builder (SAML 2.0 Core §2.3.3 with RFC 7522 §3's bearer
//!   rules), signed by a [`Signer`] (a key and its certificate) into a
//!   [`secret::SignedAssertion`](crate::secrets::SignedAssertion).
//! - [`Signer::sign_xml`]: signs an unsigned assertion made elsewhere (an IdP's
//!   template).
//! - [`canonicalize`], [`canonicalize_with`]: Exclusive XML Canonicalization 1.0 of
//!   any well-formed document, a subtree, with an `InclusiveNamespaces` prefix list,
//!   with or without comments.
//! - [`verify`]: the server side, RFC 7522 §3, against a trusted key.
//!
//! The signature is enveloped XML-DSig (XML Signature Syntax and Processing 1.1
//! §3.1), placed right after `Issuer` as the SAML schema wants, with `Reference
//! URI="#<ID>"`, the enveloped-signature and exclusive c14n transforms, a SHA-256
//! digest, RSA-SHA256 (or RSA-SHA384/512, or ECDSA-SHA256 with a P-256 key), and the
//! certificate in `KeyInfo/X509Data/X509Certificate`. xmlsec1, OpenSAML's
//! `samlsign` and Python's signxml accept what it signs (the interop suite checks).
//!
//! ```
//! use std::time::SystemTime;
//! use ring::rand::SystemRandom;
//! use s2s_oauth::{Certificate, ClientAuth, Grant, SigningKey, TokenRequest};
//! use s2s_oauth::saml::{Assertion, Signer};
//!
//! let key = SigningKey::from_pem(include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"))?;
//! let cert = Certificate::from_pem(include_str!("../../tests/data/keys/rsa2048.cert.pem"))?;
//! let token_url = "https://login.salesforce.com/services/oauth2/token";
//! let assertion = Assertion::new(
//!     "3MVG9-consumer-key",             // Issuer: the consumer key
//!     "integration@example.com",        // NameID: the username
//!     "https://login.salesforce.com",   // Audience
//!     token_url,                        // Recipient: the token endpoint
//! );
//! let signed = assertion.sign(&Signer::new(key, cert)?)?;
//! let request = TokenRequest::new(token_url, Grant::saml2_bearer(signed), ClientAuth::none())?;
//! let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
//! assert!(http.body().starts_with(b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml2-bearer&assertion="));
//! # Ok::<(), s2s_oauth::Error>(())
//! ```

mod assertion;
mod c14n;
mod chars;
mod dsig;
mod sign;
mod signed_info;
mod validation;
mod verify;
mod xml;

pub use crate::error::saml::SamlError;
/// The replay cache both verifiers take (the same trait as [`jwt::ReplayCache`](crate::jwt::ReplayCache)).
pub use crate::replay::ReplayCache;
pub use assertion::{Assertion, Attribute, DEFAULT_LIFETIME};
pub use c14n::{C14n, canonicalize, canonicalize_with};
pub use sign::Signer;
pub use validation::Validation;
pub use verify::{
    MAX_ASSERTION_LEN, VerifiedAssertion, decode_assertion_parameter, peek_issuer, verify,
};
