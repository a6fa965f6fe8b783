//! SAML 2.0 Bearer (RFC 7522) end to end over real HTTP against the testkit server,
//! in both response profiles, with the refusals (Salesforce's strings) for each
//! failed check.
#![cfg(feature = "saml")]

use std::time::{Duration, SystemTime};

use ring::rand::SystemRandom;
use s2s_oauth::error::ErrorCode;
use s2s_oauth::saml::{self, Assertion, Signer};
use s2s_oauth::secret::ClientSecret;
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use s2s_oauth::{Certificate, ClientAuth, Error, Grant, SigningKey, TokenRequest};

const RSA_KEY: &str = include_str!("../examples/demo-keys/jwt-bearer-rsa.pem");
const RSA_CERT: &str = include_str!("../examples/demo-keys/jwt-bearer-rsa.crt");
const P256_KEY: &str = include_str!("data/keys/p256.pkcs8.pem");
const P256_CERT: &str = include_str!("data/keys/p256.cert.pem");

const CLIENT_ID: &str = "3MVG9saml.client";
const SECRET: &str = "consumer-secret";
const USER: &str = "user@example.com";

fn server(profile: Profile) -> Server {
    let cert = Certificate::from_pem(RSA_CERT).unwrap();
    Server::start(
        Config::new(profile).with_client(
            Client::new(CLIENT_ID)
                .with_secret(ClientSecret::new(SECRET))
                .with_certificate(&cert)
                .unwrap()
                .with_user(USER),
        ),
    )
    .expect("testkit server starts")
}

fn signer() -> Signer {
    Signer::new(
        SigningKey::from_pem(RSA_KEY).unwrap(),
        Certificate::from_pem(RSA_CERT).unwrap(),
    )
    .unwrap()
}

fn assertion(server: &Server) -> Assertion {
    Assertion::new(CLIENT_ID, USER, server.audience(), server.token_url())
}

fn send(server: &Server, grant: Grant) -> Result<s2s_oauth::TokenResponse, Error> {
    TokenRequest::new(server.token_url(), grant, ClientAuth::none())?.send(&s2s_oauth::agent())
}

/// Sends an assertion signed as of `at` and returns the refusal.
fn refusal(server: &Server, a: &Assertion, signer: &Signer, at: SystemTime) -> (ErrorCode, String) {
    let signed = a.sign_at(signer, at, &SystemRandom::new()).unwrap();
    match send(server, Grant::saml2_bearer(signed)) {
        Err(Error::OAuth(e)) => (e.code.clone(), e.description.clone().unwrap_or_default()),
        other => panic!("expected an OAuth error, got {other:?}"),
    }
}

#[test]
fn salesforce_profile_issues_a_token_and_wire_shape_is_rfc7522() {
    let server = server(Profile::Salesforce);
    let token = send(
        &server,
        Grant::saml2_bearer_signed(assertion(&server), signer()),
    )
    .unwrap();
    assert!(!token.access_token().expose_secret().is_empty());
    assert_eq!(token.expires_in(), None);
    assert_eq!(token.extra()["instance_url"], server.base_url().as_str());
    assert!(token.refresh_token().is_none());

    let requests = server.requests();
    let form = &requests[0];
    assert_eq!(
        form.form_value("grant_type"),
        Some("urn:ietf:params:oauth:grant-type:saml2-bearer")
    );
    let encoded = form.form_value("assertion").unwrap();
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "base64url without padding or line breaks"
    );
    let xml = saml::decode_assertion_parameter(encoded).unwrap();
    assert!(xml.starts_with("<saml:Assertion "));

    // Built and signed per attempt: a second send is not a replay.
    let request = TokenRequest::new(
        server.token_url(),
        Grant::saml2_bearer_signed(assertion(&server), signer()),
        ClientAuth::none(),
    )
    .unwrap();
    request.send(&s2s_oauth::agent()).unwrap();
    request.send(&s2s_oauth::agent()).unwrap();
}

