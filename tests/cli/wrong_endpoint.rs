//! Exit 5: the endpoint answered, but not as a token endpoint, or cannot be
//! trusted. Each cause with its error line (naming the host), its `hint:` line,
//! and no retry even when `--retries` asks for some.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use s2s_oauth::testkit::{Fault, Profile, Server};

use super::support::{Run, SECRET, endpoint, run_client_credentials, server};

/// client-credentials against `server` with the secret in the environment and
/// three retries allowed.
fn client_credentials(server: &Server) -> Run {
    client_credentials_to(&endpoint(server))
}

/// client-credentials against `endpoint` (endpoint flags) with the secret in the
/// environment and three retries allowed.
fn client_credentials_to(endpoint: &[String]) -> Run {
    run_client_credentials(endpoint, &["--retries", "3"], SECRET)
}

#[test]
fn each_wrong_endpoint_answer_is_exit_5_and_not_retried() {
    let over_limit = format!(r#"{{"access_token":"{}"}}"#, "a".repeat(1024 * 1024 + 1));
    let cases = [
        (
            "redirect",
            Fault::status(302, "text/html", "")
                .with_header("Location", "https://elsewhere.example/token"),
            "redirect HTTP 302 to \"https://elsewhere.example/token\"",
        ),
        (
            "404: a wrong token path",
            Fault::status(404, "text/html", "<h1>Not Found</h1>"),
            "HTTP 404",
        ),
        (
            "401 with no OAuth body",
            Fault::status(401, "text/plain", "Unauthorized"),
            "HTTP 401",
        ),
        (
            "200 HTML login page",
            Fault::status(200, "text/html", "<html>Sign in</html>"),
            "not JSON",
        ),
        (
            "200 maintenance page in JSON",
            Fault::status(200, "application/json", r#"{"status":"maintenance"}"#),
            "no access_token",
        ),
        (
            "body over the limit",
            Fault::status(200, "application/json", over_limit),
            "larger than the limit of 1048576 bytes",
        ),
    ];
    for (name, fault, expected) in cases {
        let server = server(Profile::Generic);
        server.inject(fault, 4);
        let run = client_credentials(&server);
        let line = run.failure(5);
        assert!(line.contains(expected), "{name}: {line}");
        let host = server.base_url().replace("http://", "");
        assert!(line.contains(&host), "{name}: {line}");
        let hint = run.hint().unwrap_or_else(|| panic!("{name}: no hint"));
        assert!(hint.contains("not as a token endpoint"), "{name}: {hint}");
        assert!(!run.stderr.contains(SECRET), "{name}");
        // Retrying would fail the same way: one request, whatever --retries says.
        assert_eq!(server.requests().len(), 1, "{name}");
    }
}

/// A Salesforce answer whose `signature` does not match the consumer secret is
/// not taken, and not printed.
#[test]
fn a_salesforce_signature_that_does_not_match_is_exit_5() {
    let server = server(Profile::Salesforce);
    let forged = format!(
        r#"{{"access_token":"00Dforged!token","token_type":"Bearer","instance_url":"{0}","id":"{0}/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS","issued_at":"1708058728442","signature":"bm90IHRoZSBzaWduYXR1cmU="}}"#,
        server.base_url()
    );
    server.inject(Fault::status(200, "application/json", forged), 1);
    let run = client_credentials(&server);
    let line = run.failure(5);
    assert!(line.contains("signature does not match"), "{line}");
    assert!(!run.stderr.contains("00Dforged"), "{run:?}");
    assert!(run.hint().unwrap().contains("consumer secret"), "{run:?}");
    // The real answer, signed by the testkit with the same secret, is taken.
    let json = client_credentials(&server).json();
    assert!(json["signature"].is_string());
}

/// A server whose certificate the client does not trust (issued by the test CA,
/// which the tool does not know): exit 5, and the handshake fails before anything
/// is sent.
#[test]
fn an_untrusted_certificate_is_exit_5_and_nothing_is_sent() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tls");
    let cert = std::fs::read(format!("{dir}/loopback.cert.pem")).unwrap();
    let key = std::fs::read(format!("{dir}/server.key.pem")).unwrap();
    let config = super::common::tls_server_config(&cert, &key);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // One connection, read until its handshake fails; a retry would find the
    // port closed.
    let seen = std::thread::spawn(move || {
        let mut received = Vec::new();
        for stream in listener.incoming().take(1) {
            let Ok(stream) = stream else { break };
            stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let conn = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, stream);
            let mut buf = [0u8; 4096];
            if let Ok(n) = tls.read(&mut buf) {
                received.extend_from_slice(&buf[..n]);
            }
        }
        received
    });
    let url = format!("https://127.0.0.1:{port}/services/oauth2/token");
    let run = client_credentials_to(&["--token-url".into(), url]);
    let line = run.failure(5);
    assert!(
        line.starts_with(&format!(
            "error: TLS with 127.0.0.1:{port} failed: invalid peer certificate"
        )),
        "{line}"
    );
    assert!(
        run.hint().unwrap().contains("is not trusted here"),
        "{run:?}"
    );
    assert!(seen.join().unwrap().is_empty(), "a request went through");
}

/// A port where another service answers (here an SSH banner), not HTTP: exit 5,
/// one connection whatever `--retries` says, in the tool's words.
#[test]
fn a_service_that_does_not_speak_http_is_exit_5_and_not_retried() {
    use std::io::Write;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    // Answers every connection made within the run (a retry would be a second).
    let served = std::thread::spawn(move || {
        let mut connections = 0;
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(4) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    connections += 1;
                    stream.set_nonblocking(false).ok();
                    stream.set_read_timeout(Some(Duration::from_secs(2))).ok();
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf);
                    let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        connections
    });
    let url = format!("http://127.0.0.1:{port}/services/oauth2/token");
    let run = client_credentials_to(&["--token-url".into(), url]);
    let line = run.failure(5);
    assert!(
        line.starts_with(&format!("error: 127.0.0.1:{port} did not answer in HTTP: ")),
        "{line}"
    );
    assert!(!line.contains("protocol:"), "{line}");
    assert!(
        run.hint().unwrap().contains("not as a token endpoint"),
        "{run:?}"
    );
    assert_eq!(served.join().unwrap(), 1, "retried");
}
