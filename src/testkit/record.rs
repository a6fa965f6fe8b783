//! What the server received, for wire-shape tests.

use std::fmt;

/// Form fields whose values are secrets, redacted by `Debug`.
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "client_assertion",
    "assertion",
    "refresh_token",
    "password",
    "code",
    "code_verifier",
    "subject_token",
    "actor_token",
];

/// Headers whose values are secrets, redacted by `Debug`.
const SECRET_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization"];

/// One request the server received: method, path, headers and the decoded
/// `application/x-www-form-urlencoded` body (RFC 6749 §3.2, Appendix B).
///
/// The values are as received, secrets included (read them in tests to check the
/// wire shape). `Debug` redacts the `Authorization` header and secret-bearing form
/// values (`client_secret`, `client_assertion`, `assertion`, `refresh_token`...).
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) form: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The method (`POST`, `GET`...).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target (path and query).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The headers, in order, as received.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// The form-decoded body fields, in order (empty if the body was not a form).
    pub fn form(&self) -> &[(String, String)] {
        &self.form
    }

    /// The first form field named `name`.
    pub fn form_value(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |secret: bool, value: &str| {
            if secret {
                "[redacted]".to_owned()
            } else {
                value.to_owned()
            }
        };
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let secret = SECRET_HEADERS.iter().any(|s| n.eq_ignore_ascii_case(s));
                (n.as_str(), redact(secret, v))
            })
            .collect();
        let form: Vec<(&str, String)> = self
            .form
            .iter()
            .map(|(n, v)| (n.as_str(), redact(SECRET_FIELDS.contains(&n.as_str()), v)))
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &headers)
            .field("form", &form)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_credentials() {
        let r = RecordedRequest {
            method: "POST".into(),
            path: "/services/oauth2/token".into(),
            headers: vec![
                ("Authorization".into(), "Basic c2VjcmV0".into()),
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
            ],
            form: vec![
                ("grant_type".into(), "refresh_token".into()),
                ("refresh_token".into(), "rt-value".into()),
                ("client_secret".into(), "cs-value".into()),
            ],
        };
        let s = format!("{r:?}");
        assert!(!s.contains("c2VjcmV0") && !s.contains("rt-value") && !s.contains("cs-value"));
        assert!(s.contains("refresh_token") && s.contains("application/x-www-form-urlencoded"));
        assert_eq!(r.form_value("client_secret"), Some("cs-value"));
        assert_eq!(r.header("authorization"), Some("Basic c2VjcmV0"));
    }
}
