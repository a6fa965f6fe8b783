//! The token exchange grant (RFC 8693 §2.1) with configurable trust: subject and
//! actor tokens are JWTs verified with `jwt::verify` against the keys of the
//! issuers the configuration trusts ([`TrustedIssuer`]).

use std::time::{Duration, SystemTime};

use super::client_auth::{self, Caller, param};
use super::config::{Client, Profile};
use super::profile::{AssertionProblem, GrantKind, Refusal};
use super::salesforce_exchange;
use super::state::State;
use super::token::{Ctx, IssueRequest, issue};
use super::wire::Response;
use crate::jwt::{self, UnverifiedJwt, Validation};
use crate::key::VerifyingKey;
use crate::redact::redacted_debug;

/// RFC 8693 §2.1.
pub(crate) const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// The token types whose tokens the testkit reads as JWTs (RFC 8693 §3).
const JWT_TYPES: [&str; 4] = [
    "urn:ietf:params:oauth:token-type:jwt",
    // Salesforce's spelling (`Auth.OAuth2TokenExchangeType.JWT`).
    "urn:ietf:params:oauth:token-type:JWT",
    "urn:ietf:params:oauth:token-type:id_token",
    "urn:ietf:params:oauth:token-type:access_token",
];
/// What the testkit issues.
pub(crate) const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The default cap on a subject token's lifetime: a day (a Kubernetes projected
/// token lives an hour by default, 48 hours at most).
const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// An issuer whose JWTs the token exchange grant accepts as subject or actor
/// tokens: a Kubernetes cluster's service-account issuer, GitHub Actions, a SPIFFE
/// trust domain. A token is accepted when its `iss` is this issuer, its signature
/// verifies with this key, its `aud` holds the audience (default
/// [`Server::audience`](super::Server::audience)), it has a `sub`, and its `exp`,
/// `nbf`, `iat` pass (lifetime capped at a day unless
/// [`with_max_lifetime`](Self::with_max_lifetime) says otherwise). Register the
/// same issuer twice with two keys for a key rotation.
///
/// ```
/// use s2s_oauth::SigningKey;
/// use s2s_oauth::testkit::{Config, Profile, TrustedIssuer};
///
/// let cluster = SigningKey::from_pem(include_str!("../../tests/data/keys/p256.pkcs8.pem"))?;
/// let config = Config::new(Profile::Generic).with_trusted_issuer(
///     TrustedIssuer::new("https://kubernetes.default.svc", cluster.verifying_key())
///         .with_audience("sts.testkit"),
/// );
/// # let _ = config;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone)]
pub struct TrustedIssuer {
    pub(crate) issuer: String,
    pub(crate) key: VerifyingKey,
    pub(crate) audience: Option<String>,
    pub(crate) max_lifetime: Duration,
}

redacted_debug!(TrustedIssuer: issuer, key, audience, max_lifetime);

impl TrustedIssuer {
    /// Trusts JWTs whose `iss` is `issuer`, signed by `key`.
    pub fn new(issuer: impl Into<String>, key: VerifyingKey) -> Self {
        TrustedIssuer {
            issuer: issuer.into(),
            key,
            audience: None,
            max_lifetime: DEFAULT_MAX_LIFETIME,
        }
    }

    /// The `aud` this issuer's tokens must carry (default: the server's audience).
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// How far ahead of now a token's `exp` may be (default a day).
    pub fn with_max_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_lifetime = lifetime;
        self
    }
}

