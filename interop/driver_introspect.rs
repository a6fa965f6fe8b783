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

use s2s_oauth::introspection::{IntrospectionRequest, RevocationRequest, TokenTypeHint};
use s2s_oauth::{Error, SendOptions};
use serde_json::{Value, json};

use super::{BuildError, Options, agent_tls, client_auth, read_secret};

/// `introspect`.
pub fn introspect(options: &Options) -> ExitCode {
    report(run(options, true))
}

/// `revoke`.
pub fn revoke(options: &Options) -> ExitCode {
    report(run(options, false))
}

fn report(result: Result<(Value, u8), String>) -> ExitCode {
    let (report, code) = result
        .unwrap_or_else(|message| (json!({"ok": false, "kind": "usage", "message": message}), 2));
    println!("{report}");
    ExitCode::from(code)
}

fn run(options: &Options, introspect: bool) -> Result<(Value, u8), String> {
    let url = options.need("--url")?;
    let token = read_secret(options.need("--token-file")?)?;
    let auth = match client_auth(options) {
        Ok(auth) => auth,
        Err(BuildError::Crate(e)) => return Ok(refusal(e)),
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
            Err(e) => refusal(e),
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
        Err(e) => refusal(e),
    })
}

/// A failure as the `token` subcommand reports one.
fn refusal(error: Error) -> (Value, u8) {
    match error {
        Error::OAuth(e) => (
            json!({"ok": false, "kind": "oauth", "error": e.code.as_str(), "status": e.status,
                   "description": e.description}),
            3,
        ),
        e => {
            let (kind, code) = if e.is_local() {
                ("local", 2)
            } else {
                ("remote", 4)
            };
            (
                json!({"ok": false, "kind": kind, "status": e.status(), "message": e.to_string()}),
                code,
            )
        }
    }
}
