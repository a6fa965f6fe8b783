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

/// Records what the verifier hands a replay cache.
#[derive(Default)]
struct Recorder(Vec<String>);

impl ReplayCache for Recorder {
    fn check_and_insert(&mut self, jti: &str, _: SystemTime, _: SystemTime) -> bool {
        self.0.push(jti.to_owned());
        true
    }
}

#[test]
fn the_replay_record_is_a_short_digest_of_the_key_and_jti() {
    // A proof anyone can make (its own key) with a jti of several KB: the cache
    // entry stays small, and is not a bare jti another verifier sharing the
    // cache (client assertions) could collide with.
    let signer = SigningKey::generate_p256(&SystemRandom::new()).unwrap();
    let jwk: serde_json::Value = serde_json::from_str(&signer.public_jwk().unwrap()).unwrap();
    let header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk});
    let long_jti = "j".repeat(5000);
    let claims =
        serde_json::json!({"jti": long_jti, "htm": "POST", "htu": TOKEN_URL, "iat": NOW_SECS});
    use base64ct::{Base64UrlUnpadded, Encoding};
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let signature = signer.sign(input.as_bytes(), &SystemRandom::new()).unwrap();
    let forged = format!("{input}.{}", Base64UrlUnpadded::encode_string(&signature));
    let mut recorder = Recorder::default();
    let verified = verify_proof(
        &forged,
        &ProofValidation::new("POST", TOKEN_URL),
        now(),
        &mut recorder,
    )
    .unwrap();
    assert_eq!(verified.jti(), long_jti);
    let [entry] = recorder.0.as_slice() else {
        panic!("one entry expected: {:?}", recorder.0.len())
    };
    assert!(entry.len() <= 64, "{} bytes", entry.len());
    assert!(entry.starts_with("dpop:"), "{entry}");
    // The same jti under another key is another entry.
    let mut other = Recorder::default();
    let mine = key()
        .proof(&Proof::new("POST", TOKEN_URL), now(), &SystemRandom::new())
        .unwrap();
    verify_proof(
        mine.expose_secret(),
        &ProofValidation::new("POST", TOKEN_URL),
        now(),
        &mut other,
    )
    .unwrap();
    assert_ne!(other.0[0], *entry);
}

#[test]
fn port_zero_is_not_the_default_port() {
    let proof = proof("https://as.example.com:0/token");
    assert!(matches!(
        verify_proof(
            &proof,
            &ProofValidation::new("POST", TOKEN_URL),
            now(),
            &mut HashMap::new()
        ),
        Err(DpopError::WrongUrl { .. })
    ));
    // Leading zeros of a real port still compare equal.
    let proof = self::proof("https://as.example.com:0443/token");
    verify_proof(
        &proof,
        &ProofValidation::new("POST", TOKEN_URL),
        now(),
        &mut HashMap::new(),
    )
    .unwrap();
}