/// RFC 8693 §2.1–2.2: the subject token (and the actor token, if any) verified
/// against a trusted issuer, then an access token for the subject's `sub`.
/// Client authentication is optional; credentials sent along were checked.
pub(crate) fn token_exchange(
    ctx: &Ctx<'_>,
    caller: &Caller<'_>,
    form: &[(String, String)],
    scope: Option<String>,
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Refusal> {
    if ctx.config.profile == Profile::Salesforce {
        let named = caller.client.is_some();
        if let Some(answer) = salesforce_exchange::before_exchange(ctx, named, form, state, now)? {
            return Ok(answer);
        }
    }
    if let Some(client) = caller.client {
        if client.requires_client_auth() && !caller.authenticated {
            return Err(Refusal::BadClientCredentials {
                basic: false,
                why: format!("client {:?} must authenticate", client.id),
            });
        }
    }
    let subject = required(form, "subject_token")?;
    let subject_type = required(form, "subject_token_type")?;
    let subject = verified_subject(ctx, "subject_token", subject, subject_type, now)?;
    match (
        param(form, "actor_token")?,
        param(form, "actor_token_type")?,
    ) {
        (Some(actor), Some(actor_type)) => {
            verified_subject(ctx, "actor_token", actor, actor_type, now)?;
        }
        (Some(_), None) => {
            return Err(Refusal::InvalidRequest(
                "actor_token_type is required with actor_token (RFC 8693 §2.1)".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(Refusal::InvalidRequest(
                "actor_token_type is sent without actor_token (RFC 8693 §2.1)".into(),
            ));
        }
        (None, None) => {}
    }
    if let Some(requested) = param(form, "requested_token_type")? {
        if requested != ACCESS_TOKEN_TYPE {
            return Err(Refusal::InvalidRequest(format!(
                "requested_token_type {requested:?} cannot be issued here; the testkit issues {ACCESS_TOKEN_TYPE}"
            )));
        }
    }
    issue(
        ctx,
        state,
        now,
        IssueRequest {
            grant: GrantKind::TokenExchange,
            client_id: caller.client.map_or("", |c| c.id.as_str()),
            client_secret: caller
                .client
                .and_then(|c| c.secret.as_ref())
                .map(|s| s.expose_secret()),
            username: &subject,
            scope,
            new_refresh: false,
        },
    )
}

fn required<'f>(form: &'f [(String, String)], name: &str) -> Result<&'f str, Refusal> {
    param(form, name)?
        .ok_or_else(|| Refusal::InvalidRequest(format!("{name} is missing (RFC 8693 §2.1)")))
}

/// The `sub` of a token of `token_type` (a JWT type, else `invalid_request`)
/// whose issuer is trusted and whose signature and claims pass (else
/// `invalid_grant`). `name` is the parameter it came in.
pub(crate) fn verified_subject(
    ctx: &Ctx<'_>,
    name: &str,
    token: &str,
    token_type: &str,
    now: SystemTime,
) -> Result<String, Refusal> {
    if !JWT_TYPES.contains(&token_type) {
        return Err(Refusal::InvalidRequest(format!(
            "{name}_type {token_type:?} is not accepted here; send a JWT as urn:ietf:params:oauth:token-type:jwt, :id_token or :access_token"
        )));
    }
    let invalid = |why: String| Refusal::Assertion {
        problem: AssertionProblem::Invalid,
        why,
    };
    let unverified = UnverifiedJwt::decode(token)
        .map_err(|e| invalid(format!("the {name} is not a JWT: {e}")))?;
    let issuer = unverified
        .issuer()
        .ok_or_else(|| invalid(format!("the {name} has no iss")))?;
    let mut trusted = ctx
        .config
        .trusted_issuers
        .iter()
        .filter(|t| t.issuer == issuer)
        .peekable();
    if trusted.peek().is_none() {
        return Err(invalid(format!(
            "the {name}'s issuer {issuer:?} is not trusted (configure it with Config::with_trusted_issuer)"
        )));
    }
    let mut last = None;
    for trust in trusted {
        let audience = trust.audience.as_deref().unwrap_or(ctx.audience);
        let validation = Validation::new(audience)
            .with_issuer(issuer)
            .with_leeway(ctx.config.leeway)
            .with_max_lifetime(trust.max_lifetime);
        match jwt::verify(token, &trust.key, &validation, now, None) {
            Ok(verified) => {
                return verified
                    .subject()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid(format!("the {name} has no sub")));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(invalid(format!(
        "the {name} was rejected: {}",
        last.map_or_else(String::new, |e| e.to_string())
    )))
}

/// Whether `issuer` is one the configuration trusts.
pub(crate) fn is_trusted_issuer(ctx: &Ctx<'_>, issuer: &str) -> bool {
    ctx.config
        .trusted_issuers
        .iter()
        .any(|t| t.issuer == issuer)
}

/// A client assertion from a trusted issuer (RFC 7523 §2.2 with a platform's
/// JWT): verified against that issuer's key and audience, then the `client_id`
/// sent along must name a client that registered the token's `iss` and `sub` as a
/// federated identity ([`Client::with_federated_identity`]).
pub(crate) fn federated_client<'c>(
    ctx: &Ctx<'c>,
    assertion: &str,
    issuer: &str,
    client_id: Option<&str>,
    now: SystemTime,
) -> Result<&'c Client, Refusal> {
    let bad = |why: String| Refusal::BadClientCredentials { basic: false, why };
    let id = client_id.ok_or_else(|| {
        Refusal::InvalidRequest(
            "a federated client assertion needs client_id: the platform's token does not name the client".into(),
        )
    })?;
    let client = client_auth::lookup(ctx, id)?;
    let mut last = None;
    for trust in ctx
        .config
        .trusted_issuers
        .iter()
        .filter(|t| t.issuer == issuer)
    {
        let audience = trust.audience.as_deref().unwrap_or(ctx.audience);
        let validation = Validation::new(audience)
            .with_issuer(issuer)
            .with_leeway(ctx.config.leeway)
            .with_max_lifetime(trust.max_lifetime);
        match jwt::verify(assertion, &trust.key, &validation, now, None) {
            Ok(verified) => {
                let subject = verified.subject().unwrap_or_default();
                if client
                    .federated
                    .iter()
                    .any(|(i, s)| i == issuer && s == subject)
                {
                    return Ok(client);
                }
                return Err(bad(format!(
                    "client {id:?} has no federated identity for issuer {issuer:?} and subject {subject:?} (configure it with Client::with_federated_identity)"
                )));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(bad(format!(
        "federated client assertion rejected: {}",
        last.map_or_else(String::new, |e| e.to_string())
    )))
}
