//! The Salesforce profile's token exchange shapes, after Salesforce's
//! documentation (see `providers::salesforce` for the pages):
//!
//! - the token exchange flow: `client_id` required, the five subject token types
//!   of `Auth.OAuth2TokenExchangeType` (`…:JWT` in Salesforce's spelling or the
//!   RFC's `…:jwt`); JWT-typed subject tokens verified against the trusted issuers
//!   (the testkit's stand-in for an Apex token exchange handler), the answer in
//!   Salesforce's token response shape with `issued_token_type`;
//! - the asset token flow: a live access token of this server as the subject, a
//!   device's actor token (a JWT with `did`, signed by the key in its `cnf.jwk`),
//!   answered with an asset token JWT (`issued_token_type` JWT, `token_type`
//!   Bearer, `expires_in`, as Salesforce's sample answer);
//! - the Data Cloud exchange at `/services/a360/token`
//!   (`grant_type=urn:salesforce:grant-type:external:cdp`), answered with a JWT
//!   access token and an `instance_url` (the server's own base URL, with its
//!   scheme: Data Cloud sends a bare tenant host, which a plain-http loopback
//!   server cannot be).
//!
//! Error strings Salesforce does not document for these flows are the testkit's
//! own (`invalid_request` with a description), inferred from RFC 8693 §2.2.2.

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::client_auth::param;
use super::profile::{AssertionProblem, Refusal};
use super::state::State;
use super::token::Ctx;
use super::wire::{Request, Response};
use crate::encoding::base64;
use crate::jwt::{Claims, UnverifiedJwt, split_raw};
use crate::key::VerifyingKey;
use crate::key::algorithm::Algorithm;

/// The Data Cloud exchange's path.
pub(crate) const DATA_CLOUD_PATH: &str = "/services/a360/token";
/// The Data Cloud exchange's grant type.
const CDP_GRANT: &str = "urn:salesforce:grant-type:external:cdp";
const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
/// The subject token types of `Auth.OAuth2TokenExchangeType`, plus the RFC's
/// spelling of the JWT type.
const SUBJECT_TYPES: [&str; 6] = [
    ACCESS_TOKEN,
    "urn:ietf:params:oauth:token-type:refresh_token",
    "urn:ietf:params:oauth:token-type:id_token",
    "urn:ietf:params:oauth:token-type:JWT",
    JWT,
    "urn:ietf:params:oauth:token-type:saml2",
];

/// The Salesforce profile's checks ahead of the generic token exchange: the
/// subject token type, then either the asset token flow (an actor token came:
/// answered here) or `client_id` (the token exchange flow names its app; the
/// generic grant goes on).
pub(crate) fn before_exchange(
    ctx: &Ctx<'_>,
    client_named: bool,
    form: &[(String, String)],
    state: &mut State,
    now: SystemTime,
) -> Result<Option<Response>, Refusal> {
    let subject_type = param(form, "subject_token_type")?.unwrap_or_default();
    if !subject_type.is_empty() && !SUBJECT_TYPES.contains(&subject_type) {
        return Err(Refusal::InvalidRequest(format!(
            "unsupported subject_token_type {subject_type:?}: Salesforce takes access_token, refresh_token, id_token, JWT or saml2"
        )));
    }
    if param(form, "actor_token")?.is_some() {
        return asset_token(ctx, form, state, now).map(Some);
    }
    if !client_named {
        return Err(Refusal::UnknownClient(
            "client_id is missing: the token exchange flow names the connected app".into(),
        ));
    }
    Ok(None)
}

