//! Every grant with every client-authentication method, end to end over real HTTP
//! against the testkit server, in both response profiles; and the refusals a real
//! server gives, as typed errors.

use std::time::{Duration, SystemTime};

use ring::rand::SystemRandom;
use s2s_oauth::error::{ErrorCode, TransportErrorKind};
use s2s_oauth::jwt::Claims;
use s2s_oauth::providers::salesforce::TokenInfo;
use s2s_oauth::secret::ClientSecret;
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use s2s_oauth::{
    ClientAuth, Error, Grant, SendOptions, SigningKey, TokenRequest, TokenResponse, VerifyingKey,
};

const RSA_KEY: &str = include_str!("../examples/demo-keys/jwt-bearer-rsa.pem");
const RSA_CERT: &str = include_str!("../examples/demo-keys/jwt-bearer-rsa.crt");
const P256_KEY: &str = include_str!("../examples/demo-keys/client-p256.pem");

const CLIENT_ID: &str = "3MVG9flows.client";
const SECRET: &str = "a b+c%/:=&é";
const USER: &str = "user@example.com";

fn server(profile: Profile) -> Server {
    Server::start(
        Config::new(profile).with_client(
            Client::new(CLIENT_ID)
                .with_secret(ClientSecret::new(SECRET))
                .with_public_key(VerifyingKey::from_pem(RSA_CERT).unwrap())
                .with_user(USER)
                .with_run_as("integration@example.com"),
        ),
    )
    .expect("testkit server starts")
}

fn rsa() -> SigningKey {
    SigningKey::from_pem(RSA_KEY).unwrap()
}

/// Every client-authentication method, named as the server will see it.
fn auth_methods() -> Vec<(&'static str, ClientAuth)> {
    vec![
        ("none", ClientAuth::none_with_client_id(CLIENT_ID)),
        ("client_secret_basic", ClientAuth::basic(CLIENT_ID, SECRET)),
        ("client_secret_post", ClientAuth::post(CLIENT_ID, SECRET)),
        (
            "private_key_jwt",
            ClientAuth::private_key_jwt(CLIENT_ID, rsa()).unwrap(),
        ),
        (
            "client_secret_jwt",
            ClientAuth::client_secret_jwt(CLIENT_ID, SECRET).unwrap(),
        ),
    ]
}

fn grants(server: &Server) -> Vec<(&'static str, Grant)> {
    vec![
        (
            "jwt-bearer",
            Grant::jwt_bearer(Claims::new(CLIENT_ID, USER, server.audience()), rsa()),
        ),
        ("client_credentials", Grant::client_credentials()),
        (
            "refresh_token",
            Grant::refresh_token(server.issue_refresh_token(CLIENT_ID, USER)),
        ),
    ]
}

fn check_profile_shape(profile: Profile, grant: &str, server: &Server, token: &TokenResponse) {
    assert!(!token.access_token().expose_secret().is_empty());
    if profile == Profile::Salesforce {
        assert_eq!(token.expires_in(), None, "Salesforce sends no expires_in");
        // Salesforce's fields are read through the provider module.
        let info = TokenInfo::from_response(token).expect("Salesforce fields");
        assert_eq!(info.instance_url(), server.base_url().trim_end_matches('/'));
        assert!(
            info.identity_url().contains("/id/00D"),
            "{}",
            info.identity_url()
        );
        if grant == "jwt-bearer" {
            // Salesforce's JWT Bearer answer has neither issued_at nor signature.
            assert!(info.issued_at().is_none() && token.extra().get("signature").is_none());
        } else {
            let issued = info.issued_at().expect("issued_at");
            let age = SystemTime::now().duration_since(issued).unwrap_or_default();
            assert!(
                age < Duration::from_secs(60),
                "issued_at parsed from milliseconds: {issued:?}"
            );
            assert!(token.extra()["signature"].is_string());
        }
    } else {
        assert!(token.expires_in().is_some());
        assert!(token.expires_at().is_some());
        assert!(token.extra().get("instance_url").is_none());
        assert!(TokenInfo::from_response(token).is_err());
    }
}

/// What the server received for the last request, checked against the method used.
fn check_wire(server: &Server, method: &str) {
    let requests = server.requests();
    let last = requests.last().expect("the server saw the request");
    let form = |name: &str| last.form_value(name).map(str::to_owned);
    let basic = last
        .header("authorization")
        .is_some_and(|v| v.starts_with("Basic "));
    match method {
        "none" => {
            assert_eq!(form("client_id").as_deref(), Some(CLIENT_ID));
            assert!(
                !basic && form("client_secret").is_none() && form("client_assertion").is_none()
            );
        }
        "client_secret_basic" => assert!(basic && form("client_secret").is_none()),
        "client_secret_post" => assert_eq!(form("client_secret").as_deref(), Some(SECRET)),
        "private_key_jwt" | "client_secret_jwt" => {
            assert_eq!(
                form("client_assertion_type").as_deref(),
                Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            );
            assert!(form("client_assertion").is_some() && !basic);
        }
        other => panic!("unknown method {other}"),
    }
}

