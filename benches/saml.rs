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

use criterion::{Criterion, criterion_group};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
    VerificationAlgorithm,
};
use s2s_oauth::saml::{self, Assertion, Signer, Validation};
use s2s_oauth::secret::SignedAssertion;
use s2s_oauth::{Certificate, SigningKey, VerifyingKey};

const ISSUER: &str = "3MVG9-demo-consumer-key";
const SUBJECT: &str = "integration@example.com";
const AUDIENCE: &str = "https://login.salesforce.com";
const TOKEN_URL: &str = "https://login.salesforce.com/services/oauth2/token";

#[path = "common/keys.rs"]
mod keys;
use keys::{der, fixture};

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

/// The raw ring key of a case: the floor both signing and verifying are held to.
enum RingKey {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// One key's worth of SAML work: the signer, a signed assertion, its canonical
/// `SignedInfo` (the bytes the signature covers) and ring's own signature of it.
struct SamlCase {
    rng: SystemRandom,
    signer: Signer,
    trusted: VerifyingKey,
    assertion: Assertion,
    signed: String,
    validation: Validation,
    message: Vec<u8>,
    ring: RingKey,
    ring_signature: Vec<u8>,
}

impl SamlCase {
    fn new(key: &str, cert: &str) -> Self {
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
        let signed = signed.expose_secret().to_owned();
        let message = signed_info(&signed);
        let ring = if key.starts_with("rsa") {
            RingKey::Rsa(RsaKeyPair::from_pkcs8(&der(key)).unwrap())
        } else {
            RingKey::Ecdsa(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der(key), &rng)
                    .unwrap(),
            )
        };
        let mut case = SamlCase {
            rng,
            signer,
            trusted,
            assertion,
            signed,
            validation: Validation::new(AUDIENCE, TOKEN_URL).with_issuer(ISSUER),
            message,
            ring,
            ring_signature: Vec::new(),
        };
        // Signed once here, so that "ring verify" checks a real signature even when
        // a filter skips "ring sign".
        case.ring_signature = case.ring_sign();
        case
    }

    /// ring signing the `SignedInfo` bytes (the floor of `sign_at`).
    fn ring_sign(&self) -> Vec<u8> {
        match &self.ring {
            RingKey::Rsa(pair) => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &self.rng,
                    black_box(&self.message),
                    &mut sig,
                )
                .unwrap();
                sig
            }
            RingKey::Ecdsa(pair) => pair
                .sign(&self.rng, black_box(&self.message))
                .unwrap()
                .as_ref()
                .to_vec(),
        }
    }

    /// ring verifying the `SignedInfo` signature (the floor of `saml::verify`).
    fn ring_verify(&self) {
        let (alg, public): (&dyn VerificationAlgorithm, &[u8]) = match &self.ring {
            RingKey::Rsa(pair) => (&RSA_PKCS1_2048_8192_SHA256, pair.public().as_ref()),
            RingKey::Ecdsa(pair) => (&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref()),
        };
        UnparsedPublicKey::new(alg, public)
            .verify(black_box(&self.message), &self.ring_signature)
            .unwrap()
    }

    /// The crate's whole `Assertion::sign_at`.
    fn sign(&self) -> SignedAssertion {
        black_box(&self.assertion)
            .sign_at(&self.signer, now(), &self.rng)
            .unwrap()
    }

    /// The same assertion built, then signed as caller XML is: parsed and
    /// canonicalized before its digest (what `sign_at` did before it digested
    /// the builder's canonical output directly).
    fn sign_parsed(&self) -> SignedAssertion {
        let xml = black_box(&self.assertion)
            .to_xml_at(now(), &self.rng)
            .unwrap();
        self.signer.sign_xml_with(&xml, &self.rng).unwrap()
    }

    /// The crate's whole `saml::verify`.
    fn verify(&self) -> saml::VerifiedAssertion {
        saml::verify(
            black_box(&self.signed),
            &self.trusted,
            &self.validation,
            now(),
            None,
        )
        .unwrap()
    }
}

fn rsa_case() -> SamlCase {
    SamlCase::new("rsa2048.pkcs8.pem", "rsa2048.cert.pem")
}

fn es256_case() -> SamlCase {
    SamlCase::new("p256.pkcs8.pem", "p256.cert.pem")
}

fn group(c: &mut Criterion, name: &str, case: &SamlCase) {
    let mut g = c.benchmark_group(name);
    g.bench_function("ring sign", |b| b.iter(|| case.ring_sign()));
    g.bench_function("ring verify", |b| b.iter(|| case.ring_verify()));
    g.bench_function("s2s-oauth Assertion::sign_at", |b| b.iter(|| case.sign()));
    g.bench_function("s2s-oauth saml::verify", |b| b.iter(|| case.verify()));
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
    group(c, "RSA-2048 SHA-256", &rsa_case());
    group(c, "ECDSA P-256 SHA-256", &es256_case());
    parts(c);
}

/// Counting mode for callgrind: `S2S_COUNT=OP:N` runs one operation N times
/// outside criterion and exits, so that `valgrind --tool=callgrind` counts the
/// instructions of N calls; two runs (N = 1 and N = 101, say) differ by exactly
/// 100 calls, setup cancelled out. OP is `ring-sign`, `sign`, `sign-xml` (build,
/// then `Signer::sign_xml_with`: parse + c14n + sign), `ring-verify` or `verify`,
/// then `-rsa` or `-es256` (`sign-rsa`, `ring-verify-es256`...).
fn count(spec: &str) {
    let (op, n) = spec
        .split_once(':')
        .and_then(|(op, n)| Some((op, n.parse::<u32>().ok()?)))
        .unwrap_or_else(|| panic!("S2S_COUNT={spec:?}: expected OP:N"));
    let (what, key) = op
        .rsplit_once('-')
        .unwrap_or_else(|| panic!("S2S_COUNT: {op:?} names no key (-rsa, -es256)"));
    let case = match key {
        "rsa" => rsa_case(),
        "es256" => es256_case(),
        _ => panic!("S2S_COUNT: unknown key {key:?} (rsa, es256)"),
    };
    for _ in 0..n {
        match what {
            "ring-sign" => drop(black_box(case.ring_sign())),
            "ring-verify" => case.ring_verify(),
            "sign" => drop(black_box(case.sign())),
            "sign-xml" => drop(black_box(case.sign_parsed())),
            "verify" => drop(black_box(case.verify())),
            _ => panic!("S2S_COUNT: unknown operation {what:?}"),
        }
    }
}

/// Interleaved wall-clock mode: `S2S_AB=ROUNDS` times ring's sign against
/// `Assertion::sign_at` for RSA-2048 and P-256 in alternating batches (see
/// `common/ab.rs`).
fn interleaved(spec: &str) {
    let rounds = spec.parse().unwrap_or(200);
    for (name, case, batch) in [
        ("RSA-2048 sign", rsa_case(), 2),
        ("P-256 sign", es256_case(), 20),
    ] {
        ab::compare(
            name,
            rounds,
            batch,
            &mut || drop(black_box(case.ring_sign())),
            &mut || drop(black_box(case.sign())),
        );
    }
}

#[path = "common/ab.rs"]
mod ab;

criterion_group!(benches, bench);

#[path = "common/modes.rs"]
mod modes;

fn main() {
    modes::run(count, interleaved, benches);
}
