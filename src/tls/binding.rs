//! Certificate-bound access tokens, the verifier's side (RFC 8705 §3): the token's
//! confirmation claim (`cnf`, RFC 7800 §3.1) carries `x5t#S256`, the base64url
//! SHA-256 of the DER certificate the client presented when the token was issued;
//! a resource server compares it with the certificate of the connection the token
//! arrives on.

use std::fmt;

use serde_json::{Map, Value};

use crate::encoding::base64;

/// The confirmation member that names a certificate (RFC 8705 §3.1).
const X5T_S256: &str = "x5t#S256";

/// Why a token's certificate binding did not check out (RFC 8705 §3). A resource
/// server answers each with 401 `invalid_token` (RFC 6750 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BindingError {
    /// The token has no `cnf` claim: a bearer token, bound to nothing. Refuse it
    /// where certificate-bound tokens are required.
    NoConfirmation,
    /// `cnf` has no `x5t#S256`: the token is bound some other way (DPoP's `jkt`)
    /// or not at all.
    NotCertificateBound,
    /// `cnf` or its `x5t#S256` is not of the form RFC 8705 §3.1 gives; the text
    /// says what is wrong.
    Malformed(&'static str),
    /// The token is certificate-bound and no certificate was passed (an empty
    /// `certificate_der`: the connection had no client certificate). The client
    /// must send the request over mutual TLS with the certificate it got the
    /// token with.
    NoCertificatePresented,
    /// The certificate presented is not the one the token is bound to: the token
    /// was issued to another client certificate (a stolen token, or a client that
    /// rotated its certificate: it needs a new token).
    Mismatch,
}

impl fmt::Display for BindingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindingError::NoConfirmation => f.write_str(
                "the token has no cnf claim, so it is not bound to a client certificate (RFC 8705 §3.1); the client must get a certificate-bound token over mutual TLS",
            ),
            BindingError::NotCertificateBound => f.write_str(
                "the token's cnf claim has no x5t#S256 member, so it is not bound to a client certificate (RFC 8705 §3.1)",
            ),
            BindingError::Malformed(what) => write!(f, "the token's cnf claim is malformed: {what}"),
            BindingError::NoCertificatePresented => f.write_str(
                "the token is bound to a client certificate (cnf x5t#S256, RFC 8705 §3.1) and the connection has none; the client must present the certificate it got the token with over mutual TLS",
            ),
            BindingError::Mismatch => f.write_str(
                "the token is bound to another client certificate than the one presented (cnf x5t#S256 differs, RFC 8705 §3.1); the client must use the certificate it got the token with, or get a new token",
            ),
        }
    }
}

impl std::error::Error for BindingError {}

/// Checks that the token whose claims are `claims` is bound to the certificate
/// `certificate_der` (DER, as the TLS stack hands over the client's certificate:
/// rustls' `peer_certificates()[0]`, or [`Certificate::der`](crate::Certificate::der)):
/// `claims["cnf"]["x5t#S256"]` must be the base64url (unpadded) SHA-256 of those
/// bytes (RFC 8705 §3.1).
///
/// `claims` is what the resource server trusts already: the claims of a verified
/// JWT access token ([`VerifiedJwt::claims`](crate::jwt::VerifiedJwt::claims)),
/// or an active token introspection answer (RFC 7662, RFC 8705 §3.2). This
/// function checks the binding only, not the token.
///
/// ```
/// use s2s_oauth::Certificate;
/// use s2s_oauth::tls::{BindingError, check_certificate_binding};
/// let cert = Certificate::from_pem(include_str!("../../tests/data/tls/client.cert.pem"))?;
/// let bearer = serde_json::json!({ "active": true, "client_id": "mtls-client" });
/// assert_eq!(
///     check_certificate_binding(bearer.as_object().unwrap(), cert.der()),
///     Err(BindingError::NoConfirmation)
/// );
/// # Ok::<(), s2s_oauth::error::KeyError>(())
/// ```
pub fn check_certificate_binding(
    claims: &Map<String, Value>,
    certificate_der: &[u8],
) -> Result<(), BindingError> {
    let cnf = match claims.get("cnf") {
        None => return Err(BindingError::NoConfirmation),
        Some(Value::Object(cnf)) => cnf,
        Some(_) => {
            return Err(BindingError::Malformed(
                "cnf is not a JSON object (RFC 7800 §3.1)",
            ));
        }
    };
    let thumbprint = match cnf.get(X5T_S256) {
        None => return Err(BindingError::NotCertificateBound),
        Some(Value::String(thumbprint)) => thumbprint,
        Some(_) => {
            return Err(BindingError::Malformed(
                "cnf x5t#S256 is not a string (RFC 8705 §3.1)",
            ));
        }
    };
    let mut bound = Vec::with_capacity(32);
    if base64::decode_url_into(thumbprint.as_bytes(), &mut bound).is_err() || bound.len() != 32 {
        return Err(BindingError::Malformed(
            "cnf x5t#S256 is not the unpadded base64url of a SHA-256 digest (43 characters)",
        ));
    }
    if certificate_der.is_empty() {
        // Not the SHA-256 of zero bytes: "no certificate" (a resource server's
        // `unwrap_or_default()` of an absent peer certificate) never matches.
        return Err(BindingError::NoCertificatePresented);
    }
    let presented = ring::digest::digest(&ring::digest::SHA256, certificate_der);
    // Public values, but a constant-time comparison costs nothing here.
    #[allow(deprecated)]
    let same = ring::constant_time::verify_slices_are_equal(&bound, presented.as_ref()).is_ok();
    if same {
        Ok(())
    } else {
        Err(BindingError::Mismatch)
    }
}
