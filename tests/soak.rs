//! Soak: eight threads share one `ureq::Agent` and one `SigningKey` and send a mix
//! of every grant and client-authentication method to the testkit on 127.0.0.1.
//! Every request must succeed, and the client's resident memory must stay flat once
//! warm.
//!
//! The authorization server runs in a child process (this same test binary, started
//! again with `S2S_SOAK_ROLE=server`), so the memory measured here is the client's
//! alone: the testkit keeps every token it issues and would otherwise hide a client
//! leak behind its own growth.
//!
//! `S2S_SOAK_REQUESTS` sets the number of requests (default 20,000: the whole run
//! takes under a minute in a debug build on two cores, so CI runs all of it). To see
//! the numbers (recorded in SECURITY.md):
//!
//! ```sh
//! cargo test --all-features --test soak -- --nocapture
//! ```
#![cfg(feature = "saml")] // the soak mixes every grant, SAML 2.0 Bearer included

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use s2s_oauth::jwt::Claims;
use s2s_oauth::saml::{self, Signer};
use s2s_oauth::secret::{ClientSecret, RefreshToken};
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use s2s_oauth::{Certificate, ClientAuth, Grant, SigningKey, TokenRequest, VerifyingKey};

const KEY: &str = include_str!("data/keys/rsa2048.pkcs8.pem");
const CERT: &str = include_str!("data/keys/rsa2048.cert.pem");
const CLIENT_ID: &str = "soak-client";
const SECRET: &str = "soak secret: long enough for HMAC-SHA256 keys";
const USER: &str = "soak@example.com";

const THREADS: usize = 8;
const DEFAULT_REQUESTS: usize = 20_000;
/// The whole run must end within this, whatever the request count (a hang is a
/// failure, not a stuck CI job).
const TIME_CAP: Duration = Duration::from_secs(600);
/// The most the client's resident set may grow between the first checkpoint (a
/// quarter of the requests, when allocator arenas and connection pools are warm) and
/// the end. A leak of 140 bytes a request over the remaining 15,000 requests of the
/// default run exceeds it; the measured growth is about 40 KiB.
const MAX_GROWTH_KIB: u64 = 2 * 1024;

/// The request kinds, taken in turn: every grant, every client-authentication method.
const KINDS: [&str; 7] = [
    "jwt-bearer",
    "saml2-bearer",
    "client_credentials+client_secret_basic",
    "client_credentials+client_secret_post",
    "client_credentials+private_key_jwt",
    "client_credentials+client_secret_jwt",
    "refresh_token+client_secret_basic",
];

