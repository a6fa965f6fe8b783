//! The crate's one error type, and the authorization server's own error (RFC 6749 §5.2).
//!
//! Errors fall in two groups, as in h11: what the caller gave us that cannot work
//! (a bad key, a bad URL, a bad parameter; nothing was sent) and what the peer did
//! (an OAuth error response, a body that is not a token response, a transport
//! failure). [`Error::is_local`] tells them apart, [`Error::is_retryable`] says
//! whether trying again later may help, and [`Error::is_wrong_endpoint`] whether
//! the endpoint answered as no token endpoint would (or cannot be trusted), so
//! that only fixing the configuration helps.
//!
//! [`Error`] itself is at the crate root; this module holds its parts: the
//! server's [`OAuthError`] and [`ErrorCode`], [`TransportError`] and
//! [`TransportErrorKind`], [`UnexpectedResponse`], [`KeyError`], and
//! [`SourceError`] (a token source that gave no token). The
//! verifiers' own errors live with them: [`JwtError`] in `jwt`
//! and `SamlError` in `saml` (feature `saml`).

pub(crate) mod dpop;
mod input;
pub(crate) mod jwt;
mod peer;
#[cfg(feature = "saml")]
pub(crate) mod saml;
mod source;

use std::fmt;
use std::time::Duration;

pub use input::{InputError, InputField, InputProblem};
pub(crate) use input::{refuse_control, refuse_empty};
pub(crate) use peer::neutral;
pub use peer::{ErrorCode, OAuthError, TransportError, TransportErrorKind, UnexpectedResponse};
pub use source::SourceError;

pub use crate::key::KeyError;
pub use crate::key::jwks::JwksError;
use crate::secrets::RawBody;
pub(crate) use dpop::DpopError;
pub(crate) use jwt::JwtError;
#[cfg(feature = "saml")]
pub(crate) use saml::SamlError;

