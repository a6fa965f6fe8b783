//! The two requests that hand a token back to its server: introspection (RFC 7662
//! §2.1) and revocation (RFC 7009 §2.1). Both are a form POST of `token` and an
//! optional `token_type_hint` with the caller's client authentication; one
//! builder ([`TokenPost`]) makes both, with no I/O.

use std::fmt;
use std::time::SystemTime;

use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use crate::client_auth::ClientAuth;
#[cfg(feature = "ureq")]
use crate::error::UnexpectedResponse;
use crate::error::{Error, InputField, refuse_control, refuse_empty};
use crate::form;
use crate::http::HttpRequest;
use crate::redact::redacted_debug;
use crate::request::FORM_HEADERS;
#[cfg(feature = "ureq")]
use crate::secrets::RawBody;
use crate::secrets::SecurityToken;
use crate::url::EndpointUrl;

/// The `token_type_hint` of an introspection or revocation request (RFC 7662
/// §2.1, RFC 7009 §2.1, the registry of RFC 7009 §4.1.2): which kind of token
/// `token` is, so the server looks it up there first. A hint is only a hint: a
/// server that finds nothing there looks further (RFC 7009 §2.1).
///
/// ```
/// use s2s_oauth::introspection::TokenTypeHint;
/// assert_eq!(TokenTypeHint::from("refresh_token"), TokenTypeHint::RefreshToken);
/// assert_eq!(TokenTypeHint::AccessToken.as_str(), "access_token");
/// assert_eq!(TokenTypeHint::from("pct").as_str(), "pct");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenTypeHint {
    /// `access_token`.
    AccessToken,
    /// `refresh_token`.
    RefreshToken,
    /// Any other registered or private type, as sent.
    Other(String),
}

impl TokenTypeHint {
    /// The hint as it is sent.
    pub fn as_str(&self) -> &str {
        match self {
            TokenTypeHint::AccessToken => "access_token",
            TokenTypeHint::RefreshToken => "refresh_token",
            TokenTypeHint::Other(other) => other,
        }
    }
}

