//! What went wrong, the exit code it maps to (the fixed contract in `--help`), and
//! the one line printed on stderr.

use std::fmt;
use std::io;

use s2s_oauth::Error;

use crate::send::SendFailure;

/// Exit 0: the token was obtained, or the assertion printed.
pub(crate) const OK: u8 = 0;
/// Exit 1: a negative answer that is no failure of the tool: `doctor` found a `fail`.
pub(crate) const NEGATIVE: u8 = 1;
/// Exit 2: a usage error or bad local input (key, certificate, flags); nothing was sent.
pub(crate) const USAGE: u8 = 2;
/// Exit 3: the authorization server refused (an OAuth error response); retrying won't help.
pub(crate) const REFUSED: u8 = 3;
/// Exit 4: a retry may help ([`Error::is_retryable`]): connection refused or
/// reset, timeout, a temporary DNS failure, 5xx, 429, 408, the OAuth codes
/// `server_error` and `temporarily_unavailable`; also a result that could not be
/// written to stdout.
pub(crate) const FAULT: u8 = 4;
/// Exit 5: the endpoint answered, but not as a token endpoint, or cannot be trusted
/// ([`Error::is_wrong_endpoint`], a Salesforce response signature that does not
/// match, a host name that does not exist); retrying won't help until the
/// configuration is fixed.
pub(crate) const WRONG_ENDPOINT: u8 = 5;

/// Why the tool stops without a result.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A flag problem or unusable local input found by the tool itself. The message
    /// names flags and files, never a secret.
    Usage(String),
    /// The library refused the input or the exchange failed; `context` names the
    /// flag or step it concerns (may be empty).
    Library { context: String, error: Error },
    /// The result could not be written to stdout (a closed pipe, a full disk).
    Output(io::Error),
    /// The server's answer parsed but cannot be given out as asked (an access
    /// token that cannot stand alone on one line).
    Answer(String),
    /// A token request that failed once sent (or in sending), with the host and
    /// the attempts made ([`crate::send`]).
    Send(Box<SendFailure>),
    /// `doctor` printed its checks and at least one failed (exit 1).
    ChecksFailed(String),
    /// `verify-jwt`: the token is not valid (exit 3); the reason.
    Invalid(String),
    /// `verify-jwt`: the keys could not be fetched; the exit code is the
    /// error's like a token request's (4 only when a retry may help, 5 for an
    /// answer that is no JWK Set).
    Keys(Error),
}

impl Failure {
    /// A usage failure.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    /// A library error about `context` (a flag, a file, a step).
    pub(crate) fn library(context: impl Into<String>, error: impl Into<Error>) -> Self {
        Failure::Library {
            context: context.into(),
            error: error.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::library("", error)
    }
}

/// The exit code for a failure: the one place the contract's mapping lives.
///
/// - the tool's own usage errors and the library's local errors
///   ([`Error::is_local`]: key, algorithm, URL, input) → 2, nothing was sent;
/// - whatever [`Error::is_retryable`] says a retry may help with → 4: connection
///   failures and timeouts, a temporary DNS failure, 5xx, 429 and 408 (also when
///   they carry an OAuth body), the OAuth codes `server_error` and
///   `temporarily_unavailable`; and a failure to write the result;
/// - any other OAuth error response (RFC 6749 §5.2) → 3;
/// - everything else the exchange can end in → 5: [`Error::is_wrong_endpoint`]
///   (a redirect, a 4xx with no OAuth body, a 2xx that is no token response or
///   whose token cannot be printed as asked, a body over the limit, a TLS
///   failure, an answer that is not HTTP), a Salesforce response signature that
///   does not match, a host name that does not exist.
pub(crate) fn exit_code(failure: &Failure) -> u8 {
    match failure {
        Failure::Usage(_) => USAGE,
        Failure::ChecksFailed(_) => NEGATIVE,
        Failure::Library { error, .. } | Failure::Keys(error) => error_code(error),
        Failure::Send(send) => error_code(&send.error),
        Failure::Output(_) => FAULT,
        Failure::Answer(_) => WRONG_ENDPOINT,
        Failure::Invalid(_) => REFUSED,
    }
}

/// The exit code of a library error (see [`exit_code`]).
fn error_code(error: &Error) -> u8 {
    if error.is_local() {
        USAGE
    } else if error.is_retryable() {
        FAULT
    } else if matches!(error, Error::OAuth(_)) {
        REFUSED
    } else {
        WRONG_ENDPOINT
    }
}

impl fmt::Display for Failure {
    /// One line: `error: ` and what happened. For an OAuth error exactly
    /// `error: <code>: <description> (HTTP <status>)`, or without `: <description>`
    /// when the server sent none. A failed exchange may add a second line, `hint: `
    /// and what to fix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (text, hint) = match self {
            Failure::Send(send) => (send.to_string(), send.hint()),
            other => (other.text(), None),
        };
        write!(f, "error: {}", one_line(&text))?;
        if let Some(hint) = hint {
            write!(f, "\nhint: {}", one_line(&hint))?;
        }
        Ok(())
    }
}

