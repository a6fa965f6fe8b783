//! `--cache FILE` over the real binary against the testkit (which counts the token
//! requests it gets): hits send nothing and print what the fetch printed, the cache
//! is keyed by the request, the files are private and never followed through a
//! symbolic link, concurrent runs send one request, a killed holder blocks nobody,
//! `--refresh`, and `--max-age` for tokens with no `expires_in`.
#![cfg(all(feature = "cli", unix))]

#[path = "cli/support.rs"]
mod support;

use std::fs::File;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use support::{BIN, CLIENT, Run, SECRET, TempDir, endpoint, run, strs};

/// A server whose tokens live `lifetime` and that knows [`CLIENT`] with a secret.
fn server_with(profile: Profile, lifetime: Duration) -> Server {
    let client = Client::new(CLIENT)
        .with_secret(SECRET)
        .with_run_as("integration@example.com");
    Server::start(
        Config::new(profile)
            .with_client(client)
            .with_token_lifetime(lifetime),
    )
    .expect("start the testkit server")
}

/// `client-credentials` against `server` with the cache at `cache` and `more` flags.
fn args(server: &Server, dir: &TempDir, cache: &str, more: &[&str]) -> Vec<String> {
    let secret = dir.file("secret", SECRET);
    let mut args = vec!["client-credentials".to_owned()];
    args.extend(endpoint(server));
    args.extend(["--client-id".into(), CLIENT.into()]);
    args.extend(["--client-secret-file".into(), secret]);
    args.extend(["--cache".into(), cache.into()]);
    args.extend(more.iter().map(|s| (*s).to_owned()));
    args
}

/// [`args`] with `--output token` before `more`.
fn token_args(server: &Server, dir: &TempDir, cache: &str, more: &[&str]) -> Vec<String> {
    args(server, dir, cache, &[&["--output", "token"], more].concat())
}

fn cache_path(dir: &TempDir) -> String {
    dir.path().join("token.json").to_string_lossy().into_owned()
}

/// A server as [`server_with`] makes it, a directory for the secret file, and the
/// cache's path in that directory.
fn fixture(profile: Profile, lifetime: Duration) -> (Server, TempDir, String) {
    let dir = TempDir::new();
    let cache = cache_path(&dir);
    (server_with(profile, lifetime), dir, cache)
}

/// Runs `args`, asserts a clean exit 0 (see [`ok`]) and returns stdout.
fn fetch(args: &[String]) -> String {
    ok(&run(&strs(args))).to_owned()
}

fn token_requests(server: &Server) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path().ends_with("/token"))
        .count()
}

fn ok(run: &Run) -> &str {
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    &run.stdout
}

