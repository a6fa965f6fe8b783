//! Faults, garbage, bad request shapes, the request log, and stopping.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use s2s_oauth::testkit::{Fault, Server};
use serde_json::Value;

use super::support::*;

#[test]
fn status_fault_applies_the_given_number_of_times() {
    let (server, _) = salesforce();
    server.inject(
        Fault::status(503, "text/html", "<h1>maintenance</h1>").with_header("Retry-After", "7"),
        2,
    );
    for _ in 0..2 {
        let r = post(
            &server.token_url(),
            None,
            &[("grant_type", "client_credentials")],
        );
        assert_eq!(r.status, 503);
        assert_eq!(r.header("Retry-After"), Some("7"));
        assert_eq!(r.header("Content-Type"), Some("text/html"));
        assert_eq!(r.body, Value::String("<h1>maintenance</h1>".into()));
    }
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn delay_fault_delays_then_answers() {
    let (server, _) = salesforce();
    server.inject(Fault::Delay(Duration::from_millis(400)), 1);
    let started = Instant::now();
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.status, 200);
}

#[test]
fn drop_connection_is_a_transport_error() {
    let (server, _) = salesforce();
    server.inject(Fault::DropConnection, 1);
    let result = agent()
        .post(server.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send("grant_type=client_credentials");
    let err = result.expect_err("no response was sent");
    assert!(!matches!(err, ureq::Error::StatusCode(_)), "{err:?}");
    // The next request is served normally.
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(r.status, 200);
}

// ---------------------------------------------------------------- robustness

fn raw_exchange(server: &Server, bytes: &[u8]) -> String {
    let authority = server.base_url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn server_survives_garbage_and_bounds_bodies() {
    let (server, _) = salesforce();
    assert!(raw_exchange(&server, b"\x00\xff garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
    assert!(raw_exchange(&server, b"GET /x HTTP/9.9\r\n\r\n").starts_with("HTTP/1.1 400"));
    assert!(
        raw_exchange(
            &server,
            b"POST /services/oauth2/token HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"
        )
        .starts_with("HTTP/1.1 413")
    );
    let big = "a=".to_owned() + &"b".repeat(70 * 1024);
    let r = agent()
        .post(server.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(big)
        .map(read_reply);
    if let Ok(r) = r {
        assert_eq!(r.status, 413);
    }
    // Closed before sending anything, and a half-sent request.
    drop(TcpStream::connect(server.base_url().trim_start_matches("http://")).unwrap());
    let mut half = TcpStream::connect(server.base_url().trim_start_matches("http://")).unwrap();
    half.write_all(b"POST /services/oauth2/token HTTP/1.1\r\nContent-Le")
        .unwrap();
    drop(half);

    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn token_endpoint_refuses_bad_shapes() {
    let (server, _) = generic();
    let get = read_reply(agent().get(server.token_url()).call().unwrap());
    assert_eq!(get.status, 405);
    assert_eq!(get.header("Allow"), Some("POST"));

    let json_body = read_reply(
        agent()
            .post(server.token_url())
            .header("Content-Type", "application/json")
            .send("{\"grant_type\":\"client_credentials\"}")
            .unwrap(),
    );
    assert_eq!(
        (json_body.status, json_body.error().0),
        (400, "invalid_request")
    );

    let r = post(&server.token_url(), None, &[("scope", "x")]);
    assert_eq!(r.error().0, "invalid_request");
    let r = post(&server.token_url(), None, &[("grant_type", "password")]);
    assert_eq!(r.error().0, "unsupported_grant_type");
    let r = post(
        &server.token_url(),
        None,
        &[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:saml2-bearer",
            ),
            ("assertion", "PHNhbWw+"),
        ],
    );
    // With the `saml` feature the SAML grant is supported, and a malformed assertion
    // is an invalid grant; without it the grant is not supported at all.
    if cfg!(feature = "saml") {
        assert_eq!(r.error().0, "invalid_grant");
    } else {
        assert_eq!(
            r.error(),
            (
                "unsupported_grant_type",
                "grant_type \"urn:ietf:params:oauth:grant-type:saml2-bearer\" is not supported; use urn:ietf:params:oauth:grant-type:jwt-bearer, client_credentials or refresh_token"
            )
        );
    }
    let r = post(
        &server.token_url(),
        None,
        &[
            ("grant_type", "client_credentials"),
            ("grant_type", "refresh_token"),
        ],
    );
    assert_eq!(r.error().0, "invalid_request");

    let missing = read_reply(
        agent()
            .get(format!("{}/nothing", server.base_url()))
            .call()
            .unwrap(),
    );
    assert_eq!(missing.status, 404);
}

#[test]
fn requests_are_recorded_and_debug_redacts_secrets() {
    let (server, _) = generic();
    post(
        &server.token_url(),
        Some(&basic("app", "s3cr3t")),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt-value-123"),
            ("scope", "a b"),
        ],
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method(), "POST");
    assert_eq!(r.path(), "/services/oauth2/token");
    assert_eq!(r.form_value("scope"), Some("a b"));
    assert_eq!(r.form_value("refresh_token"), Some("rt-value-123"));
    assert_eq!(
        r.header("authorization"),
        Some(basic("app", "s3cr3t").as_str())
    );
    let debug = format!("{r:?}");
    assert!(!debug.contains("rt-value-123"), "{debug}");
    assert!(!debug.contains(&basic("app", "s3cr3t")), "{debug}");
    assert!(debug.contains("a b"), "{debug}");
}

#[test]
fn dropping_the_server_stops_it() {
    let (server, _) = salesforce();
    server.inject(Fault::Delay(Duration::from_secs(30)), 1);
    let authority = server.base_url().trim_start_matches("http://").to_owned();
    // A request stuck in a long delay must not make the drop hang.
    let mut stuck = TcpStream::connect(&authority).unwrap();
    stuck
        .write_all(b"GET /services/data/v60.0/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(TcpStream::connect(&authority).is_err(), "still accepting");
}

#[test]
fn expect_continue_is_answered_and_huge_heads_refused() {
    let (server, _) = salesforce();
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "app"),
        ("client_secret", AWKWARD_SECRET),
    ]);
    let authority = server.base_url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /services/oauth2/token HTTP/1.1\r\nHost: {authority}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(body.as_bytes()).unwrap();
    let mut rest = String::new();
    stream.read_to_string(&mut rest).unwrap();
    assert!(rest.starts_with("HTTP/1.1 200 OK"), "{rest}");

    let huge = format!(
        "GET /services/data/v60.0/ HTTP/1.1\r\nX-Filler: {}\r\n\r\n",
        "x".repeat(20 * 1024)
    );
    assert!(raw_exchange(&server, huge.as_bytes()).starts_with("HTTP/1.1 431"));
}

#[test]
fn random_bytes_never_stop_the_server() {
    use ring::rand::{SecureRandom, SystemRandom};
    let (server, _) = salesforce();
    let rng = SystemRandom::new();
    let authority = server.base_url().trim_start_matches("http://").to_owned();
    for i in 0..60 {
        let mut noise = [0u8; 96];
        rng.fill(&mut noise).unwrap();
        let bytes = if i % 2 == 0 {
            // Random bytes where the request head would be.
            let mut b = noise.to_vec();
            b.extend_from_slice(b"\r\n\r\n");
            b
        } else {
            // A well-formed request whose form body is random bytes.
            let mut b = format!(
                "POST /services/oauth2/token HTTP/1.1\r\nHost: {authority}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
                noise.len()
            )
            .into_bytes();
            b.extend_from_slice(&noise);
            b
        };
        let reply = raw_exchange(&server, &bytes);
        assert!(
            reply.starts_with("HTTP/1.1 400") || reply.starts_with("HTTP/1.1 401"),
            "{reply}"
        );
    }
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    assert_eq!(r.status, 200);
}

/// Sends `head` then one byte every 100 ms (never reading), until `stop` is set or
/// the server closes the socket; returns the thread.
fn trickle(
    authority: &str,
    head: &'static [u8],
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let mut stream = TcpStream::connect(authority).unwrap();
    std::thread::spawn(move || {
        let started = Instant::now();
        if stream.write_all(head).is_err() {
            return;
        }
        while !stop.load(std::sync::atomic::Ordering::SeqCst)
            && started.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(100));
            if stream.write_all(b"x").is_err() {
                return;
            }
        }
    })
}

/// How long a normal request waits while another client sends `head` and then
/// trickles bytes; the normal request must succeed.
fn served_beside_a_trickler(head: &'static [u8]) -> Duration {
    let (server, _) = salesforce();
    let authority = server.base_url().trim_start_matches("http://").to_owned();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickler = trickle(&authority, head, stop.clone());
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let r = post(
        &server.token_url(),
        Some(&basic("app", AWKWARD_SECRET)),
        &[("grant_type", "client_credentials")],
    );
    let waited = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    trickler.join().unwrap();
    assert_eq!(r.status, 200);
    waited
}

#[test]
fn a_client_trickling_bytes_after_its_request_does_not_hold_the_server() {
    // A complete request, then bytes the server drains after answering.
    let waited = served_beside_a_trickler(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(waited < Duration::from_secs(3), "served after {waited:?}");
}

#[test]
fn a_silent_or_slow_client_holds_the_server_at_most_5_s() {
    // A head sent one byte at a time, never finished: cut at the 5 s deadline.
    let waited = served_beside_a_trickler(b"GET /");
    assert!(waited < Duration::from_secs(6), "served after {waited:?}");
}
