//! `TokenRequest`: a grant, a client authentication and the token URL, turned into
//! an [`HttpRequest`] without any I/O.

use std::time::SystemTime;

use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::client_auth::ClientAuth;
use crate::error::{Error, InputField, InputProblem, refuse_control, refuse_empty};
use crate::form;
use crate::grant::Grant;
use crate::http::HttpRequest;
use crate::jwt::dpop::{self, DpopKey, Proof};
use crate::redact::{names, redacted_debug};
use crate::secrets::SecretPairs;
use crate::url::EndpointUrl;

/// Form parameters the crate sets itself; [`TokenRequest::with_param`] refuses them.
const RESERVED: [&str; 14] = [
    "grant_type",
    "assertion",
    "client_assertion",
    "client_assertion_type",
    "client_id",
    "client_secret",
    "refresh_token",
    "scope",
    // Token exchange (RFC 8693 §2.1): set by `TokenExchange`.
    "subject_token",
    "subject_token_type",
    "actor_token",
    "actor_token_type",
    "requested_token_type",
    // Not set by any grant here, but an extra `code` would turn the request into
    // something else (RFC 6749 §4.1.3).
    "code",
];

/// The headers every token request carries first, before the client
/// authentication's.
/// The `DPoP` header of a token request, if it has a DPoP key.
pub(crate) type DpopHeader = Option<(&'static str, String)>;

pub(crate) const FORM_HEADERS: [(&str, &str); 2] = [
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Accept", "application/json"),
];

/// A token request's per-request parts ([`TokenRequest::to_parts`]); both wiped when
/// dropped.
pub(crate) struct Encoded {
    /// The client authentication's headers (`Authorization`), after [`FORM_HEADERS`].
    pub(crate) auth_headers: SecretPairs,
    /// The form body.
    pub(crate) body: Zeroizing<Vec<u8>>,
}

/// A request to a token endpoint (RFC 6749 §3.2): a [`Grant`], a [`ClientAuth`], the
/// token URL, an optional scope and extra parameters.
///
/// Building the HTTP request ([`to_http_request`](Self::to_http_request)) is pure:
/// it signs any assertion as of the given time and returns method, URL, headers
/// and body for any HTTP client to send. With the `ureq` feature the crate sends it
/// too.
///
/// ```
/// use std::time::SystemTime;
/// use ring::rand::SystemRandom;
/// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
///
/// let request = TokenRequest::new(
///     "https://example.my.salesforce.com/services/oauth2/token",
///     Grant::client_credentials(),
///     ClientAuth::post("3MVG9abc", "s3cr3t"),
/// )?
/// .with_scope("api refresh_token")?;
/// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
/// assert_eq!(http.method(), "POST");
/// assert_eq!(http.header("content-type"), Some("application/x-www-form-urlencoded"));
/// assert_eq!(
///     http.body(),
///     b"grant_type=client_credentials&client_id=3MVG9abc&client_secret=s3cr3t&scope=api+refresh_token"
/// );
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone)]
pub struct TokenRequest {
    token_url: EndpointUrl,
    grant: Grant,
    auth: ClientAuth,
    scope: Option<String>,
    params: Vec<(String, String)>,
    dpop: Option<Dpop>,
    dpop_nonce: Option<String>,
}

/// A request's DPoP key and what uses it: the proof writer and the nonce-demand
/// check of the send. Both are named here, by [`TokenRequest::with_dpop`], not
/// called directly: a program that never asks for DPoP carries neither the proof
/// code (`htu` normalization, the JWS) nor the challenge parser.
#[derive(Clone)]
struct Dpop {
    key: DpopKey,
    /// [`dpop_header`].
    header: HeaderFn,
    /// [`HttpResponse::dpop_nonce_challenge`](crate::HttpResponse::dpop_nonce_challenge),
    /// for the send's nonce retry.
    #[cfg(feature = "ureq")]
    challenge: fn(&crate::http::HttpResponse) -> Option<&str>,
}

/// What writes a request's `DPoP` header: [`dpop_header`].
type HeaderFn =
    fn(&DpopKey, &str, Option<&str>, SystemTime, &dyn SecureRandom) -> Result<String, Error>;