#[test]
fn generic_profile_with_client_auth_and_ecdsa() {
    let cert = Certificate::from_pem(P256_CERT).unwrap();
    let server = Server::start(
        Config::new(Profile::Generic).with_client(
            Client::new(CLIENT_ID)
                .with_secret(ClientSecret::new(SECRET))
                .with_certificate(&cert)
                .unwrap()
                .with_user(USER)
                .with_refresh_tokens(true),
        ),
    )
    .unwrap();
    let signer = Signer::new(SigningKey::from_pem(P256_KEY).unwrap(), cert).unwrap();
    let token = TokenRequest::new(
        server.token_url(),
        Grant::saml2_bearer_signed(assertion(&server), signer),
        ClientAuth::basic(CLIENT_ID, SECRET),
    )
    .unwrap()
    .with_scope("api")
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap();
    assert_eq!(token.expires_in(), Some(Duration::from_secs(3600)));
    assert!(token.refresh_token().is_some());
}

#[test]
fn salesforce_refusals_use_salesforce_strings() {
    let server = server(Profile::Salesforce);
    let now = SystemTime::now();
    let cases = [
        (
            Assertion::new(
                CLIENT_ID,
                USER,
                "https://test.salesforce.com",
                server.token_url(),
            ),
            now,
            "invalid_grant",
            "audience is invalid",
        ),
        (
            assertion(&server),
            now - Duration::from_secs(3600),
            "invalid_grant",
            "expired authorization code",
        ),
        (
            Assertion::new(
                CLIENT_ID,
                USER,
                server.audience(),
                "https://elsewhere.example/token",
            ),
            now,
            "invalid_grant",
            "invalid assertion",
        ),
        (
            Assertion::new(
                CLIENT_ID,
                "stranger@example.com",
                server.audience(),
                server.token_url(),
            ),
            now,
            "invalid_grant",
            "user hasn't approved this consumer",
        ),
        (
            Assertion::new(
                "unknown-client",
                USER,
                server.audience(),
                server.token_url(),
            ),
            now,
            "invalid_client_id",
            "client identifier invalid",
        ),
        (
            assertion(&server).with_lifetime(Duration::from_secs(3600)),
            now,
            "invalid_grant",
            "invalid assertion",
        ),
    ];
    for (a, at, code, description) in cases {
        let (got_code, got_description) = refusal(&server, &a, &signer(), at);
        assert_eq!(
            (got_code.as_str(), got_description.as_str()),
            (code, description)
        );
    }
    // Signed by a key that is not the client's certificate's.
    let p256 = Signer::new(
        SigningKey::from_pem(P256_KEY).unwrap(),
        Certificate::from_pem(P256_CERT).unwrap(),
    )
    .unwrap();
    let (_, description) = refusal(&server, &assertion(&server), &p256, now);
    assert_eq!(description, "invalid assertion");
}

#[test]
fn generic_refusals_say_what_failed_and_replay_is_refused() {
    let server = server(Profile::Generic);
    let signed = assertion(&server).sign(&signer()).unwrap();
    send(&server, Grant::saml2_bearer(signed.clone())).unwrap();
    let err = send(&server, Grant::saml2_bearer(signed.clone())).unwrap_err();
    let oauth = err.oauth_error().expect("OAuth error");
    assert_eq!(oauth.code, ErrorCode::InvalidGrant);
    assert!(
        oauth
            .description
            .as_deref()
            .unwrap_or("")
            .contains("replay"),
        "{oauth}"
    );

    let tampered = signed.expose_secret().replace(USER, "admin@example.com");
    let err = send(
        &server,
        Grant::saml2_bearer(s2s_oauth::secret::SignedAssertion::new(tampered)),
    )
    .unwrap_err();
    let description = err
        .oauth_error()
        .and_then(|e| e.description.clone())
        .unwrap_or_default();
    assert!(
        description.contains("digest does not match"),
        "{description}"
    );

    let now = SystemTime::now();
    let wrong_audience =
        Assertion::new(CLIENT_ID, USER, "https://nope.example", server.token_url());
    let (_, description) = refusal(&server, &wrong_audience, &signer(), now);
    assert!(description.contains("Audience"), "{description}");
}
