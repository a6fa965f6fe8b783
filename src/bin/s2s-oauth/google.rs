//! `google`: a token from a Google credential file of either kind, loaded by the
//! library's one loader (`providers::google::Credentials`): a service account key
//! (the JWT Bearer request at the file's `token_uri`, `--subject` for domain-wide
//! delegation) or an `external_account` file (the STS exchange, then the
//! `generateAccessToken` call when the file names a service account to
//! impersonate).

use std::path::Path;
use std::time::{Duration, SystemTime};

use s2s_oauth::providers::google::{
    CLOUD_PLATFORM_SCOPE, Credentials, ExternalAccount, LoadOptions,
};
use s2s_oauth::{HttpRequest, HttpResponse, SendOptions, TokenRequest, TokenResponse};
use zeroize::Zeroizing;

use crate::args::Options;
use crate::exit::Failure;
use crate::inputs;
use crate::send::{self, Sending};

/// The credential file's bytes (a service account file holds a private key:
/// wiped when dropped).
pub(crate) fn read_credentials(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    inputs::read_file(path, &format!("--credentials {}", path.display())).map(Zeroizing::new)
}

/// Loads `--credentials`, checks everything local, then sends.
pub(crate) fn fetch(options: &Options) -> Result<TokenResponse, Failure> {
    let Some(path) = &options.credentials else {
        return Err(Failure::usage(
            "google needs --credentials FILE (a service account key file or an external_account file)",
        ));
    };
    let json = read_credentials(path)?;
    // Executables only with GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1, as
    // Google's libraries require; loopback endpoints only when asked.
    let load = LoadOptions::from_env().allow_loopback_endpoints(options.allow_loopback_endpoints);
    let context = format!("--credentials {}", path.display());
    let credentials =
        Credentials::from_json(&json[..], &load).map_err(|e| Failure::library(&context, e))?;
    let how = Sending {
        timeout: options.timeout.unwrap_or(SendOptions::DEFAULT_TIMEOUT),
        retries: options.retries.unwrap_or(0),
        salesforce: false,
        endpoint: crate::send::Endpoint::Token,
    };
    let scope = options.scope.as_deref();
    match credentials {
        Credentials::ServiceAccount(key) => {
            let key = match &options.subject {
                Some(user) => key.with_subject(user),
                None => key,
            };
            let request = key
                .token_request(scope.unwrap_or(CLOUD_PLATFORM_SCOPE))
                .map_err(|e| Failure::library("--scope", e))?;
            send_token_request(request, options, how)
        }
        Credentials::ExternalAccount(account) => {
            if options.subject.is_some() {
                return Err(Failure::usage(format!(
                    "--subject (domain-wide delegation) applies to a service_account key file; {context} is an external_account file, whose identity comes from its credential source: leave --subject out"
                )));
            }
            let request = account
                .sts_request(scope)
                .map_err(|e| Failure::library("--scope", e))?;
            let sts = send_token_request(request, options, how)?;
            if account.impersonation_url().is_none() {
                return Ok(sts);
            }
            let http = account
                .impersonation_request(sts.access_token(), scope)
                .map_err(|e| Failure::library("--scope", e))?;
            let agent = inputs::agent(options)?;
            impersonate(&http, how, &agent)
        }
    }
}

/// The agent, `--dpop-key`, then the send with `--retries`.
fn send_token_request(
    mut request: TokenRequest,
    options: &Options,
    how: Sending,
) -> Result<TokenResponse, Failure> {
    if let Some(auth) = crate::commands::client_assertion(options)? {
        // `--client-assertion-file`: the STS or token_uri request authenticates
        // the client with it (Google's own endpoints want none).
        request = request
            .with_client_auth(auth)
            .map_err(|e| Failure::library("--client-assertion-file", e))?;
    }
    let agent = inputs::agent(options)?;
    let dpop = crate::commands::dpop_key(options)?;
    if let Some(key) = &dpop {
        request = request.with_dpop(key);
    }
    let token = send::send(&request, how, &agent)?;
    crate::commands::warn_if_unbound(dpop.is_some(), &token);
    Ok(token)
}

/// IAM Credentials `generateAccessToken`, retried like a token request; its
/// answer as a token response (`access_token`, `token_type` Bearer, `expires_in`)
/// so that the output and the cache treat it like any other.
fn impersonate(
    http: &HttpRequest,
    how: Sending,
    agent: &s2s_oauth::ureq::Agent,
) -> Result<TokenResponse, Failure> {
    let options = SendOptions::new().with_timeout(how.timeout);
    send::with_retries(http.url(), how, || {
        http.send(agent, &options).and_then(|answer| {
            let now = SystemTime::now();
            let token = ExternalAccount::parse_impersonation_response(&answer, now)?;
            let mut body = serde_json::json!({
                "access_token": token.access_token().expose_secret(),
                "token_type": "Bearer",
            });
            // No expireTime: no expires_in (the cache's --max-age applies), not
            // an answer that says the token has already expired.
            if let Some(at) = token.expires_at() {
                let left = at.duration_since(now).unwrap_or(Duration::ZERO);
                body["expires_in"] = left.as_secs().into();
            }
            let body = Zeroizing::new(body.to_string());
            let response = HttpResponse::new(
                200,
                vec![("Content-Type".into(), "application/json".into())],
                body.as_bytes().to_vec(),
            );
            TokenResponse::parse(&response, now)
        })
    })
}
