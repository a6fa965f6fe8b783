//! What `jwt::verify` reads of a token's JSON, and what it keeps: the registered
//! claims are read in one pass over the decoded text (no JSON tree), and the whole
//! header and claims objects become maps only when asked for. Both must see the
//! same JSON a `serde_json::Value` parse sees: escaped member names, duplicate
//! names (the last counts), and every text a `Value` parse refuses.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::rand::SystemRandom;
use s2s_oauth::jwt::{JwtError, Validation, verify};
use s2s_oauth::{Error, SigningKey};
use serde_json::{Map, Value};

const NOW_SECS: u64 = 1_700_000_000;
const AUD: &str = "https://login.salesforce.com";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

fn key() -> SigningKey {
    SigningKey::hmac(b"0123456789abcdef0123456789abcdef").unwrap()
}

/// A token signed over raw header and claims text (not necessarily JSON).
fn craft(header: &str, claims: &str) -> String {
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(claims.as_bytes())
    );
    let sig = key().sign(input.as_bytes(), &SystemRandom::new()).unwrap();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&sig))
}

fn claims_with(extra: &str) -> String {
    format!(
        r#"{{"iss":"client","sub":"user","aud":"{AUD}","exp":{},"iat":{NOW_SECS},"jti":"j-1"{extra}}}"#,
        NOW_SECS + 180
    )
}

/// Verifies the crafted token; a refusal other than a JWT error is a failure.
fn check(header: &str, claims: &str, validation: &Validation) -> Result<(), JwtError> {
    match verify(
        &craft(header, claims),
        &key().verifying_key(),
        validation,
        now(),
        None,
    ) {
        Ok(_) => Ok(()),
        Err(Error::Jwt(e)) => Err(e),
        Err(other) => panic!("not a JWT error: {other:?}"),
    }
}

#[test]
fn the_maps_are_the_json_as_sent() {
    let header = r#"{"alg":"HS256","typ":"JWT","kid":"k\u00e9","x":[1,{"y":null}]}"#;
    let claims = claims_with(r#","scope":"a b","n":1.5e3,"nested":{"deep":[true,"\ud83d\ude00"]}"#);
    let verified = verify(
        &craft(header, &claims),
        &key().verifying_key(),
        &Validation::new(AUD).with_issuer("client"),
        now(),
        None,
    )
    .unwrap();
    let parsed = |text: &str| serde_json::from_str::<Map<String, Value>>(text).unwrap();
    assert_eq!(verified.header(), &parsed(header));
    assert_eq!(verified.claims(), &parsed(&claims));
    assert_eq!(verified.issuer(), "client");
    assert_eq!(verified.subject(), Some("user"));
    assert_eq!(verified.jti(), Some("j-1"));
    assert_eq!(verified.audiences(), [AUD]);
    assert_eq!(verified.claim("scope"), Some(&Value::from("a b")));
    assert_eq!(verified.expires_at(), now() + Duration::from_secs(180));
    assert_eq!(verified.issued_at(), Some(now()));
    // A clone made before the maps were built builds its own.
    let fresh = verify(
        &craft(header, &claims),
        &key().verifying_key(),
        &Validation::new(AUD),
        now(),
        None,
    )
    .unwrap();
    let copy = fresh.clone();
    assert_eq!(copy.claims(), fresh.claims());
}

#[test]
fn escaped_names_and_the_last_duplicate_count() {
    let header = r#"{"alg":"HS256"}"#;
    let v = Validation::new(AUD).with_issuer("client");
    // "\u0069ss" is "iss".
    let escaped = claims_with("").replace(r#""iss":"client""#, r#""\u0069ss":"client""#);
    check(header, &escaped, &v).unwrap();
    // A duplicate: the last value is the one checked, as in a JSON map.
    check(header, &claims_with(r#","iss":"someone else""#), &v).unwrap_err();
    let first_wrong = claims_with("").replace(r#""iss":"client""#, r#""iss":"x","iss":"client""#);
    check(header, &first_wrong, &v).unwrap();
    // The same for the header: the last alg counts.
    check(r#"{"alg":"none","alg":"HS256"}"#, &claims_with(""), &v).unwrap();
    assert_eq!(
        check(r#"{"alg":"HS256","alg":"none"}"#, &claims_with(""), &v).unwrap_err(),
        JwtError::UnsupportedAlgorithm("none".into())
    );
}

/// Texts that `serde_json::from_str::<Value>` refuses are refused as claims and as
/// a header, with the messages a `Value` parse gave, even in members the verifier
/// does not read.
#[test]
fn what_a_value_parse_refuses_is_refused() {
    let v = Validation::new(AUD);
    let bad_members = [
        r#","x":1e400"#,
        r#","x":"\ud800""#,
        r#","x":"\q""#,
        ",\"x\":\"\u{1}\"",
        r#","x":[1,]"#,
        r#","x":{"a":1,}"#,
        r#","#,
        r#"} "#,
    ];
    for member in bad_members {
        let claims = claims_with(member);
        assert!(serde_json::from_str::<Value>(&claims).is_err(), "{claims}");
        assert_eq!(
            check(r#"{"alg":"HS256"}"#, &claims, &v).unwrap_err(),
            JwtError::Malformed("the claims are not a base64url-encoded JSON object"),
            "{claims}"
        );
        let header = format!(r#"{{"alg":"HS256"{member}}}"#);
        assert_eq!(
            check(&header, &claims_with(""), &v).unwrap_err(),
            JwtError::Malformed("the header is not base64url-encoded JSON object"),
            "{header}"
        );
    }
    let deep = claims_with(&format!(r#","x":{}1{}"#, "[".repeat(200), "]".repeat(200)));
    assert!(serde_json::from_str::<Value>(&deep).is_err());
    assert!(check(r#"{"alg":"HS256"}"#, &deep, &v).is_err());
}

/// Claims of the wrong type are named, as before: the checks see each value's
/// JSON type, not a coerced one.
#[test]
fn numbers_and_strings_keep_their_types() {
    let v = Validation::new(AUD);
    let header = r#"{"alg":"HS256"}"#;
    let exp = NOW_SECS + 180;
    for (from, to, name) in [
        (
            format!(r#""exp":{exp}"#),
            format!(r#""exp":"{exp}""#),
            "exp",
        ),
        (format!(r#""exp":{exp}"#), format!(r#""exp":{exp}e400"#), ""),
        (
            r#""iss":"client""#.into(),
            r#""iss":["client"]"#.into(),
            "iss",
        ),
        (
            format!(r#""aud":"{AUD}""#),
            format!(r#""aud":["{AUD}",null]"#),
            "aud",
        ),
        (r#""jti":"j-1""#.into(), r#""jti":1"#.into(), "jti"),
    ] {
        let claims = claims_with("").replace(&from, &to);
        let err = check(header, &claims, &v).unwrap_err();
        if name.is_empty() {
            assert!(matches!(err, JwtError::Malformed(_)), "{err:?}");
        } else {
            assert_eq!(err, JwtError::InvalidClaim(name), "{claims}");
        }
    }
    // Fractions and exponents are NumericDates too (RFC 7519 §2).
    let fractional =
        claims_with("").replace(&format!(r#""exp":{exp}"#), &format!(r#""exp":{exp}.5"#));
    check(header, &fractional, &v).unwrap();
    let exponent = claims_with("").replace(&format!(r#""exp":{exp}"#), r#""exp":1.70000018e9"#);
    check(header, &exponent, &v).unwrap();
}
