//! The revocation endpoint (RFC 7009), `POST /services/oauth2/revoke` with
//! `token=…`, and the client authentication it shares with the introspection
//! endpoint: the token endpoint's own (`client_auth.rs`), with this endpoint's
//! URL as the audience of client assertions.
//!
//! An access token is revoked alone; a refresh token with the refresh and access
//! tokens of its grant (RFC 7009 §2.1, as Salesforce does). An unknown token is
//! a 200 too (§2.2); a `token_type_hint` other than `access_token` and
//! `refresh_token` is `unsupported_token_type` (§2.2.1); a refresh token of
//! another client is `unauthorized_client`. The Salesforce profile asks no
//! client authentication and answers 400 `invalid_token` for an unknown token,
//! as Salesforce documents.

use std::time::SystemTime;

use serde_json::json;

use super::client_auth::{self, Caller};
use super::config::Profile;
use super::state::{Revoked, State};
use super::token::Ctx;
use super::wire::{Request, Response};
use crate::server;

/// The revocation endpoint's path, below the base URL (Salesforce's).
pub(crate) const REVOKE_PATH: &str = "/services/oauth2/revoke";

/// A POST of a form to an endpoint that takes a token back: the method, the
/// content type, the form, and the client authentication (checked when
/// credentials are there; `required`: a caller with none is refused). The
/// refusal is the response to send.
pub(crate) fn form_and_caller<'c>(
    ctx: &Ctx<'c>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
    required: bool,
) -> Result<(server::Request, Caller<'c>), Response> {
    let profile = ctx.config.profile;
    if request.method != "POST" {
        return Err(Response::json(
            405,
            &json!({"error": "invalid_request", "error_description": "use POST"}),
        )
        .post_only());
    }
    let parsed = server::Request::parse_form(&request.method, &request.headers, &request.body)
        .map_err(|refusal| client_auth::refusal(refusal).response(profile))?;
    let caller = client_auth::authenticate(ctx, &parsed, state, now)
        .map_err(|refusal| refusal.response(profile))?;
    if required && !caller.authenticated {
        return Err(Response::json(
            401,
            &json!({"error": "invalid_client",
                    "error_description": "authenticate the client (RFC 7009 §2.1, RFC 7662 §2.1)"}),
        ));
    }
    // The request itself, not a copy of its pairs: it wipes the credentials
    // and the token when dropped.
    Ok((parsed, caller))
}

/// Answers a revocation request.
pub(crate) fn handle(
    ctx: &Ctx<'_>,
    request: &Request,
    state: &mut State,
    now: SystemTime,
) -> Response {
    // Salesforce names no client authentication for revocation: the token is
    // its own proof there. Credentials that are sent are checked all the same.
    let salesforce = ctx.config.profile == Profile::Salesforce;
    let (form, caller) = match form_and_caller(ctx, request, state, now, !salesforce) {
        Ok(parts) => parts,
        Err(response) => return response,
    };
    let refuse = |status: u16, error: &str, why: &str| {
        Response::json(status, &json!({"error": error, "error_description": why}))
    };
    // A repeated parameter was refused with the form (server::Request::parse_form).
    let (Some(token), hint) = (form.param("token"), form.param("token_type_hint")) else {
        return refuse(
            400,
            "invalid_request",
            "send token=… once, and token_type_hint at most once (RFC 7009 §2.1)",
        );
    };
    let refresh_first = match hint {
        None | Some("access_token") => false,
        Some("refresh_token") => true,
        Some(_) => {
            return refuse(
                400,
                "unsupported_token_type",
                "this server revokes access_token and refresh_token only (RFC 7009 §2.2.1)",
            );
        }
    };
    let client_id = caller
        .client
        .filter(|_| caller.authenticated)
        .map(|c| c.id.as_str());
    match state.revoke(token, client_id, refresh_first) {
        // Salesforce answers 400 for every error, an unknown token included.
        Revoked::Unknown if salesforce => refuse(400, "invalid_token", "Token was invalid"),
        Revoked::NotYours => refuse(
            400,
            "unauthorized_client",
            "the refresh token was issued to another client (RFC 7009 §2.1)",
        ),
        Revoked::Access | Revoked::Refresh | Revoked::Unknown => {
            Response::new(200, "application/json", "{}")
        }
    }
}
