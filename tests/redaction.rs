//! Secrets never print: every public type and error built from known secrets is
//! formatted with `Debug`, `{:#?}` and (where it has one) `Display`, and none of the
//! secrets may appear.

use std::time::SystemTime;

use ring::rand::SystemRandom;
use s2s_oauth::discovery::{AuthorizationServerMetadata, WellKnown, metadata_url};
use s2s_oauth::jwt::Claims;
use s2s_oauth::providers::keycloak;
use s2s_oauth::secret::{
    AccessToken, ClientSecret, IdToken, RawBody, RefreshToken, SignedAssertion,
};
use s2s_oauth::{ClientAuth, Error, Grant, HttpResponse, SigningKey, TokenRequest, TokenResponse};

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
        SignedAssertion::new(SECRETS[3]),
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
        Grant::jwt_bearer_assertion(SignedAssertion::new(SECRETS[3]))
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
        // A query secret in the token URL (valid over https) and an extra
        // parameter's value stay out of `{:?}`.
        let url = format!("https://idp.example.com/token?client_secret={}", SECRETS[0]);
        let with_query = TokenRequest::new(url, grant.clone(), ClientAuth::none())
            .unwrap()
            .with_param("api_key", SECRETS[1])
            .unwrap();
        check_debug!(with_query);
        check_debug!(with_query.to_http_request_now().unwrap());
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

