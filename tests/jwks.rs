//! JWK Sets (RFC 7517 §5) with hostile and untidy content: members skipped with
//! a reason, bounded size and count, duplicate `kid`s, keys of the wrong type for
//! the token, selection by `kid` and by algorithm, thumbprints (RFC 7638).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use s2s_oauth::jwt::{Claims, Jwks, JwksError, JwtError, SkipReason, Validation, verify_with_jwks};
use s2s_oauth::{Algorithm, Error, KeyType, SigningKey};

fn key(name: &str) -> SigningKey {
    SigningKey::from_pem_file(format!("tests/data/keys/{name}.pkcs8.pem")).unwrap()
}

/// The key's public JWK with extra members.
fn jwk(key: &SigningKey, extra: Value) -> Value {
    let mut jwk: Value = serde_json::from_str(&key.public_jwk().unwrap()).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        jwk[k] = v.clone();
    }
    jwk
}

fn set(members: Vec<Value>) -> Jwks {
    Jwks::parse(json!({ "keys": members }).to_string().as_bytes()).unwrap()
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn token(key: &SigningKey) -> String {
    Claims::for_client("app", "https://api.example")
        .sign_at(key, now(), &ring::rand::SystemRandom::new())
        .unwrap()
        .expose_secret()
        .to_owned()
}

fn verify(token: &str, jwks: &Jwks) -> Result<s2s_oauth::jwt::VerifiedJwt, Error> {
    verify_with_jwks(
        token,
        jwks,
        &Validation::new("https://api.example"),
        now(),
        None,
    )
}

#[test]
fn every_supported_key_type_is_read_with_its_thumbprint() {
    let keys = [key("rsa2048"), key("p256"), key("p384"), key("ed25519")];
    let members = keys
        .iter()
        .enumerate()
        .map(|(i, k)| jwk(k, json!({"kid": format!("k{i}"), "use": "sig"})))
        .collect();
    let jwks = set(members);
    assert_eq!(jwks.keys().len(), 4, "{:?}", jwks.skipped());
    assert!(jwks.skipped().is_empty());
    for (i, k) in keys.iter().enumerate() {
        let chosen = jwks.select(Some(&format!("k{i}")), k.algorithm()).unwrap();
        assert_eq!(Some(chosen.thumbprint()), k.jwk_thumbprint().as_deref());
        assert_eq!(chosen.key().key_type(), k.key_type());
        assert!(jwks.by_thumbprint(chosen.thumbprint()).is_some());
        // A token by each key verifies through the set.
        let signed = token(&k.clone().with_kid(format!("k{i}")));
        assert_eq!(verify(&signed, &jwks).unwrap().issuer(), "app");
    }
    assert_eq!(jwks.keys()[0].key().key_type(), KeyType::Rsa { bits: 2048 });
}

#[test]
fn unusable_members_are_skipped_with_a_reason_not_fatal() {
    let rsa = key("rsa2048");
    let members = vec![
        json!("not an object"),
        json!({"kty": "oct", "k": "c2VjcmV0", "kid": "sym"}),
        json!({"kty": "PQC", "kid": "future"}),
        jwk(&rsa, json!({"kid": "enc", "use": "enc"})),
        jwk(&rsa, json!({"kid": "oaep", "alg": "RSA-OAEP"})),
        jwk(&rsa, json!({"kid": "wrong-alg", "alg": "ES256"})),
        jwk(&rsa, json!({"kid": "ops", "key_ops": ["encrypt"]})),
        jwk(&rsa, json!({"kid": 7})),
        jwk(&rsa, json!({"kid": "priv", "d": "AQAB"})),
        json!({"kty": "RSA", "kid": "small", "e": "AQAB", "n": base64url(&[0xc5; 128])}),
        json!({"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA", "kid": "p521"}),
        json!({"kty": "EC", "crv": "P-256", "x": "!!", "y": "AA", "kid": "bad-b64"}),
        jwk(
            &rsa,
            json!({"kid": "good", "use": "sig", "alg": "RS256",
            "x5c": ["MIIB..."], "x5t#S256": "abc", "key_ops": ["verify"]}),
        ),
    ];
    let jwks = set(members);
    assert_eq!(jwks.keys().len(), 1);
    let good = &jwks.keys()[0];
    assert_eq!(good.kid(), Some("good"));
    assert_eq!(good.algorithm(), Some(Algorithm::RS256));
    assert_eq!(good.x5c(), ["MIIB..."]);
    assert_eq!(good.x5t_s256(), Some("abc"));
    let reasons: Vec<(usize, Option<&str>, &SkipReason)> = jwks
        .skipped()
        .iter()
        .map(|s| (s.index(), s.kid(), s.reason()))
        .collect();
    assert_eq!(reasons.len(), 12);
    assert_eq!(reasons[0], (0, None, &SkipReason::NotAnObject));
    assert_eq!(reasons[1].2, &SkipReason::UnsupportedKeyType("oct".into()));
    assert_eq!(reasons[2].2, &SkipReason::UnsupportedKeyType("PQC".into()));
    assert_eq!(reasons[3], (3, Some("enc"), &SkipReason::NotForSignatures));
    assert_eq!(
        reasons[4].2,
        &SkipReason::UnsupportedAlgorithm("RSA-OAEP".into())
    );
    assert_eq!(
        reasons[5].2,
        &SkipReason::AlgorithmMismatch(Algorithm::ES256)
    );
    assert_eq!(reasons[6].2, &SkipReason::NoVerifyOperation);
    assert_eq!(reasons[7], (7, None, &SkipReason::BadMember("kid")));
    for (_, kid, reason) in &reasons[8..] {
        assert!(matches!(reason, SkipReason::Key(_)), "{kid:?}: {reason:?}");
        assert!(!reason.to_string().is_empty());
    }
}

#[test]
fn a_huge_or_malformed_set_is_refused_as_a_whole() {
    let big = format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(Jwks::MAX_LEN));
    assert!(matches!(
        Jwks::parse(big.as_bytes()),
        Err(JwksError::TooLarge { .. })
    ));
    let many = json!({ "keys": vec![json!({}); Jwks::MAX_KEYS + 1] }).to_string();
    assert_eq!(
        Jwks::parse(many.as_bytes()).unwrap_err(),
        JwksError::TooManyKeys {
            count: Jwks::MAX_KEYS + 1
        }
    );
    // Exactly the limit is fine: every member is skipped, none is fatal.
    let limit = json!({ "keys": vec![json!({}); Jwks::MAX_KEYS] }).to_string();
    assert_eq!(
        Jwks::parse(limit.as_bytes()).unwrap().skipped().len(),
        Jwks::MAX_KEYS
    );
    for bad in [&b"[]"[..], b"{}", b"{\"keys\":{}}", b"<html>", b"", b"\xff"] {
        let err = Jwks::parse(bad).unwrap_err();
        assert!(matches!(err, JwksError::Malformed(_)), "{err:?}");
        assert!(Error::from(err).to_string().contains("RFC 7517"));
    }
}

