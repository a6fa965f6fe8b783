//! A plain-http request (loopback only) never goes through a proxy, whatever the
//! agent's proxy setting (ureq's default agent takes one from `HTTP_PROXY` /
//! `ALL_PROXY`): the proxy would see the client secret in clear text. https keeps
//! the agent's proxy (it sees only a CONNECT and then TLS).

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use common::{CannedServer, http_response};
use s2s_oauth::{ClientAuth, Grant, TokenRequest};

const TOKEN_JSON: &[u8] = br#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600}"#;

/// A fake proxy on loopback that counts connections and answers each of at most
/// `max` with 502.
fn counting_proxy(max: usize) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut stream) = stream else { break };
            seen.fetch_add(1, Ordering::SeqCst);
            stream.set_read_timeout(Some(Duration::from_secs(2))).ok();
            let _ = stream.read(&mut [0u8; 4096]);
            let _ = stream.write_all(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (addr, count)
}

fn agent_with_proxy(proxy: SocketAddr) -> ureq::Agent {
    let proxy = ureq::Proxy::new(&format!("http://{proxy}")).expect("proxy URL");
    ureq::Agent::config_builder()
        .proxy(Some(proxy))
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

fn secret_request(url: &str) -> TokenRequest {
    TokenRequest::new(
        url,
        Grant::client_credentials(),
        ClientAuth::basic("client", "clear-text-secret"),
    )
    .unwrap()
}

#[test]
fn plain_http_on_loopback_goes_direct_even_when_the_agent_has_a_proxy() {
    let (proxy, count) = counting_proxy(4);
    let agent = agent_with_proxy(proxy);
    let server = CannedServer::start(
        http_response("200 OK", &["Content-Type: application/json"], TOKEN_JSON),
        2,
    );
    let port = server.addr.port();
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("http://{host}:{port}/token");
        let token = secret_request(&url)
            .send(&agent)
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(token.access_token().expose_secret(), "at-1");
    }
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        count.load(Ordering::SeqCst),
        0,
        "the proxy saw a clear-text request"
    );
}

#[test]
fn https_keeps_the_agents_proxy() {
    let (proxy, count) = counting_proxy(1);
    let agent = agent_with_proxy(proxy);
    // The proxy refuses the CONNECT, so nothing reaches port 1.
    let err = secret_request("https://127.0.0.1:1/token")
        .send(&agent)
        .unwrap_err();
    assert!(matches!(err, s2s_oauth::Error::Transport(_)), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 1, "{err}");
}
