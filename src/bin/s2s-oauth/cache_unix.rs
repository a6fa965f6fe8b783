//! The cache's files on Unix: opened with `O_NOFOLLOW`, owner and mode checked on
//! the open file (no race between a check and the open), the lock, the atomic write.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use s2s_oauth::TokenResponse;

use super::{Policy, decode, encode, lock_path};
use crate::exit::Failure;

/// The largest cache file read: a token response is a few KiB.
const MAX_FILE: u64 = 1024 * 1024;
/// How often a waiting run tries the lock again.
const LOCK_POLL: Duration = Duration::from_millis(10);

pub(super) fn through(
    path: &Path,
    key: &str,
    policy: Policy,
    refresh: bool,
    lock_wait: Duration,
    fetch: impl FnOnce() -> Result<TokenResponse, Failure>,
) -> Result<TokenResponse, Failure> {
    // A token received after this moment is not the one a `--refresh` run replaces.
    let started = SystemTime::now();
    // `DIR` or `DIR/`: refused before a lock or probe file is made in or beside it.
    let dir_like = path.as_os_str().as_encoded_bytes().ends_with(b"/")
        || fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    if dir_like {
        return Err(refuse(
            path,
            format!(
                "{} is a directory; give a file path in it, such as {}",
                path.display(),
                path.join("token.json").display()
            ),
        ));
    }
    // Who we are: the owner of a file we create (std has no getuid). Removed at
    // once, so a run killed during the fetch leaves no temporary file behind.
    let uid = Temp::create(path)?.uid;
    let lock = open_lock(&lock_path(path), uid)?;
    // Held until `lock` is dropped (or the process dies, killed or not).
    acquire(&lock, lock_wait);
    // Checked with --refresh too: a file that is not ours is refused either way.
    let cached = read_cache(path, uid)?;
    // --refresh skips the token cached before this run started (the one the API
    // refused), not one that a run holding the lock meanwhile received: runs that
    // all got a 401 and refresh together send one request between them.
    let token = cached.and_then(|bytes| decode(key, &bytes));
    let serves = |t: &TokenResponse| {
        (!refresh || t.received_at() > started) && policy.serves(t, SystemTime::now())
    };
    if let Some(token) = token.filter(serves) {
        return Ok(token);
    }
    let token = fetch()?;
    let written = Temp::try_create(path).and_then(|temp| {
        temp.persist(path, encode(key, &token).as_bytes())
            .map_err(|e| e.to_string())
    });
    if let Err(error) = written {
        // The token is good: hand it out, and say why the next run will fetch again.
        let _ = writeln!(
            io::stderr(),
            "warning: --cache {}: the token was not cached: {error}",
            path.display()
        );
    }
    drop(lock);
    Ok(token)
}

fn refuse(path: &Path, problem: impl std::fmt::Display) -> Failure {
    Failure::usage(format!("--cache {}: {problem}", path.display()))
}

/// Opens `path` without following a symbolic link in its last component.
/// `O_NONBLOCK`: a FIFO put there does not hang the open (regular files ignore it).
fn open_no_follow(options: &mut OpenOptions, path: &Path) -> io::Result<File> {
    options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

/// The reason an open failed, naming a symbolic link as such.
fn open_failure(path: &Path, what: &str, error: io::Error) -> Failure {
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return refuse(
            path,
            format!(
                "the {what} {} is a symbolic link; it is never followed: give the real path",
                path.display()
            ),
        );
    }
    refuse(
        path,
        format!("cannot open the {what} {}: {error}", path.display()),
    )
}

/// A regular file owned by `uid`, and with `private`, not open to group or others.
fn check(path: &Path, what: &str, file: &File, uid: u32, private: bool) -> Result<(), Failure> {
    let meta = file
        .metadata()
        .map_err(|e| refuse(path, format!("cannot inspect the {what}: {e}")))?;
    let shown = path.display();
    if !meta.file_type().is_file() {
        return Err(refuse(
            path,
            format!("the {what} {shown} is not a regular file"),
        ));
    }
    if meta.uid() != uid {
        return Err(refuse(
            path,
            format!(
                "the {what} {shown} belongs to uid {}, not to the user running s2s-oauth (uid {uid}); it is not used",
                meta.uid()
            ),
        ));
    }
    if private && meta.mode() & 0o077 != 0 {
        return Err(refuse(
            path,
            format!(
                "the {what} {shown} has mode {:04o}: others may read or change the token in it; remove it or chmod 600 it",
                meta.mode() & 0o7777
            ),
        ));
    }
    Ok(())
}

