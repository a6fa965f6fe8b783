//! JWT signing: the exact shape of what is signed, every algorithm round-trips, and
//! interoperability with the `jsonwebtoken` crate in both directions. The ways
//! verification refuses a token are in `jwt_verify.rs`.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use common::{NOW_SECS, at, fixture, now};
use ring::rand::SystemRandom;
use s2s_oauth::error::InputField;
use s2s_oauth::jwt::{Claims, DEFAULT_LIFETIME, UnverifiedJwt, Validation, verify};
use s2s_oauth::{Algorithm, Certificate, Error, SigningKey, VerifyingKey};
use serde_json::{Value, json};

const AUD: &str = "https://login.salesforce.com";
const HMAC_SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

fn rsa() -> SigningKey {
    SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap()
}

fn hmac() -> SigningKey {
    SigningKey::hmac(HMAC_SECRET).unwrap()
}

/// A random source that always yields 0x11 bytes (ring's own test helper).
#[allow(deprecated)]
fn fixed_rng() -> ring::test::rand::FixedByteRandom {
    ring::test::rand::FixedByteRandom { byte: 0x11 }
}

/// Decodes part `i` of a compact JWS as text, independently of the crate.
fn part(token: &str, i: usize) -> String {
    let b64 = token.split('.').nth(i).unwrap();
    String::from_utf8(Base64UrlUnpadded::decode_vec(b64).unwrap()).unwrap()
}

fn b64(data: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(data)
}

fn good_claims() -> Value {
    json!({
        "iss": "client", "sub": "user@example.com", "aud": AUD,
        "exp": NOW_SECS + 180, "iat": NOW_SECS, "jti": "j-1"
    })
}

#[test]
fn signed_header_and_claims_have_the_exact_expected_json() {
    let cert = Certificate::from_pem(fixture("rsa2048.cert.pem")).unwrap();
    let key = rsa().with_kid("demo-1").with_x5t_s256(&cert).unwrap();
    let claims = Claims::new("client", "user@example.com", AUD);
    let token = claims.sign_at(&key, now(), &fixed_rng()).unwrap();
    let token = token.expose_secret();
    assert_eq!(
        part(token, 0),
        format!(
            r#"{{"alg":"RS256","typ":"JWT","kid":"demo-1","x5t#S256":"{}"}}"#,
            cert.x5t_s256()
        )
    );
    assert_eq!(
        part(token, 1),
        r#"{"iss":"client","sub":"user@example.com","aud":"https://login.salesforce.com","exp":1700000180,"iat":1700000000,"jti":"11111111-1111-4111-9111-111111111111"}"#
    );
    // RS256 is deterministic: signing again gives the same token.
    let again = claims.sign_at(&key, now(), &fixed_rng()).unwrap();
    assert_eq!(again.expose_secret(), token);
    assert_eq!(DEFAULT_LIFETIME, Duration::from_secs(180));
}

#[test]
fn optional_claims_follow_the_setters() {
    let claims = Claims::for_client("my-client", vec!["a".to_owned(), "b".to_owned()])
        .with_lifetime(Duration::from_secs(60))
        .with_not_before()
        .without_issued_at()
        .with_jti("fixed")
        .with_claim("scope", "api")
        .unwrap()
        .with_claim("n", 3)
        .unwrap();
    let token = claims.sign_at(&hmac(), now(), &fixed_rng()).unwrap();
    assert_eq!(
        part(token.expose_secret(), 1),
        r#"{"iss":"my-client","sub":"my-client","aud":["a","b"],"exp":1700000060,"nbf":1700000000,"jti":"fixed","n":3,"scope":"api"}"#
    );
    let token = Claims::without_subject("sa@project.iam", "https://oauth2.googleapis.com/token")
        .without_jti()
        .sign_at(&hmac(), now(), &fixed_rng())
        .unwrap();
    assert_eq!(
        part(token.expose_secret(), 1),
        r#"{"iss":"sa@project.iam","aud":"https://oauth2.googleapis.com/token","exp":1700000180,"iat":1700000000}"#
    );
    assert_eq!(
        part(token.expose_secret(), 0),
        r#"{"alg":"HS256","typ":"JWT"}"#
    );
}

#[test]
fn hs256_signature_is_the_hmac_of_the_signing_input() {
    let token = Claims::new("i", "s", "a")
        .sign_at(&hmac(), now(), &fixed_rng())
        .unwrap();
    let token = token.expose_secret();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, HMAC_SECRET);
    assert_eq!(sig, b64(ring::hmac::sign(&key, input.as_bytes()).as_ref()));
}

