//! An incoming token request (RFC 6749 §3.2), parsed once: method, headers and
//! form body checked, parameters decoded and kept single.

use std::collections::HashSet;
use std::fmt;

use zeroize::Zeroize;

use super::refusal::{Reason, Refusal, echo};
use crate::form;

/// A request's `grant_type`, typed (RFC 6749 §4, RFC 7523 §2.1, RFC 7522 §2.1,
/// RFC 8693 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GrantType<'r> {
    /// `authorization_code` (RFC 6749 §4.1.3).
    AuthorizationCode,
    /// `client_credentials` (RFC 6749 §4.4).
    ClientCredentials,
    /// `refresh_token` (RFC 6749 §6).
    RefreshToken,
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer` (RFC 7523 §2.1).
    JwtBearer,
    /// `urn:ietf:params:oauth:grant-type:saml2-bearer` (RFC 7522 §2.1).
    Saml2Bearer,
    /// `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693 §2.1).
    TokenExchange,
    /// Any other value, as sent.
    Other(&'r str),
}

impl<'r> GrantType<'r> {
    fn of(value: &'r str) -> Self {
        match value {
            "authorization_code" => GrantType::AuthorizationCode,
            "client_credentials" => GrantType::ClientCredentials,
            "refresh_token" => GrantType::RefreshToken,
            super::grant::JWT_BEARER => GrantType::JwtBearer,
            super::grant::SAML2_BEARER => GrantType::Saml2Bearer,
            "urn:ietf:params:oauth:grant-type:token-exchange" => GrantType::TokenExchange,
            other => GrantType::Other(other),
        }
    }
}

/// The largest token request body [`Request::parse`] takes (64 KiB): an RSA-4096
/// client assertion next to a SAML assertion with a certificate is under 16 KiB.
pub const MAX_BODY: usize = 64 * 1024;

/// The parameters RFC 8693 §2.1 (token exchange) and RFC 8707 §2 (resource
/// indicators) allow more than once; every other one is refused when repeated
/// (RFC 6749 §3.2).
const REPEATABLE: &[&str] = &["resource", "audience"];

/// A token request as the token endpoint received it, checked for shape: a POST
/// with an `application/x-www-form-urlencoded` body of at most [`MAX_BODY`] bytes,
/// every parameter at most once (but `resource` and `audience`), parameters
/// without a value treated as omitted (RFC 6749 §3.1), a `grant_type`.
///
/// `Debug` shows the parameter names and the `grant_type`, never a value: a
/// request carries secrets.
///
/// ```
/// use s2s_oauth::server::Request;
/// let headers = [("Content-Type", "application/x-www-form-urlencoded")];
/// let request = Request::parse("POST", &headers, b"grant_type=client_credentials&scope=a+b")?;
/// assert_eq!(request.grant(), s2s_oauth::server::GrantType::ClientCredentials);
/// assert_eq!(request.param("scope"), Some("a b"));
///
/// let refused = Request::parse("POST", &headers, b"grant_type=x&scope=a&scope=b").unwrap_err();
/// assert_eq!(refused.code().as_str(), "invalid_request");
/// # Ok::<(), s2s_oauth::server::Refusal>(())
/// ```
#[derive(Clone)]
pub struct Request {
    params: Vec<(String, String)>,
    authorization: Option<String>,
    dpop: Option<String>,
}

impl Request {
    /// Parses a request from its method, its headers (names ASCII
    /// case-insensitive) and its body. Refusals: not `POST` (405), a body over
    /// [`MAX_BODY`] (413), another content type, a body that is not UTF-8 once
    /// decoded, a repeated parameter or header that must be single
    /// (`Authorization`, `DPoP`), no `grant_type` (all 400 `invalid_request`).
    pub fn parse<N: AsRef<str>, V: AsRef<str>>(
        method: &str,
        headers: &[(N, V)],
        body: &[u8],
    ) -> Result<Request, Refusal> {
        let request = Self::parse_form(method, headers, body)?;
        if request.param("grant_type").is_none() {
            return Err(Refusal::invalid_request(
                Reason::MissingParameter,
                "grant_type is missing",
            ));
        }
        Ok(request)
    }

