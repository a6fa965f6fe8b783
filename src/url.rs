//! Token endpoint URL checks (design principle 6, RFC 6749 §3.2 and §10.9 /
//! RFC 9700 §2.6 on TLS): `https://`, or plain `http://` only on a loopback host
//! (`localhost` exactly, any case, without a trailing dot; 127.0.0.0/8; `[::1]`); no
//! userinfo, no fragment (RFC 6749 §3.2 forbids one), a host, a valid port.
//!
//! A small, total checker rather than a URL library: it never panics and refuses
//! anything it does not understand, with a reason that says what to fix.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::Error;

/// Checks a token endpoint URL; the error is [`Error::InvalidUrl`] with a reason.
pub(crate) fn check_token_url(url: &str) -> Result<(), Error> {
    check(url).map_err(|reason| invalid(url, reason))
}

/// Whether `url` starts with `https://` (any case).
pub(crate) fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// [`Error::InvalidUrl`] for `url`, which is stored [`redact`]ed.
pub(crate) fn invalid(url: &str, reason: &'static str) -> Error {
    Error::InvalidUrl {
        url: redact(url),
        reason,
    }
}

/// The URL as an error may show it: no userinfo, no query, no fragment, each
/// replaced by `[redacted]` so the reader sees that something was there (a
/// `user:password@`, a `?client_secret=...` must not reach a log). Idempotent,
/// total, for any text (it need not be a valid URL).
///
/// Where the text is ambiguous, more is hidden, never less: userinfo is taken to
/// run to the last `@` before the query (a password with an unencoded `/` is hidden
/// too, at the price of hiding a path with an `@` in it); an `@` after a `?` or `#`
/// that comes before any `/` may be a password holding `?` or `#`, so everything
/// after the scheme is hidden; and `://` counts as the end of a scheme only after
/// a valid scheme name (RFC 3986 §3.1), not inside a query.
pub(crate) fn redact(url: &str) -> Box<str> {
    const HIDDEN: &str = "[redacted]";
    let start = scheme_end(url).unwrap_or(0);
    let (head, rest) = url.split_at(start);
    let query = rest.find(['?', '#']).unwrap_or(rest.len());
    let mut out = String::with_capacity(url.len().min(256) + 24);
    out.push_str(head);
    match rest.rfind('@') {
        // Userinfo (which may hold a `/`), then host and path.
        Some(at) if at < query => {
            out.push_str(HIDDEN);
            out.push_str(&rest[at..query]);
        }
        // An `@` in the query or fragment of a URL whose path has begun: harmless
        // here, since the query is hidden anyway.
        Some(_) if rest[..query].contains('/') => out.push_str(&rest[..query]),
        // `app:s3?cr3t@idp`: the `?` may be inside a password.
        Some(_) => {
            out.push_str(HIDDEN);
            return out.into_boxed_str();
        }
        None => out.push_str(&rest[..query]),
    }
    if let Some(mark @ ('?' | '#')) = rest[query..].chars().next() {
        out.push(mark);
        out.push_str(HIDDEN);
    }
    out.into_boxed_str()
}

/// Where the authority starts: just after `scheme://`, if the text starts with a
/// scheme name (a letter, then letters, digits, `+`, `-`, `.`).
fn scheme_end(url: &str) -> Option<usize> {
    let colon = url.find("://")?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(colon + 3)
}

fn check(url: &str) -> Result<(), &'static str> {
    if url.is_empty() {
        return Err(
            "the URL is empty; pass the token endpoint, e.g. https://login.example.com/oauth2/token",
        );
    }
    if url
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || !c.is_ascii())
    {
        return Err(
            "the URL contains whitespace, a control character or a non-ASCII character; percent-encode the path and use the punycode (xn--) form of the host",
        );
    }
    // RFC 3986 §2 has no place for these anywhere in a URI; HTTP libraries refuse
    // some of them only when sending (ureq: "invalid uri character").
    if url.contains(['<', '>', '"', '`', '{', '}', '|', '\\', '^']) {
        return Err(
            "the URL contains a character a URL cannot carry (< > \" ` { } | \\ ^); percent-encode it (e.g. %3C for <)",
        );
    }
    if url.contains('#') {
        return Err(
            "a token endpoint URL must not have a fragment (RFC 6749 §3.2); remove the #...",
        );
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("not an absolute URL; it must start with https://")?;
    let secure = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err("the scheme must be https (or http on a loopback host)");
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, _path_and_query) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err(
            "the URL must not carry credentials (user:password@); pass them as client authentication instead",
        );
    }
    let (host, port) = split_host_port(authority)?;
    if let Some(port) = port {
        match port.parse::<u16>() {
            Ok(p) if p != 0 && port.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return Err("the port is not a number from 1 to 65535"),
        }
    }
    let loopback = match host {
        Host::Name(name) => {
            check_host_name(name)?;
            if !secure
                && name
                    .strip_suffix('.')
                    .is_some_and(|n| n.eq_ignore_ascii_case("localhost"))
            {
                // "localhost." is an absolute DNS name: resolvers send it to DNS
                // rather than answer from the hosts file, so it may not be this
                // machine at all.
                return Err(
                    "plain http is refused for \"localhost.\" (trailing dot): that absolute name is looked up in DNS and may not be this machine; write localhost, 127.0.0.1 or [::1], or use https",
                );
            }
            name.eq_ignore_ascii_case("localhost")
        }
        Host::V4(ip) => ip.is_loopback(),
        Host::V6(ip) => ip.is_loopback(),
    };
    if !secure && !loopback {
        return Err(
            "plain http is refused: credentials would travel unencrypted; use https (http is allowed only for localhost, 127.0.0.0/8 and [::1])",
        );
    }
    Ok(())
}