/// URLs with credentials in them (`user:password@`, `?client_secret=`): every
/// error that names a URL shows it without them, in `Display` and `Debug`.
#[test]
fn urls_in_errors_are_redacted() {
    const PASSWORD: &str = "pw-SECRET-0007";
    const QUERY_SECRET: &str = "SECRET-query-0008";
    let leaks = |what: &str, err: &Error| {
        for text in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
            for secret in [PASSWORD, QUERY_SECRET] {
                assert!(!text.contains(secret), "{what} leaks {secret}: {text}");
            }
            assert!(text.contains("[redacted]"), "{what}: {text}");
        }
    };
    let userinfo = format!("https://app:{PASSWORD}@idp.example.com/token");
    let query = format!("http://idp.example.com/token?client_secret={QUERY_SECRET}");
    // A `?` or `#` inside the password; `://` inside the query.
    let odd_password = format!("https://app:{PASSWORD}?x#y@idp.example.com/token");
    let scheme_in_query = format!("http:/idp/token?client_secret={QUERY_SECRET}&next=https://x/");
    for url in [&userinfo, &query, &odd_password, &scheme_in_query] {
        let err = TokenRequest::new(
            url.as_str(),
            Grant::client_credentials(),
            ClientAuth::none(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
        leaks("TokenRequest::new", &err);
        leaks(
            "metadata_url",
            &metadata_url(url, WellKnown::OpenIdConfiguration).unwrap_err(),
        );
        leaks(
            "keycloak::token_url",
            &keycloak::token_url(url, "realm").unwrap_err(),
        );
    }
    // https with a query: a valid token URL, but neither an issuer nor a base URL.
    let https_query = format!("https://idp.example.com/?client_secret={QUERY_SECRET}");
    leaks(
        "metadata_url",
        &metadata_url(&https_query, WellKnown::OAuthAuthorizationServer).unwrap_err(),
    );
    leaks(
        "keycloak::token_url",
        &keycloak::token_url(&https_query, "realm").unwrap_err(),
    );
    // An error built by hand with the raw URL still prints redacted.
    let by_hand = Error::InvalidUrl {
        url: userinfo.clone().into(),
        reason: "test",
    };
    assert!(!by_hand.to_string().contains(PASSWORD), "{by_hand}");

    // The metadata's issuer and a redirect's Location come from the server.
    let body = format!(
        r#"{{"issuer":"https://u:{PASSWORD}@idp.example.com?{QUERY_SECRET}","token_endpoint":"https://idp.example.com/token"}}"#
    );
    let response = HttpResponse::new(200, vec![], body.into_bytes());
    let err = AuthorizationServerMetadata::parse(&response, "https://idp.example.com").unwrap_err();
    assert!(matches!(err, Error::IssuerMismatch { .. }), "{err:?}");
    leaks("IssuerMismatch", &err);
    let redirect = HttpResponse::new(
        302,
        vec![(
            "Location".into(),
            format!("https://idp.example.com/login?code={QUERY_SECRET}"),
        )],
        Vec::new(),
    );
    leaks(
        "token redirect",
        &TokenResponse::parse(&redirect, SystemTime::now()).unwrap_err(),
    );
    leaks(
        "metadata redirect",
        &AuthorizationServerMetadata::parse(&redirect, "https://idp.example.com").unwrap_err(),
    );
}

/// `Debug` of the types that hold secrets shows exactly the public parts, in a
/// fixed order, and `..` for what it leaves out: the names of extra parameters and
/// response fields without their values, whether a testkit client has a secret.
#[test]
fn debug_shows_the_public_parts_exactly() {
    let request = TokenRequest::new(
        "https://idp.example.com/token?client_secret=x",
        Grant::client_credentials(),
        ClientAuth::none(),
    )
    .unwrap()
    .with_scope("api")
    .unwrap()
    .with_param("resource", SECRETS[0])
    .unwrap();
    assert_eq!(
        format!("{request:?}"),
        r#"TokenRequest { token_url: "https://idp.example.com/token?[redacted]", grant: Grant { kind: ClientCredentials }, auth: ClientAuth { method: None { client_id: None } }, scope: Some("api"), params: ["resource"], dpop: None, dpop_nonce: None, .. }"#
    );
    // A DPoP key shows its algorithm and thumbprint, never the private key.
    let key = s2s_oauth::jwt::dpop::DpopKey::new(
        s2s_oauth::SigningKey::from_pem_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/keys/p256.pkcs8.pem"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        format!("{key:?}"),
        r#"DpopKey { algorithm: ES256, jkt: "KsAXKoLh23zvgciIBhWrOzDRR97mW3E5vxjgBILcEmA", .. }"#
    );
    let body = format!(
        r#"{{"access_token":"{}","token_type":"Bearer","expires_in":60,"tenant":"{}"}}"#,
        SECRETS[1], SECRETS[0]
    );
    let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let later = at + std::time::Duration::from_secs(60);
    let response = HttpResponse::new(200, vec![], body.into_bytes());
    let response = TokenResponse::parse(&response, at).unwrap();
    assert_eq!(
        format!("{response:?}"),
        format!(
            "TokenResponse {{ access_token: AccessToken([redacted]), token_type: Some(Bearer), expires_in: Some(60s), refresh_token: None, scope: None, id_token: None, issued_token_type: None, dpop_nonce: None, extra_fields: [\"tenant\"], received_at: {at:?}, .. }}"
        )
    );
    let token = s2s_oauth::Token::from_response(&response);
    assert_eq!(
        format!("{token:?}"),
        format!(
            "Token {{ access_token: AccessToken([redacted]), token_type: Some(Bearer), expires_at: Some({later:?}), refresh_token: None, scope: None, received_at: {at:?}, extra_fields: [\"tenant\"], .. }}"
        )
    );
    let client = s2s_oauth::testkit::Client::new("app")
        .with_secret(SECRETS[0])
        .with_user("alice");
    assert_eq!(
        format!("{client:?}"),
        r#"Client { id: "app", has_secret: true, public_key: None, saml_key: None, users: ["alice"], run_as: None, refresh_tokens: false, requires_client_auth: true, tls_subject_dn: None, tls_san_dns: None, self_signed_certificate: None, bound_tokens: false, .. }"#
    );
}

/// Token exchange: the subject and actor tokens, a client assertion from a source
/// and an executable's arguments never show in `Debug`, nor in a source's error.
#[test]
fn token_exchange_values_are_redacted() {
    use s2s_oauth::exchange::{Executable, TokenExchange, TokenSource, TokenTypeUri};
    use s2s_oauth::secret::SecurityToken;
    let exchange = TokenExchange::new(
        TokenSource::new(SecurityToken::new("SUBJECT-CANARY")),
        TokenTypeUri::Jwt,
    )
    .with_actor(TokenSource::new("ACTOR-CANARY"), TokenTypeUri::Jwt);
    let auth = s2s_oauth::ClientAuth::client_assertion("app", TokenSource::new("ASSERTION-CANARY"))
        .unwrap();
    let request = s2s_oauth::TokenRequest::new(
        "https://as.example.com/token",
        s2s_oauth::Grant::token_exchange(exchange.clone()),
        auth.clone(),
    )
    .unwrap();
    let exe = Executable::from_argv(["/bin/helper", "--token", "ARG-CANARY"]).unwrap();
    let shown = format!("{exchange:?} {auth:?} {request:?} {exe:?}");
    for canary in [
        "SUBJECT-CANARY",
        "ACTOR-CANARY",
        "ASSERTION-CANARY",
        "ARG-CANARY",
    ] {
        assert!(!shown.contains(canary), "{canary} in {shown}");
    }
    let bad = TokenSource::env("S2S_REDACTION_TEST_UNSET").read(std::time::SystemTime::now());
    let err = bad.unwrap_err();
    assert!(format!("{err} {err:?}").contains("S2S_REDACTION_TEST_UNSET"));
}
