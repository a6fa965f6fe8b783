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
use std::process::{Child, Command, Stdio};
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

/// How long an [`Anchor`] told to kill its group is waited for before the group
/// is killed from here.
#[cfg(unix)]
const ANCHOR_WAIT: Duration = Duration::from_secs(2);

/// The longest an executable is waited for, whatever timeout it was given.
const LONGEST_WAIT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Runs `argv` (no shell: the program and its arguments as given) with `env`
/// added to the inherited environment, stdin and stderr closed to it, and hands
/// what it wrote on stdout (at most [`MAX_LEN`] bytes, wiped when dropped) to
/// `check` once it exited with status 0, all within `timeout`.
///
/// On Unix the program starts in a process group of its own (led by an
/// [`Anchor`], whose pid is the group's id and stays taken until the group is
/// done with, so the kill cannot reach another group that took the id over after
/// the program was reaped), and on every way out but a success (the timeout,
/// output over the limit or refused by `check`, a non-zero exit, a failure to
/// read or wait) the whole group is killed, so the children it started (a
/// helper it forked, a `sleep` of a shell script) do not live on; then the
/// program is reaped. Elsewhere only the program itself is
/// killed: what it started lives on, and may hold its output open, in which case
/// the thread reading it lingers until that ends. A program that succeeds is left
/// alone: what it started in the background is its own business.
pub(super) fn run<T>(
    argv: &[String],
    env: &[(String, String)],
    timeout: Duration,
    check: impl FnOnce(&[u8]) -> Result<T, SourceError>,
) -> Result<T, SourceError> {
    let program: Box<str> = argv.first().map_or("", String::as_str).into();
    // A timeout no `Instant` can hold (a caller's `Duration::MAX`) waits a year
    // instead of overflowing.
    let deadline = Instant::now()
        .checked_add(timeout.min(LONGEST_WAIT))
        .unwrap_or_else(Instant::now);
    let mut command = Command::new(&*program);
    command
        .args(argv.iter().skip(1))
        .envs(env.iter().map(|(n, v)| (n, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // A group of its own, so that the group can be killed with it: the anchor's,
    // made before the program starts (so the program never runs without it), or
    // without an anchor one whose id is the program's pid.
    let anchor = Anchor::start();
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(
        &mut command,
        anchor.as_ref().map_or(0, Anchor::group),
    );
    let child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            if let Some(anchor) = anchor {
                anchor.release();
            }
            return Err(SourceError::Spawn {
                program,
                kind: e.kind(),
            });
        }
    };
    let mut running = Running {
        child,
        anchor,
        released: false,
    };
    let Some(stdout) = running.child.stdout.take() else {
        // Piped above: always there.
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
    // Every `return Err` below drops `running`, which kills the group and reaps.
    let timed_out = |program: Box<str>| SourceError::Timeout {
        program,
        after: timeout,
    };
    let output = match receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => {
            return Err(SourceError::Spawn {
                program,
                kind: e.kind(),
            });
        }
        Err(_) => return Err(timed_out(program)),
    };
    if output.len() > MAX_LEN {
        return Err(SourceError::OutputTooLarge {
            program,
            limit: MAX_LEN,
        });
    }
    // Its stdout is closed: wait for the exit status, within what is left.
    let status = loop {
        match running.child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
            Ok(None) => return Err(timed_out(program)),
            Err(e) => {
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
    let value = check(&output)?;
    running.released = true;
    if let Some(anchor) = running.anchor.take() {
        anchor.release();
    }
    Ok(value)
}

/// A started program. Dropped before it is released, it is abandoned: its
/// process group is killed (Unix, through its [`Anchor`]), then the program
/// itself, which is reaped.
struct Running {
    child: Child,
    anchor: Option<Anchor>,
    released: bool,
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        if let Some(anchor) = self.anchor.take() {
            anchor.kill_group();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `/bin/sh` that leads the process group the program then joins, and waits
/// for the end of its stdin. The group's id is the anchor's pid, which no other
/// process or group can take while the anchor is not reaped, whether or not the
/// program was reaped already (a non-zero exit and output `check` refuses are
/// only known after the reaping); and the program never runs without it. At the
/// end of its input (closed by [`kill_group`](Self::kill_group), or by the
/// caller's process dying mid-run) it sends SIGKILL to its own group (`kill 0`:
/// no id is passed around), itself included. [`release`](Self::release) kills
/// the anchor alone (its own pid: our child, not reaped yet), so nothing else is
/// killed. Nothing is ever written to it: an anchor gone already (a program that
/// killed its own group) costs no broken pipe.
///
/// std has no `killpg` and the crate no unsafe code to call libc's, so the
/// shell's `kill` builtin does it: `/bin/sh` by its path (no `PATH` lookup),
/// nothing inherited (empty environment, no output). If it cannot start, the
/// program leads a group of its own and only the program itself is killed.
#[cfg(unix)]
struct Anchor(Child);

#[cfg(unix)]
impl Anchor {
    /// Starts an anchor leading a new process group.
    fn start() -> Option<Anchor> {
        let mut command = Command::new("/bin/sh");
        command
            .args(["-c", "read -r _; kill -s KILL 0"])
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let anchor = Anchor(command.spawn().ok()?);
        if i32::try_from(anchor.0.id()).is_err() {
            anchor.release();
            return None;
        }
        Some(anchor)
    }

    /// The group's id, for `process_group` (checked to fit in [`start`](Self::start)).
    fn group(&self) -> i32 {
        i32::try_from(self.0.id()).unwrap_or(0)
    }

    /// SIGKILL to the whole group (the anchor included), then the anchor reaped.
    ///
    /// The end of its input comes only when no process holds the pipe's write
    /// end: a process of the caller's forked (without exec) while the program ran
    /// would hold a copy. So the wait is bounded; past it the group is killed by
    /// its id from here (still the anchor's, which is alive and not reaped), then
    /// the anchor itself.
    fn kill_group(mut self) {
        drop(self.0.stdin.take());
        let until = Instant::now() + ANCHOR_WAIT;
        while Instant::now() < until {
            if let Ok(Some(_)) | Err(_) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(POLL);
        }
        let _ = Command::new("/bin/sh")
            .args([
                "-c",
                "kill -s KILL -- \"-$1\"",
                "sh",
                &self.0.id().to_string(),
            ])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// The anchor alone is killed (its stdin still open, so it never reaches its
    /// `kill`), and reaped.
    fn release(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Not Unix: no process group was made; only the program is killed.
#[cfg(not(unix))]
struct Anchor;

#[cfg(not(unix))]
impl Anchor {
    fn start() -> Option<Anchor> {
        None
    }
    fn kill_group(self) {}
    fn release(self) {}
}
