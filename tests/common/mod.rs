//! Helpers shared by the integration tests: canned HTTP peers on loopback, and a
//! deterministic generator for the randomized robustness tests.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The fixed "now" of the JWT and DPoP tests, in seconds since the epoch.
pub const NOW_SECS: u64 = 1_700_000_000;

/// [`NOW_SECS`] as a time.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

/// `offset` seconds after (or, negative, before) [`now`].
pub fn at(offset: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS.checked_add_signed(offset).unwrap())
}

/// The bytes of `tests/data/keys/NAME`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A signing key from `tests/data/keys/NAME` (PEM).
pub fn signing_key(name: &str) -> s2s_oauth::SigningKey {
    s2s_oauth::SigningKey::from_pem(fixture(name)).unwrap()
}

/// The issuer of the token-exchange tests' platform (Kubernetes) tokens.
pub const CLUSTER: &str = "https://kubernetes.default.svc.cluster.local";
/// The audience of those tokens: the testkit's STS.
pub const STS_AUDIENCE: &str = "sts.testkit";

/// The cluster's token-signing key (P-256).
pub fn cluster_key() -> s2s_oauth::SigningKey {
    signing_key("p256.pkcs8.pem")
}

/// A projected service-account token signed with `key`: `iss` the issuer, `aud`
/// the STS, an hour's lifetime.
pub fn platform_token(key: &s2s_oauth::SigningKey, issuer: &str, subject: &str) -> String {
    s2s_oauth::jwt::Claims::new(issuer, subject, STS_AUDIENCE)
        .with_lifetime(Duration::from_secs(3600))
        .sign(key)
        .unwrap()
        .into_exposed_secret()
}

/// The CI service account's platform token for Google's STS tests: signed with
/// [`cluster_key`] by [`CLUSTER`], audience `aud`, ten minutes' lifetime.
pub fn ci_subject_token(aud: &str) -> String {
    s2s_oauth::jwt::Claims::new(CLUSTER, "system:serviceaccount:ci:builder", aud)
        .with_lifetime(Duration::from_secs(600))
        .sign(&cluster_key())
        .unwrap()
        .into_exposed_secret()
}

/// A testkit configuration whose STS trusts [`CLUSTER`]'s tokens for
/// [`STS_AUDIENCE`], signed with [`cluster_key`] (the tests always have the
/// testkit: see the dev-dependency on this crate).
pub fn sts_config() -> s2s_oauth::testkit::Config {
    use s2s_oauth::testkit::{Config, Profile, TrustedIssuer};
    Config::new(Profile::Generic).with_trusted_issuer(
        TrustedIssuer::new(CLUSTER, cluster_key().verifying_key()).with_audience(STS_AUDIENCE),
    )
}

/// A loopback server that answers each of at most `max_connections` connections with
/// `response` (raw HTTP bytes) and reports how many requests it saw.
pub struct CannedServer {
    pub addr: SocketAddr,
    seen: mpsc::Receiver<Vec<u8>>,
}

impl CannedServer {
    pub fn start(response: Vec<u8>, max_connections: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for stream in listener.incoming().take(max_connections) {
                let Ok(mut stream) = stream else { break };
                let request = read_request(&mut stream);
                let _ = stream.write_all(&response);
                let _ = stream.flush();
                if tx.send(request).is_err() {
                    break;
                }
            }
        });
        CannedServer { addr, seen: rx }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The requests received so far (waits briefly for the first).
    pub fn requests(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if let Ok(first) = self.seen.recv_timeout(Duration::from_secs(2)) {
            out.push(first);
        }
        while let Ok(more) = self.seen.recv_timeout(Duration::from_millis(200)) {
            out.push(more);
        }
        out
    }
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body).
pub fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    buf
}

/// One HTTP/1.1 request read from `stream`: the request line, the headers
/// (names lowercased, values trimmed) and the Content-Length body.
pub fn read_parsed_request(stream: &TcpStream) -> (String, Vec<(String, String)>, Vec<u8>) {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let request_line = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        let (n, v) = line.split_once(':').unwrap();
        headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (request_line, headers, body)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A raw HTTP response with a body and extra header lines.
pub fn http_response(status_line: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status_line}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A listener that accepts connections and never answers (for timeout tests).
/// Connections are held until the returned guard's thread ends (bounded).
pub fn silent_listener() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let mut held = Vec::new();
        held.extend(listener.incoming().take(4).flatten());
        thread::sleep(Duration::from_secs(30));
        drop(held);
    });
    addr
}

/// xorshift64*: a small deterministic generator, so a randomized test that fails
/// reproduces with the same seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (0 for `n` = 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A client-credentials request with `client_secret_basic` to `url`.
pub fn client_credentials(url: &str) -> s2s_oauth::TokenRequest {
    s2s_oauth::TokenRequest::new(
        url,
        s2s_oauth::Grant::client_credentials(),
        s2s_oauth::ClientAuth::basic("client", "secret"),
    )
    .unwrap()
}

/// A rustls server configuration (ring, safe default versions, no client
/// authentication) presenting the PEM certificate `cert` with the PEM key `key`,
/// for a TLS peer on loopback.
pub fn tls_server_config(cert: &[u8], key: &[u8]) -> std::sync::Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = vec![CertificateDer::from_pem_slice(cert).expect("certificate PEM")];
    let key = PrivateKeyDer::from_pem_slice(key).expect("key PEM");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate and key");
    std::sync::Arc::new(config)
}

/// The DER inside a PEM file's first block, decoded independently of the crate.
pub fn der_of_pem(pem: &[u8]) -> Option<Vec<u8>> {
    use base64ct::{Base64, Encoding};
    let text = std::str::from_utf8(pem).ok()?;
    let b64: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .filter(|l| !l.contains(':'))
        .collect();
    Base64::decode_vec(&b64).ok()
}
