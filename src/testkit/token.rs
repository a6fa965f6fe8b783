//! The token endpoint (RFC 6749 §3.2): client authentication, then the grant.

use std::time::SystemTime;

use ring::rand::SecureRandom;

use super::client_auth::{self, Caller, param};
use super::config::{Client, Config, Profile};
use super::exchange::{self, TOKEN_EXCHANGE};
use super::profile::{self, AssertionProblem, GrantKind, Issued, Refusal};
use super::state::State;
use super::wire::{Request, Response};
use crate::key::algorithm::Algorithm;
#[cfg(feature = "saml")]
use crate::server::SAML2_BEARER;
use crate::server::{self, JWT_BEARER};

/// The grants the token endpoint serves: SAML 2.0 Bearer only with the `saml`
/// feature (without it, that grant is `unsupported_grant_type`).
pub(crate) const GRANT_TYPES: &[&str] = &[
    JWT_BEARER,
    #[cfg(feature = "saml")]
    SAML2_BEARER,
    "client_credentials",
    "refresh_token",
    TOKEN_EXCHANGE,
];

/// What every handler needs to know about the server.
pub(crate) struct Ctx<'c> {
    pub(crate) config: &'c Config,
    pub(crate) base_url: &'c str,
    pub(crate) token_url: &'c str,
    /// The `aud` JWT bearer assertions must carry.
    pub(crate) audience: &'c str,
    pub(crate) rng: &'c dyn SecureRandom,
    /// The thumbprint of the request's verified DPoP key: tokens issued are bound
    /// to it.
    pub(crate) dpop_jkt: Option<&'c str>,
    /// The client's TLS certificate chain on this connection (empty without one).
    pub(crate) peer_certificates: &'c [Vec<u8>],
}

impl Ctx<'_> {
    /// The server's assertion policy in the `server` module's terms: client
    /// assertions for the token URL or the base URL, grants for
    /// [`Server::audience`](super::Server::audience), the configured leeway and
    /// lifetime caps, `jti` optional (RFC 7523 §3), Basic credentials form-decoded
    /// only; Salesforce also takes `prn`
    /// and RS256 grants only.
    pub(crate) fn endpoint(&self) -> server::Endpoint {
        let mut endpoint = server::Endpoint::new(self.token_url)
            .with_client_assertion_audience(self.base_url)
            .with_grant_audience(self.audience)
            .with_leeway(self.config.leeway)
            .with_max_lifetime(self.config.max_assertion_lifetime())
            .allow_missing_jti()
            // As strict as Salesforce and oidc-provider: a client that does not
            // form-encode its Basic credentials is caught here.
            .strict_basic_decoding();
        #[cfg(feature = "saml")]
        {
            endpoint = endpoint.with_max_saml_lifetime(self.config.max_saml_lifetime());
        }
        if self.config.profile == Profile::Salesforce {
            // Salesforce verifies JWT Bearer assertions with RS256 only: a PS256 or
            // ES256 signature is an invalid assertion even when the key would verify it.
            endpoint = endpoint
                .with_legacy_prn(true)
                .with_grant_algorithms(&[Algorithm::RS256]);
        }
        endpoint
    }
}

