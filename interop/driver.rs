//! The Rust side of the interop suite (`interop/run.sh`): a small command-line
//! program over s2s-oauth's **public** API, so that third-party peers (authlib,
//! oidc-provider, PyJWT, jwcrypto, jose) check what the crate really sends and
//! accepts. It re-implements nothing: every JWT is signed by [`Claims::sign_at`] or
//! by [`TokenRequest::to_http_request`], every request is sent by
//! [`TokenRequest::send`] or [`HttpRequest::send`](s2s_oauth::HttpRequest::send), every answer is parsed by
//! [`TokenResponse::parse`], every JWT is verified by [`s2s_oauth::jwt::verify`].
//!
//! ```text
//! interop-driver sign-jwt --iss ISS --aud AUD [--sub SUB] (--key PEM | --hmac-file F) [--alg ALG]
//!                         [--kid KID] [--lifetime SECS] [--age SECS]
//! interop-driver client-assertion --url TOKEN_URL --client-id ID (--key PEM | --hmac-file F)
//!                         [--alg ALG] [--assertion-audience AUD]
//! interop-driver verify-jwt (--key PEM | --hmac-file F) --aud AUD [--iss ISS] [--sub SUB]
//!                         [--alg ALG] [--no-sub]        (the JWT on stdin)
//! interop-driver token --url TOKEN_URL --grant client-credentials|jwt-bearer|refresh-token|token-exchange
//!                      --auth none|basic|post|private-key-jwt|client-secret-jwt|tls|self-signed-tls|client-assertion
//!                      [--client-id ID] [--secret-file F] [--client-key PEM] [--client-alg ALG]
//!                      [--ca-file PEM] [--client-cert PEM --client-cert-key PEM]
//!                      [--introspect URL --introspect-client-id ID --introspect-secret-file F]
//!                      [--client-kid KID] [--assertion-audience AUD]
//!                      [--key PEM --alg ALG --iss ISS --sub SUB --aud AUD]   (jwt-bearer)
//!                      [--refresh-token-file F] [--save-refresh-token F] [--scope S]
//!                      [--subject-token-file F --subject-token-type TYPE]     (token-exchange)
//!                      [--actor-token-file F --actor-token-type TYPE] [--requested-token-type TYPE]
//!                      [--audiences A,B] [--resources R,S]
//!                      [--client-assertion-file F]                          (client-assertion)
//!                      [--expired] [--tamper] [--replay]
//!                      [--dpop-key PEM] [--save-access-token F] [--save-dpop-nonce F]
//! interop-driver dpop-call | verify-dpop ...        (DPoP: see driver_dpop.rs)
//! interop-driver sf-exchange | sf-actor-token | sf-asset | sf-data-cloud ...
//!                                                   (Salesforce: see driver_salesforce.rs)
//! interop-driver introspect | revoke --url URL --token-file F [--hint H] --auth ... (RFC 7662,
//!                      RFC 7009: see driver_introspect.rs)
//! interop-driver jwt-access-token --issuer ISS ...  (RFC 9068: see driver_jwks.rs)
//! ```
//!
//! `token` prints one JSON object: `{"ok":true,"token_type":…,"expires_in":…,
//! "scope":…,"refresh_token":true|false}` (exit 0) or `{"ok":false,"kind":"oauth",
//! "error":"<RFC 6749 §5.2 code>","status":…,"description":…}` (exit 3), `"kind":
//! "local"` (exit 2) or another kind (exit 4). No secret is ever printed: refresh
//! tokens go to the file named by `--save-refresh-token`.
//!
//! `--dpop-key` asks for a DPoP-bound token (`TokenRequest::with_dpop`; the report
//! adds `"dpop_nonce": true|false`, whether the response handed over a nonce);
//! `--save-access-token` and `--save-dpop-nonce` write the access token and that
//! nonce to files for `dpop-call`.
//!
//! `--expired` builds the request as of one hour ago (every assertion in it has
//! expired); `--tamper` flips one character of the JWT bearer assertion's
//! signature; `--replay` builds the request once and sends the same bytes twice,
//! reporting the second answer (with `"first_ok"`).
//!
//! `--ca-file`, `--client-cert` and `--client-cert-key` send with an agent of
//! `tls::AgentTls` (RFC 8705). `--introspect` then asks the server's introspection
//! endpoint (RFC 7662, client_secret_basic as `--introspect-client-id`) about the
//! token, over the same agent, and checks its `cnf` with
//! `tls::check_certificate_binding`: against the presented certificate
//! (`"binding":"ok"` or the error) and against another one (`"other_certificate"`:
//! the error, which must be a mismatch).

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use ring::rand::SystemRandom;
use s2s_oauth::exchange::{TokenExchange, TokenSource, TokenTypeUri};
use s2s_oauth::introspection::IntrospectionRequest;
use s2s_oauth::jwt::{Claims, Validation};
use s2s_oauth::secret::{ClientSecret, RefreshToken, SignedAssertion};
use s2s_oauth::tls::{AgentTls, check_certificate_binding};
use s2s_oauth::{
    Algorithm, Certificate, ClientAuth, Error, Grant, SendOptions, SigningKey, TokenRequest,
    TokenResponse, VerifyingKey,
};
use serde_json::{Value, json};

