//! `--retries N`: only retryable failures (the exit-4 class) are retried, the
//! server's `Retry-After` is honoured, and exit 2 and 3 stop at once. The
//! `Retry-After` values are 1 or 2 s so the tests stay fast; durations are only
//! checked from below (a loaded machine can only make them longer).

use std::time::{Duration, Instant};

use s2s_oauth::testkit::{Fault, Profile, Server};

use super::support::{
    CLIENT, Run, SECRET, endpoint, run_client_credentials, run_env, server, strs,
};

fn busy(retry_after: &str) -> Fault {
    Fault::status(503, "text/html", "<h1>Busy</h1>").with_header("Retry-After", retry_after)
}

/// client-credentials against `server` with `--retries retries`, and how long
/// the run took.
fn client_credentials(server: &Server, retries: &str, secret: &str) -> (Run, Duration) {
    let start = Instant::now();
    let run = run_client_credentials(&endpoint(server), &["--retries", retries], secret);
    (run, start.elapsed())
}

#[test]
fn retryable_failures_are_retried_until_a_token_comes() {
    let server = server(Profile::Generic);
    server.inject(busy("1"), 1);
    server.inject(Fault::DropConnection, 1);
    server.inject(
        Fault::status(429, "text/plain", "slow down").with_header("Retry-After", "1"),
        1,
    );
    let (run, took) = client_credentials(&server, "3", SECRET);
    let json = run.json();
    assert!(json["access_token"].is_string());
    assert_eq!(server.requests().len(), 4);
    // Two Retry-After: 1 waits, and a backoff of at least half a second.
    assert!(took >= Duration::from_millis(2500), "{took:?}");
}

/// The server's Retry-After wins over the backoff (which would start near 1 s).
#[test]
fn retry_after_is_honoured() {
    let server = server(Profile::Generic);
    server.inject(busy("2"), 1);
    let (run, took) = client_credentials(&server, "1", SECRET);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests().len(), 2);
    assert!(took >= Duration::from_secs(2), "{took:?}");
}

/// When the retries run out, the last failure is reported as without them, with
/// the server's Retry-After and the attempts made.
#[test]
fn the_last_failure_exits_4_saying_when_to_retry() {
    let server = server(Profile::Generic);
    server.inject(busy("1"), 3);
    let (run, _) = client_credentials(&server, "1", SECRET);
    let line = run.failure(4);
    assert!(line.contains("HTTP 503"), "{line}");
    assert!(line.ends_with(" (retry after 1 s) (2 attempts)"), "{line}");
    assert_eq!(server.requests().len(), 2);
}

/// An OAuth refusal (exit 3) is not retried: the same request would be refused
/// again.
#[test]
fn a_refusal_is_not_retried() {
    let server = server(Profile::Generic);
    let (run, _) = client_credentials(&server, "5", "wrong secret");
    let line = run.failure(3);
    assert!(line.starts_with("error: invalid_client"), "{line}");
    assert_eq!(server.requests().len(), 1);
}

/// Bad local input (exit 2) is found before anything is sent, retries or not.
#[test]
fn bad_input_is_not_retried_and_nothing_is_sent() {
    let server = server(Profile::Generic);
    let mut args = vec![
        "client-credentials".to_owned(),
        "--retries".into(),
        "5".into(),
    ];
    args.extend(endpoint(&server));
    args.extend(
        [
            "--client-id",
            CLIENT,
            "--client-secret-env",
            "S2S_OAUTH_TEST_UNSET",
        ]
        .map(str::to_owned),
    );
    let run = run_env(&strs(&args), &[]);
    run.failure(2);
    assert!(server.requests().is_empty());
}

/// Each retry signs a new assertion: the testkit refuses a replayed jti, so a
/// retried JWT bearer request would fail if the first assertion were sent again.
#[test]
fn each_attempt_signs_a_fresh_assertion() {
    let server = server(Profile::Generic);
    server.inject(busy("1"), 1);
    let mut args = vec!["jwt-bearer".to_owned(), "--retries".into(), "1".into()];
    args.extend(endpoint(&server));
    args.extend(["--issuer", CLIENT, "--subject", super::support::USER].map(str::to_owned));
    args.extend(["--key".to_owned(), super::support::key("rsa2048.pkcs8.pem")]);
    let run = run_env(&strs(&args), &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_ne!(
        requests[0].form_value("assertion"),
        requests[1].form_value("assertion")
    );
}
