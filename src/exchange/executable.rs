//! [`Executable`]: a token from a program's output, under Google's
//! executable-sourced credential contract (a JSON response on stdout, a timeout,
//! the token's own expiry). The contract's parsing is pure; running the program
//! is in `read.rs`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use super::read;
use crate::error::{Error, InputField, InputProblem, SourceError};
use crate::redact::redacted_debug;
use crate::secrets::SecurityToken;

/// The default timeout: 30 s, as Google's libraries default `timeout_millis`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest timeout taken: 10 minutes.
const MAX_TIMEOUT: Duration = Duration::from_secs(600);

/// A program that prints a token, run each time the token is needed (unless its
/// output file holds one that is still valid), under Google's executable-sourced
/// credential contract:
///
/// - the program is run directly, with no shell: [`new`](Self::new) splits the
///   command line at whitespace, [`from_argv`](Self::from_argv) takes the
///   arguments as they are; the program must be an absolute path (no `PATH`
///   lookup), as Google's libraries require;
/// - it must exit with status 0 within the timeout (default 30 s) and print on
///   stdout (at most 1 MiB) one JSON object:
///   `{"version": 1, "success": true, "token_type": "urn:ietf:params:oauth:token-type:jwt", "id_token": "…", "expiration_time": 1700000000}`
///   (`token_type` `…:jwt` or `…:id_token` with `id_token`; `…:saml2` with
///   `saml_response`), or `{"version": 1, "success": false, "code": "…", "message": "…"}`;
/// - an `expiration_time` (seconds since 1970) already past is refused; with an
///   output file (where the program also writes its response:
///   `GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE` in its environment) the response is
///   taken from that file while its `expiration_time` is ahead, without running
///   the program, and the program's responses must carry `expiration_time`.
///
/// On Unix the program runs in a process group of its own: when it is given up on
/// (the timeout, output over the limit or not a valid response, a non-zero exit)
/// the whole group is killed, so a helper it started does not outlive it; a
/// program that succeeds is left alone (what it started in the background is its
/// own business). On other platforms only the program itself is killed. Being in
/// a group of its own, the program does not get the terminal's Ctrl-C; instead,
/// when the caller's process ends while the program runs (interrupted, killed,
/// crashed), the group is killed too (on Unix, by a `/bin/sh` that waits in the
/// group for the caller to end or to be done with the program).
///
/// Each failure is a typed [`SourceError`]: [`Spawn`](SourceError::Spawn),
/// [`Timeout`](SourceError::Timeout), [`Exit`](SourceError::Exit) (non-zero
/// status), [`OutputTooLarge`](SourceError::OutputTooLarge),
/// [`BadOutput`](SourceError::BadOutput) (not JSON, a field missing),
/// [`Refused`](SourceError::Refused) (`success: false`),
/// [`Expired`](SourceError::Expired).
///
/// ```no_run
/// use std::time::Duration;
/// use s2s_oauth::exchange::{Executable, TokenSource};
///
/// let program = Executable::new("/usr/local/bin/fetch-oidc-token --audience sts.example.com")?
///     .with_timeout(Duration::from_secs(10))
///     .with_env("GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE", "0");
/// let subject = TokenSource::executable(program);
/// # let _ = subject;
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone)]
pub struct Executable {
    argv: Vec<String>,
    timeout: Duration,
    env: Vec<(String, String)>,
    output_file: Option<PathBuf>,
}

// The program and its settings; the arguments may carry anything, so only their
// number, and the environment's names.
redacted_debug!(Executable as exe: program = exe.program(), arguments = exe.argv.len().saturating_sub(1),
    timeout, env = crate::redact::names(exe.env.iter().map(|(n, _)| n)), output_file);

impl Executable {
    /// A program and its arguments from one command line, split at whitespace (no
    /// shell, no quoting: use [`from_argv`](Self::from_argv) for an argument with a
    /// space). The program must be an absolute path.
    ///
    /// ```
    /// use s2s_oauth::exchange::Executable;
    /// let exe = Executable::new("/opt/bin/token --audience sts")?;
    /// assert_eq!(exe.program(), "/opt/bin/token");
    /// assert!(Executable::new("token --audience sts").is_err()); // not absolute
    /// assert!(Executable::new("  ").is_err());
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn new(command: &str) -> Result<Self, Error> {
        Self::from_argv(command.split_ascii_whitespace())
    }

