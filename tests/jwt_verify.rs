//! Verification of received JWT assertions per RFC 7523 §3: every way a token is
//! refused (each `JwtError` variant from a crafted token), algorithm confusion,
//! claim and time checks with leeway, and replay protection.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use base64ct::{Base64UrlUnpadded, Encoding};
use common::{NOW_SECS, at, fixture, now};
use ring::rand::SystemRandom;
use s2s_oauth::jwt::{JwtError, ReplayCache, UnverifiedJwt, Validation, verify};
use s2s_oauth::{Algorithm, Error, SigningKey, VerifyingKey};
use serde_json::{Value, json};

const AUD: &str = "https://login.salesforce.com";

fn rsa() -> SigningKey {
    SigningKey::from_pem(fixture("rsa2048.pkcs8.pem")).unwrap()
}

fn hmac() -> SigningKey {
    SigningKey::hmac(b"0123456789abcdef0123456789abcdef").unwrap()
}

fn b64(data: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(data)
}

/// Builds and signs a token from raw header and claims JSON.
fn craft(header: &Value, claims: &Value, key: &SigningKey) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = key.sign(input.as_bytes(), &SystemRandom::new()).unwrap();
    format!("{input}.{}", b64(&sig))
}

fn good_claims() -> Value {
    json!({
        "iss": "client", "sub": "user@example.com", "aud": AUD,
        "exp": NOW_SECS + 180, "iat": NOW_SECS, "jti": "j-1"
    })
}

fn jwt_error(result: Result<impl std::fmt::Debug, Error>) -> JwtError {
    match result {
        Err(Error::Jwt(e)) => e,
        other => panic!("expected a JWT error, got {other:?}"),
    }
}

#[test]
fn malformed_tokens() {
    let key = hmac();
    let public = key.verifying_key();
    let v = Validation::new(AUD);
    let good = craft(&json!({"alg": "HS256"}), &good_claims(), &key);
    verify(&good, &public, &v, now(), None).unwrap();
    let cases = [
        ("a".repeat(64 * 1024 + 1), "the token is larger than 64 KiB"),
        (
            "abc.def".to_owned(),
            "expected three base64url parts separated by dots (header.claims.signature)",
        ),
        (
            format!("{good}.x.y"),
            "expected three base64url parts separated by dots (header.claims.signature)",
        ),
        (
            format!("!!.{}", &good[good.find('.').unwrap() + 1..]),
            "the header is not base64url-encoded JSON object",
        ),
        (
            craft(&json!(["HS256"]), &good_claims(), &key),
            "the header is not base64url-encoded JSON object",
        ),
        (
            craft(&json!({"typ": "JWT"}), &good_claims(), &key),
            "the header has no alg",
        ),
        (
            craft(&json!({"alg": 256}), &good_claims(), &key),
            "the alg header is not a string",
        ),
        (
            craft(
                &json!({"alg": "HS256", "crit": ["exp"]}),
                &good_claims(),
                &key,
            ),
            "the crit header names extensions this verifier does not support",
        ),
        (
            craft(&json!({"alg": "HS256"}), &json!("claims"), &key),
            "the claims are not a base64url-encoded JSON object",
        ),
        (
            format!("{}.%%%", good.rsplit_once('.').unwrap().0),
            "the signature is not base64url",
        ),
    ];
    for (token, expected) in cases {
        assert_eq!(
            jwt_error(verify(&token, &public, &v, now(), None)),
            JwtError::Malformed(expected),
            "{expected}"
        );
    }
    assert!(UnverifiedJwt::decode("a.b").is_err());
}

