//! Authorization server metadata (RFC 8414 §3, OpenID Connect Discovery §4) at
//! `/.well-known/oauth-authorization-server` and `/.well-known/openid-configuration`.

use serde_json::json;

use super::introspect::INTROSPECT_PATH;
use super::token::GRANT_TYPES;
use super::wire::{Request, Response};
use crate::key::algorithm::Algorithm;

/// RFC 8414 §3.1.
pub(crate) const OAUTH_PATH: &str = "/.well-known/oauth-authorization-server";
/// OpenID Connect Discovery 1.0 §4.
pub(crate) const OPENID_PATH: &str = "/.well-known/openid-configuration";

/// The same document at both paths: `issuer` = the base URL, the token endpoint,
/// the grants and client authentication methods the token endpoint takes, and the
/// algorithms it verifies client assertions with; on the TLS listener (`tls`) also
/// the RFC 8705 methods, `tls_client_certificate_bound_access_tokens` and
/// `mtls_endpoint_aliases` (the same endpoints: one listener serves both).
pub(crate) fn handle(request: &Request, base_url: &str, token_url: &str, tls: bool) -> Response {
    if request.method != "GET" {
        return Response::json(
            405,
            &json!({"error": "invalid_request", "error_description": "metadata is read with GET"}),
        )
        .with_header("Allow", "GET");
    }
    let algorithms: Vec<&str> = Algorithm::ALL.iter().map(|a| a.as_str()).collect();
    let introspection = format!("{base_url}{INTROSPECT_PATH}");
    let mut metadata = json!({
        "issuer": base_url,
        "token_endpoint": token_url,
        "grant_types_supported": GRANT_TYPES,
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
            "client_secret_jwt",
            "none"
        ],
        "token_endpoint_auth_signing_alg_values_supported": algorithms,
        "response_types_supported": ["token"],
        "introspection_endpoint": introspection,
        "jwks_uri": format!("{base_url}{}", super::jwt_access::JWKS_PATH),
    });
    if tls {
        if let Some(methods) = metadata["token_endpoint_auth_methods_supported"].as_array_mut() {
            methods.extend([
                json!("tls_client_auth"),
                json!("self_signed_tls_client_auth"),
            ]);
        }
        metadata["tls_client_certificate_bound_access_tokens"] = json!(true);
        metadata["mtls_endpoint_aliases"] = json!({
            "token_endpoint": token_url,
            "introspection_endpoint": introspection,
        });
    }
    Response::json(200, &metadata).with_header("Cache-Control", "max-age=3600")
}
