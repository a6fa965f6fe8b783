//! Authorization server metadata (RFC 8414, OpenID Connect Discovery 1.0): where
//! the token endpoint is and what it supports, read from the issuer's
//! `/.well-known/` document and checked against the issuer asked about.

use serde_json::{Map, Value};

use crate::client_auth::{ClientAuth, Method};
use crate::error::{Error, UnexpectedResponse};
use crate::grant::Grant;
use crate::http::{HttpRequest, HttpResponse};
use crate::request::TokenRequest;
use crate::secret::RawBody;

/// Which well-known document to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WellKnown {
    /// RFC 8414 §3.1: `/.well-known/oauth-authorization-server`, inserted between
    /// the host and the issuer's path.
    OAuthAuthorizationServer,
    /// OpenID Connect Discovery 1.0 §4: `/.well-known/openid-configuration`,
    /// appended to the issuer.
    OpenIdConfiguration,
}

/// The metadata URL of `issuer` for `kind`.
///
/// The issuer must be a URL with the token URL rules (`https://`, or `http://` on a
/// loopback host) and no query or fragment (RFC 8414 §2). A terminating `/` of the
/// issuer is removed first (RFC 8414 §3.1).
///
/// ```
/// use s2s_oauth::discovery::{WellKnown, metadata_url};
/// assert_eq!(
///     metadata_url("https://sso.example.com/realms/acme", WellKnown::OAuthAuthorizationServer)?,
///     "https://sso.example.com/.well-known/oauth-authorization-server/realms/acme"
/// );
/// assert_eq!(
///     metadata_url("https://sso.example.com/realms/acme", WellKnown::OpenIdConfiguration)?,
///     "https://sso.example.com/realms/acme/.well-known/openid-configuration"
/// );
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn metadata_url(issuer: &str, kind: WellKnown) -> Result<String, Error> {
    check_issuer(issuer)?;
    let issuer = issuer.strip_suffix('/').unwrap_or(issuer);
    Ok(match kind {
        WellKnown::OAuthAuthorizationServer => {
            let (origin, path) = split_origin(issuer);
            format!("{origin}/.well-known/oauth-authorization-server{path}")
        }
        WellKnown::OpenIdConfiguration => format!("{issuer}/.well-known/openid-configuration"),
    })
}

/// An authorization server's metadata (RFC 8414 §2), as far as a server-to-server
/// client needs it, with every other field kept in [`extra`](Self::extra).
///
/// [`parse`](Self::parse) checks that `issuer` is the issuer asked about (RFC 8414
/// §3.3), after these normalization rules and nothing else: the scheme and host are
/// compared case-insensitively (RFC 3986 §6.2.2.1), and an empty path equals `/`
/// (RFC 3986 §6.2.3, so `https://a.example` matches `https://a.example/`); the
/// port, the path and its trailing `/` are compared byte for byte. The
/// `token_endpoint` must pass the token URL rules (https, http only on loopback),
/// and must be https when the issuer is: only a loopback http issuer (a local test
/// server) may name a loopback http token endpoint.
///
/// ```no_run
/// use s2s_oauth::{ClientAuth, Grant, SigningKey, discovery::AuthorizationServerMetadata};
///
/// let agent = s2s_oauth::agent();
/// let metadata = AuthorizationServerMetadata::discover(&agent, "https://sso.example.com/realms/acme")?;
/// let key = SigningKey::from_pem_file("client.key")?.with_kid("k1");
/// let auth = metadata.choose_client_auth([
///     ClientAuth::private_key_jwt("billing-job", key)?,
///     ClientAuth::basic("billing-job", "s3cr3t"),
/// ])?;
/// let token = metadata.token_request(Grant::client_credentials(), auth)?.send(&agent)?;
/// # let _ = token;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationServerMetadata {
    issuer: String,
    token_endpoint: String,
    grant_types: Option<Vec<String>>,
    auth_methods: Option<Vec<String>>,
    signing_algs: Option<Vec<String>>,
    jwks_uri: Option<String>,
    scopes: Option<Vec<String>>,
    extra: Map<String, Value>,
}