#[test]
fn none_and_unknown_algorithms_are_unsupported() {
    let key = hmac();
    let claims = b64(good_claims().to_string().as_bytes());
    for alg in ["none", "None", "RS1", "hs256"] {
        let header = b64(json!({"alg": alg}).to_string().as_bytes());
        let token = format!("{header}.{claims}.");
        assert_eq!(
            jwt_error(verify(
                &token,
                &key.verifying_key(),
                &Validation::new(AUD),
                now(),
                None
            )),
            JwtError::UnsupportedAlgorithm(alg.into())
        );
        assert_eq!(
            UnverifiedJwt::decode(&token).unwrap().algorithm_name(),
            Some(alg)
        );
    }
    // A long name is cut in the error.
    let long = "X".repeat(1000);
    let header = b64(json!({"alg": long}).to_string().as_bytes());
    let token = format!("{header}.{claims}.");
    assert_eq!(
        jwt_error(verify(
            &token,
            &key.verifying_key(),
            &Validation::new(AUD),
            now(),
            None
        )),
        JwtError::UnsupportedAlgorithm("X".repeat(32).into())
    );
}

#[test]
fn algorithm_confusion_and_allow_lists() {
    let public = VerifyingKey::from_pem(fixture("rsa2048.pub.pem")).unwrap();
    // An attacker signs HS256 with the RSA public key's PEM as the HMAC secret.
    let forged = craft(
        &json!({"alg": "HS256"}),
        &good_claims(),
        &SigningKey::hmac(&fixture("rsa2048.pub.pem")).unwrap(),
    );
    assert_eq!(
        jwt_error(verify(&forged, &public, &Validation::new(AUD), now(), None)),
        JwtError::AlgorithmNotAllowed(Algorithm::HS256)
    );
    // A token of another key type.
    let es = craft(
        &json!({"alg": "ES256"}),
        &good_claims(),
        &SigningKey::from_pem(fixture("p256.pkcs8.pem")).unwrap(),
    );
    assert_eq!(
        jwt_error(verify(&es, &public, &Validation::new(AUD), now(), None)),
        JwtError::AlgorithmNotAllowed(Algorithm::ES256)
    );
    // Fits the key but not the allow-list.
    let rs384 = craft(
        &json!({"alg": "RS384"}),
        &good_claims(),
        &rsa().with_algorithm(Algorithm::RS384).unwrap(),
    );
    let only_rs256 = Validation::new(AUD).with_algorithms(&[Algorithm::RS256]);
    assert_eq!(
        jwt_error(verify(&rs384, &public, &only_rs256, now(), None)),
        JwtError::AlgorithmNotAllowed(Algorithm::RS384)
    );
    verify(&rs384, &public, &Validation::new(AUD), now(), None).unwrap();
    // A header that lies about the algorithm: RS256 bytes labelled PS256.
    let lying = craft(&json!({"alg": "PS256"}), &good_claims(), &rsa());
    assert_eq!(
        jwt_error(verify(&lying, &public, &Validation::new(AUD), now(), None)),
        JwtError::InvalidSignature
    );
}

#[test]
fn the_signature_is_checked_before_any_claim() {
    let key = hmac();
    let other = SigningKey::hmac(b"another secret").unwrap();
    // Expired, wrong audience, and signed by another key: the signature is reported.
    let token = craft(
        &json!({"alg": "HS256"}),
        &json!({"aud": "elsewhere", "exp": 1}),
        &other,
    );
    assert_eq!(
        jwt_error(verify(
            &token,
            &key.verifying_key(),
            &Validation::new(AUD),
            now(),
            None
        )),
        JwtError::InvalidSignature
    );
    // Tampered claims with the original signature.
    let good = craft(&json!({"alg": "HS256"}), &good_claims(), &key);
    let mut parts: Vec<&str> = good.split('.').collect();
    let evil = b64(json!({"iss": "admin"}).to_string().as_bytes());
    parts[1] = &evil;
    assert_eq!(
        jwt_error(verify(
            &parts.join("."),
            &key.verifying_key(),
            &Validation::new(AUD),
            now(),
            None
        )),
        JwtError::InvalidSignature
    );
}

/// Verifies `claims` (HS256-signed) under `validation` at `when`.
fn check(
    claims: Value,
    validation: &Validation,
    when: SystemTime,
) -> Result<s2s_oauth::jwt::VerifiedJwt, Error> {
    let key = hmac();
    let token = craft(&json!({"alg": "HS256"}), &claims, &key);
    verify(&token, &key.verifying_key(), validation, when, None)
}

