//! The successful token response (RFC 6749 §5.1).

use std::time::Duration;

use serde_json::{Map, Value};

use crate::HttpResponse;

/// The cache headers of every token endpoint answer (RFC 6749 §5.1).
pub(crate) fn no_store() -> [(String, String); 2] {
    [
        ("Cache-Control".to_owned(), "no-store".to_owned()),
        ("Pragma".to_owned(), "no-cache".to_owned()),
    ]
}

/// A successful token response (RFC 6749 §5.1): `access_token`, `token_type`,
/// and the optional `expires_in`, `refresh_token`, `scope` and extension fields.
/// `Debug` shows the field names, never a token.
///
/// ```
/// use std::time::Duration;
/// use s2s_oauth::server::Success;
/// let response = Success::bearer("at-123")
///     .with_expires_in(Duration::from_secs(3600))
///     .with_scope("api")
///     .to_http_response();
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.header("cache-control"), Some("no-store"));
/// let body: serde_json::Value = serde_json::from_slice(response.body())?;
/// assert_eq!(body["token_type"], "Bearer");
/// assert_eq!(body["expires_in"], 3600);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct Success {
    fields: Map<String, Value>,
}

impl Success {
    /// A response carrying `access_token` of `token_type` (`Bearer`, `DPoP`, `N_A`).
    pub fn new(access_token: impl Into<String>, token_type: impl Into<String>) -> Self {
        let mut fields = Map::new();
        fields.insert("access_token".into(), Value::String(access_token.into()));
        fields.insert("token_type".into(), Value::String(token_type.into()));
        Success { fields }
    }

    /// A `Bearer` token (RFC 6750).
    pub fn bearer(access_token: impl Into<String>) -> Self {
        Success::new(access_token, "Bearer")
    }

    /// `expires_in`, in whole seconds.
    pub fn with_expires_in(mut self, lifetime: Duration) -> Self {
        self.fields
            .insert("expires_in".into(), lifetime.as_secs().into());
        self
    }

    /// `refresh_token`.
    pub fn with_refresh_token(mut self, token: impl Into<String>) -> Self {
        self.fields
            .insert("refresh_token".into(), Value::String(token.into()));
        self
    }

    /// `scope` (RFC 6749 §5.1: required when it differs from the requested one).
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.fields
            .insert("scope".into(), Value::String(scope.into()));
        self
    }

    /// Any other field (`issued_token_type`, `instance_url`...). A name already
    /// set is replaced.
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// The answer: 200, a JSON body, `Cache-Control: no-store`, `Pragma:
    /// no-cache`.
    pub fn to_http_response(&self) -> HttpResponse {
        let mut headers = vec![(
            "Content-Type".to_owned(),
            "application/json;charset=UTF-8".to_owned(),
        )];
        headers.extend(no_store());
        HttpResponse::new(
            200,
            headers,
            Value::Object(self.fields.clone()).to_string().into_bytes(),
        )
    }
}

impl std::fmt::Debug for Success {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Success")
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}
