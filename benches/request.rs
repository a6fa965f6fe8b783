//! The whole per-request path, side by side with the raw `ring` signature it is built
//! around: building a JWT Bearer token request (sign + encode the form body) and
//! parsing a Salesforce token response, side by side with a plain
//! `serde_json::from_slice::<Value>` of the same body (the floor for parsing).
//!
//! Then the loopback round trip (`round_trips`): a token request against a fast
//! local keep-alive server (`support/loopback.rs`), in interleaved rounds
//! (`support/interleave.rs`), side by side with a raw ureq 3 POST + `serde_json`
//! parse (with no timeout, with the crate's safety settings, with ureq's
//! `timeout_global`) and with oauth2-rs 5 over ureq 2; and a `private_key_jwt`
//! request against a hand-written ureq + ring one.
//!
//! `cargo bench --bench request -- --warm-up-time 1 --measurement-time 3`
//!
//! Environment: `S2S_ROUND_TRIPS_ONLY=1` skips the criterion groups;
//! `S2S_ROUNDS` / `S2S_BATCH` (default 60 / 200) size the interleaved run.
//! For instruction counts (callgrind, client side only), serve in one process and
//! count in another:
//!
//! ```sh
//! S2S_SERVE=600 target/release/deps/request-* &     # prints the server's address
//! S2S_SERVER=127.0.0.1:PORT S2S_COUNT=s2s-oauth S2S_N=1000 \
//!   valgrind --tool=callgrind target/release/deps/request-*
//! ```
//!
//! `S2S_COUNT` names a contender by the prefix of its name (`raw-none`, `raw-safe`,
//! `raw-global`, `s2s-oauth`, `oauth2-rs`, `pkjwt-raw`, `pkjwt-s2s`); it sends
//! `S2S_N` requests after 10 warm-up ones. Per request = the difference between two
//! runs with different `S2S_N`, divided by the difference.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use criterion::{Criterion, criterion_group};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use s2s_oauth::jwt::Claims;
use s2s_oauth::{ClientAuth, Grant, SigningKey, TokenRequest};

#[path = "support/interleave.rs"]
mod interleave;
#[path = "support/loopback.rs"]
mod loopback;

use interleave::Contender;

const RSA_KEY: &str = include_str!("../examples/demo-keys/jwt-bearer-rsa.pem");
const P256_KEY: &str = include_str!("../examples/demo-keys/client-p256.pem");

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000)
}