fn with(field: &str, value: Value) -> Value {
    let mut claims = good_claims();
    claims[field] = value;
    claims
}

fn without(field: &str) -> Value {
    let mut claims = good_claims();
    claims.as_object_mut().unwrap().remove(field);
    claims
}

#[test]
fn claim_checks() {
    let v = Validation::new(AUD);
    for name in ["iss", "sub", "aud", "exp"] {
        assert_eq!(
            jwt_error(check(without(name), &v, now())),
            JwtError::MissingClaim(name),
            "{name}"
        );
    }
    check(without("sub"), &v.clone().allow_missing_subject(), now()).unwrap();
    for (name, value) in [
        ("iss", json!(1)),
        ("sub", json!(null)),
        ("aud", json!(7)),
        ("aud", json!([AUD, 7])),
        ("exp", json!("soon")),
        ("nbf", json!(true)),
        ("iat", json!([])),
        ("jti", json!(5)),
    ] {
        assert_eq!(
            jwt_error(check(with(name, value), &v, now())),
            JwtError::InvalidClaim(name),
            "{name}"
        );
    }
    assert!(matches!(
        jwt_error(check(
            good_claims(),
            &v.clone().with_issuer("someone"),
            now()
        )),
        JwtError::WrongIssuer { .. }
    ));
    assert!(matches!(
        jwt_error(check(
            good_claims(),
            &v.clone().with_subject("other"),
            now()
        )),
        JwtError::WrongSubject { .. }
    ));
    check(
        good_claims(),
        &v.clone()
            .with_issuer("client")
            .with_subject("user@example.com"),
        now(),
    )
    .unwrap();
    assert!(matches!(
        jwt_error(check(
            good_claims(),
            &Validation::new("https://test.salesforce.com"),
            now()
        )),
        JwtError::WrongAudience { .. }
    ));
    assert!(matches!(
        jwt_error(check(with("aud", json!(["x", "y"])), &v, now())),
        JwtError::WrongAudience { .. }
    ));
    assert!(matches!(
        jwt_error(check(with("aud", json!([])), &v, now())),
        JwtError::WrongAudience { .. }
    ));
    let verified = check(with("aud", json!(["x", AUD])), &v, now()).unwrap();
    assert_eq!(verified.audiences(), ["x", AUD]);
    check(
        good_claims(),
        &Validation::new("x").with_audience(AUD),
        now(),
    )
    .unwrap();
    // A fractional NumericDate is accepted.
    check(with("exp", json!(NOW_SECS as f64 + 10.5)), &v, now()).unwrap();
}

#[test]
fn time_checks_with_leeway() {
    let v = Validation::new(AUD);
    // exp = now + 180, leeway 60: valid before now + 240.
    check(good_claims(), &v, at(239)).unwrap();
    assert!(matches!(
        jwt_error(check(good_claims(), &v, at(240))),
        JwtError::Expired { .. }
    ));
    let strict = v.clone().with_leeway(Duration::ZERO);
    // RFC 7519 §4.1.4: the token must be used *before* exp.
    check(good_claims(), &strict, at(179)).unwrap();
    assert!(matches!(
        jwt_error(check(good_claims(), &strict, at(180))),
        JwtError::Expired { .. }
    ));
    let nbf = with("nbf", json!(NOW_SECS + 100));
    assert!(matches!(
        jwt_error(check(nbf.clone(), &v, now())),
        JwtError::NotYetValid { .. }
    ));
    check(nbf, &v, at(40)).unwrap();
    let iat = with("iat", json!(NOW_SECS + 61));
    assert!(matches!(
        jwt_error(check(iat.clone(), &v, now())),
        JwtError::IssuedAtOutOfRange { .. }
    ));
    check(iat, &v, at(1)).unwrap();
    let capped = v.clone().with_max_lifetime(Duration::from_secs(100));
    check(good_claims(), &capped, at(20)).unwrap(); // 160 s left <= 100 + 60
    assert!(matches!(
        jwt_error(check(good_claims(), &capped, at(19))),
        JwtError::LifetimeTooLong { .. }
    ));
    let far = with("exp", json!(u64::MAX));
    assert!(matches!(
        jwt_error(check(far.clone(), &capped, now())),
        JwtError::LifetimeTooLong { .. }
    ));
    // The default cap (1 hour) refuses it too; only the explicit opt-out takes it.
    assert!(matches!(
        jwt_error(check(far.clone(), &v, now())),
        JwtError::LifetimeTooLong { .. }
    ));
    let verified = check(far, &v.clone().dangerous_without_max_lifetime(), now()).unwrap();
    assert!(verified.expires_at() > at(1_000_000_000));
}

