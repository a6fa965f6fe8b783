//! One triage for every JSON answer the crate reads: a token endpoint's
//! ([`TokenResponse::parse`](super::TokenResponse::parse)) and an authorization
//! server's metadata ([`AuthorizationServerMetadata::parse`](crate::discovery::AuthorizationServerMetadata::parse)),
//! an introspection or revocation endpoint's ([`crate::introspection`]).
//! A redirect is refused, the body is read as JSON (a byte order mark ignored), an
//! OAuth error object (RFC 6749 §5.2) is recognized, and every other answer becomes
//! an [`UnexpectedResponse`] carrying the status, the content type, `Retry-After`
//! and the raw body. Each caller decides which status it wants and keeps its own
//! errors.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, OAuthError, UnexpectedResponse};
use crate::http::HttpResponse;
use crate::secrets::RawBody;

/// An HTTP answer being classified.
pub(crate) struct Answer<'a> {
    response: &'a HttpResponse,
    retry_after: Option<Duration>,
}

/// What the body of an answer is.
pub(crate) enum Body {
    /// A JSON object.
    Object(Map<String, Value>),
    /// JSON, but not an object.
    OtherJson,
    /// Not JSON at all (an HTML error page, a proxy's text).
    NotJson,
}

impl<'a> Answer<'a> {
    /// `response`, with its `Retry-After` already read (the caller knows the clock).
    pub(crate) fn new(response: &'a HttpResponse, retry_after: Option<Duration>) -> Self {
        Answer {
            response,
            retry_after,
        }
    }

    /// The status code.
    pub(crate) fn status(&self) -> u16 {
        self.response.status()
    }

    /// A 3xx is [`Error::Redirect`], with the `Location` redacted: redirects are
    /// never followed (a POST with credentials must not be replayed elsewhere).
    pub(crate) fn refuse_redirect(&self) -> Result<(), Error> {
        let status = self.status();
        if (300..400).contains(&status) {
            return Err(Error::Redirect {
                status,
                location: self.response.header("location").map(crate::url::redact),
            });
        }
        Ok(())
    }

    /// The answer as an [`UnexpectedResponse`], with `reason` if there is one.
    pub(crate) fn unexpected(&self, reason: Option<String>) -> Box<UnexpectedResponse> {
        Box::new(UnexpectedResponse {
            status: self.status(),
            content_type: self.response.header("content-type").map(str::to_owned),
            retry_after: self.retry_after,
            reason,
            body: RawBody::new(self.response.body()),
        })
    }

    /// What the body is.
    pub(crate) fn body(&self) -> Body {
        match serde_json::from_slice::<Value>(without_bom(self.response.body())) {
            Ok(Value::Object(object)) => Body::Object(object),
            Ok(_) => Body::OtherJson,
            Err(_) => Body::NotJson,
        }
    }

    /// The body as a JSON object; JSON of another kind is
    /// [`Error::MalformedResponse`] with `not_object` as the reason, anything else
    /// [`Error::NotJson`] with `not_json`.
    pub(crate) fn object(
        &self,
        not_object: &str,
        not_json: Option<&str>,
    ) -> Result<Map<String, Value>, Error> {
        match self.body() {
            Body::Object(object) => Ok(object),
            Body::OtherJson => Err(Error::MalformedResponse(
                self.unexpected(Some(not_object.to_owned())),
            )),
            Body::NotJson => Err(Error::NotJson(self.unexpected(not_json.map(str::to_owned)))),
        }
    }