/// The `DPoP` proof of a token request to `url` signed by `key` at `now`, with
/// `nonce` if any.
fn dpop_header(
    key: &DpopKey,
    url: &str,
    nonce: Option<&str>,
    now: SystemTime,
    rng: &dyn SecureRandom,
) -> Result<String, Error> {
    let mut proof = Proof::new("POST", url);
    if let Some(nonce) = nonce {
        proof = proof.with_nonce(nonce);
    }
    Ok(key.proof(&proof, now, rng)?.into_exposed_secret())
}

// The token URL without its query (which may hold a `client_secret`), and the
// names of extra parameters without their values: `{:?}` is a common logging path.
redacted_debug!(TokenRequest as request: token_url, grant, auth, scope,
    params = names(request.params.iter().map(|(name, _)| name)),
    dpop = request.dpop.as_ref().map(|dpop| &dpop.key), dpop_nonce);

impl TokenRequest {
    /// A request to `token_url`, which must be `https://` (or `http://` on a loopback
    /// host: `localhost`, `127.0.0.0/8`, `[::1]`), with no userinfo and no
    /// fragment; otherwise [`Error::InvalidUrl`]. The grant and the client
    /// authentication are checked too (empty client id, empty refresh token...):
    /// [`Error::InvalidInput`].
    pub fn new(
        token_url: impl Into<String>,
        grant: Grant,
        auth: ClientAuth,
    ) -> Result<Self, Error> {
        Self::for_endpoint(EndpointUrl::parse(token_url)?, grant, auth)
    }

    /// [`new`](Self::new) with a URL already checked.
    pub(crate) fn for_endpoint(
        token_url: EndpointUrl,
        grant: Grant,
        auth: ClientAuth,
    ) -> Result<Self, Error> {
        grant.check()?;
        auth.check()?;
        Ok(TokenRequest {
            token_url,
            grant,
            auth,
            scope: None,
            params: Vec::new(),
            dpop: None,
            dpop_nonce: None,
        })
    }

    /// The same request with another client authentication, checked as
    /// [`new`](Self::new) checks it: for a preset that builds its request with
    /// none (Google's STS, a service account's JWT Bearer request) when the
    /// deployment authenticates the client after all, e.g. with a platform-issued
    /// client assertion.
    ///
    /// ```
    /// use s2s_oauth::exchange::TokenSource;
    /// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
    /// let request = TokenRequest::new("https://sts.example.com/token", Grant::client_credentials(), ClientAuth::none())?
    ///     .with_client_auth(ClientAuth::client_assertion_only(TokenSource::new("eyJhbGciOi...")))?;
    /// let http = request.to_http_request_now()?;
    /// assert!(String::from_utf8_lossy(http.body()).contains("client_assertion=eyJhbGciOi..."));
    /// assert!(TokenRequest::new("https://sts.example.com/token", Grant::client_credentials(), ClientAuth::none())?
    ///     .with_client_auth(ClientAuth::post("", "secret"))
    ///     .is_err()); // an empty client id
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn with_client_auth(mut self, auth: ClientAuth) -> Result<Self, Error> {
        auth.check()?;
        self.auth = auth;
        Ok(self)
    }

    /// Asks for `scope`: space-separated scope tokens (RFC 6749 §3.3). Leading,
    /// trailing and repeated spaces are dropped, since the RFC's grammar allows
    /// exactly one space between tokens (`" api  web "` is sent as `api web`). An
    /// empty scope or one with control characters is refused.
    ///
    /// ```
    /// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
    /// let request = TokenRequest::new("https://login.example.com/token", Grant::client_credentials(), ClientAuth::none())?
    ///     .with_scope(" api  refresh_token ")?;
    /// assert_eq!(request.scope(), Some("api refresh_token"));
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn with_scope(mut self, scope: impl Into<String>) -> Result<Self, Error> {
        let scope = scope.into();
        refuse_empty(
            InputField::Scope,
            scope.trim(),
            "the scope is empty; leave it unset to get the default scope",
        )?;
        refuse_control(
            InputField::Scope,
            &scope,
            "the scope contains a control character; separate scope tokens with single spaces",
        )?;
        let tokens: Vec<&str> = scope.split(' ').filter(|t| !t.is_empty()).collect();
        self.scope = Some(tokens.join(" "));
        Ok(self)
    }