/// The asset token flow: the subject a live access token, the actor token a
/// device's self-signed JWT; the answer an asset token JWT.
fn asset_token(
    ctx: &Ctx<'_>,
    form: &[(String, String)],
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Refusal> {
    let subject_type = param(form, "subject_token_type")?.unwrap_or_default();
    if subject_type != ACCESS_TOKEN {
        return Err(Refusal::InvalidRequest(format!(
            "the asset token flow exchanges an access token: subject_token_type must be {ACCESS_TOKEN}"
        )));
    }
    let actor_type = param(form, "actor_token_type")?.unwrap_or_default();
    if !actor_type.eq_ignore_ascii_case(JWT) {
        return Err(Refusal::InvalidRequest(format!(
            "the asset token flow's actor token is a JWT: actor_token_type must be {JWT}"
        )));
    }
    let subject = param(form, "subject_token")?.unwrap_or_default();
    state
        .check_access(subject, now)
        .map_err(|why| Refusal::BadRefreshToken(format!("the subject_token: {why}")))?;
    let actor = param(form, "actor_token")?.unwrap_or_default();
    let device = verified_actor(actor, now)?;
    let lifetime = ctx.config.token_lifetime;
    let mut claims = Claims::new(ctx.base_url, device.did.clone(), ctx.base_url)
        .with_lifetime(lifetime)
        .with_claim("did", device.did)
        .map_err(internal)?
        .with_claim("cnf", json!({ "jwk": device.jwk }))
        .map_err(internal)?;
    for name in ["Name", "Asset"] {
        if let Some(value) = device.claims.get(name) {
            claims = claims.with_claim(name, value.clone()).map_err(internal)?;
        }
    }
    let token = sign(ctx, state, &claims, now)?;
    Ok(json_answer(json!({
        "access_token": token,
        "token_type": "Bearer",
        "issued_token_type": JWT,
        "expires_in": lifetime.as_secs(),
    })))
}

/// What the testkit reads of an actor token.
struct Device {
    did: String,
    jwk: Value,
    claims: Map<String, Value>,
}

/// An actor token: a JWT with a `did`, signed by the key in its `cnf.jwk`
/// (proof of possession), its `exp` (if any) not passed.
fn verified_actor(actor: &str, now: SystemTime) -> Result<Device, Refusal> {
    let bad = |why: &str| Refusal::Assertion {
        problem: AssertionProblem::Invalid,
        why: format!("the actor token {why}"),
    };
    let unverified = UnverifiedJwt::decode(actor).map_err(|_| bad("is not a JWT"))?;
    let claims = unverified.claims().clone();
    let did = claims
        .get("did")
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| bad("has no did (device id)"))?
        .to_owned();
    let jwk = claims
        .get("cnf")
        .and_then(|c| c.get("jwk"))
        .and_then(Value::as_object)
        .ok_or_else(|| {
            bad("has no cnf.jwk: sign it with the device key and put its public key there")
        })?;
    let key = VerifyingKey::from_jwk_object(jwk).map_err(|_| bad("has an unusable cnf.jwk"))?;
    let algorithm: Algorithm = unverified
        .algorithm_name()
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| bad("names no known alg"))?;
    let parts = split_raw(actor).map_err(|_| bad("is not a compact JWS"))?;
    let mut signature = Vec::new();
    base64::decode_url_into(parts.signature.as_bytes(), &mut signature)
        .map_err(|_| bad("has a bad signature"))?;
    key.verify(algorithm, parts.signing_input.as_bytes(), &signature)
        .map_err(|_| bad("signature does not verify with its cnf.jwk"))?;
    if let Some(exp) = claims.get("exp").map(|e| e.as_u64().ok_or(())) {
        let exp = exp.map_err(|()| bad("has an exp that is no NumericDate"))?;
        let now = crate::time::unix_seconds(now).unwrap_or(0);
        if exp <= now {
            return Err(Refusal::Assertion {
                problem: AssertionProblem::Expired,
                why: "the actor token expired".into(),
            });
        }
    }
    Ok(Device {
        did,
        jwk: Value::Object(jwk.clone()),
        claims,
    })
}

/// `POST /services/a360/token`: a live access token of this server for a Data
/// Cloud token (a JWT access token the resource also takes) and the tenant's
/// `instance_url`.
pub(crate) fn data_cloud(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Response {
    let profile = ctx.config.profile;
    if request.method != "POST" {
        return Refusal::InvalidRequest("the Data Cloud token endpoint accepts POST only".into())
            .response(profile)
            .post_only();
    }
    match data_cloud_token(ctx, request, state, now) {
        Ok(response) => response,
        Err(refusal) => refusal.response(profile),
    }
}

fn data_cloud_token(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Refusal> {
    let form = crate::form::decode_pairs(&request.body).ok_or_else(|| {
        Refusal::InvalidRequest("the form body does not decode to UTF-8 text".into())
    })?;
    let grant_type = param(&form, "grant_type")?.unwrap_or_default();
    if grant_type != CDP_GRANT {
        return Err(Refusal::UnsupportedGrantType(format!(
            "grant_type {grant_type:?} is not supported here; use {CDP_GRANT}"
        )));
    }
    if param(&form, "subject_token_type")? != Some(ACCESS_TOKEN) {
        return Err(Refusal::InvalidRequest(format!(
            "subject_token_type must be {ACCESS_TOKEN}: the Data Cloud exchange takes a core Salesforce access token"
        )));
    }
    let subject = param(&form, "subject_token")?
        .ok_or_else(|| Refusal::InvalidRequest("subject_token is missing".into()))?;
    state
        .check_access(subject, now)
        .map_err(|why| Refusal::BadRefreshToken(format!("the subject_token: {why}")))?;
    let dataspace = match param(&form, "dataspace")? {
        Some("") => return Err(Refusal::InvalidRequest("dataspace is empty".into())),
        Some(d) => d.to_owned(),
        None => "default".to_owned(),
    };
    let lifetime = ctx.config.token_lifetime;
    let claims = Claims::without_subject(ctx.base_url, ctx.base_url)
        .with_lifetime(lifetime)
        .with_claim("dataspace", dataspace)
        .map_err(internal)?;
    let token = sign(ctx, state, &claims, now)?;
    state.register_access(token.clone(), now + lifetime);
    Ok(json_answer(json!({
        "access_token": token,
        "instance_url": ctx.base_url,
        "token_type": "Bearer",
        "issued_token_type": JWT,
        "expires_in": lifetime.as_secs(),
    })))
}

/// Signs `claims` with the server's key for the JWTs it issues (made on first
/// use).
fn sign(
    ctx: &Ctx<'_>,
    state: &mut State,
    claims: &Claims,
    now: SystemTime,
) -> Result<String, Refusal> {
    let key = state
        .issuing_key(ctx.rng)
        .ok_or_else(|| Refusal::ServerError("the testkit could not make its signing key".into()))?;
    claims
        .sign_at(key, now, ctx.rng)
        .map(|t| t.into_exposed_secret())
        .map_err(internal)
}

fn internal(e: crate::Error) -> Refusal {
    Refusal::ServerError(format!("the testkit could not build the token: {e}"))
}

fn json_answer(body: Value) -> Response {
    Response::json(200, &body).with_header(
        "Cache-Control",
        "no-cache,must-revalidate,max-age=0,no-store,private",
    )
}
