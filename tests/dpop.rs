//! DPoP proofs (RFC 9449 §4.2) and their verification (§4.3, §7.1): the proof's
//! shape, every way `verify_proof` refuses one (each `DpopError` variant from a
//! crafted proof), hostile input, and the public JWK and thumbprint it rests on.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use common::{NOW_SECS, at, fixture, now};
use ring::rand::SystemRandom;
use s2s_oauth::error::KeyError;
use s2s_oauth::jwt::Confirmation;
use s2s_oauth::jwt::dpop::{
    self, DpopError, DpopKey, Proof, ProofValidation, access_token_hash, verify_proof,
};
use s2s_oauth::{Algorithm, SigningKey, VerifyingKey};
use serde_json::{Value, json};

const TOKEN_URL: &str = "https://as.example.com/token";
const API_URL: &str = "https://api.example.com/v1/items";
const TOKEN: &str = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";

fn p256() -> SigningKey {
    SigningKey::from_pem(fixture("p256.pkcs8.pem")).unwrap()
}

fn key() -> DpopKey {
    DpopKey::new(p256()).unwrap()
}

fn b64(data: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(data)
}

fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&Base64UrlUnpadded::decode_vec(part).unwrap()).unwrap()
}

/// A proof made by hand: any header and claims, signed by `signer` with `alg`.
fn forge(header: &Value, claims: &Value, signer: &SigningKey) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = signer.sign(input.as_bytes(), &SystemRandom::new()).unwrap();
    format!("{input}.{}", b64(&signature))
}

fn good_header(signer: &SigningKey) -> Value {
    let jwk: Value = serde_json::from_str(&signer.public_jwk().unwrap()).unwrap();
    json!({"typ": "dpop+jwt", "alg": signer.algorithm().as_str(), "jwk": jwk})
}

fn good_claims() -> Value {
    json!({"jti": "j-1", "htm": "POST", "htu": TOKEN_URL, "iat": NOW_SECS})
}

fn check(proof: &str, validation: &ProofValidation<'_>) -> Result<dpop::VerifiedProof, DpopError> {
    verify_proof(proof, validation, now(), &mut HashMap::new())
}

fn token_endpoint() -> ProofValidation<'static> {
    ProofValidation::new("POST", TOKEN_URL)
}

fn proof_for(proof: &Proof<'_>) -> String {
    key()
        .proof(proof, now(), &SystemRandom::new())
        .unwrap()
        .into_exposed_secret()
}

#[test]
fn a_proof_has_the_rfc_9449_shape() {
    let signing = p256();
    let proof = proof_for(
        &Proof::new("POST", "https://as.example.com/token?x=1#frag")
            .with_nonce("n-42")
            .with_access_token(TOKEN),
    );
    let header = decode_part(&proof, 0);
    assert_eq!(header["typ"], "dpop+jwt");
    assert_eq!(header["alg"], "ES256");
    let jwk: Value = serde_json::from_str(&signing.public_jwk().unwrap()).unwrap();
    assert_eq!(header["jwk"], jwk);
    assert_eq!(header["jwk"]["kty"], "EC");
    assert!(header["jwk"].get("d").is_none(), "the private key leaked");
    assert_eq!(header.as_object().unwrap().len(), 3);
    let claims = decode_part(&proof, 1);
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], "https://as.example.com/token");
    assert_eq!(claims["iat"], NOW_SECS);
    assert_eq!(claims["nonce"], "n-42");
    assert_eq!(claims["ath"], "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    assert_eq!(claims["jti"].as_str().unwrap().len(), 36);
    // No nonce and no token: neither claim.
    let bare = decode_part(&proof_for(&Proof::new("GET", API_URL)), 1);
    assert!(bare.get("nonce").is_none() && bare.get("ath").is_none());
    // Each proof has its own jti.
    assert_ne!(
        decode_part(&proof_for(&Proof::new("GET", API_URL)), 1)["jti"],
        bare["jti"]
    );
}

