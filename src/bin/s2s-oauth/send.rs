//! Sending a token request: `--timeout`, `--retries` (exponential backoff with
//! jitter, `Retry-After` honoured), and what a failed exchange says on stderr (the
//! host it concerns, ureq's wording translated, a `hint:` line).

use std::fmt;
use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};
use s2s_oauth::error::{TransportError, TransportErrorKind as Kind};
use s2s_oauth::providers::salesforce;
use s2s_oauth::{Error, SendOptions, TokenRequest, TokenResponse};

use crate::exit::Failure;

/// The first backoff: about a second (with jitter, between 0.5 and 1 s).
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest backoff between two attempts when the server named no time.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The longest wait a server's `Retry-After` gets.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// The shortest wait between two attempts, whatever `Retry-After` says: a server
/// answering `Retry-After: 0` to every attempt must not get them back to back.
const MIN_WAIT: Duration = Duration::from_secs(1);

/// How to send: the whole-request timeout, how many retries, whether the
/// endpoint is Salesforce (for the `hint:` line), and what the endpoint is (for
/// the messages).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sending {
    pub(crate) timeout: Duration,
    pub(crate) retries: u32,
    pub(crate) salesforce: bool,
    pub(crate) endpoint: Endpoint,
}

/// Which kind of endpoint a send goes to, so that a failure names the one the
/// user gave (`--token-url` is the introspection endpoint for `introspect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// A token endpoint (RFC 6749 §3.2), or a request standing in for one.
    Token,
    /// An introspection endpoint (RFC 7662 §2).
    Introspection,
    /// A revocation endpoint (RFC 7009 §2).
    Revocation,
}

impl Endpoint {
    /// The word before "endpoint", "URL" and "response" in messages.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::Introspection => "introspection",
            Endpoint::Revocation => "revocation",
        }
    }

    /// The word with its article: "a token", "an introspection".
    fn with_article(self) -> &'static str {
        match self {
            Endpoint::Token => "a token",
            Endpoint::Introspection => "an introspection",
            Endpoint::Revocation => "a revocation",
        }
    }

    /// The library's message for `error`, which speaks of the token endpoint
    /// (its errors are shared with the token path), speaking of this endpoint.
    fn reword(self, error: &Error) -> String {
        let text = error.to_string();
        if self == Endpoint::Token {
            return text;
        }
        let word = self.word();
        text.replacen("token endpoint", &format!("{word} endpoint"), 1)
            .replacen("token response", &format!("{word} response"), 1)
            .replacen("the final token URL", &format!("the final {word} URL"), 1)
    }
}

impl Sending {
    /// The longest a send can take: every attempt up to its timeout, and the
    /// longest wait between two. A run waiting for another run's cache lock
    /// ([`crate::cache`]) waits this long, so a holder that is still retrying is
    /// not raced with a second request.
    pub(crate) fn longest(&self) -> Duration {
        let waits = MAX_BACKOFF.max(MAX_RETRY_AFTER);
        self.timeout
            .saturating_mul(self.retries.saturating_add(1))
            .saturating_add(waits.saturating_mul(self.retries))
    }
}

/// Sends `request`, retrying retryable failures ([`Error::is_retryable`]: the
/// exit-4 class) up to `retries` times. Nothing else is retried: a local error, an
/// OAuth refusal or a wrong endpoint would fail the same way again.
pub(crate) fn send(
    request: &TokenRequest,
    how: Sending,
    agent: &s2s_oauth::ureq::Agent,
) -> Result<TokenResponse, Failure> {
    let options = SendOptions::new().with_timeout(how.timeout);
    // Built anew each time: a fresh assertion (iat, jti) for every attempt.
    with_retries(request.token_url(), how, || {
        request.send_with(agent, &options)
    })
}

/// Runs `attempt` (one send to `url`), again after a wait while it fails with a
/// retryable error ([`Error::is_retryable`]) and `how.retries` allows; the last
/// failure as the tool reports it, with the number of attempts made.
pub(crate) fn with_retries<T>(
    url: &str,
    how: Sending,
    mut attempt: impl FnMut() -> Result<T, Error>,
) -> Result<T, Failure> {
    let mut retried = 0;
    loop {
        match attempt() {
            Ok(answer) => return Ok(answer),
            Err(error) if error.is_retryable() && retried < how.retries => {
                std::thread::sleep(wait(retried, error.retry_after()));
                retried += 1;
            }
            Err(error) => return Err(failure_at(url, how, error, retried + 1)),
        }
    }
}

