//! The token endpoint (RFC 6749 §3.2): client authentication, then the grant.

use std::time::SystemTime;

use ring::rand::SecureRandom;

use super::client_auth::{self, Caller, param};
use super::config::{Client, Config, Profile};
use super::exchange::{self, TOKEN_EXCHANGE};
use super::profile::{self, AssertionProblem, GrantKind, Issued, Refusal};
use super::state::State;
use super::wire::{Request, Response};
use crate::error::{Error, JwtError};
use crate::jwt::{self, UnverifiedJwt, Validation};
use crate::key::algorithm::Algorithm;
#[cfg(feature = "saml")]
use crate::saml::{self, SamlError};

/// RFC 7523 §2.1.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// RFC 7522 §2.1.
#[cfg(feature = "saml")]
pub(crate) const SAML2_BEARER: &str = "urn:ietf:params:oauth:grant-type:saml2-bearer";

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

/// Answers a request to the token endpoint.
pub(crate) fn handle(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Response {
    let profile = ctx.config.profile;
    if request.method != "POST" {
        let mut response = Refusal::InvalidRequest("the token endpoint accepts POST only".into())
            .response(profile);
        response.status = 405;
        return response.with_header("Allow", "POST");
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
    let media_type = request
        .header("Content-Type")
        .and_then(|ct| ct.split(';').next())
        .map(str::trim);
    if !media_type.is_some_and(|m| m.eq_ignore_ascii_case("application/x-www-form-urlencoded")) {
        return Err(Refusal::InvalidRequest(
            "send the token request as Content-Type: application/x-www-form-urlencoded (RFC 6749 §3.2)"
                .into(),
        ));
    }
    let form = crate::form::decode_pairs(&request.body).ok_or_else(|| {
        Refusal::InvalidRequest("the form body does not decode to UTF-8 text".into())
    })?;
    let grant_type = param(&form, "grant_type")?
        .ok_or_else(|| Refusal::InvalidRequest("grant_type is missing".into()))?;
    let caller =
        client_auth::authenticate(ctx, request.header("Authorization"), &form, state, now)?;
    let scope = param(&form, "scope")?.map(str::to_owned);
    // The access tokens this request issues are bound to the caller's certificate,
    // if it has one to bind to (RFC 8705 §3).
    state.binding = caller.bound_to.clone();
    let issued = grant(ctx, &caller, &form, grant_type, scope, state, now);
    state.binding = None;
    issued
}

/// The grant's own checks, then the tokens.
fn grant(
    ctx: &Ctx<'_>,
    caller: &Caller<'_>,
    form: &[(String, String)],
    grant_type: &str,
    scope: Option<String>,
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Refusal> {
    match grant_type {
        JWT_BEARER => {
            let (client, subject) = jwt_bearer(ctx, form, state, now)?;
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
            let (client, subject) = saml2_bearer(ctx, form, state, now)?;
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

/// RFC 7523 §3 checks on a JWT bearer assertion: the client that signed it and
/// the subject it speaks for. Client authentication is optional (credentials
/// sent along were checked already).
fn jwt_bearer<'c>(
    ctx: &Ctx<'c>,
    form: &[(String, String)],
    state: &mut State,
    now: SystemTime,
) -> Result<(&'c Client, String), Refusal> {
    let assertion = assertion_param(form, "RFC 7523 §2.1")?;
    let unverified = UnverifiedJwt::decode(assertion)
        .map_err(|e| invalid(format!("the assertion is not a JWT: {e}")))?;
    let iss = unverified
        .issuer()
        .ok_or_else(|| invalid("the assertion has no iss".into()))?;
    let client = issuing_client(ctx, "iss", iss)?;
    let key = client.public_key.as_ref().ok_or_else(|| {
        invalid(format!(
            "client {iss:?} has no public key to verify JWT bearer assertions"
        ))
    })?;
    // Salesforce accepts the legacy `prn` claim in place of `sub` (and prefers it
    // when both are present).
    let uses_prn = ctx.config.profile == Profile::Salesforce
        && unverified
            .claims()
            .get("prn")
            .is_some_and(|p| p.is_string());
    let mut validation = Validation::new(ctx.audience)
        .with_issuer(iss)
        .with_leeway(ctx.config.leeway)
        .with_max_lifetime(ctx.config.max_assertion_lifetime());
    if uses_prn || client.acts_for_itself {
        validation = validation.allow_missing_subject();
    }
    if ctx.config.profile == Profile::Salesforce {
        // Salesforce verifies JWT Bearer assertions with RS256 only: a PS256 or
        // ES256 signature is an invalid assertion even when the key would verify it.
        validation = validation.with_algorithms(&[Algorithm::RS256]);
    }
    let verified = jwt::verify(
        assertion,
        key,
        &validation,
        now,
        state.replay_cache(&unverified),
    )
    .map_err(|e| assertion_refusal(&e))?;
    let subject = match verified.claim("prn").and_then(|p| p.as_str()) {
        Some(prn) if uses_prn => prn,
        _ => match verified.subject() {
            Some(subject) => subject,
            // A service account acting for itself (Client::with_assertions_for_itself).
            None if client.acts_for_itself => &client.id,
            None => return Err(invalid("the assertion has no sub".into())),
        },
    };
    Ok((client, subject.to_owned()))
}

/// RFC 7522 §3 checks on a SAML 2.0 bearer assertion, verified with the key of
/// the client its `Issuer` names: that client and the `NameID`. Client authentication is optional, as for JWT
/// bearer.
#[cfg(feature = "saml")]
fn saml2_bearer<'c>(
    ctx: &Ctx<'c>,
    form: &[(String, String)],
    state: &mut State,
    now: SystemTime,
) -> Result<(&'c Client, String), Refusal> {
    let assertion = assertion_param(form, "RFC 7522 §2.1")?;
    let xml = saml::decode_assertion_parameter(assertion)
        .map_err(|e| invalid(format!("the assertion is not base64url-encoded XML: {e}")))?;
    let issuer = saml::peek_issuer(&xml).map_err(|e| invalid(format!("{e}")))?;
    let client = issuing_client(ctx, "Issuer", &issuer)?;
    let key = client
        .saml_key
        .as_ref()
        .or(client.public_key.as_ref())
        .ok_or_else(|| {
            invalid(format!(
                "client {issuer:?} has no certificate to verify SAML assertions (configure it with Client::with_certificate)"
            ))
        })?;
    let validation = saml::Validation::new(ctx.audience, ctx.token_url)
        .with_issuer(issuer.as_str())
        .with_leeway(ctx.config.leeway)
        .with_max_lifetime(ctx.config.max_saml_lifetime());
    let verified = saml::verify(&xml, key, &validation, now, Some(&mut state.saml_ids_seen))
        .map_err(|e| assertion_refusal(&e))?;
    Ok((client, verified.subject))
}

/// An assertion refused as invalid, saying `why`.
fn invalid(why: String) -> Refusal {
    Refusal::Assertion {
        problem: AssertionProblem::Invalid,
        why,
    }
}

/// The `assertion` parameter both assertion grants require (`spec` names the
/// section: RFC 7523 §2.1, RFC 7522 §2.1).
fn assertion_param<'f>(form: &'f [(String, String)], spec: &str) -> Result<&'f str, Refusal> {
    param(form, "assertion")?
        .ok_or_else(|| Refusal::InvalidRequest(format!("assertion is missing ({spec})")))
}

/// The registered client an assertion's issuer (`field`: `iss`, `Issuer`) names.
fn issuing_client<'c>(ctx: &Ctx<'c>, field: &str, issuer: &str) -> Result<&'c Client, Refusal> {
    client_auth::lookup(ctx, issuer).map_err(|_| {
        Refusal::UnknownClient(format!(
            "the assertion's {field} {issuer:?} is not a registered client"
        ))
    })
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

/// Maps a JWT or SAML verification failure to the refusal Salesforce would send.
fn assertion_refusal(error: &Error) -> Refusal {
    let problem = match error {
        Error::Jwt(JwtError::WrongAudience { .. }) => AssertionProblem::Audience,
        Error::Jwt(JwtError::Expired { .. }) => AssertionProblem::Expired,
        #[cfg(feature = "saml")]
        Error::Saml(SamlError::WrongAudience) => AssertionProblem::Audience,
        #[cfg(feature = "saml")]
        Error::Saml(SamlError::Expired) => AssertionProblem::Expired,
        _ => AssertionProblem::Invalid,
    };
    Refusal::Assertion {
        problem,
        why: format!("assertion rejected: {error}"),
    }
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
