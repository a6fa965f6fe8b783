//! Authorization server metadata (RFC 8414, OpenID Connect Discovery 1.0): where
//! the token endpoint is and what it supports, read from the issuer's
//! `/.well-known/` document and checked against the issuer asked about.

mod jwks_cache;

use serde_json::{Map, Value};

pub use jwks_cache::JwksCache;

use crate::client_auth::{ClientAuth, Method};
use crate::error::{Error, InputField, InputProblem};
use crate::grant::Grant;
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{FieldError, take_string, take_strings};
use crate::request::TokenRequest;
use crate::response::Answer;
use crate::url::EndpointUrl;

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
    let issuer = issuer_url(issuer)?;
    let (origin, path) = (issuer.origin(), issuer.path());
    let path = path.strip_suffix('/').unwrap_or(path);
    Ok(match kind {
        WellKnown::OAuthAuthorizationServer => {
            format!("{origin}/.well-known/oauth-authorization-server{path}")
        }
        WellKnown::OpenIdConfiguration => {
            format!("{origin}{path}/.well-known/openid-configuration")
        }
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
    token_endpoint: EndpointUrl,
    grant_types: Option<Vec<String>>,
    auth_methods: Option<Vec<String>>,
    signing_algs: Option<Vec<String>>,
    jwks_uri: Option<String>,
    scopes: Option<Vec<String>>,
    /// `mtls_endpoint_aliases.token_endpoint` (RFC 8705 §5), checked as the token
    /// endpoint is.
    mtls_token_endpoint: Option<EndpointUrl>,
    /// The other members of `mtls_endpoint_aliases`, as they came.
    mtls_aliases: Map<String, Value>,
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
        let asked = issuer_url(issuer)?;
        let answer = Answer::new(response, None);
        answer.refuse_redirect()?;
        if answer.status() != 200 {
            return Err(Error::UnexpectedStatus(answer.unexpected(Some(format!(
                "no authorization server metadata for issuer {issuer:?}"
            )))));
        }
        let mut object = answer.object(
            "the metadata is JSON but not an object",
            Some("metadata must be JSON"),
        )?;
        let malformed = |reason: String| Error::MalformedResponse(answer.unexpected(Some(reason)));
        let field = |e: FieldError| malformed(format!("metadata {e}"));
        let found = take_string(&mut object, "issuer")
            .map_err(field)?
            .ok_or_else(|| malformed("the metadata has no issuer (RFC 8414 §2)".into()))?;
        if !EndpointUrl::parse(found.as_str()).is_ok_and(|found| same_issuer(&found, &asked)) {
            return Err(Error::IssuerMismatch {
                expected: crate::url::redact(issuer),
                found: crate::url::redact(&found),
            });
        }
        let token_endpoint = take_string(&mut object, "token_endpoint")
            .map_err(field)?
            .ok_or_else(|| {
                malformed("the metadata has no token_endpoint: this server issues no tokens to a server-to-server client".into())
            })?;
        let token_endpoint = EndpointUrl::parse(token_endpoint)?;
        if asked.is_https() && !token_endpoint.is_https() {
            // The http exception is for a test server on this machine, not for a
            // remote issuer pointing the client's credentials at a local port.
            return Err(crate::url::invalid(
                token_endpoint.as_str(),
                "the metadata of an https issuer names a plain-http token endpoint: credentials would travel unencrypted to whatever listens there; the token endpoint must be https unless the issuer itself is a loopback http URL",
            ));
        }
        let (mtls_token_endpoint, mtls_aliases) = match object.remove("mtls_endpoint_aliases") {
            None | Some(Value::Null) => (None, Map::new()),
            Some(Value::Object(mut aliases)) => {
                let endpoint = take_string(&mut aliases, "token_endpoint")
                    .map_err(|e| malformed(format!("metadata mtls_endpoint_aliases {e}")))?
                    .map(EndpointUrl::parse)
                    .transpose()?;
                if let Some(endpoint) = &endpoint {
                    if asked.is_https() && !endpoint.is_https() {
                        return Err(crate::url::invalid(
                            endpoint.as_str(),
                            "the metadata of an https issuer names a plain-http mutual-TLS token endpoint (mtls_endpoint_aliases); it must be https",
                        ));
                    }
                }
                // Every alias is an endpoint URL (RFC 8705 §5) that a caller may
                // send the client certificate, a token or credentials to: checked as
                // the token endpoint alias is, not handed over as it came.
                for (name, alias) in &aliases {
                    let Value::String(alias) = alias else {
                        return Err(malformed(format!(
                            "metadata mtls_endpoint_aliases {name:?} is not a string (an endpoint URL, RFC 8705 §5)"
                        )));
                    };
                    let alias = EndpointUrl::parse(alias.as_str())?;
                    if asked.is_https() && !alias.is_https() {
                        return Err(crate::url::invalid(
                            alias.as_str(),
                            "the metadata of an https issuer names a plain-http mutual-TLS endpoint (mtls_endpoint_aliases); it must be https",
                        ));
                    }
                }
                (endpoint, aliases)
            }
            Some(_) => {
                return Err(malformed(
                    "metadata mtls_endpoint_aliases is not a JSON object (RFC 8705 §5)".into(),
                ));
            }
        };
        Ok(AuthorizationServerMetadata {
            mtls_token_endpoint,
            mtls_aliases,
            issuer: found,
            token_endpoint,
            grant_types: take_strings(&mut object, "grant_types_supported").map_err(field)?,
            auth_methods: take_strings(&mut object, "token_endpoint_auth_methods_supported")
                .map_err(field)?,
            signing_algs: take_strings(
                &mut object,
                "token_endpoint_auth_signing_alg_values_supported",
            )
            .map_err(field)?,
            jwks_uri: take_string(&mut object, "jwks_uri").map_err(field)?,
            scopes: take_strings(&mut object, "scopes_supported").map_err(field)?,
            extra: object,
        })
    }

    /// `issuer`, as the metadata spells it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `token_endpoint`.
    pub fn token_endpoint(&self) -> &str {
        self.token_endpoint.as_str()
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
        Err(Error::input(
            InputField::ClientAuth,
            InputProblem::Unsupported,
            format!(
                "the token endpoint supports client authentication {:?}{}, and none of the offered {offered:?} fits; offer one of those (with a key of a listed algorithm)",
                self.auth_methods_supported(),
                self.auth_signing_algs_supported()
                    .map(|algs| format!(" with assertion algorithms {algs:?}"))
                    .unwrap_or_default()
            ),
        ))
    }

    /// The token endpoint for mutual TLS (`mtls_endpoint_aliases.token_endpoint`,
    /// RFC 8705 §5), if the server names one apart from
    /// [`token_endpoint`](Self::token_endpoint).
    ///
    /// ```
    /// use s2s_oauth::HttpResponse;
    /// use s2s_oauth::discovery::AuthorizationServerMetadata;
    /// let body = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token",
    ///   "mtls_endpoint_aliases":{"token_endpoint":"https://mtls.idp.example.com/token",
    ///   "introspection_endpoint":"https://mtls.idp.example.com/introspect"}}"#;
    /// let response = HttpResponse::new(200, vec![], body.into());
    /// let metadata = AuthorizationServerMetadata::parse(&response, "https://idp.example.com")?;
    /// assert_eq!(metadata.mtls_token_endpoint(), Some("https://mtls.idp.example.com/token"));
    /// assert_eq!(
    ///     metadata.mtls_endpoint_aliases()["introspection_endpoint"],
    ///     "https://mtls.idp.example.com/introspect"
    /// );
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn mtls_token_endpoint(&self) -> Option<&str> {
        self.mtls_token_endpoint.as_ref().map(EndpointUrl::as_str)
    }

    /// The members of `mtls_endpoint_aliases` other than `token_endpoint`
    /// (RFC 8705 §5), as the server sent them; empty when it sent none.
    pub fn mtls_endpoint_aliases(&self) -> &Map<String, Value> {
        &self.mtls_aliases
    }

    /// A token request to this server's token endpoint. When `auth` authenticates
    /// with the TLS client certificate
    /// ([`ClientAuth::tls_client_auth`], [`ClientAuth::self_signed_tls_client_auth`]),
    /// the request goes to the mutual-TLS alias of the token endpoint if the
    /// server names one (RFC 8705 §5). A client that authenticates otherwise but
    /// presents a certificate for certificate-bound tokens uses
    /// [`bound_token_request`](Self::bound_token_request).
    pub fn token_request(&self, grant: Grant, auth: ClientAuth) -> Result<TokenRequest, Error> {
        if auth.uses_client_certificate() {
            return self.bound_token_request(grant, auth);
        }
        TokenRequest::for_endpoint(self.token_endpoint.clone(), grant, auth)
    }

    /// A token request to the mutual-TLS alias of the token endpoint (RFC 8705
    /// §5), or to the token endpoint when the server names no alias: for a client
    /// whose agent presents a certificate and wants a certificate-bound token
    /// (RFC 8705 §3), whatever its client authentication.
    ///
    /// ```
    /// use s2s_oauth::{ClientAuth, Grant, HttpResponse};
    /// use s2s_oauth::discovery::AuthorizationServerMetadata;
    /// let body = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token",
    ///   "mtls_endpoint_aliases":{"token_endpoint":"https://mtls.idp.example.com/token"}}"#;
    /// let metadata = AuthorizationServerMetadata::parse(&HttpResponse::new(200, vec![], body.into()), "https://idp.example.com")?;
    /// let bound = metadata.bound_token_request(Grant::client_credentials(), ClientAuth::basic("app", "s3cr3t"))?;
    /// assert_eq!(bound.token_url(), "https://mtls.idp.example.com/token");
    /// let tls = metadata.token_request(Grant::client_credentials(), ClientAuth::tls_client_auth("app")?)?;
    /// assert_eq!(tls.token_url(), "https://mtls.idp.example.com/token");
    /// let plain = metadata.token_request(Grant::client_credentials(), ClientAuth::basic("app", "s3cr3t"))?;
    /// assert_eq!(plain.token_url(), "https://idp.example.com/token");
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn bound_token_request(
        &self,
        grant: Grant,
        auth: ClientAuth,
    ) -> Result<TokenRequest, Error> {
        let endpoint = self
            .mtls_token_endpoint
            .as_ref()
            .unwrap_or(&self.token_endpoint);
        TokenRequest::for_endpoint(endpoint.clone(), grant, auth)
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

/// An issuer is a URL with the token URL rules and no query (RFC 8414 §2).
fn issuer_url(issuer: &str) -> Result<EndpointUrl, Error> {
    EndpointUrl::without_query(
        issuer,
        "an issuer identifier has no query (RFC 8414 §2); pass e.g. https://idp.example.com/tenant",
    )
}

/// Whether two issuers are the same (RFC 8414 §3.3): scheme and host compared
/// case-insensitively (RFC 3986 §6.2.2.1), an empty path equal to `/` (RFC 3986
/// §6.2.3), the port, the path and any query byte for byte.
fn same_issuer(a: &EndpointUrl, b: &EndpointUrl) -> bool {
    let path = |url: &EndpointUrl| match url.path() {
        "" => "/".to_owned(),
        path => path.to_owned(),
    };
    a.origin().eq_ignore_ascii_case(b.origin()) && path(a) == path(b) && a.query() == b.query()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_comparison() {
        let same = |a: &str, b: &str| {
            same_issuer(
                &EndpointUrl::parse(a).unwrap(),
                &EndpointUrl::parse(b).unwrap(),
            )
        };
        assert!(same("HTTPS://IdP.Example.com", "https://idp.example.com/"));
        assert!(same("https://idp.example.com/", "https://idp.example.com"));
        assert!(same(
            "https://idp.example.com/Tenant/",
            "https://idp.example.com/Tenant/"
        ));
        assert!(!same(
            "https://idp.example.com/t",
            "https://idp.example.com/t/"
        ));
        assert!(!same(
            "https://idp.example.com/T",
            "https://idp.example.com/t"
        ));
        assert!(!same(
            "https://idp.example.com:443",
            "https://idp.example.com"
        ));
        assert!(!same(
            "https://idp.example.com?a",
            "https://idp.example.com"
        ));
        assert!(!same(
            "https://idp.example.com.evil",
            "https://idp.example.com"
        ));
    }
}
