//! Token introspection (RFC 7662) of the server's access tokens, with the
//! certificate binding (RFC 8705 §3.2): `POST /services/oauth2/introspect` with
//! `token=…`. A test server: it asks no client authentication of the caller.

use std::time::SystemTime;

use serde_json::json;

use super::client_auth::param;
use super::state::State;
use super::wire::{Request, Response};

/// The introspection endpoint's path, below the base URL.
pub(crate) const INTROSPECT_PATH: &str = "/services/oauth2/introspect";

/// Answers an introspection request: `{"active": false}` for a token that is
/// unknown, expired or revoked; else `active`, `token_type`, `exp`, and `cnf`
/// with `x5t#S256` for a certificate-bound token.
pub(crate) fn handle(request: &Request, state: &State, now: SystemTime) -> Response {
    if request.method != "POST" {
        return Response::json(
            405,
            &json!({"error": "invalid_request", "error_description": "use POST"}),
        )
        .with_header("Allow", "POST");
    }
    let form = crate::form::decode_pairs(&request.body).unwrap_or_default();
    let token = match param(&form, "token") {
        Ok(Some(token)) => token,
        _ => {
            return Response::json(
                400,
                &json!({"error": "invalid_request", "error_description": "send token=… once (RFC 7662 §2.1)"}),
            );
        }
    };
    let Ok(live) = state.check_access(token, now) else {
        return Response::json(200, &json!({"active": false}));
    };
    let exp = live
        .expires_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut answer = json!({"active": true, "token_type": "Bearer", "exp": exp});
    if let Some(thumbprint) = live.bound_to {
        answer["cnf"] = json!({ "x5t#S256": thumbprint });
    }
    Response::json(200, &answer)
}
