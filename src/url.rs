//! Endpoint URLs, checked once and kept with their parts ([`EndpointUrl`]): token
//! endpoints, issuers, provider base URLs (design principle 6, RFC 6749 §3.2 and
//! §10.9 / RFC 9700 §2.6 on TLS): `https://`, or plain `http://` only on a loopback
//! host (`localhost` exactly, any case, without a trailing dot; 127.0.0.0/8;
//! `[::1]`); no userinfo, no fragment (RFC 6749 §3.2 forbids one), a host, a valid
//! port. Errors show the URL through [`redact`].
//!
//! A small, total checker rather than a URL library: it never panics and refuses
//! anything it does not understand, with a reason that says what to fix.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::encoding::{find_str, split_once_str};
use crate::error::{Error, InputField, InputProblem};
pub(crate) use crate::redact::redact;

/// A URL that passed the endpoint rules, as given, with where its parts are:
/// `scheme://host[:port]path[?query]`. The one place the crate splits a URL.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct EndpointUrl {
    text: String,
    https: bool,
    /// Where the host starts (just after `://`) and ends (a `:port` may follow).
    host: (usize, usize),
    /// Where the path starts: the end of the authority.
    path: usize,
    /// Where the `?` is, if there is a query.
    query: Option<usize>,
}

impl EndpointUrl {
    /// Checks `url`; the error is [`Error::InvalidUrl`] with a reason.
    pub(crate) fn parse(url: impl Into<String>) -> Result<Self, Error> {
        let text = url.into();
        match parts(&text) {
            Ok(parts) => Ok(EndpointUrl {
                https: parts.https,
                host: parts.host,
                path: parts.path,
                query: parts.query,
                text,
            }),
            Err(reason) => Err(invalid(&text, reason)),
        }
    }

    /// A URL that is compared with others (an issuer): the endpoint rules and no
    /// query (`query_refused` is the reason, naming the expected shape).
    pub(crate) fn without_query(url: &str, query_refused: &'static str) -> Result<Self, Error> {
        let parsed = Self::parse(url)?;
        if parsed.query.is_some() {
            return Err(invalid(url, query_refused));
        }
        Ok(parsed)
    }

    /// A URL that paths are appended to (a provider's base URL):
    /// [`without_query`](Self::without_query), with the trailing slashes of its path
    /// trimmed.
    pub(crate) fn base(url: &str, query_refused: &'static str) -> Result<Self, Error> {
        let mut base = Self::without_query(url, query_refused)?;
        let end = base.text.trim_end_matches('/').len().max(base.path);
        base.text.truncate(end);
        Ok(base)
    }

    /// The URL as given (or as trimmed by [`base`](Self::base)).
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The URL as given, owned.
    pub(crate) fn into_string(self) -> String {
        self.text
    }

    /// Whether the scheme is `https` (any case); otherwise it is `http` on a
    /// loopback host.
    pub(crate) fn is_https(&self) -> bool {
        self.https
    }

    /// The host as written (an IPv6 address in its brackets), without the port.
    pub(crate) fn host(&self) -> &str {
        &self.text[self.host.0..self.host.1]
    }

    /// `scheme://host[:port]`, as written.
    pub(crate) fn origin(&self) -> &str {
        &self.text[..self.path]
    }

    /// The path as written, possibly empty, without the query.
    pub(crate) fn path(&self) -> &str {
        &self.text[self.path..self.query.unwrap_or(self.text.len())]
    }

    /// The query after the `?`, if there is one.
    pub(crate) fn query(&self) -> Option<&str> {
        self.query.map(|q| &self.text[q + 1..])
    }
}

/// Whether the host of `url` (a URL that passed the endpoint rules, as every
/// `HttpRequest`'s did) is an IP address, which needs no name lookup: the transport
/// then gives the lookup no budget. Per request, so only the host is looked at,
/// not the whole URL checked again; `false` for a name or anything unexpected.
#[cfg(feature = "ureq")]
pub(crate) fn host_is_ip(url: &str) -> bool {
    let Some((_, rest)) = split_once_str(url, "://") else {
        return false;
    };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    if authority.starts_with('[') {
        return true; // an IPv6 address, checked with the URL
    }
    // A host of digits and dots passed the rules only as an IPv4 address
    // (`split_host_port`), so it need not be parsed again.
    let host = authority
        .split_once(':')
        .map_or(authority, |(host, _)| host);
    !host.is_empty() && host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// The text, [`redact`]ed: `Debug` is a common logging path.
impl fmt::Debug for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*redact(&self.text), f)
    }
}

/// [`Error::InvalidUrl`] for `url`, which is stored [`redact`]ed.
pub(crate) fn invalid(url: &str, reason: &'static str) -> Error {
    Error::InvalidUrl {
        url: redact(url),
        reason,
    }
}

/// Checks one path segment put into a provider's base URL (a Keycloak realm, an
/// Entra tenant, an Okta authorization server id): non-empty, unreserved
/// characters only (RFC 3986 §2.3), so it cannot change the URL's shape.
pub(crate) fn segment<'a>(value: &'a str, field: InputField, what: &str) -> Result<&'a str, Error> {
    let ok = !value.is_empty()
        && value != "."
        && value != ".."
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if ok {
        Ok(value)
    } else {
        Err(Error::input(
            field,
            InputProblem::Malformed,
            format!(
                "the {what} must be a non-empty name of letters, digits, '-', '.', '_' or '~' (it becomes a URL path segment)"
            ),
        ))
    }
}

/// Where a checked URL's parts are.
struct Parts {
    https: bool,
    host: (usize, usize),
    path: usize,
    query: Option<usize>,
}