/// Flags that take no value.
const SWITCHES: &[&str] = &["--expired", "--tamper", "--replay", "--no-sub", "--twice"];

#[path = "driver_dpop.rs"]
mod dpop;

#[path = "driver_introspect.rs"]
mod handback;
#[path = "driver_jwks.rs"]
mod jwks;
#[path = "driver_salesforce.rs"]
mod salesforce;

/// How far back `--expired` moves the clock: far beyond any lifetime and leeway.
const EXPIRED_BY: Duration = Duration::from_secs(3600);

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(command) = args.next() else {
        return usage("no subcommand given");
    };
    let options = match Options::parse(args) {
        Ok(options) => options,
        Err(message) => return usage(&message),
    };
    let result = match command.as_str() {
        "sign-jwt" => sign_jwt(&options),
        "client-assertion" => client_assertion(&options),
        "verify-jwt" => return verify_jwt(&options),
        "token" => return token(&options),
        "dpop-call" => return dpop::call(&options),
        "introspect" => return handback::introspect(&options),
        "revoke" => return handback::revoke(&options),
        "verify-dpop" => return dpop::verify(&options),
        "sf-exchange" | "sf-actor-token" | "sf-asset" | "sf-data-cloud" => {
            return salesforce::run(&command, &options);
        }
        "jwt-access-token" => return jwks::run(&options),
        other => return usage(&format!("unknown subcommand {other:?}")),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("interop-driver {command}: {message}");
            ExitCode::from(2)
        }
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!(
        "interop-driver: {message}\nsubcommands: sign-jwt, client-assertion, verify-jwt, token (see interop/driver.rs)"
    );
    ExitCode::from(2)
}

/// `--name value` options and `--switch` flags.
struct Options {
    values: HashMap<String, String>,
    switches: Vec<String>,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut values = HashMap::new();
        let mut switches = Vec::new();
        while let Some(arg) = args.next() {
            if SWITCHES.contains(&arg.as_str()) {
                switches.push(arg);
            } else if arg.starts_with("--") {
                let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                values.insert(arg, value);
            } else {
                return Err(format!("unexpected argument {arg:?}"));
            }
        }
        Ok(Options { values, switches })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    fn need(&self, name: &str) -> Result<&str, String> {
        self.get(name).ok_or_else(|| format!("{name} is required"))
    }

    fn has(&self, switch: &str) -> bool {
        self.switches.iter().any(|s| s == switch)
    }

    fn seconds(&self, name: &str) -> Result<Option<Duration>, String> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map(Duration::from_secs)
                    .map_err(|_| format!("{name} wants whole seconds, got {v:?}"))
            })
            .transpose()
    }

    fn algorithm(&self, name: &str) -> Result<Option<Algorithm>, String> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|e: s2s_oauth::error::KeyError| format!("{name}: {e}"))
            })
            .transpose()
    }
}

/// A file's contents without one trailing newline (as the CLI reads secrets).
fn read_secret(path: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    Ok(text.strip_suffix('\r').unwrap_or(text).to_owned())
}

/// The signing key named by `key_flag` (a PEM private key) or `--hmac-file`,
/// bound to `alg_flag`'s algorithm when given.
fn signing_key(options: &Options, key_flag: &str, alg_flag: &str) -> Result<SigningKey, String> {
    let key = match (options.get(key_flag), options.get("--hmac-file")) {
        (Some(path), _) => {
            let pem = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
            SigningKey::from_pem(pem).map_err(|e| format!("{path}: {e}"))?
        }
        (None, Some(path)) => {
            SigningKey::hmac(read_secret(path)?.as_bytes()).map_err(|e| e.to_string())?
        }
        (None, None) => return Err(format!("{key_flag} or --hmac-file is required")),
    };
    let key = match options.algorithm(alg_flag)? {
        Some(alg) => key.with_algorithm(alg).map_err(|e| e.to_string())?,
        None => key,
    };
    Ok(match options.get("--kid") {
        Some(kid) => key.with_kid(kid),
        None => key,
    })
}

