//! The command line, parsed with `lexopt` into a [`Command`] and its [`Options`].
//!
//! Parsing only reads the arguments: files and environment variables are read later
//! ([`crate::inputs`]). A flag a subcommand does not use, a flag given twice, an
//! empty value or a stray argument is a usage error (exit 2). Error messages name
//! flags, never the values of the flags that point at secrets.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use lexopt::{Arg, Parser};
use s2s_oauth::Algorithm;
use s2s_oauth::exchange::TokenTypeUri;
use serde_json::Value;

use crate::command::Command;
use crate::exit::Failure;
use crate::help;

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// Print this help text on stdout, exit 0.
    Help(&'static str),
    /// Print the version, exit 0.
    Version,
    /// Run a subcommand.
    Run(Command, Box<Options>),
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Output {
    /// The token response as one JSON object.
    #[default]
    Json,
    /// The access token alone.
    Token,
    /// `Authorization: <token_type> <access_token>`, a header line for curl -H.
    Header,
    /// Shell-quoted `ACCESS_TOKEN=`, `TOKEN_TYPE=`, `EXPIRES_AT=`, `INSTANCE_URL=`
    /// lines for `eval`.
    Env,
}

/// `--auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthMethod {
    None,
    Basic,
    Post,
    PrivateKeyJwt,
    ClientSecretJwt,
    /// RFC 8705 §2.1 `tls_client_auth`.
    Tls,
    /// RFC 8705 §2.2 `self_signed_tls_client_auth`.
    SelfSignedTls,
}

impl AuthMethod {
    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "none" => AuthMethod::None,
            "basic" => AuthMethod::Basic,
            "post" => AuthMethod::Post,
            "private-key-jwt" => AuthMethod::PrivateKeyJwt,
            "client-secret-jwt" => AuthMethod::ClientSecretJwt,
            "tls" => AuthMethod::Tls,
            "self-signed-tls" => AuthMethod::SelfSignedTls,
            _ => return None,
        })
    }

    /// The `--auth` value.
    pub(crate) fn name(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::Basic => "basic",
            AuthMethod::Post => "post",
            AuthMethod::PrivateKeyJwt => "private-key-jwt",
            AuthMethod::ClientSecretJwt => "client-secret-jwt",
            AuthMethod::Tls => "tls",
            AuthMethod::SelfSignedTls => "self-signed-tls",
        }
    }
}

/// Where a secret comes from: a file or an environment variable, never a flag value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// `--…-file FILE`.
    File(PathBuf),
    /// `--…-env VAR`.
    Env(OsString),
}