    /// Adds an extra form parameter (Salesforce's `format`, Entra's `resource`...),
    /// sent after everything else, in the order added. Names the crate sets itself
    /// (`grant_type`, `assertion`, `client_assertion`, `client_assertion_type`,
    /// `client_id`, `client_secret`, `refresh_token`, `scope`, `code`) are refused:
    /// use the grant, the client authentication or
    /// [`with_scope`](Self::with_scope).
    ///
    /// ```
    /// use s2s_oauth::{ClientAuth, Grant, TokenRequest};
    /// let request = TokenRequest::new("https://login.example.com/token", Grant::client_credentials(), ClientAuth::none())?;
    /// let request = request.with_param("format", "json")?;
    /// assert_eq!(request.params(), [("format".to_owned(), "json".to_owned())]);
    /// assert!(request.with_param("client_secret", "x").is_err());
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn with_param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, Error> {
        let name = name.into();
        refuse_empty(
            InputField::Parameter,
            &name,
            "a form parameter name is empty",
        )?;
        refuse_control(
            InputField::Parameter,
            &name,
            "a form parameter name contains a control character",
        )?;
        if RESERVED.contains(&name.as_str()) {
            return Err(Error::input(
                InputField::Parameter,
                InputProblem::Reserved,
                format!(
                    "the form parameter {name:?} is set by the crate; use the grant, the client authentication or with_scope instead"
                ),
            ));
        }
        self.params.push((name, value.into()));
        Ok(self)
    }

    /// Asks for a DPoP-bound token (RFC 9449 §5): every request made from this one
    /// carries a `DPoP` proof by `key`, signed as of the request time, whatever the
    /// grant and client authentication. The server answers `token_type: DPoP`; a
    /// server without DPoP support ignores the proof and answers `Bearer` (RFC 9449
    /// §5), a token that is not bound to the key: check
    /// [`TokenResponse::token_type`](crate::TokenResponse::token_type) when a
    /// bound token is required.
    ///
    /// When the server answers `use_dpop_nonce` with a `DPoP-Nonce` header,
    /// [`send`](Self::send) sends once more with that nonce (RFC 9449 §8: part of
    /// the protocol, not a retry policy) and the token response hands the latest
    /// nonce over ([`TokenResponse::dpop_nonce`](crate::TokenResponse::dpop_nonce));
    /// give it to the next request with [`with_dpop_nonce`](Self::with_dpop_nonce).
    /// With another HTTP stack, the same steps are
    /// [`HttpResponse::dpop_nonce_challenge`](crate::HttpResponse::dpop_nonce_challenge)
    /// and `with_dpop_nonce`.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use ring::rand::SystemRandom;
    /// use s2s_oauth::{ClientAuth, Grant, HttpResponse, TokenRequest};
    /// use s2s_oauth::jwt::dpop::DpopKey;
    ///
    /// let rng = SystemRandom::new();
    /// let key = DpopKey::generate(&rng)?;
    /// let request = TokenRequest::new("https://as.example.com/token", Grant::client_credentials(),
    ///     ClientAuth::basic("my-client", "secret"))?.with_dpop(&key);
    /// let http = request.to_http_request(SystemTime::now(), &rng)?;
    /// assert!(http.header("DPoP").is_some());
    ///
    /// // The server wants a nonce: the pure step says which, the retry carries it.
    /// let answer = HttpResponse::new(400, vec![("DPoP-Nonce".into(), "eyJ7S_zG".into()),
    ///     ("Content-Type".into(), "application/json".into())], br#"{"error":"use_dpop_nonce"}"#.to_vec());
    /// let nonce = answer.dpop_nonce_challenge().unwrap();
    /// let retry = request.clone().with_dpop_nonce(nonce)?;
    /// let http = retry.to_http_request(SystemTime::now(), &rng)?;
    /// assert!(http.header("DPoP").is_some());
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn with_dpop(mut self, key: &DpopKey) -> Self {
        self.dpop = Some(Dpop {
            key: key.clone(),
            header: dpop_header,
            #[cfg(feature = "ureq")]
            challenge: crate::http::HttpResponse::dpop_nonce_challenge,
        });
        self
    }

