//! # s2s-oauth
//!
//! Blocking, runtime-free OAuth 2.0 for servers that need an access token with no
//! user present: cron jobs, batch programs, command-line tools, integrations.
//!
//! | flow | spec | grant |
//! |---|---|---|
//! | JWT Bearer | RFC 7523 §2.1 | [`Grant::jwt_bearer`] |
//! | SAML 2.0 Bearer | RFC 7522 §2.1 | [`Grant::saml2_bearer_signed`] (built and signed by [`saml`]) or [`Grant::saml2_bearer`] |
//! | Client Credentials | RFC 6749 §4.4 | [`Grant::client_credentials`] |
//! | Refresh Token | RFC 6749 §6 | [`Grant::refresh_token`] |
//! | Token Exchange | RFC 8693 §2.1 | [`Grant::token_exchange`] (the subject token from an [`exchange::TokenSource`]) |
//!
//! Any grant combines with any client authentication ([`ClientAuth`]): none,
//! `client_secret_basic`, `client_secret_post`, `private_key_jwt`, `client_secret_jwt`,
//! or a platform-issued JWT as the client assertion ([`ClientAuth::client_assertion`]).
//!
//! ## The shape of a call
//!
//! A [`TokenRequest`] is a token URL, a [`Grant`] and a [`ClientAuth`]. It turns into
//! an [`HttpRequest`] with no I/O ([`TokenRequest::to_http_request`]); the answer, as
//! an [`HttpResponse`], turns into a [`TokenResponse`] or an [`Error`] with no I/O
//! ([`TokenResponse::parse`]). With the default `ureq` feature,
//! [`TokenRequest::send`] joins the two halves with the caller's `ureq::Agent`.
//! Nothing is global: no statics, no background threads, no hidden cache.
//!
//! ## Where things are
//!
//! The crate root holds the client path: [`TokenRequest`], [`Grant`],
//! [`ClientAuth`]; the keys ([`SigningKey`], [`VerifyingKey`], [`Certificate`],
//! [`KeyType`], [`Algorithm`]); the answer ([`TokenResponse`], [`TokenType`],
//! [`Token`], [`TokenCache`]); the sans-IO halves ([`HttpRequest`],
//! [`HttpResponse`]); [`Error`]; and, with the `ureq` feature, [`SendOptions`],
//! [`agent`] and [`ureq`] itself. Everything else lives in a module named for its
//! area:
//!
//! | module | holds |
//! |---|---|
//! | [`error`] | the parts of an [`Error`]: the server's [`OAuthError`](error::OAuthError) and [`ErrorCode`](error::ErrorCode), [`TransportError`](error::TransportError), [`UnexpectedResponse`](error::UnexpectedResponse), [`KeyError`](error::KeyError) |
//! | [`secret`] | the redacting newtypes: [`ClientSecret`](secret::ClientSecret), [`AccessToken`](secret::AccessToken), [`RefreshToken`](secret::RefreshToken), [`IdToken`](secret::IdToken), [`SignedAssertion`](secret::SignedAssertion), [`RawBody`](secret::RawBody), [`ExposedToken`](secret::ExposedToken) |
//! | [`jwt`] | JWT assertions: [`Claims`](jwt::Claims) for [`Grant::jwt_bearer`], and the RFC 7523 §3 verifier ([`jwt::verify`], [`jwt::Validation`]); a token's binding ([`jwt::Confirmation`], `cnf`); DPoP proofs (RFC 9449) in [`jwt::dpop`]: [`DpopKey`](jwt::dpop::DpopKey) for [`TokenRequest::with_dpop`] and API calls, [`verify_proof`](jwt::dpop::verify_proof) for servers |
//! | [`saml`] | SAML 2.0 assertions: builder, signer, c14n, verifier (feature `saml`) |
//! | [`exchange`] | token exchange (RFC 8693): [`TokenExchange`](exchange::TokenExchange), [`TokenTypeUri`](exchange::TokenTypeUri), and the token sources of workload identity federation ([`TokenSource`](exchange::TokenSource): a file re-read on every request, a variable, an [`Executable`](exchange::Executable), a closure) |
//! | [`providers`] | Salesforce, Google, Entra, Okta and Keycloak presets; the GitHub Actions OIDC token source |
//! | [`discovery`] | RFC 8414 / OpenID Connect metadata |
//! | [`introspection`] | handing a token back to its server: introspection (RFC 7662, [`IntrospectionRequest`](introspection::IntrospectionRequest), [`Introspection`](introspection::Introspection)) and revocation (RFC 7009, [`RevocationRequest`](introspection::RevocationRequest)) |
//! | [`tls`] | mutual TLS and trust (RFC 8705): `AgentTls` (a private CA, a client certificate; feature `ureq`) and [`tls::check_certificate_binding`] for certificate-bound tokens |
//! | `testkit` | a local authorization server (feature `testkit`) |
//!
//! ## Salesforce: JWT Bearer
//!
//! ```no_run
//! use s2s_oauth::SigningKey;
//! use s2s_oauth::providers::salesforce::{self, LoginHost, TokenInfo};
//!
//! let key = SigningKey::from_pem_file("server.key")?; // RS256
//! let host = LoginHost::my_domain("https://acme.my.salesforce.com")?; // or LoginHost::production()
//! let token = salesforce::jwt_bearer(&host, "3MVG9...consumer key", "integration.user@example.com", key)?
//!     .send(&s2s_oauth::agent())?;
//!
//! let info = TokenInfo::from_response(&token)?;
//! println!("{}", info.instance_url());
//! let header = format!("Bearer {}", token.access_token().expose_secret());
//! # let _ = header;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`salesforce::jwt_bearer`](providers::salesforce::jwt_bearer) posts to the My Domain's token URL with the
//! assertion's audience at the login host (`https://login.salesforce.com`, or
//! `https://test.salesforce.com` for a sandbox), as Salesforce requires. The
//! assertion is signed when the request is built, so the same `TokenRequest` sent
//! again gets a fresh `exp` and `jti`.
//!
//! ## Salesforce: SAML 2.0 Bearer
//!
//! [`saml`] builds the assertion and signs it (enveloped XML-DSig over Exclusive XML
//! Canonicalization, in pure Rust); xmlsec1, OpenSAML and signxml accept what it
//! signs. [`saml::verify`] is the server side (RFC 7522 §3), and
//! [`saml::canonicalize`] is there for any document.
//!
//! ```no_run
//! use s2s_oauth::{Certificate, SigningKey};
//! use s2s_oauth::providers::salesforce::{self, LoginHost};
//! use s2s_oauth::saml::Signer;
//!
//! let signer = Signer::new(
//!     SigningKey::from_pem_file("server.key")?,  // RSA-SHA256
//!     Certificate::from_pem_file("server.crt")?, // the app's certificate
//! )?;
//! let token = salesforce::saml_bearer(&LoginHost::production(), "3MVG9...consumer key", "integration.user@example.com", signer)?
//!     .send(&s2s_oauth::agent())?;
//! # let _ = token;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Elsewhere, [`saml::Assertion`] with [`Grant::saml2_bearer_signed`] sets the
//! Issuer, NameID, Audience and Recipient by hand.
//!
//! ## Client Credentials with `private_key_jwt`
//!
//! ```no_run
//! use s2s_oauth::{ClientAuth, Grant, SigningKey, TokenRequest};
//!
//! let key = SigningKey::from_pem_file("client.key")?.with_kid("2024-01");
//! let token = TokenRequest::new(
//!     "https://idp.example.com/oauth2/token",
//!     Grant::client_credentials(),
//!     ClientAuth::private_key_jwt("my-client", key)?,
//! )?
//! .with_scope("orders.read")?
//! .send(&s2s_oauth::agent())?;
//! # let _ = token;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Without an HTTP library (sans-IO)
//!
//! ```
//! use std::time::SystemTime;
//! use ring::rand::SystemRandom;
//! use s2s_oauth::{ClientAuth, Grant, HttpResponse, TokenRequest, TokenResponse};
//!
//! let request = TokenRequest::new(
//!     "https://idp.example.com/oauth2/token",
//!     Grant::client_credentials(),
//!     ClientAuth::post("my-client", "my-secret"),
//! )?;
//! let http = request.to_http_request(SystemTime::now(), &SystemRandom::new())?;
//! assert_eq!(http.method(), "POST");
//! assert_eq!(http.body(), b"grant_type=client_credentials&client_id=my-client&client_secret=my-secret");
//!
//! // ... send it with any HTTP client, then:
//! let answer = HttpResponse::new(200, vec![], br#"{"access_token":"abc","token_type":"Bearer","expires_in":3600}"#.to_vec());
//! let token = TokenResponse::parse(&answer, SystemTime::now())?;
//! assert_eq!(token.access_token().expose_secret(), "abc");
//! # Ok::<(), s2s_oauth::Error>(())
//! ```
//!
//! ## Provider presets
//!
//! [`providers`] holds thin functions over the API above that return ordinary
//! [`TokenRequest`]s, with each provider's quirks handled:
//! [`salesforce`](providers::salesforce) (login hosts and audiences, JWT Bearer,
//! SAML Bearer, Client Credentials on My Domain only, Refresh Token, the response
//! `signature` check, [`TokenInfo`](providers::salesforce::TokenInfo), error hints,
//! the REST API classifier), [`google`](providers::google) (service account key
//! files), [`entra`](providers::entra) (certificate credentials),
//! [`okta`](providers::okta) and [`keycloak`](providers::keycloak)
//! (`private_key_jwt`). [`discovery`] reads any other server's token URL from its
//! RFC 8414 / OpenID Connect metadata, with the issuer checked.
//!
//! ```
//! use s2s_oauth::SigningKey;
//! use s2s_oauth::providers::salesforce::{self, LoginHost};
//!
//! let key = SigningKey::from_pem(include_str!("../tests/data/keys/rsa2048.pkcs8.pem"))?;
//! let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
//! let request = salesforce::jwt_bearer(&host, "3MVG9...", "integration@acme.com", key)?;
//! assert_eq!(request.token_url(), "https://acme.my.salesforce.com/services/oauth2/token");
//! // request.send(&s2s_oauth::agent())?
//! # Ok::<(), s2s_oauth::Error>(())
//! ```
//!
//! ## Keeping a token between runs
//!
//! A [`Token`] is a token response with an absolute expiry, serializable only
//! through [`Token::to_json_exposing_secrets`] or [`Token::exposing_secrets`] (its
//! `Debug` redacts); `Token::from(response)` makes one from what `send()` returns.
//! A [`TokenCache`] is a plain value (no threads, no statics):
//! [`get_or_send`](TokenCache::get_or_send) takes the request and the agent and
//! sends only when the cached token is missing, about to expire or
//! [`invalidate`](TokenCache::invalidate)d after a 401;
//! [`get_or_refresh`](TokenCache::get_or_refresh) is the same with `now` and a
//! fetch function of the caller's. The `cron_token_file` example keeps its token
//! in a `0600` file.
//!
//! ## Errors, retries and expiry
//!
//! [`Error`] is one enum. [`Error::is_local`]: the caller's input was refused and
//! nothing was sent. [`Error::OAuth`]: the server's RFC 6749 §5.2 error, typed
//! ([`error::OAuthError`]). [`Error::is_retryable`]: connection failures, timeouts, a
//! temporary DNS failure, 5xx, 429 and 408 (not a TLS certificate the client
//! refuses, nor a host name that does not exist); [`Error::retry_after`] gives the server's `Retry-After`, capped at
//! one hour ([`Error::retry_after_raw`]: as sent). [`Error::is_wrong_endpoint`]:
//! the endpoint answered but not as a token endpoint, or cannot be trusted (a
//! redirect, a 4xx with no OAuth body, a success that is no token response, a body
//! over the limit, a TLS failure): fix the configuration, retrying won't help.
//! Retrying is the caller's choice; the crate never retries on its own.
//!
//! A [`TokenResponse`] knows its absolute expiry when the server said one
//! ([`TokenResponse::expires_at`], [`TokenResponse::is_expired`]). Salesforce says
//! none: [`HttpResponse::is_token_rejected`] recognizes the resource server's "this
//! token is no longer good" answer (401 `INVALID_SESSION_ID`, RFC 6750
//! `invalid_token`, or a bare 401 that names no other reason) so the caller can get
//! a new token and retry once. Call the API with [`agent`] (a 401 comes back as a
//! response, not as an error without its body) and read the answer with
//! [`HttpResponse::from_ureq`]: `HttpResponse::from_ureq(response)?.is_token_rejected()`.
//!
//! ## Safe defaults
//!
//! - Token URLs must be `https://`; `http://` is accepted only for a loopback host
//!   (tests, a local proxy), and goes direct, never through the agent's proxy (which
//!   would see the credentials in clear text).
//! - Redirects are never followed: a POST carrying credentials must not be replayed to
//!   a place the caller did not name. A 3xx is [`Error::Redirect`] with its `Location`.
//! - Response bodies are bounded (1 MiB by default, after decompression) and no
//!   request outlives its timeout (30 s by default), whatever `Agent` is passed. The
//!   timeout is carved into per-phase budgets (connect, send, response head, body...)
//!   that add up to it, so each phase can also fail on its own share: see
//!   [`SendOptions::with_timeout`] and [`agent`].
//! - Secrets (the [`secret`] types: [`ClientSecret`](secret::ClientSecret),
//!   [`AccessToken`](secret::AccessToken), [`RefreshToken`](secret::RefreshToken),
//!   [`SignedAssertion`](secret::SignedAssertion), and private keys) print as `[redacted]`; their value is read through
//!   `expose_secret()`. Nothing is logged. They, the request's `Authorization`
//!   value and form body, and the bytes of a loaded private key are overwritten
//!   with zeros when dropped (`zeroize`); copies made by the HTTP library while
//!   sending, by the PEM decoder and by the JSON parser are out of the crate's
//!   reach (so is the TLS client key an `AgentTls` hands to ureq and rustls).
//! - An agent built by `tls::AgentTls` keeps these settings, and trusts the built-in
//!   web roots unless told otherwise; its CA files and client certificate are
//!   checked when given (a key that is not the certificate's is an error there, not
//!   at the first handshake).
//!
//! ## Command line
//!
//! With the `cli` feature the crate builds an `s2s-oauth` binary for shell scripts
//! and cron jobs (`cargo install s2s-oauth --features cli`): `jwt-bearer`,
//! `saml-bearer`, `client-credentials`, `refresh` and `token-exchange` print the token response as one
//! JSON object ([`TokenResponse::to_json_exposing_secrets`]) or the access token
//! alone; `sign-jwt` and `sign-saml` print a signed assertion; `introspect` and
//! `revoke` hand a token back to its server ([`introspection`]). Secrets come from
//! files or environment variables only. Exit codes: 0 success, 1 a negative answer
//! (`introspect`: the token is not active), 2 bad local input (nothing sent), 3
//! refused by the server, 4 transport or server fault. See `s2s-oauth --help`.
//!
//! ## Features
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `ureq` | yes | [`TokenRequest::send`], [`TokenCache::get_or_send`], [`agent`], [`HttpRequest::send`], [`HttpResponse::from_ureq`], and [`ureq`] itself re-exported (ureq 3, rustls on ring) |
//! | `gzip` | yes | gzip-compressed responses (ureq's `gzip`; the body limit applies to the decoded body); turns on `ureq` |
//! | `saml` | yes | [`saml`] (SAML 2.0 assertions: builder, exclusive c14n, XML-DSig sign and verify, on quick-xml), [`Grant::saml2_bearer_signed`], [`salesforce::saml_bearer`](providers::salesforce::saml_bearer), [`Error::Saml`] |
//! | `testkit` | no | [`testkit`]: a local authorization server for tests and demos (the SAML grant only with `saml`) |
//! | `cli` | no | the `s2s-oauth` command-line tool (turns on `ureq`, `gzip` and `saml`) |
//!
//! With `default-features = false` the crate has no HTTP stack. A client without
//! SAML keeps `ureq` alone (`default-features = false, features = ["ureq"]`, with
//! `"gzip"` to accept compressed responses): the XML code and quick-xml stay out. [`Grant::saml2_bearer`], which sends an
//! assertion signed elsewhere, needs no feature.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod client_auth;
pub mod discovery;
mod encoding;
pub mod error;
pub mod exchange;
mod form;
mod grant;
mod http;
pub mod introspection;
mod json;
pub mod jwt;
mod key;
pub mod providers;
mod redact;
mod replay;
mod request;
mod resource;
mod response;
#[cfg(feature = "saml")]
pub mod saml;
pub mod secret;
mod secrets;
pub mod server;
mod time;
pub mod tls;
mod token;
#[cfg(feature = "ureq")]
mod transport;
mod url;