/// `exp` = T with no leeway: refused at T and within the second after it (the
/// old check compared whole seconds and took both), accepted just before.
#[test]
fn exp_is_checked_at_full_precision() {
    let strict = Validation::new(AUD).with_leeway(Duration::ZERO);
    let exp = at(180);
    let ms = Duration::from_millis;
    check(good_claims(), &strict, exp - ms(1)).unwrap();
    for when in [exp, exp + ms(500), exp + ms(999)] {
        assert!(
            matches!(
                jwt_error(check(good_claims(), &strict, when)),
                JwtError::Expired { .. }
            ),
            "{when:?}"
        );
    }
    // nbf likewise: accepted from nbf on, not a fraction of a second before.
    let nbf = with("nbf", json!(NOW_SECS + 10));
    check(nbf.clone(), &strict, at(10)).unwrap();
    assert!(matches!(
        jwt_error(check(nbf, &strict, at(10) - ms(1))),
        JwtError::NotYetValid { .. }
    ));
    // A fractional exp keeps its fraction.
    let fractional = with("exp", json!(NOW_SECS as f64 + 10.5));
    check(fractional.clone(), &strict, at(10) + ms(499)).unwrap();
    assert!(matches!(
        jwt_error(check(fractional, &strict, at(10) + ms(500))),
        JwtError::Expired { .. }
    ));
}

/// The same `jti` in the last second of validity: the second use is a replay,
/// and after exp the token no longer verifies at all (the old code took it again
/// and again in `[exp + leeway, exp + leeway + 1 s)`, where the map had pruned it).
#[test]
fn no_replay_in_the_last_second_of_validity() {
    let strict = Validation::new(AUD).with_leeway(Duration::ZERO);
    let key = hmac();
    let public = key.verifying_key();
    let token = craft(&json!({"alg": "HS256"}), &good_claims(), &key);
    let exp = at(180);
    let ms = Duration::from_millis;
    let mut seen: HashMap<String, SystemTime> = HashMap::new();
    verify(&token, &public, &strict, exp - ms(400), Some(&mut seen)).unwrap();
    assert_eq!(
        jwt_error(verify(
            &token,
            &public,
            &strict,
            exp - ms(100),
            Some(&mut seen)
        )),
        JwtError::Replayed
    );
    for when in [exp + ms(200), exp + ms(500)] {
        assert!(
            matches!(
                jwt_error(verify(&token, &public, &strict, when, Some(&mut seen))),
                JwtError::Expired { .. }
            ),
            "{when:?}"
        );
    }
    // The entry is kept for as long as the token could verify.
    assert!(seen.get("j-1").is_some_and(|until| *until >= exp));
}

