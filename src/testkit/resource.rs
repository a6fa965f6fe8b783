//! The protected resource: `GET /services/data/v60.0/` with a bearer token
//! (RFC 6750 §2.1), answering as Salesforce's REST API does.

use std::time::SystemTime;

use serde_json::json;

use super::config::Profile;
use super::profile;
use super::state::State;
use super::wire::{Request, Response};

/// The resource path, below the base URL.
pub(crate) const RESOURCE_PATH: &str = "/services/data/v60.0/";

/// Answers a request to the resource: 200 for a live token, 401 otherwise.
pub(crate) fn handle(
    profile: Profile,
    request: &Request,
    state: &State,
    now: SystemTime,
) -> Response {
    if request.method != "GET" {
        return Response::json(
            405,
            &json!([{"message": "use GET", "errorCode": "METHOD_NOT_ALLOWED"}]),
        )
        .with_header("Allow", "GET");
    }
    let token = request.header("Authorization").and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("Bearer").then(|| token.trim())
    });
    let Some(token) = token else {
        return profile::invalid_token(profile, "no bearer token in the Authorization header");
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
