//! Issuing a JWT access token (RFC 9068 §2): what an authorization server (the
//! testkit, a token endpoint built on this crate) signs for a resource server.

use std::time::{Duration, SystemTime};

use ring::rand::SecureRandom;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Audience, Confirmation, expiry, insert_claim, sign_json, uuid_v4};
use crate::error::Error;
use crate::key::SigningKey;
use crate::secrets::SignedAssertion;
use crate::time;

/// The claims of a JWT access token (RFC 9068 §2.2): `iss`, `aud`, `sub` and
/// `client_id` given; `exp`, `iat` and `jti` filled in when signed (`exp` = now +
/// lifetime, one hour by default); `scope`, `cnf` and other claims optional.
/// Signed with header `typ: at+jwt` and the key's `kid` (RFC 9068 §2.1).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::jwt::{AccessTokenClaims, AccessTokenValidation, Jwks, verify_access_token};
///
/// let key = SigningKey::from_pem(include_bytes!("../../tests/data/keys/p256.pkcs8.pem"))?.with_kid("k1");
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let token = AccessTokenClaims::new("https://as.example", "https://api.example", "svc", "billing")
///     .with_scope("orders:read")
///     .sign_at(&key, now, &ring::rand::SystemRandom::new())?;
/// let jwks = Jwks::from_keys([(key.verifying_key(), Some("k1".into()))]);
/// let rules = AccessTokenValidation::new("https://as.example", "https://api.example");
/// assert!(verify_access_token(token.expose_secret(), &jwks, &rules, now)?.has_scope("orders:read"));
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AccessTokenClaims {
    issuer: String,
    audience: Audience,
    subject: String,
    client_id: String,
    scope: Option<String>,
    lifetime: Duration,
    confirmation: Option<Confirmation>,
    extra: Map<String, Value>,
}

/// Claim names [`AccessTokenClaims::with_claim`] refuses: set by the builder.
const SET_BY_BUILDER: [&str; 10] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "client_id",
    "scope",
    "cnf",
];

impl AccessTokenClaims {
    /// A token from `issuer` for `audience` (the resource), about `subject`,
    /// issued to `client_id`.
    pub fn new(
        issuer: impl Into<String>,
        audience: impl Into<Audience>,
        subject: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Self {
        AccessTokenClaims {
            issuer: issuer.into(),
            audience: audience.into(),
            subject: subject.into(),
            client_id: client_id.into(),
            scope: None,
            lifetime: Duration::from_secs(3600),
            confirmation: None,
            extra: Map::new(),
        }
    }

    /// `scope`: space-separated scopes.
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// How long the token is valid (default one hour).
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// `cnf`: binds the token to a DPoP key or a certificate (RFC 7800).
    pub fn with_confirmation(mut self, confirmation: Confirmation) -> Self {
        self.confirmation = Some(confirmation);
        self
    }

    /// Another claim (`auth_time`, `acr`, `roles`...). The names the builder sets
    /// are refused.
    pub fn with_claim(
        mut self,
        name: impl Into<String>,
        value: impl Into<Value>,
    ) -> Result<Self, Error> {
        insert_claim(
            &mut self.extra,
            name.into(),
            value.into(),
            &SET_BY_BUILDER,
            "AccessTokenClaims itself; use its constructor or with_* setter",
        )?;
        Ok(self)
    }

    /// Signs as of `now`, the `jti` drawn from `rng`.
    pub fn sign_at(
        &self,
        key: &SigningKey,
        now: SystemTime,
        rng: &dyn SecureRandom,
    ) -> Result<SignedAssertion, Error> {
        let now = time::unix_seconds(now)?;
        let exp = expiry(now, self.lifetime, "access token")?;
        let jti = uuid_v4(rng)?;
        let header = Header {
            alg: key.algorithm().as_str(),
            typ: "at+jwt",
            kid: key.kid(),
        };
        let payload = Payload {
            iss: &self.issuer,
            sub: &self.subject,
            aud: &self.audience,
            exp,
            iat: now,
            jti: &jti,
            client_id: &self.client_id,
            scope: self.scope.as_deref(),
            cnf: self.confirmation.as_ref().map(Confirmation::to_json),
            extra: &self.extra,
        };
        sign_json(
            &header,
            &payload,
            key,
            rng,
            [
                "serializing the access token header",
                "serializing the access token claims",
            ],
        )
    }
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

#[derive(Serialize)]
struct Payload<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a Audience,
    exp: u64,
    iat: u64,
    jti: &'a str,
    client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cnf: Option<Map<String, Value>>,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}