    /// A program (absolute path) and its arguments, each as given.
    pub fn from_argv<S: Into<String>>(argv: impl IntoIterator<Item = S>) -> Result<Self, Error> {
        let argv: Vec<String> = argv.into_iter().map(Into::into).collect();
        let Some(program) = argv.first() else {
            return Err(Error::input(
                InputField::TokenSource,
                InputProblem::Empty,
                "the executable's command is empty; give the absolute path of the program that prints the token",
            ));
        };
        if !Path::new(program).is_absolute() {
            return Err(Error::input(
                InputField::TokenSource,
                InputProblem::Malformed,
                format!(
                    "the executable {program:?} is not an absolute path; give its full path (it is not looked up in PATH)"
                ),
            ));
        }
        if argv.iter().any(|a| a.contains('\0')) {
            return Err(Error::input(
                InputField::TokenSource,
                InputProblem::ControlCharacter,
                "an argument of the executable contains a NUL character",
            ));
        }
        Ok(Executable {
            argv,
            timeout: DEFAULT_TIMEOUT,
            env: Vec::new(),
            output_file: None,
        })
    }

    /// How long the program may run before it is killed, with its process group
    /// on Unix (default 30 s; from 1 ms to 10 minutes).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Adds a variable to the program's environment (it inherits the caller's).
    pub fn with_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// The program's output file: read first, and used instead of running the
    /// program while it holds a successful response whose `expiration_time` is
    /// ahead; passed to the program as `GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE`.
    pub fn with_output_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.output_file = Some(path.into());
        self
    }

    /// The program.
    pub fn program(&self) -> &str {
        self.argv.first().map_or("", String::as_str)
    }

    /// The timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The sans-IO half: the token in `stdout`, a response of the contract, as of
    /// `now` (for a caller that runs the program its own way). The same checks and
    /// typed errors as a run: [`SourceError::BadOutput`], [`SourceError::Refused`],
    /// [`SourceError::Expired`] inside [`Error::TokenSource`].
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use s2s_oauth::exchange::Executable;
    ///
    /// let exe = Executable::new("/opt/bin/token")?;
    /// let stdout = br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:id_token","id_token":"eyJ.a.b","expiration_time":1700003600}"#;
    /// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// assert_eq!(exe.parse_output(stdout, at)?.expose_secret(), "eyJ.a.b");
    /// assert!(exe.parse_output(stdout, at + Duration::from_secs(3600)).is_err()); // expired
    /// # Ok::<(), s2s_oauth::Error>(())
    /// ```
    pub fn parse_output(&self, stdout: &[u8], now: SystemTime) -> Result<SecurityToken, Error> {
        Ok(parse(
            self.program(),
            stdout,
            now,
            self.output_file.is_some(),
        )?)
    }

    /// Refuses a timeout that cannot work.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            return Err(Error::input(
                InputField::Timeout,
                InputProblem::OutOfRange,
                "the executable's timeout must be above zero and at most 10 minutes",
            ));
        }
        Ok(())
    }

    /// The token, as of `now`: from the output file while it holds a valid one,
    /// else from a run of the program.
    pub(crate) fn token(&self, now: SystemTime) -> Result<SecurityToken, Error> {
        let program = self.program();
        if let Some(path) = &self.output_file {
            match read::file(path) {
                Ok(bytes) if !bytes.iter().all(u8::is_ascii_whitespace) => {
                    match parse(program, &bytes, now, true) {
                        Ok(token) => return Ok(token),
                        // Expired or a failure recorded: run the program again.
                        Err(SourceError::Expired { .. } | SourceError::Refused { .. }) => {}
                        Err(SourceError::BadOutput { reason, .. }) => {
                            return Err(SourceError::BadOutput {
                                program: program.into(),
                                reason: format!("in the output file {}: {reason}", path.display())
                                    .into(),
                            }
                            .into());
                        }
                        Err(other) => return Err(other.into()),
                    }
                }
                // Missing or empty: the program has not run yet.
                _ => {}
            }
        }
        let mut env = self.env.clone();
        if let Some(path) = &self.output_file {
            env.push((
                "GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE".to_owned(),
                path.display().to_string(),
            ));
        }
        // Parsed while the program's process group is still held: output that is
        // no valid response abandons the program like a timeout (see `read::run`).
        let expiry_required = self.output_file.is_some();
        Ok(read::run(&self.argv, &env, self.timeout, |output| {
            parse(program, output, now, expiry_required)
        })?)
    }
}

/// The contract's response object. The token fields are moved into a
/// [`SecurityToken`] as soon as the object is read.
#[derive(Deserialize)]
struct Response {
    version: Option<serde_json::Value>,
    success: Option<bool>,
    token_type: Option<String>,
    id_token: Option<String>,
    saml_response: Option<String>,
    expiration_time: Option<serde_json::Value>,
    code: Option<String>,
    message: Option<String>,
}

const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
const SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";