    /// Parses a request to another endpoint of the authorization server that
    /// takes the token endpoint's form and client authentication: introspection
    /// (RFC 7662 §2.1), revocation (RFC 7009 §2.1). The same checks as
    /// [`parse`](Self::parse) but for `grant_type`, which such a request has none
    /// of ([`grant_type`](Self::grant_type) is then `""`).
    ///
    /// ```
    /// use s2s_oauth::server::Request;
    /// let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    /// let request = Request::parse_form("POST", &headers, b"token=abc&token_type_hint=access_token")?;
    /// assert_eq!(request.param("token"), Some("abc"));
    /// assert!(Request::parse("POST", &headers, b"token=abc").is_err()); // no grant_type
    /// assert!(Request::parse_form("GET", &headers, b"token=abc").is_err());
    /// # Ok::<(), s2s_oauth::server::Refusal>(())
    /// ```
    pub fn parse_form<N: AsRef<str>, V: AsRef<str>>(
        method: &str,
        headers: &[(N, V)],
        body: &[u8],
    ) -> Result<Request, Refusal> {
        if method != "POST" {
            return Err(Refusal::invalid_request(
                Reason::MethodNotAllowed,
                "this endpoint accepts POST only",
            ));
        }
        if body.len() > MAX_BODY {
            return Err(Refusal::invalid_request(
                Reason::BodyTooLarge,
                format!(
                    "the request body is {} bytes; a request is at most {MAX_BODY}",
                    body.len()
                ),
            ));
        }
        let media_type = single_header(headers, "Content-Type")?
            .and_then(|ct| ct.split(';').next())
            .map(str::trim);
        if !media_type.is_some_and(|m| m.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
        {
            return Err(Refusal::invalid_request(
                Reason::UnsupportedMediaType,
                "send the request as Content-Type: application/x-www-form-urlencoded (RFC 6749 §3.2)",
            ));
        }
        let pairs = form::decode_pairs(body).ok_or_else(|| {
            Refusal::invalid_request(
                Reason::MalformedBody,
                "the form body does not decode to UTF-8 text",
            )
        })?;
        let mut params: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        // Names seen so far: a set, as a list scan per parameter is quadratic in a
        // 64 KiB body of distinct names (10 000 of them).
        let mut seen: HashSet<String> = HashSet::with_capacity(pairs.len());
        for (name, value) in pairs {
            if value.is_empty() {
                continue; // RFC 6749 §3.1: as if omitted
            }
            if !REPEATABLE.contains(&name.as_str()) && !seen.insert(name.clone()) {
                return Err(Refusal::invalid_request(
                    Reason::RepeatedParameter,
                    format!(
                        "parameter {} is repeated; send it once (RFC 6749 §3.2)",
                        echo(&name)
                    ),
                ));
            }
            params.push((name, value));
        }
        Ok(Request {
            params,
            authorization: single_header(headers, "Authorization")?.map(str::to_owned),
            dpop: single_header(headers, "DPoP")?.map(str::to_owned),
        })
    }

    /// The `grant_type` parameter, as sent.
    pub fn grant_type(&self) -> &str {
        self.param("grant_type").unwrap_or_default()
    }

    /// The `grant_type`, typed.
    ///
    /// ```
    /// use s2s_oauth::server::{GrantType, Request};
    /// let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    /// let body = b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c";
    /// assert_eq!(Request::parse("POST", &headers, body)?.grant(), GrantType::JwtBearer);
    /// let other = Request::parse("POST", &headers, b"grant_type=password")?;
    /// assert_eq!(other.grant(), GrantType::Other("password"));
    /// # Ok::<(), s2s_oauth::server::Refusal>(())
    /// ```
    pub fn grant(&self) -> GrantType<'_> {
        GrantType::of(self.grant_type())
    }

