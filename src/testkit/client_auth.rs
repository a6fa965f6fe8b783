//! Client authentication at the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2 and
//! §3, OIDC Core §9): exactly one method per request.

use std::time::SystemTime;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use ring::hmac;

use super::config::Client;
use super::profile::Refusal;
use super::state::State;
use super::token::Ctx;
use crate::form;
use crate::jwt::{self, UnverifiedJwt, Validation};
use crate::key::VerifyingKey;

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub(crate) const JWT_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Who is calling, as far as client authentication can tell.
#[derive(Debug)]
pub(crate) struct Caller<'c> {
    /// The client named by the request, if any.
    pub(crate) client: Option<&'c Client>,
    /// Whether that client proved its identity (any method but none).
    pub(crate) authenticated: bool,
    /// The `x5t#S256` of the TLS client certificate that tokens issued to this
    /// caller are bound to (RFC 8705 §3).
    pub(crate) bound_to: Option<String>,
}

/// The single value of form parameter `name`; a repeated one is `invalid_request`
/// (RFC 6749 §3.2).
pub(crate) fn param<'f>(
    form: &'f [(String, String)],
    name: &str,
) -> Result<Option<&'f str>, Refusal> {
    let mut values = form
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(Refusal::InvalidRequest(format!(
            "parameter {name} is repeated; send it once (RFC 6749 §3.2)"
        )));
    }
    Ok(first)
}

/// Authenticates the caller of a token request. Credentials that are present are
/// always checked; whether they are *required* is up to the grant.
fn identify<'c>(
    ctx: &Ctx<'c>,
    authorization: Option<&str>,
    form: &[(String, String)],
    state: &mut State,
    now: SystemTime,
) -> Result<Caller<'c>, Refusal> {
    let body_id = param(form, "client_id")?;
    let body_secret = param(form, "client_secret")?;
    let assertion_type = param(form, "client_assertion_type")?;
    let assertion = param(form, "client_assertion")?;
    let uses_jwt = assertion_type.is_some() || assertion.is_some();
    let methods = [authorization.is_some(), body_secret.is_some(), uses_jwt]
        .iter()
        .filter(|&&used| used)
        .count();
    if methods > 1 {
        return Err(Refusal::InvalidRequest(
            "more than one client authentication method used; send exactly one of an \
             Authorization header, client_secret in the body, or client_assertion \
             (RFC 6749 §2.3)"
                .into(),
        ));
    }
    if let Some(header) = authorization {
        let (id, secret) = parse_basic(header)?;
        if body_id.is_some_and(|b| b != id) {
            return Err(Refusal::InvalidRequest(
                "client_id in the body differs from the one in the Basic credentials".into(),
            ));
        }
        let client = lookup(ctx, &id)?;
        check_secret(client, &secret, true)?;
        return Ok(Caller {
            client: Some(client),
            authenticated: true,
            bound_to: None,
        });
    }
    if let Some(secret) = body_secret {
        let id = body_id.ok_or_else(|| {
            Refusal::InvalidRequest(
                "client_secret without client_id; client_secret_post needs both".into(),
            )
        })?;
        let client = lookup(ctx, id)?;
        check_secret(client, secret, false)?;
        return Ok(Caller {
            client: Some(client),
            authenticated: true,
            bound_to: None,
        });
    }
    if uses_jwt {
        let client = check_client_assertion(ctx, assertion_type, assertion, body_id, state, now)?;
        return Ok(Caller {
            client: Some(client),
            authenticated: true,
            bound_to: None,
        });
    }
    let client = body_id.map(|id| lookup(ctx, id)).transpose()?;
    if let Some(client) = client.filter(|c| c.uses_tls_client_auth()) {
        // RFC 8705 §2: the certificate on the connection authenticates the client
        // the request names.
        super::tls::authenticate(client, &ctx.config.client_cas, ctx.peer_certificates, now)
            .map_err(|why| Refusal::BadClientCredentials { basic: false, why })?;
        return Ok(Caller {
            client: Some(client),
            authenticated: true,
            bound_to: None,
        });
    }
    Ok(Caller {
        client,
        authenticated: false,
        bound_to: None,
    })
}

/// Authenticates the caller ([`identify`]), and works out the certificate its
/// tokens are bound to: a client registered for certificate-bound tokens must
/// send its request over mutual TLS (RFC 8705 §3).
pub(crate) fn authenticate<'c>(
    ctx: &Ctx<'c>,
    authorization: Option<&str>,
    form: &[(String, String)],
    state: &mut State,
    now: SystemTime,
) -> Result<Caller<'c>, Refusal> {
    let mut caller = identify(ctx, authorization, form, state, now)?;
    if let Some(client) = caller.client.filter(|c| c.bound_tokens) {
        let leaf = ctx.peer_certificates.first().ok_or_else(|| {
            Refusal::InvalidRequest(format!(
                "client {:?} gets certificate-bound access tokens (RFC 8705 §3): send the request over mutual TLS, presenting the client certificate",
                client.id
            ))
        })?;
        let digest = ring::digest::digest(&ring::digest::SHA256, leaf);
        caller.bound_to = Some(Base64UrlUnpadded::encode_string(digest.as_ref()));
    }
    Ok(caller)
}