#[cfg(test)]
mod testing;
#[cfg(feature = "testkit")]
pub mod testkit;

/// The README's code blocks, compiled and run by `cargo test --doc` so that the
/// front page cannot drift from the API.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub use cache::TokenCache;
pub use client_auth::ClientAuth;
pub use error::Error;
pub use grant::Grant;
pub use http::{HttpRequest, HttpResponse};
pub use key::algorithm::Algorithm;
pub use key::{Certificate, KeyType, SigningKey, VerifyingKey};
pub use request::TokenRequest;
pub use response::{TokenResponse, TokenType};
pub use token::Token;
/// The ureq 3 this crate sends with (feature `ureq`), so that a caller can name
/// its types without keeping a second `ureq` dependency in step:
/// `fn sync(agent: &s2s_oauth::ureq::Agent)`. Build agents with [`agent`] (safe
/// defaults for a token client, and a 401 from an API comes back as a response for
/// [`HttpResponse::from_ureq`]) or with ureq's own builder.
///
/// ```
/// use s2s_oauth::ureq::Agent;
///
/// fn job(agent: &Agent) -> Result<(), s2s_oauth::Error> {
///     # let _ = agent;
///     Ok(())
/// }
/// job(&s2s_oauth::agent())?;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[cfg(feature = "ureq")]
pub use ureq;

#[cfg(feature = "ureq")]
pub use transport::{SendOptions, agent};
