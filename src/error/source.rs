//! [`SourceError`]: a token source ([`TokenSource`](crate::exchange::TokenSource))
//! that could not give its token: a file, an environment variable or an executable.

use std::fmt;
use std::time::Duration;

/// Why a [`TokenSource`](crate::exchange::TokenSource) gave no token. Inside
/// [`Error::TokenSource`](crate::Error::TokenSource); nothing was sent to the token
/// endpoint. Messages name the file, the variable or the program, never the token.
///
/// ```
/// use std::time::SystemTime;
/// use s2s_oauth::Error;
/// use s2s_oauth::error::SourceError;
/// use s2s_oauth::exchange::TokenSource;
///
/// let source = TokenSource::env("S2S_DOC_NO_SUCH_VARIABLE");
/// let err = source.read(SystemTime::now()).unwrap_err();
/// assert!(matches!(&err, Error::TokenSource(e) if matches!(**e, SourceError::EnvNotSet { .. })));
/// assert!(err.is_local());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceError {
    /// The token file could not be read (missing, not readable, over 1 MiB).
    File {
        /// The path as given.
        path: Box<str>,
        /// What the operating system said.
        kind: std::io::ErrorKind,
    },
    /// The environment variable is not set.
    EnvNotSet {
        /// The variable's name.
        name: Box<str>,
    },
    /// The environment variable's value is not valid Unicode.
    EnvNotUnicode {
        /// The variable's name.
        name: Box<str>,
    },
    /// The source gave an empty token (only whitespace).
    Empty {
        /// Where it came from (`the file /var/run/...`).
        from: Box<str>,
    },
    /// The source gave something that is not one token: not UTF-8, or holding
    /// whitespace or a control character inside.
    Malformed {
        /// Where it came from.
        from: Box<str>,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The executable could not be started (not found, not executable).
    Spawn {
        /// The program, as configured.
        program: Box<str>,
        /// What the operating system said.
        kind: std::io::ErrorKind,
    },
    /// The executable did not finish within its timeout; it was killed.
    Timeout {
        /// The program.
        program: Box<str>,
        /// The timeout.
        after: Duration,
    },
    /// The executable exited with a non-zero status (`code` is `None` when a
    /// signal ended it).
    Exit {
        /// The program.
        program: Box<str>,
        /// Its exit code.
        code: Option<i32>,
    },
    /// The executable wrote more than the limit to its standard output.
    OutputTooLarge {
        /// The program.
        program: Box<str>,
        /// The limit in bytes.
        limit: usize,
    },
    /// The executable's output is not a response of the executable-sourced
    /// credential contract (JSON with `version` 1, `success`, `token_type` and the
    /// token): `reason` says what is missing or wrong.
    BadOutput {
        /// The program.
        program: Box<str>,
        /// What is wrong with the output (never the token).
        reason: Box<str>,
    },
    /// The executable answered `"success": false` with its own `code` and
    /// `message`.
    Refused {
        /// The program.
        program: Box<str>,
        /// The executable's `code`.
        code: Box<str>,
        /// The executable's `message`.
        message: Box<str>,
    },
    /// The executable's token is already expired (its `expiration_time` is past).
    Expired {
        /// The program.
        program: Box<str>,
    },
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::File { path, kind } => write!(
                f,
                "cannot read the token file {path:?}: {kind}; check that the path is right and the job may read it (a projected token is mounted by the platform)"
            ),
            SourceError::EnvNotSet { name } => write!(
                f,
                "the environment variable {name} holding the token is not set; set it in the job's environment"
            ),
            SourceError::EnvNotUnicode { name } => write!(
                f,
                "the environment variable {name} holding the token is not valid UTF-8"
            ),
            SourceError::Empty { from } => write!(
                f,
                "{from} gave an empty token; check that the platform wrote the token there"
            ),
            SourceError::Malformed { from, reason } => {
                write!(f, "{from} gave no usable token: {reason}")
            }
            SourceError::Spawn { program, kind } => write!(
                f,
                "cannot run the executable {program:?}: {kind}; give the absolute path of an executable file"
            ),
            SourceError::Timeout { program, after } => write!(
                f,
                "the executable {program:?} did not finish within {} ms and was killed; make it faster or raise its timeout",
                // As u64 (584 million years of milliseconds): u128's formatting
                // is code of its own in every program that can print this.
                u64::try_from(after.as_millis()).unwrap_or(u64::MAX)
            ),
            SourceError::Exit {
                program,
                code: Some(code),
            } => write!(
                f,
                "the executable {program:?} exited with status {code}; run it by hand to see why"
            ),
            SourceError::Exit {
                program,
                code: None,
            } => write!(
                f,
                "the executable {program:?} was ended by a signal; run it by hand to see why"
            ),
            SourceError::OutputTooLarge { program, limit } => write!(
                f,
                "the executable {program:?} wrote more than {limit} bytes; it must print one JSON response"
            ),
            SourceError::BadOutput { program, reason } => write!(
                f,
                "the executable {program:?} printed no valid response ({reason}); it must print JSON with version 1, success, token_type and id_token or saml_response"
            ),
            SourceError::Refused {
                program,
                code,
                message,
            } => write!(
                f,
                "the executable {program:?} reported failure: {code}: {message}"
            ),
            SourceError::Expired { program } => write!(
                f,
                "the executable {program:?} returned a token whose expiration_time is past; it must return a fresh token"
            ),
        }
    }
}

impl std::error::Error for SourceError {}