pub(crate) fn lookup<'c>(ctx: &Ctx<'c>, id: &str) -> Result<&'c Client, Refusal> {
    ctx.config.clients.get(id).ok_or_else(|| {
        Refusal::UnknownClient(format!("client_id {id:?} is not a registered client"))
    })
}

/// `Authorization: Basic base64(form-encoded id ":" form-encoded secret)`
/// (RFC 6749 §2.3.1).
fn parse_basic(header: &str) -> Result<(String, String), Refusal> {
    let bad = |why: &str| Refusal::BadClientCredentials {
        basic: true,
        why: format!(
            "{why}; send Authorization: Basic base64(form-encoded client_id \":\" form-encoded secret) (RFC 6749 §2.3.1)"
        ),
    };
    let (scheme, value) = header
        .split_once(' ')
        .ok_or_else(|| bad("the Authorization header has no scheme"))?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return Err(bad("the Authorization scheme is not Basic"));
    }
    let decoded = Base64::decode_vec(value.trim())
        .map_err(|_| bad("the Basic credentials are not valid base64"))?;
    let colon = decoded
        .iter()
        .position(|&b| b == b':')
        .ok_or_else(|| bad("the Basic credentials have no ':'"))?;
    let (id, secret) = decoded.split_at(colon);
    let secret = secret.get(1..).unwrap_or_default();
    let id = form::decode(id).ok_or_else(|| bad("the Basic client id is not UTF-8"))?;
    let secret = form::decode(secret).ok_or_else(|| bad("the Basic secret is not UTF-8"))?;
    Ok((id, secret))
}

fn check_secret(client: &Client, presented: &str, basic: bool) -> Result<(), Refusal> {
    let expected = client
        .secret
        .as_ref()
        .ok_or_else(|| Refusal::BadClientCredentials {
            basic,
            why: format!(
                "client {:?} has no secret; authenticate it another way",
                client.id
            ),
        })?;
    if secrets_match(expected.expose_secret(), presented) {
        Ok(())
    } else {
        Err(Refusal::BadClientCredentials {
            basic,
            why: format!(
                "wrong client secret for client {:?} (with Basic, id and secret must be form-encoded before base64, RFC 6749 §2.3.1)",
                client.id
            ),
        })
    }
}

/// Compares secrets in constant time (through HMAC tags, as ring's `hmac::verify`
/// compares in constant time).
fn secrets_match(expected: &str, presented: &str) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, b"s2s-oauth testkit secret comparison");
    let tag = hmac::sign(&key, expected.as_bytes());
    hmac::verify(&key, presented.as_bytes(), tag.as_ref()).is_ok()
}

/// `private_key_jwt` or `client_secret_jwt` (RFC 7523 §2.2 and §3): iss = sub =
/// client_id, aud = the token URL or the base URL, exp, jti not replayed.
fn check_client_assertion<'c>(
    ctx: &Ctx<'c>,
    assertion_type: Option<&str>,
    assertion: Option<&str>,
    body_id: Option<&str>,
    state: &mut State,
    now: SystemTime,
) -> Result<&'c Client, Refusal> {
    let bad = |why: String| Refusal::BadClientCredentials { basic: false, why };
    if assertion_type != Some(JWT_ASSERTION_TYPE) {
        return Err(Refusal::InvalidRequest(format!(
            "client_assertion_type must be {JWT_ASSERTION_TYPE} with a client_assertion"
        )));
    }
    let assertion = assertion.ok_or_else(|| {
        Refusal::InvalidRequest("client_assertion_type without client_assertion".into())
    })?;
    let unverified = UnverifiedJwt::decode(assertion)
        .map_err(|e| bad(format!("client_assertion is not a JWT: {e}")))?;
    let id = unverified
        .issuer()
        .ok_or_else(|| bad("client_assertion has no iss".into()))?
        .to_owned();
    if super::exchange::is_trusted_issuer(ctx, &id) {
        // A platform's JWT standing for a federated identity of the client.
        return super::exchange::federated_client(ctx, assertion, &id, body_id, now);
    }
    if body_id.is_some_and(|b| b != id) {
        return Err(Refusal::InvalidRequest(
            "client_id in the body differs from the client assertion's iss".into(),
        ));
    }
    let client = lookup(ctx, &id)?;
    let hmac_alg = unverified
        .algorithm_name()
        .is_some_and(|alg| alg.starts_with("HS"));
    let key = if hmac_alg {
        let secret = client.secret.as_ref().ok_or_else(|| {
            bad(format!(
                "client {id:?} has no secret to verify an HMAC client assertion (client_secret_jwt)"
            ))
        })?;
        VerifyingKey::hmac(secret.expose_secret().as_bytes())
            .map_err(|e| bad(format!("client secret unusable as an HMAC key: {e}")))?
    } else {
        client.public_key.clone().ok_or_else(|| {
            bad(format!(
                "client {id:?} has no public key to verify a private_key_jwt client assertion"
            ))
        })?
    };
    let validation = Validation::new(ctx.token_url)
        .with_audience(ctx.base_url)
        .with_issuer(&id)
        .with_subject(&id)
        .with_leeway(ctx.config.leeway)
        .with_max_lifetime(ctx.config.max_assertion_lifetime());
    jwt::verify(
        assertion,
        &key,
        &validation,
        now,
        state.replay_cache(&unverified),
    )
    .map_err(|e| bad(format!("client assertion rejected: {e}")))?;
    Ok(client)
}