/// Everything that can go wrong in this crate.
///
/// No variant's `Display` or `Debug` contains a secret, a token or a response body
/// that may carry one.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A key or certificate could not be loaded or used. Nothing was sent.
    Key(KeyError),
    /// An endpoint URL (token, introspection, revocation, userinfo…) that the crate refuses: not `https://` (plain `http://`
    /// is allowed only for a loopback host), or not a URL at all. Nothing was sent.
    InvalidUrl {
        /// The URL as given, with its userinfo, query and fragment replaced by
        /// `[redacted]`: they may hold credentials (`user:password@`,
        /// `?client_secret=`). `Display` redacts again, should one be built with
        /// the raw URL.
        url: Box<str>,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Some other input cannot work (a reserved form parameter, a control character,
    /// an empty client id...). [`InputError::field`] and [`InputError::problem`]
    /// say which and why; the message says what to do. Nothing was sent.
    InvalidInput(InputError),
    /// The system random source failed (drawing a `jti` or a SAML `ID`). Opaque on
    /// purpose, like ring's `Unspecified`. A key's own signing failure is
    /// [`KeyError::SigningFailed`] inside [`Error::Key`].
    Crypto,
    /// A state the crate's own invariants rule out (JSON that cannot fail to
    /// serialize did, base64 output that is not UTF-8...): a bug in this crate,
    /// never the caller's input. The text names the step; please report it.
    Internal(&'static str),
    /// A received JWT did not pass verification (RFC 7523 §3).
    Jwt(JwtError),
    /// A received DPoP proof did not pass verification (RFC 9449 §4.3).
    Dpop(DpopError),
    /// A JWK Set (RFC 7517 §5) that cannot be read: too large, too many keys, or
    /// not `{"keys":[...]}`. Fetched from an issuer, it is the issuer's fault or a
    /// wrong URL; read from a file, the file's.
    Jwks(JwksError),
    /// XML that cannot be parsed or canonicalized, or a SAML assertion that did not
    /// pass signing or verification (RFC 7522 §3). Feature `saml`.
    #[cfg(feature = "saml")]
    Saml(SamlError),
    /// The authorization server refused the request with an OAuth error response
    /// (RFC 6749 §5.2). Retrying the same request will not help unless
    /// [`Error::is_retryable`] says so.
    OAuth(Box<OAuthError>),
    /// The response body is not JSON (an HTML error page from a proxy, say).
    NotJson(Box<UnexpectedResponse>),
    /// A 200 response in JSON that has no `access_token`.
    MissingAccessToken(Box<UnexpectedResponse>),
    /// A 200 JSON response whose fields have the wrong types (for example
    /// `expires_in: "soon"`). The raw body is kept in the error.
    MalformedResponse(Box<UnexpectedResponse>),
    /// A status a token endpoint should not answer with: a 2xx other than 200, a 1xx,
    /// or an error status without an OAuth error body.
    UnexpectedStatus(Box<UnexpectedResponse>),
    /// The server answered with a redirect. Redirects are never followed: a POST
    /// carrying credentials must not be replayed to another place.
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header, if any, its userinfo, query and fragment
        /// replaced by `[redacted]`.
        location: Option<Box<str>>,
    },
    /// The response body was larger than the configured limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The request could not be sent or the response not received: DNS, connect,
    /// TLS, timeout, a dropped connection.
    Transport(Box<TransportError>),
    /// A response's integrity check failed: Salesforce's token response
    /// `signature` does not match (or is missing). The text says which; it never
    /// contains the signature, the secret or a token.
    ResponseSignature(&'static str),
    /// A token source ([`TokenSource`](crate::exchange::TokenSource): a file, an
    /// environment variable, an executable) gave no token when the request was
    /// built. Nothing was sent.
    TokenSource(Box<SourceError>),
    /// Authorization server metadata (RFC 8414 §3.3) names another `issuer` than the
    /// one asked about: the metadata must not be used.
    IssuerMismatch {
        /// The issuer the caller asked about (userinfo, query and fragment
        /// replaced by `[redacted]`, as in [`Error::InvalidUrl`]).
        expected: Box<str>,
        /// The `issuer` the metadata names (redacted likewise).
        found: Box<str>,
    },
}

impl Error {
    /// Whether trying the same request again later may succeed: transport failures
    /// (but not TLS failures, a host name that does not exist, nor a request the
    /// HTTP library could not make: [`TransportError::retryable`]),
    /// timeouts, HTTP 5xx, 429 and 408, and the OAuth codes `server_error` and
    /// `temporarily_unavailable`. Local errors and OAuth refusals are not retryable.
    ///
    /// ```
    /// use s2s_oauth::Error;
    /// use s2s_oauth::error::{InputError, InputField, InputProblem};
    /// let err = Error::InvalidInput(InputError::new(
    ///     InputField::Scope,
    ///     InputProblem::Empty,
    ///     "scope must not be empty",
    /// ));
    /// assert!(!err.is_retryable());
    /// assert!(err.is_local());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::OAuth(e) => {
                retryable_status(e.status)
                    || matches!(
                        e.code,
                        ErrorCode::ServerError | ErrorCode::TemporarilyUnavailable
                    )
            }
            Error::NotJson(r) | Error::UnexpectedStatus(r) | Error::MalformedResponse(r) => {
                retryable_status(r.status)
            }
            Error::Transport(t) => t.retryable,
            Error::Jwks(JwksError::NotFetched { .. }) => true,
            _ => false,
        }
    }

    /// Whether the endpoint answered, but not as a token endpoint, or cannot be
    /// trusted, so that neither retrying nor changing the request's contents helps
    /// until the configuration (the token URL, the trusted certificates) is fixed:
    ///
    /// - a redirect ([`Error::Redirect`]: never followed; the URL is not the final one);
    /// - a 4xx other than 408 and 429 with no OAuth error body (404: a wrong token
    ///   path; [`Error::NotJson`], [`Error::UnexpectedStatus`]);
    /// - a success status whose body is no token response (an HTML login or
    ///   maintenance page, JSON without `access_token`, fields of the wrong type);
    /// - a body over the limit ([`Error::BodyTooLarge`]);
    /// - a TLS failure ([`TransportErrorKind::Tls`]: a certificate the client does
    ///   not trust, expired, or issued for another name);
    /// - an answer that is not HTTP ([`TransportErrorKind::Protocol`]: another
    ///   service on that port).
    ///
    /// Never true together with [`is_retryable`](Self::is_retryable) or
    /// [`is_local`](Self::is_local), nor for an OAuth error response (RFC 6749 §5.2).
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use s2s_oauth::{HttpResponse, TokenResponse};
    ///
    /// let not_found = HttpResponse::new(404, vec![], b"<h1>Not Found</h1>".to_vec());
    /// let err = TokenResponse::parse(&not_found, SystemTime::now()).unwrap_err();
    /// assert!(err.is_wrong_endpoint() && !err.is_retryable());
    ///
    /// let login_page = HttpResponse::new(200, vec![], b"<html>Sign in</html>".to_vec());
    /// let err = TokenResponse::parse(&login_page, SystemTime::now()).unwrap_err();
    /// assert!(err.is_wrong_endpoint());
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn is_wrong_endpoint(&self) -> bool {
        match self {
            Error::Redirect { .. } | Error::BodyTooLarge { .. } => true,
            Error::NotJson(r)
            | Error::UnexpectedStatus(r)
            | Error::MalformedResponse(r)
            | Error::MissingAccessToken(r) => !retryable_status(r.status),
            Error::Transport(t) => matches!(
                t.kind,
                TransportErrorKind::Tls | TransportErrorKind::Protocol
            ),
            _ => false,
        }
    }

    /// How long the server asked the client to wait (`Retry-After`, in seconds or
    /// as an HTTP date relative to when the response was received; a date already
    /// past is zero), whatever the status it came with (usually 429 or 503),
    /// capped at one hour: safe to sleep on or add to an `Instant`, whatever the
    /// server sent (`Retry-After: 999999999` is 31 years).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use s2s_oauth::{HttpResponse, TokenResponse};
    ///
    /// let headers = vec![("Retry-After".to_owned(), "999999999".to_owned())];
    /// let busy = HttpResponse::new(503, headers, b"busy".to_vec());
    /// let err = TokenResponse::parse(&busy, SystemTime::now()).unwrap_err();
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    /// assert_eq!(err.retry_after_raw(), Some(Duration::from_secs(999_999_999)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after_raw().map(|d| d.min(MAX_RETRY_AFTER))
    }

    /// The server's `Retry-After` as sent, unbounded (also in the `retry_after`
    /// field of [`OAuthError`] and [`UnexpectedResponse`]); [`retry_after`](Self::retry_after)
    /// is the capped value to act on.
    pub fn retry_after_raw(&self) -> Option<Duration> {
        match self {
            Error::OAuth(e) => e.retry_after,
            Error::NotJson(r)
            | Error::UnexpectedStatus(r)
            | Error::MalformedResponse(r)
            | Error::MissingAccessToken(r) => r.retry_after,
            _ => None,
        }
    }

    /// The HTTP status of the response that caused the error, if one was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::OAuth(e) => Some(e.status),
            Error::NotJson(r)
            | Error::UnexpectedStatus(r)
            | Error::MalformedResponse(r)
            | Error::MissingAccessToken(r) => Some(r.status),
            Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the error was found before anything was sent: the caller's own input
    /// (key, URL, parameters, an XML document or SAML assertion handed to the
    /// crate, a request the HTTP library could not make:
    /// [`TransportErrorKind::Request`], a token source that gave no token:
    /// [`Error::TokenSource`]), or one of the two local failures that are
    /// not about input: [`Error::Crypto`] (the random source failed) and
    /// [`Error::Internal`] (a bug).
    pub fn is_local(&self) -> bool {
        match self {
            Error::Key(_)
            | Error::InvalidUrl { .. }
            | Error::InvalidInput(_)
            | Error::Crypto
            | Error::TokenSource(_)
            | Error::Internal(_) => true,
            #[cfg(feature = "saml")]
            Error::Saml(_) => true,
            Error::Transport(t) => t.kind == TransportErrorKind::Request,
            _ => false,
        }
    }

    /// The server's OAuth error, if this is one.
    pub fn oauth_error(&self) -> Option<&OAuthError> {
        match self {
            Error::OAuth(e) => Some(e),
            _ => None,
        }
    }

    /// The raw body of an unusable response, if one was received. It may hold a
    /// rotated refresh token the server already committed to: this is how to get
    /// it back. Never log it.
    pub fn raw_body(&self) -> Option<&RawBody> {
        match self {
            Error::NotJson(r)
            | Error::UnexpectedStatus(r)
            | Error::MalformedResponse(r)
            | Error::MissingAccessToken(r) => Some(&r.body),
            _ => None,
        }
    }

    pub(crate) fn input(
        field: InputField,
        problem: InputProblem,
        message: impl Into<String>,
    ) -> Self {
        Error::InvalidInput(InputError::new(field, problem, message))
    }
}