#[test]
fn the_key_thumbprint_is_rfc_7638() {
    let key = key();
    assert_eq!(key.jkt(), "KsAXKoLh23zvgciIBhWrOzDRR97mW3E5vxjgBILcEmA");
    assert_eq!(Some(key.jkt().to_owned()), p256().jwk_thumbprint());
    assert_eq!(
        access_token_hash(TOKEN),
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    );
}

#[test]
fn every_asymmetric_key_type_makes_proofs_that_verify() {
    let rng = SystemRandom::new();
    let keys = [
        p256(),
        SigningKey::from_pem(fixture("p384.pkcs8.pem")).unwrap(),
        SigningKey::from_pem(fixture("ed25519.pkcs8.pem")).unwrap(),
        SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap(),
        SigningKey::from_pem(fixture("rsa2048.pkcs8.pem"))
            .unwrap()
            .with_algorithm(Algorithm::PS256)
            .unwrap(),
        SigningKey::generate_p256(&rng).unwrap(),
    ];
    for signing in keys {
        let algorithm = signing.algorithm();
        let key = DpopKey::new(signing).unwrap();
        let proof = key
            .proof(&Proof::new("POST", TOKEN_URL), now(), &rng)
            .unwrap();
        let verified = check(proof.expose_secret(), &token_endpoint())
            .unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        assert_eq!(verified.jkt(), key.jkt());
        assert_eq!(verified.algorithm(), algorithm);
        assert_eq!(verified.issued_at(), now());
    }
}

#[test]
fn an_hmac_key_cannot_make_proofs() {
    let err =
        DpopKey::new(SigningKey::hmac(b"0123456789abcdef0123456789abcdef").unwrap()).unwrap_err();
    let s2s_oauth::Error::InvalidInput(input) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(input.field(), s2s_oauth::error::InputField::Key);
    assert!(err.to_string().contains("asymmetric"), "{err}");
}

#[test]
fn proof_inputs_are_checked() {
    let rng = SystemRandom::new();
    for (method, url) in [
        ("", TOKEN_URL),
        ("PO ST", TOKEN_URL),
        ("POST", "as.example.com/token"),
        ("POST", "ftp://as.example.com/token"),
        ("POST", "https://as.example.com/to ken"),
    ] {
        let err = key()
            .proof(&Proof::new(method, url), now(), &rng)
            .unwrap_err();
        assert!(
            matches!(err, s2s_oauth::Error::InvalidInput(_)),
            "{method} {url}: {err:?}"
        );
    }
    let err = key()
        .proof(
            &Proof::new("POST", TOKEN_URL).with_nonce("a\nb"),
            now(),
            &rng,
        )
        .unwrap_err();
    assert!(matches!(err, s2s_oauth::Error::InvalidInput(_)));
}

#[test]
fn resource_headers_carry_the_token_and_a_proof_with_ath() {
    let rng = SystemRandom::new();
    let headers = key()
        .resource_headers("GET", API_URL, TOKEN, Some("n-9"), now(), &rng)
        .unwrap();
    assert_eq!(headers.authorization(), format!("DPoP {TOKEN}"));
    let cnf = Confirmation::default().with_jkt(key().jkt());
    let validation = ProofValidation::new("GET", API_URL)
        .with_nonce("n-9")
        .with_access_token(TOKEN, &cnf);
    check(headers.dpop(), &validation).unwrap();
    let debug = format!("{headers:?}");
    assert!(
        !debug.contains(TOKEN) && !debug.contains(headers.dpop()),
        "{debug}"
    );
    let debug = format!("{:?}", key());
    assert!(
        debug.contains("KsAXKoLh23zvgciIBhWrOzDRR97mW3E5vxjgBILcEmA") && debug.contains("ES256"),
        "{debug}"
    );
}

