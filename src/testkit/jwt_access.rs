//! The testkit's JWK Set (RFC 7517 §5) at `/jwks`, named as `jwks_uri` in its
//! metadata, and, when configured, RFC 9068 JWT access tokens signed with the
//! key it publishes there.

use std::time::{Duration, SystemTime};

use ring::rand::SecureRandom;
use serde_json::{Map, Value, json};

use super::config::Config;
use super::server::Server;
use super::wire::{Request, Response};
use crate::jwt::{AccessTokenClaims, Confirmation};
use crate::key::SigningKey;

/// The JWK Set's path, below the base URL.
pub(crate) const JWKS_PATH: &str = "/jwks";

/// How long clients may keep the set (`Cache-Control: max-age`).
const MAX_AGE: Duration = Duration::from_secs(300);

/// The key and audience of the server's JWT access tokens.
#[derive(Debug, Clone)]
pub(crate) struct JwtAccessTokens {
    key: SigningKey,
    audience: String,
}

impl Config {
    /// Issues RFC 9068 JWT access tokens (`typ: at+jwt`) signed with `key` for
    /// `audience` (the resource server's identifier), instead of opaque ones,
    /// and publishes the key at the JWK Set URL ([`Server::jwks_url`]). Give the
    /// key a `kid` ([`SigningKey::with_kid`]): the JWK carries it. Tokens have
    /// `iss` = the base URL, `sub` = the user (or the client), `client_id`,
    /// `scope` when asked for, and `cnf.jkt` when DPoP-bound.
    ///
    /// ```
    /// use s2s_oauth::SigningKey;
    /// use s2s_oauth::testkit::{Config, Profile, Server};
    /// let key = SigningKey::from_pem_file("tests/data/keys/p256.pkcs8.pem")?.with_kid("at-1");
    /// let server = Server::start(Config::new(Profile::Generic).with_jwt_access_tokens(key, "https://api.example"))?;
    /// assert!(server.jwks_url().ends_with("/jwks"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_jwt_access_tokens(mut self, key: SigningKey, audience: impl Into<String>) -> Self {
        self.jwt_access_tokens = Some(JwtAccessTokens {
            key,
            audience: audience.into(),
        });
        self
    }
}

impl Server {
    /// The JWK Set URL: the base URL + `/jwks` (empty unless the server issues
    /// JWT access tokens, [`Config::with_jwt_access_tokens`]).
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.base_url())
    }
}

/// Answers `GET /jwks`: the access-token key's public JWK with `kid`, `use` and
/// `alg`, or an empty set.
pub(crate) fn handle(request: &Request, config: &Config) -> Response {
    if request.method != "GET" {
        return Response::json(
            405,
            &json!({"error": "invalid_request", "error_description": "the JWK Set is read with GET"}),
        )
        .with_header("Allow", "GET");
    }
    let keys: Vec<Value> = config
        .jwt_access_tokens
        .as_ref()
        .and_then(|tokens| public_jwk(&tokens.key))
        .into_iter()
        .map(Value::Object)
        .collect();
    Response::json(200, &json!({ "keys": keys })).with_header(
        "Cache-Control",
        format!("public, max-age={}", MAX_AGE.as_secs()),
    )
}

fn public_jwk(key: &SigningKey) -> Option<Map<String, Value>> {
    let mut jwk: Map<String, Value> = serde_json::from_str(&key.public_jwk()?).ok()?;
    if let Some(kid) = key.kid() {
        jwk.insert("kid".into(), kid.into());
    }
    jwk.insert("use".into(), "sig".into());
    jwk.insert("alg".into(), key.algorithm().as_str().into());
    Some(jwk)
}

/// What a JWT access token says.
pub(crate) struct Subject<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) username: &'a str,
    pub(crate) scope: Option<&'a str>,
    pub(crate) jkt: Option<&'a str>,
}

/// A JWT access token, when the server is configured to issue them; `None`
/// otherwise (or when signing failed: the opaque token stands).
pub(crate) fn sign(
    config: &Config,
    subject: &Subject<'_>,
    rng: &dyn SecureRandom,
    now: SystemTime,
) -> Option<String> {
    let tokens = config.jwt_access_tokens.as_ref()?;
    let mut claims = AccessTokenClaims::new(
        subject.base_url,
        tokens.audience.as_str(),
        subject.username,
        subject.client_id,
    )
    .with_lifetime(config.token_lifetime);
    if let Some(scope) = subject.scope {
        claims = claims.with_scope(scope);
    }
    if let Some(jkt) = subject.jkt {
        claims = claims.with_confirmation(Confirmation::default().with_jkt(jkt));
    }
    claims
        .sign_at(&tokens.key, now, rng)
        .ok()
        .map(|t| t.expose_secret().to_owned())
}
