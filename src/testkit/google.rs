//! Google's shapes: the Security Token Service's token exchange
//! (`POST /v1/token`, as `sts.googleapis.com` takes it for workload identity
//! federation) and IAM Credentials `generateAccessToken`
//! (`POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken`), so that
//! an `external_account` credential file can run end to end on loopback.
//!
//! The subject token is checked by the token exchange grant's trust
//! ([`TrustedIssuer`](super::TrustedIssuer)); its `aud` must be the trusted
//! issuer's audience or, by default, what Google accepts by default: `https:`
//! followed by the provider's resource name (the STS `audience` parameter).

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use super::client_auth::param;
use super::exchange::{ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE, verified_subject};
use super::profile::Refusal;
use super::state::State;
use super::token::Ctx;
use super::wire::{Request, Response};

/// The STS token endpoint's path.
pub(crate) const STS_PATH: &str = "/v1/token";
/// The start of a `generateAccessToken` path; the email and
/// [`GENERATE_SUFFIX`] follow.
pub(crate) const IAM_PREFIX: &str = "/v1/projects/-/serviceAccounts/";
/// The end of a `generateAccessToken` path.
pub(crate) const GENERATE_SUFFIX: &str = ":generateAccessToken";

/// The subject token types Google's STS takes that the testkit can verify.
const SUBJECT_TYPES: [&str; 2] = [
    "urn:ietf:params:oauth:token-type:jwt",
    "urn:ietf:params:oauth:token-type:id_token",
];

/// The longest `lifetime` `generateAccessToken` grants without an organization
/// policy that extends it: an hour.
const MAX_LIFETIME: Duration = Duration::from_secs(3600);

/// An STS error as Google's STS answers one (RFC 6749 §5.2 members).
fn sts_error(status: u16, code: &str, description: impl Into<String>) -> Response {
    Response::json(
        status,
        &json!({ "error": code, "error_description": description.into() }),
    )
    .with_header("Cache-Control", "no-store")
}

/// A Google API error (`google.rpc.Status` in JSON), as IAM Credentials answers.
fn api_error(code: u16, status: &str, message: impl Into<String>) -> Response {
    Response::json(
        code,
        &json!({ "error": { "code": code, "message": message.into(), "status": status } }),
    )
}

