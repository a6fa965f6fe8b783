//! Assertion grants: JWT bearer (RFC 7523 §3) and SAML 2.0 bearer (RFC 7522 §3)
//! verified against registered issuers, handed to the caller to decide on.

use std::time::SystemTime;

#[cfg(feature = "saml")]
use super::authenticate::PerIssuer;
use super::authenticate::verify_with_any;
use super::endpoint::Endpoint;
use super::refusal::{Reason, Refusal, echo};
use super::registry::{Issuer, Issuers};
use crate::error::ErrorCode;
use crate::error::{Error, JwtError};
use crate::jwt::{ReplayCache, UnverifiedJwt, Validation, VerifiedJwt};
#[cfg(feature = "saml")]
use crate::saml::{self, SamlError, VerifiedAssertion};

/// RFC 7523 §2.1's `grant_type`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// RFC 7522 §2.1's `grant_type`.
pub const SAML2_BEARER: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";

/// A JWT bearer grant that passed every RFC 7523 §3 check: the caller decides
/// whether `subject` may have a token for `issuer`.
#[derive(Debug, Clone)]
pub struct JwtBearer {
    subject: Option<String>,
    jwt: VerifiedJwt,
}

impl JwtBearer {
    /// The registered issuer that signed the assertion (`iss`).
    pub fn issuer(&self) -> &str {
        self.jwt.issuer()
    }

    /// Whom the token is for: `sub` (or the legacy `prn`, with
    /// [`Endpoint::with_legacy_prn`]). `None` only for an issuer that
    /// [allows a missing subject](Issuer::allow_missing_subject).
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The verified assertion, for its other claims.
    pub fn jwt(&self) -> &VerifiedJwt {
        &self.jwt
    }
}

/// Verifies the `assertion` of a JWT bearer request (RFC 7523 §3): `iss` a
/// registered [`Issuer`] whose keys verify the signature, `sub` present, `aud`
/// the endpoint's grant audience, `exp`/`nbf`/`iat` with the leeway and within
/// the lifetime cap, `jti` (when present or required) not replayed (`replay`).
///
/// ```
/// use std::collections::{BTreeMap, HashMap};
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::jwt::Claims;
/// use s2s_oauth::server::{self, Endpoint, Issuer, Request};
///
/// let key = SigningKey::from_pem(include_str!("../../tests/data/keys/rsa2048.pkcs8.pem"))?;
/// let issuers: BTreeMap<String, Issuer> =
///     [("sf-org".to_owned(), Issuer::new("sf-org").with_keys(key.verifying_key()))].into();
/// let endpoint = Endpoint::new("https://api.example/token");
/// let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let assertion = Claims::new("sf-org", "alice@example.com", "https://api.example/token")
///     .sign_at(&key, now, &ring::rand::SystemRandom::new())?;
/// let body = format!(
///     "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={}",
///     assertion.expose_secret()
/// );
/// let headers = [("Content-Type", "application/x-www-form-urlencoded")];
/// let request = Request::parse("POST", &headers, body.as_bytes())?;
/// let mut seen: HashMap<String, SystemTime> = HashMap::new();
/// let grant = server::verify_jwt_bearer(&request, &issuers, &endpoint, &mut seen, now)?;
/// assert_eq!((grant.issuer(), grant.subject()), ("sf-org", Some("alice@example.com")));
/// // The same assertion again is a replay.
/// assert!(server::verify_jwt_bearer(&request, &issuers, &endpoint, &mut seen, now).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_jwt_bearer<I: Issuers + ?Sized>(
    request: &super::Request,
    issuers: &I,
    endpoint: &Endpoint,
    replay: &mut dyn ReplayCache,
    now: SystemTime,
) -> Result<JwtBearer, Refusal> {
    let assertion = assertion_param(request, "RFC 7523 §2.1")?;
    let unverified = UnverifiedJwt::decode(assertion)
        .map_err(|e| invalid(format!("the assertion is not a JWT: {e}")))?;
    let iss = unverified
        .issuer()
        .ok_or_else(|| invalid("the assertion has no iss".into()))?;
    let issuer = registered(issuers, "iss", iss)?;
    let keys = issuer.keys().ok_or_else(|| {
        invalid(format!(
            "issuer {:?} has no public key to verify JWT bearer assertions",
            echo(iss)
        ))
    })?;
    let uses_prn = endpoint.legacy_prn()
        && unverified
            .claims()
            .get("prn")
            .is_some_and(|p| p.is_string());
    let mut validation = Validation::new(endpoint.grant_audience())
        .with_issuer(iss)
        .with_leeway(endpoint.leeway())
        .with_max_lifetime(endpoint.max_lifetime());
    if uses_prn || issuer.subject_optional() {
        validation = validation.allow_missing_subject();
    }
    if let Some(algorithms) = endpoint.grant_algorithms() {
        validation = validation.with_algorithms(algorithms);
    }
    if endpoint.require_jti() {
        validation = validation.require_jti();
    }
    let has_jti = unverified.claims().contains_key("jti");
    let keys =
        super::authenticate::candidates(keys, &unverified).map_err(|e| assertion_refusal(&e))?;
    let jwt = verify_with_any(
        assertion,
        iss,
        &keys,
        &validation,
        now,
        has_jti.then_some(replay),
    )
    .map_err(|e| assertion_refusal(&e))?;
    let subject = match jwt.claim("prn").and_then(|p| p.as_str()) {
        Some(prn) if uses_prn => Some(prn.to_owned()),
        _ => jwt.subject().map(str::to_owned),
    };
    Ok(JwtBearer { subject, jwt })
}