/// `sign-jwt`: an assertion signed by `Claims::sign_at`, printed compact.
fn sign_jwt(options: &Options) -> Result<String, String> {
    let key = signing_key(options, "--key", "--alg")?;
    let claims = assertion_claims(options)?;
    let age = options.seconds("--age")?.unwrap_or_default();
    let now = SystemTime::now()
        .checked_sub(age)
        .ok_or("--age is too large")?;
    let jwt = claims
        .sign_at(&key, now, &SystemRandom::new())
        .map_err(|e| e.to_string())?;
    Ok(jwt.into_exposed_secret())
}

fn assertion_claims(options: &Options) -> Result<Claims, String> {
    let iss = options.need("--iss")?;
    let aud = options.need("--aud")?;
    let claims = match options.get("--sub") {
        Some(sub) => Claims::new(iss, sub, aud),
        None => Claims::without_subject(iss, aud),
    };
    Ok(match options.seconds("--lifetime")? {
        Some(lifetime) => claims.with_lifetime(lifetime),
        None => claims,
    })
}

/// `client-assertion`: the `client_assertion` the crate puts in a real request.
fn client_assertion(options: &Options) -> Result<String, String> {
    let key = signing_key(options, "--key", "--alg")?;
    let client_id = options.need("--client-id")?;
    let auth = if key.algorithm().is_hmac() {
        ClientAuth::client_secret_jwt_with_key(client_id, key)
    } else {
        ClientAuth::private_key_jwt(client_id, key)
    }
    .map_err(|e| e.to_string())?;
    let auth = match options.get("--assertion-audience") {
        Some(aud) => auth.with_assertion_audience(aud),
        None => auth,
    };
    let request = TokenRequest::new(options.need("--url")?, Grant::client_credentials(), auth)
        .map_err(|e| e.to_string())?;
    let http = request.to_http_request_now().map_err(|e| e.to_string())?;
    form_value(http.body(), "client_assertion")
        .ok_or_else(|| "the request carries no client_assertion".to_owned())
}

/// The decoded value of `name` in a form body (`+` and `%XX` decoded).
fn form_value(body: &[u8], name: &str) -> Option<String> {
    body.split(|&b| b == b'&').find_map(|pair| {
        let (n, v) = pair.split_at(pair.iter().position(|&b| b == b'=')?);
        (n == name.as_bytes()).then(|| percent_decode(v.get(1..)?))?
    })
}

fn percent_decode(value: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(rest.get(..2)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                rest = rest.get(2..)?;
            }
            other => out.push(other),
        }
    }
    String::from_utf8(out).ok()
}

/// `verify-jwt`: `s2s_oauth::jwt::verify` on the JWT read from stdin.
fn verify_jwt(options: &Options) -> ExitCode {
    let outcome = (|| -> Result<Result<Value, Error>, String> {
        let key = match (options.get("--key"), options.get("--hmac-file")) {
            (Some(path), _) => {
                let pem = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
                VerifyingKey::from_pem(pem).map_err(|e| format!("{path}: {e}"))?
            }
            (None, Some(path)) => {
                VerifyingKey::hmac(read_secret(path)?.as_bytes()).map_err(|e| e.to_string())?
            }
            (None, None) => return Err("--key or --hmac-file is required".to_owned()),
        };
        let mut validation = Validation::new(options.need("--aud")?);
        if let Some(iss) = options.get("--iss") {
            validation = validation.with_issuer(iss);
        }
        if let Some(sub) = options.get("--sub") {
            validation = validation.with_subject(sub);
        }
        if options.has("--no-sub") {
            validation = validation.allow_missing_subject();
        }
        if let Some(alg) = options.algorithm("--alg")? {
            validation = validation.with_algorithms(&[alg]);
        }
        let mut token = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut token)
            .map_err(|e| format!("reading the JWT from stdin: {e}"))?;
        let verified =
            s2s_oauth::jwt::verify(token.trim(), &key, &validation, SystemTime::now(), None);
        Ok(verified.map(|jwt| {
            json!({
                "ok": true,
                "alg": jwt.algorithm().as_str(),
                "iss": jwt.issuer(),
                "sub": jwt.subject(),
                "aud": jwt.audiences(),
                "jti": jwt.jti(),
            })
        }))
    })();
    match outcome {
        Ok(Ok(report)) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            let reason = match &error {
                // The variant's name (`WrongAudience`), without the details it
                // carries, which the suite does not compare.
                Error::Jwt(e) => format!("{e:?}")
                    .split([' ', '(', '{'])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                other => format!("{other:?}"),
            };
            println!(
                "{}",
                json!({"ok": false, "kind": "jwt", "reason": reason, "message": error.to_string()})
            );
            ExitCode::from(1)
        }
        Err(message) => {
            eprintln!("interop-driver verify-jwt: {message}");
            ExitCode::from(2)
        }
    }
}

