//! `TokenRequest`: a grant, a client authentication and the token URL, turned into
//! an [`HttpRequest`] without any I/O.

use std::time::SystemTime;

use ring::rand::SecureRandom;

use crate::client_auth::ClientAuth;
use crate::error::Error;
use crate::grant::Grant;
use crate::http::HttpRequest;

/// A request to a token endpoint (RFC 6749 §3.2).
#[derive(Debug, Clone)]
pub struct TokenRequest {
    token_url: String,
    grant: Grant,
    auth: ClientAuth,
    scope: Option<String>,
    params: Vec<(String, String)>,
}

impl TokenRequest {
    /// A request to `token_url`, which must be `https://` (or `http://` on a loopback
    /// host).
    pub fn new(
        token_url: impl Into<String>,
        grant: Grant,
        auth: ClientAuth,
    ) -> Result<Self, Error> {
        Ok(TokenRequest {
            token_url: token_url.into(),
            grant,
            auth,
            scope: None,
            params: Vec::new(),
        })
    }

    /// The token endpoint URL.
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// Encodes the request as of `now`, signing any assertion it carries.
    pub fn to_http_request(
        &self,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<HttpRequest, Error> {
        let _ = (now, rng, &self.grant, &self.auth, &self.scope, &self.params);
        todo!()
    }
}
