//! Secrets never print: every public type and error built from known secrets is
//! formatted with `Debug`, `{:#?}` and (where it has one) `Display`, and none of the
//! secrets may appear.

use std::time::SystemTime;

use ring::rand::SystemRandom;
use s2s_oauth::{
    AccessToken, Assertion, Claims, ClientAuth, ClientSecret, Grant, HttpResponse, IdToken,
    RawBody, RefreshToken, SigningKey, TokenRequest, TokenResponse,
};

const RSA_KEY: &str = include_str!("../examples/demo-keys/jwt-bearer-rsa.pem");

const SECRETS: &[&str] = &[
    "SECRET-client-0001",
    "SECRET-access-0002",
    "SECRET-refresh-0003",
    "SECRET-assertion-0004",
    "SECRET-idtoken-0005",
    "SECRET-body-0006",
];

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} leaks {secret}: {text}");
    }
    // Also no piece of the private key's base64.
    let key_line = RSA_KEY.lines().nth(3).unwrap();
    assert!(
        !text.contains(&key_line[..16]),
        "{what} leaks key material: {text}"
    );
}

macro_rules! check_debug {
    ($($value:expr),* $(,)?) => {$(
        let v = &$value;
        assert_clean(stringify!($value), &format!("{v:?}"));
        assert_clean(stringify!($value), &format!("{v:#?}"));
    )*};
}

macro_rules! check_display {
    ($($value:expr),* $(,)?) => {$(
        let v = &$value;
        assert_clean(stringify!($value), &format!("{v}"));
        check_debug!(*v);
    )*};
}

#[test]
fn secret_newtypes_redact() {
    check_display!(
        ClientSecret::new(SECRETS[0]),
        AccessToken::new(SECRETS[1]),
        RefreshToken::new(SECRETS[2]),
        Assertion::new(SECRETS[3]),
        IdToken::new(SECRETS[4]),
    );
    check_debug!(RawBody::new(SECRETS[5].as_bytes().to_vec()));
    assert_eq!(
        format!("{:?}", ClientSecret::new("x")),
        "ClientSecret([redacted])"
    );
    assert_eq!(format!("{}", AccessToken::new("x")), "[redacted]");
}

#[test]
fn requests_keys_and_grants_redact() {
    let key = SigningKey::from_pem(RSA_KEY).unwrap();
    check_debug!(key);
    let grant = Grant::refresh_token(RefreshToken::new(SECRETS[2]));
    check_debug!(
        grant,
        Grant::jwt_bearer_assertion(Assertion::new(SECRETS[3]))
    );
    for auth in [
        ClientAuth::basic("client", SECRETS[0]),
        ClientAuth::post("client", SECRETS[0]),
        ClientAuth::client_secret_jwt("client", SECRETS[0]).unwrap(),
        ClientAuth::private_key_jwt("client", key.clone()).unwrap(),
    ] {
        check_debug!(auth);
        let request =
            TokenRequest::new("https://idp.example.com/token", grant.clone(), auth).unwrap();
        check_debug!(request);
        let http = request
            .to_http_request(SystemTime::now(), &SystemRandom::new())
            .unwrap();
        check_debug!(http);
    }
    let claims = Claims::new("client", "user", "https://login.salesforce.com");
    check_debug!(Grant::jwt_bearer(claims, key));
}

#[test]
fn responses_and_errors_redact() {
    let body = format!(
        r#"{{"access_token":"{}","refresh_token":"{}","id_token":"{}","token_type":"Bearer","expires_in":60}}"#,
        SECRETS[1], SECRETS[2], SECRETS[4]
    );
    let response = HttpResponse::new(
        200,
        vec![("Content-Type".into(), "application/json".into())],
        body.clone().into_bytes(),
    );
    check_debug!(response);
    let token = TokenResponse::parse(&response, SystemTime::now()).unwrap();
    check_debug!(token);

    // 200 bodies that cannot be used: the body is kept, never printed.
    let bad_bodies = [
        format!(r#"{{"refresh_token":"{}"}}"#, SECRETS[2]), // no access_token
        format!(r#"{{"access_token":"{}","expires_in":"soon"}}"#, SECRETS[1]), // malformed
        format!("access_token={}&refresh_token={}", SECRETS[1], SECRETS[2]), // not JSON
    ];
    for bad in bad_bodies {
        let response = HttpResponse::new(200, vec![], bad.clone().into_bytes());
        let err = TokenResponse::parse(&response, SystemTime::now()).unwrap_err();
        assert_clean("error Display", &err.to_string());
        check_debug!(err);
        assert_eq!(
            err.raw_body().map(|b| b.expose_secret()),
            Some(bad.as_bytes()),
            "body kept whole"
        );
    }

    // A 201 with a token inside.
    let response = HttpResponse::new(201, vec![], body.into_bytes());
    let err = TokenResponse::parse(&response, SystemTime::now()).unwrap_err();
    assert_clean("201 error Display", &err.to_string());
    check_debug!(err);
}
