//! The `htu` claim (RFC 9449 §4.2, §4.3): the request URL without query and
//! fragment, and its comparison after syntax-based normalization (RFC 3986 §6.2.2)
//! and scheme-based normalization (§6.2.3).

use crate::encoding::{hex_value, push_hex_upper};
use crate::error::{Error, InputField, InputProblem};

/// The `htu` of a proof for a request to `url`: the URL up to its query or
/// fragment. The URL must be `http://` or `https://` with a host.
pub(super) fn for_proof(url: &str) -> Result<&str, Error> {
    let htu = without_query(url);
    // RFC 9110 §4.2.4: a target URI has no userinfo; a password in it would
    // travel in every proof, and a verifier never matches it.
    let authority = htu.split_once("://").map_or("", |(_, rest)| {
        rest.find('/').map_or(rest, |at| &rest[..at])
    });
    if authority.contains('@') {
        return Err(Error::input(
            InputField::DpopProof,
            InputProblem::Malformed,
            "the DPoP proof's URL has user information (user:password@ before the host): remove it from the URL; credentials go in headers, and RFC 9110 §4.2.4 keeps them out of request targets",
        ));
    }
    if normalize(htu).is_none() {
        return Err(Error::input(
            InputField::DpopProof,
            InputProblem::Malformed,
            "the DPoP proof's URL is not an absolute http:// or https:// URL with a host (and no spaces or control characters)",
        ));
    }
    Ok(htu)
}

fn without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The normalized form two `htu` values are compared in: query and fragment
/// dropped; scheme and host lowercased; the scheme's default port dropped; an
/// empty path as `/`; percent-encodings of unreserved characters decoded, the rest
/// in uppercase hex; dot segments removed. `None` for a URL that is not
/// `http(s)://host…`, or has spaces, control characters or a broken `%`.
pub(super) fn normalize(url: &str) -> Option<String> {
    let url = without_query(url);
    if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.rfind(':') {
        // An IPv6 literal's colons are inside the brackets.
        Some(at) if !host_port[at..].contains(']') => (&host_port[..at], &host_port[at + 1..]),
        _ => (host_port, ""),
    };
    if host.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = String::with_capacity(url.len() + 1);
    out.push_str(&scheme);
    out.push_str("://");
    if authority.len() != host_port.len() {
        // Userinfo is kept as sent: no normalization makes it equal to none.
        out.push_str(&authority[..authority.len() - host_port.len()]);
    }
    out.push_str(&percent_normalized(host)?.to_ascii_lowercase());
    // Leading zeros dropped, but port 0 stays port 0 (not the default port).
    let port = match port.trim_start_matches('0') {
        "" if !port.is_empty() => "0",
        trimmed => trimmed,
    };
    if !port.is_empty() && port != default_port {
        out.push(':');
        out.push_str(port);
    }
    let path = percent_normalized(path)?;
    out.push_str(&remove_dot_segments(if path.is_empty() {
        "/"
    } else {
        &path
    }));
    Some(out)
}

/// Percent-encodings in uppercase hex, those of unreserved characters decoded
/// (RFC 3986 §6.2.2.1, §6.2.2.2); `None` for a `%` not followed by two hex digits.
fn percent_normalized(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let high = hex_value(*bytes.get(i + 1)?)?;
            let low = hex_value(*bytes.get(i + 2)?)?;
            let byte = high << 4 | low;
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(byte));
            } else {
                out.push('%');
                push_hex_upper(&mut out, byte);
            }
            i += 3;
        } else {
            let len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&text[i..i + len]);
            i += len;
        }
    }
    Some(out)
}

/// RFC 3986 §5.2.4 on an absolute path.
fn remove_dot_segments(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let mut parts = path.split('/').skip(1).peekable();
    let mut trailing_slash = false;
    while let Some(segment) = parts.next() {
        let last = parts.peek().is_none();
        match segment {
            "." => trailing_slash = last,
            ".." => {
                segments.pop();
                trailing_slash = last;
            }
            other => {
                segments.push(other);
                trailing_slash = false;
            }
        }
    }
    let mut out = String::with_capacity(path.len());
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if trailing_slash || out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_urls_normalize_alike() {
        let base = normalize("https://server.example.com/token").unwrap();
        for same in [
            "HTTPS://Server.Example.COM/token",
            "https://server.example.com:443/token",
            "https://server.example.com/./token",
            "https://server.example.com/a/../token",
            "https://server.example.com/%74oken",
            "https://server.example.com/token?x=1#f",
        ] {
            assert_eq!(normalize(same).as_deref(), Some(base.as_str()), "{same}");
        }
        for other in [
            "http://server.example.com/token",
            "https://server.example.com:8443/token",
            "https://server.example.com/Token",
            "https://server.example.com/token/",
            "https://other.example.com/token",
        ] {
            assert_ne!(normalize(other).as_deref(), Some(base.as_str()), "{other}");
        }
        assert_eq!(
            normalize("http://127.0.0.1:80").as_deref(),
            Some("http://127.0.0.1/")
        );
        assert_eq!(
            normalize("http://[::1]:8080/a").as_deref(),
            Some("http://[::1]:8080/a")
        );
        assert_eq!(
            normalize("https://h/%2f%2F").as_deref(),
            Some("https://h/%2F%2F")
        );
    }

    #[test]
    fn refuses_what_is_no_http_url() {
        for bad in [
            "",
            "/token",
            "ftp://h/x",
            "https:///x",
            "https://h:x/",
            "https://h/a b",
            "https://h/%zz",
            "https://h/%4",
            "https://h/\n",
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_proof_htu_drops_query_and_fragment() {
        assert_eq!(
            for_proof("https://api.example.com/v1/items?page=2#top").unwrap(),
            "https://api.example.com/v1/items"
        );
        assert!(for_proof("api.example.com/v1").is_err());
    }
}
