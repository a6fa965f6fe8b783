//! Robustness of the parsers that read what a peer sent: token responses (with
//! `Retry-After` and `WWW-Authenticate`), the resource-server classifier, and JWT
//! decoding and verification. Inputs are truncated and mutated at random from real
//! ones (bounded, with a fixed seed); every call must return, never panic.

mod common;

use common::Rng;
use std::time::{Duration, UNIX_EPOCH};

use ring::rand::SystemRandom;
use s2s_oauth::jwt::{Claims, UnverifiedJwt, Validation, verify};
use s2s_oauth::{HttpResponse, SigningKey, TokenResponse};

/// Bytes that matter to these grammars, to splice in.
const INTERESTING: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b",",
    b":",
    b"=",
    b".",
    b"-",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\r\n",
    b"1e999",
    b"-1",
    b"18446744073709551616",
    b"null",
    b"GMT",
    b"Feb",
    b"29",
    b"99",
];

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 if at < bytes.len() => bytes[at] = rng.next() as u8,
            1 if at < bytes.len() => {
                bytes.truncate(at);
            }
            2 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                bytes.splice(at..at, piece.iter().copied());
            }
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

const BODIES: &[&str] = &[
    r#"{"access_token":"00Dxx!AQ","signature":"K3Xb0yZ8mW4v+w=","scope":"api","instance_url":"https://acme.my.salesforce.com","id":"https://login.salesforce.com/id/00Dxx/005xx","token_type":"Bearer","issued_at":"1708058728442"}"#,
    r#"{"access_token":"at","token_type":"bearer","expires_in":"3599","refresh_token":"rt","id_token":"a.b.c","extra":{"n":[1,2.5,true]}}"#,
    r#"{"error":"invalid_grant","error_description":"audience is invalid","error_uri":"https://x"}"#,
    r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
    "<html><body>502 Bad Gateway</body></html>",
];

const HEADERS: &[(&str, &str)] = &[
    ("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("Retry-After", "Sunday, 06-Nov-94 08:49:37 GMT"),
    ("Retry-After", "Sun Nov  6 08:49:37 1994"),
    ("Retry-After", "120"),
    (
        "WWW-Authenticate",
        r#"Basic realm="x y", Bearer realm="api",error=invalid_token, error_description="The \"token\" expired", Token"#,
    ),
    (
        "WWW-Authenticate",
        "Negotiate abc123==, Bearer error=invalid_token",
    ),
    ("Location", "https://example.com/elsewhere"),
];

#[test]
fn mutated_token_responses_never_panic() {
    let mut rng = Rng(0x5eed_2026_1129_0002);
    let received_at = UNIX_EPOCH + Duration::from_secs(1_708_058_728);
    let statuses = [
        0, 100, 200, 201, 204, 302, 400, 401, 403, 429, 500, 503, 999,
    ];
    let (mut parsed, mut refused) = (0, 0);
    for round in 0..4_000 {
        let original = BODIES[rng.below(BODIES.len())];
        let body = mutate(&mut rng, original.as_bytes());
        let (name, value) = HEADERS[rng.below(HEADERS.len())];
        let value = String::from_utf8_lossy(&mutate(&mut rng, value.as_bytes())).into_owned();
        // 200 half the time: the success path is the deepest.
        let status = if rng.below(2) == 0 {
            200
        } else {
            statuses[rng.below(statuses.len())]
        };
        let http = HttpResponse::new(
            status,
            vec![
                (name.to_owned(), value),
                ("Content-Type".into(), "application/json".into()),
            ],
            body,
        );
        let outcome = std::panic::catch_unwind(|| {
            let result = TokenResponse::parse(&http, received_at);
            if let Err(e) = &result {
                let _ = (e.to_string(), e.is_retryable(), e.retry_after());
            }
            let _ = http.is_token_rejected();
            result.is_ok()
        });
        match outcome {
            Ok(true) => parsed += 1,
            Ok(false) => refused += 1,
            Err(_) => panic!("round {round} panicked on {http:?}"),
        }
    }
    // Both paths were exercised.
    assert!(
        parsed > 50 && refused > 50,
        "{parsed} parsed, {refused} refused"
    );
}

#[test]
fn mutated_jwts_never_panic() {
    let mut rng = Rng(0x5eed_2026_1129_0003);
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let key = SigningKey::hmac(b"0123456789abcdef0123456789abcdef").unwrap();
    let verifying = key.verifying_key();
    let jwt = Claims::new("iss", "sub", "aud")
        .with_claim("nested", serde_json::json!({"a": [1, {"b": null}]}))
        .unwrap()
        .sign_at(&key, now, &SystemRandom::new())
        .unwrap();
    let validation = Validation::new("aud");
    let mut decoded = 0;
    for round in 0..3_000 {
        let mutated = mutate(&mut rng, jwt.expose_secret().as_bytes());
        let token = String::from_utf8_lossy(&mutated).into_owned();
        let outcome = std::panic::catch_unwind(|| {
            let unverified = UnverifiedJwt::decode(&token).is_ok();
            let mut seen = std::collections::HashMap::new();
            if let Err(e) = verify(&token, &verifying, &validation, now, Some(&mut seen)) {
                let _ = e.to_string();
            }
            unverified
        });
        match outcome {
            Ok(ok) => decoded += usize::from(ok),
            Err(_) => panic!("round {round} panicked on {token:?}"),
        }
    }
    assert!(decoded > 50 && decoded < 3_000, "{decoded} decoded");
}
