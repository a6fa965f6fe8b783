//! `TokenResponse` (RFC 6749 §5.1) and the parsing of a token endpoint's answer,
//! success or error (§5.2), from an [`HttpResponse`] without any I/O.

use std::time::SystemTime;

use crate::error::Error;
use crate::http::HttpResponse;
use crate::secret::AccessToken;

/// A successful token response.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    access_token: AccessToken,
    received_at: SystemTime,
}

impl TokenResponse {
    /// Parses a token endpoint's answer received at `received_at`.
    pub fn parse(response: &HttpResponse, received_at: SystemTime) -> Result<Self, Error> {
        let _ = (response, received_at);
        todo!()
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        let _ = self.received_at;
        &self.access_token
    }
}