/// RFC 7523 §3 lets a server cap the lifetime; the default is one hour, for both
/// `exp` (ahead of now) and `iat` (behind now), each with the leeway.
#[test]
fn lifetime_cap_defaults_to_one_hour() {
    let v = Validation::new(AUD);
    let hour = NOW_SECS + 3600;
    // exp up to now + 1 h + 60 s leeway.
    check(with("exp", json!(hour + 60)), &v, now()).unwrap();
    assert!(matches!(
        jwt_error(check(with("exp", json!(hour + 61)), &v, now())),
        JwtError::LifetimeTooLong { .. }
    ));
    // A year-9999 exp, as a long-lived forged or leaked assertion would carry.
    assert!(matches!(
        jwt_error(check(with("exp", json!(253_402_300_799u64)), &v, now())),
        JwtError::LifetimeTooLong { .. }
    ));
    // iat no older than 1 h + 60 s.
    let old_iat = |age: u64| {
        let mut claims = good_claims();
        claims["iat"] = json!(NOW_SECS - age);
        claims
    };
    check(old_iat(3660), &v, now()).unwrap();
    assert!(matches!(
        jwt_error(check(old_iat(3661), &v, now())),
        JwtError::IssuedAtOutOfRange { .. }
    ));
    // with_max_lifetime changes both bounds; dangerous_without_max_lifetime lifts both.
    let short = v.clone().with_max_lifetime(Duration::from_secs(120));
    assert!(matches!(
        jwt_error(check(old_iat(181), &short, now())),
        JwtError::IssuedAtOutOfRange { .. }
    ));
    check(old_iat(180), &short, now()).unwrap();
    let open = v.clone().dangerous_without_max_lifetime();
    check(old_iat(86_400 * 365), &open, now()).unwrap();
    check(with("exp", json!(NOW_SECS + 86_400 * 365)), &open, now()).unwrap();
}

#[test]
fn jti_requirements_and_replay() {
    let v = Validation::new(AUD);
    check(without("jti"), &v, now()).unwrap();
    assert_eq!(
        jwt_error(check(without("jti"), &v.clone().require_jti(), now())),
        JwtError::MissingJti
    );

    let key = hmac();
    let public = key.verifying_key();
    let mut seen: HashMap<String, SystemTime> = HashMap::new();
    let no_jti = craft(&json!({"alg": "HS256"}), &without("jti"), &key);
    assert_eq!(
        jwt_error(verify(&no_jti, &public, &v, now(), Some(&mut seen))),
        JwtError::MissingJti
    );

    let token = craft(&json!({"alg": "HS256"}), &good_claims(), &key);
    verify(&token, &public, &v, now(), Some(&mut seen)).unwrap();
    assert_eq!(
        jwt_error(verify(&token, &public, &v, at(10), Some(&mut seen))),
        JwtError::Replayed
    );
    // Remembered until exp + leeway, the first instant it no longer verifies.
    assert_eq!(seen.get("j-1"), Some(&at(240)));
    // A token that fails another check is not recorded.
    let other = craft(&json!({"alg": "HS256"}), &with("jti", json!("j-2")), &key);
    assert!(
        verify(
            &other,
            &public,
            &Validation::new("x"),
            now(),
            Some(&mut seen)
        )
        .is_err()
    );
    assert!(!seen.contains_key("j-2"));
    verify(&other, &public, &v, now(), Some(&mut seen)).unwrap();

    let mut set: HashSet<String> = HashSet::new();
    verify(&token, &public, &v, now(), Some(&mut set)).unwrap();
    assert_eq!(
        jwt_error(verify(&token, &public, &v, now(), Some(&mut set))),
        JwtError::Replayed
    );
}

#[test]
fn hashmap_replay_cache_prunes_expired_entries() {
    let mut seen: HashMap<String, SystemTime> = HashMap::new();
    assert!(seen.check_and_insert("a", at(100), now()));
    assert!(seen.check_and_insert("b", at(500), now()));
    assert!(!seen.check_and_insert("a", at(100), at(100)));
    assert!(seen.check_and_insert("c", at(600), at(101)));
    assert_eq!(seen.len(), 2);
    assert!(!seen.contains_key("a"));
}