impl AuthorizationServerMetadata {
    /// The `GET` request for `issuer`'s `kind` document (sans-IO: send it with any
    /// HTTP client, then [`parse`](Self::parse) the answer).
    pub fn request(issuer: &str, kind: WellKnown) -> Result<HttpRequest, Error> {
        Ok(HttpRequest {
            method: "GET",
            url: metadata_url(issuer, kind)?,
            headers: vec![("Accept", "application/json".to_owned())],
            body: Vec::new(),
        })
    }

    /// Parses a metadata response for `issuer` (the issuer the request was built
    /// for). A non-200 status is [`Error::UnexpectedStatus`] (3xx:
    /// [`Error::Redirect`]), a body that is not a JSON object [`Error::NotJson`] or
    /// [`Error::MalformedResponse`] (also for a missing `issuer` or
    /// `token_endpoint`, or a field of the wrong type), another issuer
    /// [`Error::IssuerMismatch`], a token endpoint that is not https (plain http
    /// is taken only on a loopback host, and only from a loopback http issuer)
    /// [`Error::InvalidUrl`].
    pub fn parse(response: &HttpResponse, issuer: &str) -> Result<Self, Error> {
        check_issuer(issuer)?;
        let status = response.status();
        let unexpected = |reason: String| {
            Box::new(UnexpectedResponse {
                status,
                content_type: response.header("content-type").map(str::to_owned),
                retry_after: None,
                reason: Some(reason),
                body: RawBody::new(response.body()),
            })
        };
        if (300..400).contains(&status) {
            return Err(Error::Redirect {
                status,
                location: response.header("location").map(crate::url::redact),
            });
        }
        if status != 200 {
            return Err(Error::UnexpectedStatus(unexpected(format!(
                "no authorization server metadata for issuer {issuer:?}"
            ))));
        }
        let mut object = match serde_json::from_slice::<Value>(response.body()) {
            Ok(Value::Object(object)) => object,
            Ok(_) => {
                return Err(Error::MalformedResponse(unexpected(
                    "the metadata is JSON but not an object".into(),
                )));
            }
            Err(_) => return Err(Error::NotJson(unexpected("metadata must be JSON".into()))),
        };
        let malformed = |reason: String| Error::MalformedResponse(unexpected(reason));
        let found = string(&mut object, "issuer")
            .map_err(&malformed)?
            .ok_or_else(|| malformed("the metadata has no issuer (RFC 8414 §2)".into()))?;
        if normalize_issuer(&found) != normalize_issuer(issuer) {
            return Err(Error::IssuerMismatch {
                expected: crate::url::redact(issuer),
                found: crate::url::redact(&found),
            });
        }
        let token_endpoint = string(&mut object, "token_endpoint")
            .map_err(&malformed)?
            .ok_or_else(|| {
                malformed("the metadata has no token_endpoint: this server issues no tokens to a server-to-server client".into())
            })?;
        crate::url::check_token_url(&token_endpoint)?;
        if crate::url::is_https(issuer) && !crate::url::is_https(&token_endpoint) {
            // The http exception is for a test server on this machine, not for a
            // remote issuer pointing the client's credentials at a local port.
            return Err(crate::url::invalid(
                &token_endpoint,
                "the metadata of an https issuer names a plain-http token endpoint: credentials would travel unencrypted to whatever listens there; the token endpoint must be https unless the issuer itself is a loopback http URL",
            ));
        }
        Ok(AuthorizationServerMetadata {
            issuer: found,
            token_endpoint,
            grant_types: strings(&mut object, "grant_types_supported").map_err(&malformed)?,
            auth_methods: strings(&mut object, "token_endpoint_auth_methods_supported")
                .map_err(&malformed)?,
            signing_algs: strings(
                &mut object,
                "token_endpoint_auth_signing_alg_values_supported",
            )
            .map_err(&malformed)?,
            jwks_uri: string(&mut object, "jwks_uri").map_err(&malformed)?,
            scopes: strings(&mut object, "scopes_supported").map_err(&malformed)?,
            extra: object,
        })
    }

    /// `issuer`, as the metadata spells it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `token_endpoint`.
    pub fn token_endpoint(&self) -> &str {
        &self.token_endpoint
    }

