//! [`TokenSource`]: where a platform-issued token comes from, read each time a
//! request is built.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use super::executable::Executable;
use super::read;
use crate::error::{Error, InputField, SourceError, refuse_control, refuse_empty};
use crate::secrets::SecurityToken;

/// A caller's function that returns a token.
type TokenFn = dyn Fn() -> Result<SecurityToken, Error> + Send + Sync;

/// Where a token (a subject or actor token of a token exchange, or a client
/// assertion) comes from. It is read **each time a request is built**
/// ([`TokenRequest::to_http_request`](crate::TokenRequest::to_http_request), and so
/// on every send and retry), never once and kept: a Kubernetes projected token
/// file is replaced about every hour, and a job that read it at start fails an
/// hour later.
///
/// | constructor | reads |
/// |---|---|
/// | [`new`](Self::new) | a token the caller already has |
/// | [`file`](Self::file) | a file (Kubernetes `serviceAccountToken` projection, `AZURE_FEDERATED_TOKEN_FILE`, a SPIFFE helper's JWT-SVID file) |
/// | [`env`](Self::env) | an environment variable |
/// | [`executable`](Self::executable) | a program's output ([`Executable`]: Google's executable-sourced credential contract) |
/// | [`from_fn`](Self::from_fn) | a function of the caller's |
/// | [`github_actions`](crate::providers::github_actions::token_source) | the GitHub Actions OIDC endpoint (feature `ureq`) |
///
/// What is read is trimmed of surrounding whitespace (a trailing newline); an
/// empty token, or one with whitespace or a control character inside, is refused
/// as [`SourceError`] (inside [`Error::TokenSource`]). `Debug` shows where the token
/// comes from, never the token.
///
/// ```
/// use std::time::SystemTime;
/// use s2s_oauth::exchange::TokenSource;
/// use s2s_oauth::secret::SecurityToken;
///
/// let source = TokenSource::from_fn(|| Ok(SecurityToken::new("eyJ...from-a-vault")));
/// assert_eq!(source.read(SystemTime::now())?.expose_secret(), "eyJ...from-a-vault");
/// assert_eq!(format!("{:?}", TokenSource::env("K8S_TOKEN")), "TokenSource::Env(\"K8S_TOKEN\")");
/// # Ok::<(), s2s_oauth::Error>(())
/// ```
#[derive(Clone)]
pub struct TokenSource {
    kind: Kind,
    /// How the source is read and checked: [`OPS`], set by every constructor
    /// rather than called directly, so that a program that never makes a
    /// `TokenSource` carries none of the code that reads one.
    ops: &'static Ops,
}

/// The functions behind [`TokenSource::read`] and [`TokenSource::check`].
struct Ops {
    read: fn(&Kind, SystemTime) -> Result<SecurityToken, Error>,
    check: fn(&Kind) -> Result<(), Error>,
}

/// The one [`Ops`]: [`read_kind`] and [`check_kind`].
static OPS: Ops = Ops {
    read: read_kind,
    check: check_kind,
};

#[derive(Clone)]
enum Kind {
    Value(SecurityToken),
    File(PathBuf),
    Env(String),
    /// The program and the function that runs it, named here by
    /// [`TokenSource::executable`] rather than called from [`TokenSource::read`]:
    /// a program that makes no `Executable` carries no process-spawning code.
    Executable(Box<Executable>, RunFn),
    Fn(Arc<TokenFn>),
}

/// What reads an [`Executable`]'s token: [`Executable::token`].
type RunFn = fn(&Executable, SystemTime) -> Result<SecurityToken, Error>;

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Value(_) => f.write_str("TokenSource::Value([redacted])"),
            Kind::File(path) => write!(f, "TokenSource::File({path:?})"),
            Kind::Env(name) => write!(f, "TokenSource::Env({name:?})"),
            Kind::Executable(exe, _) => write!(f, "TokenSource::Executable({exe:?})"),
            Kind::Fn(_) => f.write_str("TokenSource::Fn(..)"),
        }
    }
}

impl TokenSource {
    /// A token the caller already has, sent every time (trimmed like the others).
    pub fn new(token: impl Into<SecurityToken>) -> Self {
        TokenSource::of(Kind::Value(token.into()))
    }