    /// [`Error::OAuth`] from an error object (RFC 6749 §5.2; see
    /// [`is_oauth_error`]), with the answer's status, `WWW-Authenticate` and
    /// `Retry-After`; fields other than `error`, `error_description` and
    /// `error_uri` (or of the wrong type) are kept as extra.
    pub(crate) fn oauth_error(&self, object: Map<String, Value>) -> Error {
        // One walk over the object (no lookups and removals in the map).
        let mut code = ErrorCode::Other(String::new());
        let (mut description, mut uri) = (None, None);
        let mut extra = Map::new();
        for (name, value) in object {
            match (name.as_str(), value) {
                ("error", Value::String(sent)) => code = ErrorCode::from(sent.as_str()),
                ("error", _) | ("error_description" | "error_uri", Value::Null) => {}
                ("error_description", Value::String(sent)) => description = Some(sent),
                ("error_uri", Value::String(sent)) => uri = Some(sent),
                (_, value) => {
                    extra.insert(name, value);
                }
            }
        }
        let mut error = OAuthError::new(code, self.status());
        error.description = description;
        error.uri = uri;
        error.www_authenticate = self.response.header("www-authenticate").map(str::to_owned);
        error.retry_after = self.retry_after;
        error.extra = extra;
        Error::OAuth(Box::new(error))
    }

    /// An answer that is not the endpoint's success, read as a token endpoint's
    /// error is (RFC 6749 §5.2): for 4xx and 5xx, an OAuth error object is
    /// [`Error::OAuth`], other JSON [`Error::UnexpectedStatus`], anything else
    /// [`Error::NotJson`]; a 1xx or 2xx is [`Error::UnexpectedStatus`] with
    /// `expected` (what the endpoint answers on success) as the reason.
    pub(crate) fn refusal(&self, expected: &str) -> Error {
        match self.status() {
            400.. => match self.body() {
                Body::Object(object) if is_oauth_error(&object) => self.oauth_error(object),
                Body::Object(_) | Body::OtherJson => Error::UnexpectedStatus(self.unexpected(
                    Some("the error body has no \"error\" string (RFC 6749 §5.2)".into()),
                )),
                Body::NotJson => Error::NotJson(self.unexpected(None)),
            },
            _ => Error::UnexpectedStatus(self.unexpected(Some(expected.to_owned()))),
        }
    }
}

/// `body` without a leading byte order mark: RFC 8259 §8.1 lets a parser ignore
/// one, and some servers send one.
pub(crate) fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// Whether a JSON object is an OAuth error response: it has a string `error`
/// (RFC 6749 §5.2).
pub(crate) fn is_oauth_error(object: &Map<String, Value>) -> bool {
    matches!(object.get("error"), Some(Value::String(_)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_oauth_error_keeps_its_other_fields_and_those_of_the_wrong_type() {
        let response = HttpResponse::new(
            400,
            vec![("WWW-Authenticate".into(), "Basic".into())],
            Vec::new(),
        );
        let answer = Answer::new(&response, Some(Duration::from_secs(7)));
        let object = match json!({
            "error": "invalid_grant", "error_description": 42, "error_uri": null,
            "x_trace": "abc", "nested": {"a": [1]}
        }) {
            Value::Object(object) => object,
            _ => unreachable!("an object"),
        };
        let Error::OAuth(error) = answer.oauth_error(object) else {
            panic!("not an OAuth error")
        };
        assert_eq!(error.code, ErrorCode::InvalidGrant);
        assert_eq!(
            (error.description.as_deref(), error.uri.as_deref()),
            (None, None)
        );
        let kept: Vec<&str> = error.extra.keys().map(String::as_str).collect();
        assert_eq!(kept, ["error_description", "nested", "x_trace"]);
        assert_eq!(error.www_authenticate.as_deref(), Some("Basic"));
        assert_eq!(error.retry_after, Some(Duration::from_secs(7)));
        assert_eq!(error.status, 400);

        let object = match json!({"error": "e", "error_description": "d", "error_uri": "u"}) {
            Value::Object(object) => object,
            _ => unreachable!("an object"),
        };
        let Error::OAuth(error) = answer.oauth_error(object) else {
            panic!("not an OAuth error")
        };
        assert_eq!(error.code.as_str(), "e");
        assert_eq!(
            (error.description.as_deref(), error.uri.as_deref()),
            (Some("d"), Some("u"))
        );
        assert!(error.extra.is_empty());
    }
}
