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
}

// The token URL without its query (which may hold a `client_secret`), and the
// names of extra parameters without their values: `{:?}` is a common logging path.
redacted_debug!(TokenRequest as request: token_url, grant, auth, scope,
    params = names(request.params.iter().map(|(name, _)| name)));

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
        })
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
        let mut headers = Vec::with_capacity(FORM_HEADERS.len() + encoded.auth_headers.len());
        headers.extend(FORM_HEADERS.map(|(name, value)| (name, value.to_owned())));
        headers.extend(encoded.auth_headers.drain(..));
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
