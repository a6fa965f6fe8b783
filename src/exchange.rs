//! Token exchange (RFC 8693) and the token sources of workload identity federation.
//!
//! A job that runs where the platform hands it a short-lived identity token (a
//! Kubernetes projected service-account token, a GitHub Actions OIDC token, a SPIFFE
//! JWT-SVID) trades that token for the target's access token instead of keeping a
//! key or a secret on the machine:
//!
//! - [`TokenExchange`] with [`Grant::token_exchange`](crate::Grant::token_exchange):
//!   the RFC 8693 §2.1 grant (`subject_token`, `actor_token`, `audience`,
//!   `resource`, `requested_token_type`);
//! - [`ClientAuth::client_assertion`](crate::ClientAuth::client_assertion): the
//!   platform's JWT as a client assertion (RFC 7523 §2.2), as Entra federated
//!   credentials and Keycloak/SPIFFE client authentication take it;
//! - [`TokenSource`]: where the platform's token is read from, **each time a
//!   request is built** (a projected token rotates; reading it once is a known
//!   production bug): a file, an environment variable, an [`Executable`]
//!   (Google's executable-sourced credential contract), a closure, and, with the
//!   `ureq` feature, the GitHub Actions OIDC endpoint
//!   ([`providers::github_actions`](crate::providers::github_actions));
//! - [`TokenTypeUri`]: the token type identifiers of RFC 8693 §3.
//!
//! ```
//! use std::time::SystemTime;
//! use ring::rand::SystemRandom;
//! use s2s_oauth::{ClientAuth, Grant, TokenRequest};
//! use s2s_oauth::exchange::{TokenExchange, TokenSource, TokenTypeUri};
//!
//! # let dir = std::env::temp_dir().join(format!("s2s-exchange-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let path = dir.join("token");
//! # std::fs::write(&path, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2ln\n")?;
//! // /var/run/secrets/tokens/sts-token, say: read again for every request.
//! let subject = TokenSource::file(&path);
//! let exchange = TokenExchange::new(subject, TokenTypeUri::Jwt)
//!     .with_audience("https://api.example.com")?;
//! let request = TokenRequest::new(
//!     "https://sts.example.com/token",
//!     Grant::token_exchange(exchange),
//!     ClientAuth::none(),
//! )?;
//! let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
//! assert!(http.body().starts_with(
//!     b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=eyJ"
//! ));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod executable;
mod read;
mod source;

use std::fmt;
use std::time::SystemTime;

pub use executable::Executable;
pub(crate) use read::file as read_file;
pub use source::TokenSource;
pub(crate) use source::one_token;

use crate::error::{Error, InputField, InputProblem, refuse_control, refuse_empty};
use crate::secrets::SecretPairs;

/// `grant_type` of the token exchange grant (RFC 8693 §2.1).
pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// A token type identifier (RFC 8693 §3): what kind of token a `subject_token`,
/// `actor_token`, `requested_token_type` or `issued_token_type` is.
///
/// [`parse`](Self::parse) takes the short names the command line uses
/// (`access_token`, `refresh_token`, `id_token`, `jwt`, `saml1`, `saml2`) or any
/// absolute URI; [`as_str`](Self::as_str) is the URI sent.
///
/// ```
/// use s2s_oauth::exchange::TokenTypeUri;
/// assert_eq!(TokenTypeUri::parse("jwt")?, TokenTypeUri::Jwt);
/// assert_eq!(TokenTypeUri::Jwt.as_str(), "urn:ietf:params:oauth:token-type:jwt");
/// assert_eq!(TokenTypeUri::parse("urn:ietf:params:oauth:token-type:id_token")?, TokenTypeUri::IdToken);
/// let aws = TokenTypeUri::parse("urn:ietf:params:aws:token-type:aws4_request")?;
/// assert_eq!(aws.as_str(), "urn:ietf:params:aws:token-type:aws4_request");
/// assert!(TokenTypeUri::parse("jwt token").is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenTypeUri {
    /// `urn:ietf:params:oauth:token-type:access_token`: an OAuth 2.0 access token.
    AccessToken,
    /// `urn:ietf:params:oauth:token-type:refresh_token`: an OAuth 2.0 refresh token.
    RefreshToken,
    /// `urn:ietf:params:oauth:token-type:id_token`: an OpenID Connect ID token.
    IdToken,
    /// `urn:ietf:params:oauth:token-type:jwt`: a JWT (RFC 7519), such as a
    /// Kubernetes service-account token or a GitHub Actions OIDC token.
    Jwt,
    /// `urn:ietf:params:oauth:token-type:saml1`: a base64url-encoded SAML 1.1
    /// assertion.
    Saml1,
    /// `urn:ietf:params:oauth:token-type:saml2`: a base64url-encoded SAML 2.0
    /// assertion.
    Saml2,
    /// Any other token type URI, as given.
    Other(String),
}

