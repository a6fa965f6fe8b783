//! The token sources' I/O, and the only I/O of [`TokenSource`](super::TokenSource):
//! reading a token file, an environment variable, and running an executable with a
//! timeout and a bounded output. Everything around it (what a token must look
//! like, the executable's JSON contract, expiry) is pure, in `source.rs` and
//! `executable.rs`.
//!
//! Like `key/file.rs` (key files), this reads only what the caller named: a path,
//! a variable, a program. Buffers that held a token are wiped when dropped.

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::error::SourceError;

/// The most bytes read from a token file or an executable's output: platform tokens
/// are a few KiB (a SAML assertion a few tens).
pub(super) const MAX_LEN: usize = 1 << 20;

/// How often a finished executable's exit is polled for.
const POLL: Duration = Duration::from_millis(5);

/// The file's bytes (wiped when dropped), read anew on every call: a projected
/// token file is replaced by the platform while the job runs.
pub(crate) fn file(path: &Path) -> Result<Zeroizing<Vec<u8>>, SourceError> {
    let refused = |kind| SourceError::File {
        path: path.display().to_string().into(),
        kind,
    };
    let file = std::fs::File::open(path).map_err(|e| refused(e.kind()))?;
    // Sized up front, so that no partial copy of the token is freed on the way.
    let expected = match file.metadata() {
        Ok(m) if m.is_file() && m.len() > 0 => m.len().min(MAX_LEN as u64 + 1),
        _ => MAX_LEN as u64 + 1,
    };
    let mut bytes = Zeroizing::new(Vec::with_capacity(
        usize::try_from(expected).unwrap_or(0) + 1,
    ));
    file.take(MAX_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refused(e.kind()))?;
    if bytes.len() > MAX_LEN {
        return Err(refused(std::io::ErrorKind::FileTooLarge));
    }
    Ok(bytes)
}

/// The variable's value (wiped when dropped), read anew on every call.
pub(super) fn env(name: &str) -> Result<Zeroizing<String>, SourceError> {
    match std::env::var_os(name) {
        None => Err(SourceError::EnvNotSet { name: name.into() }),
        Some(value) => value
            .into_string()
            .map(Zeroizing::new)
            .map_err(|_| SourceError::EnvNotUnicode { name: name.into() }),
    }
}

/// The longest an executable is waited for, whatever timeout it was given.
const LONGEST_WAIT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Runs `argv` (no shell: the program and its arguments as given) with `env`
/// added to the inherited environment, stdin and stderr closed to it, and returns
/// what it wrote on stdout (at most [`MAX_LEN`] bytes, wiped when dropped) once it
/// exited with status 0, all within `timeout`; past that it is killed.
///
/// The output is read on a helper thread while this one waits; the thread ends
/// when the program's stdout closes, which a killed program's does, unless a child
/// it started keeps it open (that child is not killed, and the helper thread
/// lingers until it ends).
pub(super) fn run(
    argv: &[String],
    env: &[(String, String)],
    timeout: Duration,
) -> Result<Zeroizing<Vec<u8>>, SourceError> {
    let program: Box<str> = argv.first().map_or("", String::as_str).into();
    // A timeout no `Instant` can hold (a caller's `Duration::MAX`) waits a year
    // instead of overflowing.
    let deadline = Instant::now()
        .checked_add(timeout.min(LONGEST_WAIT))
        .unwrap_or_else(Instant::now);
    let mut child = Command::new(&*program)
        .args(argv.iter().skip(1))
        .envs(env.iter().map(|(n, v)| (n, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| SourceError::Spawn {
            program: program.clone(),
            kind: e.kind(),
        })?;
    let Some(stdout) = child.stdout.take() else {
        // Piped above: always there.
        let _ = child.kill();
        let _ = child.wait();
        return Err(SourceError::Spawn {
            program,
            kind: std::io::ErrorKind::BrokenPipe,
        });
    };
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Zeroizing::new(Vec::new());
        let read = stdout
            .take(MAX_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map(|_| bytes);
        let _ = sender.send(read);
    });
    let timed_out = |mut child: std::process::Child, program: Box<str>| {
        let _ = child.kill();
        let _ = child.wait();
        SourceError::Timeout {
            program,
            after: timeout,
        }
    };
    let output = match receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(SourceError::Spawn {
                program,
                kind: e.kind(),
            });
        }
        Err(_) => return Err(timed_out(child, program)),
    };
    if output.len() > MAX_LEN {
        let _ = child.kill();
        let _ = child.wait();
        return Err(SourceError::OutputTooLarge {
            program,
            limit: MAX_LEN,
        });
    }
    // Its stdout is closed: wait for the exit status, within what is left.
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
            Ok(None) => return Err(timed_out(child, program)),
            Err(e) => {
                // Reaped like on every other way out: no zombie left behind.
                let _ = child.kill();
                let _ = child.wait();
                return Err(SourceError::Spawn {
                    program,
                    kind: e.kind(),
                });
            }
        }
    };
    if !status.success() {
        return Err(SourceError::Exit {
            program,
            code: status.code(),
        });
    }
    Ok(output)
}
