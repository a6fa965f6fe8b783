//! The whole per-request path, side by side with the raw `ring` signature it is built
//! around: building a JWT Bearer token request (sign + encode the form body).
//! Response parsing is measured in `benches/parse.rs`.
//!
//! `cargo bench --bench request -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use s2s_oauth::jwt::Claims;
use s2s_oauth::{ClientAuth, Grant, SigningKey, TokenRequest};

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
criterion_main!(benches);