/// The flags' values. Secrets are not in here, only where to read them.
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub(crate) token_url: Option<String>,
    pub(crate) salesforce: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) output: Option<Output>,
    pub(crate) issuer: Option<String>,
    pub(crate) subject: Option<String>,
    pub(crate) audience: Option<String>,
    pub(crate) key: Option<PathBuf>,
    pub(crate) alg: Option<Algorithm>,
    pub(crate) kid: Option<String>,
    pub(crate) lifetime: Option<Duration>,
    pub(crate) claims: Vec<(String, Value)>,
    pub(crate) recipient: Option<String>,
    pub(crate) cert: Option<PathBuf>,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<Source>,
    pub(crate) client_key: Option<PathBuf>,
    pub(crate) client_alg: Option<Algorithm>,
    pub(crate) client_kid: Option<String>,
    pub(crate) auth: Option<AuthMethod>,
    pub(crate) refresh_token: Option<Source>,
    pub(crate) retries: Option<u32>,
    /// `--cache FILE`, `--min-ttl`, `--max-age`, `--refresh` ([`crate::cache`]).
    pub(crate) cache: Option<PathBuf>,
    pub(crate) min_ttl: Option<Duration>,
    pub(crate) max_age: Option<Duration>,
    pub(crate) refresh: bool,
    /// `--dpop-key FILE`: the token is DPoP-bound (RFC 9449); `dpop-proof`'s key.
    pub(crate) dpop_key: Option<PathBuf>,
    /// `dpop-proof`: `--method`, `--url`, the access token's source, `--nonce`.
    pub(crate) method: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) access_token: Option<Source>,
    pub(crate) nonce: Option<String>,
    /// `--ca-file FILE`: also trust these CAs for the server's certificate.
    pub(crate) ca_file: Option<PathBuf>,
    /// `--client-cert FILE --client-cert-key FILE`: a TLS client certificate.
    pub(crate) client_cert: Option<PathBuf>,
    pub(crate) client_cert_key: Option<PathBuf>,
    /// token-exchange (RFC 8693 §2.1): where the subject and actor tokens are read
    /// from, their types, the requested type; `--audience` (repeatable there) and
    /// `--resource` (repeatable).
    pub(crate) subject_token: Option<Source>,
    pub(crate) subject_token_type: Option<TokenTypeUri>,
    pub(crate) actor_token: Option<Source>,
    pub(crate) actor_token_type: Option<TokenTypeUri>,
    pub(crate) requested_token_type: Option<TokenTypeUri>,
    pub(crate) audiences: Vec<String>,
    pub(crate) resources: Vec<String>,
    /// `--client-assertion-file`: a platform-issued client assertion.
    pub(crate) client_assertion_file: Option<PathBuf>,
    /// google: `--credentials FILE` (either kind of Google credential file) and
    /// `--allow-loopback-endpoints` (the file may name this machine: tests).
    pub(crate) credentials: Option<PathBuf>,
    pub(crate) allow_loopback_endpoints: bool,
    /// introspect, revoke, verify-jwt: where the token is read from;
    /// `--token-type-hint` (introspect, revoke).
    pub(crate) token: Option<Source>,
    pub(crate) token_type_hint: Option<String>,
    /// verify-jwt: the keys (`--jwks-url`, `--jwks-file`;
    /// `--key` is the shared field), `--access-token` (the RFC 9068 profile).
    pub(crate) jwks_url: Option<String>,
    pub(crate) jwks_file: Option<PathBuf>,
    pub(crate) access_token_profile: bool,
}

/// Parses the arguments after the program name.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, Failure> {
    let mut parser = Parser::from_args(args);
    let command = match parser.next().map_err(lexopt_failure)? {
        None => {
            return Err(Failure::usage(
                "no subcommand given; run s2s-oauth --help for the list",
            ));
        }
        Some(Arg::Long("help") | Arg::Short('h')) => return Ok(Parsed::Help(help::TOP)),
        Some(Arg::Long("version") | Arg::Short('V')) => return Ok(Parsed::Version),
        Some(Arg::Value(name)) if name == "help" => return help_for(&mut parser),
        Some(Arg::Value(name)) => {
            let name = name.to_string_lossy();
            Command::from_name(&name).ok_or_else(|| {
                Failure::usage(format!(
                    "unknown subcommand {name:?}; expected one of: {}",
                    names()
                ))
            })?
        }
        Some(Arg::Long(flag)) => {
            return Err(Failure::usage(format!(
                "--{flag} comes after the subcommand: s2s-oauth <SUBCOMMAND> [OPTIONS] ({})",
                names()
            )));
        }
        Some(Arg::Short(flag)) => return Err(unknown_short(flag)),
    };
    let mut options = Options::default();
    while let Some(arg) = parser.next().map_err(lexopt_failure)? {
        let flag = match arg {
            Arg::Long("help") | Arg::Short('h') => return Ok(Parsed::Help(help::of(command))),
            Arg::Long(flag) => flag.to_owned(),
            Arg::Short(flag) => return Err(unknown_short(flag)),
            Arg::Value(_) => {
                // Not echoed: a stray value may be a secret pasted in the wrong place.
                return Err(Failure::usage(format!(
                    "unexpected argument (not after a flag) in {}; every value follows its flag, e.g. --issuer ISS",
                    command.name()
                )));
            }
        };
        if !command.accepts(&flag) {
            return Err(not_accepted(command, &flag));
        }
        if flag == "access-token" {
            // verify-jwt's switch, with no value.
            if std::mem::replace(&mut options.access_token_profile, true) {
                return Err(Failure::usage("--access-token is given twice"));
            }
            continue;
        }
        if flag == "refresh" || flag == "allow-loopback-endpoints" {
            // The flags with no value.
            let switch = match flag.as_str() {
                "refresh" => &mut options.refresh,
                _ => &mut options.allow_loopback_endpoints,
            };
            if std::mem::replace(switch, true) {
                return Err(Failure::usage(format!("--{flag} is given twice")));
            }
            continue;
        }
        if command == Command::Google && flag == "scope" {
            // Repeatable: the scopes are joined with spaces.
            let value = parser.value().map_err(lexopt_failure)?;
            let value = non_empty_text(&flag, value)?;
            options.scope = Some(match options.scope.take() {
                Some(before) => format!("{before} {value}"),
                None => value,
            });
            continue;
        }
        if command == Command::TokenExchange && flag == "audience" {
            // RFC 8693 §2.1: one or more audience values.
            let value = parser.value().map_err(lexopt_failure)?;
            let value = non_empty_text(&flag, value)?;
            options.audiences.push(value);
            continue;
        }
        set(&mut options, &flag, &mut parser)?;
    }
    Ok(Parsed::Run(command, Box::new(options)))
}

