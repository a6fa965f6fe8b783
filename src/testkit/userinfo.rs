//! Who an access token's user is: the OpenID Connect UserInfo endpoint
//! (`GET /services/oauth2/userinfo`) and the Salesforce identity URL a token
//! response names (`GET /id/<org id>/<user id>`), both with
//! `Authorization: Bearer`. The answers have Salesforce's shape; an identity URL
//! of another user than the token's is a 403, as a token that is not live is a
//! 401 with `WWW-Authenticate: Bearer error="invalid_token"`.

use std::time::SystemTime;

use serde_json::json;

use super::profile::identity_url;
use super::state::State;
use super::wire::{Request, Response};

/// The UserInfo endpoint's path, below the base URL.
pub(crate) const USERINFO_PATH: &str = "/services/oauth2/userinfo";
/// The identity URLs' path prefix, below the base URL.
pub(crate) const IDENTITY_PREFIX: &str = "/id/";

/// Answers a GET of the UserInfo endpoint or of an identity URL.
pub(crate) fn handle(
    base_url: &str,
    request: &Request,
    state: &State,
    now: SystemTime,
) -> Response {
    if request.method != "GET" {
        return Response::json(
            405,
            &json!({"error": "invalid_request", "error_description": "use GET"}),
        )
        .with_header("Allow", "GET");
    }
    let token = request
        .header("Authorization")
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim());
    let owner = token
        .filter(|token| state.check_access(token, now).is_ok())
        .and_then(|token| state.owner(token));
    let Some(owner) = owner else {
        return Response::json(
            401,
            &json!({"error": "invalid_token", "error_description": "send a live access token as Authorization: Bearer"}),
        )
        .with_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    };
    let id = identity_url(base_url, &owner.username);
    // `<base>/id/<org id>/<user id>`: the last two segments.
    let mut segments = id.rsplit('/');
    let user_id = segments.next().unwrap_or_default();
    let org_id = segments.next().unwrap_or_default();
    if request.path() == USERINFO_PATH {
        return Response::json(
            200,
            &json!({"sub": id, "user_id": user_id, "organization_id": org_id,
                    "preferred_username": owner.username, "name": owner.username,
                    "urls": {"rest": format!("{base_url}/services/data/v{{version}}/")}}),
        );
    }
    if format!("{base_url}{}", request.path()) != id {
        return Response::json(
            403,
            &json!({"error": "insufficient_scope", "error_description": "this identity URL is another user's"}),
        );
    }
    Response::json(
        200,
        &json!({"id": id, "user_id": user_id, "organization_id": org_id, "username": owner.username,
                "display_name": owner.username, "active": true, "user_type": "STANDARD",
                "urls": {"rest": format!("{base_url}/services/data/v{{version}}/")}}),
    )
}
