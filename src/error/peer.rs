//! What the peer did: the authorization server's error response (RFC 6749 §5.2),
//! a response that is not a usable token response, and a failed HTTP exchange.

use std::fmt::{self, Write as _};
use std::time::Duration;

use crate::secrets::RawBody;

/// An error code from the authorization server (RFC 6749 §5.2), with an arm for
/// codes beyond the RFC (Salesforce's `invalid_app_access`, for one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client`
    InvalidClient,
    /// `invalid_grant`
    InvalidGrant,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `invalid_scope`
    InvalidScope,
    /// `access_denied` (RFC 6749 §4.1.2.1, sent by some token endpoints)
    AccessDenied,
    /// `server_error` (retryable)
    ServerError,
    /// `temporarily_unavailable` (retryable)
    TemporarilyUnavailable,
    /// `unsupported_token_type` (RFC 7009 §2.2.1): the revocation endpoint does
    /// not revoke tokens of this type.
    UnsupportedTokenType,
    /// Any other code, as sent.
    Other(String),
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
            ErrorCode::Other(s) => s,
        }
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        match s {
            "invalid_request" => ErrorCode::InvalidRequest,
            "invalid_client" => ErrorCode::InvalidClient,
            "invalid_grant" => ErrorCode::InvalidGrant,
            "unauthorized_client" => ErrorCode::UnauthorizedClient,
            "unsupported_grant_type" => ErrorCode::UnsupportedGrantType,
            "invalid_scope" => ErrorCode::InvalidScope,
            "access_denied" => ErrorCode::AccessDenied,
            "server_error" => ErrorCode::ServerError,
            "temporarily_unavailable" => ErrorCode::TemporarilyUnavailable,
            "unsupported_token_type" => ErrorCode::UnsupportedTokenType,
            other => ErrorCode::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authorization server's error response (RFC 6749 §5.2), with the HTTP facts
/// around it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OAuthError {
    /// `error`
    pub code: ErrorCode,
    /// `error_description`
    pub description: Option<String>,
    /// `error_uri`
    pub uri: Option<String>,
    /// The HTTP status (400 or 401 from a conforming server).
    pub status: u16,
    /// The `WWW-Authenticate` header, if the server sent one (RFC 6749 §5.2 asks for
    /// it on a 401).
    pub www_authenticate: Option<String>,
    /// `Retry-After`, parsed, if the server sent it: the server's value, uncapped
    /// ([`Error::retry_after`](crate::Error::retry_after) caps it at one hour).
    pub retry_after: Option<Duration>,
    /// Every other member of the error object, as sent.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl OAuthError {
    /// An error with a code and status, as the parser builds it.
    pub(crate) fn new(code: ErrorCode, status: u16) -> Self {
        OAuthError {
            code,
            description: None,
            uri: None,
            status,
            www_authenticate: None,
            retry_after: None,
            extra: serde_json::Map::new(),
        }
    }
}

/// How much of the server's `error_description` [`OAuthError`]'s `Display` shows.
const DESCRIPTION_LEN: usize = 500;

impl fmt::Display for OAuthError {
    /// `<code>: <description> (HTTP <status>)` on one line: the code and description
    /// come from the server, so control characters (line breaks, terminal escapes)
    /// and format characters (bidi overrides and isolates, zero-width characters)
    /// are shown as spaces and a description is cut after 500 characters. The
    /// fields themselves keep the text as sent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_printable(f, self.code.as_str(), DESCRIPTION_LEN)?;
        if let Some(d) = &self.description {
            f.write_str(": ")?;
            write_printable(f, d, DESCRIPTION_LEN)?;
        }
        write!(f, " (HTTP {})", self.status)
    }
}

/// Writes at most `max` characters of peer-sent `text`, control and format
/// characters as spaces ([`neutral`]), and `…` if it was cut: a hostile server
/// must not be able to forge log lines, send terminal escapes or reorder what a
/// reader sees through an error message.
fn write_printable(f: &mut fmt::Formatter<'_>, text: &str, max: usize) -> fmt::Result {
    for (i, c) in text.chars().enumerate() {
        if i == max {
            return f.write_str("…");
        }
        f.write_char(neutral(c))?;
    }
    Ok(())
}

/// `c`, or a space if it is a control character (Cc: line breaks, escapes), a
/// line or paragraph separator, or a format character (Cf: the bidi embeddings, overrides, isolates and marks that
/// reorder a line on screen, zero-width characters, the BOM, tags).
pub(crate) fn neutral(c: char) -> char {
    // U+2028 and U+2029 (Zl, Zp) break a line in viewers that honour them.
    if c.is_control() || is_format(c) || matches!(c, '\u{2028}' | '\u{2029}') {
        ' '
    } else {
        c
    }
}

