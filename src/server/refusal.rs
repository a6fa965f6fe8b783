//! Why the token endpoint refuses a request, and the error response that says so
//! (RFC 6749 §5.2).

use crate::HttpResponse;
use crate::error::ErrorCode;

/// The status RFC 6749 §5.2 gives `code`: 401 for `invalid_client`, 500 for
/// `server_error`, 503 for `temporarily_unavailable`, else 400.
fn status_of(code: &ErrorCode) -> u16 {
    match code {
        ErrorCode::InvalidClient => 401,
        ErrorCode::ServerError => 500,
        ErrorCode::TemporarilyUnavailable => 503,
        _ => 400,
    }
}

/// Which check refused the request: finer than the error code, for callers that
/// answer in their own words (a Salesforce-shaped server, say) or count failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// Not a POST (answered 405 with `Allow: POST`).
    MethodNotAllowed,
    /// The body is not `application/x-www-form-urlencoded`.
    UnsupportedMediaType,
    /// The body is larger than [`MAX_BODY`](super::MAX_BODY) (answered 413).
    BodyTooLarge,
    /// The form body does not decode to UTF-8 text.
    MalformedBody,
    /// A parameter appears more than once (RFC 6749 §3.2).
    RepeatedParameter,
    /// A required parameter is missing.
    MissingParameter,
    /// The request's parameters contradict each other (two client ids, a
    /// `client_assertion_type` without a `client_assertion`).
    InconsistentParameters,
    /// More than one client authentication method in one request (RFC 6749 §2.3).
    MultipleClientAuthentication,
    /// The client id names no registered client.
    UnknownClient,
    /// The client's credentials are wrong, malformed, or of a kind the client
    /// has not registered.
    BadClientCredentials,
    /// The grant requires client authentication and the client did not
    /// authenticate.
    ClientAuthenticationRequired,
    /// An assertion grant's issuer is not a registered issuer.
    UnknownIssuer,
    /// An assertion grant failed a check (signature, issuer, lifetime, replay...).
    InvalidAssertion,
    /// An assertion grant's audience does not name this server.
    AssertionAudience,
    /// An assertion grant has expired.
    AssertionExpired,
    /// The grant type is not served.
    UnsupportedGrantType,
    /// The caller's own decision ([`Refusal::new`]).
    Decision,
}

/// A refused token request: the RFC 6749 §5.2 error, the check that failed, and a
/// description that says what to send instead. [`to_http_response`]
/// renders the answer.
///
/// [`to_http_response`]: Refusal::to_http_response
///
/// ```
/// use s2s_oauth::server::{ErrorCode, Refusal};
/// let refusal = Refusal::new(ErrorCode::InvalidScope, "scope \"admin\" is not granted to this client");
/// let response = refusal.to_http_response();
/// assert_eq!(response.status(), 400);
/// assert_eq!(response.header("cache-control"), Some("no-store"));
/// let body: serde_json::Value = serde_json::from_slice(response.body())?;
/// assert_eq!(body["error"], "invalid_scope");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    code: ErrorCode,
    reason: Reason,
    status: u16,
    description: String,
    challenge: Option<String>,
}