fn build(c: &mut Criterion) {
    let rng = SystemRandom::new();
    let der = PrivateKeyDer::from_pem_slice(RSA_KEY.as_bytes()).unwrap();
    let raw = RsaKeyPair::from_pkcs8(der.secret_der()).unwrap();
    let mut sig = vec![0u8; raw.public().modulus_len()];
    // A message the size of a Salesforce JWT signing input.
    let message = vec![b'a'; 330];

    let mut group = c.benchmark_group("jwt-bearer request, RS256");
    group.bench_function("ring RSA-2048 PKCS#1 SHA-256 sign (floor)", |b| {
        b.iter(|| {
            raw.sign(&RSA_PKCS1_SHA256, &rng, black_box(&message), &mut sig)
                .unwrap()
        })
    });
    let key = SigningKey::from_pem(RSA_KEY).unwrap();
    let claims = Claims::new(
        "3MVG9bench.consumer.key",
        "user@example.com",
        "https://login.salesforce.com",
    );
    let request = TokenRequest::new(
        "https://login.salesforce.com/services/oauth2/token",
        Grant::jwt_bearer(claims, key),
        ClientAuth::none(),
    )
    .unwrap();
    group.bench_function("s2s-oauth TokenRequest::to_http_request", |b| {
        b.iter(|| request.to_http_request(black_box(now()), &rng).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("client_credentials + private_key_jwt, ES256");
    let client_key = SigningKey::from_pem(P256_KEY).unwrap();
    let request = TokenRequest::new(
        "https://idp.example.com/oauth2/token",
        Grant::client_credentials(),
        ClientAuth::private_key_jwt("bench-client", client_key).unwrap(),
    )
    .unwrap();
    group.bench_function("s2s-oauth TokenRequest::to_http_request", |b| {
        b.iter(|| request.to_http_request(black_box(now()), &rng).unwrap())
    });
    group.finish();
}

criterion_group!(benches, build);

fn main() {
    if let Some(secs) = env_number("S2S_SERVE") {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        println!("{}", listener.local_addr().unwrap());
        std::thread::spawn(move || loopback::serve(listener, 4096));
        std::thread::sleep(Duration::from_secs(secs as u64));
        return;
    }
    if let Ok(which) = std::env::var("S2S_COUNT") {
        return count(&which);
    }
    if std::env::var_os("S2S_ROUND_TRIPS_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    round_trips();
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The server: `S2S_SERVER` if set (a server in another process, so that a
/// profiler counts the client alone), else one started here.
fn server() -> SocketAddr {
    match std::env::var("S2S_SERVER") {
        Ok(addr) => addr
            .parse()
            .expect("S2S_SERVER: an address such as 127.0.0.1:8080"),
        Err(_) => loopback::start(64),
    }
}

/// ureq 3's agent as a careful hand-written token client sets it: no redirects,
/// statuses as responses, and (`Safe`) the per-phase timeouts and per-read and
/// per-write limits the crate applies to a request to an IP address with the
/// default 30 s.
fn raw_agent(timeouts: RawTimeouts) -> ureq::Agent {
    let builder = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(None);
    let builder = match timeouts {
        RawTimeouts::None => builder,
        RawTimeouts::Safe => builder
            .timeout_connect(Some(Duration::from_secs(6)))
            .timeout_send_request(Some(Duration::from_millis(1500)))
            .timeout_send_body(Some(Duration::from_millis(1500)))
            .timeout_recv_response(Some(Duration::from_secs(15)))
            .timeout_recv_body(Some(Duration::from_secs(3)))
            .timeout_per_read(Some(Duration::from_millis(14_850)))
            .timeout_per_write(Some(Duration::from_millis(1_485))),
        RawTimeouts::Global => builder.timeout_global(Some(Duration::from_secs(30))),
    };
    builder.build().into()
}

#[derive(Clone, Copy)]
enum RawTimeouts {
    None,
    Safe,
    Global,
}

/// A raw ureq 3 token request: POST the form, read the body (1 MiB limit), parse it
/// into a `serde_json::Value`.
fn raw_post(
    agent: &ureq::Agent,
    url: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> serde_json::Value {
    let mut request = agent
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json");
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let mut response = request.send(body).expect("raw ureq POST");
    let bytes = response
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_vec()
        .expect("raw ureq body");
    serde_json::from_slice(&bytes).expect("raw JSON")
}

/// A hand-written `private_key_jwt` client assertion (ES256) with ring: the same
/// claims the crate signs (`iss`, `sub`, `aud`, `jti`, `iat`, `nbf`, `exp`).
fn raw_client_assertion(key: &EcdsaKeyPair, rng: &SystemRandom, aud: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut jti = [0u8; 16];
    rng.fill(&mut jti).unwrap();
    let jti: String = jti.iter().map(|b| format!("{b:02x}")).collect();
    let claims = format!(
        r#"{{"iss":"bench-client","sub":"bench-client","aud":"{aud}","jti":"{jti}","iat":{now},"nbf":{now},"exp":{}}}"#,
        now + 60
    );
    let mut jwt = Base64UrlUnpadded::encode_string(br#"{"alg":"ES256","typ":"JWT"}"#);
    jwt.push('.');
    jwt.push_str(&Base64UrlUnpadded::encode_string(claims.as_bytes()));
    let signature = key.sign(rng, jwt.as_bytes()).unwrap();
    jwt.push('.');
    jwt.push_str(&Base64UrlUnpadded::encode_string(signature.as_ref()));
    jwt
}

/// Every contender, each a closure sending one request to `addr`.
fn contenders(addr: SocketAddr) -> Vec<Contender<'static>> {
    let url: &'static str = format!("http://{addr}/token").leak();
    let basic: &'static str = format!(
        "Basic {}",
        Base64::encode_string(b"bench-client:bench-secret")
    )
    .leak();
    let form: &'static [u8] = b"grant_type=client_credentials";
    let rng = SystemRandom::new();
    let mut all = Vec::new();
    for (name, timeouts) in [
        (
            "raw-none, ureq 3 POST + serde_json, no timeout",
            RawTimeouts::None,
        ),
        (
            "raw-safe, ureq 3 POST + serde_json, the crate's settings",
            RawTimeouts::Safe,
        ),
        (
            "raw-global, ureq 3 POST + serde_json, timeout_global 30 s",
            RawTimeouts::Global,
        ),
    ] {
        let agent = raw_agent(timeouts);
        all.push(Contender {
            name,
            call: Box::new(move || {
                black_box(raw_post(&agent, url, Some(basic), form));
            }),
        });
    }
    let agent = s2s_oauth::agent();
    let request = TokenRequest::new(
        url,
        Grant::client_credentials(),
        ClientAuth::basic("bench-client", "bench-secret"),
    )
    .unwrap();
    all.push(Contender {
        name: "s2s-oauth, TokenRequest::send, s2s_oauth::agent()",
        call: Box::new(move || {
            black_box(request.send(&agent).unwrap());
        }),
    });
    let client = oauth2::basic::BasicClient::new(oauth2::ClientId::new("bench-client".into()))
        .set_client_secret(oauth2::ClientSecret::new("bench-secret".into()))
        .set_token_uri(oauth2::TokenUrl::new(url.into()).unwrap());
    let agent = oauth2::ureq::AgentBuilder::new().redirects(0).build();
    all.push(Contender {
        name: "oauth2-rs, 5.0 over ureq 2, no timeout",
        call: Box::new(move || {
            let token = client
                .exchange_client_credentials()
                .request(&agent)
                .unwrap();
            black_box(token);
        }),
    });

    // private_key_jwt, ES256: the signature dominates; the rest is the envelope.
    let der = PrivateKeyDer::from_pem_slice(P256_KEY.as_bytes()).unwrap();
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.secret_der(), &rng).unwrap();
    let agent = raw_agent(RawTimeouts::Safe);
    all.push(Contender {
        name: "pkjwt-raw, ureq 3 + ring ES256 by hand, the crate's settings",
        call: Box::new(move || {
            let assertion = raw_client_assertion(&key, &rng, url);
            let body = format!(
                "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={assertion}&client_id=bench-client"
            );
            black_box(raw_post(&agent, url, None, body.as_bytes()));
        }),
    });
    let agent = s2s_oauth::agent();
    let request = TokenRequest::new(
        url,
        Grant::client_credentials(),
        ClientAuth::private_key_jwt("bench-client", SigningKey::from_pem(P256_KEY).unwrap())
            .unwrap(),
    )
    .unwrap();
    all.push(Contender {
        name: "pkjwt-s2s, private_key_jwt ES256, s2s_oauth::agent()",
        call: Box::new(move || {
            black_box(request.send(&agent).unwrap());
        }),
    });
    all
}

/// The interleaved loopback run.
fn round_trips() {
    let rounds = env_number("S2S_ROUNDS").unwrap_or(60);
    let batch = env_number("S2S_BATCH").unwrap_or(200);
    let mut all = contenders(server());
    let (basic, pkjwt) = all.split_at_mut(5);
    let summaries = interleave::run(basic, rounds, batch);
    interleave::print(
        &format!("client_credentials + Basic, loopback keep-alive ({rounds} rounds × {batch})"),
        &summaries,
        &["raw-none, ", "raw-safe, ", "oauth2-rs, "].map(|p| {
            summaries
                .iter()
                .find(|s| s.name.starts_with(p))
                .unwrap()
                .name
        }),
    );
    let summaries = interleave::run(pkjwt, rounds, batch / 4);
    interleave::print(
        &format!(
            "client_credentials + private_key_jwt ES256 ({rounds} rounds × {})",
            batch / 4
        ),
        &summaries,
        &[summaries[0].name],
    );
}

/// `S2S_COUNT` mode: `S2S_N` requests of one contender, for an instruction counter.
fn count(which: &str) {
    let n = env_number("S2S_N").unwrap_or(1000);
    let mut all = contenders(server());
    let contender = all
        .iter_mut()
        .find(|c| c.name.starts_with(which))
        .unwrap_or_else(|| panic!("S2S_COUNT: no contender named {which}"));
    for _ in 0..10 + n {
        (contender.call)();
    }
}
