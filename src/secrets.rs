//! Newtypes for secrets (bottom layer; shown to users as `s2s_oauth::secret`):
//! client secrets, tokens, assertions and raw response bodies.

use std::fmt;
use std::ops::{Deref, DerefMut};

use zeroize::Zeroize;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself. Handle with care: never log it.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }

            /// Unwraps the secret value. The `String` returned is the caller's to
            /// wipe (or to wrap again).
            pub fn into_exposed_secret(mut self) -> String {
                std::mem::take(&mut self.0)
            }

            /// Overwrites the value with zeros and empties it; what `Drop` does.
            pub(crate) fn wipe(&mut self) {
                self.0.zeroize();
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.wipe();
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(value: &String) -> Self {
                Self(value.clone())
            }
        }
    };
}

secret_string!(
    /// An OAuth client secret (RFC 6749 §2.3.1), or a Salesforce consumer secret.
    ///
    /// ```
    /// use s2s_oauth::secret::ClientSecret;
    /// let secret = ClientSecret::new("s3cr3t");
    /// assert_eq!(format!("{secret:?}"), "ClientSecret([redacted])");
    /// assert_eq!(secret.expose_secret(), "s3cr3t");
    ///
    /// // Anything that reads as a string: &str, String, &String.
    /// let from_env: String = "s3cr3t".into(); // std::env::var("CLIENT_SECRET")?
    /// let auth = s2s_oauth::ClientAuth::basic("my-client", &from_env);
    /// # let _ = auth;
    /// assert_eq!(ClientSecret::from(&from_env), secret);
    /// ```
    ClientSecret
);

secret_string!(
    /// An access token issued by the authorization server (RFC 6749 §1.4).
    AccessToken
);

secret_string!(
    /// A refresh token (RFC 6749 §1.5).
    RefreshToken
);

secret_string!(
    /// A signed assertion, such as a compact JWT (RFC 7523) or a SAML assertion
    /// (RFC 7522): whoever holds it can exchange it for a token until it expires.
    SignedAssertion
);

secret_string!(
    /// An OpenID Connect ID token returned next to an access token.
    IdToken
);

secret_string!(
    /// A security token handed on to a token endpoint (RFC 8693 §1.1): the subject
    /// or actor token of a token exchange, or a platform-issued JWT sent as a
    /// client assertion (a Kubernetes service-account token, a GitHub Actions OIDC
    /// token, a SPIFFE JWT-SVID). Whoever holds it can act as the workload until it
    /// expires.
    ///
    /// ```
    /// use s2s_oauth::secret::SecurityToken;
    /// let token = SecurityToken::new("eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    /// assert_eq!(format!("{token:?}"), "SecurityToken([redacted])");
    /// ```
    SecurityToken
);

/// The raw bytes of a response body the crate could not make sense of.
///
/// Kept inside errors so nothing the server sent is lost (a rotated refresh token
/// may be in it), but never printed: `Debug` shows only its length. Wiped when
/// dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawBody(Vec<u8>);

impl Drop for RawBody {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl RawBody {
    /// Wraps raw body bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The body bytes. They may hold tokens: never log them.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// The number of bytes in the body.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawBody([redacted; {} bytes])", self.0.len())
    }
}

/// Name/value pairs that may carry secrets (form parameters, header values): the
/// values are overwritten with zeros when dropped.
#[derive(Default)]
pub(crate) struct SecretPairs(pub(crate) Vec<(&'static str, String)>);

impl SecretPairs {
    /// Overwrites every value with zeros and empties the list; what `Drop` does.
    pub(crate) fn wipe(&mut self) {
        wipe_values(&mut self.0);
        self.0.clear();
    }
}

impl Drop for SecretPairs {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl Deref for SecretPairs {
    type Target = Vec<(&'static str, String)>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for SecretPairs {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// A JSON object from a token response: it may hold tokens, so every string in it
/// (at any depth) is overwritten with zeros when dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct SecretJson(pub(crate) serde_json::Map<String, serde_json::Value>);

impl SecretJson {
    /// Overwrites every string value with zeros; what `Drop` does.
    pub(crate) fn wipe(&mut self) {
        self.0.values_mut().for_each(wipe_json);
    }
}

/// Overwrites every string in `value` with zeros (serde_json limits nesting to 128
/// levels, which bounds the recursion).
pub(crate) fn wipe_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe_json),
        Value::Object(map) => map.values_mut().for_each(wipe_json),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

impl Drop for SecretJson {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl Deref for SecretJson {
    type Target = serde_json::Map<String, serde_json::Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for SecretJson {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// Overwrites each pair's value with zeros (and empties it).
pub(crate) fn wipe_values<N>(pairs: &mut [(N, String)]) {
    for (_, value) in pairs {
        value.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn into_exposed_secret_keeps_the_value_although_drop_wipes() {
        let secret = ClientSecret::new("s3cr3t");
        assert_eq!(secret.clone().into_exposed_secret(), "s3cr3t");
        assert_eq!(RefreshToken::from("rt").into_exposed_secret(), "rt");
        assert_eq!(secret.expose_secret(), "s3cr3t");
    }

    #[test]
    fn wipe_empties_the_value() {
        let mut secret = AccessToken::new("at-123");
        secret.wipe();
        assert_eq!(secret.expose_secret(), "");
        let mut pairs = SecretPairs(vec![("client_secret", "s3cr3t".to_owned())]);
        let mut values = pairs.0.clone();
        wipe_values(&mut values);
        assert_eq!(values, [("client_secret", String::new())]);
        pairs.wipe();
        assert!(pairs.is_empty());
    }

    #[test]
    fn wipe_json_reaches_every_string() {
        let serde_json::Value::Object(map) = serde_json::json!({
            "access_token": "at",
            "nested": {"list": ["rt", 1, null, {"deep": "id"}]},
            "expires_in": 3600
        }) else {
            unreachable!()
        };
        let mut json = SecretJson(map);
        json.wipe();
        assert_eq!(
            serde_json::Value::Object(json.0.clone()),
            serde_json::json!({
                "access_token": "",
                "nested": {"list": ["", 1, null, {"deep": ""}]},
                "expires_in": 3600
            })
        );
    }
}