/// `text` with control characters as spaces: one line whatever the server put in
/// its description.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl Failure {
    /// The text of the `error:` line of a failure other than [`Failure::Send`].
    fn text(&self) -> String {
        match self {
            Failure::Usage(message) => message.clone(),
            Failure::Library {
                error: Error::OAuth(oauth),
                ..
            } => oauth.to_string(),
            Failure::Library { context, error } if context.is_empty() => error.to_string(),
            Failure::Library { context, error } => format!("{context}: {error}"),
            Failure::Output(e) => format!("could not write the result to stdout: {e}"),
            Failure::Answer(message) | Failure::ChecksFailed(message) => message.clone(),
            Failure::Send(send) => send.to_string(),
            Failure::Invalid(reason) => reason.clone(),
            Failure::Keys(error) => format!("could not fetch the keys: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use s2s_oauth::error::KeyError;
    use s2s_oauth::{HttpResponse, TokenResponse};

    use super::*;

    /// The error `TokenResponse::parse` makes of this answer.
    fn answer(status: u16, content_type: &str, body: &str) -> Failure {
        let headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
        let http = HttpResponse::new(status, headers, body.as_bytes().to_vec());
        match TokenResponse::parse(&http, SystemTime::now()) {
            Ok(_) => panic!("{status} {body} parsed as a token"),
            Err(error) => Failure::from(error),
        }
    }

    const JSON: &str = "application/json";

    #[test]
    fn exit_code_table() {
        let transport = || {
            let error = ureq_free_transport_error();
            Failure::from(error)
        };
        let cases: Vec<(&str, Failure, u8, &str)> = vec![
            (
                "usage",
                Failure::usage("--issuer is required"),
                USAGE,
                "error: --issuer is required",
            ),
            (
                "small RSA key",
                Failure::library("--key k.pem", KeyError::RsaTooSmall { bits: 1024 }),
                USAGE,
                "error: --key k.pem: RSA key is 1024 bits; at least 2048 are required",
            ),
            (
                "unknown alg",
                Failure::library("--alg", "XX1".parse::<s2s_oauth::Algorithm>().unwrap_err()),
                USAGE,
                "error: --alg: unknown JWT algorithm \"XX1\"",
            ),
            (
                "bad URL",
                Failure::from(Error::InvalidUrl {
                    url: "http://example.com/token".into(),
                    reason: "http is allowed only on loopback",
                }),
                USAGE,
                "error: URL \"http://example.com/token\" refused",
            ),
            (
                "URL with credentials",
                Failure::from(Error::InvalidUrl {
                    url: "https://app:s3cr3t@idp.example.com/token?client_secret=s3cr3t".into(),
                    reason: "the URL must not carry credentials",
                }),
                USAGE,
                "error: URL \"https://[redacted]@idp.example.com/token?[redacted]\" refused",
            ),
            (
                "OAuth refusal",
                answer(
                    400,
                    JSON,
                    r#"{"error":"invalid_grant","error_description":"audience is invalid"}"#,
                ),
                REFUSED,
                "error: invalid_grant: audience is invalid (HTTP 400)",
            ),
            (
                "OAuth refusal without description",
                answer(401, JSON, r#"{"error":"invalid_client"}"#),
                REFUSED,
                "error: invalid_client (HTTP 401)",
            ),
            (
                "OAuth description on two lines",
                answer(
                    400,
                    JSON,
                    r#"{"error":"invalid_grant","error_description":"a\nb"}"#,
                ),
                REFUSED,
                "error: invalid_grant: a b (HTTP 400)",
            ),
            (
                "OAuth server_error",
                answer(400, JSON, r#"{"error":"server_error"}"#),
                FAULT,
                "error: server_error (HTTP 400)",
            ),
            (
                "OAuth body on a 503",
                answer(503, JSON, r#"{"error":"invalid_request"}"#),
                FAULT,
                "error: invalid_request (HTTP 503)",
            ),
            (
                "OAuth body on a 408",
                answer(408, JSON, r#"{"error":"invalid_request"}"#),
                FAULT,
                "error: invalid_request (HTTP 408)",
            ),
            (
                "429",
                answer(429, "text/plain", "slow down"),
                FAULT,
                "error: token endpoint answered with a body that is not JSON: HTTP 429",
            ),
            (
                "HTML 502",
                answer(502, "text/html", "<h1>Bad gateway</h1>"),
                FAULT,
                "error: token endpoint answered with a body that is not JSON: HTTP 502",
            ),
            (
                "404 JSON without error",
                answer(404, JSON, "{}"),
                WRONG_ENDPOINT,
                "error: token endpoint answered with an unexpected status: HTTP 404",
            ),
            (
                "200 not a token",
                answer(200, JSON, r#"{"token":"x"}"#),
                WRONG_ENDPOINT,
                "error: token response has no access_token",
            ),
            (
                "redirect",
                answer(302, "text/html", ""),
                WRONG_ENDPOINT,
                "error: token endpoint answered with redirect HTTP 302",
            ),
            (
                "body too large",
                Failure::from(Error::BodyTooLarge { limit: 1024 }),
                WRONG_ENDPOINT,
                "error: ",
            ),
            (
                "transport",
                transport(),
                FAULT,
                "error: the token request timed out",
            ),
            (
                "answer",
                Failure::Answer("the access_token cannot be printed alone".into()),
                WRONG_ENDPOINT,
                "error: the access_token cannot be printed alone",
            ),
            (
                "stdout",
                Failure::Output(io::Error::from(io::ErrorKind::BrokenPipe)),
                FAULT,
                "error: could not write the result to stdout",
            ),
        ];
        for (name, failure, code, line) in cases {
            assert_eq!(exit_code(&failure), code, "{name}");
            let shown = failure.to_string();
            assert!(shown.starts_with(line), "{name}: {shown:?}");
            assert!(!shown.contains('\n'), "{name}: {shown:?}");
        }
    }

    /// A transport error as the library makes it, without a network.
    fn ureq_free_transport_error() -> Error {
        Error::Transport(Box::new(s2s_oauth::error::TransportError {
            kind: s2s_oauth::error::TransportErrorKind::Timeout,
            retryable: true,
            message: "timed out after 1 s".into(),
            source: None,
        }))
    }

    /// A certificate the client refuses and a host that does not exist are not
    /// retryable: exit 5, where a temporary resolver failure is exit 4.
    #[test]
    fn tls_and_final_dns_failures_are_exit_5() {
        use s2s_oauth::error::TransportError;
        use s2s_oauth::error::TransportErrorKind as Kind;
        for (kind, message) in [
            (Kind::Tls, "invalid peer certificate: UnknownIssuer"),
            (
                Kind::Dns,
                "failed to lookup address information: Name or service not known",
            ),
        ] {
            let error = Error::Transport(Box::new(TransportError {
                kind,
                retryable: false,
                message: message.into(),
                source: None,
            }));
            assert!(!error.is_retryable() && !error.is_local());
            assert_eq!(exit_code(&Failure::from(error)), WRONG_ENDPOINT, "{kind:?}");
        }
        let temporary = Error::Transport(Box::new(TransportError {
            kind: Kind::Dns,
            retryable: true,
            message: "Temporary failure in name resolution".into(),
            source: None,
        }));
        assert_eq!(exit_code(&Failure::from(temporary)), FAULT);
    }

    #[test]
    fn exit_codes_are_the_contract() {
        assert_eq!((OK, USAGE, REFUSED, FAULT, WRONG_ENDPOINT), (0, 2, 3, 4, 5));
    }
}
