//! Salesforce JWT-based access tokens, verified by a resource server outside
//! Salesforce against the org's keys at `<My Domain>/id/keys`.
//!
//! From Salesforce's "JWT-Based Access Tokens" help page: the header's `alg` is
//! always `RS256`, its `typ` is `JWT` (not RFC 9068's `at+jwt`), with a `kid`,
//! `tty: sfdc-core-token`, `tnk` (the tenant key) and `ver`. **Inferred, not
//! confirmed by a primary source** (no org was at hand): `iss` is the My Domain
//! base URL, the keys are the org's JWK Set at `<My Domain>/id/keys` (the
//! `jwks_uri` of Salesforce's OpenID configuration), the scopes are in `scp` (an
//! array), and `client_id`, `jti` and `iat` may be absent, so this preset does
//! not require them. The audience is the caller's to give: it is whatever the
//! connected app (external client app) was configured to put in `aud`.
//!
//! **Weaker than RFC 9068**: because Salesforce writes `typ: JWT`, the `typ`
//! check cannot tell an access token from another JWT the org signs with the
//! same keys (an OpenID Connect ID token has `typ: JWT` too, and its `aud` is
//! the consumer key). Give as the audience the value configured for the access
//! tokens, never the consumer key, so that an ID token cannot pass for an
//! access token.
//!
//! What to do when a token is refused: [`JwtError::WrongIssuer`](crate::jwt::JwtError::WrongIssuer)
//! usually means the host is not the org's My Domain (tokens are issued there,
//! not by `login.salesforce.com`); [`JwtError::NoMatchingKey`](crate::jwt::JwtError::NoMatchingKey)
//! that the keys are another org's (check the host) or were rotated (a
//! [`JwksCache`] refetches on its own); [`JwtError::Malformed`](crate::jwt::JwtError::Malformed)
//! that the token is an opaque one, not JWT-based (switch the connected app to
//! JWT-based access tokens, or introspect the token instead).

use crate::discovery::JwksCache;
use crate::error::Error;
use crate::jwt::AccessTokenValidation;
use crate::key::algorithm::Algorithm;

use super::LoginHost;

/// The path of an org's JWK Set on its My Domain host.
pub const JWKS_PATH: &str = "/id/keys";

/// The org's JWK Set URL: `<base>/id/keys`.
///
/// ```
/// use s2s_oauth::providers::salesforce::{LoginHost, jwks_url};
/// let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
/// assert_eq!(jwks_url(&host), "https://acme.my.salesforce.com/id/keys");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn jwks_url(host: &LoginHost) -> String {
    format!("{}{JWKS_PATH}", host.base_url())
}

/// A [`JwksCache`] for the org's keys ([`jwks_url`]).
pub fn jwks_cache(host: &LoginHost) -> Result<JwksCache, Error> {
    JwksCache::new(&jwks_url(host))
}

/// The rules for a Salesforce JWT-based access token issued by `host` (its
/// base URL is the expected `iss`) for `audience`: `typ` `JWT` taken (as
/// Salesforce writes it) besides `at+jwt`, `RS256` only, `client_id`, `jti` and
/// `iat` not required (see the module documentation for what is inferred).
///
/// ```
/// use s2s_oauth::providers::salesforce::{LoginHost, access_token_validation};
/// let host = LoginHost::my_domain("https://acme.my.salesforce.com")?;
/// let rules = access_token_validation(&host, "my-api").require_scope("api");
/// # let _ = rules;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
pub fn access_token_validation(
    host: &LoginHost,
    audience: impl Into<String>,
) -> AccessTokenValidation {
    AccessTokenValidation::new(host.base_url(), audience)
        .accept_type("JWT")
        .with_algorithms(&[Algorithm::RS256])
        .without_client_id()
        .without_jti_and_iat()
}
