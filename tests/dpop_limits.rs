//! DPoP edge cases found in review (RFC 9449 §4.2, §4.3, §8, §11.1): the replay
//! record's lifetime and key, extreme verifier settings, `htu` normalization of
//! odd ports, URLs with userinfo, and nonces that are not `NQCHAR`s.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::rand::SystemRandom;
use s2s_oauth::jwt::ReplayCache;
use s2s_oauth::jwt::dpop::{DpopError, DpopKey, Proof, ProofValidation, verify_proof};
use s2s_oauth::{HttpResponse, SigningKey};

const NOW_SECS: u64 = 1_700_000_000;
const TOKEN_URL: &str = "https://as.example.com/token";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

fn key() -> DpopKey {
    let path = format!(
        "{}/tests/data/keys/p256.pkcs8.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    DpopKey::new(SigningKey::from_pem(std::fs::read(path).unwrap()).unwrap()).unwrap()
}

fn proof(url: &str) -> String {
    key()
        .proof(&Proof::new("POST", url), now(), &SystemRandom::new())
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[test]
fn a_proof_is_remembered_for_as_long_as_it_passes_even_with_no_leeway() {
    let proof = proof(TOKEN_URL);
    let validation = ProofValidation::new("POST", TOKEN_URL)
        .with_max_age(Duration::from_secs(60))
        .with_leeway(Duration::ZERO);
    let mut seen: HashMap<String, SystemTime> = HashMap::new();
    verify_proof(&proof, &validation, now(), &mut seen).unwrap();
    // 60.5 s later the proof is still young enough (whole seconds): a replay
    // then must still be caught.
    let later = now() + Duration::from_millis(60_500);
    assert_eq!(
        verify_proof(&proof, &validation, later, &mut seen).unwrap_err(),
        DpopError::Replayed
    );
}

#[test]
fn an_unlimited_age_or_leeway_does_not_panic() {
    let proof = proof(TOKEN_URL);
    let validation = ProofValidation::new("POST", TOKEN_URL)
        .with_max_age(Duration::MAX)
        .with_leeway(Duration::MAX);
    let mut seen: HashMap<String, SystemTime> = HashMap::new();
    verify_proof(&proof, &validation, now(), &mut seen).unwrap();
    assert_eq!(
        verify_proof(&proof, &validation, now(), &mut seen).unwrap_err(),
        DpopError::Replayed
    );
}