impl From<&str> for TokenTypeHint {
    fn from(value: &str) -> Self {
        match value {
            "access_token" => TokenTypeHint::AccessToken,
            "refresh_token" => TokenTypeHint::RefreshToken,
            other => TokenTypeHint::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for TokenTypeHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A form POST of a token to an endpoint that takes one back: the endpoint URL,
/// the token, its hint and the client authentication.
#[derive(Clone)]
pub(crate) struct TokenPost {
    url: EndpointUrl,
    token: SecurityToken,
    hint: Option<TokenTypeHint>,
    auth: ClientAuth,
}

// The token redacted, the URL without its query.
redacted_debug!(TokenPost: url, token, hint, auth);

impl TokenPost {
    /// Checks the URL (the endpoint rules of token URLs: https, or http on a
    /// loopback host), the token (neither empty nor carrying control characters:
    /// a stray newline from a file) and the client authentication.
    pub(crate) fn new(
        url: impl Into<String>,
        token: SecurityToken,
        auth: ClientAuth,
    ) -> Result<Self, Error> {
        let url = EndpointUrl::parse(url)?;
        refuse_empty(
            InputField::Token,
            token.expose_secret().trim(),
            "the token is empty; give the access or refresh token to send",
        )?;
        refuse_control(
            InputField::Token,
            token.expose_secret(),
            "the token contains a control character (a trailing newline from a file?); give the token alone",
        )?;
        auth.check()?;
        Ok(TokenPost {
            url,
            token,
            hint: None,
            auth,
        })
    }

    /// Sets `token_type_hint`; an empty hint or one with control characters is
    /// refused.
    pub(crate) fn with_hint(mut self, hint: TokenTypeHint) -> Result<Self, Error> {
        refuse_empty(
            InputField::Token,
            hint.as_str().trim(),
            "the token_type_hint is empty; leave it unset to send none",
        )?;
        refuse_control(
            InputField::Token,
            hint.as_str(),
            "the token_type_hint contains a control character",
        )?;
        self.hint = Some(hint);
        Ok(self)
    }

    pub(crate) fn url(&self) -> &str {
        self.url.as_str()
    }

    pub(crate) fn hint(&self) -> Option<&TokenTypeHint> {
        self.hint.as_ref()
    }

    pub(crate) fn auth(&self) -> &ClientAuth {
        &self.auth
    }

    /// The request as of `now`: `Content-Type` and `Accept` as a token request's,
    /// the client authentication's headers, and the body `token`,
    /// `token_type_hint`, then the client authentication's parameters. A client
    /// assertion is signed for this endpoint's URL unless its audience was set
    /// ([`ClientAuth::with_assertion_audience`]).
    pub(crate) fn to_http_request(
        &self,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<HttpRequest, Error> {
        let mut auth = self.auth.parts(self.url.as_str(), now, rng)?;
        let pairs = [("token", self.token.expose_secret())]
            .into_iter()
            .chain(self.hint.as_ref().map(|h| ("token_type_hint", h.as_str())))
            .chain(auth.params.iter().map(|(n, v)| (*n, v.as_str())));
        let mut body = Zeroizing::new(form::encode_pairs(pairs).into_bytes());
        let mut headers = Vec::with_capacity(FORM_HEADERS.len() + auth.headers.len());
        headers.extend(FORM_HEADERS.map(|(name, value)| (name, value.to_owned())));
        headers.extend(auth.headers.drain(..));
        Ok(HttpRequest {
            method: "POST",
            url: self.url.as_str().to_owned(),
            headers,
            body: std::mem::take(&mut *body),
        })
    }

    /// `error` with every copy of the token in what its messages show (an OAuth
    /// error's description and URI, an error page's body) replaced by
    /// `[redacted]`: a server that echoes the token it was handed must not get
    /// it printed into a log.
    #[cfg(feature = "ureq")]
    pub(crate) fn without_token(&self, error: Error) -> Error {
        let token = self.token.expose_secret();
        let scrub = |text: &mut String| {
            if text.contains(token) {
                *text = text.replace(token, REDACTED);
            }
        };
        let scrub_body = |mut response: Box<UnexpectedResponse>| {
            // Only an error page is ever shown (its start); a 2xx body is kept
            // whole for the caller, as sent.
            let shown = !(200..300).contains(&response.status);
            let body = response.body.expose_secret();
            if let Some(replaced) =
                replace_bytes(body, token.as_bytes(), REDACTED.as_bytes()).filter(|_| shown)
            {
                response.body = RawBody::new(replaced);
            }
            if let Some(reason) = response.reason.as_mut() {
                scrub(reason);
            }
            response
        };
        match error {
            Error::OAuth(mut oauth) => {
                if let Some(description) = oauth.description.as_mut() {
                    scrub(description);
                }
                if let Some(uri) = oauth.uri.as_mut() {
                    scrub(uri);
                }
                if let Some(challenge) = oauth.www_authenticate.as_mut() {
                    scrub(challenge);
                }
                for value in oauth.extra.values_mut() {
                    if let serde_json::Value::String(text) = value {
                        scrub(text);
                    }
                }
                Error::OAuth(oauth)
            }
            Error::NotJson(r) => Error::NotJson(scrub_body(r)),
            Error::MalformedResponse(r) => Error::MalformedResponse(scrub_body(r)),
            Error::UnexpectedStatus(r) => Error::UnexpectedStatus(scrub_body(r)),
            other => other,
        }
    }

    /// [`to_http_request`](Self::to_http_request) with the system clock and
    /// random source (for the send).
    #[cfg(feature = "ureq")]
    pub(crate) fn to_http_request_now(&self) -> Result<HttpRequest, Error> {
        self.to_http_request(SystemTime::now(), &ring::rand::SystemRandom::new())
    }
}

/// What a token echoed by the server is shown as.
#[cfg(feature = "ureq")]
const REDACTED: &str = "[redacted]";

/// `haystack` with every `needle` replaced by `with`, or `None` when there is
/// none (an empty needle never matches).
#[cfg(feature = "ureq")]
fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    if needle.is_empty() || !haystack.windows(needle.len()).any(|w| w == needle) {
        return None;
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while !rest.is_empty() {
        if rest.starts_with(needle) {
            out.extend_from_slice(with);
            rest = &rest[needle.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    Some(out)
}

#[cfg(all(test, feature = "ureq"))]
mod tests {
    use super::replace_bytes;

    #[test]
    fn replace_bytes_replaces_every_copy_and_only_those() {
        assert_eq!(
            replace_bytes(b"abcab", b"ab", b"X").as_deref(),
            Some(&b"XcX"[..])
        );
        assert_eq!(
            replace_bytes(b"aaa", b"aa", b"X").as_deref(),
            Some(&b"Xa"[..])
        );
        assert_eq!(replace_bytes(b"abc", b"x", b"X"), None);
        assert_eq!(replace_bytes(b"abc", b"", b"X"), None);
        assert_eq!(replace_bytes(b"", b"a", b"X"), None);
    }
}
