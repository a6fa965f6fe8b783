//! What signing a JWT costs on top of the signature itself: for each algorithm, the
//! raw `ring` signature of a fixed message, `Claims::sign_at`, and
//! `jsonwebtoken::encode` of the same claims, side by side. And what verifying one
//! costs (RS256, ES256): the raw `ring` verification of the signing input, the
//! crate's `verify`, and `jsonwebtoken::decode` into a claims struct, with the same
//! checks (signature, `exp`, `aud`, `iss`). ES256 also times a DPoP proof
//! (`DpopKey::proof`), which should cost about one ES256 signature.
//!
//! Run: `cargo bench --bench jwt -- --warm-up-time 1 --measurement-time 3`
//! (results and the machine they came from: BENCHMARKS.md).

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
    VerificationAlgorithm,
};
use s2s_oauth::jwt::dpop::{DpopKey, Proof};
use s2s_oauth::jwt::{Claims, Validation};
use s2s_oauth::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

const AUD: &str = "https://login.salesforce.com";
const ISS: &str = "3MVG9-demo-consumer-key";
const SUB: &str = "user@example.com";
const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

#[path = "common/keys.rs"]
mod keys;
use keys::{der, fixture};

/// The claims jsonwebtoken signs: the same members ours writes.
#[derive(Serialize)]
struct JwtClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
    iat: u64,
    jti: &'a str,
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn jwt_claims() -> JwtClaims<'static> {
    JwtClaims {
        iss: ISS,
        sub: SUB,
        aud: AUD,
        exp: 1_700_000_180,
        iat: 1_700_000_000,
        jti: "0b8e4f3c-1d2a-4e5f-9a6b-7c8d9e0f1a2b",
    }
}

/// A signing input of the size ours produces for these claims.
fn message() -> Vec<u8> {
    let token = Claims::new(ISS, SUB, AUD)
        .sign_at(
            &SigningKey::hmac(SECRET).unwrap(),
            now(),
            &SystemRandom::new(),
        )
        .unwrap();
    let (input, _) = token.expose_secret().rsplit_once('.').unwrap();
    input.as_bytes().to_vec()
}

fn bench(c: &mut Criterion) {
    let rng = SystemRandom::new();
    let msg = message();
    let claims = Claims::new(ISS, SUB, AUD);

    // RS256
    let mut g = c.benchmark_group("RS256");
    let ring_rsa = RsaKeyPair::from_pkcs8(&der("rsa2048.pkcs8.pem")).unwrap();
    let mut sig = vec![0; ring_rsa.public().modulus_len()];
    g.bench_function("ring sign", |b| {
        b.iter(|| {
            ring_rsa
                .sign(&RSA_PKCS1_SHA256, &rng, black_box(&msg), &mut sig)
                .unwrap()
        })
    });
    let ours = SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap();
    g.bench_function("s2s-oauth Claims::sign_at", |b| {
        b.iter(|| claims.sign_at(black_box(&ours), now(), &rng).unwrap())
    });
    let theirs =
        jsonwebtoken::EncodingKey::from_rsa_pem(fixture("rsa2048.pkcs8.pem").as_bytes()).unwrap();
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    g.bench_function("jsonwebtoken encode", |b| {
        b.iter(|| jsonwebtoken::encode(&header, black_box(&jwt_claims()), &theirs).unwrap())
    });
    g.finish();

    // ES256
    let mut g = c.benchmark_group("ES256");
    let ring_ec = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &der("p256.pkcs8.pem"),
        &rng,
    )
    .unwrap();
    g.bench_function("ring sign", |b| {
        b.iter(|| ring_ec.sign(&rng, black_box(&msg)).unwrap())
    });
    let ours = SigningKey::from_pem(fixture("p256.pkcs8.pem")).unwrap();
    g.bench_function("s2s-oauth Claims::sign_at", |b| {
        b.iter(|| claims.sign_at(black_box(&ours), now(), &rng).unwrap())
    });
    let theirs =
        jsonwebtoken::EncodingKey::from_ec_pem(fixture("p256.pkcs8.pem").as_bytes()).unwrap();
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    g.bench_function("jsonwebtoken encode", |b| {
        b.iter(|| jsonwebtoken::encode(&header, black_box(&jwt_claims()), &theirs).unwrap())
    });
    // A DPoP proof (RFC 9449) for an API call: the header (with the public JWK) is
    // written once per key, so a proof is its claims, the token's hash and one sign.
    let dpop = DpopKey::new(ours.clone()).unwrap();
    let proof = Proof::new("GET", "https://api.example.com/v1/items")
        .with_access_token("an-access-token-of-some-forty-characters")
        .with_nonce("eyJ7S_zG.eyJH0-Z.HX4w-7v");
    g.bench_function("s2s-oauth DpopKey::proof (ath, nonce)", |b| {
        b.iter(|| dpop.proof(black_box(&proof), now(), &rng).unwrap())
    });
    g.finish();

    // EdDSA
    let mut g = c.benchmark_group("EdDSA");
    let ring_ed = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der("ed25519.pkcs8.pem")).unwrap();
    g.bench_function("ring sign", |b| b.iter(|| ring_ed.sign(black_box(&msg))));
    let ours = SigningKey::from_pem(fixture("ed25519.pkcs8.pem")).unwrap();
    g.bench_function("s2s-oauth Claims::sign_at", |b| {
        b.iter(|| claims.sign_at(black_box(&ours), now(), &rng).unwrap())
    });
    let theirs =
        jsonwebtoken::EncodingKey::from_ed_pem(fixture("ed25519.pkcs8.pem").as_bytes()).unwrap();
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    g.bench_function("jsonwebtoken encode", |b| {
        b.iter(|| jsonwebtoken::encode(&header, black_box(&jwt_claims()), &theirs).unwrap())
    });
    g.finish();

    // HS256
    let mut g = c.benchmark_group("HS256");
    let ring_hmac = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET);
    g.bench_function("ring sign", |b| {
        b.iter(|| ring::hmac::sign(&ring_hmac, black_box(&msg)))
    });
    let ours = SigningKey::hmac(SECRET).unwrap();
    g.bench_function("s2s-oauth Claims::sign_at", |b| {
        b.iter(|| claims.sign_at(black_box(&ours), now(), &rng).unwrap())
    });
    // The same with a fixed jti, as jsonwebtoken gets: no random draw, no UUID.
    let fixed = Claims::new(ISS, SUB, AUD).with_jti(jwt_claims().jti);
    g.bench_function("s2s-oauth Claims::sign_at, fixed jti", |b| {
        b.iter(|| fixed.sign_at(black_box(&ours), now(), &rng).unwrap())
    });
    let theirs = jsonwebtoken::EncodingKey::from_secret(SECRET).unwrap();
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    g.bench_function("jsonwebtoken encode", |b| {
        b.iter(|| jsonwebtoken::encode(&header, black_box(&jwt_claims()), &theirs).unwrap())
    });
    g.finish();
}