/// A failed exchange as the tool reports it, for `request` after `attempts`.
pub(crate) fn failure(
    request: &TokenRequest,
    how: Sending,
    error: Error,
    attempts: u32,
) -> Failure {
    failure_at(request.token_url(), how, error, attempts)
}

/// [`failure`] for a request to `url` that is no token request (Google's
/// `generateAccessToken`).
pub(crate) fn failure_at(url: &str, how: Sending, error: Error, attempts: u32) -> Failure {
    Failure::Send(Box::new(SendFailure {
        host: host(url).to_owned(),
        timeout: how.timeout,
        salesforce: how.salesforce,
        endpoint: how.endpoint,
        attempts,
        error,
    }))
}

/// How long to wait before retry number `attempt + 1`: the server's `Retry-After`
/// (at least [`MIN_WAIT`], at most [`MAX_RETRY_AFTER`]), else an exponential backoff from about a second,
/// at most [`MAX_BACKOFF`], with "equal jitter" (half fixed, half random) so that
/// jobs started on the same minute do not retry in step.
pub(crate) fn wait(attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(asked) = retry_after {
        return asked.clamp(MIN_WAIT, MAX_RETRY_AFTER);
    }
    let backoff = FIRST_BACKOFF
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(MAX_BACKOFF);
    let half = backoff / 2;
    half + half.mul_f64(jitter())
}

/// A random fraction in [0, 1); 0.5 if the system's random source fails (a retry
/// delay needs no more).
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    match SystemRandom::new().fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

/// The host (and port) of a checked token URL: between `://` and the path.
pub(crate) fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    // A checked URL has no userinfo; should one get here, it is not shown.
    rest[..end].rsplit('@').next().unwrap_or_default()
}

/// A token request that failed after it was (or was to be) sent.
#[derive(Debug)]
pub(crate) struct SendFailure {
    pub(crate) host: String,
    pub(crate) timeout: Duration,
    pub(crate) salesforce: bool,
    pub(crate) endpoint: Endpoint,
    pub(crate) attempts: u32,
    pub(crate) error: Error,
}

impl SendFailure {
    /// What to do about it, when there is something to say: Salesforce's own hint
    /// for its refusals, the fix for a wrong endpoint or an untrusted certificate.
    pub(crate) fn hint(&self) -> Option<String> {
        if self.salesforce {
            if let Some(hint) = salesforce::hint(&self.error) {
                return Some(hint.to_owned());
            }
        }
        let host = &self.host;
        match &self.error {
            Error::Transport(t) if t.kind == Kind::Tls && received_alert(t).is_some() => {
                let alert = received_alert(t)?;
                Some(if wants_client_certificate(alert) {
                    format!(
                        "{host} ended the TLS handshake ({alert:?}): it wants a client certificate it trusts; give --client-cert FILE --client-cert-key FILE (for --auth tls, one issued by the CA the server trusts); retrying will not help"
                    )
                } else {
                    format!(
                        "{host} refused the TLS handshake ({alert:?}): check that the URL is the server's TLS port and what TLS it requires (a client certificate: --client-cert FILE --client-cert-key FILE); retrying will not help"
                    )
                })
            }
            Error::Transport(t) if t.kind == Kind::Tls => Some(format!(
                "the certificate of {host} is not trusted here (unknown issuer, expired, or issued for another name): check the host in the URL, and for a server on a private CA give --ca-file FILE; retrying will not help"
            )),
            Error::Transport(t) if t.kind == Kind::Dns && !t.retryable => Some(format!(
                "the host name {host} does not exist: check the URL; retrying will not help"
            )),
            Error::ResponseSignature(_) => Some(
                "the response's signature does not match the consumer secret: check --client-secret-file / --client-secret-env, and that the URL is the org's".to_owned(),
            ),
            error if error.is_wrong_endpoint() => {
                let (word, a_word) = (self.endpoint.word(), self.endpoint.with_article());
                Some(format!(
                    "{host} answered, but not as {a_word} endpoint: check the {word} URL (its path, and that it needs no redirect); retrying will not help"
                ))
            }
            _ => None,
        }
    }
}

