//! Heap allocations per operation, counted by a `#[global_allocator]` that wraps
//! the system allocator: a JWT built and signed (HS256, ES256, RS256, and ring's
//! own signature for the floor), a token response parsed (against a
//! `serde_json::Value` parse of the same body), a whole client_credentials token
//! request over loopback (against a raw ureq POST + `serde_json` parse with the
//! same safety settings) and a SAML assertion verified.
//!
//! `cargo bench --bench allocs --all-features` prints one line per case:
//! allocations (`alloc` and `realloc` calls) and bytes asked for, per operation,
//! on the calling thread only (the local server's thread is not counted).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use s2s_oauth::jwt::Claims;
use s2s_oauth::{ClientAuth, Grant, HttpResponse, SigningKey, TokenRequest, TokenResponse};

/// The system allocator, counting on each thread what that thread asks for.
struct Counting;

thread_local! {
    /// (allocations, bytes) asked for by this thread.
    static COUNT: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

fn count(bytes: usize) {
    // `try_with`: nothing to count while the thread is being torn down.
    let _ = COUNT.try_with(|c| {
        let (n, b) = c.get();
        c.set((n + 1, b + bytes as u64));
    });
}

// SAFETY: every call is passed on unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counting touches only a const-initialized
// thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract for `alloc`, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract for `alloc_zeroed`, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: the caller's contract for `realloc`, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc`, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations and bytes per call of `op`, averaged over `runs` calls after
/// `warm_up` calls (which open connections, fill pools and caches).
fn per_call<T>(warm_up: u32, runs: u32, mut op: impl FnMut() -> T) -> (f64, f64) {
    for _ in 0..warm_up {
        drop(black_box(op()));
    }
    let (n0, b0) = COUNT.with(Cell::get);
    for _ in 0..runs {
        drop(black_box(op()));
    }
    let (n1, b1) = COUNT.with(Cell::get);
    (
        (n1 - n0) as f64 / f64::from(runs),
        (b1 - b0) as f64 / f64::from(runs),
    )
}

fn report(case: &str, (allocs, bytes): (f64, f64)) {
    println!("{case:<58} {allocs:>7.1} allocs {bytes:>9.0} bytes");
}

#[path = "common/keys.rs"]
mod keys;
use keys::{der, fixture};

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_764_000_000)
}

fn jwt() {
    let rng = SystemRandom::new();
    let claims = Claims::new(
        "3MVG9bench.consumer.key",
        "user@example.com",
        "https://login.salesforce.com",
    );
    let message = [b'a'; 330];

    let hs = SigningKey::hmac(b"0123456789abcdef0123456789abcdef").unwrap();
    report(
        "JWT HS256 Claims::sign_at",
        per_call(3, 200, || claims.sign_at(&hs, now(), &rng).unwrap()),
    );

    let p256 = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &der("p256.pkcs8.pem"),
        &rng,
    )
    .unwrap();
    report(
        "ring ECDSA P-256 sign (floor)",
        per_call(3, 200, || p256.sign(&rng, &message).unwrap()),
    );
    let es = SigningKey::from_pem(fixture("p256.pkcs8.pem")).unwrap();
    report(
        "JWT ES256 Claims::sign_at",
        per_call(3, 200, || claims.sign_at(&es, now(), &rng).unwrap()),
    );

    let rsa = RsaKeyPair::from_pkcs8(&der("rsa2048.pkcs8.pem")).unwrap();
    let mut signature = vec![0; rsa.public().modulus_len()];
    report(
        "ring RSA-2048 PKCS#1 SHA-256 sign (floor)",
        per_call(2, 20, || {
            rsa.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut signature)
                .unwrap()
        }),
    );
    let rs = SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap();
    report(
        "JWT RS256 Claims::sign_at",
        per_call(2, 20, || claims.sign_at(&rs, now(), &rng).unwrap()),
    );
}

