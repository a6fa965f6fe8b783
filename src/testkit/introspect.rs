//! Token introspection (RFC 7662) of the server's access and refresh tokens, with
//! the certificate binding (RFC 8705 §3.2): `POST /services/oauth2/introspect`
//! with `token=…`. Client credentials, when sent, are checked as the token
//! endpoint checks them (`revoke::form_and_caller`; bad ones are `invalid_client`,
//! RFC 7662 §2.3); a test server, it also answers a caller that sends none.

use std::time::SystemTime;

use serde_json::json;

use super::config::Profile;
use super::revoke::form_and_caller;
use super::state::State;
use super::token::Ctx;
use super::wire::{Request, Response};

/// The introspection endpoint's path, below the base URL.
pub(crate) const INTROSPECT_PATH: &str = "/services/oauth2/introspect";

/// Answers an introspection request: `{"active": false}` for a token that is
/// unknown, expired or revoked; for a live access token `active`, `token_type`,
/// `exp`, `client_id`, `username`, `sub`, `scope` when one was granted, and
/// `cnf` with `x5t#S256` for a certificate-bound token; for a live
/// refresh token `active`, `client_id`, `username`, `sub` and `scope`. The
/// Salesforce profile names the kind of token in `token_type` (`access_token`,
/// `refresh_token`), as Salesforce does.
pub(crate) fn handle(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Response {
    let (form, _caller) = match form_and_caller(ctx, request, state, now, false) {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    // A repeated parameter was refused with the form (server::Request::parse_form).
    let token = match form.param("token") {
        Some(token) => token,
        None => {
            return Response::json(
                400,
                &json!({"error": "invalid_request", "error_description": "send token=… once (RFC 7662 §2.1)"}),
            );
        }
    };
    let salesforce = ctx.config.profile == Profile::Salesforce;
    if let Ok(live) = state.check_access(token, now) {
        let exp = live
            .expires_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let token_type = if salesforce { "access_token" } else { "Bearer" };
        let mut answer = json!({"active": true, "token_type": token_type, "exp": exp});
        if let Some(thumbprint) = live.bound_to {
            answer["cnf"] = json!({ "x5t#S256": thumbprint });
        }
        if let Some(owner) = state.owner(token) {
            answer["client_id"] = json!(owner.client_id);
            answer["username"] = json!(owner.username);
            answer["sub"] = json!(owner.username);
            if let Some(scope) = &owner.scope {
                answer["scope"] = json!(scope);
            }
        }
        return Response::json(200, &answer);
    }
    if let Some(live) = state.live_refresh(token, now) {
        let mut answer = json!({"active": true, "client_id": live.client_id,
            "username": live.username, "sub": live.username});
        if let Some(scope) = live.scope {
            answer["scope"] = json!(scope);
        }
        if salesforce {
            answer["token_type"] = json!("refresh_token");
        }
        return Response::json(200, &answer);
    }
    Response::json(200, &json!({"active": false}))
}
