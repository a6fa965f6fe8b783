//! The driver's JWT access-token subcommand (RFC 9068 with RFC 8707 resource
//! indicators), over the crate's public API:
//!
//! ```text
//! interop-driver jwt-access-token --issuer ISS --client-id ID --secret-file F
//!     --resource R --audience AUD [--scope S] [--require-scope S] [--save-token F]
//!     [--expired] [--tamper]
//!     Gets a token by client credentials with resource=R (TokenRequest::with_param)
//!     from the issuer's discovered token endpoint, then verifies it through the
//!     issuer's metadata and JWK Set (discovery::JwksCache::verify_access_token)
//!     for AUD; --expired verifies two hours later, --tamper with a changed
//!     signature. Prints {"ok":true,"sub","client_id","scopes","aud","fetches"} or
//!     {"ok":false,"reason":"<JwtError variant>","message"}.
//! ```

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use s2s_oauth::discovery::{AuthorizationServerMetadata, JwksCache};
use s2s_oauth::jwt::AccessTokenValidation;
use s2s_oauth::{ClientAuth, Error, Grant};
use serde_json::{Value, json};

use super::{Options, print_report, read_secret};

/// `jwt-access-token`.
pub fn run(options: &Options) -> ExitCode {
    print_report(verify(options).map(|report| (report, 0)))
}

fn verify(options: &Options) -> Result<Value, String> {
    let agent = s2s_oauth::agent();
    let issuer = options.need("--issuer")?;
    let metadata =
        AuthorizationServerMetadata::discover(&agent, issuer).map_err(|e| e.to_string())?;
    let secret = read_secret(options.need("--secret-file")?)?;
    let auth = ClientAuth::basic(options.need("--client-id")?, secret);
    let mut request = metadata
        .token_request(Grant::client_credentials(), auth)
        .map_err(|e| e.to_string())?
        .with_param("resource", options.need("--resource")?)
        .map_err(|e| e.to_string())?;
    if let Some(scope) = options.get("--scope") {
        request = request.with_scope(scope).map_err(|e| e.to_string())?;
    }
    let response = request
        .send(&agent)
        .map_err(|e| format!("token request: {e}"))?;
    let mut token = response.access_token().expose_secret().to_owned();
    if let Some(path) = options.get("--save-token") {
        std::fs::write(path, &token).map_err(|e| format!("writing {path}: {e}"))?;
    }
    if options.has("--tamper") {
        let at = token.len() - 3;
        let replacement = if &token[at..at + 1] == "A" { "B" } else { "A" };
        token.replace_range(at..at + 1, replacement);
    }
    let mut rules = AccessTokenValidation::new(metadata.issuer(), options.need("--audience")?);
    if let Some(scope) = options.get("--require-scope") {
        rules = rules.require_scope(scope);
    }
    let mut now = SystemTime::now();
    if options.has("--expired") {
        now += Duration::from_secs(2 * 3600);
    }
    let mut keys = JwksCache::for_issuer(&metadata).map_err(|e| e.to_string())?;
    Ok(
        match keys.verify_access_token(&agent, &token, &rules, now) {
            Ok(verified) => json!({
                "ok": true,
                "sub": verified.subject(),
                "client_id": verified.client_id(),
                "scopes": verified.scopes(),
                "aud": verified.jwt().audiences(),
                "typ": verified.jwt().header().get("typ"),
                "fetches": keys.fetches(),
            }),
            Err(Error::Jwt(e)) => {
                let debug = format!("{e:?}");
                let reason: String = debug.chars().take_while(|c| c.is_alphanumeric()).collect();
                json!({"ok": false, "reason": reason, "message": e.to_string()})
            }
            Err(other) => json!({"ok": false, "reason": "other", "message": other.to_string()}),
        },
    )
}