    /// The value of parameter `name` (the first, for `resource` and `audience`).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of parameter `name`, in order (several only for `resource`
    /// and `audience`).
    pub fn params<'r>(&'r self, name: &'r str) -> impl Iterator<Item = &'r str> + 'r {
        self.params
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every parameter as decoded, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.params
    }

    /// The `Authorization` header, if the request has one.
    pub fn authorization(&self) -> Option<&str> {
        self.authorization.as_deref()
    }

    /// The `DPoP` header (RFC 9449 §4), if the request has one.
    pub fn dpop_proof(&self) -> Option<&str> {
        self.dpop.as_deref()
    }
}

/// The parameters and the `Authorization` header carry secrets (a client secret,
/// assertions, a refresh token): wiped when the request is dropped.
impl Drop for Request {
    fn drop(&mut self) {
        for (_, value) in &mut self.params {
            value.zeroize();
        }
        if let Some(authorization) = &mut self.authorization {
            authorization.zeroize();
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.params.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Request")
            .field("grant_type", &self.grant_type())
            .field("params", &names)
            .field("authorization", &self.authorization.is_some())
            .field("dpop", &self.dpop.is_some())
            .finish_non_exhaustive()
    }
}

/// The one header named `name`; two of them are `invalid_request`.
fn single_header<'h, N: AsRef<str>, V: AsRef<str>>(
    headers: &'h [(N, V)],
    name: &str,
) -> Result<Option<&'h str>, Refusal> {
    let mut found = headers
        .iter()
        .filter(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref().trim());
    let first = found.next();
    if found.next().is_some() {
        return Err(Refusal::invalid_request(
            Reason::RepeatedParameter,
            format!("the {name} header is repeated; send it once"),
        ));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: [(&str, &str); 1] = [(
        "content-type",
        "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
    )];

    #[test]
    fn parses_and_treats_empty_values_as_omitted() {
        let r = Request::parse(
            "POST",
            &FORM,
            b"grant_type=refresh_token&scope=&scope=x&refresh_token=a%2Bb",
        )
        .unwrap();
        assert_eq!(r.param("scope"), Some("x"));
        assert_eq!(r.param("refresh_token"), Some("a+b"));
        assert!(!format!("{r:?}").contains("a+b"));
    }

    #[test]
    fn refuses_what_is_not_a_token_request() {
        let reason =
            |m: &str, h: &[(&str, &str)], b: &[u8]| Request::parse(m, h, b).unwrap_err().reason();
        assert_eq!(
            reason("GET", &FORM, b"grant_type=x"),
            Reason::MethodNotAllowed
        );
        assert_eq!(
            reason("POST", &[("Content-Type", "application/json")], b"{}"),
            Reason::UnsupportedMediaType
        );
        assert_eq!(
            reason("POST", &[], b"grant_type=x"),
            Reason::UnsupportedMediaType
        );
        assert_eq!(
            reason("POST", &FORM, &vec![b'a'; MAX_BODY + 1]),
            Reason::BodyTooLarge
        );
        assert_eq!(
            reason("POST", &FORM, b"grant_type=%FF"),
            Reason::MalformedBody
        );
        assert_eq!(
            reason("POST", &FORM, b"grant_type=x&grant_type=y"),
            Reason::RepeatedParameter
        );
        assert_eq!(reason("POST", &FORM, b"scope=x"), Reason::MissingParameter);
        let two_auth = [
            FORM[0],
            ("Authorization", "Basic a"),
            ("authorization", "Basic b"),
        ];
        assert_eq!(
            reason("POST", &two_auth, b"grant_type=x"),
            Reason::RepeatedParameter
        );
    }

    #[test]
    fn resource_and_audience_may_repeat() {
        let r = Request::parse(
            "POST",
            &FORM,
            b"grant_type=x&resource=a&resource=b&audience=c&audience=d",
        )
        .unwrap();
        assert_eq!(r.params("resource").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(r.params("audience").collect::<Vec<_>>(), ["c", "d"]);
    }
}
