//! Handing a token back to its authorization server: token introspection (RFC
//! 7662) and token revocation (RFC 7009).
//!
//! Both are a form POST of the token (and an optional [`TokenTypeHint`]) to an
//! endpoint of the authorization server, with the caller's [`ClientAuth`], any of
//! them: Basic or post secrets, `private_key_jwt`, `client_secret_jwt`, a
//! platform's client assertion, or mutual TLS (RFC 8705 §2, with an agent from
//! [`tls::AgentTls`](crate::tls)). As with a [`TokenRequest`](crate::TokenRequest),
//! the request is built with no I/O ([`IntrospectionRequest::to_http_request`]),
//! the answer is read with no I/O ([`Introspection::parse`],
//! [`parse_revocation`]), and with the `ureq` feature `send` joins the two through
//! the crate's one send (no redirects, a timeout, a body limit).
//!
//! A client assertion is signed with this endpoint's URL as its audience unless
//! [`ClientAuth::with_assertion_audience`] names another (many servers want their
//! issuer or token endpoint there).
//!
//! ```
//! # #[cfg(all(feature = "testkit", feature = "ureq"))] {
//! use s2s_oauth::testkit::{Client, Config, Profile, Server};
//! use s2s_oauth::{ClientAuth, Grant, TokenRequest};
//! use s2s_oauth::introspection::{IntrospectionRequest, RevocationRequest, TokenTypeHint};
//!
//! let server = Server::start(Config::new(Profile::Generic).with_client(Client::new("app").with_secret("s3cr3t")))?;
//! let agent = s2s_oauth::agent();
//! let token = TokenRequest::new(server.token_url(), Grant::client_credentials(), ClientAuth::basic("app", "s3cr3t"))?
//!     .send(&agent)?;
//! let access_token = token.access_token().expose_secret();
//!
//! let introspect = IntrospectionRequest::new(server.introspection_url(), access_token, ClientAuth::basic("app", "s3cr3t"))?
//!     .with_token_type_hint(TokenTypeHint::AccessToken)?;
//! assert!(introspect.send(&agent)?.is_active());
//!
//! RevocationRequest::new(server.revocation_url(), access_token, ClientAuth::basic("app", "s3cr3t"))?.send(&agent)?;
//! assert!(!introspect.send(&agent)?.is_active());
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod request;
mod response;

use std::time::SystemTime;

use ring::rand::SecureRandom;

use crate::client_auth::ClientAuth;
use crate::error::Error;
use crate::http::HttpRequest;
use crate::secrets::SecurityToken;

use request::TokenPost;

pub use request::TokenTypeHint;
pub use response::{Introspection, parse_revocation};
pub(crate) use response::{json_object, malformed};

/// A token introspection request (RFC 7662 §2.1): is this token active, and what
/// is it for?
///
/// ```
/// use std::time::SystemTime;
/// use ring::rand::SystemRandom;
/// use s2s_oauth::ClientAuth;
/// use s2s_oauth::introspection::{IntrospectionRequest, TokenTypeHint};
///
/// let request = IntrospectionRequest::new("https://as.example.com/introspect", "mF_9.B5f-4.1JqM", ClientAuth::basic("rs", "s3cr3t"))?
///     .with_token_type_hint(TokenTypeHint::AccessToken)?;
/// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
/// assert_eq!(http.method(), "POST");
/// assert_eq!(http.body(), b"token=mF_9.B5f-4.1JqM&token_type_hint=access_token");
/// assert_eq!(http.header("authorization"), Some("Basic cnM6czNjcjN0"));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct IntrospectionRequest(TokenPost);

/// A token revocation request (RFC 7009 §2.1): the token, and with a refresh token
/// the access tokens of its grant where the server does so, are no longer good.
///
/// ```
/// use std::time::SystemTime;
/// use ring::rand::SystemRandom;
/// use s2s_oauth::ClientAuth;
/// use s2s_oauth::introspection::{RevocationRequest, TokenTypeHint};
///
/// let request = RevocationRequest::new("https://as.example.com/revoke", "45ghiukldjahdnhzdauz", ClientAuth::post("app", "s3cr3t"))?
///     .with_token_type_hint(TokenTypeHint::RefreshToken)?;
/// let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
/// assert_eq!(http.body(), b"token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token&client_id=app&client_secret=s3cr3t");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RevocationRequest(TokenPost);