/// `s2s-oauth help [SUBCOMMAND]`.
fn help_for(parser: &mut Parser) -> Result<Parsed, Failure> {
    match parser.next().map_err(lexopt_failure)? {
        None => Ok(Parsed::Help(help::TOP)),
        Some(Arg::Value(name)) => match Command::from_name(&name.to_string_lossy()) {
            Some(command) => Ok(Parsed::Help(help::of(command))),
            None => Err(Failure::usage(format!(
                "no help for {:?}; expected one of: {}",
                name.to_string_lossy(),
                names()
            ))),
        },
        Some(_) => Err(Failure::usage("usage: s2s-oauth help [SUBCOMMAND]")),
    }
}

/// A flag's value as non-empty UTF-8 text.
fn non_empty_text(flag: &str, raw: OsString) -> Result<String, Failure> {
    if raw.is_empty() {
        return Err(Failure::usage(format!("--{flag} has an empty value")));
    }
    raw.into_string()
        .map_err(|_| Failure::usage(format!("the value of --{flag} is not valid UTF-8")))
}

/// A token type: a short name or a full URI (RFC 8693 §3).
fn token_type(flag: &str, value: &str) -> Result<TokenTypeUri, Failure> {
    TokenTypeUri::parse(value).map_err(|_| {
        Failure::usage(format!(
            "--{flag} {value:?}: expected access_token, refresh_token, id_token, jwt, saml1, saml2 or a full URI"
        ))
    })
}