/// The most [`Error::retry_after`] returns.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// 5xx, 429 Too Many Requests and 408 Request Timeout (RFC 9110 §15.5.9: the
/// server timed out waiting for the request; it may be repeated).
fn retryable_status(status: u16) -> bool {
    status >= 500 || status == 429 || status == 408
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Key(e) => write!(f, "{e}"),
            Error::InvalidUrl { url, reason } => {
                let url = crate::redact::redact(url);
                // "URL", not "token URL": the same rules refuse introspection,
                // revocation, JWKS and metadata URLs.
                write!(f, "URL {url:?} refused: {reason}")
            }
            Error::InvalidInput(message) => write!(f, "invalid input: {message}"),
            Error::Crypto => f.write_str(
                "the system's random source failed (nothing was sent); try again, and check the operating system's entropy source",
            ),
            Error::Internal(step) => write!(
                f,
                "internal error in s2s-oauth ({step}); this is a bug, please report it"
            ),
            Error::Jwt(e) => write!(f, "JWT rejected: {e}"),
            Error::Dpop(e) => write!(f, "{e}"),
            Error::Jwks(e) => write!(f, "{e}"),
            #[cfg(feature = "saml")]
            Error::Saml(e) => write!(f, "{e}"),
            Error::OAuth(e) => write!(f, "{e}"),
            Error::NotJson(r) => write!(
                f,
                "token endpoint answered with a body that is not JSON: {r}"
            ),
            Error::MissingAccessToken(r) => write!(f, "token response has no access_token: {r}"),
            Error::MalformedResponse(r) => write!(f, "token response is malformed: {r}"),
            Error::UnexpectedStatus(r) => {
                write!(f, "token endpoint answered with an unexpected status: {r}")
            }
            Error::Redirect { status, location } => {
                write!(f, "token endpoint answered with redirect HTTP {status}")?;
                if let Some(location) = location {
                    write!(f, " to {location:?}")?;
                }
                f.write_str("; redirects are not followed: configure the final token URL")
            }
            Error::BodyTooLarge { limit } => write!(
                f,
                "token response body is larger than the limit of {limit} bytes; raise the limit if the server is trusted"
            ),
            Error::Transport(t) => write!(f, "{t}"),
            Error::TokenSource(e) => write!(f, "{e}"),
            Error::ResponseSignature(reason) => {
                write!(f, "token response signature check failed: {reason}")
            }
            Error::IssuerMismatch { expected, found } => write!(
                f,
                "authorization server metadata names issuer {found:?}, not the {expected:?} asked about (RFC 8414 §3.3); check the issuer URL, and do not use this metadata"
            ),
        }
    }
}