/// The methods both requests share, written once.
macro_rules! token_post_methods {
    ($name:ident, $endpoint:literal) => {
        impl $name {
            #[doc = concat!("A request to the ", $endpoint, " endpoint at `url`, which must be `https://` (or")]
            /// `http://` on a loopback host) with no userinfo and no fragment
            /// ([`Error::InvalidUrl`]), for `token` with `auth`. An empty token, or one
            /// with a control character (a file's trailing newline), is
            /// [`Error::InvalidInput`], as is a client authentication that cannot
            /// work (an empty client id).
            pub fn new(
                url: impl Into<String>,
                token: impl Into<SecurityToken>,
                auth: ClientAuth,
            ) -> Result<Self, Error> {
                TokenPost::new(url, token.into(), auth).map(Self)
            }

            /// Sends `token_type_hint` (RFC 7009 §2.1). An empty hint or one with a
            /// control character is [`Error::InvalidInput`].
            pub fn with_token_type_hint(self, hint: TokenTypeHint) -> Result<Self, Error> {
                self.0.with_hint(hint).map(Self)
            }

            /// The endpoint URL.
            pub fn url(&self) -> &str {
                self.0.url()
            }

            /// The `token_type_hint`, if one is sent.
            pub fn token_type_hint(&self) -> Option<&TokenTypeHint> {
                self.0.hint()
            }

            /// The client authentication.
            pub fn auth(&self) -> &ClientAuth {
                self.0.auth()
            }

            /// The request as of `now` (a client assertion signed then, its `jti`
            /// from `rng`): `POST`, `Content-Type: application/x-www-form-urlencoded`,
            /// `Accept: application/json`, the client authentication's headers; the
            /// body `token`, `token_type_hint`, then the client authentication's
            /// parameters.
            pub fn to_http_request(
                &self,
                now: SystemTime,
                rng: &dyn SecureRandom,
            ) -> Result<HttpRequest, Error> {
                self.0.to_http_request(now, rng)
            }
        }
    };
}

token_post_methods!(IntrospectionRequest, "introspection");
token_post_methods!(RevocationRequest, "revocation");

#[cfg(feature = "ureq")]
impl IntrospectionRequest {
    /// Builds and sends the request with `agent` (the system clock and random
    /// source, [`SendOptions::default`](crate::SendOptions)), and reads the answer
    /// ([`Introspection::parse`]). An inactive token is `Ok`; check
    /// [`Introspection::is_active`]. Should the server echo the token in an
    /// error (its description, an error page), the error shows `[redacted]`
    /// in its place.
    pub fn send(&self, agent: &ureq::Agent) -> Result<Introspection, Error> {
        self.send_with(agent, &crate::SendOptions::default())
    }

    /// [`send`](Self::send) with explicit limits.
    pub fn send_with(
        &self,
        agent: &ureq::Agent,
        options: &crate::SendOptions,
    ) -> Result<Introspection, Error> {
        let request = self.0.to_http_request_now()?;
        crate::transport::send_http(agent, &request, options)
            .and_then(|response| Introspection::parse(&response))
            .map_err(|error| self.0.without_token(error))
    }
}

#[cfg(feature = "ureq")]
impl RevocationRequest {
    /// Builds and sends the request with `agent`, and reads the answer
    /// ([`parse_revocation`]): `Ok` when the server answered 200, which it does
    /// also for a token it did not know (RFC 7009 §2.2). Should the server
    /// echo the token in an error, the error shows `[redacted]` in its place.
    pub fn send(&self, agent: &ureq::Agent) -> Result<(), Error> {
        self.send_with(agent, &crate::SendOptions::default())
    }

    /// [`send`](Self::send) with explicit limits.
    pub fn send_with(
        &self,
        agent: &ureq::Agent,
        options: &crate::SendOptions,
    ) -> Result<(), Error> {
        let request = self.0.to_http_request_now()?;
        crate::transport::send_http(agent, &request, options)
            .and_then(|response| parse_revocation(&response))
            .map_err(|error| self.0.without_token(error))
    }
}