    /// `grant_types_supported`; when absent, RFC 8414 §2's default
    /// `["authorization_code", "implicit"]`.
    pub fn grant_types_supported(&self) -> Vec<&str> {
        match &self.grant_types {
            Some(list) => list.iter().map(String::as_str).collect(),
            None => vec!["authorization_code", "implicit"],
        }
    }

    /// Whether `grant` is among [`grant_types_supported`](Self::grant_types_supported).
    /// Many servers list fewer grants than they take: when the list is absent,
    /// this says `false` for every server-to-server grant; try anyway if in doubt.
    pub fn supports_grant(&self, grant: &Grant) -> bool {
        self.grant_types_supported().contains(&grant.grant_type())
    }

    /// `token_endpoint_auth_methods_supported`; when absent, RFC 8414 §2's default
    /// `["client_secret_basic"]`.
    pub fn auth_methods_supported(&self) -> Vec<&str> {
        match &self.auth_methods {
            Some(list) => list.iter().map(String::as_str).collect(),
            None => vec!["client_secret_basic"],
        }
    }

    /// `token_endpoint_auth_signing_alg_values_supported`, if the server lists it.
    pub fn auth_signing_algs_supported(&self) -> Option<Vec<&str>> {
        self.signing_algs
            .as_ref()
            .map(|list| list.iter().map(String::as_str).collect())
    }

    /// `jwks_uri`, if any, as the metadata names it: unlike the token endpoint it
    /// is not checked here (no credentials go there). Keys fetched from it are only
    /// as trustworthy as the URL: refuse a plain-http `jwks_uri` from an https
    /// issuer before fetching keys from it.
    pub fn jwks_uri(&self) -> Option<&str> {
        self.jwks_uri.as_deref()
    }

    /// `scopes_supported`, if the server lists it.
    pub fn scopes_supported(&self) -> Option<Vec<&str>> {
        self.scopes
            .as_ref()
            .map(|list| list.iter().map(String::as_str).collect())
    }

    /// Every other field, as sent.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Whether the token endpoint takes `auth`: its method is among
    /// [`auth_methods_supported`](Self::auth_methods_supported) and, for
    /// `private_key_jwt` and `client_secret_jwt`, its key's algorithm among
    /// [`auth_signing_algs_supported`](Self::auth_signing_algs_supported) when the
    /// server lists them.
    pub fn supports_client_auth(&self, auth: &ClientAuth) -> bool {
        if !self.auth_methods_supported().contains(&auth.method_name()) {
            return false;
        }
        let algorithm = match &auth.method {
            Method::PrivateKeyJwt { key, .. } | Method::ClientSecretJwt { key, .. } => {
                key.algorithm()
            }
            _ => return true,
        };
        self.auth_signing_algs_supported()
            .is_none_or(|algs| algs.contains(&algorithm.as_str()))
    }

    /// Picks the first of `candidates` (the caller's methods, most preferred first)
    /// that the server supports ([`supports_client_auth`](Self::supports_client_auth)).
    /// None supported is [`Error::InvalidInput`] naming what the server takes.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use s2s_oauth::{ClientAuth, HttpResponse, discovery::AuthorizationServerMetadata};
    ///
    /// let body = br#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token",
    ///   "token_endpoint_auth_methods_supported":["client_secret_post","private_key_jwt"]}"#;
    /// let metadata = AuthorizationServerMetadata::parse(&HttpResponse::new(200, vec![], body.to_vec()), "https://idp.example.com")?;
    /// let auth = metadata.choose_client_auth([ClientAuth::basic("app", "s"), ClientAuth::post("app", "s")])?;
    /// assert_eq!(auth.method_name(), "client_secret_post");
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn choose_client_auth(
        &self,
        candidates: impl IntoIterator<Item = ClientAuth>,
    ) -> Result<ClientAuth, Error> {
        let mut offered = Vec::new();
        for auth in candidates {
            if self.supports_client_auth(&auth) {
                return Ok(auth);
            }
            offered.push(auth.method_name());
        }
        Err(Error::input(format!(
            "the token endpoint supports client authentication {:?}{}, and none of the offered {offered:?} fits; offer one of those (with a key of a listed algorithm)",
            self.auth_methods_supported(),
            self.auth_signing_algs_supported()
                .map(|algs| format!(" with assertion algorithms {algs:?}"))
                .unwrap_or_default()
        )))
    }