#[test]
fn random_jti_is_a_fresh_uuid_v4() {
    let key = hmac();
    let claims = Claims::new("i", "s", "a");
    let jti = |t: &s2s_oauth::secret::SignedAssertion| {
        UnverifiedJwt::decode(t.expose_secret()).unwrap().claims()["jti"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let a = jti(&claims.sign(&key).unwrap());
    let b = jti(&claims.sign(&key).unwrap());
    assert_ne!(a, b);
    for id in [a, b] {
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(groups[2].starts_with('4'), "{id}");
        assert!("89ab".contains(&groups[3][..1]), "{id}");
        assert!(
            id.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}

#[test]
fn bad_claim_input_is_refused() {
    for name in ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"] {
        let err = Claims::new("i", "s", "a").with_claim(name, 1).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(m) if m.message().contains(name) && m.field() == InputField::Claim),
            "{err}"
        );
    }
    let before_epoch = UNIX_EPOCH - Duration::from_secs(1);
    let err = Claims::new("i", "s", "a").sign_at(&hmac(), before_epoch, &fixed_rng());
    assert!(matches!(err, Err(Error::InvalidInput(_))));
    let err = Claims::new("i", "s", "a")
        .with_lifetime(Duration::from_secs(u64::MAX))
        .sign_at(&hmac(), now(), &fixed_rng());
    assert!(matches!(err, Err(Error::InvalidInput(_))));
    let token = Claims::new("i", "s", "a")
        .sign_at(&hmac(), now(), &fixed_rng())
        .unwrap();
    let err = verify(
        token.expose_secret(),
        &hmac().verifying_key(),
        &Validation::new("a"),
        before_epoch,
        None,
    );
    assert!(matches!(err, Err(Error::InvalidInput(_))));
}

#[test]
fn every_algorithm_signs_and_verifies() {
    let keys = [
        (
            "rsa2048.pkcs8.pem",
            &[
                Algorithm::RS256,
                Algorithm::RS384,
                Algorithm::RS512,
                Algorithm::PS256,
                Algorithm::PS384,
                Algorithm::PS512,
            ][..],
        ),
        ("p256.pkcs8.pem", &[Algorithm::ES256]),
        ("p384.pkcs8.pem", &[Algorithm::ES384]),
        ("ed25519.pkcs8.pem", &[Algorithm::EdDSA]),
    ];
    let mut cases: Vec<SigningKey> = Vec::new();
    for (file, algs) in keys {
        let key = SigningKey::from_pem(fixture(file)).unwrap();
        for &alg in algs {
            cases.push(key.clone().with_algorithm(alg).unwrap());
        }
    }
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        cases.push(hmac().with_algorithm(alg).unwrap());
    }
    assert_eq!(cases.len(), Algorithm::ALL.len());
    let rng = SystemRandom::new();
    for key in cases {
        let token = Claims::new("client", "user", AUD)
            .sign_at(&key, now(), &rng)
            .unwrap();
        let verified = verify(
            token.expose_secret(),
            &key.verifying_key(),
            &Validation::new(AUD),
            now(),
            None,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", key.algorithm()));
        assert_eq!(verified.algorithm(), key.algorithm());
        assert_eq!(verified.issuer(), "client");
        assert_eq!(verified.subject(), Some("user"));
        assert_eq!(verified.audiences(), [AUD]);
        assert_eq!(verified.expires_at(), at(180));
        assert_eq!(verified.issued_at(), Some(now()));
        assert_eq!(verified.header()["alg"], key.algorithm().as_str());
        assert_eq!(verified.jti().map(str::len), Some(36));
    }
}

#[test]
fn our_tokens_verify_with_jsonwebtoken() {
    use jsonwebtoken::{DecodingKey, Validation as JwtValidation, decode};
    let cases: [(SigningKey, jsonwebtoken::Algorithm, DecodingKey); 5] = [
        (
            rsa(),
            jsonwebtoken::Algorithm::RS256,
            DecodingKey::from_rsa_pem(&fixture("rsa2048.pub.pem")).unwrap(),
        ),
        (
            rsa().with_algorithm(Algorithm::PS256).unwrap(),
            jsonwebtoken::Algorithm::PS256,
            DecodingKey::from_rsa_pem(&fixture("rsa2048.pub.pem")).unwrap(),
        ),
        (
            SigningKey::from_pem(fixture("p256.sec1.pem")).unwrap(),
            jsonwebtoken::Algorithm::ES256,
            DecodingKey::from_ec_pem(&fixture("p256.pub.pem")).unwrap(),
        ),
        (
            SigningKey::from_pem(fixture("ed25519.pkcs8.pem")).unwrap(),
            jsonwebtoken::Algorithm::EdDSA,
            DecodingKey::from_ed_pem(&fixture("ed25519.pub.pem")).unwrap(),
        ),
        (
            hmac(),
            jsonwebtoken::Algorithm::HS256,
            DecodingKey::from_secret(HMAC_SECRET).unwrap(),
        ),
    ];
    for (key, alg, decoding_key) in cases {
        // jsonwebtoken reads the system clock, so sign as of now.
        let token = Claims::new("client", "user", AUD)
            .with_claim("scope", "api")
            .unwrap()
            .sign(&key)
            .unwrap();
        let mut validation = JwtValidation::new(alg);
        validation.set_audience(&[AUD]);
        validation.set_issuer(&["client"]);
        let data = decode::<Value>(token.expose_secret(), &decoding_key, &validation)
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(data.claims["sub"], "user");
        assert_eq!(data.claims["scope"], "api");
        assert_eq!(data.header.alg, alg);
    }
}

#[test]
fn jsonwebtoken_tokens_verify_with_ours() {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let cases: [(jsonwebtoken::Algorithm, EncodingKey, VerifyingKey); 5] = [
        (
            jsonwebtoken::Algorithm::RS256,
            EncodingKey::from_rsa_pem(&fixture("rsa2048.pkcs8.pem")).unwrap(),
            VerifyingKey::from_pem(fixture("rsa2048.cert.pem")).unwrap(),
        ),
        (
            jsonwebtoken::Algorithm::PS256,
            EncodingKey::from_rsa_pem(&fixture("rsa2048.pkcs1.pem")).unwrap(),
            VerifyingKey::from_pem(fixture("rsa2048.pub.pem")).unwrap(),
        ),
        (
            jsonwebtoken::Algorithm::ES256,
            EncodingKey::from_ec_pem(&fixture("p256.pkcs8.pem")).unwrap(),
            VerifyingKey::from_pem(fixture("p256.cert.pem")).unwrap(),
        ),
        (
            jsonwebtoken::Algorithm::EdDSA,
            EncodingKey::from_ed_pem(&fixture("ed25519.pkcs8.pem")).unwrap(),
            VerifyingKey::from_pem(fixture("ed25519.pub.pem")).unwrap(),
        ),
        (
            jsonwebtoken::Algorithm::HS256,
            EncodingKey::from_secret(HMAC_SECRET).unwrap(),
            VerifyingKey::hmac(HMAC_SECRET).unwrap(),
        ),
    ];
    for (alg, encoding_key, verifying_key) in cases {
        let mut header = Header::new(alg);
        header.kid = Some("k1".into());
        let token = encode(&header, &good_claims(), &encoding_key).unwrap();
        let validation = Validation::new(AUD)
            .with_issuer("client")
            .with_subject("user@example.com");
        let verified = verify(&token, &verifying_key, &validation, now(), None)
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(verified.jti(), Some("j-1"));
        assert_eq!(verified.header()["kid"], "k1");
        assert_eq!(UnverifiedJwt::decode(&token).unwrap().kid(), Some("k1"));
    }
}

#[test]
fn unverified_decoding_reads_without_checking() {
    let key = rsa().with_kid("kid-9");
    let token = Claims::new("client", "user", AUD)
        .sign_at(&key, now(), &fixed_rng())
        .unwrap();
    let unverified = UnverifiedJwt::decode(token.expose_secret()).unwrap();
    assert_eq!(unverified.issuer(), Some("client"));
    assert_eq!(unverified.subject(), Some("user"));
    assert_eq!(unverified.kid(), Some("kid-9"));
    assert_eq!(unverified.algorithm_name(), Some("RS256"));
    assert_eq!(unverified.header()["typ"], "JWT");
    assert_eq!(unverified.claims()["exp"], NOW_SECS + 180);
}

#[test]
fn assertions_do_not_print_their_value() {
    let token = Claims::new("client", "user", AUD)
        .sign_at(&hmac(), now(), &fixed_rng())
        .unwrap();
    assert_eq!(format!("{token:?}"), "SignedAssertion([redacted])");
    assert_eq!(token.to_string(), "[redacted]");
}
