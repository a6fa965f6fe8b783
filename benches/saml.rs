//! What a signed SAML 2.0 assertion costs on top of the signature itself: for
//! RSA-2048 (what Salesforce uses) and ECDSA P-256, the raw `ring` signature and
//! verification of a message the size of a `SignedInfo`, side by side with the
//! crate's whole `Assertion::sign_at` (build + exclusive c14n + SHA-256 digest +
//! XML-DSig `Signature`) and `saml::verify` (parse + wrapping checks + c14n +
//! digest + signature + conditions), plus the parts: building the XML alone and
//! exclusive c14n alone of a signed assertion.
//!
//! No Rust peer is measured: the Rust SAML crates sign and verify through
//! libxml2/xmlsec1 (system C libraries), so there is no pure-Rust peer to run in
//! this same process.
//!
//! Run: `cargo bench --bench saml -- --warm-up-time 1 --measurement-time 3`
//! (results and the machine they came from: BENCHMARKS.md).

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use s2s_oauth::saml::{self, Assertion, Signer, Validation};
use s2s_oauth::{Certificate, SigningKey};

const ISSUER: &str = "3MVG9-demo-consumer-key";
const SUBJECT: &str = "integration@example.com";
const AUDIENCE: &str = "https://login.salesforce.com";
const TOKEN_URL: &str = "https://login.salesforce.com/services/oauth2/token";

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The DER inside the first PEM block.
fn der(name: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    let pem = fixture(name);
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    Base64::decode_vec(&b64).unwrap()
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// A Salesforce-style assertion: issuer, NameID, one audience, the token URL as
/// recipient, an AuthnStatement.
fn assertion() -> Assertion {
    Assertion::new(ISSUER, SUBJECT, AUDIENCE, TOKEN_URL)
        .with_authn_statement("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
}

/// The canonical `SignedInfo` of `signed`: the exact bytes the signature covers.
fn signed_info(signed: &str) -> Vec<u8> {
    let c14n =
        saml::C14n::new().with_subtree_element("http://www.w3.org/2000/09/xmldsig#", "SignedInfo");
    saml::canonicalize_with(signed, &c14n).unwrap().into_bytes()
}

fn group(c: &mut Criterion, name: &str, key: &str, cert: &str) {
    let rng = SystemRandom::new();
    let signer = Signer::new(
        SigningKey::from_pem(fixture(key)).unwrap(),
        Certificate::from_pem(fixture(cert)).unwrap(),
    )
    .unwrap();
    let trusted = Certificate::from_pem(fixture(cert))
        .unwrap()
        .verifying_key()
        .unwrap();
    let assertion = assertion();
    let signed = assertion.sign_at(&signer, now(), &rng).unwrap();
    let signed = signed.expose_secret();
    let message = signed_info(signed);
    let validation = Validation::new(AUDIENCE, TOKEN_URL).with_issuer(ISSUER);

    let mut g = c.benchmark_group(name);
    // The floor: ring's own sign and verify of the SignedInfo bytes.
    if name.starts_with("RSA") {
        let pair = RsaKeyPair::from_pkcs8(&der(key)).unwrap();
        let mut sig = vec![0; pair.public().modulus_len()];
        // Signed once here, so that "ring verify" checks a real signature even when
        // a filter skips "ring sign".
        pair.sign(&RSA_PKCS1_SHA256, &rng, &message, &mut sig)
            .unwrap();
        g.bench_function("ring sign", |b| {
            b.iter(|| {
                pair.sign(&RSA_PKCS1_SHA256, &rng, black_box(&message), &mut sig)
                    .unwrap()
            })
        });
        let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public().as_ref());
        g.bench_function("ring verify", |b| {
            b.iter(|| public.verify(black_box(&message), &sig).unwrap())
        });
    } else {
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der(key), &rng).unwrap();
        let sig = pair.sign(&rng, &message).unwrap();
        g.bench_function("ring sign", |b| {
            b.iter(|| pair.sign(&rng, black_box(&message)).unwrap())
        });
        let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref());
        g.bench_function("ring verify", |b| {
            b.iter(|| public.verify(black_box(&message), sig.as_ref()).unwrap())
        });
    }
    g.bench_function("s2s-oauth Assertion::sign_at", |b| {
        b.iter(|| black_box(&assertion).sign_at(&signer, now(), &rng).unwrap())
    });
    g.bench_function("s2s-oauth saml::verify", |b| {
        b.iter(|| saml::verify(black_box(signed), &trusted, &validation, now(), None).unwrap())
    });
    g.finish();
}

fn parts(c: &mut Criterion) {
    let rng = SystemRandom::new();
    let signer = Signer::new(
        SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap(),
        Certificate::from_pem(fixture("rsa2048.cert.pem")).unwrap(),
    )
    .unwrap();
    let assertion = assertion();
    let signed = assertion.sign_at(&signer, now(), &rng).unwrap();
    let signed = signed.expose_secret();

    let mut g = c.benchmark_group("SAML parts (RSA-2048 assertion)");
    g.bench_function("Assertion::to_xml_at (build, unsigned)", |b| {
        b.iter(|| black_box(&assertion).to_xml_at(now(), &rng).unwrap())
    });
    g.bench_function("saml::canonicalize (signed assertion)", |b| {
        b.iter(|| saml::canonicalize(black_box(signed)).unwrap())
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    group(
        c,
        "RSA-2048 SHA-256",
        "rsa2048.pkcs8.pem",
        "rsa2048.cert.pem",
    );
    group(c, "ECDSA P-256 SHA-256", "p256.pkcs8.pem", "p256.cert.pem");
    parts(c);
}

criterion_group!(benches, bench);
criterion_main!(benches);