/// Every variant shows the text of the error it wraps, so none returns that error
/// from `source()` (a chain printer such as anyhow's `{:#}` would print it twice):
/// a wrapper is transparent, and its source is the wrapped error's own source.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Key(e) => e.source(),
            Error::Jwt(e) => e.source(),
            #[cfg(feature = "saml")]
            Error::Saml(e) => e.source(),
            Error::OAuth(e) => e.source(),
            Error::Transport(t) => t.source(),
            _ => None,
        }
    }
}

impl From<KeyError> for Error {
    fn from(e: KeyError) -> Self {
        Error::Key(e)
    }
}

#[cfg(feature = "saml")]
impl From<SamlError> for Error {
    fn from(e: SamlError) -> Self {
        Error::Saml(e)
    }
}

impl From<crate::time::TimeError> for Error {
    fn from(e: crate::time::TimeError) -> Self {
        Error::input(InputField::Time, InputProblem::OutOfRange, e.to_string())
    }
}

impl From<SourceError> for Error {
    fn from(e: SourceError) -> Self {
        Error::TokenSource(Box::new(e))
    }
}

impl From<JwksError> for Error {
    fn from(e: JwksError) -> Self {
        Error::Jwks(e)
    }
}

impl From<JwtError> for Error {
    fn from(e: JwtError) -> Self {
        Error::Jwt(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_small_and_thread_safe() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(
            std::mem::size_of::<Error>() <= 40,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    /// Each cause of a wrong endpoint, and that it excludes retryable, local and
    /// OAuth errors.
    #[test]
    fn wrong_endpoint_classification() {
        let response = |status| UnexpectedResponse {
            status,
            content_type: None,
            retry_after: None,
            reason: None,
            body: RawBody::default(),
        };
        let transport = |kind| {
            Error::Transport(Box::new(TransportError {
                kind,
                retryable: false,
                message: String::new(),
                source: None,
            }))
        };
        let wrong = [
            Error::Redirect {
                status: 302,
                location: None,
            },
            Error::BodyTooLarge { limit: 1 },
            Error::NotJson(Box::new(response(404))),
            Error::NotJson(Box::new(response(200))),
            Error::UnexpectedStatus(Box::new(response(401))),
            Error::UnexpectedStatus(Box::new(response(204))),
            Error::MissingAccessToken(Box::new(response(200))),
            Error::MalformedResponse(Box::new(response(200))),
            transport(TransportErrorKind::Tls),
            transport(TransportErrorKind::Protocol),
        ];
        for error in &wrong {
            assert!(error.is_wrong_endpoint(), "{error:?}");
            assert!(!error.is_retryable() && !error.is_local(), "{error:?}");
        }
        let other = [
            Error::NotJson(Box::new(response(503))),
            Error::NotJson(Box::new(response(429))),
            Error::UnexpectedStatus(Box::new(response(408))),
            Error::OAuth(Box::new(OAuthError::new(ErrorCode::InvalidGrant, 400))),
            Error::OAuth(Box::new(OAuthError::new(ErrorCode::InvalidClient, 404))),
            transport(TransportErrorKind::Connect),
            transport(TransportErrorKind::Dns),
            transport(TransportErrorKind::Request),
            Error::Crypto,
        ];
        for error in &other {
            assert!(!error.is_wrong_endpoint(), "{error:?}");
        }
    }

    #[test]
    fn an_internal_error_says_it_is_a_bug() {
        let err = Error::Internal("serializing the JWT header");
        assert_eq!(
            err.to_string(),
            "internal error in s2s-oauth (serializing the JWT header); this is a bug, please report it"
        );
        assert!(err.is_local() && !err.is_retryable());
    }

    #[test]
    fn error_codes_round_trip() {
        for code in [
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
            "access_denied",
            "server_error",
            "temporarily_unavailable",
            "invalid_app_access",
        ] {
            assert_eq!(ErrorCode::from(code).as_str(), code);
        }
        assert_eq!(
            ErrorCode::from("invalid_app_access"),
            ErrorCode::Other("invalid_app_access".into())
        );
    }

    #[test]
    fn retryable_classification() {
        let oauth =
            |code: &str, status| Error::OAuth(Box::new(OAuthError::new(code.into(), status)));
        assert!(!oauth("invalid_grant", 400).is_retryable());
        assert!(oauth("server_error", 400).is_retryable());
        assert!(oauth("invalid_request", 503).is_retryable());
        assert!(oauth("slow_down", 429).is_retryable());
        let page = |status| {
            Error::NotJson(Box::new(UnexpectedResponse {
                status,
                content_type: None,
                retry_after: Some(Duration::from_secs(7)),
                reason: None,
                body: RawBody::default(),
            }))
        };
        assert!(page(502).is_retryable());
        assert!(!page(404).is_retryable());
        assert_eq!(page(503).retry_after(), Some(Duration::from_secs(7)));
        assert!(
            !Error::Redirect {
                status: 302,
                location: None
            }
            .is_retryable()
        );
        let transport = |kind, retryable| {
            Error::Transport(Box::new(TransportError {
                kind,
                retryable,
                message: String::new(),
                source: None,
            }))
        };
        assert!(transport(TransportErrorKind::Timeout, true).is_retryable());
        assert!(!transport(TransportErrorKind::Tls, false).is_retryable());
        assert!(transport(TransportErrorKind::Dns, true).is_retryable());
        assert!(!transport(TransportErrorKind::Dns, false).is_retryable());
    }
}