/// Unicode general category Cf (as of Unicode 15), without a table crate.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

impl std::error::Error for OAuthError {}

/// A response that is not a usable token response. The body is kept whole (as a
/// [`RawBody`], which never prints) so that nothing the server sent is lost.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// `Retry-After`, parsed, if the server sent it: the server's value, uncapped
    /// ([`Error::retry_after`](crate::Error::retry_after) caps it at one hour).
    pub retry_after: Option<Duration>,
    /// What exactly is wrong, where there is more to say than the variant name.
    pub reason: Option<String>,
    /// The body, whole.
    pub body: RawBody,
}

/// How much of an error page [`UnexpectedResponse::snippet`] shows.
const SNIPPET_LEN: usize = 200;

impl UnexpectedResponse {
    /// The start of the body (at most 200 bytes, lossy UTF-8, control and format
    /// characters replaced), for an error message — or `None` for a 2xx response,
    /// whose body may hold tokens.
    pub fn snippet(&self) -> Option<String> {
        if (200..300).contains(&self.status) {
            return None;
        }
        let bytes = self.body.expose_secret();
        let cut = &bytes[..bytes.len().min(SNIPPET_LEN)];
        let text: String = String::from_utf8_lossy(cut).chars().map(neutral).collect();
        Some(text)
    }
}

impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(ct) = &self.content_type {
            write!(f, ", content-type {ct:?}")?;
        }
        if let Some(reason) = &self.reason {
            write!(f, ", {reason}")?;
        }
        match self.snippet() {
            Some(s) if !s.trim().is_empty() => write!(f, ", body starts {s:?}"),
            Some(_) => f.write_str(", empty body"),
            None => write!(
                f,
                ", {} bytes kept in the error (raw_body)",
                self.body.len()
            ),
        }
    }
}

/// What kind of transport failure happened.
///
/// Whether a retry may help is [`TransportError::retryable`] (and
/// [`Error::is_retryable`](crate::Error::is_retryable)): yes for
/// [`Connect`](Self::Connect), [`Timeout`](Self::Timeout), [`Io`](Self::Io) and a
/// temporary [`Dns`](Self::Dns) failure; no for [`Tls`](Self::Tls),
/// [`Protocol`](Self::Protocol), [`Request`](Self::Request) and a host name that
/// does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The host name could not be resolved. Retryable only if the resolver said
    /// the failure was temporary (`EAI_AGAIN`, "Temporary failure in name
    /// resolution": no DNS server answered just now); a name that does not exist
    /// (NXDOMAIN, "Name or service not known") or has no address is not: check the
    /// token URL's host.
    Dns,
    /// The TCP connection could not be made (refused, unreachable). Retryable.
    Connect,
    /// The TLS handshake failed: a server certificate the client does not trust
    /// (unknown issuer, self-signed, expired, issued for another name), or a
    /// protocol failure. Not retryable: fix the URL, or trust the server's CA in
    /// the agent's TLS settings.
    Tls,
    /// The request or response did not finish in time. Retryable.
    Timeout,
    /// The connection broke. Retryable.
    Io,
    /// The peer answered, but not in HTTP, or broke HTTP's rules (another service
    /// on that port, a broken proxy: `http parse fail`, a malformed chunk or
    /// header). It would answer the same way again: not retryable; check the
    /// token URL's host and port.
    Protocol,
    /// The HTTP library could not make the request from the URL or from the
    /// agent's settings (a URI it refuses, an https-only agent given an http URL,
    /// a bad proxy URL). Nothing was sent; not retryable: fix the URL or the agent.
    Request,
}