/// The claims jsonwebtoken decodes into (owned, as a server keeps them).
#[derive(Deserialize)]
#[allow(dead_code)] // read by serde only: the bench measures the decode
struct DecodedClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
    iat: u64,
    jti: String,
}

/// What a verification bench needs: a token signed now (so jsonwebtoken, which
/// reads the clock, accepts it) with a one-hour lifetime, its signing input and
/// raw signature, and the public key for ring, for s2s-oauth and for jsonwebtoken.
struct VerifyCase {
    token: String,
    input_len: usize,
    signature: Vec<u8>,
    ring_alg: &'static dyn VerificationAlgorithm,
    ring_public: Vec<u8>,
    ours: VerifyingKey,
    validation: Validation,
}

impl VerifyCase {
    fn new(
        (private, public): (&str, &str),
        ring_alg: &'static dyn VerificationAlgorithm,
        ring_public: &[u8],
    ) -> Self {
        let signing = SigningKey::from_pem(fixture(private)).unwrap();
        let token = Claims::new(ISS, SUB, AUD)
            .with_lifetime(Duration::from_secs(3600))
            .sign_at(&signing, SystemTime::now(), &SystemRandom::new())
            .unwrap();
        let token = token.expose_secret().to_owned();
        let (input, signature) = token.rsplit_once('.').unwrap();
        let signature = {
            use base64ct::{Base64UrlUnpadded, Encoding};
            Base64UrlUnpadded::decode_vec(signature).unwrap()
        };
        VerifyCase {
            input_len: input.len(),
            token,
            signature,
            ring_alg,
            ring_public: ring_public.to_vec(),
            ours: VerifyingKey::from_pem(fixture(public)).unwrap(),
            validation: Validation::new(AUD).with_issuer(ISS),
        }
    }

    /// The floor: ring verifying the signature over the signing input.
    fn ring_verify(&self) {
        let input = self.token.get(..self.input_len).unwrap();
        UnparsedPublicKey::new(self.ring_alg, &self.ring_public)
            .verify(black_box(input.as_bytes()), &self.signature)
            .unwrap()
    }

    /// The crate's whole `verify` (signature, `exp`, `aud`, `iss`).
    fn verify(&self) -> s2s_oauth::jwt::VerifiedJwt {
        s2s_oauth::jwt::verify(
            black_box(&self.token),
            &self.ours,
            &self.validation,
            SystemTime::now(),
            None,
        )
        .unwrap()
    }
}

fn rsa_case() -> VerifyCase {
    let rsa = RsaKeyPair::from_pkcs8(&der("rsa2048.pkcs8.pem")).unwrap();
    VerifyCase::new(
        ("rsa2048.pkcs8.pem", "rsa2048.pub.pem"),
        &RSA_PKCS1_2048_8192_SHA256,
        rsa.public().as_ref(),
    )
}