/// Answers `POST /v1/token`.
pub(crate) fn sts(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Response {
    match sts_checked(ctx, request, state, now) {
        Ok(response) | Err(response) => response,
    }
}

fn sts_checked(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Response> {
    if request.method != "POST" {
        return Err(sts_error(405, "invalid_request", "use POST").post_only());
    }
    let is_form = request.is_form();
    if !is_form {
        return Err(sts_error(
            400,
            "invalid_request",
            "send the request as application/x-www-form-urlencoded",
        ));
    }
    // Google's reference: "do not send the Authorization HTTP header ... using
    // the header can cause the request to fail". The strict reading: it fails.
    if request.header("Authorization").is_some() {
        return Err(sts_error(
            400,
            "invalid_request",
            "the token method takes no Authorization header; send the request without one",
        ));
    }
    let form = crate::form::decode_pairs(&request.body)
        .ok_or_else(|| sts_error(400, "invalid_request", "the form body is not UTF-8"))?;
    let get = |name: &str| -> Result<Option<&str>, Response> {
        param(&form, name).map_err(|r| sts_error(400, "invalid_request", refusal_text(&r)))
    };
    let need = |name: &str| -> Result<&str, Response> {
        get(name)?
            .filter(|v| !v.is_empty())
            .ok_or_else(|| sts_error(400, "invalid_request", format!("{name} is required")))
    };
    let grant_type = need("grant_type")?;
    if grant_type != TOKEN_EXCHANGE {
        return Err(sts_error(
            400,
            "unsupported_grant_type",
            format!("grant_type {grant_type:?} is not supported; use {TOKEN_EXCHANGE}"),
        ));
    }
    let requested = need("requested_token_type")?;
    if requested != ACCESS_TOKEN_TYPE {
        return Err(sts_error(
            400,
            "invalid_request",
            format!("requested_token_type must be {ACCESS_TOKEN_TYPE}"),
        ));
    }
    let subject_type = need("subject_token_type")?;
    if !SUBJECT_TYPES.contains(&subject_type) {
        return Err(sts_error(
            400,
            "invalid_request",
            format!(
                "subject_token_type {subject_type:?} is not supported here; send a JWT (urn:ietf:params:oauth:token-type:jwt or :id_token)"
            ),
        ));
    }
    let subject = need("subject_token")?;
    let audience = need("audience")?;
    if !ctx.config.google_providers.iter().any(|p| p == audience) {
        return Err(sts_error(
            400,
            "invalid_target",
            "The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.",
        ));
    }
    // "Required when exchanging an external credential for a Google access token."
    need("scope")?;
    if let Some(options) = get("options")? {
        let parsed: Option<Value> = serde_json::from_str(options).ok();
        if !parsed.as_ref().is_some_and(Value::is_object) {
            return Err(sts_error(
                400,
                "invalid_request",
                "options must be a JSON object",
            ));
        }
    }
    // Google's default allowed audience for a provider: https: + its name.
    let default_audience = format!("https:{audience}");
    let sts_ctx = Ctx {
        audience: &default_audience,
        ..*ctx
    };
    verified_subject(&sts_ctx, "subject_token", subject, subject_type, now)
        .map_err(|r| sts_error(400, "invalid_grant", refusal_text(&r)))?;
    let lifetime = ctx.config.token_lifetime;
    let token = issue(ctx, state, now, lifetime)
        .ok_or_else(|| sts_error(500, "server_error", "the random source failed"))?;
    Ok(Response::json(
        200,
        &json!({
            "access_token": token,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
        }),
    )
    .with_header("Cache-Control", "no-store"))
}

/// The words of a refusal, for Google's error shapes.
fn refusal_text(refusal: &Refusal) -> String {
    match refusal {
        Refusal::InvalidRequest(why)
        | Refusal::UnknownClient(why)
        | Refusal::UnknownUser(why)
        | Refusal::BadRefreshToken(why)
        | Refusal::UnsupportedGrantType(why)
        | Refusal::ServerError(why)
        | Refusal::BadClientCredentials { why, .. }
        | Refusal::Assertion { why, .. } => why.clone(),
        Refusal::NoRunAsUser => "no run-as user".to_owned(),
    }
}

/// Issues an access token good for `lifetime` from `now`.
fn issue(ctx: &Ctx<'_>, state: &mut State, now: SystemTime, lifetime: Duration) -> Option<String> {
    state.issue_access(
        ctx.rng,
        ctx.config.profile,
        now.checked_add(lifetime).unwrap_or(now),
        None,
        None,
    )
}

/// A `google.protobuf.Duration` in its JSON form, as Google's APIs read one:
/// seconds with up to nine fractional digits, then `s` (`"3600s"`, `"600.5s"`).
fn proto_duration(text: &str) -> Option<Duration> {
    let number = text.strip_suffix('s')?;
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.len() <= 9 => (whole, fraction),
        Some(_) => return None,
        None => (number, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
        return None;
    }
    let nanos = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };
    Some(Duration::new(whole.parse().ok()?, nanos))
}

/// Answers `POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken`.
pub(crate) fn generate_access_token(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Response {
    match generate_checked(ctx, request, state, now) {
        Ok(response) | Err(response) => response,
    }
}

fn generate_checked(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Result<Response, Response> {
    if request.method != "POST" {
        return Err(api_error(405, "INVALID_ARGUMENT", "use POST").post_only());
    }
    let unauthenticated = || {
        api_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        )
        .with_header("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"")
    };
    let bearer = request
        .header("Authorization")
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(unauthenticated)?;
    state
        .check_access(bearer, now)
        .map_err(|_| unauthenticated())?;
    let email = request
        .path()
        .strip_prefix(IAM_PREFIX)
        .and_then(|rest| rest.strip_suffix(GENERATE_SUFFIX))
        .unwrap_or("");
    if !ctx
        .config
        .google_service_accounts
        .iter()
        .any(|e| e == email)
    {
        return Err(api_error(
            403,
            "PERMISSION_DENIED",
            "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
        ));
    }
    let invalid = |message: &str| api_error(400, "INVALID_ARGUMENT", message);
    let body: Value = serde_json::from_slice(&request.body)
        .map_err(|_| invalid("the request body is not JSON"))?;
    let scopes = body
        .get("scope")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("scope must be a non-empty list of OAuth scopes"))?;
    if !scopes
        .iter()
        .all(|s| s.as_str().is_some_and(|s| !s.trim().is_empty()))
    {
        return Err(invalid("every scope must be a non-empty string"));
    }
    let lifetime = match body.get("lifetime") {
        None => MAX_LIFETIME,
        Some(value) => value
            .as_str()
            .and_then(proto_duration)
            .filter(|d| !d.is_zero() && *d <= MAX_LIFETIME)
            .ok_or_else(|| {
                invalid("lifetime must be a duration in seconds such as \"3600s\", at most 3600s")
            })?,
    };
    let token = issue(ctx, state, now, lifetime)
        .ok_or_else(|| api_error(500, "INTERNAL", "the random source failed"))?;
    let expire_time = crate::time::format_xs_datetime(now.checked_add(lifetime).unwrap_or(now))
        .map_err(|_| api_error(500, "INTERNAL", "the clock is out of range"))?;
    Ok(Response::json(
        200,
        &json!({ "accessToken": token, "expireTime": expire_time }),
    ))
}
