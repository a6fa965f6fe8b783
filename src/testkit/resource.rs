//! The protected resource: `GET /services/data/v60.0/` with a bearer token
//! (RFC 6750 §2.1), answering as Salesforce's REST API does, or with a DPoP-bound
//! token and its proof (RFC 9449 §7.1).

use std::time::SystemTime;

use ring::rand::SecureRandom;
use serde_json::json;

use super::config::Config;
use super::dpop;
use super::profile;
use super::state::State;
use super::wire::{Request, Response};

/// The resource path, below the base URL.
pub(crate) const RESOURCE_PATH: &str = "/services/data/v60.0/";

/// Answers a request to the resource at `url`: 200 for a live token (with its
/// proof if it is DPoP-bound), 401 otherwise.
pub(crate) fn handle(
    config: &Config,
    url: &str,
    request: &Request,
    state: &mut State,
    rng: &dyn SecureRandom,
    now: SystemTime,
) -> Response {
    let profile = config.profile;
    if request.method != "GET" {
        return Response::json(
            405,
            &json!([{"message": "use GET", "errorCode": "METHOD_NOT_ALLOWED"}]),
        )
        .with_header("Allow", "GET");
    }
    let credentials = request.header("Authorization").and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        Some((scheme, token.trim()))
    });
    let token = match credentials {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("Bearer") => {
            // RFC 9449 §7.2: a DPoP-bound token is no bearer token.
            if state.access_jkt(token).is_some() {
                return profile::invalid_token(
                    profile,
                    "the access token is DPoP-bound: send it as Authorization: DPoP with a proof",
                );
            }
            token
        }
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("DPoP") => {
            if let Err(refusal) =
                dpop::check_resource_request(config, url, request, token, state, rng, now)
            {
                return refusal;
            }
            token
        }
        _ => {
            return profile::invalid_token(
                profile,
                "no bearer or DPoP token in the Authorization header",
            );
        }
    };
    match state
        .check_access(token, now)
        .and_then(|live| check_binding(request, live.bound_to))
    {
        Ok(()) => Response::json(
            200,
            &json!({
                "sobjects": "/services/data/v60.0/sobjects",
                "query": "/services/data/v60.0/query",
                "limits": "/services/data/v60.0/limits"
            }),
        ),
        Err(why) => profile::invalid_token(profile, why),
    }
}

/// A certificate-bound token is taken only on a connection with that client
/// certificate (RFC 8705 §3), checked with the crate's own verifier.
fn check_binding(request: &Request, bound_to: Option<&str>) -> Result<(), &'static str> {
    let Some(thumbprint) = bound_to else {
        return Ok(());
    };
    let Some(presented) = request.peer_certificates.first() else {
        return Err(
            "the access token is bound to a TLS client certificate (RFC 8705 §3) and the connection has none",
        );
    };
    let claims = json!({ "cnf": { "x5t#S256": thumbprint } });
    let claims = claims.as_object().ok_or("internal: cnf is an object")?;
    crate::tls::check_certificate_binding(claims, presented)
        .map_err(|_| "the access token is bound to another TLS client certificate (RFC 8705 §3)")
}