fn es256_case() -> VerifyCase {
    let ec = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &der("p256.pkcs8.pem"),
        &SystemRandom::new(),
    )
    .unwrap();
    VerifyCase::new(
        ("p256.pkcs8.pem", "p256.pub.pem"),
        &ECDSA_P256_SHA256_FIXED,
        ec.public_key().as_ref(),
    )
}

/// One verification group: ring alone, s2s-oauth `verify` and jsonwebtoken
/// `decode` of the same token, with the same checks.
fn verify_group(
    c: &mut Criterion,
    name: &str,
    case: &VerifyCase,
    public: &str,
    alg: jsonwebtoken::Algorithm,
) {
    let mut g = c.benchmark_group(name);
    g.bench_function("ring verify", |b| b.iter(|| case.ring_verify()));
    g.bench_function("s2s-oauth verify", |b| b.iter(|| case.verify()));
    let theirs = match alg {
        jsonwebtoken::Algorithm::RS256 => {
            jsonwebtoken::DecodingKey::from_rsa_pem(fixture(public).as_bytes()).unwrap()
        }
        _ => jsonwebtoken::DecodingKey::from_ec_pem(fixture(public).as_bytes()).unwrap(),
    };
    let mut theirs_validation = jsonwebtoken::Validation::new(alg);
    theirs_validation.set_audience(&[AUD]);
    theirs_validation.set_issuer(&[ISS]);
    g.bench_function("jsonwebtoken decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<DecodedClaims>(
                black_box(&case.token),
                &theirs,
                &theirs_validation,
            )
            .unwrap()
        })
    });
    g.finish();
}

fn bench_verify(c: &mut Criterion) {
    verify_group(
        c,
        "RS256 verify",
        &rsa_case(),
        "rsa2048.pub.pem",
        jsonwebtoken::Algorithm::RS256,
    );
    verify_group(
        c,
        "ES256 verify",
        &es256_case(),
        "p256.pub.pem",
        jsonwebtoken::Algorithm::ES256,
    );
}

/// Counting mode for callgrind: `S2S_COUNT=OP:N` runs one operation N times
/// outside criterion and exits, so that `valgrind --tool=callgrind` counts the
/// instructions of N calls; two runs (N = 1 and N = 101, say) differ by exactly
/// 100 calls, setup cancelled out. OP is one of `ring-verify-rs256`,
/// `verify-rs256`, `ring-verify-es256`, `verify-es256`.
fn count(spec: &str) {
    let (op, n) = spec
        .split_once(':')
        .and_then(|(op, n)| Some((op, n.parse::<u32>().ok()?)))
        .unwrap_or_else(|| panic!("S2S_COUNT={spec:?}: expected OP:N"));
    if matches!(op, "ring-sign-es256" | "dpop-proof") {
        // ES256 signing: ring's alone, and a whole DPoP proof (RFC 9449) around it.
        let rng = SystemRandom::new();
        let ring_ec = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &der("p256.pkcs8.pem"),
            &rng,
        )
        .unwrap();
        let dpop = DpopKey::new(SigningKey::from_pem(fixture("p256.pkcs8.pem")).unwrap()).unwrap();
        let proof = Proof::new("GET", "https://api.example.com/v1/items")
            .with_access_token("an-access-token-of-some-forty-characters")
            .with_nonce("eyJ7S_zG.eyJH0-Z.HX4w-7v");
        let msg = message();
        for _ in 0..n {
            if op == "dpop-proof" {
                black_box(dpop.proof(&proof, now(), &rng).unwrap());
            } else {
                black_box(ring_ec.sign(&rng, black_box(&msg)).unwrap());
            }
        }
        return;
    }
    let case = match op {
        "ring-verify-rs256" | "verify-rs256" => rsa_case(),
        "ring-verify-es256" | "verify-es256" => es256_case(),
        _ => panic!("S2S_COUNT: unknown operation {op:?}"),
    };
    for _ in 0..n {
        if op.starts_with("ring-") {
            case.ring_verify();
        } else {
            black_box(case.verify());
        }
    }
}

/// Interleaved wall-clock mode: `S2S_AB=ROUNDS` times ring's verify against the
/// crate's for RS256 and ES256 in alternating batches (see `common/ab.rs`).
fn interleaved(spec: &str) {
    let rounds = spec.parse().unwrap_or(200);
    for (name, case) in [("RS256 verify", rsa_case()), ("ES256 verify", es256_case())] {
        ab::compare(name, rounds, 20, &mut || case.ring_verify(), &mut || {
            drop(black_box(case.verify()))
        });
    }
}

#[path = "common/ab.rs"]
mod ab;

criterion_group!(benches, bench, bench_verify);

#[path = "common/modes.rs"]
mod modes;

fn main() {
    modes::run(count, interleaved, benches);
}