/// Verifies the `assertion` of a SAML 2.0 bearer request (RFC 7522 §3): base64url
/// XML whose `Issuer` is a registered [`Issuer`], signed (enveloped XML-DSig,
/// exclusive c14n, no wrapping) by its SAML key, an `Audience` equal to the
/// endpoint's grant audience, a bearer `SubjectConfirmation` with `Recipient` =
/// the token URL, the conditions with the leeway and within the cap, `ID` not
/// replayed (through `replay`, under the issuer: `saml:<len>:<Issuer>:<ID>`).
/// The verified assertion carries the `NameID` (`subject`).
#[cfg(feature = "saml")]
pub fn verify_saml_bearer<I: Issuers + ?Sized>(
    request: &super::Request,
    issuers: &I,
    endpoint: &Endpoint,
    replay: &mut dyn ReplayCache,
    now: SystemTime,
) -> Result<VerifiedAssertion, Refusal> {
    let assertion = assertion_param(request, "RFC 7522 §2.1")?;
    let xml = saml::decode_assertion_parameter(assertion)
        .map_err(|e| invalid(format!("the assertion is not base64url-encoded XML: {e}")))?;
    let name = saml::peek_issuer(&xml).map_err(|e| invalid(format!("{e}")))?;
    let issuer = registered(issuers, "Issuer", &name)?;
    let keys = issuer.saml_keys();
    if keys.is_empty() {
        return Err(invalid(format!(
            "issuer {:?} has no certificate to verify SAML assertions",
            echo(&name)
        )));
    }
    let validation = saml::Validation::new(endpoint.grant_audience(), endpoint.token_url())
        .with_issuer(name.as_str())
        .with_leeway(endpoint.leeway())
        .with_max_lifetime(endpoint.max_saml_lifetime());
    let mut last = None;
    for key in keys {
        let mut per_issuer = PerIssuer::saml(&mut *replay, &name);
        match saml::verify(&xml, key, &validation, now, Some(&mut per_issuer)) {
            Ok(verified) => return Ok(verified),
            Err(e @ Error::Saml(SamlError::InvalidSignature)) => last = Some(e),
            Err(e) => return Err(assertion_refusal(&e)),
        }
    }
    Err(assertion_refusal(
        &last.unwrap_or(Error::Saml(SamlError::InvalidSignature)),
    ))
}

/// An assertion refused as invalid, saying `why`.
fn invalid(why: String) -> Refusal {
    Refusal::because(ErrorCode::InvalidGrant, Reason::InvalidAssertion, why)
}

/// The `assertion` parameter both grants require.
fn assertion_param<'r>(request: &'r super::Request, spec: &str) -> Result<&'r str, Refusal> {
    request.param("assertion").ok_or_else(|| {
        Refusal::invalid_request(
            Reason::MissingParameter,
            format!("assertion is missing ({spec})"),
        )
    })
}

/// The registered issuer an assertion's `field` (`iss`, `Issuer`) names.
fn registered<'i, I: Issuers + ?Sized>(
    issuers: &'i I,
    field: &str,
    name: &str,
) -> Result<&'i Issuer, Refusal> {
    issuers.issuer(name).ok_or_else(|| {
        Refusal::because(
            ErrorCode::InvalidGrant,
            Reason::UnknownIssuer,
            format!(
                "the assertion's {field} {:?} is not a registered issuer",
                echo(name)
            ),
        )
    })
}

/// A verification failure as a refusal: wrong audience and expiry get their own
/// reasons (servers such as Salesforce word them apart).
fn assertion_refusal(error: &Error) -> Refusal {
    let reason = match error {
        Error::Jwt(JwtError::WrongAudience { .. }) => Reason::AssertionAudience,
        Error::Jwt(JwtError::Expired { .. }) => Reason::AssertionExpired,
        #[cfg(feature = "saml")]
        Error::Saml(SamlError::WrongAudience) => Reason::AssertionAudience,
        #[cfg(feature = "saml")]
        Error::Saml(SamlError::Expired) => Reason::AssertionExpired,
        _ => Reason::InvalidAssertion,
    };
    Refusal::because(
        ErrorCode::InvalidGrant,
        reason,
        format!("assertion rejected: {error}"),
    )
}
