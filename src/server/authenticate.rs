//! Client authentication at the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2 and
//! §3, OIDC Core §9, RFC 8705 §2): exactly one method per request.

use std::time::SystemTime;

use base64ct::{Base64, Encoding};
use ring::hmac;
use zeroize::Zeroizing;

use super::endpoint::Endpoint;
use super::refusal::{Reason, Refusal, echo};
use super::registry::{Client, Clients, Keys, PeerCertificate, TlsClientAuth};
use crate::Algorithm;
use crate::error::ErrorCode;
use crate::error::{Error, JwtError};
use crate::form;
use crate::jwt::{self, ReplayCache, UnverifiedJwt, Validation, VerifiedJwt};
use crate::key::{Certificate, VerifyingKey};

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const JWT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How a client authenticated (the names of RFC 7591 §2's
/// `token_endpoint_auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// No client authentication (a `client_id` alone, or nothing).
    None,
    /// `Authorization: Basic` (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the body (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// A client assertion signed with the client secret (OIDC Core §9).
    ClientSecretJwt,
    /// A client assertion signed with the client's private key (RFC 7523 §2.2).
    PrivateKeyJwt,
    /// A TLS client certificate chained to a trusted CA (RFC 8705 §2.1).
    TlsClientAuth,
    /// A registered self-signed TLS client certificate (RFC 8705 §2.2).
    SelfSignedTlsClientAuth,
}

/// The outcome of client authentication: the client the request names (if any)
/// and how it proved it. Whether a grant needs an authenticated client is the
/// caller's decision ([`require`](Self::require)).
#[derive(Debug, Clone, Copy)]
pub struct Authenticated<'c> {
    client: Option<&'c Client>,
    method: Method,
}

impl<'c> Authenticated<'c> {
    /// The client the request names, authenticated or not.
    pub fn client(&self) -> Option<&'c Client> {
        self.client
    }

    /// How the client authenticated ([`Method::None`]: it did not).
    pub fn method(&self) -> Method {
        self.method
    }

    /// The client, if it authenticated; else the `invalid_client` refusal RFC 6749
    /// §4.4.2 (client credentials) and confidential clients call for.
    pub fn require(&self) -> Result<&'c Client, Refusal> {
        match (self.client, self.method) {
            (Some(client), method) if method != Method::None => Ok(client),
            _ => Err(Refusal::because(
                ErrorCode::InvalidClient,
                Reason::ClientAuthenticationRequired,
                "this grant requires client authentication: send client_secret_basic, client_secret_post, private_key_jwt or client_secret_jwt credentials (RFC 6749 §2.3)",
            )),
        }
    }
}

/// The credentials a request presents, sorted by method (one at most).
#[derive(Clone, Copy)]
pub(crate) enum Credentials<'r> {
    /// None: a `client_id` alone, or nothing (TLS client authentication is
    /// decided by the client's registration).
    None { client_id: Option<&'r str> },
    /// An `Authorization` header.
    Header {
        header: &'r str,
        client_id: Option<&'r str>,
    },
    /// `client_secret` in the body.
    Post { client_id: &'r str, secret: &'r str },
    /// A JWT client assertion.
    Assertion {
        client_id: Option<&'r str>,
        assertion: &'r str,
    },
}