/// `token`: a token request built and sent with the crate, its outcome as JSON.
fn token(options: &Options) -> ExitCode {
    print_report(run_token(options))
}

/// Prints a subcommand's JSON report and exits with its code; a usage error
/// (the `Err` message) is reported as `kind: usage` with exit code 2.
fn print_report(result: Result<(Value, u8), String>) -> ExitCode {
    let (report, code) = result
        .unwrap_or_else(|message| (json!({"ok": false, "kind": "usage", "message": message}), 2));
    println!("{report}");
    ExitCode::from(code)
}

fn run_token(options: &Options) -> Result<(Value, u8), String> {
    let request = match build_request(options) {
        Ok(request) => request,
        Err(BuildError::Crate(e)) => return Ok(outcome(Err(e), None)),
        Err(BuildError::Usage(message)) => return Err(message),
    };
    let tls = agent_tls(options)?;
    let agent = match &tls {
        Some(tls) => tls.agent(),
        None => s2s_oauth::agent(),
    };
    let send_options = SendOptions::new().with_timeout(Duration::from_secs(20));
    let rng = SystemRandom::new();
    let now = SystemTime::now();
    let result = if options.has("--replay") {
        // The same bytes twice: the second must be refused (jti replay, RFC 7523 §3).
        let http = request
            .to_http_request(now, &rng)
            .map_err(|e| e.to_string())?;
        let first = http
            .send(&agent, &send_options)
            .and_then(|r| TokenResponse::parse(&r, SystemTime::now()));
        let second = http
            .send(&agent, &send_options)
            .and_then(|r| TokenResponse::parse(&r, SystemTime::now()));
        let (mut report, code) = outcome(second, options.get("--save-refresh-token"));
        report["first_ok"] = json!(first.is_ok());
        if let Err(e) = first {
            report["first_error"] = json!(e.to_string());
        }
        return Ok((report, code));
    } else if options.has("--expired") {
        let then = now
            .checked_sub(EXPIRED_BY)
            .ok_or("the clock is too early")?;
        request
            .to_http_request(then, &rng)
            .and_then(|http| http.send(&agent, &send_options))
            .and_then(|r| TokenResponse::parse(&r, SystemTime::now()))
    } else {
        request.send_with(&agent, &send_options)
    };
    if let Ok(token) = &result {
        for (flag, value) in [
            (
                "--save-access-token",
                Some(token.access_token().expose_secret()),
            ),
            ("--save-dpop-nonce", token.dpop_nonce()),
        ] {
            if let Some(path) = options.get(flag) {
                std::fs::write(path, value.unwrap_or_default())
                    .map_err(|e| format!("writing {path}: {e}"))?;
            }
        }
    }
    let dpop_nonce = result.as_ref().ok().map(|t| t.dpop_nonce().is_some());
    let introspection = match (&result, options.get("--introspect")) {
        (Ok(token), Some(url)) => Some(introspect(options, &agent, url, token, tls.as_ref())?),
        _ => None,
    };
    let (mut report, code) = outcome(result, options.get("--save-refresh-token"));
    if let Some(kept) = dpop_nonce {
        report["dpop_nonce"] = json!(kept);
    }
    if let Some(introspection) = introspection {
        report["introspection"] = introspection;
    }
    Ok((report, code))
}

/// The agent's TLS settings from `--ca-file`, `--client-cert`, `--client-cert-key`.
fn agent_tls(options: &Options) -> Result<Option<AgentTls>, String> {
    let (ca, cert, key) = (
        options.get("--ca-file"),
        options.get("--client-cert"),
        options.get("--client-cert-key"),
    );
    if ca.is_none() && cert.is_none() {
        return Ok(None);
    }
    let mut tls = AgentTls::new();
    if let Some(ca) = ca {
        tls = tls
            .with_ca_file(ca)
            .map_err(|e| format!("--ca-file {ca}: {e}"))?;
    }
    if let Some(cert) = cert {
        let key = key.ok_or("--client-cert needs --client-cert-key")?;
        tls = tls
            .with_client_cert_files(cert, key)
            .map_err(|e| format!("--client-cert {cert}: {e}"))?;
    }
    Ok(Some(tls))
}