/// Reads the value of `--flag` into `options`.
fn set(options: &mut Options, flag: &str, parser: &mut Parser) -> Result<(), Failure> {
    let raw = parser.value().map_err(lexopt_failure)?;
    if raw.is_empty() {
        return Err(Failure::usage(format!("--{flag} has an empty value")));
    }
    let text = || {
        raw.clone()
            .into_string()
            .map_err(|_| Failure::usage(format!("the value of --{flag} is not valid UTF-8")))
    };
    match flag {
        "token-url" => once(&mut options.token_url, flag, text()?),
        "salesforce" => once(&mut options.salesforce, flag, text()?),
        "scope" => once(&mut options.scope, flag, text()?),
        "timeout" => once(&mut options.timeout, flag, timeout(flag, &text()?)?),
        "output" => {
            let output = match text()?.as_str() {
                "json" => Output::Json,
                "token" => Output::Token,
                "header" => Output::Header,
                "env" => Output::Env,
                other => {
                    return Err(Failure::usage(format!(
                        "--output {other:?}: expected json, token, header or env"
                    )));
                }
            };
            once(&mut options.output, flag, output)
        }
        "issuer" => once(&mut options.issuer, flag, text()?),
        "subject" => once(&mut options.subject, flag, text()?),
        "audience" => once(&mut options.audience, flag, text()?),
        "key" => once(&mut options.key, flag, PathBuf::from(raw)),
        "alg" => once(&mut options.alg, flag, algorithm(flag, &text()?)?),
        "kid" => once(&mut options.kid, flag, text()?),
        "lifetime" => once(&mut options.lifetime, flag, seconds(flag, &text()?)?),
        "claim" => {
            options.claims.push(claim(&text()?)?);
            Ok(())
        }
        "recipient" => once(&mut options.recipient, flag, text()?),
        "cert" => once(&mut options.cert, flag, PathBuf::from(raw)),
        "client-id" => once(&mut options.client_id, flag, text()?),
        "client-secret-file" | "client-secret-env" => {
            one_source(&mut options.client_secret, flag, raw)
        }
        "client-key" => once(&mut options.client_key, flag, PathBuf::from(raw)),
        "client-alg" => once(&mut options.client_alg, flag, algorithm(flag, &text()?)?),
        "client-kid" => once(&mut options.client_kid, flag, text()?),
        "auth" => {
            let value = text()?;
            let method = AuthMethod::parse(&value).ok_or_else(|| {
                Failure::usage(format!(
                    "--auth {value:?}: expected none, basic, post, private-key-jwt, client-secret-jwt, tls or self-signed-tls"
                ))
            })?;
            once(&mut options.auth, flag, method)
        }
        "refresh-token-file" | "refresh-token-env" => {
            one_source(&mut options.refresh_token, flag, raw)
        }
        "retries" => once(&mut options.retries, flag, retries(flag, &text()?)?),
        "cache" => once(&mut options.cache, flag, PathBuf::from(raw)),
        "credentials" => once(&mut options.credentials, flag, PathBuf::from(raw)),
        "ca-file" => once(&mut options.ca_file, flag, PathBuf::from(raw)),
        "client-cert" => once(&mut options.client_cert, flag, PathBuf::from(raw)),
        "client-cert-key" => once(&mut options.client_cert_key, flag, PathBuf::from(raw)),
        "min-ttl" => once(&mut options.min_ttl, flag, crate::cache::min_ttl(&text()?)?),
        "max-age" => once(&mut options.max_age, flag, seconds(flag, &text()?)?),
        "dpop-key" => once(&mut options.dpop_key, flag, PathBuf::from(raw)),
        "method" => once(&mut options.method, flag, text()?),
        "url" => once(&mut options.url, flag, text()?),
        "access-token-file" | "access-token-env" => {
            one_source(&mut options.access_token, flag, raw)
        }
        "nonce" => once(&mut options.nonce, flag, text()?),
        "token-file" | "token-env" => one_source(&mut options.token, flag, raw),
        "jwks-url" => once(&mut options.jwks_url, flag, text()?),
        "jwks-file" => once(&mut options.jwks_file, flag, PathBuf::from(raw)),
        "subject-token-file" | "subject-token-env" => {
            one_source(&mut options.subject_token, flag, raw)
        }
        "actor-token-file" | "actor-token-env" => one_source(&mut options.actor_token, flag, raw),
        "subject-token-type" => once(
            &mut options.subject_token_type,
            flag,
            token_type(flag, &text()?)?,
        ),
        "actor-token-type" => once(
            &mut options.actor_token_type,
            flag,
            token_type(flag, &text()?)?,
        ),
        "requested-token-type" => once(
            &mut options.requested_token_type,
            flag,
            token_type(flag, &text()?)?,
        ),
        "resource" => {
            options.resources.push(text()?);
            Ok(())
        }
        "client-assertion-file" => {
            once(&mut options.client_assertion_file, flag, PathBuf::from(raw))
        }
        "token-type-hint" => once(&mut options.token_type_hint, flag, text()?),
        _ => Err(Failure::usage(format!("unknown option --{flag}"))),
    }
}

fn once<T>(slot: &mut Option<T>, flag: &str, value: T) -> Result<(), Failure> {
    if slot.is_some() {
        return Err(Failure::usage(format!("--{flag} is given twice")));
    }
    *slot = Some(value);
    Ok(())
}

/// `--NAME-file` and `--NAME-env` name one secret: one of them, once. `flag` is
/// the one given (`client-secret-env`), `raw` its value.
fn one_source(slot: &mut Option<Source>, flag: &str, raw: OsString) -> Result<(), Failure> {
    let (name, source) = match flag.strip_suffix("-file") {
        Some(name) => (name, Source::File(raw.into())),
        None => (flag.strip_suffix("-env").unwrap_or(flag), Source::Env(raw)),
    };
    if slot.is_some() {
        return Err(Failure::usage(format!(
            "give one --{name}-file or one --{name}-env, not more"
        )));
    }
    *slot = Some(source);
    Ok(())
}

