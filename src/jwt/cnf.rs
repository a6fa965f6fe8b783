//! The confirmation (`cnf`) of a sender-constrained access token (RFC 7800 §3.1):
//! what the token is bound to. DPoP binds it to a key's JWK thumbprint (`jkt`,
//! RFC 9449 §6.1); further methods add their members here.

use serde_json::{Map, Value};

use super::JwtError;

/// What an access token is bound to, read from its `cnf` claim (a JWT access
/// token's claims, an introspection response) or stored by a server that issues
/// opaque tokens. Members this crate does not know are ignored.
///
/// ```
/// use s2s_oauth::jwt::Confirmation;
/// let claims = serde_json::json!({"sub": "svc", "cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}});
/// let cnf = Confirmation::from_claims(claims.as_object().unwrap())?;
/// assert_eq!(cnf.jkt(), Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"));
/// assert_eq!(Confirmation::default().jkt(), None);
/// # Ok::<(), s2s_oauth::jwt::JwtError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Confirmation {
    jkt: Option<String>,
}

impl Confirmation {
    /// A binding to the key whose JWK thumbprint (RFC 7638) is `jkt`.
    pub fn with_jkt(mut self, jkt: impl Into<String>) -> Self {
        self.jkt = Some(jkt.into());
        self
    }

    /// Reads the `cnf` member of a claims object (absent: no binding). A `cnf`
    /// that is not an object, or a `jkt` that is not a string, is
    /// [`JwtError::InvalidClaim`].
    pub fn from_claims(claims: &Map<String, Value>) -> Result<Self, JwtError> {
        match claims.get("cnf") {
            None => Ok(Confirmation::default()),
            Some(Value::Object(cnf)) => Self::from_cnf(cnf),
            Some(_) => Err(JwtError::InvalidClaim("cnf")),
        }
    }

    /// Reads a `cnf` object itself.
    pub fn from_cnf(cnf: &Map<String, Value>) -> Result<Self, JwtError> {
        let jkt = match cnf.get("jkt") {
            None => None,
            Some(Value::String(jkt)) => Some(jkt.clone()),
            Some(_) => return Err(JwtError::InvalidClaim("cnf.jkt")),
        };
        Ok(Confirmation { jkt })
    }

    /// The JWK SHA-256 thumbprint the token is bound to (RFC 9449 §6.1).
    pub fn jkt(&self) -> Option<&str> {
        self.jkt.as_deref()
    }

    /// The `cnf` object, for a server that issues JWT access tokens.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut cnf = Map::new();
        if let Some(jkt) = &self.jkt {
            cnf.insert("jkt".into(), Value::String(jkt.clone()));
        }
        cnf
    }
}