/// Reads a response of the executable-sourced credential contract as of `now`;
/// `expiry_required`: with an output file, `expiration_time` must be there.
pub(crate) fn parse(
    program: &str,
    bytes: &[u8],
    now: SystemTime,
    expiry_required: bool,
) -> Result<SecurityToken, SourceError> {
    let bad = |reason: &str| SourceError::BadOutput {
        program: program.into(),
        reason: reason.into(),
    };
    let mut response: Response = serde_json::from_slice(bytes)
        .map_err(|_| bad("not a JSON object with the contract's fields of the right types"))?;
    let id_token = response.id_token.take().map(SecurityToken::new);
    let saml_response = response.saml_response.take().map(SecurityToken::new);
    match &response.version {
        Some(v) if v.as_u64() == Some(1) => {}
        Some(_) => return Err(bad("version is not 1, the one version of the contract")),
        None => return Err(bad("version is missing")),
    }
    match response.success {
        None => return Err(bad("success is missing")),
        Some(false) => {
            return match (response.code, response.message) {
                (Some(code), Some(message)) => Err(SourceError::Refused {
                    program: program.into(),
                    code: code.into(),
                    message: message.into(),
                }),
                _ => Err(bad("success is false but code or message is missing")),
            };
        }
        Some(true) => {}
    }
    let expires = match &response.expiration_time {
        None | Some(serde_json::Value::Null) if expiry_required => {
            return Err(bad(
                "expiration_time is missing (required when an output file is configured)",
            ));
        }
        None | Some(serde_json::Value::Null) => None,
        Some(value) => {
            let seconds = value
                .as_u64()
                .ok_or_else(|| bad("expiration_time is not a number of seconds since 1970"))?;
            Some(
                UNIX_EPOCH
                    .checked_add(Duration::from_secs(seconds))
                    .ok_or_else(|| bad("expiration_time is out of range"))?,
            )
        }
    };
    let token = match response.token_type.as_deref() {
        Some(JWT | ID_TOKEN) => id_token.ok_or_else(|| bad("id_token is missing"))?,
        Some(SAML2) => saml_response.ok_or_else(|| bad("saml_response is missing"))?,
        Some(_) => {
            return Err(bad(
                "token_type is not urn:ietf:params:oauth:token-type:jwt, :id_token or :saml2",
            ));
        }
        None => return Err(bad("token_type is missing")),
    };
    if expires.is_some_and(|at| at <= now) {
        return Err(SourceError::Expired {
            program: program.into(),
        });
    }
    if token.expose_secret().is_empty() {
        return Err(bad("the token is empty"));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn the_contract_is_read_field_by_field() {
        let ok = br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"h.p.s","expiration_time":2000}"#;
        assert_eq!(
            parse("/p", ok, at(1000), true).unwrap().expose_secret(),
            "h.p.s"
        );
        assert_eq!(
            parse("/p", ok, at(2000), false),
            Err(SourceError::Expired {
                program: "/p".into()
            })
        );
        let saml = br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:saml2","saml_response":"PHNhbWw"}"#;
        assert_eq!(
            parse("/p", saml, at(1), false).unwrap().expose_secret(),
            "PHNhbWw"
        );
        assert!(matches!(
            parse("/p", saml, at(1), true),
            Err(SourceError::BadOutput { reason, .. }) if reason.contains("expiration_time is missing")
        ));
        let refused = br#"{"version":1,"success":false,"code":"401","message":"no identity"}"#;
        assert_eq!(
            parse("/p", refused, at(1), false),
            Err(SourceError::Refused {
                program: "/p".into(),
                code: "401".into(),
                message: "no identity".into()
            })
        );
        for (bad, reason) in [
            (&b"not json"[..], "not a JSON object"),
            (b"[1]", "not a JSON object"),
            (br#"{"version":2,"success":true}"#, "version is not 1"),
            (br#"{"success":true}"#, "version is missing"),
            (br#"{"version":1}"#, "success is missing"),
            (br#"{"version":1,"success":false}"#, "code or message"),
            (br#"{"version":1,"success":true,"token_type":"x","id_token":"t"}"#, "token_type is not"),
            (br#"{"version":1,"success":true,"id_token":"t"}"#, "token_type is missing"),
            (br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:id_token"}"#, "id_token is missing"),
            (br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"t","expiration_time":"soon"}"#, "not a number"),
            (br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":""}"#, "empty"),
            (br#"{"version":1,"success":"yes"}"#, "not a JSON object"),
        ] {
            match parse("/p", bad, at(1), false) {
                Err(SourceError::BadOutput { reason: r, .. }) => {
                    assert!(r.contains(reason), "{r} for {}", String::from_utf8_lossy(bad));
                    assert!(!r.contains("\"t\""));
                }
                other => panic!("{other:?} for {}", String::from_utf8_lossy(bad)),
            }
        }
    }

    #[test]
    fn debug_shows_the_program_not_the_arguments() {
        let exe = Executable::new("/bin/tool --secret hunter2")
            .unwrap()
            .with_env("TOKEN", "v");
        let debug = format!("{exe:?}");
        assert!(
            debug.contains("/bin/tool") && debug.contains("TOKEN"),
            "{debug}"
        );
        assert!(
            !debug.contains("hunter2") && !debug.contains("\"v\""),
            "{debug}"
        );
    }
}
