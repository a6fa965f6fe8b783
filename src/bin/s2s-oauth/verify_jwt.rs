//! `verify-jwt`: a JWT (or an RFC 9068 access token) checked against a JWK Set
//! fetched from `--jwks-url`, read from `--jwks-file`, or one `--key`; the
//! verified header and claims printed as JSON. Exit 3 when the token is not
//! valid; keys that could not be fetched are exit 4 when a retry may help, 5
//! when `--jwks-url` answered with no JWK Set.

use std::io::Write;
use std::time::SystemTime;

use serde_json::{Value, json};

use s2s_oauth::discovery::JwksCache;
use s2s_oauth::jwt::{
    AccessTokenValidation, DEFAULT_ACCESS_TOKEN_MAX_LIFETIME, Jwks, UnverifiedJwt, Validation,
    verify_access_token, verify_with_jwks,
};
use s2s_oauth::{Error, SendOptions, VerifyingKey};

use crate::args::Options;
use crate::exit::Failure;
use crate::inputs;

/// Runs `verify-jwt`.
pub(crate) fn run(options: &Options, out: &mut impl Write) -> Result<(), Failure> {
    let source = options.token.as_ref().ok_or_else(|| {
        Failure::usage("verify-jwt needs the token: --token-file FILE or --token-env VAR")
    })?;
    let token = inputs::secret(source, "token")?;
    let audience = options.audience.as_deref().ok_or_else(|| {
        Failure::usage("verify-jwt needs --audience: the aud this service expects")
    })?;
    if options.access_token_profile && options.issuer.is_none() {
        return Err(Failure::usage(
            "--access-token needs --issuer: RFC 9068 §4 requires iss to match the issuer",
        ));
    }
    if options.timeout.is_some() && options.jwks_url.is_none() {
        return Err(Failure::usage(
            "--timeout applies to the --jwks-url request only; leave it out with --jwks-file or --key",
        ));
    }
    let jwks = keys(options, &token)?;
    let now = SystemTime::now();
    let verified = if options.access_token_profile {
        let issuer = options.issuer.as_deref().unwrap_or_default();
        let rules = AccessTokenValidation::new(issuer, audience);
        verify_access_token(&token, &jwks, &rules, now).map(|t| t.jwt().clone())
    } else {
        let mut validation = Validation::new(audience)
            .allow_missing_subject()
            .with_max_lifetime(DEFAULT_ACCESS_TOKEN_MAX_LIFETIME);
        if let Some(issuer) = &options.issuer {
            validation = validation.with_issuer(issuer);
        }
        verify_with_jwks(&token, &jwks, &validation, now, None)
    };
    let verified = verified.map_err(|e| match e {
        Error::Jwt(jwt) => Failure::Invalid(jwt.to_string()),
        other => Failure::library("--token", other),
    })?;
    let printed = json!({
        "header": Value::Object(verified.header().clone()),
        "claims": Value::Object(verified.claims().clone()),
    });
    writeln!(out, "{printed}")
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
}

/// The keys: exactly one of `--jwks-url`, `--jwks-file`, `--key`.
fn keys(options: &Options, token: &str) -> Result<Jwks, Failure> {
    match (&options.jwks_url, &options.jwks_file, &options.key) {
        (Some(url), None, None) => {
            let mut cache = JwksCache::new(url).map_err(|e| Failure::library("--jwks-url", e))?;
            let agent = inputs::agent(options)?;
            let request = cache.request();
            let limit = SendOptions::new()
                .with_timeout(options.timeout.unwrap_or(SendOptions::DEFAULT_TIMEOUT))
                .with_body_limit(Jwks::MAX_LEN as u64);
            let response = request.send(&agent, &limit).map_err(Failure::Keys)?;
            cache
                .accept(&response, SystemTime::now())
                .cloned()
                .map_err(Failure::Keys)
        }
        (None, Some(path), None) => {
            let bytes = read(path, "--jwks-file")?;
            // A local file: bad input (exit 2), whatever the library calls it.
            Jwks::parse(&bytes).map_err(|e| Failure::usage(format!("--jwks-file: {e}")))
        }
        (None, None, Some(path)) => {
            let bytes = read(path, "--key")?;
            let key = if bytes.trim_ascii_start().starts_with(b"{") {
                let text = String::from_utf8(bytes)
                    .map_err(|_| Failure::usage("the file given to --key is not UTF-8"))?;
                VerifyingKey::from_jwk(&text)
            } else {
                VerifyingKey::from_pem(&bytes)
            }
            .map_err(|e| Failure::library("--key", e))?;
            // One key answers to whatever kid the token names.
            let kid = UnverifiedJwt::decode(token)
                .ok()
                .and_then(|t| t.kid().map(str::to_owned));
            Ok(Jwks::from_keys([(key, kid)]))
        }
        _ => Err(Failure::usage(
            "verify-jwt needs exactly one of --jwks-url URL, --jwks-file FILE, --key FILE",
        )),
    }
}

fn read(path: &std::path::Path, flag: &str) -> Result<Vec<u8>, Failure> {
    inputs::read_limited(path)
        .map_err(|e| Failure::usage(format!("cannot read the file given to {flag}: {e}")))
}