/// `FILE.lock`, created `0600` if missing, ours and a regular file.
fn open_lock(path: &Path, uid: u32) -> Result<File, Failure> {
    let what = "lock file";
    let file = open_no_follow(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600),
        path,
    )
    .map_err(|e| open_failure(path, what, e))?;
    check(path, what, &file, uid, false)?;
    Ok(file)
}

/// Takes the lock, waiting at most `wait`; `false` if it was not taken (another run
/// holds it too long, or the file system has no locks): the run goes on without.
// `File::try_lock` is Rust 1.89: the command-line tool (feature "cli") needs 1.89,
// the library keeps its MSRV of 1.85. std rather than a flock crate or libc's
// unsafe `flock`: the binary forbids unsafe code.
#[allow(clippy::incompatible_msrv)]
fn acquire(lock: &File, wait: Duration) -> bool {
    let started = Instant::now();
    loop {
        match lock.try_lock() {
            Ok(()) => return true,
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(_)) => return false,
        }
        if started.elapsed() >= wait {
            return false;
        }
        std::thread::sleep(LOCK_POLL);
    }
}

/// The cache file's bytes, `None` if there is none yet.
fn read_cache(path: &Path, uid: u32) -> Result<Option<Vec<u8>>, Failure> {
    let what = "cache file";
    let file = match open_no_follow(OpenOptions::new().read(true), path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(open_failure(path, what, e)),
    };
    check(path, what, &file, uid, true)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(path, format!("cannot read the {what}: {e}")))?;
    Ok(Some(bytes))
}

/// A temporary file next to the cache file, removed unless renamed over it.
struct Temp {
    path: PathBuf,
    file: File,
    /// Its owner: the user running the tool.
    uid: u32,
    kept: bool,
}

impl Temp {
    fn create(target: &Path) -> Result<Self, Failure> {
        Self::try_create(target).map_err(|problem| refuse(target, problem))
    }

    /// [`create`](Self::create), the problem in words if it fails.
    fn try_create(target: &Path) -> Result<Self, String> {
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let Some(name) = target.file_name() else {
            return Err("not a file name".to_owned());
        };
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for attempt in 0..16u32 {
            let mut temp = OsString::from(".");
            temp.push(name);
            temp.push(format!(
                ".{}.{:x}.tmp",
                std::process::id(),
                nanos.wrapping_add(attempt)
            ));
            let path = dir.join(temp);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path)
            {
                Ok(file) => {
                    let uid = file.metadata().map(|m| m.uid());
                    let mut temp = Temp {
                        path,
                        file,
                        uid: 0,
                        kept: false,
                    };
                    temp.uid =
                        uid.map_err(|e| format!("cannot inspect a file in its directory: {e}"))?;
                    return Ok(temp);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => {
                    return Err(format!(
                        "cannot create a file in its directory {}: {e}",
                        dir.display()
                    ));
                }
            }
        }
        Err(format!(
            "cannot create a temporary file in its directory: {}",
            last.map_or_else(String::new, |e| e.to_string())
        ))
    }

    /// Writes `contents`, syncs, and renames the file over `target` (a symbolic link
    /// there is replaced, never followed).
    fn persist(mut self, target: &Path, contents: &[u8]) -> io::Result<()> {
        self.file.write_all(contents)?;
        self.file.sync_all()?;
        fs::rename(&self.path, target)?;
        self.kept = true;
        // The rename itself reaches the disk with the directory.
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_another_user_or_open_to_others_is_refused() {
        let dir = std::env::temp_dir().join(format!("s2s-cache-unix-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token.json");
        let uid = Temp::create(&path).unwrap().uid;
        // The probe is gone once dropped.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::write(&path, "{}").unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let file = File::open(&path).unwrap();
        assert!(check(&path, "cache file", &file, uid, true).is_ok());
        let other = check(&path, "cache file", &file, uid.wrapping_add(1), true).unwrap_err();
        assert!(
            other
                .to_string()
                .contains(&format!("belongs to uid {uid}, not to the user running")),
            "{other}"
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let open = check(&path, "cache file", &file, uid, true).unwrap_err();
        assert!(open.to_string().contains("mode 0640"), "{open}");
        // The lock file's mode does not matter, its owner does.
        assert!(check(&path, "lock file", &file, uid, false).is_ok());
        let dir_file = File::open(&dir).unwrap();
        let not_file = check(&dir, "cache file", &dir_file, uid, true).unwrap_err();
        assert!(
            not_file.to_string().contains("not a regular file"),
            "{not_file}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