/// Waits for `child` and returns its stdout, asserting it exited 0.
fn stdout_of(child: Child) -> String {
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Waits (30 s at the most) until `server` has seen a token request.
fn wait_for_a_token_request(server: &Server) {
    let started = Instant::now();
    while token_requests(server) == 0 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The names of the files in `dir`, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn spawn(args: &[String]) -> Child {
    Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the s2s-oauth binary")
}

#[test]
fn a_hit_sends_nothing_and_prints_what_the_fetch_printed() {
    for profile in [Profile::Generic, Profile::Salesforce] {
        let (server, dir, cache) = fixture(profile, Duration::from_secs(3600));
        for output in ["json", "token"] {
            let args = args(&server, &dir, &cache, &["--output", output]);
            let before = token_requests(&server);
            let first = run(&strs(&args));
            let second = run(&strs(&args));
            assert_eq!(ok(&second), ok(&first), "{profile:?} {output}");
            // Only the first run of the pair fetched (json fetched; token then hit).
            assert!(token_requests(&server) - before <= 1);
        }
        assert_eq!(token_requests(&server), 1, "{profile:?}");
        if profile == Profile::Salesforce {
            let json = run(&strs(&args(&server, &dir, &cache, &[]))).json();
            assert!(json.contains_key("instance_url") && json.contains_key("signature"));
            assert!(!json.contains_key("expires_in"));
        }
    }
}

#[test]
fn the_cache_is_keyed_by_the_request() {
    let (server, dir, cache) = fixture(Profile::Generic, Duration::from_secs(3600));
    let a = args(&server, &dir, &cache, &["--scope", "api"]);
    let b = args(&server, &dir, &cache, &["--scope", "api refresh_token"]);
    let token_a = fetch(&a);
    assert_eq!(token_requests(&server), 1);
    // Another scope: never served the other request's token; the file is replaced.
    let token_b = fetch(&b);
    assert_ne!(token_a, token_b);
    assert_eq!(token_requests(&server), 2);
    assert_eq!(ok(&run(&strs(&b))), token_b);
    assert_eq!(token_requests(&server), 2);
    assert_ne!(ok(&run(&strs(&a))), token_a);
    assert_eq!(token_requests(&server), 3);
    // Another token URL (a path the server does not serve) is another request too:
    // it is sent, and fails.
    let mut elsewhere = a.clone();
    let url = elsewhere.iter().position(|s| s == "--token-url").unwrap() + 1;
    elsewhere[url] = format!("{}/other/token", server.base_url());
    assert_ne!(run(&strs(&elsewhere)).code, 0);
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn the_files_are_private_and_never_followed_through_a_symlink() {
    let (server, dir, cache) = fixture(Profile::Generic, Duration::from_secs(3600));
    ok(&run(&strs(&args(&server, &dir, &cache, &[]))));
    for path in [cache.clone(), format!("{cache}.lock")] {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{path}");
    }
    // Nothing else is left in the directory (no temporary file).
    assert_eq!(
        names(dir.path()),
        ["secret", "token.json", "token.json.lock"]
    );

    // A cache file others may read is refused, not used and not replaced.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = run(&strs(&args(&server, &dir, &cache, &[])));
    assert!(refused.failure(2).contains("mode 0644"), "{refused:?}");
    assert_eq!(token_requests(&server), 1);

    // A symbolic link as the cache file or its lock: refused, the target untouched.
    let target = dir.file("target", "do not touch");
    for link in ["link.json", "link2.json.lock"] {
        let link = dir.path().join(link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
    }
    let link = dir.path().join("link.json").to_string_lossy().into_owned();
    let refused = run(&strs(&args(&server, &dir, &link, &[])));
    assert!(refused.failure(2).contains("symbolic link"), "{refused:?}");
    let refused = run(&strs(&args(&server, &dir, &link, &["--refresh"])));
    assert!(refused.failure(2).contains("symbolic link"), "{refused:?}");
    let link2 = dir.path().join("link2.json").to_string_lossy().into_owned();
    let refused = run(&strs(&args(&server, &dir, &link2, &[])));
    assert!(refused.failure(2).contains("lock file"), "{refused:?}");
    assert!(refused.stderr.contains("symbolic link"), "{refused:?}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "do not touch");
    // A dangling symlink is not created through either.
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink(dir.path().join("created"), &dangling).unwrap();
    let refused = run(&strs(&args(
        &server,
        &dir,
        &dangling.to_string_lossy(),
        &[],
    )));
    refused.failure(2);
    assert!(!dir.path().join("created").exists());
    assert_eq!(token_requests(&server), 1);
}

#[test]
fn eight_runs_at_once_send_one_request() {
    let (server, dir, cache) = fixture(Profile::Generic, Duration::from_secs(3600));
    let args = args(&server, &dir, &cache, &["--output", "token"]);
    let children: Vec<Child> = (0..8).map(|_| spawn(&args)).collect();
    let outputs: Vec<String> = children.into_iter().map(stdout_of).collect();
    assert_eq!(token_requests(&server), 1);
    assert!(outputs.iter().all(|o| *o == outputs[0] && !o.is_empty()));
}

#[test]
fn a_run_waits_for_the_lock_and_then_reads_the_fresh_token() {
    let (server, dir, cache) = fixture(Profile::Generic, Duration::from_secs(3600));
    let args = args(&server, &dir, &cache, &["--output", "token"]);
    let lock = File::create(format!("{cache}.lock")).unwrap();
    std::fs::set_permissions(format!("{cache}.lock"), PermissionsExt::from_mode(0o600)).unwrap();
    lock.lock().unwrap();
    let mut waiting = spawn(&args);
    std::thread::sleep(Duration::from_millis(300));
    // Still waiting: nothing sent while another holds the lock.
    assert!(waiting.try_wait().unwrap().is_none());
    assert_eq!(token_requests(&server), 0);
    // The holder writes a token meanwhile (as a run would): the waiter serves it.
    let mut elsewhere = args.clone();
    let at = elsewhere.iter().position(|s| s == "--cache").unwrap() + 1;
    elsewhere[at] = format!("{cache}.other");
    let fresh = fetch(&elsewhere);
    std::fs::rename(format!("{cache}.other"), &cache).unwrap();
    assert_eq!(token_requests(&server), 1);
    drop(lock);
    assert_eq!(stdout_of(waiting), fresh);
    assert_eq!(token_requests(&server), 1);
}

#[test]
fn a_holder_killed_mid_fetch_blocks_nobody() {
    let (server, dir, cache) = fixture(Profile::Generic, Duration::from_secs(3600));
    server.inject(Fault::Delay(Duration::from_secs(3)), 1);
    let args = args(&server, &dir, &cache, &["--output", "token"]);
    let mut holder = spawn(&args);
    // Bounded wait for the holder's request to reach the server (it holds the lock
    // from before the request until after the write).
    wait_for_a_token_request(&server);
    assert_eq!(token_requests(&server), 1);
    let lock = File::open(format!("{cache}.lock")).unwrap();
    assert!(lock.try_lock().is_err(), "the holder holds the lock");
    holder.kill().unwrap();
    let _ = holder.wait();
    // The lock died with the process: free at once.
    lock.try_lock()
        .expect("the killed holder's lock is released");
    lock.unlock().unwrap();
    drop(lock);
    let next = run(&strs(&args));
    assert!(!ok(&next).is_empty());
    assert_eq!(token_requests(&server), 2);
    // The killed run left no temporary file.
    assert_eq!(
        names(dir.path()),
        ["secret", "token.json", "token.json.lock"]
    );
}

#[test]
fn refresh_replaces_the_cached_token() {
    let (server, dir, cache) = fixture(Profile::Generic, Duration::from_secs(3600));
    let plain = args(&server, &dir, &cache, &["--output", "token"]);
    let refresh = args(&server, &dir, &cache, &["--output", "token", "--refresh"]);
    let first = fetch(&plain);
    let renewed = fetch(&refresh);
    assert_ne!(first, renewed);
    assert_eq!(token_requests(&server), 2);
    assert_eq!(ok(&run(&strs(&plain))), renewed);
    assert_eq!(token_requests(&server), 2);
    let twice = run(&strs(&args(
        &server,
        &dir,
        &cache,
        &["--refresh", "--refresh"],
    )));
    assert!(twice.failure(2).contains("--refresh is given twice"));
}

#[test]
fn min_ttl_and_max_age_decide_what_is_served() {
    // Salesforce: no expires_in, so the token is kept --max-age (default 900 s).
    let (server, dir, cache) = fixture(Profile::Salesforce, Duration::from_secs(3600));
    let with = |more: &[&str]| token_args(&server, &dir, &cache, more);
    let first = fetch(&with(&[]));
    assert_eq!(
        fetch(&with(&["--max-age", "3600", "--min-ttl", "3500"])),
        first
    );
    assert_eq!(token_requests(&server), 1);
    // Kept 60 s, wanted for 60 more: some time has passed, so it is too old.
    let second = fetch(&with(&["--max-age", "60", "--min-ttl", "60"]));
    assert_ne!(second, first);
    assert_eq!(token_requests(&server), 2);

    // With expires_in, --max-age does not apply; --min-ttl does.
    let (server, dir, cache) = fixture(Profile::Generic, Duration::from_secs(100));
    let with = |more: &[&str]| token_args(&server, &dir, &cache, more);
    let first = fetch(&with(&[]));
    assert_eq!(fetch(&with(&["--max-age", "1", "--min-ttl", "10"])), first);
    assert_eq!(token_requests(&server), 1);
    // Valid 100 s at most, wanted for 120 (and the default 60 s is served): fetched.
    assert_ne!(fetch(&with(&["--min-ttl", "120"])), first);
    assert_eq!(token_requests(&server), 2);
    let bad = run(&strs(&with(&["--max-age", "0"])));
    assert!(bad.failure(2).contains("--max-age"));
}

/// Jobs that all got a 401 with the cached token and all run `--refresh` at once
/// send one request between them: the token a run finds after waiting for the
/// lock was received after it started, so it is not the one the API refused.
#[test]
fn eight_refresh_runs_at_once_send_one_request() {
    let (server, dir, cache) = fixture(Profile::Generic, Duration::from_secs(3600));
    let plain = args(&server, &dir, &cache, &["--output", "token"]);
    let refused = fetch(&plain);
    assert_eq!(token_requests(&server), 1);
    // The first refresh's answer comes late enough for all eight to have started.
    server.inject(Fault::Delay(Duration::from_secs(2)), 1);
    let refresh = args(&server, &dir, &cache, &["--output", "token", "--refresh"]);
    let children: Vec<Child> = (0..8).map(|_| spawn(&refresh)).collect();
    let outputs: Vec<String> = children.into_iter().map(stdout_of).collect();
    assert_eq!(token_requests(&server), 2);
    assert_ne!(outputs[0], refused);
    assert!(outputs.iter().all(|o| *o == outputs[0]), "{outputs:?}");
    // A later --refresh replaces that token too.
    let later = fetch(&refresh);
    assert_ne!(later, outputs[0]);
    assert_eq!(token_requests(&server), 3);
}

/// A token that cannot be cached (here its directory vanished during the fetch)
/// is still printed, exit 0, with one `warning:` line that reads as a warning
/// (no `error:` inside it for a log filter to count).
#[test]
fn a_token_that_cannot_be_cached_is_printed_with_one_warning() {
    let server = server_with(Profile::Generic, Duration::from_secs(3600));
    server.inject(Fault::Delay(Duration::from_secs(2)), 1);
    let dir = TempDir::new();
    let sub = dir.path().join("gone");
    std::fs::create_dir(&sub).unwrap();
    let cache = sub.join("token.json").to_string_lossy().into_owned();
    let args = args(&server, &dir, &cache, &["--output", "token"]);
    let child = spawn(&args);
    wait_for_a_token_request(&server);
    std::fs::remove_dir_all(&sub).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(!out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "warning: --cache {cache}: the token was not cached: "
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("error:"), "{stderr}");
    assert_eq!(stderr.matches("--cache").count(), 1, "{stderr}");
}

/// `--cache DIR` (or `DIR/`) names a directory: refused, exit 2, before any file
/// is made in it or next to it.
#[test]
fn a_directory_as_the_cache_is_refused_and_left_untouched() {
    let server = server_with(Profile::Generic, Duration::from_secs(3600));
    let dir = TempDir::new();
    let sub = dir.path().join("cache-dir");
    std::fs::create_dir(&sub).unwrap();
    for given in [
        sub.to_string_lossy().into_owned(),
        format!("{}/", sub.to_string_lossy()),
    ] {
        let refused = run(&strs(&args(&server, &dir, &given, &[])));
        assert!(refused.failure(2).contains("is a directory"), "{refused:?}");
    }
    assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 0);
    assert_eq!(names(dir.path()), ["cache-dir", "secret"]);
    assert_eq!(token_requests(&server), 0);
}