impl Refusal {
    /// A refusal of the caller's own (an unapproved user, a scope it will not
    /// grant; `ErrorCode::Other` for a code beyond the RFC), with the status RFC
    /// 6749 §5.2 gives `code`.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Refusal {
            status: status_of(&code),
            code,
            reason: Reason::Decision,
            description: description.into(),
            challenge: None,
        }
    }

    pub(crate) fn because(code: ErrorCode, reason: Reason, description: impl Into<String>) -> Self {
        let status = match reason {
            Reason::MethodNotAllowed => 405,
            Reason::BodyTooLarge => 413,
            _ => status_of(&code),
        };
        Refusal {
            code,
            reason,
            status,
            description: description.into(),
            challenge: None,
        }
    }

    pub(crate) fn invalid_request(reason: Reason, description: impl Into<String>) -> Self {
        Refusal::because(ErrorCode::InvalidRequest, reason, description)
    }

    /// An `invalid_client` refusal of credentials sent in an `Authorization`
    /// header with `scheme`: RFC 6749 §5.2 wants a 401 with a `WWW-Authenticate`
    /// of the same scheme.
    pub(crate) fn with_challenge(mut self, scheme: Option<&str>) -> Self {
        self.challenge = scheme
            .filter(|s| !s.is_empty() && s.bytes().all(is_token_byte))
            .map(str::to_owned);
        self
    }

    /// The RFC 6749 §5.2 error code.
    pub fn code(&self) -> &ErrorCode {
        &self.code
    }

    /// The check that refused the request.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// What was wrong and what to send instead. It names client ids and claims,
    /// never a secret.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The authentication scheme the client used in its `Authorization` header
    /// (`Basic` for bad Basic credentials), which the answer's `WWW-Authenticate`
    /// names; `None` when it used none, and a 401 then challenges `Basic`.
    pub fn challenge(&self) -> Option<&str> {
        self.challenge.as_deref()
    }

    /// The error response (RFC 6749 §5.2): the status, a JSON body with `error` and
    /// `error_description`, `Cache-Control: no-store`, `Pragma: no-cache`,
    /// `WWW-Authenticate` on a 401 for credentials sent in an `Authorization`
    /// header, `Allow: POST` on a 405. The description is reduced to the
    /// characters RFC 6749 §5.2 allows (`"` and `\` become `'` and `/`).
    pub fn to_http_response(&self) -> HttpResponse {
        let body = serde_json::json!({
            "error": rfc6749_text(self.code.as_str()),
            "error_description": rfc6749_text(&self.description),
        });
        let mut headers = vec![(
            "Content-Type".to_owned(),
            "application/json;charset=UTF-8".to_owned(),
        )];
        headers.extend(super::success::no_store());
        // RFC 7235 §3.1: a 401 has a challenge. The scheme the client used
        // (RFC 6749 §5.2), else the one the endpoint takes.
        if self.status == 401 {
            let scheme = self.challenge.as_deref().unwrap_or("Basic");
            headers.push((
                "WWW-Authenticate".to_owned(),
                format!("{scheme} realm=\"token\""),
            ));
        }
        if self.status == 405 {
            headers.push(("Allow".to_owned(), "POST".to_owned()));
        }
        HttpResponse::new(self.status, headers, body.to_string().into_bytes())
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)
    }
}

impl std::error::Error for Refusal {}

/// RFC 9110 §5.6.2 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `error` and `error_description` take %x20-21 / %x23-5B / %x5D-7E only (RFC
/// 6749 §5.2).
fn rfc6749_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

/// At most `max` characters of `text` (client-supplied: a client id, an issuer),
/// for a description.
pub(crate) fn echo(text: &str) -> String {
    crate::error::jwt::echo(text, 80).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_keep_to_rfc_6749_characters() {
        assert_eq!(rfc6749_text("a \"b\" \\ é\n"), "a 'b' / ??");
    }

    #[test]
    fn a_challenge_is_an_http_token_or_nothing() {
        let r = Refusal::new(ErrorCode::InvalidClient, "x").with_challenge(Some("Basic"));
        assert_eq!(
            r.to_http_response().header("www-authenticate"),
            Some("Basic realm=\"token\"")
        );
        let r = Refusal::new(ErrorCode::InvalidClient, "x").with_challenge(Some("Ba sic\r\n"));
        assert_eq!(r.challenge(), None);
        // Not echoed; the 401 still challenges, with the scheme the endpoint takes.
        assert_eq!(
            r.to_http_response().header("www-authenticate"),
            Some("Basic realm=\"token\"")
        );
        // The caller's own 401 as well (RFC 7235 §3.1: a 401 has a challenge).
        let own = Refusal::new(ErrorCode::InvalidClient, "x");
        assert_eq!(
            own.to_http_response().header("www-authenticate"),
            Some("Basic realm=\"token\"")
        );
        let not_401 = Refusal::new(ErrorCode::InvalidGrant, "x").with_challenge(Some("Basic"));
        assert_eq!(not_401.to_http_response().header("www-authenticate"), None);
    }

    #[test]
    fn statuses_follow_rfc_6749() {
        assert_eq!(Refusal::new(ErrorCode::InvalidClient, "").status(), 401);
        assert_eq!(Refusal::new(ErrorCode::InvalidGrant, "").status(), 400);
        assert_eq!(Refusal::new(ErrorCode::ServerError, "").status(), 500);
        let r = Refusal::invalid_request(Reason::MethodNotAllowed, "POST");
        assert_eq!(
            (r.status(), r.to_http_response().header("allow")),
            (405, Some("POST"))
        );
        assert_eq!(
            Refusal::invalid_request(Reason::BodyTooLarge, "").status(),
            413
        );
    }
}