#[test]
fn duplicate_kids_and_keys_of_the_wrong_type() {
    let (rsa, ec) = (key("rsa2048"), key("p256"));
    let other_rsa =
        s2s_oauth::VerifyingKey::from_pem_file("tests/data/keys/rsa6144.pub.pem").unwrap();
    let other_rsa_jwk = |extra: Value| {
        let mut jwk: Value = serde_json::from_str(&public_jwk_of(&other_rsa)).unwrap();
        jwk["kid"] = extra["kid"].clone();
        jwk
    };
    // The same kid on an EC key and two RSA keys, the signer's last.
    let jwks = set(vec![
        jwk(&ec, json!({"kid": "dup"})),
        other_rsa_jwk(json!({"kid": "dup"})),
        jwk(&rsa, json!({"kid": "dup"})),
    ]);
    assert_eq!(jwks.candidates(Some("dup"), Algorithm::RS256).count(), 2);
    assert_eq!(jwks.candidates(Some("dup"), Algorithm::ES256).count(), 1);
    let signed = token(&rsa.clone().with_kid("dup"));
    assert_eq!(
        verify(&signed, &jwks).unwrap().algorithm(),
        Algorithm::RS256
    );
    // Tampered: every candidate is tried, none verifies.
    // (A character inside the signature: the last one's low bits are padding.)
    let mut tampered = signed.clone();
    let at = signed.len() - 10;
    let swap = if &signed[at..at + 1] == "A" { "B" } else { "A" };
    tampered.replace_range(at..at + 1, swap);
    assert!(matches!(
        verify(&tampered, &jwks),
        Err(Error::Jwt(JwtError::InvalidSignature))
    ));
    // A kid that names an EC key for an RS256 token: no key, not a type confusion.
    let only_ec = set(vec![jwk(&ec, json!({"kid": "k"}))]);
    let err = verify(&token(&rsa.clone().with_kid("k")), &only_ec).unwrap_err();
    assert!(
        matches!(&err, Error::Jwt(JwtError::NoMatchingKey { kid: Some(kid), algorithm: Algorithm::RS256 }) if &**kid == "k"),
        "{err:?}"
    );
    // A kid the set does not hold.
    let err = verify(&token(&ec.clone().with_kid("other")), &only_ec).unwrap_err();
    assert!(err.to_string().contains("\"other\""), "{err}");
    // An alg pinned by the member: PS256 with an RS256-only key is refused.
    let pinned = set(vec![jwk(&rsa, json!({"kid": "p", "alg": "RS256"}))]);
    let ps = rsa
        .clone()
        .with_algorithm(Algorithm::PS256)
        .unwrap()
        .with_kid("p");
    assert!(matches!(
        verify(&token(&ps), &pinned),
        Err(Error::Jwt(JwtError::NoMatchingKey { .. }))
    ));
}