/// Sorts the request's credentials; more than one method is `invalid_request`.
pub(crate) fn credentials(request: &super::Request) -> Result<Credentials<'_>, Refusal> {
    let client_id = request.param("client_id");
    let secret = request.param("client_secret");
    let assertion_type = request.param("client_assertion_type");
    let assertion = request.param("client_assertion");
    let uses_jwt = assertion_type.is_some() || assertion.is_some();
    let header = request.authorization();
    let used = [header.is_some(), secret.is_some(), uses_jwt];
    if used.iter().filter(|&&u| u).count() > 1 {
        return Err(Refusal::invalid_request(
            Reason::MultipleClientAuthentication,
            "more than one client authentication method used; send exactly one of an \
             Authorization header, client_secret in the body, or client_assertion \
             (RFC 6749 §2.3)",
        ));
    }
    if let Some(header) = header {
        return Ok(Credentials::Header { header, client_id });
    }
    if let Some(secret) = secret {
        let client_id = client_id.ok_or_else(|| {
            Refusal::invalid_request(
                Reason::InconsistentParameters,
                "client_secret without client_id; client_secret_post needs both",
            )
        })?;
        return Ok(Credentials::Post { client_id, secret });
    }
    if uses_jwt {
        if assertion_type != Some(JWT_ASSERTION_TYPE) {
            return Err(Refusal::invalid_request(
                Reason::InconsistentParameters,
                format!(
                    "client_assertion_type must be {JWT_ASSERTION_TYPE} with a client_assertion"
                ),
            ));
        }
        let assertion = assertion.ok_or_else(|| {
            Refusal::invalid_request(
                Reason::InconsistentParameters,
                "client_assertion_type without client_assertion",
            )
        })?;
        return Ok(Credentials::Assertion {
            client_id,
            assertion,
        });
    }
    Ok(Credentials::None { client_id })
}

/// Authenticates the client of `request` by whichever of the five methods it
/// used, or by its TLS client certificate (`peer`) when the client it names is
/// registered for RFC 8705 §2. Credentials that are present are always checked:
/// a wrong secret is refused even where the grant would not need one.
///
/// - Basic: `base64(id ":" secret)`, each form-encoded as RFC 6749 §2.3.1 says
///   and also taken as sent (UTF-8, or ISO-8859-1 when the bytes are not
///   UTF-8), since many clients do not form-encode (a secret with `+`, `/` or a
///   space; authlib's client also writes Latin-1;
///   [`Endpoint::strict_basic_decoding`] turns that off); secrets compared in
///   constant time.
/// - Client assertions: `iss` = `sub` = the client id (and the body's
///   `client_id`, if sent), `aud` one of the endpoint's audiences, `exp` within
///   the lifetime cap, signature by the client's [`Keys`](super::Keys) (`private_key_jwt`) or
///   its secret (`client_secret_jwt`, an `HS*` algorithm), `jti` through `replay`
///   under the issuer (entries `jwt:<len>:<iss>:<jti>`: a `jti` is unique per issuer).
///
/// ```
/// use std::collections::{BTreeMap, HashMap};
/// use std::time::SystemTime;
/// use s2s_oauth::server::{self, Client, Endpoint, Method, Request};
///
/// let clients: BTreeMap<String, Client> =
///     [("reporting".to_owned(), Client::new("reporting").with_secret("p+ss/word"))].into();
/// let endpoint = Endpoint::new("https://as.example/token");
/// // Basic credentials of a client that does not form-encode its secret:
/// let headers = [
///     ("Content-Type", "application/x-www-form-urlencoded"),
///     ("Authorization", "Basic cmVwb3J0aW5nOnArc3Mvd29yZA=="),
/// ];
/// let request = Request::parse("POST", &headers, b"grant_type=client_credentials")?;
/// let mut seen: HashMap<String, SystemTime> = HashMap::new();
/// let caller = server::authenticate(&request, &clients, &endpoint, None, &mut seen, SystemTime::now())?;
/// assert_eq!(caller.method(), Method::ClientSecretBasic);
/// assert_eq!(caller.require()?.id(), "reporting");
/// # Ok::<(), s2s_oauth::server::Refusal>(())
/// ```
pub fn authenticate<'c, C: Clients + ?Sized>(
    request: &super::Request,
    clients: &'c C,
    endpoint: &Endpoint,
    peer: Option<PeerCertificate<'_>>,
    replay: &mut dyn ReplayCache,
    now: SystemTime,
) -> Result<Authenticated<'c>, Refusal> {
    let presented = credentials(request)?;
    authenticate_credentials(presented, clients, endpoint, peer, replay, now)
}

