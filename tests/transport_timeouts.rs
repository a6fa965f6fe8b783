//! No request outlives its timeout: a loopback server that stalls, or trickles its
//! response head or its body one byte at a time (each byte well inside any per-read
//! timeout), cannot hold a request much past `SendOptions::with_timeout`, whatever
//! the agent: the crate's, ureq's default (no timeouts at all), or a caller's whose
//! own timeouts are an hour. The bound checked is generous (3× the timeout): these
//! tests say "it ends", not how fast.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::{client_credentials, read_request, silent_listener};
use s2s_oauth::error::TransportErrorKind;
use s2s_oauth::{Error, SendOptions};

/// The request timeout in these tests.
const TIMEOUT: Duration = Duration::from_millis(1000);

/// How long a request may take before the test fails: generous, the machine may be
/// busy.
const BOUND: Duration = Duration::from_millis(3000);

/// The pause between two trickled bytes: far below any phase budget, so only a
/// budget for the whole phase can end the request.
const TRICKLE: Duration = Duration::from_millis(10);

/// The most bytes a trickling server sends (bounds its thread to ~30 s).
const MAX_TRICKLE: usize = 3000;

/// The three kinds of agent a caller may pass. Over https, ureq's default agent
/// would take a proxy from the environment (`HTTPS_PROXY`): there its stand-in is
/// the same defaults with no proxy.
fn agents(https: bool) -> [(&'static str, ureq::Agent); 3] {
    let hour = Some(Duration::from_secs(3600));
    let lazy: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(hour)
        .timeout_per_call(hour)
        .timeout_connect(hour)
        .timeout_send_request(hour)
        .timeout_send_body(hour)
        .timeout_recv_response(hour)
        .timeout_recv_body(hour)
        .timeout_per_read(hour)
        .timeout_per_write(hour)
        .proxy(None)
        .build()
        .into();
    [
        ("s2s_oauth::agent()", s2s_oauth::agent()),
        match https {
            false => ("ureq::agent()", ureq::agent()),
            true => (
                "ureq's defaults, no proxy",
                ureq::Agent::config_builder().proxy(None).build().into(),
            ),
        },
        ("an agent with one-hour timeouts", lazy),
    ]
}

/// A loopback server that reads each request, then writes `head` at once and
/// trickles `trickled` one byte per [`TRICKLE`] (until the client goes away).
fn trickling_server(head: &'static [u8], trickled: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(stream) = stream else { break };
            thread::spawn(move || trickle(stream, head, trickled));
        }
    });
    addr
}

fn trickle(mut stream: TcpStream, head: &[u8], trickled: &[u8]) {
    read_request(&mut stream);
    if stream.write_all(head).is_err() {
        return;
    }
    for byte in trickled.iter().cycle().take(MAX_TRICKLE) {
        thread::sleep(TRICKLE);
        if stream.write_all(std::slice::from_ref(byte)).is_err() {
            return;
        }
    }
}

/// Sends a request to `url` with each agent and checks it fails with a timeout
/// within [`BOUND`].
fn times_out_with_every_agent(url: &str, what: &str) {
    let options = SendOptions::new().with_timeout(TIMEOUT);
    for (name, agent) in agents(url.starts_with("https:")) {
        let started = Instant::now();
        let result = client_credentials(url).send_with(&agent, &options);
        let elapsed = started.elapsed();
        match &result {
            Err(Error::Transport(t)) => {
                assert_eq!(t.kind, TransportErrorKind::Timeout, "{what}, {name}: {t}")
            }
            other => panic!("{what}, {name}: expected a timeout, got {other:?}"),
        }
        assert!(
            elapsed < BOUND,
            "{what}, {name}: took {elapsed:?} with a timeout of {TIMEOUT:?}"
        );
    }
}

#[test]
fn a_server_that_never_answers_is_cut_off() {
    let addr = silent_listener();
    times_out_with_every_agent(&format!("http://{addr}/token"), "a silent server");
}

#[test]
fn a_server_that_never_answers_a_named_host_is_cut_off() {
    // `localhost` is a name: the lookup has its own budget (and runs on ureq's
    // lookup thread); the rest is as with an IP address.
    let addr = silent_listener();
    let url = format!("http://localhost:{}/token", addr.port());
    times_out_with_every_agent(&url, "a silent server by name");
}

#[test]
fn a_stalled_tls_handshake_is_cut_off() {
    // https to a listener that accepts and never speaks TLS: the connect phase
    // (TCP and TLS) stalls.
    let addr = silent_listener();
    times_out_with_every_agent(&format!("https://{addr}/token"), "a stalled handshake");
}

#[test]
fn response_headers_trickled_one_byte_at_a_time_are_cut_off() {
    let addr = trickling_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
        b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
    );
    times_out_with_every_agent(&format!("http://{addr}/token"), "trickled headers");
}

#[test]
fn a_body_trickled_one_byte_at_a_time_is_cut_off() {
    let addr = trickling_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"access_token\":\"",
        b"a",
    );
    times_out_with_every_agent(&format!("http://{addr}/token"), "a trickled body");
}

#[test]
fn a_chunked_body_trickled_one_chunk_at_a_time_is_cut_off() {
    let addr = trickling_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"1\r\n \r\n",
    );
    times_out_with_every_agent(&format!("http://{addr}/token"), "a trickled chunked body");
}

#[test]
fn a_quick_server_is_answered_with_a_short_timeout_and_a_lazy_agent() {
    // The budgets do not get in the way of a server that answers at once.
    let server = common::CannedServer::start(
        common::http_response(
            "200 OK",
            &["Content-Type: application/json"],
            br#"{"access_token":"at-1","token_type":"Bearer"}"#,
        ),
        3,
    );
    let options = SendOptions::new().with_timeout(TIMEOUT);
    for (name, agent) in agents(false) {
        let token = client_credentials(&server.url("/token"))
            .send_with(&agent, &options)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(token.access_token().expose_secret(), "at-1", "{name}");
    }
}