    /// A token request to this server's token endpoint.
    pub fn token_request(&self, grant: Grant, auth: ClientAuth) -> Result<TokenRequest, Error> {
        TokenRequest::new(self.token_endpoint.as_str(), grant, auth)
    }
}

#[cfg(feature = "ureq")]
impl AuthorizationServerMetadata {
    /// Reads `issuer`'s metadata: RFC 8414 first, then, if that document is not
    /// there (a 4xx), OpenID Connect Discovery. Blocking, with the crate's safety
    /// settings (no redirects, a timeout, a body limit: [`SendOptions`](crate::SendOptions)).
    pub fn discover(agent: &ureq::Agent, issuer: &str) -> Result<Self, Error> {
        match Self::fetch(agent, issuer, WellKnown::OAuthAuthorizationServer) {
            Err(e) if e.status().is_some_and(|s| (400..500).contains(&s)) => {
                Self::fetch(agent, issuer, WellKnown::OpenIdConfiguration)
            }
            other => other,
        }
    }

    /// Reads one well-known document of `issuer`, with [`SendOptions::default`](crate::SendOptions).
    pub fn fetch(agent: &ureq::Agent, issuer: &str, kind: WellKnown) -> Result<Self, Error> {
        Self::fetch_with(agent, issuer, kind, &crate::SendOptions::default())
    }

    /// [`fetch`](Self::fetch) with explicit limits (timeout, body limit).
    pub fn fetch_with(
        agent: &ureq::Agent,
        issuer: &str,
        kind: WellKnown,
        options: &crate::SendOptions,
    ) -> Result<Self, Error> {
        let request = Self::request(issuer, kind)?;
        let response = crate::transport::send_http(agent, &request, options)?;
        Self::parse(&response, issuer)
    }
}

/// An issuer is a token-URL-like URL without a query (RFC 8414 §2).
fn check_issuer(issuer: &str) -> Result<(), Error> {
    crate::url::check_token_url(issuer)?;
    if issuer.contains('?') {
        return Err(crate::url::invalid(
            issuer,
            "an issuer identifier has no query (RFC 8414 §2); pass e.g. https://idp.example.com/tenant",
        ));
    }
    Ok(())
}

/// `scheme://authority` and the rest (the path, possibly empty) of a checked URL.
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url
        .get(after_scheme..)
        .and_then(|rest| rest.find('/'))
        .map_or(url.len(), |i| after_scheme + i);
    url.split_at(path_start)
}

/// The comparison form of an issuer: scheme and host lower-cased, an empty path
/// written as `/`.
fn normalize_issuer(issuer: &str) -> String {
    let (origin, path) = split_origin(issuer);
    let path = if path.is_empty() { "/" } else { path };
    format!("{}{path}", origin.to_ascii_lowercase())
}

fn string(object: &mut Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match object.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("metadata field {name:?} is not a string")),
    }
}

fn strings(object: &mut Map<String, Value>, name: &str) -> Result<Option<Vec<String>>, String> {
    match object.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(format!(
                    "metadata field {name:?} has a member that is not a string"
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(format!(
            "metadata field {name:?} is not an array of strings"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization() {
        assert_eq!(
            normalize_issuer("HTTPS://IdP.Example.com"),
            "https://idp.example.com/"
        );
        assert_eq!(
            normalize_issuer("https://idp.example.com/"),
            "https://idp.example.com/"
        );
        assert_eq!(
            normalize_issuer("https://idp.example.com/Tenant/"),
            "https://idp.example.com/Tenant/"
        );
        assert_ne!(
            normalize_issuer("https://idp.example.com/t"),
            normalize_issuer("https://idp.example.com/t/")
        );
        assert_ne!(
            normalize_issuer("https://idp.example.com:443"),
            normalize_issuer("https://idp.example.com")
        );
    }

    #[test]
    fn origins() {
        assert_eq!(
            split_origin("https://a.example/x/y"),
            ("https://a.example", "/x/y")
        );
        assert_eq!(split_origin("https://a.example"), ("https://a.example", ""));
        assert_eq!(
            split_origin("http://127.0.0.1:80/"),
            ("http://127.0.0.1:80", "/")
        );
    }
}
