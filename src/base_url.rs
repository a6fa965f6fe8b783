//! Provider base URLs and the path segments put into them (a Keycloak realm, an
//! Entra tenant, an Okta authorization server id), checked before any URL is
//! built from them.

use crate::error::Error;

/// Checks a base URL with the token URL rules (https, or http on a loopback host;
/// see [`TokenRequest::new`](crate::TokenRequest::new)), refuses a query (with
/// `query_refused` as the reason, which names the expected shape), and trims
/// trailing slashes.
pub(crate) fn checked(url: &str, query_refused: &'static str) -> Result<String, Error> {
    let trimmed = url.trim_end_matches('/');
    crate::url::check_token_url(trimmed)?;
    if trimmed.contains('?') {
        return Err(crate::url::invalid(url, query_refused));
    }
    Ok(trimmed.to_owned())
}

/// Checks one path segment: non-empty, unreserved characters only (RFC 3986 §2.3),
/// so it cannot change the URL's shape.
pub(crate) fn segment<'a>(value: &'a str, what: &str) -> Result<&'a str, Error> {
    let ok = !value.is_empty()
        && value != "."
        && value != ".."
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if ok {
        Ok(value)
    } else {
        Err(Error::input(format!(
            "the {what} must be a non-empty name of letters, digits, '-', '.', '_' or '~' (it becomes a URL path segment)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        assert!(segment("master", "realm").is_ok());
        assert!(segment("contoso.onmicrosoft.com", "tenant").is_ok());
        for bad in ["", ".", "..", "a/b", "a?b", "a b", "ä", "a#b", "a%2Fb"] {
            assert!(segment(bad, "realm").is_err(), "{bad}");
        }
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            checked("https://idp.example.com/", "x").unwrap(),
            "https://idp.example.com"
        );
        assert!(checked("https://idp.example.com?a=b", "x").is_err());
        assert!(checked("http://idp.example.com", "x").is_err());
    }
}