/// Answers a request to the token endpoint.
pub(crate) fn handle(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Response {
    let profile = ctx.config.profile;
    if request.method != "POST" {
        return Refusal::InvalidRequest("the token endpoint accepts POST only".into())
            .response(profile)
            .post_only();
    }
    // The DPoP proof first (RFC 9449 §5): a nonce demand must not spend the
    // client's or the grant's assertion.
    let jkt = match super::dpop::check_token_request(ctx, request, state, now) {
        Ok(jkt) => jkt,
        Err(response) => return response,
    };
    let ctx = Ctx {
        dpop_jkt: jkt.as_deref(),
        ..*ctx
    };
    let response = match token(&ctx, request, state, now) {
        Ok(response) => response,
        Err(refusal) => refusal.response(profile),
    };
    super::dpop::with_nonce(ctx.config, request, state, ctx.rng, response)
}

fn token(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Refusal> {
    let parsed = server::Request::parse(&request.method, &request.headers, &request.body)
        .map_err(client_auth::refusal)?;
    let caller = client_auth::authenticate(ctx, &parsed, state, now)?;
    let scope = parsed.param("scope").map(str::to_owned);
    // The access tokens this request issues are bound to the caller's certificate,
    // if it has one to bind to (RFC 8705 §3).
    state.binding = caller.bound_to.clone();
    let issued = grant(ctx, &caller, &parsed, scope, state, now);
    state.binding = None;
    issued
}

/// The grant's own checks, then the tokens.
fn grant(
    ctx: &Ctx<'_>,
    caller: &Caller<'_>,
    request: &server::Request,
    scope: Option<String>,
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Refusal> {
    let form = request.pairs();
    match request.grant_type() {
        JWT_BEARER => {
            let (client, subject) = jwt_bearer(ctx, request, state, now)?;
            issue_to_user(
                ctx,
                state,
                now,
                client,
                GrantKind::JwtBearer,
                &subject,
                scope,
            )
        }
        "client_credentials" => client_credentials(ctx, caller, scope, state, now),
        "refresh_token" => refresh(ctx, caller, form, scope, state, now),
        TOKEN_EXCHANGE => exchange::token_exchange(ctx, caller, form, scope, state, now),
        #[cfg(feature = "saml")]
        SAML2_BEARER => {
            let (client, subject) = saml2_bearer(ctx, request, state, now)?;
            issue_to_user(
                ctx,
                state,
                now,
                client,
                GrantKind::Saml2Bearer,
                &subject,
                scope,
            )
        }
        other => {
            let (last, rest) = GRANT_TYPES.split_last().unwrap_or((&"", &[]));
            Err(Refusal::UnsupportedGrantType(format!(
                "grant_type {other:?} is not supported; use {} or {last}",
                rest.join(", ")
            )))
        }
    }
}

/// RFC 7523 §3 checks on a JWT bearer assertion ([`server::verify_jwt_bearer`],
/// the client as the issuer): the client that signed it and the subject it
/// speaks for. Client authentication is optional (credentials sent along were
/// checked already).
fn jwt_bearer<'c>(
    ctx: &Ctx<'c>,
    request: &server::Request,
    state: &mut State,
    now: SystemTime,
) -> Result<(&'c Client, String), Refusal> {
    let grant = server::verify_jwt_bearer(
        request,
        &ctx.config.issuers,
        &ctx.endpoint(),
        state.jti_cache(),
        now,
    )
    .map_err(client_auth::refusal)?;
    let client = client_auth::lookup(ctx, grant.issuer())?;
    let subject = match grant.subject() {
        Some(subject) => subject,
        // A service account acting for itself (Client::with_assertions_for_itself).
        None if client.acts_for_itself => &client.id,
        None => return Err(invalid("the assertion has no sub".into())),
    };
    Ok((client, subject.to_owned()))
}

/// RFC 7522 §3 checks on a SAML 2.0 bearer assertion ([`server::verify_saml_bearer`],
/// verified with the key of the client its `Issuer` names): that client and the
/// `NameID`. Client authentication is optional, as for JWT bearer.
#[cfg(feature = "saml")]
fn saml2_bearer<'c>(
    ctx: &Ctx<'c>,
    request: &server::Request,
    state: &mut State,
    now: SystemTime,
) -> Result<(&'c Client, String), Refusal> {
    let verified = server::verify_saml_bearer(
        request,
        &ctx.config.issuers,
        &ctx.endpoint(),
        &mut state.saml_ids_seen,
        now,
    )
    .map_err(client_auth::refusal)?;
    let client = client_auth::lookup(ctx, &verified.issuer)?;
    Ok((client, verified.subject))
}

/// An assertion refused as invalid, saying `why`.
fn invalid(why: String) -> Refusal {
    Refusal::Assertion {
        problem: AssertionProblem::Invalid,
        why,
    }
}

/// The end of both assertion grants: `subject` must be a user who approved the
/// client (Salesforce's pre-authorization), or the client itself when it acts for
/// itself; then the token (with a refresh token where the profile gives one).
fn issue_to_user(
    ctx: &Ctx<'_>,
    state: &mut State,
    now: SystemTime,
    client: &Client,
    grant: GrantKind,
    subject: &str,
    scope: Option<String>,
) -> Result<Response, Refusal> {
    let itself = client.acts_for_itself && subject == client.id;
    if !itself && !client.users.iter().any(|u| u == subject) {
        return Err(Refusal::UnknownUser(format!(
            "user {subject:?} has not approved client {:?} (configure it with Client::with_user)",
            client.id
        )));
    }
    let refresh = ctx.config.profile == Profile::Generic && client.refresh_tokens;
    issue(
        ctx,
        state,
        now,
        IssueRequest {
            grant,
            client_id: &client.id,
            client_secret: client.secret.as_ref().map(|s| s.expose_secret()),
            username: subject,
            scope,
            new_refresh: refresh,
        },
    )
}

/// RFC 6749 §4.4: client authentication required; Salesforce also wants a run-as
/// user.
fn client_credentials(
    ctx: &Ctx<'_>,
    caller: &Caller<'_>,
    scope: Option<String>,
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Refusal> {
    let client = match (caller.client, caller.authenticated) {
        (Some(client), true) => client,
        _ => {
            return Err(Refusal::BadClientCredentials {
                basic: false,
                why: "client_credentials requires client authentication (RFC 6749 §4.4.2)".into(),
            });
        }
    };
    let username = match (&client.run_as, ctx.config.profile) {
        (Some(user), _) => user.as_str(),
        (None, Profile::Salesforce) => return Err(Refusal::NoRunAsUser),
        (None, Profile::Generic) => client.id.as_str(),
    };
    let refresh = ctx.config.profile == Profile::Generic && client.refresh_tokens;
    issue(
        ctx,
        state,
        now,
        IssueRequest {
            grant: GrantKind::ClientCredentials,
            client_id: &client.id,
            client_secret: client.secret.as_ref().map(|s| s.expose_secret()),
            username,
            scope,
            new_refresh: refresh,
        },
    )
}

/// RFC 6749 §6, with rotation and reuse detection.
fn refresh(
    ctx: &Ctx<'_>,
    caller: &Caller<'_>,
    form: &[(String, String)],
    scope: Option<String>,
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Refusal> {
    let token = param(form, "refresh_token")?
        .ok_or_else(|| Refusal::InvalidRequest("refresh_token is missing (RFC 6749 §6)".into()))?;
    let client = caller.client.ok_or_else(|| {
        Refusal::InvalidRequest(
            "the refresh grant needs the client: send client_id or authenticate the client".into(),
        )
    })?;
    if client.requires_client_auth() && !caller.authenticated {
        return Err(Refusal::BadClientCredentials {
            basic: false,
            why: format!("client {:?} must authenticate to refresh tokens", client.id),
        });
    }
    let profile = ctx.config.profile;
    let refreshed = state
        .use_refresh(ctx.rng, profile, token, &client.id, ctx.config.rotation)?
        .ok_or_else(rng_failure)?;
    let expires_at = expiry(now, ctx.config.token_lifetime);
    let access = state
        .issue_access(
            ctx.rng,
            profile,
            expires_at,
            Some(refreshed.family),
            ctx.dpop_jkt,
        )
        .ok_or_else(rng_failure)?;
    let scope = scope.or(refreshed.scope);
    let subject = super::jwt_access::Subject {
        base_url: ctx.base_url,
        client_id: &client.id,
        username: &refreshed.username,
        scope: scope.as_deref(),
        jkt: ctx.dpop_jkt,
    };
    let access = match super::jwt_access::sign(ctx.config, &subject, ctx.rng, now) {
        Some(jwt) => state.rename_access(&access, jwt),
        None => access,
    };
    state.record_owner(&access, &client.id, &refreshed.username, scope.as_deref());
    Ok(profile::token_response(
        profile,
        ctx.base_url,
        ctx.config.token_lifetime,
        Issued {
            grant: GrantKind::Refresh,
            access_token: access,
            refresh_token: refreshed.rotated,
            scope,
            username: &refreshed.username,
            client_secret: client.secret.as_ref().map(|s| s.expose_secret()),
            dpop: ctx.dpop_jkt.is_some(),
        },
        now,
    ))
}

pub(crate) struct IssueRequest<'a> {
    pub(crate) grant: GrantKind,
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: Option<&'a str>,
    pub(crate) username: &'a str,
    pub(crate) scope: Option<String>,
    pub(crate) new_refresh: bool,
}

/// Issues an access token (and, if asked, a refresh token in a new family).
pub(crate) fn issue(
    ctx: &Ctx<'_>,
    state: &mut State,
    now: SystemTime,
    req: IssueRequest<'_>,
) -> Result<Response, Refusal> {
    let profile = ctx.config.profile;
    let (refresh_token, family) = if req.new_refresh {
        let (token, family) = state
            .issue_refresh(
                ctx.rng,
                profile,
                req.client_id,
                req.username,
                req.scope.clone(),
            )
            .ok_or_else(rng_failure)?;
        (Some(token), Some(family))
    } else {
        (None, None)
    };
    let access = state
        .issue_access(
            ctx.rng,
            profile,
            expiry(now, ctx.config.token_lifetime),
            family,
            ctx.dpop_jkt,
        )
        .ok_or_else(rng_failure)?;
    let subject = super::jwt_access::Subject {
        base_url: ctx.base_url,
        client_id: req.client_id,
        username: req.username,
        scope: req.scope.as_deref(),
        jkt: ctx.dpop_jkt,
    };
    let access = match super::jwt_access::sign(ctx.config, &subject, ctx.rng, now) {
        Some(jwt) => state.rename_access(&access, jwt),
        None => access,
    };
    state.record_owner(&access, req.client_id, req.username, req.scope.as_deref());
    Ok(profile::token_response(
        profile,
        ctx.base_url,
        ctx.config.token_lifetime,
        Issued {
            grant: req.grant,
            access_token: access,
            refresh_token,
            scope: req.scope,
            username: req.username,
            client_secret: req.client_secret,
            dpop: ctx.dpop_jkt.is_some(),
        },
        now,
    ))
}

/// `now + lifetime`, or a date about a century ahead when that overflows.
fn expiry(now: SystemTime, lifetime: std::time::Duration) -> SystemTime {
    now.checked_add(lifetime)
        .or_else(|| now.checked_add(std::time::Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now)
}

fn rng_failure() -> Refusal {
    Refusal::ServerError("the system random source failed".into())
}
