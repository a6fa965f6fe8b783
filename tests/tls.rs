//! TLS failures are `TransportErrorKind::Tls` and not retryable: a local rustls
//! server on 127.0.0.1 presents a self-signed, an expired and a wrong-name
//! certificate (fixtures in tests/data/tls/, made by its make.sh); with a
//! certificate the client trusts, the same server answers the token request.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use common::client_credentials;
use s2s_oauth::Error;
use s2s_oauth::error::TransportErrorKind;

const CA: &[u8] = include_bytes!("data/tls/ca.cert.pem");
const KEY: &[u8] = include_bytes!("data/tls/server.key.pem");
const LOOPBACK: &[u8] = include_bytes!("data/tls/loopback.cert.pem");
const EXPIRED: &[u8] = include_bytes!("data/tls/expired.cert.pem");
const OTHER_NAME: &[u8] = include_bytes!("data/tls/other-name.cert.pem");
const SELF_SIGNED: &[u8] = include_bytes!("data/tls/self-signed.cert.pem");
const SELF_SIGNED_CA: &[u8] = include_bytes!("data/tls/self-signed-ca.cert.pem");

const TOKEN_JSON: &str = r#"{"access_token":"at-tls","token_type":"Bearer","expires_in":3600}"#;

/// A TLS server on 127.0.0.1 presenting `cert` that answers each of at most
/// `max_connections` connections with a token response, and reports for each one
/// the request it read or the handshake error.
struct TlsServer {
    addr: SocketAddr,
    seen: mpsc::Receiver<Result<String, String>>,
}

impl TlsServer {
    fn start(cert: &[u8], max_connections: usize) -> Self {
        let config = common::tls_server_config(cert, KEY);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let (tx, seen) = mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming().take(max_connections) {
                let Ok(stream) = stream else { break };
                stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                stream.set_write_timeout(Some(Duration::from_secs(5))).ok();
                let conn = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, stream);
                let outcome = read_request(&mut tls).inspect(|_| {
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{TOKEN_JSON}",
                        TOKEN_JSON.len()
                    );
                    let _ = tls.write_all(response.as_bytes());
                    let _ = tls.flush();
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
                if tx.send(outcome).is_err() {
                    break;
                }
            }
        });
        TlsServer { addr, seen }
    }

    fn url(&self, host: &str) -> String {
        format!("https://{host}:{}/token", self.addr.port())
    }

    /// What the server saw on the next connection.
    fn next(&self) -> Result<String, String> {
        self.seen
            .recv_timeout(Duration::from_secs(5))
            .expect("the server saw no connection")
    }
}

/// Reads one request's head and Content-Length body; the handshake happens on the
/// first read, so its failure is the error.
fn read_request(tls: &mut impl Read) -> Result<String, String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    for _ in 0..64 {
        let n = tls.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .to_ascii_lowercase()
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(str::trim))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Ok(text);
            }
        }
    }
    Err("the request did not arrive".into())
}

/// The crate's agent settings, trusting only the test CA.
fn agent_trusting_test_ca() -> ureq::Agent {
    let ca = ureq::tls::Certificate::from_pem(CA).expect("CA PEM");
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[ca]))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Sends to `url` with `agent` and checks the failure is a TLS error, not
/// retryable, not local; returns its message.
fn expect_tls_failure(url: &str, agent: &ureq::Agent) -> String {
    let err = client_credentials(url).send(agent).unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind, TransportErrorKind::Tls, "{t}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }
    assert!(
        !err.is_retryable(),
        "a bad certificate is retried forever: {err}"
    );
    assert!(
        !err.is_local(),
        "the peer's certificate is not local input: {err}"
    );
    err.to_string()
}

#[test]
fn a_certificate_from_a_trusted_ca_for_the_loopback_address_works_end_to_end() {
    let server = TlsServer::start(LOOPBACK, 2);
    let agent = agent_trusting_test_ca();
    for host in ["127.0.0.1", "localhost"] {
        let token = client_credentials(&server.url(host))
            .send(&agent)
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(token.access_token().expose_secret(), "at-tls");
        let request = server.next().expect("handshake");
        assert!(request.starts_with("POST /token HTTP/1.1\r\n"), "{request}");
        assert!(
            request.ends_with("grant_type=client_credentials"),
            "{request}"
        );
    }
}

#[test]
fn a_self_signed_certificate_is_tls_and_not_retryable() {
    // An end-entity certificate signed by itself, and one with CA:TRUE (what
    // `openssl req -x509` makes by default), which rustls refuses as a leaf.
    for (cert, reason) in [
        (SELF_SIGNED, "UnknownIssuer"),
        (SELF_SIGNED_CA, "CaUsedAsEndEntity"),
    ] {
        let server = TlsServer::start(cert, 2);
        // With the web PKI roots (the crate's default agent) and with the test CA only.
        for agent in [s2s_oauth::agent(), agent_trusting_test_ca()] {
            let message = expect_tls_failure(&server.url("127.0.0.1"), &agent);
            assert!(message.contains(reason), "{message}");
            assert!(server.next().is_err(), "the handshake must fail");
        }
    }
}

#[test]
fn an_expired_certificate_is_tls_and_not_retryable() {
    let server = TlsServer::start(EXPIRED, 1);
    let message = expect_tls_failure(&server.url("127.0.0.1"), &agent_trusting_test_ca());
    assert!(
        message.to_ascii_lowercase().contains("expired"),
        "{message}"
    );
    assert!(server.next().is_err(), "the handshake must fail");
}

#[test]
fn a_certificate_for_another_name_is_tls_and_not_retryable() {
    let server = TlsServer::start(OTHER_NAME, 1);
    let message = expect_tls_failure(&server.url("127.0.0.1"), &agent_trusting_test_ca());
    assert!(message.to_ascii_lowercase().contains("name"), "{message}");
    assert!(server.next().is_err(), "the handshake must fail");
}
