//! The driver's `introspect` (RFC 7662) and `revoke` (RFC 7009) subcommands: the
//! token read from `--token-file`, handed back with the crate's
//! `IntrospectionRequest` / `RevocationRequest` and the client authentication of
//! `--auth` (the same flags as `token`), over the `--ca-file` / `--client-cert`
//! agent when given.
//!
//! ```text
//! interop-driver introspect --url URL --token-file F [--hint H] --auth ... [client flags]
//! interop-driver revoke     --url URL --token-file F [--hint H] --auth ... [client flags]
//! ```
//!
//! `introspect` prints `{"ok":true,"active":…,"client_id":…,"scope":[…],
//! "token_type":…,"sub":…,"aud":[…],"exp":true|false,"extra":[names]}` (exit 0);
//! `revoke` prints `{"ok":true}`; a refusal is the `token` subcommand's report
//! (`"kind":"oauth"` with the server's code, exit 3; local 2; remote 4).

use std::process::ExitCode;
use std::time::Duration;

use s2s_oauth::SendOptions;
use s2s_oauth::introspection::{IntrospectionRequest, RevocationRequest, TokenTypeHint};
use serde_json::{Value, json};

use super::{BuildError, Options, agent_tls, client_auth, failure, print_report, read_secret};

/// `introspect`.
pub fn introspect(options: &Options) -> ExitCode {
    print_report(run(options, true))
}

/// `revoke`.
pub fn revoke(options: &Options) -> ExitCode {
    print_report(run(options, false))
}

fn run(options: &Options, introspect: bool) -> Result<(Value, u8), String> {
    let url = options.need("--url")?;
    let token = read_secret(options.need("--token-file")?)?;
    let auth = match client_auth(options) {
        Ok(auth) => auth,
        Err(BuildError::Crate(e)) => return Ok(failure(e)),
        Err(BuildError::Usage(message)) => return Err(message),
    };
    let agent = match agent_tls(options)? {
        Some(tls) => tls.agent(),
        None => s2s_oauth::agent(),
    };
    let send_options = SendOptions::new().with_timeout(Duration::from_secs(20));
    let hint = options.get("--hint").map(TokenTypeHint::from);
    if introspect {
        let result = IntrospectionRequest::new(url, token.as_str(), auth)
            .and_then(|r| match hint {
                Some(hint) => r.with_token_type_hint(hint),
                None => Ok(r),
            })
            .and_then(|r| r.send_with(&agent, &send_options));
        return Ok(match result {
            Ok(answer) => (
                json!({
                    "ok": true,
                    "active": answer.is_active(),
                    "client_id": answer.client_id(),
                    "username": answer.username(),
                    "scope": answer.scope(),
                    "token_type": answer.token_type().map(|t| t.as_str().to_owned()),
                    "sub": answer.subject(),
                    "iss": answer.issuer(),
                    "aud": answer.audience(),
                    "exp": answer.expires_at().is_some(),
                    "extra": answer.extra().keys().collect::<Vec<_>>(),
                }),
                0,
            ),
            Err(e) => failure(e),
        });
    }
    let result = RevocationRequest::new(url, token.as_str(), auth)
        .and_then(|r| match hint {
            Some(hint) => r.with_token_type_hint(hint),
            None => Ok(r),
        })
        .and_then(|r| r.send_with(&agent, &send_options));
    Ok(match result {
        Ok(()) => (json!({"ok": true}), 0),
        Err(e) => failure(e),
    })
}