/// Refusals reached after the signature check carry what was received (cut and
/// neutralized) and the numbers, in a one-line message that says what to do.
#[test]
fn refusals_after_the_signature_carry_details() {
    let v = Validation::new(AUD);
    let one_line = |e: &JwtError| {
        let text = e.to_string();
        assert!(
            !text.contains('\n') && !text.contains('\u{202e}'),
            "{text:?}"
        );
        text
    };

    let e = jwt_error(check(good_claims(), &v.clone().with_issuer("me"), now()));
    assert_eq!(
        e,
        JwtError::WrongIssuer {
            received: "client".into()
        }
    );
    assert!(one_line(&e).contains("iss \"client\" is not the expected issuer"));
    let e = jwt_error(check(good_claims(), &v.clone().with_subject("me"), now()));
    assert_eq!(
        e,
        JwtError::WrongSubject {
            received: "user@example.com".into()
        }
    );

    let e = jwt_error(check(with("aud", json!(["x", "y"])), &v, now()));
    assert_eq!(
        e,
        JwtError::WrongAudience {
            received: "\"x\", \"y\"".into()
        }
    );
    assert!(one_line(&e).contains("aud [\"x\", \"y\"] does not name this server"));
    // A long, hostile aud is cut to 80 characters, quoted, its line breaks and
    // bidi overrides escaped.
    let hostile = format!("a\nb\u{202e}c{}", "z".repeat(500));
    let e = jwt_error(check(with("aud", json!(hostile)), &v, now()));
    let JwtError::WrongAudience { received } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(received.chars().count(), 81, "{received}");
    assert!(
        received.starts_with(r#""a\nb\u{202e}c"#) && received.ends_with('…'),
        "{received}"
    );
    one_line(&e);

    let e = jwt_error(check(good_claims(), &v, at(180 + 125)));
    assert_eq!(
        e,
        JwtError::Expired {
            ago: Duration::from_secs(125)
        }
    );
    assert!(one_line(&e).contains("exp was 125 s ago"), "{e}");
    let e = jwt_error(check(
        good_claims(),
        &v,
        at(180 + 60) + Duration::from_millis(500),
    ));
    assert!(e.to_string().contains("exp was 60.5 s ago"), "{e}");

    let e = jwt_error(check(with("nbf", json!(NOW_SECS + 90)), &v, now()));
    assert_eq!(
        e,
        JwtError::NotYetValid {
            starts_in: Duration::from_secs(90)
        }
    );
    assert!(one_line(&e).contains("nbf is 90 s ahead"), "{e}");

    let e = jwt_error(check(with("exp", json!(NOW_SECS + 7200)), &v, now()));
    assert_eq!(
        e,
        JwtError::LifetimeTooLong {
            exp: NOW_SECS + 7200,
            now: NOW_SECS,
            max_lifetime: 3600
        }
    );
    assert!(one_line(&e).contains("exp is 7200 s ahead"), "{e}");

    let e = jwt_error(check(with("iat", json!(NOW_SECS - 7200)), &v, now()));
    assert_eq!(
        e,
        JwtError::IssuedAtOutOfRange {
            iat: NOW_SECS - 7200,
            now: NOW_SECS,
            max_lifetime: 3600
        }
    );
    assert!(one_line(&e).contains("iat is 7200 s old"), "{e}");
    let e = jwt_error(check(with("iat", json!(NOW_SECS + 600)), &v, now()));
    assert!(one_line(&e).contains("iat is 600 s in the future"), "{e}");
}

/// Before the signature check nothing the sender wrote is echoed unbounded: an
/// unknown alg is cut to 32 characters with control and bidi characters as spaces.
#[test]
fn unverified_alg_is_cut_and_neutralized() {
    let key = hmac();
    let header = b64(json!({"alg": format!("x\n\u{202e}{}", "y".repeat(100))})
        .to_string()
        .as_bytes());
    let claims = b64(good_claims().to_string().as_bytes());
    let token = format!("{header}.{claims}.");
    let e = jwt_error(verify(
        &token,
        &key.verifying_key(),
        &Validation::new(AUD),
        now(),
        None,
    ));
    let JwtError::UnsupportedAlgorithm(alg) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(alg.chars().count(), 32);
    assert!(alg.starts_with("x  y"), "{alg:?}");
}

/// `claims_as` decodes the verified claims into the caller's type; a claim of
/// the wrong type is a typed error naming it.
#[test]
fn claims_decode_into_a_typed_struct() {
    #[derive(serde::Deserialize, Debug)]
    struct Mine {
        iss: String,
        sub: String,
        exp: u64,
        #[serde(default)]
        tenant: Option<String>,
    }
    #[derive(serde::Deserialize, Debug)]
    struct WantsNumberIss {
        #[allow(dead_code)]
        iss: u64,
    }
    let v = Validation::new(AUD);
    let verified = check(with("tenant", json!("acme")), &v, now()).unwrap();
    let mine: Mine = verified.claims_as().unwrap();
    assert_eq!(mine.iss, "client");
    assert_eq!(mine.sub, "user@example.com");
    assert_eq!(mine.exp, NOW_SECS + 180);
    assert_eq!(mine.tenant.as_deref(), Some("acme"));
    let err = verified.claims_as::<WantsNumberIss>().unwrap_err();
    let JwtError::ClaimsMismatch(why) = &err else {
        panic!("{err:?}")
    };
    assert!(why.contains("invalid type: string"), "{why}");
    assert!(
        err.to_string().contains("do not fit the requested type"),
        "{err}"
    );
    // Through `?` into the crate's Error.
    let as_error: Error = err.into();
    assert!(matches!(as_error, Error::Jwt(JwtError::ClaimsMismatch(_))));
}

#[test]
fn an_iat_less_than_a_second_ahead_reads_as_the_future() {
    let v = Validation::new(AUD).with_leeway(Duration::ZERO);
    let e = jwt_error(check(with("iat", json!(NOW_SECS as f64 + 0.5)), &v, now()));
    assert!(e.to_string().contains("in the future"), "{e}");
}

/// Each part of a good token respelled in a way strict base64url does not
/// allow (padding, white space at either end or inside, the standard
/// alphabet's `+` and `/`, a length of 1 modulo 4, set unused bits in the last
/// character), the header and claims signed as respelled: refused as
/// malformed, never verified (one encoding per token).
#[test]
fn base64url_respellings_of_a_good_token_are_refused() {
    let key = hmac();
    let public = key.verifying_key();
    let v = Validation::new(AUD);
    let good = craft(&json!({"alg": "HS256"}), &good_claims(), &key);
    verify(&good, &public, &v, now(), None).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    assert_eq!(parts.len(), 3);
    // The signature, 32 bytes, is 43 characters: its last carries 2 unused bits.
    assert_eq!(parts[2].len() % 4, 3);
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut tried = 0;
    for (i, part) in parts.iter().enumerate() {
        let mid = part.len() / 2;
        let mut respellings = vec![
            format!("{part}="),
            format!("{part}=="),
            format!(" {part}"),
            format!("{part}\n"),
            format!("{}\t{}", &part[..mid], &part[mid..]),
            format!("{} {}", &part[..mid], &part[mid..]),
            // Lengthened to 1 modulo 4.
            format!("{part}{}", "A".repeat((5 - part.len() % 4) % 4)),
            format!("{}+{}", &part[..mid], &part[mid + 1..]),
            format!("{}/{}", &part[..mid], &part[mid + 1..]),
        ];
        if part.len() % 4 != 0 {
            let last = part.chars().last().unwrap();
            let value = alphabet.find(last).unwrap();
            let unused = if part.len() % 4 == 2 { 0x0f } else { 0x03 };
            for bits in 1..=unused {
                if value & bits == 0 {
                    let respelled = alphabet.as_bytes()[value | bits] as char;
                    respellings.push(format!("{}{respelled}", &part[..part.len() - 1]));
                }
            }
        }
        for respelled in respellings {
            let mut token: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
            token[i] = respelled.clone();
            if i < 2 {
                // Signed as respelled: only the decoding can refuse it.
                let input = format!("{}.{}", token[0], token[1]);
                token[2] = b64(&key.sign(input.as_bytes(), &SystemRandom::new()).unwrap());
            }
            let token = token.join(".");
            assert!(
                matches!(
                    jwt_error(verify(&token, &public, &v, now(), None)),
                    JwtError::Malformed(_)
                ),
                "part {i} as {respelled:?}"
            );
            tried += 1;
        }
    }
    assert!(tried > 27, "{tried}");
}
