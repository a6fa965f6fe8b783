//! Which URLs a credential file's source may fetch from.
//!
//! A credential file is configuration an attacker may be able to touch. The
//! platform token it yields goes only to the checked STS endpoint, so a tampered
//! source URL cannot send the token elsewhere; what it can do is make this
//! process send the file's own headers to another host, and read a token in
//! clear text. So:
//! - `credential_source.url` (url-sourced files): any `https` URL (as Google's
//!   libraries allow: `google-github-actions/auth` names GitHub's OIDC endpoint);
//!   plain `http` only to a cloud metadata server (`169.254.169.254`, Azure's
//!   instance metadata; `[fd00:ec2::254]`), which is on the instance's own
//!   link and only speaks http.
//! - AWS `region_url`, `url`, `imdsv2_session_token_url`: only the metadata
//!   server (`169.254.169.254` or `[fd00:ec2::254]`): the answers are the
//!   instance's AWS keys, and no other host has them.
//! - Either: a loopback host (`localhost`, `127.0.0.1`, `[::1]`) only with
//!   [`LoadOptions::allow_loopback_endpoints`](super::LoadOptions::allow_loopback_endpoints),
//!   for tests.

use crate::error::{Error, InputField, InputProblem};
use crate::url::EndpointUrl;

/// Which hosts a URL may name besides the metadata server.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Hosts {
    /// Any https host, or the metadata server over http.
    HttpsOrMetadata,
    /// The metadata server only.
    MetadataOnly,
}

/// The metadata server's addresses, as they appear in a URL's authority.
const METADATA_HOSTS: [&str; 2] = ["169.254.169.254", "[fd00:ec2::254]"];

/// `url` (the file's `field`) checked against `hosts`, or loopback when
/// `allow_loopback`.
pub(super) fn check(
    url: &str,
    field: &str,
    hosts: Hosts,
    allow_loopback: bool,
) -> Result<String, Error> {
    let bad =
        |problem, message: String| Error::input(InputField::CredentialsFile, problem, message);
    if url.is_empty() || url.len() > 2048 {
        return Err(bad(
            InputProblem::Malformed,
            format!("credential_source.{field} is empty or over 2048 bytes"),
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains('#') {
        return Err(bad(
            InputProblem::Malformed,
            format!(
                "credential_source.{field} holds whitespace, a control character or a fragment; regenerate the credential file"
            ),
        ));
    }
    let lower = url.to_ascii_lowercase();
    let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(bad(
            InputProblem::Unsupported,
            format!(
                "credential_source.{field} is not an http(s) URL; regenerate the credential file"
            ),
        ));
    };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return Err(bad(
            InputProblem::Malformed,
            format!(
                "credential_source.{field} has user information before its host; put credentials in headers, not in the URL"
            ),
        ));
    }
    let host = host_of(authority).ok_or_else(|| {
        bad(
            InputProblem::Malformed,
            format!("credential_source.{field} has no valid host[:port]"),
        )
    })?;
    if matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        if allow_loopback {
            return Ok(url.to_owned());
        }
        return Err(bad(
            InputProblem::Unsupported,
            format!(
                "credential_source.{field} names {host:?} on this machine; a loopback source is for tests only: allow it with LoadOptions::allow_loopback_endpoints(true) (the CLI's --allow-loopback-endpoints)"
            ),
        ));
    }
    if METADATA_HOSTS.contains(&host) {
        return Ok(url.to_owned());
    }
    match hosts {
        Hosts::HttpsOrMetadata if https => {
            // The crate's URL rules for the rest (host name syntax, port).
            EndpointUrl::parse(url)?;
            Ok(url.to_owned())
        }
        Hosts::HttpsOrMetadata => Err(bad(
            InputProblem::Unsupported,
            format!(
                "credential_source.{field} is plain http to {host:?}; a token is fetched over https, or over http only from the metadata server 169.254.169.254"
            ),
        )),
        Hosts::MetadataOnly => Err(bad(
            InputProblem::Unsupported,
            format!(
                "credential_source.{field} names {host:?}; AWS credentials are read only from the instance metadata server (169.254.169.254 or [fd00:ec2::254]): regenerate the credential file"
            ),
        )),
    }
}

/// The host of `authority` (`host[:port]`, `[v6][:port]`), lowercased already;
/// `None` if the port is not a number or the host is empty.
fn host_of(authority: &str) -> Option<&str> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let port = &authority[end + 1..];
        (
            &authority[..=end],
            port.strip_prefix(':').or((port.is_empty()).then_some("")),
        )
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, Some("")),
        }
    };
    let port = port?;
    let port_ok = port.is_empty() || (port.len() <= 5 && port.parse::<u16>().is_ok_and(|p| p > 0));
    (!host.is_empty() && port_ok).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_urls() {
        let any = |u: &str, l| check(u, "url", Hosts::HttpsOrMetadata, l);
        let meta = |u: &str, l| check(u, "url", Hosts::MetadataOnly, l);
        assert!(any("https://token.actions.githubusercontent.com/x?a=b", false).is_ok());
        assert!(
            any(
                "http://169.254.169.254/metadata/identity/oauth2/token?x=1",
                false
            )
            .is_ok()
        );
        assert!(any("http://[fd00:ec2::254]/latest", false).is_ok());
        assert!(any("http://example.com/token", false).is_err());
        assert!(any("ftp://example.com/token", false).is_err());
        assert!(any("file:///etc/passwd", false).is_err());
        assert!(any("https://user@example.com/token", false).is_err());
        assert!(any("https://169.254.169.254@evil.com/", false).is_err());
        assert!(any("http://127.0.0.1:8080/token", false).is_err());
        assert!(any("http://127.0.0.1:8080/token", true).is_ok());
        assert!(any("http://127.0.0.1:99999/token", true).is_err());
        assert!(any("http://[::1]:80/token", true).is_ok());
        assert!(any("https://example.com/a b", false).is_err());
        assert!(any("https://example.com/a#frag", false).is_err());
        assert!(any("", false).is_err());
        assert!(
            meta(
                "http://169.254.169.254/latest/meta-data/placement/availability-zone",
                false
            )
            .is_ok()
        );
        assert!(meta("https://sts.amazonaws.com/", false).is_err());
        assert!(meta("http://169.254.169.254.evil.com/", false).is_err());
        assert!(meta("http://169.254.169.2540/", false).is_err());
        assert!(meta("http://localhost:1/x", true).is_ok());
    }
}
