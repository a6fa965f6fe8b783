//! # s2s-oauth
//!
//! Blocking, runtime-free OAuth 2.0 token flows for servers with no user present:
//! JWT Bearer (RFC 7523), SAML 2.0 Bearer (RFC 7522), Client Credentials and
//! Refresh Token (RFC 6749), with every standard client-authentication method.
//!
//! (Crate documentation is being written.)

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod algorithm;
mod client_auth;
mod der;
mod error;
mod form;
mod grant;
mod http;
mod jwt;
mod key;
mod pem;
mod request;
mod resource;
mod response;
mod secret;
mod url;

#[cfg(feature = "testkit")]
pub mod testkit;

pub use algorithm::Algorithm;
pub use client_auth::ClientAuth;
pub use error::{
    Error, ErrorCode, JwtError, KeyError, OAuthError, TransportError, TransportErrorKind,
    UnexpectedResponse,
};
pub use grant::Grant;
pub use http::{HttpRequest, HttpResponse};
pub use jwt::{
    Audience, Claims, DEFAULT_LIFETIME, ReplayCache, UnverifiedJwt, Validation, VerifiedJwt, verify,
};
pub use key::{Certificate, KeyType, SigningKey, VerifyingKey};
pub use request::TokenRequest;
pub use resource::{is_token_rejected, is_token_rejected_response};
pub use response::{TokenResponse, TokenType};
pub use secret::{AccessToken, Assertion, ClientSecret, IdToken, RawBody, RefreshToken};