/// RFC 7662 introspection of the new token (`IntrospectionRequest`, Basic
/// credentials), and the crate's `cnf` check of the answer against the presented
/// certificate and against another certificate.
fn introspect(
    options: &Options,
    agent: &s2s_oauth::ureq::Agent,
    url: &str,
    token: &TokenResponse,
    tls: Option<&AgentTls>,
) -> Result<Value, String> {
    let id = options.need("--introspect-client-id")?;
    let secret = read_secret(options.need("--introspect-secret-file")?)?;
    let answer = IntrospectionRequest::new(
        url,
        token.access_token().expose_secret(),
        ClientAuth::basic(id, secret.as_str()),
    )
    .and_then(|request| request.send(agent))
    .map_err(|e| format!("introspection: {e}"))?;
    let claims = answer.as_json();
    let mut report = json!({
        "status": 200,
        "active": answer.is_active(),
        "cnf_x5t_s256": claims.get("cnf").and_then(|c| c.get("x5t#S256")),
    });
    if let Some(presented) = tls.and_then(AgentTls::client_certificate) {
        report["presented_x5t_s256"] = json!(presented.x5t_s256());
        report["binding"] = match check_certificate_binding(claims, presented.der()) {
            Ok(()) => json!("ok"),
            Err(e) => json!(format!("{e:?}")),
        };
    }
    if let Some(other) = options.get("--other-cert") {
        let other = Certificate::from_pem_file(other).map_err(|e| e.to_string())?;
        report["other_certificate"] = match check_certificate_binding(claims, other.der()) {
            Ok(()) => json!("ok"),
            Err(e) => json!(format!("{e:?}")),
        };
    }
    Ok(report)
}

enum BuildError {
    /// The crate refused the input: reported like any other outcome.
    Crate(Error),
    /// The driver was called wrongly.
    Usage(String),
}

impl From<Error> for BuildError {
    fn from(e: Error) -> Self {
        BuildError::Crate(e)
    }
}

impl From<String> for BuildError {
    fn from(message: String) -> Self {
        BuildError::Usage(message)
    }
}

fn build_request(options: &Options) -> Result<TokenRequest, BuildError> {
    let grant = match options.need("--grant")? {
        "client-credentials" => Grant::client_credentials(),
        "jwt-bearer" => {
            let key = signing_key(options, "--key", "--alg")?;
            let claims = assertion_claims(options)?;
            if options.has("--tamper") {
                let jwt = claims.sign_at(&key, SystemTime::now(), &SystemRandom::new())?;
                Grant::jwt_bearer_assertion(SignedAssertion::new(tamper(jwt.expose_secret())?))
            } else {
                Grant::jwt_bearer(claims, key)
            }
        }
        "refresh-token" => {
            let token = read_secret(options.need("--refresh-token-file")?)?;
            Grant::refresh_token(RefreshToken::new(token))
        }
        "token-exchange" => token_exchange(options)?,
        other => return Err(format!("unknown --grant {other:?}").into()),
    };
    let auth = client_auth(options)?;
    let mut request = TokenRequest::new(options.need("--url")?, grant, auth)?;
    if let Some(key) = dpop::key(options)? {
        request = request.with_dpop(&key);
    }
    Ok(match options.get("--scope") {
        Some(scope) => request.with_scope(scope)?,
        None => request,
    })
}