/// [`authenticate`] once the credentials are sorted (the testkit looks at a
/// client assertion's issuer first).
pub(crate) fn authenticate_credentials<'c, C: Clients + ?Sized>(
    presented: Credentials<'_>,
    clients: &'c C,
    endpoint: &Endpoint,
    peer: Option<PeerCertificate<'_>>,
    replay: &mut dyn ReplayCache,
    now: SystemTime,
) -> Result<Authenticated<'c>, Refusal> {
    let done = |client, method| {
        Ok(Authenticated {
            client: Some(client),
            method,
        })
    };
    match presented {
        Credentials::Header { header, client_id } => {
            let client = basic(header, client_id, clients, endpoint.takes_raw_basic())?;
            done(client, Method::ClientSecretBasic)
        }
        Credentials::Post { client_id, secret } => {
            let client = lookup(clients, client_id)?;
            check_secret(client, &[secret.as_bytes()], None)?;
            done(client, Method::ClientSecretPost)
        }
        Credentials::Assertion {
            client_id,
            assertion,
        } => {
            let (client, method) =
                client_assertion(assertion, client_id, clients, endpoint, replay, now)?;
            done(client, method)
        }
        Credentials::None { client_id } => {
            let Some(client) = client_id.map(|id| lookup(clients, id)).transpose()? else {
                return Ok(Authenticated {
                    client: None,
                    method: Method::None,
                });
            };
            match client.tls() {
                Some(tls) => done(client, tls_client_auth(client, tls, peer)?),
                None => Ok(Authenticated {
                    client: Some(client),
                    method: Method::None,
                }),
            }
        }
    }
}

/// The registered client `id`; an unknown one is `invalid_client`.
pub(crate) fn lookup<'c, C: Clients + ?Sized>(
    clients: &'c C,
    id: &str,
) -> Result<&'c Client, Refusal> {
    clients.client(id).ok_or_else(|| {
        Refusal::because(
            ErrorCode::InvalidClient,
            Reason::UnknownClient,
            format!("client_id {:?} is not a registered client", echo(id)),
        )
    })
}

fn bad_credentials(why: impl Into<String>, scheme: Option<&str>) -> Refusal {
    Refusal::because(ErrorCode::InvalidClient, Reason::BadClientCredentials, why)
        .with_challenge(scheme)
}

/// `Authorization: Basic base64(id ":" secret)`: the id and secret form-decoded
/// (RFC 6749 §2.3.1) and as sent.
fn basic<'c, C: Clients + ?Sized>(
    header: &str,
    body_id: Option<&str>,
    clients: &'c C,
    take_raw: bool,
) -> Result<&'c Client, Refusal> {
    let scheme = header.split(' ').next().unwrap_or_default();
    let bad = |why: &str| {
        bad_credentials(
            format!(
                "{why}; send Authorization: Basic base64(form-encoded client_id \":\" form-encoded secret) (RFC 6749 §2.3.1)"
            ),
            Some(scheme),
        )
    };
    let value = match header.split_once(' ') {
        Some((s, value)) if s.eq_ignore_ascii_case("Basic") => value.trim(),
        Some(_) => return Err(bad("the Authorization scheme is not Basic")),
        None => return Err(bad("the Authorization header has no scheme")),
    };
    // The decoded credentials hold the secret: wiped when dropped, as each form.
    let decoded = Zeroizing::new(
        Base64::decode_vec(value).map_err(|_| bad("the Basic credentials are not valid base64"))?,
    );
    let colon = decoded
        .iter()
        .position(|&b| b == b':')
        .ok_or_else(|| bad("the Basic credentials have no ':'"))?;
    let (raw_id, raw_secret) = decoded.split_at(colon);
    let raw_secret = raw_secret.get(1..).unwrap_or_default();
    let form_id = form::decode(raw_id);
    let form_secret = form::decode(raw_secret).map(|s| Zeroizing::new(s.into_bytes()));
    // As sent: UTF-8, or else ISO-8859-1 (RFC 7617 leaves the charset open;
    // authlib's client, among others, writes Latin-1).
    let raw_id = take_raw.then(|| as_sent(raw_id));
    let ids = [form_id.as_deref(), raw_id.as_deref()];
    let id = ids
        .into_iter()
        .flatten()
        .find(|id| clients.client(id).is_some())
        .or(ids[0].or(ids[1]))
        .ok_or_else(|| bad("the Basic client id is not UTF-8"))?;
    if body_id.is_some_and(|b| b != id) {
        return Err(Refusal::invalid_request(
            Reason::InconsistentParameters,
            "client_id in the body differs from the one in the Basic credentials",
        ));
    }
    let client = lookup(clients, id).map_err(|r| r.with_challenge(Some(scheme)))?;
    let mut secrets = Vec::with_capacity(2);
    if let Some(form_secret) = &form_secret {
        secrets.push(form_secret.as_slice());
    }
    let latin1 = std::str::from_utf8(raw_secret)
        .is_err()
        .then(|| Zeroizing::new(as_sent(raw_secret)));
    if take_raw {
        secrets.push(raw_secret);
        if let Some(latin1) = &latin1 {
            secrets.push(latin1.as_bytes());
        }
    }
    check_secret(client, &secrets, Some(scheme))?;
    Ok(client)
}

