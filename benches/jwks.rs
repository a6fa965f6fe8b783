//! What the receiving side costs: reading a JWK Set of 20 keys (10 RSA-2048, 10
//! P-256, each with a `kid`), verifying an ES256 RFC 9068 access token through the
//! set (the key chosen by `kid`, the last of the set) against `jwt::verify` with
//! the key in hand, and refusing a token whose `kid` the set does not hold (what
//! a `kid` flood costs per token once the cache has stopped fetching).
//!
//! Run: `cargo bench --bench jwks -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use ring::rand::SystemRandom;
use s2s_oauth::SigningKey;
use s2s_oauth::jwt::{
    AccessTokenClaims, AccessTokenValidation, Jwks, Validation, verify, verify_access_token,
};
use serde_json::{Value, json};

const ISS: &str = "https://as.example";
const AUD: &str = "https://api.example";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn key(name: &str) -> SigningKey {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    SigningKey::from_pem_file(path).expect("fixture key")
}

fn bench(c: &mut Criterion) {
    let (rsa, ec) = (key("rsa2048.pkcs8.pem"), key("p256.pkcs8.pem"));
    let member = |k: &SigningKey, kid: String| {
        let mut jwk: Value = serde_json::from_str(&k.public_jwk().unwrap()).unwrap();
        jwk["kid"] = kid.into();
        jwk["use"] = "sig".into();
        jwk
    };
    let mut members: Vec<Value> = (0..10).map(|i| member(&rsa, format!("rsa-{i}"))).collect();
    members.extend((0..10).map(|i| member(&ec, format!("ec-{i}"))));
    let document = json!({ "keys": members }).to_string();
    let set = Jwks::parse(document.as_bytes()).unwrap();
    let signer = ec.clone().with_kid("ec-9");
    let rng = SystemRandom::new();
    let token = AccessTokenClaims::new(ISS, AUD, "svc", "billing")
        .with_scope("read write")
        .sign_at(&signer, now(), &rng)
        .unwrap();
    let token = token.expose_secret();
    let rules = AccessTokenValidation::new(ISS, AUD);
    let plain = Validation::new(AUD).with_issuer(ISS).require_jti();
    let unknown = AccessTokenClaims::new(ISS, AUD, "svc", "billing")
        .sign_at(&ec.clone().with_kid("random-kid"), now(), &rng)
        .unwrap();
    let unknown = unknown.expose_secret();

    let mut group = c.benchmark_group("jwks");
    group.bench_function("parse 20 keys", |b| {
        b.iter(|| Jwks::parse(black_box(document.as_bytes())).unwrap())
    });
    group.bench_function("verify_access_token ES256 via the set", |b| {
        b.iter(|| verify_access_token(black_box(token), &set, &rules, now()).unwrap())
    });
    group.bench_function("jwt::verify ES256 with the key", |b| {
        let key = signer.verifying_key();
        b.iter(|| verify(black_box(token), &key, &plain, now(), None).unwrap())
    });
    group.bench_function("refuse an unknown kid", |b| {
        b.iter(|| verify_access_token(black_box(unknown), &set, &rules, now()).unwrap_err())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