const SALESFORCE: &[u8] = br#"{"access_token":"00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoWr78nt1u44zU31IbYNNJguseu","signature":"d0u5HPcJrOpmXrC/0qsmaqrY7YwThDNIjyBAIfgl9mM=","scope":"api","instance_url":"https://example.my.salesforce.com","id":"https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS","token_type":"Bearer","issued_at":"1708058728442"}"#;

fn parse() {
    report(
        "serde_json::from_slice::<Value>, Salesforce body (floor)",
        per_call(3, 200, || {
            serde_json::from_slice::<serde_json::Value>(SALESFORCE).unwrap()
        }),
    );
    let http = HttpResponse::new(
        200,
        vec![("Content-Type".into(), "application/json".into())],
        SALESFORCE.to_vec(),
    );
    report(
        "TokenResponse::parse, Salesforce body",
        per_call(3, 200, || TokenResponse::parse(&http, now()).unwrap()),
    );
}

/// A small fixed token response.
const TOKEN: &str = r#"{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl","token_type":"Bearer","expires_in":3600}"#;

/// A keep-alive HTTP/1.1 server on loopback answering every request with
/// [`TOKEN`]; it stops when the client closes its connections.
fn token_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/token", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: {}\r\n\r\n{TOKEN}",
            TOKEN.len()
        );
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                loop {
                    let mut length = 0usize;
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(value) = lower.strip_prefix("content-length:") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err()
                        || writer.write_all(answer.as_bytes()).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}

fn request() {
    let url = token_server();

    // The floor: raw ureq with the crate's safety settings, Basic auth, serde_json.
    let agent: s2s_oauth::ureq::Agent = s2s_oauth::ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    report(
        "raw ureq POST + serde_json::Value (floor)",
        per_call(5, 200, || {
            let mut response = agent
                .post(&url)
                .header(
                    "Authorization",
                    "Basic YmVuY2gtY2xpZW50OmJlbmNoLXNlY3JldA==",
                )
                .send_form([("grant_type", "client_credentials")])
                .unwrap();
            let body = response
                .body_mut()
                .with_config()
                .limit(1 << 20)
                .read_to_vec()
                .unwrap();
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()
        }),
    );

    let agent = s2s_oauth::agent();
    let request = TokenRequest::new(
        &url,
        Grant::client_credentials(),
        ClientAuth::basic("bench-client", "bench-secret"),
    )
    .unwrap();
    report(
        "client_credentials + Basic, TokenRequest::send",
        per_call(5, 200, || request.send(&agent).unwrap()),
    );
}

#[cfg(feature = "saml")]
fn saml() {
    use s2s_oauth::Certificate;
    use s2s_oauth::saml::{self, Assertion, Signer, Validation};

    const AUDIENCE: &str = "https://login.salesforce.com";
    const TOKEN_URL: &str = "https://login.salesforce.com/services/oauth2/token";
    let rng = SystemRandom::new();
    let signer = Signer::new(
        SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap(),
        Certificate::from_pem(fixture("rsa2048.cert.pem")).unwrap(),
    )
    .unwrap();
    let trusted = Certificate::from_pem(fixture("rsa2048.cert.pem"))
        .unwrap()
        .verifying_key()
        .unwrap();
    let assertion = Assertion::new("3MVG9-demo", "user@example.com", AUDIENCE, TOKEN_URL)
        .with_authn_statement("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport");
    let signed = assertion.sign_at(&signer, now(), &rng).unwrap();
    let signed = signed.expose_secret();
    let validation = Validation::new(AUDIENCE, TOKEN_URL).with_issuer("3MVG9-demo");
    report(
        "SAML RSA-SHA256 Assertion::sign_at",
        per_call(2, 20, || assertion.sign_at(&signer, now(), &rng).unwrap()),
    );
    report(
        "saml::verify, RSA-SHA256",
        per_call(3, 100, || {
            saml::verify(signed, &trusted, &validation, now(), None).unwrap()
        }),
    );
}

#[cfg(not(feature = "saml"))]
fn saml() {
    println!("(SAML: built without the saml feature)");
}

fn main() {
    // `cargo bench` passes `--bench`; this binary takes no filter.
    jwt();
    parse();
    request();
    saml();
}