/// Bytes as a client sent them: UTF-8 text, or else ISO-8859-1 (each byte one
/// character).
fn as_sent(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Whether any of `presented` is the client's secret. Every candidate is compared,
/// each in constant time (HMAC tags compared by ring's `hmac::verify`).
fn check_secret(client: &Client, presented: &[&[u8]], scheme: Option<&str>) -> Result<(), Refusal> {
    // An empty secret (a secret read from an unset variable, say) is no secret:
    // it would let anyone who sends `id:` in.
    let expected = client
        .secret()
        .filter(|s| !s.expose_secret().is_empty())
        .ok_or_else(|| {
            bad_credentials(
                format!(
                    "client {:?} has no secret (or an empty one); authenticate it another way",
                    echo(client.id())
                ),
                scheme,
            )
        })?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, b"s2s-oauth server secret comparison");
    let tag = hmac::sign(&key, expected.expose_secret().as_bytes());
    let matches = presented.iter().fold(false, |any, p| {
        hmac::verify(&key, p, tag.as_ref()).is_ok() | any
    });
    if matches {
        Ok(())
    } else {
        Err(bad_credentials(
            format!(
                "wrong client secret for client {:?} (with Basic, id and secret must be form-encoded before base64, RFC 6749 §2.3.1)",
                echo(client.id())
            ),
            scheme,
        ))
    }
}

/// `private_key_jwt` or `client_secret_jwt` (RFC 7523 §2.2 and §3).
fn client_assertion<'c, C: Clients + ?Sized>(
    assertion: &str,
    body_id: Option<&str>,
    clients: &'c C,
    endpoint: &Endpoint,
    replay: &mut dyn ReplayCache,
    now: SystemTime,
) -> Result<(&'c Client, Method), Refusal> {
    let unverified = UnverifiedJwt::decode(assertion)
        .map_err(|e| bad_credentials(format!("client_assertion is not a JWT: {e}"), None))?;
    let id = unverified
        .issuer()
        .ok_or_else(|| bad_credentials("client_assertion has no iss", None))?;
    if body_id.is_some_and(|b| b != id) {
        return Err(Refusal::invalid_request(
            Reason::InconsistentParameters,
            "client_id in the body differs from the client assertion's iss",
        ));
    }
    let client = lookup(clients, id)?;
    let hmac_alg = unverified
        .algorithm_name()
        .is_some_and(|alg| alg.starts_with("HS"));
    let secret_key;
    let (keys, method): (Vec<&VerifyingKey>, Method) = if hmac_alg {
        let secret = client.secret().ok_or_else(|| {
            bad_credentials(
                format!(
                    "client {:?} has no secret to verify an HMAC client assertion (client_secret_jwt)",
                    echo(id)
                ),
                None,
            )
        })?;
        secret_key = VerifyingKey::hmac(secret.expose_secret().as_bytes()).map_err(|e| {
            bad_credentials(format!("client secret unusable as an HMAC key: {e}"), None)
        })?;
        (vec![&secret_key], Method::ClientSecretJwt)
    } else {
        let keys = client.keys().ok_or_else(|| {
            bad_credentials(
                format!(
                    "client {:?} has no public key to verify a private_key_jwt client assertion",
                    echo(id)
                ),
                None,
            )
        })?;
        let keys = candidates(keys, &unverified)
            .map_err(|e| bad_credentials(format!("client assertion rejected: {e}"), None))?;
        (keys, Method::PrivateKeyJwt)
    };
    let mut validation = Validation::new(endpoint.token_url())
        .with_issuer(id)
        .with_subject(id)
        .with_leeway(endpoint.leeway())
        .with_max_lifetime(endpoint.max_lifetime());
    for audience in endpoint.client_assertion_audiences() {
        validation = validation.with_audience(audience.as_str());
    }
    if endpoint.require_jti() {
        validation = validation.require_jti();
    }
    let has_jti = unverified.claims().contains_key("jti");
    verify_with_any(
        assertion,
        id,
        &keys,
        &validation,
        now,
        has_jti.then_some(replay),
    )
    .map_err(|e| bad_credentials(format!("client assertion rejected: {e}"), None))?;
    Ok((client, method))
}