/// The TLS alert the server ended the handshake with, if that is what failed
/// (the server refused this client, rather than this client the server's
/// certificate): rustls's error, found down the error chain. An `io::Error`
/// hands its inner error over through `get_ref`, not `source`, and ureq's error
/// has no `source`.
fn received_alert(t: &TransportError) -> Option<rustls::AlertDescription> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = t
        .source
        .as_deref()
        .map(|e| e as &(dyn std::error::Error + 'static));
    for _ in 0..16 {
        let error = next?;
        if let Some(rustls::Error::AlertReceived(alert)) = error.downcast_ref::<rustls::Error>() {
            return Some(*alert);
        }
        next = if let Some(io) = error.downcast_ref::<std::io::Error>() {
            io.get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static))
        } else if let Some(s2s_oauth::ureq::Error::Io(io)) =
            error.downcast_ref::<s2s_oauth::ureq::Error>()
        {
            // ureq's error has no `source`: its I/O error is inside.
            Some(io as &(dyn std::error::Error + 'static))
        } else {
            error.source()
        };
    }
    None
}

/// Alerts a server sends when the client certificate is missing or not trusted
/// (RFC 8446 §6.2; `handshake_failure` from TLS 1.2 servers).
fn wants_client_certificate(alert: rustls::AlertDescription) -> bool {
    use rustls::AlertDescription as A;
    matches!(
        alert,
        A::CertificateRequired
            | A::BadCertificate
            | A::UnsupportedCertificate
            | A::CertificateUnknown
            | A::CertificateExpired
            | A::CertificateRevoked
            | A::UnknownCA
            | A::AccessDenied
            | A::HandshakeFailure
    )
}

impl fmt::Display for SendFailure {
    /// The `error:` line's text (without `error: `): an OAuth error exactly as
    /// `<code>: <description> (HTTP <status>)`; a transport failure naming the host,
    /// in words rather than ureq's (`no answer from HOST within 30 s`); anything
    /// else with the host it came from. A retryable failure adds the server's
    /// `Retry-After` and the number of attempts made.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = &self.host;
        match &self.error {
            Error::OAuth(oauth) => write!(f, "{oauth}")?,
            Error::Transport(t) => transport(f, t, host, self.timeout)?,
            error => write!(
                f,
                "{} ({} endpoint {host})",
                self.endpoint.reword(error),
                self.endpoint.word()
            )?,
        }
        if self.error.is_retryable() {
            if let Some(after) = self.error.retry_after() {
                let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
                write!(f, " (retry after {secs} s)")?;
            }
        }
        if self.attempts > 1 {
            write!(f, " ({} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// A transport failure in words, naming `host`.
fn transport(
    f: &mut fmt::Formatter<'_>,
    t: &TransportError,
    host: &str,
    timeout: Duration,
) -> fmt::Result {
    let reason = reason(&t.message);
    match t.kind {
        Kind::Timeout => write!(f, "no answer from {host} within {} s", timeout.as_secs()),
        Kind::Dns => write!(f, "could not resolve {host}: {reason}"),
        Kind::Connect => write!(f, "could not connect to {host}: {reason}"),
        Kind::Tls => write!(f, "TLS with {host} failed: {reason}"),
        Kind::Io => write!(f, "the connection to {host} failed: {reason}"),
        Kind::Protocol => write!(f, "{host} did not answer in HTTP: {reason}"),
        _ => write!(f, "{t}"),
    }
}

/// ureq's message without its own wording: `io: Connection refused (os error
/// 111)` is `connection refused`; `io: failed to lookup address information: Name
/// or service not known` is `name or service not known`.
fn reason(message: &str) -> String {
    let mut text = message.trim();
    for prefix in [
        "io: ",
        "protocol: ",
        "failed to lookup address information: ",
    ] {
        text = text.strip_prefix(prefix).unwrap_or(text);
    }
    if let Some(start) = text.rfind(" (os error ") {
        if text.ends_with(')') {
            text = &text[..start];
        }
    }
    // `Connection refused` reads as `connection refused` after a colon; a name
    // such as `ConnectionFailed` or `UnknownIssuer` keeps its case.
    let first_word = text.split([' ', ':']).next().unwrap_or_default();
    let mut chars = first_word.chars();
    let capitalized = chars.next().is_some_and(char::is_uppercase)
        && chars.clone().next().is_some()
        && chars.all(char::is_lowercase);
    if capitalized {
        let mut chars = text.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_lowercase().chain(chars).collect()
        })
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_send_covers_every_attempt_and_every_wait() {
        let how = |retries| Sending {
            timeout: Duration::from_secs(30),
            retries,
            salesforce: false,
            endpoint: Endpoint::Token,
        };
        assert_eq!(how(0).longest(), Duration::from_secs(30));
        assert_eq!(how(3).longest(), Duration::from_secs(4 * 30 + 3 * 300));
        assert!(how(u32::MAX).longest() >= Duration::from_secs(u32::MAX as u64));
    }

    #[test]
    fn backoff_doubles_from_about_a_second_up_to_a_minute() {
        for _ in 0..50 {
            let first = wait(0, None);
            assert!(first >= Duration::from_millis(500) && first <= FIRST_BACKOFF);
            let third = wait(2, None);
            assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
            let late = wait(30, None);
            assert!(late >= MAX_BACKOFF / 2 && late <= MAX_BACKOFF, "{late:?}");
            assert!(wait(u32::MAX, None) <= MAX_BACKOFF);
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_five_minutes() {
        let seven = Duration::from_secs(7);
        assert_eq!(wait(0, Some(seven)), seven);
        assert_eq!(wait(9, Some(seven)), seven);
        assert_eq!(wait(0, Some(Duration::from_secs(3600))), MAX_RETRY_AFTER);
        // Retry-After: 0 is not an invitation to retry back to back.
        assert_eq!(wait(0, Some(Duration::ZERO)), MIN_WAIT);
        assert_eq!(wait(5, Some(Duration::from_millis(200))), MIN_WAIT);
    }

    #[test]
    fn ureq_wording_is_translated() {
        assert_eq!(
            reason("io: Connection refused (os error 111)"),
            "connection refused"
        );
        assert_eq!(
            reason("io: failed to lookup address information: Name or service not known"),
            "name or service not known"
        );
        assert_eq!(
            reason("io: invalid peer certificate: UnknownIssuer"),
            "invalid peer certificate: UnknownIssuer"
        );
        assert_eq!(reason("ConnectionFailed"), "ConnectionFailed");
        assert_eq!(
            reason("protocol: http parse fail: invalid HTTP version"),
            "http parse fail: invalid HTTP version"
        );
    }

    fn failed(
        status: u16,
        content_type: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> SendFailure {
        let headers = [("Content-Type", content_type)]
            .iter()
            .chain(headers)
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let http = s2s_oauth::HttpResponse::new(status, headers, body.as_bytes().to_vec());
        let error = TokenResponse::parse(&http, std::time::SystemTime::now()).unwrap_err();
        SendFailure {
            host: "idp.example:8443".into(),
            timeout: Duration::from_secs(30),
            salesforce: true,
            endpoint: Endpoint::Token,
            attempts: 3,
            error,
        }
    }

    #[test]
    fn lines_name_the_host_the_wait_and_the_attempts() {
        let busy = failed(503, "text/plain", "busy", &[("Retry-After", "7")]);
        assert_eq!(
            busy.to_string(),
            "token endpoint answered with a body that is not JSON: HTTP 503, content-type \"text/plain\", body starts \"busy\" (token endpoint idp.example:8443) (retry after 7 s) (3 attempts)"
        );
        assert_eq!(busy.hint(), None);
        // An OAuth refusal is the contract's line exactly, with Salesforce's hint.
        let refused = failed(
            400,
            "application/json",
            r#"{"error":"invalid_grant","error_description":"user hasn't approved this consumer"}"#,
            &[("Retry-After", "7")],
        );
        assert_eq!(
            refused.to_string(),
            "invalid_grant: user hasn't approved this consumer (HTTP 400) (3 attempts)"
        );
        assert!(refused.hint().unwrap().contains("pre-authorize"));
        let moved = failed(
            301,
            "text/html",
            "",
            &[("Location", "https://login.example/token")],
        );
        assert!(
            moved
                .to_string()
                .contains("(token endpoint idp.example:8443)")
        );
        assert!(
            moved
                .hint()
                .unwrap()
                .starts_with("idp.example:8443 answered, but not as a token endpoint")
        );
    }

    #[test]
    fn host_is_what_lies_between_the_scheme_and_the_path() {
        assert_eq!(
            host("https://acme.my.salesforce.com/services/oauth2/token"),
            "acme.my.salesforce.com"
        );
        assert_eq!(host("http://127.0.0.1:8080/token?x=1"), "127.0.0.1:8080");
        assert_eq!(host("https://[::1]:443"), "[::1]:443");
        assert_eq!(host("https://user:pw@idp.example/token"), "idp.example");
    }
}