/// A whole positive number of seconds.
fn seconds(flag: &str, value: &str) -> Result<Duration, Failure> {
    match value.parse::<u64>() {
        Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
        _ => Err(Failure::usage(format!(
            "--{flag} {value:?}: expected a whole number of seconds above 0"
        ))),
    }
}

/// The longest `--timeout`: the library's limit, a day.
const MAX_TIMEOUT_SECS: u64 = s2s_oauth::SendOptions::MAX_TIMEOUT.as_secs();

/// `--timeout`: whole seconds from 1 to [`MAX_TIMEOUT_SECS`].
fn timeout(flag: &str, value: &str) -> Result<Duration, Failure> {
    let duration = seconds(flag, value)?;
    if duration.as_secs() > MAX_TIMEOUT_SECS {
        return Err(Failure::usage(format!(
            "--{flag} {value:?}: at most {MAX_TIMEOUT_SECS} seconds (a day)"
        )));
    }
    Ok(duration)
}

/// The most `--retries`: with backoff capped at a minute, over an hour and a half
/// of trying; a job that needs more is better rescheduled.
const MAX_RETRIES: u32 = 100;

/// `--retries`: a whole number from 0 to [`MAX_RETRIES`].
fn retries(flag: &str, value: &str) -> Result<u32, Failure> {
    match value.parse::<u32>() {
        Ok(n) if n <= MAX_RETRIES => Ok(n),
        _ => Err(Failure::usage(format!(
            "--{flag} {value:?}: expected a whole number from 0 to {MAX_RETRIES}"
        ))),
    }
}

/// An unknown name prints as `--alg: invalid input: unknown JWT algorithm ...`, as
/// the contract's tests (tests/cli/exit_codes.rs) have it.
fn algorithm(flag: &str, value: &str) -> Result<Algorithm, Failure> {
    value.parse().map_err(|error: s2s_oauth::error::KeyError| {
        let error = s2s_oauth::Error::InvalidInput(s2s_oauth::error::InputError::new(
            s2s_oauth::error::InputField::Algorithm,
            s2s_oauth::error::InputProblem::Unsupported,
            error.to_string(),
        ));
        Failure::library(format!("--{flag}"), error)
    })
}

/// `NAME=VALUE`: VALUE as JSON if it parses as JSON (a number, true/false, null, an
/// object, an array, a quoted string), else as a string.
fn claim(value: &str) -> Result<(String, Value), Failure> {
    let Some((name, raw)) = value.split_once('=') else {
        return Err(Failure::usage(format!(
            "--claim {value:?}: expected NAME=VALUE"
        )));
    };
    if name.is_empty() {
        return Err(Failure::usage(format!(
            "--claim {value:?}: the claim name is empty"
        )));
    }
    if let Some(instead) = set_by_the_tool(name) {
        return Err(Failure::usage(format!("--claim {name}: {instead}")));
    }
    let parsed = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
    Ok((name.to_owned(), parsed))
}

/// For a registered claim the tool sets itself (RFC 7519 §4.1), where it comes
/// from instead of `--claim`.
fn set_by_the_tool(name: &str) -> Option<&'static str> {
    Some(match name {
        "iss" => "iss comes from --issuer ISS",
        "sub" => "sub comes from --subject SUB",
        "aud" => "aud comes from --audience AUD (or the --salesforce / --token-url default)",
        "exp" => "exp is the signing time plus the lifetime; set --lifetime SECS",
        "iat" | "jti" => "iat (the signing time) and jti (random) are set on every signature",
        "nbf" => "nbf cannot be set from the command line",
        _ => return None,
    })
}

fn names() -> String {
    Command::ALL.map(Command::name).join(", ")
}

fn unknown_short(flag: char) -> Failure {
    Failure::usage(format!(
        "unknown option -{flag}; options are long (--issuer ISS); see s2s-oauth --help"
    ))
}