#[test]
fn soak() {
    if std::env::var_os("S2S_SOAK_ROLE").is_some_and(|role| role == "server") {
        serve_until_stdin_closes();
        return;
    }
    let requests = std::env::var("S2S_SOAK_REQUESTS")
        .ok()
        .map(|n| n.parse::<usize>().expect("S2S_SOAK_REQUESTS is a number"))
        .unwrap_or(DEFAULT_REQUESTS);
    assert!(requests >= THREADS * KINDS.len(), "too few requests to mix");

    let server = ChildServer::start();
    let run = Run::new(&server.token_url, &server.audience);
    let started = Instant::now();
    let done = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let samples = std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (run, done, failures) = (&run, &done, &failures);
            scope.spawn(move || {
                for i in (thread..requests).step_by(THREADS) {
                    if started.elapsed() > TIME_CAP {
                        break;
                    }
                    if let Err(e) = run.request(i % KINDS.len()) {
                        let mut failures = failures.lock().unwrap();
                        if failures.len() < 20 {
                            failures.push(format!("request {i} ({}): {e}", KINDS[i % 7]));
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        sample_memory(&done, requests, started)
    });
    let elapsed = started.elapsed();
    let failures = failures.lock().unwrap();
    let completed = done.load(Ordering::Relaxed);

    report(requests, completed, elapsed, &samples);
    assert!(
        elapsed < TIME_CAP,
        "the soak took {elapsed:?}, over {TIME_CAP:?}"
    );
    assert_eq!(completed, requests, "not every request ran");
    assert!(
        failures.is_empty(),
        "failed requests:\n{}",
        failures.join("\n")
    );
    check_flat(&samples);
}

/// The client side: one agent and one RSA key, shared by every thread.
struct Run {
    agent: ureq::Agent,
    key: SigningKey,
    signer: Signer,
    refresh_token: RefreshToken,
    token_url: String,
    audience: String,
}

impl Run {
    fn new(token_url: &str, audience: &str) -> Run {
        let agent = s2s_oauth::agent();
        let key = SigningKey::from_pem(KEY).unwrap();
        let signer = Signer::new(key.clone(), Certificate::from_pem(CERT).unwrap()).unwrap();
        // One refresh token, used concurrently by every thread (no rotation).
        let first = TokenRequest::new(
            token_url,
            Grant::client_credentials(),
            ClientAuth::basic(CLIENT_ID, SECRET),
        )
        .unwrap()
        .send(&agent)
        .expect("the first token");
        let refresh_token = first.refresh_token().expect("a refresh token").clone();
        Run {
            agent,
            key,
            signer,
            refresh_token,
            token_url: token_url.to_owned(),
            audience: audience.to_owned(),
        }
    }

    fn request(&self, kind: usize) -> Result<(), Box<dyn std::error::Error>> {
        let (grant, auth) = match kind {
            0 => (
                Grant::jwt_bearer(
                    Claims::new(CLIENT_ID, USER, self.audience.as_str()),
                    self.key.clone(),
                ),
                ClientAuth::none(),
            ),
            1 => (
                Grant::saml2_bearer_signed(
                    saml::Assertion::new(CLIENT_ID, USER, &self.audience, &self.token_url),
                    self.signer.clone(),
                ),
                ClientAuth::none(),
            ),
            2 => (
                Grant::client_credentials(),
                ClientAuth::basic(CLIENT_ID, SECRET),
            ),
            3 => (
                Grant::client_credentials(),
                ClientAuth::post(CLIENT_ID, SECRET),
            ),
            4 => (
                Grant::client_credentials(),
                ClientAuth::private_key_jwt(CLIENT_ID, self.key.clone())?,
            ),
            5 => (
                Grant::client_credentials(),
                ClientAuth::client_secret_jwt(CLIENT_ID, SECRET)?,
            ),
            _ => (
                Grant::refresh_token(self.refresh_token.clone()),
                ClientAuth::basic(CLIENT_ID, SECRET),
            ),
        };
        let token = TokenRequest::new(&self.token_url, grant, auth)?.send(&self.agent)?;
        if token.access_token().expose_secret().is_empty() {
            return Err("an empty access token".into());
        }
        Ok(())
    }
}

/// The child's side: one testkit server with a client that every kind can use;
/// prints its URLs, then serves until the parent closes stdin (or dies).
fn serve_until_stdin_closes() {
    let cert = Certificate::from_pem(CERT).unwrap();
    let client = Client::new(CLIENT_ID)
        .with_secret(ClientSecret::new(SECRET))
        .with_public_key(VerifyingKey::from_pem(CERT).unwrap())
        .with_certificate(&cert)
        .unwrap()
        .with_user(USER)
        .with_refresh_tokens(true);
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_client(client)
            .with_refresh_rotation(false),
    )
    .unwrap();
    println!("{MARKER}{} {}", server.token_url(), server.audience());
    // Blocks until the parent closes the pipe (or exits); then the server drops.
    let mut sink = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
}

/// What the server process prints before its token URL and audience.
const MARKER: &str = "SOAK-SERVER ";

/// The server process, killed when dropped.
struct ChildServer {
    child: Child,
    _stdin: ChildStdin,
    token_url: String,
    audience: String,
}

impl ChildServer {
    fn start() -> ChildServer {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "soak", "--nocapture", "--test-threads=1"])
            .env("S2S_SOAK_ROLE", "server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server process");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        // The test harness prints its own lines first; at most a few.
        let line = stdout
            .lines()
            .take(20)
            .map_while(Result::ok)
            .find_map(|line| {
                // libtest writes `test soak ... ` before it on the same line.
                let at = line.find(MARKER)?;
                Some(line[at + MARKER.len()..].to_owned())
            })
            .expect("the server process printed its URL");
        let mut words = line.split(' ');
        let token_url = words.next().unwrap().to_owned();
        let audience = words.next().unwrap().to_owned();
        assert!(token_url.starts_with("http://127.0.0.1:"), "{token_url}");
        ChildServer {
            child,
            _stdin: stdin,
            token_url,
            audience,
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reading of this process's memory after `done` requests.
#[derive(Debug, Clone, Copy)]
struct Sample {
    done: usize,
    rss_kib: u64,
}

/// Samples the resident set every 20 ms until every request has run (or the cap).
fn sample_memory(done: &AtomicUsize, requests: usize, started: Instant) -> Vec<Sample> {
    let mut samples = Vec::new();
    loop {
        let now_done = done.load(Ordering::Relaxed);
        if let Some(rss_kib) = status_kib("VmRSS:") {
            samples.push(Sample {
                done: now_done,
                rss_kib,
            });
        }
        if now_done >= requests || started.elapsed() > TIME_CAP {
            return samples;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `kB` line of `/proc/self/status` (Linux); `None` elsewhere.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line[field.len()..]
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()
}

/// The largest resident set among the samples taken once `from` requests had run.
fn peak_from(samples: &[Sample], from: usize) -> Option<Sample> {
    samples
        .iter()
        .filter(|s| s.done >= from)
        .max_by_key(|s| s.rss_kib)
        .copied()
}

/// The first sample taken once `from` requests had run.
fn first_from(samples: &[Sample], from: usize) -> Option<Sample> {
    samples.iter().find(|s| s.done >= from).copied()
}

fn report(requests: usize, completed: usize, elapsed: Duration, samples: &[Sample]) {
    let per_second = completed as f64 / elapsed.as_secs_f64();
    println!(
        "soak: {completed}/{requests} requests, {THREADS} threads, {:.1} s, {per_second:.0} requests/s",
        elapsed.as_secs_f64()
    );
    for quarter in 1..=4 {
        if let Some(s) = first_from(samples, requests * quarter / 4) {
            println!("soak: RSS after {} requests: {} KiB", s.done, s.rss_kib);
        }
    }
    let sampled = samples.iter().map(|s| s.rss_kib).max().unwrap_or(0);
    let hwm = status_kib("VmHWM:").unwrap_or(0);
    println!("soak: peak RSS {} KiB", sampled.max(hwm));
}

/// The resident set, once warm, must not grow by more than [`MAX_GROWTH_KIB`].
fn check_flat(samples: &[Sample]) {
    let Some(last) = samples.last() else {
        // No /proc/self/status: not Linux; nothing to measure.
        return;
    };
    let warm = first_from(samples, last.done / 4).expect("a sample at a quarter");
    let peak = peak_from(samples, last.done / 4).expect("a sample after a quarter");
    let growth = peak.rss_kib.saturating_sub(warm.rss_kib);
    assert!(
        growth <= MAX_GROWTH_KIB,
        "the client's resident set grew by {growth} KiB after warm-up \
         ({} KiB at {} requests, {} KiB at {}): a leak?",
        warm.rss_kib,
        warm.done,
        peak.rss_kib,
        peak.done
    );
}