#[test]
fn htu_is_compared_after_normalization_and_without_query() {
    let proof = proof_for(&Proof::new("POST", TOKEN_URL));
    for url in [
        "https://AS.example.com/token",
        "https://as.example.com:443/token",
        "https://as.example.com/./token?grant=x",
        "HTTPS://as.example.com/%74oken",
    ] {
        check(&proof, &ProofValidation::new("POST", url)).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

// ---- each refusal, typed ----

#[test]
fn a_replayed_proof_is_refused_and_only_passing_proofs_are_recorded() {
    let proof = proof_for(&Proof::new("POST", TOKEN_URL));
    let mut seen = HashMap::new();
    // Refused for another reason first: not recorded.
    let wrong = ProofValidation::new("GET", TOKEN_URL);
    assert!(matches!(
        verify_proof(&proof, &wrong, now(), &mut seen),
        Err(DpopError::WrongMethod { .. })
    ));
    verify_proof(&proof, &token_endpoint(), now(), &mut seen).unwrap();
    assert_eq!(
        verify_proof(&proof, &token_endpoint(), at(1), &mut seen).unwrap_err(),
        DpopError::Replayed
    );
}

#[test]
fn a_stale_or_future_iat_is_refused() {
    let proof = proof_for(&Proof::new("POST", TOKEN_URL));
    let validation = token_endpoint().with_max_age(Duration::from_secs(60));
    let stale = verify_proof(&proof, &validation, at(61), &mut HashMap::new()).unwrap_err();
    assert_eq!(
        stale,
        DpopError::IssuedAtOutOfRange {
            iat: NOW_SECS,
            now: NOW_SECS + 61
        }
    );
    assert!(stale.to_string().contains("61 s old"), "{stale}");
    verify_proof(&proof, &validation, at(60), &mut HashMap::new()).unwrap();
    // Ahead of the server's clock beyond the 5 s leeway.
    let future = verify_proof(&proof, &token_endpoint(), at(-6), &mut HashMap::new()).unwrap_err();
    assert_eq!(
        future,
        DpopError::IssuedAtOutOfRange {
            iat: NOW_SECS,
            now: NOW_SECS - 6
        }
    );
    verify_proof(&proof, &token_endpoint(), at(-5), &mut HashMap::new()).unwrap();
    // A negative or fractional iat.
    let signing = p256();
    let mut claims = good_claims();
    claims["iat"] = json!(-5);
    let err = check(
        &forge(&good_header(&signing), &claims, &signing),
        &token_endpoint(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        DpopError::IssuedAtOutOfRange {
            iat: 0,
            now: NOW_SECS
        }
    );
    claims["iat"] = json!(NOW_SECS as f64 + 0.5);
    check(
        &forge(&good_header(&signing), &claims, &signing),
        &token_endpoint(),
    )
    .unwrap();
}

#[test]
fn a_wrong_htu_or_htm_is_refused() {
    let proof = proof_for(&Proof::new("POST", TOKEN_URL));
    for url in [
        "https://as.example.com/token/",
        "http://as.example.com/token",
        "https://as.example.com:8443/token",
        "https://evil.example.com/token",
    ] {
        let err = check(&proof, &ProofValidation::new("POST", url)).unwrap_err();
        assert_eq!(
            err,
            DpopError::WrongUrl {
                received: TOKEN_URL.into()
            },
            "{url}"
        );
    }
    // The verifier's own URL broken is its error, not the proof's.
    let err = check(&proof, &ProofValidation::new("POST", "not a url")).unwrap_err();
    assert_eq!(err, DpopError::InvalidRequestUrl);
    let err = check(&proof, &ProofValidation::new("post", TOKEN_URL)).unwrap_err();
    assert_eq!(
        err,
        DpopError::WrongMethod {
            received: "POST".into()
        }
    );
}

#[test]
fn ath_and_the_token_binding_are_checked() {
    let key = key();
    let cnf = Confirmation::default().with_jkt(key.jkt());
    let api = |token| ProofValidation::new("GET", API_URL).with_access_token(token, &cnf);
    let with_ath = proof_for(&Proof::new("GET", API_URL).with_access_token(TOKEN));
    check(&with_ath, &api(TOKEN)).unwrap();
    assert_eq!(
        check(&with_ath, &api("another-token")).unwrap_err(),
        DpopError::WrongAccessTokenHash
    );
    let without = proof_for(&Proof::new("GET", API_URL));
    assert_eq!(
        check(&without, &api(TOKEN)).unwrap_err(),
        DpopError::MissingAccessTokenHash
    );
    // The token is bound to another key.
    let other = Confirmation::default().with_jkt("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    let validation = ProofValidation::new("GET", API_URL).with_access_token(TOKEN, &other);
    assert_eq!(
        check(&with_ath, &validation).unwrap_err(),
        DpopError::KeyMismatch
    );
    // A bearer token (no cnf) presented as DPoP.
    let unbound = Confirmation::default();
    let validation = ProofValidation::new("GET", API_URL).with_access_token(TOKEN, &unbound);
    assert_eq!(
        check(&with_ath, &validation).unwrap_err(),
        DpopError::TokenNotBound
    );
    assert_eq!(DpopError::KeyMismatch.error_code(), "invalid_token");
}

#[test]
fn a_missing_or_wrong_nonce_is_refused_with_use_dpop_nonce() {
    let demanding = token_endpoint().with_nonce("n-2").with_nonce("n-1");
    let none = proof_for(&Proof::new("POST", TOKEN_URL));
    let err = check(&none, &demanding).unwrap_err();
    assert_eq!(err, DpopError::MissingNonce);
    assert_eq!(err.error_code(), "use_dpop_nonce");
    let wrong = proof_for(&Proof::new("POST", TOKEN_URL).with_nonce("n-0"));
    assert_eq!(
        check(&wrong, &demanding).unwrap_err(),
        DpopError::WrongNonce
    );
    // The previous nonce is still accepted, and the proof says which it carried.
    let previous = proof_for(&Proof::new("POST", TOKEN_URL).with_nonce("n-1"));
    assert_eq!(check(&previous, &demanding).unwrap().nonce(), Some("n-1"));
    // A nonce the server did not demand is fine.
    check(&wrong, &token_endpoint()).unwrap();
}

#[test]
fn a_jwt_that_is_not_a_proof_is_refused() {
    let signing = p256();
    for typ in [
        json!("JWT"),
        json!("DPOP+JWT"),
        json!(null),
        json!(["dpop+jwt"]),
    ] {
        let mut header = good_header(&signing);
        header["typ"] = typ.clone();
        let proof = forge(&header, &good_claims(), &signing);
        assert_eq!(
            check(&proof, &token_endpoint()).unwrap_err(),
            DpopError::WrongType,
            "{typ}"
        );
    }
    let mut header = good_header(&signing);
    header.as_object_mut().unwrap().remove("typ");
    assert_eq!(
        check(&forge(&header, &good_claims(), &signing), &token_endpoint()).unwrap_err(),
        DpopError::WrongType
    );
}

#[test]
fn algorithms_outside_the_allow_list_are_refused() {
    let signing = p256();
    // An HMAC "proof" keyed with whatever: symmetric algorithms never pass.
    let hmac = SigningKey::hmac(b"0123456789abcdef0123456789abcdef").unwrap();
    let mut header = good_header(&signing);
    header["alg"] = json!("HS256");
    let err = check(&forge(&header, &good_claims(), &hmac), &token_endpoint()).unwrap_err();
    assert_eq!(err, DpopError::AlgorithmNotAllowed(Algorithm::HS256));
    header["alg"] = json!("none");
    let err = check(&forge(&header, &good_claims(), &signing), &token_endpoint()).unwrap_err();
    assert_eq!(err, DpopError::UnsupportedAlgorithm("none".into()));
    // Narrowed by the verifier.
    let proof = proof_for(&Proof::new("POST", TOKEN_URL));
    let err = check(
        &proof,
        &token_endpoint().with_algorithms(&[Algorithm::EdDSA]),
    )
    .unwrap_err();
    assert_eq!(err, DpopError::AlgorithmNotAllowed(Algorithm::ES256));
    // An algorithm that does not fit the jwk (RS256 over an EC key).
    let mut header = good_header(&signing);
    header["alg"] = json!("RS256");
    let err = check(&forge(&header, &good_claims(), &signing), &token_endpoint()).unwrap_err();
    assert_eq!(err, DpopError::AlgorithmNotAllowed(Algorithm::RS256));
}

#[test]
fn a_bad_signature_is_refused() {
    let proof = proof_for(&Proof::new("POST", TOKEN_URL));
    let parts: Vec<&str> = proof.split('.').collect();
    // Claims swapped for others (same key, same header).
    let mut claims = decode_part(&proof, 1);
    claims["htu"] = json!("https://evil.example.com/token");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(claims.to_string().as_bytes()),
        parts[2]
    );
    let err = check(
        &tampered,
        &ProofValidation::new("POST", "https://evil.example.com/token"),
    )
    .unwrap_err();
    assert_eq!(err, DpopError::InvalidSignature);
    // Signed by one key, carrying another's jwk.
    let mut header = good_header(&p256());
    header["jwk"] = serde_json::from_str(
        &SigningKey::generate_p256(&SystemRandom::new())
            .unwrap()
            .public_jwk()
            .unwrap(),
    )
    .unwrap();
    let err = check(&forge(&header, &good_claims(), &p256()), &token_endpoint()).unwrap_err();
    assert_eq!(err, DpopError::InvalidSignature);
    // A signature of the wrong length, and one that is not base64url.
    let short = format!("{}.{}.{}", parts[0], parts[1], &parts[2][..20]);
    assert_eq!(
        check(&short, &token_endpoint()).unwrap_err(),
        DpopError::InvalidSignature
    );
    let bad = format!("{}.{}.{}", parts[0], parts[1], "***");
    assert!(matches!(
        check(&bad, &token_endpoint()).unwrap_err(),
        DpopError::Malformed(_)
    ));
}

#[test]
fn a_bad_jwk_is_refused() {
    let signing = p256();
    let private: Value = json!({
        "kty": "EC", "crv": "P-256",
        "x": serde_json::from_str::<Value>(&signing.public_jwk().unwrap()).unwrap()["x"],
        "y": serde_json::from_str::<Value>(&signing.public_jwk().unwrap()).unwrap()["y"],
        "d": "AAAA"
    });
    for (jwk, expected) in [
        (private, DpopError::BadKey(KeyError::PrivateKeyNotPublic)),
        (
            json!({"kty": "oct", "k": "c2VjcmV0"}),
            DpopError::BadKey(KeyError::PrivateKeyNotPublic),
        ),
        (
            json!("a string"),
            DpopError::BadKey(KeyError::Malformed("the jwk header is not a JSON object")),
        ),
        (
            json!({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}),
            DpopError::BadKey(KeyError::Malformed(
                "the EC JWK's x or y is not the length of its curve's coordinates",
            )),
        ),
    ] {
        let mut header = good_header(&signing);
        header["jwk"] = jwk.clone();
        let err = check(&forge(&header, &good_claims(), &signing), &token_endpoint()).unwrap_err();
        assert_eq!(err, expected, "{jwk}");
    }
    let mut header = good_header(&signing);
    header.as_object_mut().unwrap().remove("jwk");
    assert!(matches!(
        check(&forge(&header, &good_claims(), &signing), &token_endpoint()).unwrap_err(),
        DpopError::BadKey(KeyError::Malformed(_))
    ));
    let mut header = good_header(&signing);
    header["crit"] = json!(["exp"]);
    assert!(matches!(
        check(&forge(&header, &good_claims(), &signing), &token_endpoint()).unwrap_err(),
        DpopError::Malformed(_)
    ));
}

#[test]
fn missing_or_mistyped_claims_are_refused() {
    let signing = p256();
    for name in ["jti", "htm", "htu", "iat"] {
        let mut claims = good_claims();
        claims.as_object_mut().unwrap().remove(name);
        let err = check(
            &forge(&good_header(&signing), &claims, &signing),
            &token_endpoint(),
        )
        .unwrap_err();
        assert_eq!(err, DpopError::MissingClaim(name));
        claims[name] = json!(true);
        let err = check(
            &forge(&good_header(&signing), &claims, &signing),
            &token_endpoint(),
        )
        .unwrap_err();
        assert_eq!(err, DpopError::InvalidClaim(name));
    }
    let mut claims = good_claims();
    claims["nonce"] = json!(7);
    let err = check(
        &forge(&good_header(&signing), &claims, &signing),
        &token_endpoint(),
    )
    .unwrap_err();
    assert_eq!(err, DpopError::InvalidClaim("nonce"));
    let mut claims = good_claims();
    claims["jti"] = json!("");
    let err = check(
        &forge(&good_header(&signing), &claims, &signing),
        &token_endpoint(),
    )
    .unwrap_err();
    assert_eq!(err, DpopError::InvalidClaim("jti"));
}

#[test]
fn hostile_input_gets_typed_errors_never_a_panic() {
    let proof = proof_for(&Proof::new("POST", TOKEN_URL));
    let long = "a".repeat(9000);
    for input in [
        "",
        ".",
        "..",
        "...",
        "a.b.c",
        "a.b",
        "a.b.c.d",
        &long,
        "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.", // {"typ":"dpop+jwt"}
        "W10.W10.W10",                   // arrays
        "bnVsbA.bnVsbA.AA",              // null
    ] {
        let err = check(input, &token_endpoint()).unwrap_err();
        assert!(!err.to_string().is_empty());
    }
    // Byte-level mutations of a good proof: refused or (for no-op changes) passing, never a panic.
    let bytes = proof.as_bytes();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut mutated = bytes.to_vec();
        let at = (seed as usize) % mutated.len();
        mutated[at] = (seed >> 32) as u8;
        if let Ok(text) = std::str::from_utf8(&mutated) {
            let _ = check(text, &token_endpoint());
        }
    }
    // Echoed values are cut and neutralized.
    let signing = p256();
    let mut claims = good_claims();
    claims["htm"] = json!(format!("P\u{202e}OST{}", "X".repeat(200)));
    let err = check(
        &forge(&good_header(&signing), &claims, &signing),
        &token_endpoint(),
    )
    .unwrap_err();
    let DpopError::WrongMethod { received } = err else {
        panic!("{err:?}")
    };
    assert!(
        received.chars().count() <= 81 && !received.contains('\u{202e}'),
        "{received}"
    );
}

// ---- the JWK reader under the verifier ----

#[test]
fn public_jwks_round_trip_and_keep_their_thumbprint() {
    for name in [
        "p256.pkcs8.pem",
        "p384.pkcs8.pem",
        "ed25519.pkcs8.pem",
        "rsa2048.pkcs8.pem",
    ] {
        let signing = SigningKey::from_pem(fixture(name)).unwrap();
        let jwk = signing.public_jwk().unwrap();
        let verifying = VerifyingKey::from_jwk(&jwk).unwrap();
        assert_eq!(verifying.key_type(), signing.key_type(), "{name}");
        assert_eq!(
            verifying.jwk_thumbprint(),
            signing.jwk_thumbprint(),
            "{name}"
        );
        let signature = signing.sign(b"message", &SystemRandom::new()).unwrap();
        verifying
            .verify(signing.algorithm(), b"message", &signature)
            .unwrap();
    }
    // RFC 7638 §3.1: the example RSA JWK (with extra members) and its thumbprint.
    let rfc = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;
    assert_eq!(
        VerifyingKey::from_jwk(rfc)
            .unwrap()
            .jwk_thumbprint()
            .as_deref(),
        Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    );
}

#[test]
fn bad_jwks_get_typed_errors() {
    for (jwk, expected) in [
        ("[]", KeyError::Malformed("the JWK is not a JSON object")),
        ("{", KeyError::Malformed("the JWK is not a JSON object")),
        ("{}", KeyError::Malformed("the JWK has no kty")),
        (
            r#"{"kty":1}"#,
            KeyError::Malformed("the JWK's kty is not a string"),
        ),
        (
            r#"{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"}"#,
            KeyError::Unsupported("an EC JWK on a curve other than P-256 or P-384"),
        ),
        (
            r#"{"kty":"OKP","crv":"X25519","x":"AA"}"#,
            KeyError::Unsupported("an OKP JWK other than Ed25519 (X25519, Ed448)"),
        ),
        (
            r#"{"kty":"OKP","crv":"Ed25519","x":"AA"}"#,
            KeyError::Malformed("the Ed25519 JWK's x is not 32 bytes"),
        ),
        (
            r#"{"kty":"OKP","crv":"Ed25519","x":"AA=="}"#,
            KeyError::Malformed("a JWK member is not base64url without padding (RFC 7518 §6)"),
        ),
        (
            r#"{"kty":"RSA","n":"AQAB","e":""}"#,
            KeyError::Malformed("the RSA JWK's e is empty or too long"),
        ),
        (
            r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#,
            KeyError::RsaTooSmall { bits: 17 },
        ),
        (
            r#"{"kty":"oct","k":"c2VjcmV0"}"#,
            KeyError::PrivateKeyNotPublic,
        ),
        (
            r#"{"kty":"XYZ"}"#,
            KeyError::Unsupported("a JWK whose kty is not EC, RSA or OKP"),
        ),
    ] {
        assert_eq!(VerifyingKey::from_jwk(jwk).unwrap_err(), expected, "{jwk}");
    }
    assert!(
        VerifyingKey::from_jwk(&format!(r#"{{"kty":"EC","pad":"{}"}}"#, "x".repeat(5000))).is_err()
    );
}

// ---- the client's side of a nonce demand (RFC 9449 §8, §9) ----

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> s2s_oauth::HttpResponse {
    s2s_oauth::HttpResponse::new(
        status,
        headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body.as_bytes().to_vec(),
    )
}

#[test]
fn a_nonce_demand_is_told_apart_from_a_rejected_token() {
    let nonce = ("DPoP-Nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    // The token endpoint's form (400, the error in the body) and the resource
    // server's (401, the error in the DPoP challenge, among others).
    let token_endpoint = answer(
        400,
        &[nonce],
        r#"{"error":"use_dpop_nonce","error_description":"x"}"#,
    );
    assert_eq!(token_endpoint.dpop_nonce_challenge(), Some(nonce.1));
    let resource = answer(
        401,
        &[
            (
                "WWW-Authenticate",
                r#"Bearer realm="api", DPoP algs="ES256", error="use_dpop_nonce""#,
            ),
            nonce,
        ],
        "",
    );
    assert_eq!(resource.dpop_nonce_challenge(), Some(nonce.1));
    assert!(!resource.is_token_rejected());
    // No nonce to retry with, another error, another status, or the error on a
    // Bearer challenge: no demand.
    for other in [
        answer(
            401,
            &[("WWW-Authenticate", r#"DPoP error="use_dpop_nonce""#)],
            "",
        ),
        answer(
            401,
            &[("WWW-Authenticate", r#"DPoP error="invalid_token""#), nonce],
            "",
        ),
        answer(400, &[nonce], r#"{"error":"invalid_dpop_proof"}"#),
        answer(500, &[nonce], r#"{"error":"use_dpop_nonce"}"#),
        answer(
            401,
            &[
                ("WWW-Authenticate", r#"Bearer error="use_dpop_nonce""#),
                nonce,
            ],
            "",
        ),
        answer(200, &[nonce], "{}"),
    ] {
        assert_eq!(other.dpop_nonce_challenge(), None, "{other:?}");
    }
    // An expired DPoP-bound token: a new token helps, no nonce does.
    let expired = answer(
        401,
        &[("WWW-Authenticate", r#"DPoP error="invalid_token""#)],
        "",
    );
    assert!(expired.is_token_rejected());
    // The nonce of any answer, for the next proof.
    assert_eq!(answer(200, &[nonce], "{}").dpop_nonce(), Some(nonce.1));
    assert_eq!(answer(200, &[("DPoP-Nonce", " ")], "{}").dpop_nonce(), None);
}

#[test]
fn a_token_response_hands_over_the_servers_nonce() {
    let body = br#"{"access_token":"t","token_type":"DPoP","expires_in":60}"#;
    let http = s2s_oauth::HttpResponse::new(
        200,
        vec![("DPoP-Nonce".into(), "n-7".into())],
        body.to_vec(),
    );
    let token = s2s_oauth::TokenResponse::parse(&http, now()).unwrap();
    assert_eq!(token.dpop_nonce(), Some("n-7"));
    assert_eq!(token.token_type(), Some(&s2s_oauth::TokenType::DPoP));
}

#[test]
fn a_token_request_with_dpop_carries_a_fresh_proof_for_its_url() {
    let rng = SystemRandom::new();
    let request = s2s_oauth::TokenRequest::new(
        TOKEN_URL,
        s2s_oauth::Grant::client_credentials(),
        s2s_oauth::ClientAuth::basic("c", "s"),
    )
    .unwrap()
    .with_dpop(&key());
    let http = request.to_http_request(now(), &rng).unwrap();
    let proof = http.header("DPoP").unwrap().to_owned();
    let verified = check(&proof, &token_endpoint()).unwrap();
    assert_eq!(verified.jkt(), key().jkt());
    assert_eq!(verified.nonce(), None);
    // With the kept nonce; a second request gets a new jti.
    let again = request
        .clone()
        .with_dpop_nonce("n-3")
        .unwrap()
        .to_http_request(now(), &rng)
        .unwrap();
    let second = check(
        again.header("DPoP").unwrap(),
        &token_endpoint().with_nonce("n-3"),
    )
    .unwrap();
    assert_ne!(second.jti(), verified.jti());
    assert!(request.clone().with_dpop_nonce("bad\r\nnonce").is_err());
    // Without with_dpop: no header.
    let plain = s2s_oauth::TokenRequest::new(
        TOKEN_URL,
        s2s_oauth::Grant::client_credentials(),
        s2s_oauth::ClientAuth::basic("c", "s"),
    )
    .unwrap();
    assert!(
        plain
            .to_http_request(now(), &rng)
            .unwrap()
            .header("DPoP")
            .is_none()
    );
}

/// `with_dpop` stores the key with the functions that use it: a second call
/// replaces both (the proof is the new key's, the kept nonce stays), and `Debug`
/// shows the key as `Option<DpopKey>` did, nothing of the functions.
#[test]
fn a_replaced_dpop_key_signs_the_proof_and_debug_shows_the_key_alone() {
    let rng = SystemRandom::new();
    let first = DpopKey::generate(&rng).unwrap();
    let second = key();
    assert_ne!(first.jkt(), second.jkt());
    let plain = s2s_oauth::TokenRequest::new(
        TOKEN_URL,
        s2s_oauth::Grant::client_credentials(),
        s2s_oauth::ClientAuth::basic("c", "s"),
    )
    .unwrap();
    let debug = format!("{plain:?}");
    assert!(
        debug.contains("dpop: None, dpop_nonce: None, .. }"),
        "{debug}"
    );
    let request = plain
        .with_dpop(&first)
        .with_dpop_nonce("n-1")
        .unwrap()
        .with_dpop(&second);
    assert_eq!(request.dpop_key().map(DpopKey::jkt), Some(second.jkt()));
    let debug = format!("{request:?}");
    assert!(
        debug.contains(&format!(
            "dpop: Some({second:?}), dpop_nonce: Some(\"n-1\"), .. }}"
        )),
        "{debug}"
    );
    // A clone signs with the replacing key and the kept nonce.
    let http = request.clone().to_http_request(now(), &rng).unwrap();
    let verified = check(
        http.header("DPoP").unwrap(),
        &token_endpoint().with_nonce("n-1"),
    )
    .unwrap();
    assert_eq!(verified.jkt(), second.jkt());
    // And back to the first key.
    let back = request.with_dpop(&first);
    let http = back.to_http_request(now(), &rng).unwrap();
    let verified = check(
        http.header("DPoP").unwrap(),
        &token_endpoint().with_nonce("n-1"),
    )
    .unwrap();
    assert_eq!(verified.jkt(), first.jkt());
}