/// The keys that may have signed `jws`: by its `kid`, and by its `alg` when that
/// names an algorithm the crate knows (an unknown one fails verification anyway).
/// More than [`Jwks::MAX_SIGNATURE_CHECKS`](crate::jwt::Jwks::MAX_SIGNATURE_CHECKS)
/// keys of its algorithm (a JWS without `kid` against a large key set, or a set
/// repeating its `kid`) is [`JwtError::AmbiguousKey`], refused before any
/// signature is checked: a flood of such requests cannot buy a signature check
/// per registered key each.
pub(crate) fn candidates<'k>(
    keys: &'k dyn Keys,
    jws: &UnverifiedJwt,
) -> Result<Vec<&'k VerifyingKey>, Error> {
    let Some(algorithm) = jws
        .algorithm_name()
        .and_then(|a| a.parse::<Algorithm>().ok())
    else {
        return Ok(keys.candidates(jws.kid()));
    };
    let found = keys.candidates_for(jws.kid(), algorithm);
    if found.len() > crate::jwt::Jwks::MAX_SIGNATURE_CHECKS {
        return Err(JwtError::AmbiguousKey {
            kid: jws
                .kid()
                .map(|kid| crate::error::jwt::echo(kid, crate::error::jwt::ECHO_LEN)),
            algorithm,
            candidates: found.len(),
        }
        .into());
    }
    Ok(found)
}

/// Verifies `token` with the first of `keys` that verifies its signature. The
/// error: the first one that is not about the signature (the token was signed by
/// one of the keys, and failed a claim), else the last.
///
/// `replay` sees each `jti` under the token's `issuer` (RFC 7519 §4.1.7: a `jti`
/// is unique for its issuer), so clients that number their assertions alike do
/// not refuse each other's, and one client cannot use up another's `jti`s.
pub(crate) fn verify_with_any(
    token: &str,
    issuer: &str,
    keys: &[&VerifyingKey],
    validation: &Validation,
    now: SystemTime,
    mut replay: Option<&mut dyn ReplayCache>,
) -> Result<VerifiedJwt, Error> {
    let mut last = Error::Jwt(JwtError::InvalidSignature);
    for key in keys {
        let mut reborrowed = replay.as_mut().map(|r| PerIssuer::jwt(&mut **r, issuer));
        let cache = reborrowed.as_mut().map(|r| r as &mut dyn ReplayCache);
        match jwt::verify(token, key, validation, now, cache) {
            Ok(verified) => return Ok(verified),
            Err(Error::Jwt(JwtError::InvalidSignature | JwtError::AlgorithmNotAllowed(_))) => {
                last = Error::Jwt(JwtError::InvalidSignature);
            }
            Err(other) => return Err(other),
        }
    }
    Err(last)
}