#[test]
fn every_grant_with_every_client_auth_in_both_profiles() {
    let agent = s2s_oauth::agent();
    let mut ran = 0;
    for profile in [Profile::Generic, Profile::Salesforce] {
        let server = server(profile);
        for (method, auth) in auth_methods() {
            for (grant_name, grant) in grants(&server) {
                let request = TokenRequest::new(server.token_url(), grant, auth.clone()).unwrap();
                let result = request.send(&agent);
                let case = format!("{profile:?} / {grant_name} / {method}");
                if method == "none" && grant_name != "jwt-bearer" {
                    // A confidential client must authenticate for client credentials and
                    // refresh (RFC 6749 §4.4.2, §6); the JWT bearer assertion is its own proof.
                    let err = result.expect_err(&case);
                    assert_eq!(
                        err.oauth_error().map(|e| &e.code),
                        Some(&ErrorCode::InvalidClient),
                        "{case}: {err}"
                    );
                } else {
                    let token = result.unwrap_or_else(|e| panic!("{case}: {e}"));
                    check_profile_shape(profile, grant_name, &server, &token);
                    check_wire(&server, method);
                }
                ran += 1;
            }
        }
    }
    assert_eq!(ran, 2 * 5 * 3);
}

#[test]
fn refresh_rotation_returns_a_new_refresh_token_and_kills_the_old_one() {
    let server = server(Profile::Generic);
    let agent = s2s_oauth::agent();
    let first = server.issue_refresh_token(CLIENT_ID, USER);
    let auth = ClientAuth::basic(CLIENT_ID, SECRET);
    let refreshed = TokenRequest::new(
        server.token_url(),
        Grant::refresh_token(first.clone()),
        auth.clone(),
    )
    .unwrap()
    .send(&agent)
    .unwrap();
    let second = refreshed
        .refresh_token()
        .expect("rotated refresh token")
        .clone();
    assert_ne!(second, first);
    let reuse = TokenRequest::new(server.token_url(), Grant::refresh_token(first), auth)
        .unwrap()
        .send(&agent);
    let err = reuse.expect_err("a rotated-out refresh token is refused");
    assert_eq!(err.oauth_error().unwrap().code, ErrorCode::InvalidGrant);
}

fn jwt_bearer_error(server: &Server, grant: Grant) -> Error {
    TokenRequest::new(server.token_url(), grant, ClientAuth::none())
        .unwrap()
        .send(&s2s_oauth::agent())
        .expect_err("the server refuses")
}

#[test]
fn salesforce_refusals_are_typed_with_salesforce_words() {
    let server = server(Profile::Salesforce);
    let rng = SystemRandom::new();
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);

    let cases: Vec<(&str, Grant, &str)> = vec![
        (
            "expired",
            Grant::jwt_bearer_assertion(
                Claims::new(CLIENT_ID, USER, server.audience())
                    .sign_at(&rsa(), hour_ago, &rng)
                    .unwrap(),
            ),
            "expired authorization code",
        ),
        (
            "wrong audience",
            Grant::jwt_bearer(
                Claims::new(CLIENT_ID, USER, "https://test.salesforce.com"),
                rsa(),
            ),
            "audience is invalid",
        ),
        (
            "unknown user",
            Grant::jwt_bearer(
                Claims::new(CLIENT_ID, "stranger@example.com", server.audience()),
                rsa(),
            ),
            "user hasn't approved this consumer",
        ),
        (
            "wrong key",
            Grant::jwt_bearer(
                Claims::new(CLIENT_ID, USER, server.audience()),
                SigningKey::from_pem(P256_KEY).unwrap(),
            ),
            "invalid assertion",
        ),
    ];
    for (name, grant, description) in cases {
        let err = jwt_bearer_error(&server, grant);
        let oauth = err
            .oauth_error()
            .unwrap_or_else(|| panic!("{name}: {err:?}"));
        assert_eq!(oauth.code, ErrorCode::InvalidGrant, "{name}");
        assert_eq!(oauth.description.as_deref(), Some(description), "{name}");
        assert_eq!(oauth.status, 400, "{name}");
        assert!(!err.is_retryable(), "{name}");
    }

    let err = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::post(CLIENT_ID, "wrong"),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap_err();
    let oauth = err.oauth_error().unwrap();
    assert_eq!(oauth.code, ErrorCode::InvalidClient);
    assert_eq!(
        oauth.description.as_deref(),
        Some("invalid client credentials")
    );
}

#[test]
fn tampered_and_replayed_assertions_are_refused() {
    let server = server(Profile::Generic);
    let assertion = Claims::new(CLIENT_ID, USER, server.audience())
        .sign(&rsa())
        .unwrap();

    // Flip one character of the signature.
    let mut tampered = assertion.expose_secret().to_owned();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let err = jwt_bearer_error(&server, Grant::jwt_bearer_assertion(tampered.into()));
    assert_eq!(
        err.oauth_error().unwrap().code,
        ErrorCode::InvalidGrant,
        "{err}"
    );

    let grant = Grant::jwt_bearer_assertion(assertion);
    TokenRequest::new(server.token_url(), grant.clone(), ClientAuth::none())
        .unwrap()
        .send(&s2s_oauth::agent())
        .expect("first use accepted");
    let err = jwt_bearer_error(&server, grant);
    assert_eq!(
        err.oauth_error().unwrap().code,
        ErrorCode::InvalidGrant,
        "replay: {err}"
    );
}