#[test]
fn without_kid_the_algorithm_chooses() {
    let (rsa, ec) = (key("rsa2048"), key("p256"));
    let jwks = set(vec![
        jwk(&rsa, json!({"kid": "r"})),
        jwk(&ec, json!({"kid": "e"})),
    ]);
    assert_eq!(
        jwks.select(None, Algorithm::ES256).unwrap().kid(),
        Some("e")
    );
    assert_eq!(
        jwks.select(None, Algorithm::PS384).unwrap().kid(),
        Some("r")
    );
    assert!(jwks.select(None, Algorithm::EdDSA).is_none());
    assert!(verify(&token(&ec), &jwks).is_ok());
    assert!(verify(&token(&rsa), &jwks).is_ok());
    let err = verify(&token(&key("ed25519")), &jwks).unwrap_err();
    assert!(matches!(
        err,
        Error::Jwt(JwtError::NoMatchingKey { kid: None, .. })
    ));
    // An HMAC token cannot pick a public key as its secret.
    let hmac = SigningKey::hmac(b"a shared secret of 32 bytes or more").unwrap();
    assert!(matches!(
        verify(&token(&hmac), &jwks),
        Err(Error::Jwt(JwtError::NoMatchingKey { .. }))
    ));
    // alg none and unknown names are refused before any key is looked at.
    let none = format!("{}.e30.", base64url(br#"{"alg":"none"}"#));
    assert!(matches!(
        verify(&none, &jwks),
        Err(Error::Jwt(JwtError::UnsupportedAlgorithm(_)))
    ));
}

fn base64url(bytes: &[u8]) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::encode_string(bytes)
}

#[test]
fn a_kid_flood_costs_no_more_than_a_lookup() {
    let jwks = set(vec![jwk(&key("p256"), json!({"kid": "real"}))]);
    let ec = key("p256");
    for i in 0..1000 {
        let signed = token(&ec.clone().with_kid(format!("random-{i}")));
        assert!(matches!(
            verify(&signed, &jwks),
            Err(Error::Jwt(JwtError::NoMatchingKey { .. }))
        ));
    }
}

/// The public JWK of `rsa6144.pub.pem` (the crate writes public JWKs for signing
/// keys only, and ring cannot sign with RSA-6144): `n` and `e` read from the
/// SPKI DER.
fn public_jwk_of(key: &s2s_oauth::VerifyingKey) -> String {
    let _ = key;
    let pem = std::fs::read_to_string("tests/data/keys/rsa6144.pub.pem").unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64ct::{Base64, Encoding};
    let der = Base64::decode_vec(&b64).unwrap();
    // SPKI: the RSAPublicKey is the BIT STRING's content; n and e are its two
    // INTEGERs. Walk the DER by hand (long-form lengths).
    fn read(der: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = der[0];
        let (len, start) = if der[1] & 0x80 == 0 {
            (der[1] as usize, 2)
        } else {
            let n = (der[1] & 0x7f) as usize;
            (
                der[2..2 + n]
                    .iter()
                    .fold(0usize, |a, &b| a << 8 | b as usize),
                2 + n,
            )
        };
        (tag, &der[start..start + len], &der[start + len..])
    }
    let (_, spki, _) = read(&der);
    let (_, _alg, rest) = read(spki);
    let (_, bits, _) = read(rest);
    let (_, rsa, _) = read(&bits[1..]);
    let (_, n, rest) = read(rsa);
    let (_, e, _) = read(rest);
    let strip = |b: &[u8]| {
        b.iter()
            .skip_while(|&&x| x == 0)
            .copied()
            .collect::<Vec<u8>>()
    };
    json!({"kty": "RSA", "n": base64url(&strip(n)), "e": base64url(&strip(e))}).to_string()
}

/// A token without `kid` (or a `kid` a hostile set repeats) is checked against
/// at most `Jwks::MAX_SIGNATURE_CHECKS` keys: beyond that it is refused before
/// any signature check, so a flood cannot cost 100 RSA verifications a token.
#[test]
fn a_token_cannot_make_the_verifier_try_many_keys() {
    let rsa = key("rsa2048");
    let limit = Jwks::MAX_SIGNATURE_CHECKS;
    // `limit` keys of the algorithm: a kid-less token is still tried against each.
    let few = set((0..limit)
        .map(|i| jwk(&rsa, json!({"kid": format!("k{i}")})))
        .collect());
    assert!(verify(&token(&rsa), &few).is_ok());
    // One more: refused, and the error names the way out (a kid).
    let many = set((0..=limit)
        .map(|i| jwk(&rsa, json!({"kid": format!("k{i}")})))
        .collect());
    let err = verify(&token(&rsa), &many).unwrap_err();
    assert!(
        matches!(&err, Error::Jwt(JwtError::AmbiguousKey { kid: None, algorithm: Algorithm::RS256, candidates }) if *candidates == limit + 1),
        "{err:?}"
    );
    assert!(err.to_string().contains("kid header"), "{err}");
    // With a kid it names, the same set verifies (one candidate).
    assert!(verify(&token(&rsa.clone().with_kid("k3")), &many).is_ok());
    // Keys of other algorithms do not count against a kid-less token.
    let mut mixed: Vec<Value> = (0..limit)
        .map(|i| jwk(&rsa, json!({"kid": format!("r{i}")})))
        .collect();
    mixed.extend((0..10).map(|i| jwk(&key("p256"), json!({"kid": format!("e{i}")}))));
    assert!(verify(&token(&rsa), &set(mixed)).is_ok());
    // A set repeating one kid on many keys: refused the same way.
    let repeated = set((0..=limit)
        .map(|_| jwk(&rsa, json!({"kid": "dup"})))
        .collect());
    let err = verify(&token(&rsa.clone().with_kid("dup")), &repeated).unwrap_err();
    assert!(
        matches!(&err, Error::Jwt(JwtError::AmbiguousKey { kid: Some(kid), .. }) if &**kid == "dup"),
        "{err:?}"
    );
}

/// Hostile RSA members are skipped when the set is read, with a reason, rather
/// than taken and failing later as a bad signature: an exponent of 1 (no
/// encryption at all), 0 or even, a modulus over 8192 bits.
#[test]
fn hostile_rsa_members_are_skipped_when_read() {
    let rsa = key("rsa2048");
    let with_e = |kid: &str, e: &[u8]| jwk(&rsa, json!({"kid": kid, "e": base64url(e)}));
    let jwks = set(vec![
        with_e("e1", &[1]),
        with_e("e0", &[0]),
        with_e("e2", &[2]),
        with_e("e65536", &[1, 0, 0]),
        with_e("e1-padded", &[0, 0, 1]),
        json!({"kty": "RSA", "kid": "huge", "e": "AQAB", "n": base64url(&[0xc5; 1100])}),
        with_e("e3", &[3]),
        with_e("e65537-padded", &[0, 1, 0, 1]),
    ]);
    let kept: Vec<_> = jwks.keys().iter().map(|k| k.kid().unwrap()).collect();
    assert_eq!(kept, ["e3", "e65537-padded"]);
    let skipped: Vec<_> = jwks.skipped().iter().map(|s| s.kid().unwrap()).collect();
    assert_eq!(skipped, ["e1", "e0", "e2", "e65536", "e1-padded", "huge"]);
    for s in &jwks.skipped()[..5] {
        assert!(
            s.reason().to_string().contains("exponent"),
            "{:?}: {}",
            s.kid(),
            s.reason()
        );
    }
    // The kept key with e = 65537 written with a leading zero still verifies.
    assert!(verify(&token(&rsa.clone().with_kid("e65537-padded")), &jwks).is_ok());
}

/// `x5c` is kept as sent and never used to verify, but a first certificate
/// that holds another key than the member's contradicts it (RFC 7517 §4.7): the
/// member is skipped rather than published with a misleading certificate.
#[test]
fn an_x5c_certificate_of_another_key_is_skipped() {
    use base64ct::{Base64, Encoding};
    let der = |name: &str| {
        let cert =
            s2s_oauth::Certificate::from_pem_file(format!("tests/data/keys/{name}")).unwrap();
        Base64::encode_string(cert.der())
    };
    let rsa = key("rsa2048");
    let jwks = set(vec![
        jwk(
            &rsa,
            json!({"kid": "own", "x5c": [der("rsa2048.cert.pem")]}),
        ),
        jwk(&rsa, json!({"kid": "other", "x5c": [der("p256.cert.pem")]})),
        jwk(&rsa, json!({"kid": "unreadable", "x5c": ["MIIB..."]})),
    ]);
    let kept: Vec<_> = jwks.keys().iter().map(|k| k.kid().unwrap()).collect();
    assert_eq!(kept, ["own", "unreadable"]);
    assert_eq!(jwks.skipped().len(), 1);
    assert_eq!(jwks.skipped()[0].kid(), Some("other"));
    assert_eq!(jwks.skipped()[0].reason(), &SkipReason::CertificateMismatch);
    assert!(jwks.skipped()[0].reason().to_string().contains("x5c"));
}