/// A replay cache lent for one call (a `&mut dyn` cannot be reborrowed for a
/// shorter trait-object lifetime in a loop), keyed by kind, issuer and `jti`
/// (or SAML `ID`): the entry is `jwt:<length of iss>:<iss>:<jti>` or
/// `saml:<length of Issuer>:<Issuer>:<ID>`, which no other triple spells.
pub(crate) struct PerIssuer<'a, 'b, 'i> {
    cache: &'a mut (dyn ReplayCache + 'b),
    kind: &'static str,
    issuer: &'i str,
}

impl<'a, 'b, 'i> PerIssuer<'a, 'b, 'i> {
    /// JWT `jti`s of `issuer`.
    pub(crate) fn jwt(cache: &'a mut (dyn ReplayCache + 'b), issuer: &'i str) -> Self {
        PerIssuer {
            cache,
            kind: "jwt",
            issuer,
        }
    }

    /// SAML assertion `ID`s of `issuer`.
    #[cfg(feature = "saml")]
    pub(crate) fn saml(cache: &'a mut (dyn ReplayCache + 'b), issuer: &'i str) -> Self {
        PerIssuer {
            cache,
            kind: "saml",
            issuer,
        }
    }
}

impl ReplayCache for PerIssuer<'_, '_, '_> {
    fn check_and_insert(&mut self, id: &str, expires_at: SystemTime, now: SystemTime) -> bool {
        let key = format!("{}:{}:{}:{id}", self.kind, self.issuer.len(), self.issuer);
        self.cache.check_and_insert(&key, expires_at, now)
    }
}

/// RFC 8705 §2: the connection's certificate against the client's registration.
fn tls_client_auth(
    client: &Client,
    tls: &TlsClientAuth,
    peer: Option<PeerCertificate<'_>>,
) -> Result<Method, Refusal> {
    let id = echo(client.id());
    let bad = |why: String| bad_credentials(why, None);
    let peer = peer.ok_or_else(|| bad(format!(
        "client {id:?} authenticates with a TLS client certificate (RFC 8705 §2) and the connection has none; present the certificate"
    )))?;
    if let TlsClientAuth::SelfSigned(registered) = tls {
        return if registered.der() == peer.leaf() {
            Ok(Method::SelfSignedTlsClientAuth)
        } else {
            Err(bad(format!(
                "the TLS client certificate is not the one registered for client {id:?} (self_signed_tls_client_auth, RFC 8705 §2.2)"
            )))
        };
    }
    if !peer.is_chain_verified() {
        return Err(bad(
            "the TLS client certificate does not chain to a client CA the server trusts (tls_client_auth, RFC 8705 §2.1)".into(),
        ));
    }
    let cert = Certificate::from_der(peer.leaf().to_vec())
        .map_err(|e| bad(format!("the TLS client certificate cannot be read: {e}")))?;
    match tls {
        TlsClientAuth::SubjectDn(dn) => {
            let subject = cert.subject_dn().map_err(|e| {
                bad(format!(
                    "the TLS client certificate's subject cannot be read: {e}"
                ))
            })?;
            if &subject != dn {
                return Err(bad(format!(
                    "the TLS client certificate's subject {subject:?} is not the tls_client_auth_subject_dn {dn:?} registered for client {id:?} (RFC 8705 §2.1.2)"
                )));
            }
        }
        TlsClientAuth::SanDns(name) => {
            let names = cert.dns_names().map_err(|e| {
                bad(format!(
                    "the TLS client certificate's subject alternative names cannot be read: {e}"
                ))
            })?;
            if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                return Err(bad(format!(
                    "the TLS client certificate has no dNSName {name:?} (tls_client_auth_san_dns of client {id:?}, RFC 8705 §2.1.2); it has {names:?}"
                )));
            }
        }
        TlsClientAuth::SelfSigned(_) => {}
    }
    Ok(Method::TlsClientAuth)
}