/// The client authentication from `--auth` and its flags (`--client-id`,
/// `--secret-file`, `--client-key`, `--client-alg`, `--client-kid`,
/// `--client-assertion-file`, `--assertion-audience`).
fn client_auth(options: &Options) -> Result<ClientAuth, BuildError> {
    let client_id = || options.need("--client-id");
    let secret = || -> Result<ClientSecret, String> {
        Ok(ClientSecret::new(read_secret(
            options.need("--secret-file")?,
        )?))
    };
    let client_key = || -> Result<SigningKey, String> {
        let path = options.need("--client-key")?;
        let pem = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
        let key = SigningKey::from_pem(pem).map_err(|e| format!("{path}: {e}"))?;
        let key = match options.algorithm("--client-alg")? {
            Some(alg) => key.with_algorithm(alg).map_err(|e| e.to_string())?,
            None => key,
        };
        Ok(match options.get("--client-kid") {
            Some(kid) => key.with_kid(kid),
            None => key,
        })
    };
    let auth = match options.need("--auth")? {
        "none" => match options.get("--client-id") {
            Some(id) => ClientAuth::none_with_client_id(id),
            None => ClientAuth::none(),
        },
        "basic" => ClientAuth::basic(client_id()?, secret()?),
        "post" => ClientAuth::post(client_id()?, secret()?),
        "private-key-jwt" => ClientAuth::private_key_jwt(client_id()?, client_key()?)?,
        "client-secret-jwt" => ClientAuth::client_secret_jwt(client_id()?, secret()?)?,
        "tls" => ClientAuth::tls_client_auth(client_id()?)?,
        "self-signed-tls" => ClientAuth::self_signed_tls_client_auth(client_id()?)?,
        "client-assertion" => ClientAuth::client_assertion(
            client_id()?,
            TokenSource::file(options.need("--client-assertion-file")?),
        )?,
        other => return Err(format!("unknown --auth {other:?}").into()),
    };
    Ok(match options.get("--assertion-audience") {
        Some(aud) => auth.with_assertion_audience(aud),
        None => auth,
    })
}

/// The RFC 8693 grant: the subject (and actor) token read from its file when the
/// request is built, the types as the CLI takes them (short names or URIs), comma-
/// separated audiences and resources.
fn token_exchange(options: &Options) -> Result<Grant, BuildError> {
    let token_type = |flag: &str| -> Result<TokenTypeUri, BuildError> {
        Ok(TokenTypeUri::parse(options.need(flag)?)?)
    };
    let mut exchange = TokenExchange::new(
        TokenSource::file(options.need("--subject-token-file")?),
        token_type("--subject-token-type")?,
    );
    if let Some(actor) = options.get("--actor-token-file") {
        exchange = exchange.with_actor(TokenSource::file(actor), token_type("--actor-token-type")?);
    }
    if options.get("--requested-token-type").is_some() {
        exchange = exchange.with_requested_token_type(token_type("--requested-token-type")?);
    }
    for audience in options
        .get("--audiences")
        .into_iter()
        .flat_map(|a| a.split(','))
    {
        exchange = exchange.with_audience(audience)?;
    }
    for resource in options
        .get("--resources")
        .into_iter()
        .flat_map(|r| r.split(','))
    {
        exchange = exchange.with_resource(resource)?;
    }
    Ok(Grant::token_exchange(exchange))
}

/// The compact JWT with the first character of its signature changed: the
/// signature no longer matches, everything else is intact.
fn tamper(jwt: &str) -> Result<String, String> {
    let dot = jwt.rfind('.').ok_or("the JWT has no signature part")?;
    let (head, signature) = jwt.split_at(dot + 1);
    let mut chars = signature.chars();
    let first = chars.next().ok_or("the JWT's signature is empty")?;
    let replaced = if first == 'A' { 'B' } else { 'A' };
    Ok(format!("{head}{replaced}{}", chars.as_str()))
}

/// The JSON report and exit code for a token request's outcome.
fn outcome(result: Result<TokenResponse, Error>, save_refresh: Option<&str>) -> (Value, u8) {
    match result {
        Ok(token) => {
            let mut report = json!({
                "ok": true,
                "token_type": token.token_type().map(|t| t.as_str().to_owned()),
                "expires_in": token.expires_in().map(|d| d.as_secs()),
                "scope": token.scope(),
                "refresh_token": token.refresh_token().is_some(),
                "access_token_len": token.access_token().expose_secret().len(),
                "issued_token_type": token.issued_token_type(),
                "is_access_token": token.is_access_token(),
            });
            if let (Some(path), Some(refresh)) = (save_refresh, token.refresh_token()) {
                if let Err(e) = std::fs::write(path, refresh.expose_secret()) {
                    report["save_error"] = json!(format!("writing {path}: {e}"));
                }
            }
            (report, 0)
        }
        Err(e) => failure(e),
    }
}

/// The JSON report and exit code for a crate error: `oauth` (3) for the server's
/// OAuth error, `local` (2) or `remote` (4) otherwise.
fn failure(error: Error) -> (Value, u8) {
    match error {
        Error::OAuth(e) => (
            json!({
                "ok": false,
                "kind": "oauth",
                "error": e.code.as_str(),
                "status": e.status,
                "description": e.description,
            }),
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