fn parts(url: &str) -> Result<Parts, &'static str> {
    refuse_characters(url)?;
    let (scheme, rest) =
        split_once_str(url, "://").ok_or("not an absolute URL; it must start with https://")?;
    let authority_start = scheme.len() + 3;
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
    let (host, host_len, port) = split_host_port(authority)?;
    if let Some(port) = port {
        match port.parse::<u16>() {
            Ok(p) if p != 0 && port.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return Err("the port is not a number from 1 to 65535"),
        }
    }
    if let Host::Name(name) = host {
        check_host_name(name)?;
    }
    if !secure && !is_loopback(&host)? {
        return Err(
            "plain http is refused: credentials would travel unencrypted; use https (http is allowed only for localhost, 127.0.0.0/8 and [::1])",
        );
    }
    let path = authority_start + authority_end;
    Ok(Parts {
        https: secure,
        host: (authority_start, authority_start + host_len),
        path,
        query: url[path..].find('?').map(|q| path + q),
    })
}

/// Refuses an empty URL and characters no URL carries, before any splitting.
fn refuse_characters(url: &str) -> Result<(), &'static str> {
    if url.is_empty() {
        return Err(
            "the URL is empty; pass the endpoint's URL, e.g. https://login.example.com/oauth2/token",
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
        return Err("an endpoint URL must not have a fragment (RFC 6749 §3.2); remove the #...");
    }
    Ok(())
}

/// Whether a plain-http host is this machine: `localhost` (not `localhost.`, which
/// is refused with its own reason), 127.0.0.0/8, `[::1]`.
fn is_loopback(host: &Host<'_>) -> Result<bool, &'static str> {
    Ok(match host {
        Host::Name(name) => {
            if name
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
    })
}

enum Host<'a> {
    Name(&'a str),
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

/// The host, the length of its text in `authority`, and the port's text.
fn split_host_port(authority: &str) -> Result<(Host<'_>, usize, Option<&str>), &'static str> {
    if authority.is_empty() {
        return Err("the URL has no host");
    }
    if let Some(bracketed) = authority.strip_prefix('[') {
        let (ip, after) = bracketed
            .split_once(']')
            .ok_or("an IPv6 host is missing its closing ]")?;
        let bracketed_len = ip.len() + 2;
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
        return Ok((Host::V6(ip), bracketed_len, port));
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
        return Ok((Host::V4(ip), host.len(), port));
    }
    Ok((Host::Name(host), host.len(), port))
}

fn check_host_name(name: &str) -> Result<(), &'static str> {
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    if !ok || name.starts_with('.') || find_str(name, "..").is_some() {
        return Err("the host name has characters a DNS name cannot have");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{EndpointUrl, parts, segment};
    use crate::error::{Error, InputField};

    fn check(url: &str) -> Result<(), &'static str> {
        parts(url).map(drop)
    }

    #[test]
    fn parts_are_where_the_text_has_them() {
        for (url, host, origin, path, query) in [
            (
                "https://login.salesforce.com/services/oauth2/token",
                "login.salesforce.com",
                "https://login.salesforce.com",
                "/services/oauth2/token",
                None,
            ),
            (
                "HTTPS://Example.COM:8443/token?x=1&y=/z",
                "Example.COM",
                "HTTPS://Example.COM:8443",
                "/token",
                Some("x=1&y=/z"),
            ),
            (
                "https://a.example?q",
                "a.example",
                "https://a.example",
                "",
                Some("q"),
            ),
            ("http://[::1]:1234", "[::1]", "http://[::1]:1234", "", None),
            (
                "http://127.0.0.1/",
                "127.0.0.1",
                "http://127.0.0.1",
                "/",
                None,
            ),
        ] {
            let parsed = EndpointUrl::parse(url).unwrap();
            assert_eq!(parsed.as_str(), url);
            assert_eq!(parsed.host(), host, "{url}");
            assert_eq!(parsed.origin(), origin, "{url}");
            assert_eq!(parsed.path(), path, "{url}");
            assert_eq!(parsed.query(), query, "{url}");
            assert_eq!(
                parsed.is_https(),
                url.starts_with(['h', 'H']) && url.as_bytes()[4] != b':'
            );
        }
    }

    #[test]
    fn segments() {
        assert!(segment("master", InputField::Realm, "realm").is_ok());
        assert!(segment("contoso.onmicrosoft.com", InputField::Tenant, "tenant").is_ok());
        for bad in ["", ".", "..", "a/b", "a?b", "a b", "ä", "a#b", "a%2Fb"] {
            assert!(segment(bad, InputField::Realm, "realm").is_err(), "{bad}");
        }
    }

    #[test]
    fn a_base_has_no_query_and_no_trailing_slash() {
        let base = |url| EndpointUrl::base(url, "no query here").map(EndpointUrl::into_string);
        assert_eq!(
            base("https://idp.example.com/").unwrap(),
            "https://idp.example.com"
        );
        assert_eq!(
            base("https://idp.example.com//t//").unwrap(),
            "https://idp.example.com//t"
        );
        assert_eq!(base("http://[::1]:8/").unwrap(), "http://[::1]:8");
        assert!(base("http://idp.example.com").is_err());
        match base("https://idp.example.com/?client_secret=s3cr3t") {
            Err(Error::InvalidUrl { url, reason }) => {
                assert_eq!(reason, "no query here");
                assert_eq!(&*url, "https://idp.example.com/?[redacted]");
            }
            other => panic!("{other:?}"),
        }
        // Untrimmed, the text stays as given.
        let issuer = EndpointUrl::without_query("https://idp.example.com/t/", "x").unwrap();
        assert_eq!(issuer.as_str(), "https://idp.example.com/t/");
        assert_eq!(
            format!(
                "{:?}",
                EndpointUrl::parse("https://h/t?client_secret=s").unwrap()
            ),
            "\"https://h/t?[redacted]\""
        );
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