#[test]
fn a_url_with_userinfo_makes_no_proof() {
    // RFC 9110 §4.2.4: no userinfo in a target URI; a password would otherwise
    // travel in every proof (and its logs).
    let err = key()
        .proof(
            &Proof::new("GET", "https://user:secret@api.example.com/v1"),
            now(),
            &SystemRandom::new(),
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("user"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}

fn nonce_demand(nonce: &str) -> HttpResponse {
    HttpResponse::new(
        400,
        vec![
            ("DPoP-Nonce".into(), nonce.into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        br#"{"error":"use_dpop_nonce"}"#.to_vec(),
    )
}

#[test]
fn a_server_nonce_outside_nqchar_is_not_used() {
    // RFC 9449 §8.1: nonce = 1*NQCHAR (%x21 / %x23-5B / %x5D-7E).
    assert_eq!(
        nonce_demand("eyJ7S_zG.eyJH0-Z").dpop_nonce_challenge(),
        Some("eyJ7S_zG.eyJH0-Z")
    );
    for bad in ["a b", "a\"b", "a\\b", "caf\u{e9}", "a\tb"] {
        let answer = nonce_demand(bad);
        assert_eq!(answer.dpop_nonce_challenge(), None, "{bad:?}");
        assert_eq!(answer.dpop_nonce(), None, "{bad:?}");
    }
}

#[test]
fn a_caller_nonce_outside_nqchar_is_refused() {
    let err = key()
        .proof(
            &Proof::new("POST", TOKEN_URL).with_nonce("a\"b"),
            now(),
            &SystemRandom::new(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("DPoP-Nonce"), "{err}");
    let request = s2s_oauth::TokenRequest::new(
        TOKEN_URL,
        s2s_oauth::Grant::client_credentials(),
        s2s_oauth::ClientAuth::basic("c", "s"),
    )
    .unwrap();
    assert!(request.with_dpop_nonce("a b").is_err());
}

#[test]
fn resource_headers_refuse_a_token_that_is_no_header_value() {
    for bad in ["", "sekrit\r\nX-Injected: 1", "sek rit", "sekr\u{ee}t"] {
        let err = key()
            .resource_headers(
                "GET",
                "https://api.example.com/v1",
                bad,
                None,
                now(),
                &SystemRandom::new(),
            )
            .unwrap_err();
        assert!(
            matches!(err, s2s_oauth::Error::InvalidInput(_)),
            "{bad:?}: {err:?}"
        );
        assert!(err.to_string().contains("access token"), "{err}");
        assert!(!err.to_string().contains("sek"), "{err}");
    }
}

#[test]
fn refusals_say_what_to_do() {
    let alg = DpopError::UnsupportedAlgorithm("ES512".into()).to_string();
    assert!(alg.contains("ES256"), "{alg}");
    for error in [
        DpopError::MissingAccessTokenHash,
        DpopError::WrongAccessTokenHash,
    ] {
        let text = error.to_string();
        assert!(text.contains("make the proof with"), "{text}");
    }
}

#[test]
fn a_verifier_url_without_scheme_and_host_is_the_servers_error() {
    let proof = proof(TOKEN_URL);
    let err = verify_proof(
        &proof,
        &ProofValidation::new("POST", "/token"),
        now(),
        &mut HashMap::new(),
    )
    .unwrap_err();
    assert_eq!(err, DpopError::InvalidRequestUrl);
    assert_eq!(err.error_code(), "server_error");
    assert!(err.to_string().contains("not a path"), "{err}");
}

/// A proof signed by `signer` with any header and claims text (not re-encoded).
fn forge_raw(header: &str, claims: &str, signer: &SigningKey) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(claims.as_bytes())
    );
    let signature = signer.sign(input.as_bytes(), &SystemRandom::new()).unwrap();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&signature))
}

#[test]
fn extra_jwk_members_do_not_change_the_thumbprint_and_private_ones_are_refused() {
    let signer = SigningKey::generate_p256(&SystemRandom::new()).unwrap();
    let jwk = signer.public_jwk().unwrap();
    let jkt = signer.jwk_thumbprint().unwrap();
    let body = &jwk[1..jwk.len() - 1];
    let claims = format!(r#"{{"jti":"x","htm":"POST","htu":"{TOKEN_URL}","iat":{NOW_SECS}}}"#);
    let check = |header: String| {
        verify_proof(
            &forge_raw(&header, &claims, &signer),
            &ProofValidation::new("POST", TOKEN_URL),
            now(),
            &mut HashMap::new(),
        )
    };
    let extra = format!(
        r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{{body},"kid":"k1","use":"sig","alg":"ES256","key_ops":["verify"]}}}}"#
    );
    assert_eq!(check(extra).unwrap().jkt(), jkt);
    for private in [
        r#""d":"AAAA""#,
        r#""p":"AAAA""#,
        r#""q":"AAAA""#,
        r#""dp":"AAAA""#,
    ] {
        let header = format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{{{body},{private}}}}}"#);
        assert_eq!(
            check(header).unwrap_err(),
            DpopError::BadKey(s2s_oauth::error::KeyError::PrivateKeyNotPublic),
            "{private}"
        );
    }
    // Duplicate members: the last counts (as in jwt::verify); a "none" before
    // the real alg does not make an unsigned proof pass, nor does one after it.
    let dup = format!(r#"{{"typ":"dpop+jwt","alg":"none","alg":"ES256","jwk":{jwk}}}"#);
    assert_eq!(check(dup).unwrap().jkt(), jkt);
    let dup = format!(r#"{{"typ":"dpop+jwt","alg":"ES256","alg":"none","jwk":{jwk}}}"#);
    assert_eq!(
        check(dup).unwrap_err(),
        DpopError::UnsupportedAlgorithm("none".into())
    );
    // A JWK whose curve does not fit alg.
    let p384 = format!(r#"{{"typ":"dpop+jwt","alg":"ES384","jwk":{jwk}}}"#);
    assert!(matches!(
        check(p384).unwrap_err(),
        DpopError::AlgorithmNotAllowed(_)
    ));
}