/// The named types: (short name, URI).
const NAMED: [(TokenTypeUri, &str, &str); 6] = [
    (
        TokenTypeUri::AccessToken,
        "access_token",
        "urn:ietf:params:oauth:token-type:access_token",
    ),
    (
        TokenTypeUri::RefreshToken,
        "refresh_token",
        "urn:ietf:params:oauth:token-type:refresh_token",
    ),
    (
        TokenTypeUri::IdToken,
        "id_token",
        "urn:ietf:params:oauth:token-type:id_token",
    ),
    (
        TokenTypeUri::Jwt,
        "jwt",
        "urn:ietf:params:oauth:token-type:jwt",
    ),
    (
        TokenTypeUri::Saml1,
        "saml1",
        "urn:ietf:params:oauth:token-type:saml1",
    ),
    (
        TokenTypeUri::Saml2,
        "saml2",
        "urn:ietf:params:oauth:token-type:saml2",
    ),
];

impl TokenTypeUri {
    /// A short name (`access_token`, `refresh_token`, `id_token`, `jwt`, `saml1`,
    /// `saml2`) or an absolute URI (a scheme, then `:`; no whitespace or control
    /// character). Anything else is [`Error::InvalidInput`] naming the short names.
    pub fn parse(value: &str) -> Result<Self, Error> {
        if let Some((named, _, _)) = NAMED.iter().find(|(_, short, _)| *short == value) {
            return Ok(named.clone());
        }
        if !is_absolute_uri(value) {
            return Err(Error::input(
                InputField::TokenType,
                InputProblem::Malformed,
                format!(
                    "{value:?} is no token type: give access_token, refresh_token, id_token, jwt, saml1, saml2 or a full URI (RFC 8693 §3)"
                ),
            ));
        }
        Ok(Self::from_uri(value))
    }

    /// The type a URI names, with no check (for what a server sent).
    pub(crate) fn from_uri(uri: &str) -> Self {
        match NAMED.iter().find(|(_, _, full)| *full == uri) {
            Some((named, _, _)) => named.clone(),
            None => TokenTypeUri::Other(uri.to_owned()),
        }
    }

    /// The URI, as sent.
    pub fn as_str(&self) -> &str {
        match self {
            TokenTypeUri::Other(uri) => uri,
            named => NAMED
                .iter()
                .find(|(n, _, _)| n == named)
                .map_or("", |(_, _, uri)| uri),
        }
    }

    /// The short name of a type RFC 8693 §3 defines (`jwt`, `saml2`...), `None`
    /// for [`Other`](Self::Other).
    pub fn short_name(&self) -> Option<&'static str> {
        NAMED
            .iter()
            .find(|(n, _, _)| n == self)
            .map(|(_, short, _)| *short)
    }
}