    /// The nonce the server handed out last (`DPoP-Nonce`, RFC 9449 §8), put in the
    /// proofs of requests made from this one. A value that is not the nonce syntax
    /// of RFC 9449 §8.1 (visible ASCII but `"` and `\`) is refused.
    pub fn with_dpop_nonce(mut self, nonce: impl Into<String>) -> Result<Self, Error> {
        let nonce = nonce.into();
        dpop::check_nonce(&nonce)?;
        self.dpop_nonce = Some(nonce);
        Ok(self)
    }

    /// The DPoP key, if the token is to be DPoP-bound.
    pub fn dpop_key(&self) -> Option<&DpopKey> {
        self.dpop.as_ref().map(|dpop| &dpop.key)
    }

    /// The DPoP header for a request sent at `now` with `nonce` (the request's own
    /// unless the server just handed out another).
    pub(crate) fn dpop_header(
        &self,
        nonce: Option<&str>,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<DpopHeader, Error> {
        let Some(dpop) = &self.dpop else {
            return Ok(None);
        };
        let nonce = nonce.or(self.dpop_nonce.as_deref());
        let proof = (dpop.header)(&dpop.key, self.token_url.as_str(), nonce, now, rng)?;
        Ok(Some((dpop::HEADER, proof)))
    }

    /// The nonce to send again with when `response` is a DPoP nonce demand
    /// ([`HttpResponse::dpop_nonce_challenge`](crate::HttpResponse::dpop_nonce_challenge))
    /// and this request has a DPoP key; `None` otherwise.
    #[cfg(feature = "ureq")]
    pub(crate) fn dpop_nonce_demand<'r>(
        &self,
        response: &'r crate::http::HttpResponse,
    ) -> Option<&'r str> {
        self.dpop
            .as_ref()
            .and_then(|dpop| (dpop.challenge)(response))
    }

    /// The token endpoint URL.
    pub fn token_url(&self) -> &str {
        self.token_url.as_str()
    }

    /// The grant.
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// The client authentication.
    pub fn auth(&self) -> &ClientAuth {
        &self.auth
    }

    /// The requested scope, if any.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The extra form parameters, in order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// Encodes the request as of `now`, signing any assertion it carries (JWT
    /// bearer grant, client assertion) with fresh `iat`/`exp`/`jti` drawn from `rng`.
    ///
    /// Headers: `Content-Type: application/x-www-form-urlencoded`,
    /// `Accept: application/json`, then the client authentication's
    /// (`Authorization` for `client_secret_basic`). Body: the grant's parameters,
    /// then the client authentication's, then `scope`, then the extra parameters.
    pub fn to_http_request(
        &self,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<HttpRequest, Error> {
        let mut encoded = self.to_parts(now, rng)?;
        let dpop = self.dpop_header(None, now, rng)?;
        let mut headers = Vec::with_capacity(FORM_HEADERS.len() + encoded.auth_headers.len() + 1);
        headers.extend(FORM_HEADERS.map(|(name, value)| (name, value.to_owned())));
        headers.extend(encoded.auth_headers.drain(..));
        headers.extend(dpop);
        Ok(HttpRequest {
            method: "POST",
            url: self.token_url.as_str().to_owned(),
            headers,
            body: std::mem::take(&mut *encoded.body),
        })
    }

    /// The parts of [`to_http_request`](Self::to_http_request) that change per
    /// request (the client authentication's headers, the body), for the transport
    /// to send without first copying the constant ones into an [`HttpRequest`].
    pub(crate) fn to_parts(
        &self,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<Encoded, Error> {
        // Both are wiped when dropped: they hold the secrets the body now carries.
        let grant = self.grant.params(now, rng)?;
        let mut auth = self.auth.parts(self.token_url.as_str(), now, rng)?;
        let pairs = grant
            .iter()
            .chain(auth.params.iter())
            .map(|(n, v)| (*n, v.as_str()))
            .chain(self.scope.as_deref().map(|s| ("scope", s)))
            .chain(self.params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let body = Zeroizing::new(form::encode_pairs(pairs).into_bytes());
        Ok(Encoded {
            auth_headers: std::mem::take(&mut auth.headers),
            body,
        })
    }

    /// [`to_http_request`](Self::to_http_request) with the system clock and
    /// `ring`'s system random source.
    pub fn to_http_request_now(&self) -> Result<HttpRequest, Error> {
        self.to_http_request(SystemTime::now(), &SystemRandom::new())
    }
}