    /// The contents of the file at `path`, read anew each time.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        TokenSource::of(Kind::File(path.into()))
    }

    /// The value of the environment variable `name`, read anew each time.
    pub fn env(name: impl Into<String>) -> Self {
        TokenSource::of(Kind::Env(name.into()))
    }

    /// The token a program prints ([`Executable`]), run each time (unless its
    /// output file holds a valid token).
    pub fn executable(executable: Executable) -> Self {
        TokenSource::of(Kind::Executable(Box::new(executable), Executable::token))
    }

    /// The token `f` returns, called each time. An error it returns is the
    /// request's error, as it is.
    pub fn from_fn(f: impl Fn() -> Result<SecurityToken, Error> + Send + Sync + 'static) -> Self {
        TokenSource::of(Kind::Fn(Arc::new(f)))
    }

    /// Reads the token now (`now`: the time an executable's `expiration_time` is
    /// checked against). This is what building a request calls; a preset or a
    /// caller that needs the token itself may call it too.
    pub fn read(&self, now: SystemTime) -> Result<SecurityToken, Error> {
        (self.ops.read)(&self.kind, now)
    }

    /// Refuses a source that cannot work (an empty path, variable name or token),
    /// before anything is read or sent.
    pub(crate) fn check(&self) -> Result<(), Error> {
        (self.ops.check)(&self.kind)
    }

    /// A source of `kind`, with the functions that read and check it.
    fn of(kind: Kind) -> Self {
        TokenSource { kind, ops: &OPS }
    }
}

/// [`TokenSource::read`].
fn read_kind(kind: &Kind, now: SystemTime) -> Result<SecurityToken, Error> {
    match kind {
        Kind::Value(token) => Ok(one_token(token.expose_secret(), || {
            "the token given".to_owned()
        })?),
        Kind::File(path) => {
            let bytes = read::file(path)?;
            let from = || format!("the token file {:?}", path.display().to_string());
            let text = std::str::from_utf8(&bytes).map_err(|_| SourceError::Malformed {
                from: from().into(),
                reason: "it is not UTF-8 text",
            })?;
            Ok(one_token(text, from)?)
        }
        Kind::Env(name) => {
            let value = read::env(name)?;
            Ok(one_token(&value, || {
                format!("the environment variable {name}")
            })?)
        }
        Kind::Executable(exe, run) => {
            let token = run(exe, now)?;
            Ok(one_token(token.expose_secret(), || {
                format!("the executable {:?}", exe.program())
            })?)
        }
        Kind::Fn(f) => {
            let token = f()?;
            Ok(one_token(token.expose_secret(), || {
                "the token function".to_owned()
            })?)
        }
    }
}

/// [`TokenSource::check`].
fn check_kind(kind: &Kind) -> Result<(), Error> {
    match kind {
        Kind::Value(token) => {
            refuse_empty(
                InputField::TokenSource,
                token.expose_secret().trim(),
                "the token is empty; pass the platform's token (or read it with TokenSource::file or TokenSource::env)",
            )?;
            refuse_control(
                InputField::TokenSource,
                token.expose_secret().trim(),
                "the token contains a control character (a stray newline inside?); pass one token",
            )
        }
        Kind::File(path) => refuse_empty(
            InputField::TokenSource,
            &path.as_os_str().to_string_lossy(),
            "the token file's path is empty",
        ),
        Kind::Env(name) => {
            refuse_empty(
                InputField::TokenSource,
                name,
                "the environment variable's name is empty",
            )?;
            if name.contains(['=', '\0']) {
                return Err(Error::input(
                    InputField::TokenSource,
                    crate::error::InputProblem::Malformed,
                    "an environment variable's name cannot contain '=' or NUL",
                ));
            }
            Ok(())
        }
        Kind::Executable(exe, _) => exe.check(),
        Kind::Fn(_) => Ok(()),
    }
}

/// `text` trimmed of surrounding whitespace, as one token: refused if empty or if
/// whitespace or a control character is left inside. `from` names the source.
pub(crate) fn one_token(
    text: &str,
    from: impl Fn() -> String,
) -> Result<SecurityToken, SourceError> {
    let token = text.trim();
    if token.is_empty() {
        return Err(SourceError::Empty {
            from: from().into(),
        });
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(SourceError::Malformed {
            from: from().into(),
            reason: "it holds whitespace or a control character inside; a token is one line with no spaces",
        });
    }
    Ok(SecurityToken::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_token_trims_and_refuses() {
        let from = || "here".to_owned();
        assert_eq!(
            one_token(" a.b.c\r\n", from).unwrap().expose_secret(),
            "a.b.c"
        );
        for bad in ["", " \n", "a b", "a\nb", "a\u{7}b"] {
            assert!(one_token(bad, from).is_err(), "{bad:?}");
        }
        assert_eq!(
            one_token("\n", from),
            Err(SourceError::Empty {
                from: "here".into()
            })
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let debug = format!("{:?}", TokenSource::new("eyJ.secret.sig"));
        assert_eq!(debug, "TokenSource::Value([redacted])");
        assert_eq!(
            format!("{:?}", TokenSource::from_fn(|| Ok(SecurityToken::new("x")))),
            "TokenSource::Fn(..)"
        );
    }
}
