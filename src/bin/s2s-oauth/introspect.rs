//! `introspect` (RFC 7662) and `revoke` (RFC 7009): a token read from
//! `--token-file` / `--token-env` handed back to its server with the client
//! authentication flags. `--token-url` is the introspection or revocation
//! endpoint itself; `--salesforce` names the host and the path is Salesforce's.
//!
//! `introspect` prints the answer as one JSON object and exits 0 when the token is
//! active, 1 when it is not; `revoke` prints nothing and exits 0 once the server
//! said 200. Failures map to the usual exit codes ([`crate::exit`]); `--retries`
//! retries the exit-4 class as for a token request.

use std::io::Write;

use s2s_oauth::SendOptions;
use s2s_oauth::introspection::{IntrospectionRequest, RevocationRequest, TokenTypeHint};
use s2s_oauth::providers::salesforce::LoginHost;
use s2s_oauth::secret::{ClientSecret, SecurityToken};

use crate::args::Options;
use crate::command::Command;
use crate::commands::{client_auth, salesforce_failure};
use crate::exit::Failure;
use crate::inputs;
use crate::send::{Endpoint, Sending, with_retries};

/// Runs `introspect` or `revoke`, writing what it prints to `out`.
pub(crate) fn run(
    command: Command,
    options: &Options,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let (url, salesforce) = endpoint(command, options)?;
    let Some(source) = &options.token else {
        return Err(Failure::usage(format!(
            "{} needs --token-file FILE or --token-env VAR (the token to {})",
            command.name(),
            if command == Command::Revoke {
                "revoke"
            } else {
                "introspect"
            },
        )));
    };
    let token = SecurityToken::new(inputs::secret(source, "token")?);
    let secret = match &options.client_secret {
        Some(source) => Some(ClientSecret::new(inputs::secret(source, "client-secret")?)),
        None => None,
    };
    let auth = client_auth(options, secret)?;
    let agent = inputs::agent(options)?;
    let hint = options.token_type_hint.as_deref().map(TokenTypeHint::from);
    let how = Sending {
        timeout: options.timeout.unwrap_or(SendOptions::DEFAULT_TIMEOUT),
        retries: options.retries.unwrap_or(0),
        salesforce,
        endpoint: if command == Command::Revoke {
            Endpoint::Revocation
        } else {
            Endpoint::Introspection
        },
    };
    let send_options = SendOptions::new().with_timeout(how.timeout);
    // Revocation is idempotent and introspection a read: both are retried as a
    // token request is (`--retries`, the exit-4 class only).
    let failed = |failure: Failure| match failure {
        Failure::Send(sent) if sent.error.is_local() => Failure::library("", sent.error),
        other => other,
    };
    if command == Command::Revoke {
        let mut request = RevocationRequest::new(url.as_str(), token, auth)
            .map_err(|e| Failure::library("--token-url", e))?;
        if let Some(hint) = hint {
            request = request
                .with_token_type_hint(hint)
                .map_err(|e| Failure::library("--token-type-hint", e))?;
        }
        return with_retries(url.as_str(), how, || {
            request.send_with(&agent, &send_options)
        })
        .map_err(failed);
    }
    let mut request = IntrospectionRequest::new(url.as_str(), token, auth)
        .map_err(|e| Failure::library("--token-url", e))?;
    if let Some(hint) = hint {
        request = request
            .with_token_type_hint(hint)
            .map_err(|e| Failure::library("--token-type-hint", e))?;
    }
    let answer = with_retries(url.as_str(), how, || {
        request.send_with(&agent, &send_options)
    })
    .map_err(failed)?;
    out.write_all(answer.to_json().as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(Failure::Output)?;
    if answer.is_active() {
        Ok(())
    } else {
        Err(Failure::ChecksFailed(
            "the token is not active (the server answered active: false): unknown, expired, revoked, or not for this client".into(),
        ))
    }
}

/// The endpoint URL, and whether it is Salesforce's: `--token-url` as given, or
/// the `--salesforce` host's introspection or revocation URL.
fn endpoint(command: Command, options: &Options) -> Result<(String, bool), Failure> {
    match (&options.token_url, &options.salesforce) {
        (Some(_), Some(_)) => Err(Failure::usage("give --token-url or --salesforce, not both")),
        (Some(url), None) => Ok((url.clone(), false)),
        (None, Some(value)) => {
            let host = LoginHost::parse(value).map_err(|e| salesforce_failure(value, e))?;
            let url = if command == Command::Revoke {
                host.revocation_url()
            } else {
                host.introspection_url()
            };
            Ok((url, true))
        }
        (None, None) => Err(Failure::usage(format!(
            "{} needs --token-url URL (the {} endpoint itself) or --salesforce login|test|URL",
            command.name(),
            if command == Command::Revoke {
                "revocation"
            } else {
                "introspection"
            },
        ))),
    }
}