enum Host<'a> {
    Name(&'a str),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

fn split_host_port(authority: &str) -> Result<(Host<'_>, Option<&str>), &'static str> {
    if authority.is_empty() {
        return Err("the URL has no host");
    }
    if let Some(bracketed) = authority.strip_prefix('[') {
        let (ip, after) = bracketed
            .split_once(']')
            .ok_or("an IPv6 host is missing its closing ]")?;
        let ip: Ipv6Addr = ip
            .parse()
            .map_err(|_| "the IPv6 host is not a valid address")?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("unexpected characters after the IPv6 host")?,
            ),
        };
        return Ok((Host::V6(ip), port));
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err("the URL has no host");
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let ip: Ipv4Addr = host
            .parse()
            .map_err(|_| "the host looks like an IPv4 address but is not a valid one")?;
        return Ok((Host::V4(ip), port));
    }
    Ok((Host::Name(host), port))
}

fn check_host_name(name: &str) -> Result<(), &'static str> {
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    if !ok || name.starts_with('.') || name.contains("..") {
        return Err("the host name has characters a DNS name cannot have");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check, redact};

    #[test]
    fn redaction_keeps_scheme_host_and_path_only() {
        for (url, shown) in [
            (
                "https://idp.example.com/token",
                "https://idp.example.com/token",
            ),
            (
                "https://app:s3cr3t@idp.example.com/token",
                "https://[redacted]@idp.example.com/token",
            ),
            (
                "http://idp.example.com/token?client_secret=s3cr3t&x=1",
                "http://idp.example.com/token?[redacted]",
            ),
            (
                "https://u:p@h/t?client_secret=s#frag",
                "https://[redacted]@h/t?[redacted]",
            ),
            ("https://h/t#s3cr3t", "https://h/t#[redacted]"),
            // A password with an unencoded '/' still does not show.
            (
                "https://app:s3/cr3t@idp/token",
                "https://[redacted]@idp/token",
            ),
            ("app:s3cr3t@idp/token", "[redacted]@idp/token"),
            // A `?` or `#` inside a password: nothing of it shows.
            ("https://app:s3?cr3t@idp/token", "https://[redacted]"),
            ("https://app:s3#cr3t@idp/token", "https://[redacted]"),
            // An `@` in the query of a URL with a path keeps host and path.
            (
                "https://idp/t?email=a@b.example&secret=s3cr3t",
                "https://idp/t?[redacted]",
            ),
            // `://` inside the query is no scheme.
            (
                "http:/idp/token?client_secret=s3cr3t&next=https://x/",
                "http:/idp/token?[redacted]",
            ),
            ("", ""),
        ] {
            assert_eq!(&*redact(url), shown, "{url}");
            assert_eq!(redact(shown), redact(url), "idempotent: {url}");
        }
    }

    #[test]
    fn accepts_https_and_loopback_http() {
        for url in [
            "https://login.salesforce.com/services/oauth2/token",
            "HTTPS://Example.COM:8443/token?x=1",
            "https://10.0.0.1/token",
            "https://[2001:db8::1]:443/t",
            "http://127.0.0.1:8080/token",
            "http://127.1.2.3/token",
            "http://localhost/token",
            "http://LocalHost:9000",
            "https://localhost./token",
            "http://[::1]/token",
            "http://[::1]:1234",
        ] {
            assert_eq!(check(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn refuses_the_rest_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("http://example.com/token", "plain http"),
            ("http://128.0.0.1/token", "plain http"),
            ("http://[::2]/token", "plain http"),
            ("http://localhost.evil.com/", "plain http"),
            // The absolute name goes to DNS, not to the hosts file's loopback entry.
            ("http://localhost./token", "trailing dot"),
            ("http://LOCALHOST.:9000", "trailing dot"),
            ("ftp://example.com/token", "scheme"),
            ("example.com/token", "absolute"),
            ("https://", "no host"),
            ("https:///path", "no host"),
            ("https://:443/path", "no host"),
            ("https://user:pw@example.com/", "credentials"),
            ("https://example.com/token#frag", "fragment"),
            ("https://example.com:0/", "port"),
            ("https://example.com:70000/", "port"),
            ("https://example.com:+80/", "port"),
            ("https://example.com:/", "port"),
            ("https://exa mple.com/", "whitespace"),
            ("https://exämple.com/", "non-ASCII"),
            ("https://[::1/", "closing"),
            ("https://[zz]/", "IPv6"),
            ("https://[::1]x/", "after the IPv6"),
            ("https://999.1.1.1/", "IPv4"),
            ("https://a..b/", "DNS"),
            ("https://a<b/", "cannot carry"),
            ("https://a!b/", "DNS"),
            ("http://127.0.0.1:9/a<b", "cannot carry"),
            ("https://example.com/a`b", "cannot carry"),
            ("https://example.com/?q={x}", "cannot carry"),
            ("https://example.com/a\\b", "cannot carry"),
            ("https://example.com/a\"b", "cannot carry"),
            ("https://example.com/a|b^c", "cannot carry"),
        ];
        for (url, fragment) in cases {
            match check(url) {
                Err(reason) => assert!(reason.contains(fragment), "{url}: {reason}"),
                Ok(()) => panic!("{url} accepted"),
            }
        }
    }
}