/// A failure to exchange an HTTP request and response.
#[derive(Debug)]
pub struct TransportError {
    /// The kind of failure.
    pub kind: TransportErrorKind,
    /// Whether trying again later may help (see [`TransportErrorKind`]):
    /// [`Error::is_retryable`](crate::Error::is_retryable) returns it.
    pub retryable: bool,
    /// What happened, in words (never contains request contents).
    pub message: String,
    /// The underlying error, if any (for downcasting). `message` usually shows its
    /// text already, so `source()` skips it: see the `std::error::Error` impl.
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// How deep [`TransportError`]'s `source()` looks for an error whose text
/// `message` does not already show; a cyclic chain stops there.
const MAX_CHAIN: usize = 16;

/// `source()` is the first error down the wrapped error's chain whose text the
/// message does not already show (ureq's errors show their own source's text, and
/// the message shows ureq's): each text is printed once by a chain printer.
///
/// ```
/// use std::error::Error as _;
/// use s2s_oauth::error::{TransportError, TransportErrorKind};
///
/// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
/// let error = TransportError {
///     kind: TransportErrorKind::Connect,
///     retryable: true,
///     message: format!("io: {refused}"),
///     source: Some(Box::new(refused)),
/// };
/// assert_eq!(error.to_string(), "could not connect to the token endpoint: io: connection refused");
/// assert!(error.source().is_none()); // its text is in the message already
/// ```
impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let mut next: &(dyn std::error::Error + 'static) = self.source.as_deref()?;
        for _ in 0..MAX_CHAIN {
            if crate::encoding::find_str(&self.message, &next.to_string()).is_none() {
                return Some(next);
            }
            next = next.source()?;
        }
        None
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Dns => "could not resolve the token endpoint's host",
            TransportErrorKind::Connect => "could not connect to the token endpoint",
            TransportErrorKind::Tls => "TLS with the token endpoint failed",
            TransportErrorKind::Timeout => "the token request timed out",
            TransportErrorKind::Io => "the connection to the token endpoint failed",
            TransportErrorKind::Protocol => "the token endpoint did not answer in HTTP",
            TransportErrorKind::Request => {
                "the request could not be made (nothing was sent); fix the URL or the agent's settings"
            }
        };
        write!(f, "{what}: {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_error_display_is_one_printable_line() {
        let mut e = OAuthError::new("bad\ncode".into(), 400);
        e.description = Some("nope\r\n2026-11-29 INFO forged line \u{1b}[31mred".into());
        assert_eq!(
            e.to_string(),
            "bad code: nope  2026-11-29 INFO forged line  [31mred (HTTP 400)"
        );
        e.description = Some("é".repeat(600));
        let shown = e.to_string();
        assert_eq!(shown, format!("bad code: {}… (HTTP 400)", "é".repeat(500)));
        // The fields keep what the server sent.
        assert_eq!(e.code.as_str(), "bad\ncode");
    }

    /// Bidi overrides and other invisible format characters (Unicode category Cf)
    /// would let a server make a log line read differently from what it holds.
    #[test]
    fn oauth_error_display_neutralizes_bidi_and_format_characters() {
        let mut e = OAuthError::new("invalid_\u{202e}tnarg".into(), 400);
        e.description = Some(
            "a\u{202a}b\u{202b}c\u{202c}d\u{202d}e\u{2066}f\u{2067}g\u{2068}h\u{2069}i\u{200e}j\u{200f}k\u{61c}l\u{200b}m\u{200c}n\u{200d}o\u{2060}p\u{feff}q\u{ad}r\u{e0041}s"
                .into(),
        );
        assert_eq!(
            e.to_string(),
            "invalid_ tnarg: a b c d e f g h i j k l m n o p q r s (HTTP 400)"
        );
        // Line and paragraph separators cannot start a forged log line.
        e.description = Some("ok\u{2028}ERROR forged\u{2029}x".into());
        assert_eq!(
            e.to_string(),
            "invalid_ tnarg: ok ERROR forged x (HTTP 400)"
        );
        // Visible non-ASCII text is left alone.
        e.description = Some("Zugriff verweigert – 認証エラー é".into());
        assert_eq!(
            e.to_string(),
            "invalid_ tnarg: Zugriff verweigert – 認証エラー é (HTTP 400)"
        );
        let page = UnexpectedResponse {
            status: 502,
            content_type: None,
            retry_after: None,
            reason: None,
            body: RawBody::new("bad\u{202e}gateway".as_bytes().to_vec()),
        };
        assert_eq!(page.snippet().unwrap(), "bad gateway");
    }

    #[test]
    fn snippet_hides_2xx_bodies() {
        let mut r = UnexpectedResponse {
            status: 200,
            content_type: Some("text/plain".into()),
            retry_after: None,
            reason: None,
            body: RawBody::new(b"refresh_token=SECRET".to_vec()),
        };
        assert_eq!(r.snippet(), None);
        assert!(!r.to_string().contains("SECRET"));
        r.status = 502;
        r.body = RawBody::new(b"<html>\r\nBad gateway</html>".to_vec());
        assert_eq!(r.snippet().unwrap(), "<html>  Bad gateway</html>");
    }
}