impl fmt::Display for TokenTypeUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `value` reads as an absolute URI (RFC 3986 §4.3): a scheme (a letter,
/// then letters, digits, `+`, `-`, `.`), `:`, something after it; no whitespace or
/// control character.
fn is_absolute_uri(value: &str) -> bool {
    let scheme_ok = value.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    scheme_ok && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The parameters of a token exchange request (RFC 8693 §2.1): the subject token
/// and its type, and optionally an actor token, the requested token type, and the
/// `audience` and `resource` values naming where the new token is to be used.
/// Scope goes on the request ([`TokenRequest::with_scope`](crate::TokenRequest::with_scope)),
/// client authentication is any [`ClientAuth`](crate::ClientAuth).
///
/// The subject and actor tokens come from [`TokenSource`]s read each time the
/// request is built.
///
/// ```
/// use s2s_oauth::exchange::{TokenExchange, TokenSource, TokenTypeUri};
/// use s2s_oauth::secret::SecurityToken;
///
/// let exchange = TokenExchange::new(TokenSource::env("SUBJECT_TOKEN"), TokenTypeUri::AccessToken)
///     .with_actor(TokenSource::new(SecurityToken::new("eyJ...actor")), TokenTypeUri::Jwt)
///     .with_requested_token_type(TokenTypeUri::Jwt)
///     .with_audience("urn:example:cooperation-context")?
///     .with_resource("https://backend.example.com/api")?;
/// assert_eq!(exchange.audiences(), ["urn:example:cooperation-context"]);
/// assert!(exchange.clone().with_resource("not a uri").is_err());
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenExchange {
    subject: TokenSource,
    subject_type: TokenTypeUri,
    actor: Option<(TokenSource, TokenTypeUri)>,
    requested: Option<TokenTypeUri>,
    audiences: Vec<String>,
    resources: Vec<String>,
    /// Another `grant_type` with RFC 8693's parameters (Salesforce's Data Cloud
    /// exchange); `None`: RFC 8693's own.
    grant_type: Option<&'static str>,
}

impl TokenExchange {
    /// An exchange of the token `subject` gives, of type `subject_type`.
    pub fn new(subject: TokenSource, subject_type: TokenTypeUri) -> Self {
        TokenExchange {
            subject,
            subject_type,
            actor: None,
            requested: None,
            audiences: Vec::new(),
            resources: Vec::new(),
            grant_type: None,
        }
    }

    /// The same parameters under another `grant_type`: a provider's extension grant
    /// that takes RFC 8693's parameters (Salesforce's Data Cloud exchange,
    /// `urn:salesforce:grant-type:external:cdp`). Crate-internal: the providers name
    /// their grant types as constants.
    pub(crate) fn with_grant_type(mut self, grant_type: &'static str) -> Self {
        self.grant_type = Some(grant_type);
        self
    }

    /// The `grant_type` sent: RFC 8693's unless a provider's extension grant.
    pub(crate) fn grant_type(&self) -> &'static str {
        self.grant_type.unwrap_or(GRANT_TYPE)
    }

    /// The actor token (the party acting for the subject, RFC 8693 §1.1) and its
    /// type.
    pub fn with_actor(mut self, actor: TokenSource, actor_type: TokenTypeUri) -> Self {
        self.actor = Some((actor, actor_type));
        self
    }

    /// `requested_token_type`: the kind of token wanted back (default: the
    /// server's choice, usually an access token).
    pub fn with_requested_token_type(mut self, requested: TokenTypeUri) -> Self {
        self.requested = Some(requested);
        self
    }

    /// Adds an `audience` value (a logical name of the target service); call it
    /// once per audience. Empty values and control characters are refused.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Result<Self, Error> {
        let audience = audience.into();
        refuse_empty(
            InputField::Audience,
            audience.trim(),
            "the token exchange audience is empty; name the target service, or leave it out",
        )?;
        refuse_control(
            InputField::Audience,
            &audience,
            "the token exchange audience contains a control character",
        )?;
        self.audiences.push(audience);
        Ok(self)
    }

    /// Adds a `resource` value: the absolute URI of a service where the token will
    /// be used, with no fragment (RFC 8693 §2.1, RFC 8707); call it once per
    /// resource.
    pub fn with_resource(mut self, resource: impl Into<String>) -> Result<Self, Error> {
        let resource = resource.into();
        if !is_absolute_uri(&resource) || resource.contains('#') {
            return Err(Error::input(
                InputField::Resource,
                InputProblem::Malformed,
                format!(
                    "the resource {:?} is not an absolute URI without a fragment (RFC 8693 §2.1); give one like https://api.example.com/",
                    crate::redact::redact(&resource)
                ),
            ));
        }
        self.resources.push(resource);
        Ok(self)
    }

    /// The subject token's source.
    pub fn subject(&self) -> &TokenSource {
        &self.subject
    }

    /// The subject token's type.
    pub fn subject_type(&self) -> &TokenTypeUri {
        &self.subject_type
    }

    /// The actor token's source and type, if any.
    pub fn actor(&self) -> Option<(&TokenSource, &TokenTypeUri)> {
        self.actor.as_ref().map(|(s, t)| (s, t))
    }

    /// The requested token type, if any.
    pub fn requested_token_type(&self) -> Option<&TokenTypeUri> {
        self.requested.as_ref()
    }

    /// The `audience` values, in order.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The `resource` values, in order.
    pub fn resources(&self) -> &[String] {
        &self.resources
    }

    /// Refuses sources that cannot work, before anything is read or sent.
    pub(crate) fn check(&self) -> Result<(), Error> {
        self.subject.check()?;
        if let Some((actor, _)) = &self.actor {
            actor.check()?;
        }
        Ok(())
    }

    /// The grant's parameters after `grant_type`, reading the tokens as of `now`.
    pub(crate) fn push_params(
        &self,
        params: &mut SecretPairs,
        now: SystemTime,
    ) -> Result<(), Error> {
        let subject = self.subject.read(now)?;
        params.push(("subject_token", subject.into_exposed_secret()));
        params.push(("subject_token_type", self.subject_type.as_str().to_owned()));
        if let Some((actor, actor_type)) = &self.actor {
            let actor = actor.read(now)?;
            params.push(("actor_token", actor.into_exposed_secret()));
            params.push(("actor_token_type", actor_type.as_str().to_owned()));
        }
        if let Some(requested) = &self.requested {
            params.push(("requested_token_type", requested.as_str().to_owned()));
        }
        for audience in &self.audiences {
            params.push(("audience", audience.clone()));
        }
        for resource in &self.resources {
            params.push(("resource", resource.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_types_round_trip() {
        for (named, short, uri) in NAMED {
            assert_eq!(TokenTypeUri::parse(short).unwrap(), named);
            assert_eq!(TokenTypeUri::parse(uri).unwrap(), named);
            assert_eq!(named.as_str(), uri);
            assert_eq!(named.short_name(), Some(short));
        }
        for bad in ["", "jwt ", "JWT", ":x", "1a:b", "urn:", "a b:c", "urn:x\ny"] {
            let err = TokenTypeUri::parse(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput(e) if e.field() == InputField::TokenType),
                "{bad:?}: {err:?}"
            );
        }
        assert_eq!(
            TokenTypeUri::parse("https://example.com/t").unwrap(),
            TokenTypeUri::Other("https://example.com/t".into())
        );
    }

    #[test]
    fn resources_must_be_absolute_without_fragment() {
        let base = TokenExchange::new(
            TokenSource::new(crate::secrets::SecurityToken::new("t")),
            TokenTypeUri::Jwt,
        );
        for good in [
            "https://api.example.com",
            "urn+x://a/b?c=d",
            "urn:example:api",
        ] {
            assert!(base.clone().with_resource(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "api",
            "/relative",
            "https://a/#frag",
            "https://a b",
            "://x",
        ] {
            assert!(base.clone().with_resource(bad).is_err(), "{bad}");
        }
        assert!(base.clone().with_audience(" ").is_err());
        assert!(base.with_audience("a\nb").is_err());
    }
}