fn not_accepted(command: Command, flag: &str) -> Failure {
    let known = Command::ALL.iter().any(|c| c.accepts(flag));
    if matches!(
        flag,
        "client-secret" | "refresh-token" | "access-token" | "subject-token" | "actor-token"
    ) {
        return Failure::usage(format!(
            "--{flag} is not an option: secrets are never taken as flag values (they would show in ps); use --{flag}-file FILE or --{flag}-env VAR"
        ));
    }
    if known {
        Failure::usage(format!(
            "--{flag} does not apply to {}; see s2s-oauth {} --help",
            command.name(),
            command.name()
        ))
    } else {
        Failure::usage(format!(
            "unknown option --{flag}; see s2s-oauth {} --help",
            command.name()
        ))
    }
}

/// lexopt's errors, reworded so that no value is echoed.
fn lexopt_failure(error: lexopt::Error) -> Failure {
    match error {
        lexopt::Error::MissingValue {
            option: Some(option),
        } => Failure::usage(format!("{option} needs a value")),
        lexopt::Error::UnexpectedValue { option, .. } => {
            Failure::usage(format!("{option} takes no value"))
        }
        lexopt::Error::NonUnicodeValue(_) => Failure::usage("an argument is not valid UTF-8"),
        _ => Failure::usage("the arguments could not be parsed; see s2s-oauth --help"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<(Command, Options), String> {
        match parse(args.iter().map(OsString::from)) {
            Ok(Parsed::Run(command, options)) => Ok((command, *options)),
            Ok(other) => Err(format!("{other:?}")),
            Err(failure) => Err(failure.to_string()),
        }
    }

    #[test]
    fn each_secret_takes_one_file_or_one_env_source() {
        let (_, o) = run(&[
            "refresh",
            "--client-secret-env",
            "SECRET",
            "--refresh-token-file",
            "rt.txt",
        ])
        .unwrap();
        assert_eq!(o.client_secret, Some(Source::Env("SECRET".into())));
        assert_eq!(o.refresh_token, Some(Source::File("rt.txt".into())));
        for (args, message) in [
            (
                ["--refresh-token-env", "A", "--refresh-token-file", "b"],
                "give one --refresh-token-file or one --refresh-token-env, not more",
            ),
            (
                ["--client-secret-file", "a", "--client-secret-file", "b"],
                "give one --client-secret-file or one --client-secret-env, not more",
            ),
        ] {
            let mut all = vec!["refresh"];
            all.extend(args);
            let error = run(&all).unwrap_err();
            assert!(error.ends_with(message), "{error}");
        }
    }

    #[test]
    fn flags_land_in_their_fields() {
        let (command, o) = run(&[
            "jwt-bearer",
            "--salesforce=test",
            "--issuer",
            "3MVG9",
            "--subject",
            "u@example.com",
            "--key",
            "server.key",
            "--alg",
            "PS256",
            "--lifetime",
            "120",
            "--claim",
            "n=5",
            "--claim",
            "s=x=y",
            "--claim",
            "o={\"a\":[1]}",
            "--claim",
            "q=\"5\"",
            "--client-secret-env",
            "SECRET",
            "--timeout",
            "7",
            "--output",
            "token",
            "--auth",
            "client-secret-jwt",
        ])
        .unwrap();
        assert_eq!(command, Command::JwtBearer);
        assert_eq!(o.salesforce.as_deref(), Some("test"));
        assert_eq!(o.issuer.as_deref(), Some("3MVG9"));
        assert_eq!(o.key, Some(PathBuf::from("server.key")));
        assert_eq!(o.alg, Some(Algorithm::PS256));
        assert_eq!(o.lifetime, Some(Duration::from_secs(120)));
        assert_eq!(o.timeout, Some(Duration::from_secs(7)));
        assert_eq!(o.output, Some(Output::Token));
        assert_eq!(o.auth, Some(AuthMethod::ClientSecretJwt));
        assert_eq!(o.client_secret, Some(Source::Env("SECRET".into())));
        let claims: Vec<(String, Value)> = vec![
            ("n".into(), 5.into()),
            ("s".into(), "x=y".into()),
            ("o".into(), serde_json::json!({"a": [1]})),
            ("q".into(), "5".into()),
        ];
        assert_eq!(o.claims, claims);
    }

    #[test]
    fn help_and_version() {
        for args in [&["--help"][..], &["-h"], &["help"]] {
            assert!(matches!(
                parse(args.iter().map(OsString::from)),
                Ok(Parsed::Help(text)) if text == help::TOP
            ));
        }
        assert!(matches!(
            parse(["refresh", "--token-url", "x", "--help"].map(OsString::from)),
            Ok(Parsed::Help(text)) if text == help::of(Command::Refresh)
        ));
        assert!(matches!(
            parse(["help", "sign-jwt"].map(OsString::from)),
            Ok(Parsed::Help(text)) if text == help::of(Command::SignJwt)
        ));
        assert!(matches!(
            parse(["--version"].map(OsString::from)),
            Ok(Parsed::Version)
        ));
    }

    #[test]
    fn usage_errors_say_what_is_wrong_and_never_echo_secrets() {
        let cases: &[(&[&str], &str)] = &[
            (&[], "no subcommand"),
            (&["token"], "unknown subcommand \"token\""),
            (&["--issuer", "x"], "comes after the subcommand"),
            (
                &["refresh", "--issuer", "x"],
                "--issuer does not apply to refresh",
            ),
            (
                &["sign-jwt", "--scope", "api"],
                "--scope does not apply to sign-jwt",
            ),
            (
                &["refresh", "--frobnicate", "x"],
                "unknown option --frobnicate",
            ),
            (&["refresh", "-x"], "unknown option -x"),
            (&["refresh", "--client-id"], "--client-id needs a value"),
            (
                &["refresh", "--client-id", ""],
                "--client-id has an empty value",
            ),
            (
                &["refresh", "--scope", "a", "--scope", "b"],
                "--scope is given twice",
            ),
            (&["refresh", "--timeout", "0"], "above 0"),
            (&["refresh", "--timeout", "1.5"], "above 0"),
            (
                &["refresh", "--timeout", "18446744073709551615"],
                "at most 86400 seconds",
            ),
            (
                &["refresh", "--output", "xml"],
                "expected json, token, header or env",
            ),
            (&["refresh", "--retries", "101"], "from 0 to 100"),
            (&["refresh", "--retries", "-1"], "from 0 to 100"),
            (
                &["sign-jwt", "--retries", "1"],
                "--retries does not apply to sign-jwt",
            ),
            (&["refresh", "--auth", "mtls"], "expected none, basic"),
            (&["sign-jwt", "--alg", "none"], "unknown JWT algorithm"),
            (&["sign-jwt", "--claim", "novalue"], "expected NAME=VALUE"),
            (&["sign-jwt", "--claim", "=1"], "claim name is empty"),
            (
                &["sign-jwt", "--claim", "exp=5"],
                "--claim exp: exp is the signing time plus the lifetime; set --lifetime SECS",
            ),
            (&["jwt-bearer", "--claim", "aud=x"], "--audience AUD"),
            (
                &[
                    "refresh",
                    "--client-secret-file",
                    "a",
                    "--client-secret-env",
                    "B",
                ],
                "not more",
            ),
            (
                &["client-credentials", "--client-secret", "HUNTER2"],
                "secrets are never taken as flag values",
            ),
            (
                &["client-credentials", "--client-secret=HUNTER2"],
                "use --client-secret-file FILE",
            ),
            (
                &["refresh", "--client-id", "a", "HUNTER2"],
                "unexpected argument",
            ),
        ];
        for (args, expected) in cases {
            let message = run(args).unwrap_err();
            assert!(message.contains(expected), "{args:?}: {message}");
            assert!(message.starts_with("error: "), "{message}");
            assert!(!message.contains("HUNTER2"), "{message}");
        }
    }

    #[test]
    fn every_flag_is_accepted_somewhere_and_has_help() {
        for flag in crate::command::FLAGS {
            let mut accepted_by = 0;
            for command in Command::ALL {
                let shown = help::of(command).contains(&format!("--{flag} "));
                assert_eq!(command.accepts(flag), shown, "{flag} in {}", command.name());
                accepted_by += usize::from(shown);
            }
            assert!(accepted_by > 0, "{flag}");
        }
    }
}