#[test]
fn injected_faults_surface_as_retryable_errors() {
    let server = server(Profile::Generic);
    let agent = s2s_oauth::agent();
    let request = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic(CLIENT_ID, SECRET),
    )
    .unwrap();

    server.inject(
        Fault::Status {
            status: 503,
            content_type: "text/html".into(),
            body: "<h1>maintenance</h1>".into(),
            headers: vec![("Retry-After".into(), "120".into())],
        },
        1,
    );
    let err = request.send(&agent).unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(err.to_string().contains("maintenance"), "{err}");

    server.inject(Fault::DropConnection, 1);
    let err = request.send(&agent).unwrap_err();
    assert!(matches!(&err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());

    server.inject(Fault::Delay(Duration::from_secs(2)), 1);
    let err = request
        .send_with(
            &agent,
            &SendOptions::new().with_timeout(Duration::from_millis(300)),
        )
        .unwrap_err();
    match &err {
        Error::Transport(t) => assert_eq!(t.kind, TransportErrorKind::Timeout),
        other => panic!("expected a timeout, got {other:?}"),
    }

    // Faults are used up: the next request succeeds.
    request.send(&agent).expect("no fault left");
}

#[test]
fn every_response_error_kind_over_http() {
    let server = server(Profile::Generic);
    let agent = s2s_oauth::agent();
    let request = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic(CLIENT_ID, SECRET),
    )
    .unwrap();
    let fault = |status: u16, content_type: &str, body: &str| Fault::Status {
        status,
        content_type: content_type.into(),
        body: body.into(),
        headers: vec![],
    };
    let json = "application/json";

    server.inject(
        fault(
            200,
            json,
            r#"{"token_type":"Bearer","refresh_token":"rt-kept"}"#,
        ),
        1,
    );
    let err = request.send(&agent).unwrap_err();
    assert!(matches!(err, Error::MissingAccessToken(_)), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(
        err.raw_body().unwrap().expose_secret(),
        br#"{"token_type":"Bearer","refresh_token":"rt-kept"}"#
    );

    server.inject(
        fault(
            200,
            json,
            r#"{"access_token":"x","token_type":"Bearer","expires_in":"soon"}"#,
        ),
        1,
    );
    let err = request.send(&agent).unwrap_err();
    assert!(matches!(err, Error::MalformedResponse(_)), "{err:?}");
    assert!(err.to_string().contains("expires_in"), "{err}");

    server.inject(fault(200, "text/html", "<html>login page</html>"), 1);
    let err = request.send(&agent).unwrap_err();
    match &err {
        Error::NotJson(r) => {
            assert_eq!(r.status, 200);
            assert_eq!(r.content_type.as_deref(), Some("text/html"));
        }
        other => panic!("expected NotJson, got {other:?}"),
    }

    server.inject(fault(202, json, r#"{"status":"pending"}"#), 1);
    let err = request.send(&agent).unwrap_err();
    assert!(matches!(err, Error::UnexpectedStatus(_)), "{err:?}");
    assert_eq!(err.status(), Some(202));

    server.inject(
        fault(502, "text/html", "<html><body>Bad Gateway</body></html>"),
        1,
    );
    let err = request.send(&agent).unwrap_err();
    match &err {
        Error::NotJson(r) => assert_eq!(
            r.snippet().as_deref(),
            Some("<html><body>Bad Gateway</body></html>")
        ),
        other => panic!("expected NotJson, got {other:?}"),
    }
    assert!(err.is_retryable());

    server.inject(fault(400, json, r#"{"error":"invalid_scope","error_description":"no such scope","error_uri":"https://idp.example.com/e"}"#), 1);
    let err = request.send(&agent).unwrap_err();
    let oauth = err.oauth_error().expect("typed OAuth error");
    assert_eq!(oauth.code, ErrorCode::InvalidScope);
    assert_eq!(oauth.description.as_deref(), Some("no such scope"));
    assert_eq!(oauth.uri.as_deref(), Some("https://idp.example.com/e"));
    assert_eq!(err.to_string(), "invalid_scope: no such scope (HTTP 400)");

    server.inject(
        Fault::Status {
            status: 302,
            content_type: "text/html".into(),
            body: String::new(),
            headers: vec![("Location".into(), "https://elsewhere.example/token".into())],
        },
        1,
    );
    let err = request.send(&agent).unwrap_err();
    assert!(
        matches!(&err, Error::Redirect { status: 302, location: Some(l) } if &**l == "https://elsewhere.example/token"),
        "{err:?}"
    );

    server.inject(fault(200, json, &" ".repeat(5000)), 1);
    let err = request
        .send_with(&agent, &SendOptions::new().with_body_limit(4096))
        .unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 4096 }),
        "{err:?}"
    );

    request.send(&agent).expect("faults used up");
}
