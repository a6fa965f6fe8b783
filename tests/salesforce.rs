//! Salesforce presets: the exact wire shape of each flow, each flow end to end
//! against the testkit's Salesforce profile (the signature of live responses
//! included), the error hints and the REST API classifier. The signature vector and
//! the typed token view: `salesforce_response.rs`.

// The SAML 2.0 Bearer tests below need the `saml` feature, and some imports with them.
#![cfg_attr(not(feature = "saml"), allow(unused_imports))]

mod presets;

use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use s2s_oauth::providers::salesforce::{self, ApiOutcome, HostKind, LoginHost, TokenInfo};
#[cfg(feature = "saml")]
use s2s_oauth::saml::{self, Signer};
use s2s_oauth::secret::{ClientSecret, RefreshToken};
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use s2s_oauth::{
    Algorithm, Certificate, Error, HttpResponse, SigningKey, TokenResponse, VerifyingKey,
};

use presets::{NOW_SECS, build, form, get_with_token, jwt, keys, names, now, value};

const RSA_KEY: &str = include_str!("../examples/demo-keys/jwt-bearer-rsa.pem");
const RSA_CERT: &str = include_str!("../examples/demo-keys/jwt-bearer-rsa.crt");
const CONSUMER_KEY: &str = "3MVG9salesforce.tests";
const CONSUMER_SECRET: &str = "8C1F5E0D2A9B4C7E";
const USER: &str = "integration@acme.com";

fn rsa() -> SigningKey {
    SigningKey::from_pem(RSA_KEY).unwrap()
}

fn server() -> Server {
    Server::start(
        Config::new(Profile::Salesforce).with_client(
            Client::new(CONSUMER_KEY)
                .with_secret(CONSUMER_SECRET)
                .with_public_key(VerifyingKey::from_pem(RSA_CERT).unwrap())
                .with_user(USER)
                .with_run_as("run-as@acme.com"),
        ),
    )
    .expect("testkit server starts")
}

fn my_domain(server: &Server) -> LoginHost {
    LoginHost::my_domain(server.base_url()).unwrap()
}

// ---- wire shapes ----------------------------------------------------------

#[test]
fn jwt_bearer_wire_shape() {
    let host = LoginHost::my_domain("https://acme.my.salesforce.com").unwrap();
    let request = salesforce::jwt_bearer(&host, CONSUMER_KEY, USER, rsa()).unwrap();
    let http = build(&request);
    assert_eq!(http.method(), "POST");
    assert_eq!(
        http.url(),
        "https://acme.my.salesforce.com/services/oauth2/token"
    );
    assert_eq!(http.header("authorization"), None);
    assert_eq!(
        http.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = form(http.body());
    assert_eq!(names(&form), ["grant_type", "assertion"]);
    assert_eq!(
        value(&form, "grant_type"),
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let (header, claims) = jwt(value(&form, "assertion"));
    assert_eq!(keys(&header), ["alg", "typ"]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(keys(&claims), ["aud", "exp", "iat", "iss", "jti", "sub"]);
    assert_eq!(claims["iss"], CONSUMER_KEY);
    assert_eq!(claims["sub"], USER);
    // The login host, not the My Domain host the request goes to.
    assert_eq!(claims["aud"], "https://login.salesforce.com");
    assert_eq!(claims["iat"], NOW_SECS);
    assert_eq!(claims["exp"], NOW_SECS + 180);
}

#[test]
fn jwt_bearer_audience_per_host_kind() {
    let cases = [
        (LoginHost::production(), "https://login.salesforce.com"),
        (LoginHost::sandbox(), "https://test.salesforce.com"),
        (
            LoginHost::my_domain("https://acme--uat.sandbox.my.salesforce.com").unwrap(),
            "https://test.salesforce.com",
        ),
        (
            LoginHost::experience_cloud("https://acme.my.site.com/partners").unwrap(),
            "https://acme.my.site.com/partners",
        ),
    ];
    for (host, audience) in cases {
        let http = build(&salesforce::jwt_bearer(&host, CONSUMER_KEY, USER, rsa()).unwrap());
        let (_, claims) = jwt(value(&form(http.body()), "assertion"));
        assert_eq!(claims["aud"], audience, "{host:?}");
        assert_eq!(http.url(), host.token_url());
    }
}

#[test]
fn jwt_bearer_refuses_what_salesforce_would() {
    let host = LoginHost::production();
    let ps256 = rsa().with_algorithm(Algorithm::PS256).unwrap();
    let err = salesforce::jwt_bearer(&host, CONSUMER_KEY, USER, ps256).unwrap_err();
    assert!(err.to_string().contains("RS256 only"), "{err}");
    let ec = SigningKey::from_pem(include_str!("../examples/demo-keys/client-p256.pem")).unwrap();
    assert!(matches!(
        salesforce::jwt_bearer(&host, CONSUMER_KEY, USER, ec),
        Err(Error::InvalidInput(_))
    ));
    let err = salesforce::jwt_bearer(&host, "", USER, rsa()).unwrap_err();
    assert!(err.to_string().contains("consumer key is empty"), "{err}");
    let err = salesforce::jwt_bearer(&host, CONSUMER_KEY, " ", rsa()).unwrap_err();
    assert!(err.to_string().contains("username is empty"), "{err}");
}

/// The rules the presets apply are public, for claims built by the caller (the
/// CLI's `--audience`, `--claim`, `--lifetime`): the same messages either way.
#[test]
fn preset_checks_refuse_keys_and_lifetimes_salesforce_refuses() {
    use s2s_oauth::error::{InputField, InputProblem};
    let claims = s2s_oauth::jwt::Claims::new(CONSUMER_KEY, USER, salesforce::PRODUCTION);
    salesforce::check_jwt_bearer(&claims, &rsa()).unwrap();
    let at_max = claims.clone().with_lifetime(salesforce::MAX_JWT_LIFETIME);
    salesforce::check_jwt_bearer(&at_max, &rsa()).unwrap();
    let long = claims.clone().with_lifetime(Duration::from_secs(181));
    let Err(Error::InvalidInput(input)) = salesforce::check_jwt_bearer(&long, &rsa()) else {
        panic!("a 181 s JWT passed");
    };
    assert_eq!(
        (input.field(), input.problem()),
        (InputField::Lifetime, InputProblem::OutOfRange)
    );
    assert!(input.to_string().contains("more than 180 s"), "{input}");
    let ps256 = rsa().with_algorithm(Algorithm::PS256).unwrap();
    let err = salesforce::check_jwt_bearer(&claims, &ps256).unwrap_err();
    assert!(err.to_string().contains("RS256 only"), "{err}");

    let signer = Signer::new(rsa(), Certificate::from_pem(RSA_CERT).unwrap()).unwrap();
    let assertion = saml::Assertion::new(CONSUMER_KEY, USER, salesforce::PRODUCTION, "https://x");
    salesforce::check_saml_bearer(&assertion, &signer).unwrap();
    let long = assertion.with_lifetime(salesforce::MAX_SAML_LIFETIME + Duration::from_secs(1));
    let err = salesforce::check_saml_bearer(&long, &signer).unwrap_err();
    assert!(err.to_string().contains("more than 300 s"), "{err}");

    let err = salesforce::check_client_credentials_host(&LoginHost::production()).unwrap_err();
    assert!(
        err.to_string()
            .contains("https://<your-domain>.my.salesforce.com"),
        "{err}"
    );
}

#[test]
fn client_credentials_wire_shape() {
    let host = LoginHost::my_domain("https://acme.my.salesforce.com").unwrap();
    let request = salesforce::client_credentials(&host, CONSUMER_KEY, CONSUMER_SECRET).unwrap();
    let http = build(&request);
    assert_eq!(
        http.url(),
        "https://acme.my.salesforce.com/services/oauth2/token"
    );
    assert_eq!(http.header("authorization"), None);
    let form = form(http.body());
    assert_eq!(
        form,
        [
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_id".to_owned(), CONSUMER_KEY.to_owned()),
            ("client_secret".to_owned(), CONSUMER_SECRET.to_owned()),
        ]
    );
}

#[test]
fn client_credentials_refuses_non_my_domain_hosts_up_front() {
    for host in [
        LoginHost::production(),
        LoginHost::sandbox(),
        LoginHost::experience_cloud("https://acme.my.site.com").unwrap(),
        // The login hosts given as URLs are still the login hosts.
        LoginHost::my_domain("https://login.salesforce.com/").unwrap(),
        LoginHost::parse("https://Test.Salesforce.com").unwrap(),
    ] {
        let err = salesforce::client_credentials(&host, CONSUMER_KEY, CONSUMER_SECRET).unwrap_err();
        assert!(err.is_local());
        let message = err.to_string();
        assert!(message.contains("My Domain"), "{message}");
        assert!(message.contains(host.base_url()), "{message}");
        assert!(!message.contains(CONSUMER_SECRET));
    }
    let host = LoginHost::my_domain("https://acme.my.salesforce.com").unwrap();
    assert_eq!(host.kind(), HostKind::MyDomain);
    assert!(salesforce::client_credentials(&host, CONSUMER_KEY, "").is_err());
}

#[test]
fn refresh_token_wire_shape() {
    let host = LoginHost::sandbox();
    let with_secret = salesforce::refresh_token(
        &host,
        CONSUMER_KEY,
        Some(ClientSecret::new(CONSUMER_SECRET)),
        RefreshToken::new("5Aep861 refresh"),
    )
    .unwrap();
    let http = build(&with_secret);
    assert_eq!(
        http.url(),
        "https://test.salesforce.com/services/oauth2/token"
    );
    assert_eq!(
        form(http.body()),
        [
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            ("refresh_token".to_owned(), "5Aep861 refresh".to_owned()),
            ("client_id".to_owned(), CONSUMER_KEY.to_owned()),
            ("client_secret".to_owned(), CONSUMER_SECRET.to_owned()),
        ]
    );
    let without =
        salesforce::refresh_token(&host, CONSUMER_KEY, None, RefreshToken::new("r")).unwrap();
    assert_eq!(
        names(&form(build(&without).body())),
        ["grant_type", "refresh_token", "client_id"]
    );
    assert!(salesforce::refresh_token(&host, CONSUMER_KEY, None, RefreshToken::new("")).is_err());
}

#[cfg(feature = "saml")]
fn signer() -> Signer {
    Signer::new(rsa(), Certificate::from_pem(RSA_CERT).unwrap()).unwrap()
}

#[cfg(feature = "saml")]
#[test]
fn saml_bearer_wire_shape() {
    let host = LoginHost::my_domain("https://acme.my.salesforce.com").unwrap();
    let request = salesforce::saml_bearer(&host, CONSUMER_KEY, USER, signer()).unwrap();
    let http = build(&request);
    let token_url = "https://acme.my.salesforce.com/services/oauth2/token";
    assert_eq!(http.url(), token_url);
    assert_eq!(http.header("authorization"), None);
    let form = form(http.body());
    assert_eq!(names(&form), ["grant_type", "assertion"]);
    assert_eq!(
        value(&form, "grant_type"),
        "urn:ietf:params:oauth:grant-type:saml2-bearer"
    );
    let encoded = value(&form, "assertion");
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "base64url, no padding, no line breaks (RFC 7522 §2.1)"
    );
    let xml = String::from_utf8(Base64UrlUnpadded::decode_vec(encoded).unwrap()).unwrap();
    // The login host is the audience; the My Domain token URL the recipient.
    assert!(
        xml.contains("<saml:Audience>https://login.salesforce.com</saml:Audience>"),
        "{xml}"
    );
    assert!(xml.contains(&format!("Recipient=\"{token_url}\"")), "{xml}");
    assert!(
        xml.contains("Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\""),
        "{xml}"
    );
    assert!(xml.contains("X509Certificate>"), "{xml}");
    let verified = saml::verify(
        &xml,
        &VerifyingKey::from_pem(RSA_CERT).unwrap(),
        &saml::Validation::new("https://login.salesforce.com", token_url),
        now(),
        None,
    )
    .expect("a valid signed assertion");
    assert_eq!(verified.issuer, CONSUMER_KEY);
    assert_eq!(verified.subject, USER);
    assert_eq!(verified.audiences, ["https://login.salesforce.com"]);
    assert_eq!(verified.expires_at, now() + Duration::from_secs(300));
}

#[cfg(feature = "saml")]
#[test]
fn saml_bearer_refuses_a_non_rsa_signer_and_empty_names() {
    let ec = SigningKey::from_pem(include_str!("data/keys/p256.pkcs8.pem")).unwrap();
    let ec_cert = Certificate::from_pem(include_str!("data/keys/p256.cert.pem")).unwrap();
    let err = salesforce::saml_bearer(
        &LoginHost::production(),
        CONSUMER_KEY,
        USER,
        Signer::new(ec, ec_cert).unwrap(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("RSA only"), "{err}");
    assert!(salesforce::saml_bearer(&LoginHost::production(), "", USER, signer()).is_err());
    assert!(salesforce::saml_bearer(&LoginHost::production(), CONSUMER_KEY, "", signer()).is_err());
}

// ---- end to end against the testkit's Salesforce profile -------------------

#[cfg(feature = "saml")]
#[test]
fn saml_bearer_end_to_end() {
    let server = Server::start(
        Config::new(Profile::Salesforce).with_client(
            Client::new(CONSUMER_KEY)
                .with_certificate(&Certificate::from_pem(RSA_CERT).unwrap())
                .unwrap()
                .with_user(USER),
        ),
    )
    .unwrap();
    let request =
        salesforce::saml_bearer(&my_domain(&server), CONSUMER_KEY, USER, signer()).unwrap();
    let token = request.send(&s2s_oauth::agent()).expect("token issued");
    let info = TokenInfo::from_response(&token).unwrap();
    assert_eq!(info.instance_url(), server.base_url());
    // Sent twice, signed twice: a fresh ID, so no replay refusal.
    request.send(&s2s_oauth::agent()).expect("a second token");
    let stranger = salesforce::saml_bearer(
        &my_domain(&server),
        CONSUMER_KEY,
        "stranger@acme.com",
        signer(),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap_err();
    assert!(
        salesforce::hint(&stranger)
            .unwrap()
            .contains("pre-authorize")
    );
}

#[test]
fn jwt_bearer_end_to_end() {
    let server = server();
    let request = salesforce::jwt_bearer(&my_domain(&server), CONSUMER_KEY, USER, rsa()).unwrap();
    let token = request.send(&s2s_oauth::agent()).expect("token issued");
    assert_eq!(token.expires_in(), None);
    let info = TokenInfo::from_response(&token).unwrap();
    assert_eq!(info.instance_url(), server.base_url());
    assert!(info.org_id().starts_with("00D"), "{info:?}");
    assert!(info.user_id().starts_with("005"), "{info:?}");
    assert_eq!(
        info.identity_url(),
        format!(
            "{}/id/{}/{}",
            server.base_url(),
            info.org_id(),
            info.user_id()
        )
    );
    // The server saw exactly the preset's form.
    let recorded = &server.requests()[0];
    assert_eq!(names(recorded.form()), ["grant_type", "assertion"]);
    assert_eq!(recorded.header("authorization"), None);
}

#[test]
fn jwt_bearer_for_an_unapproved_user_gets_a_hint() {
    let server = server();
    let request = salesforce::jwt_bearer(
        &my_domain(&server),
        CONSUMER_KEY,
        "stranger@acme.com",
        rsa(),
    )
    .unwrap();
    let err = request.send(&s2s_oauth::agent()).unwrap_err();
    let oauth = err.oauth_error().expect("an OAuth error");
    assert_eq!(
        oauth.description.as_deref(),
        Some("user hasn't approved this consumer")
    );
    let hint = salesforce::hint(&err).expect("a hint");
    assert!(hint.contains("pre-authorize the user through a profile or permission set"));
    assert!(hint.contains("browser"));
}

#[test]
fn client_credentials_end_to_end_with_a_verified_signature() {
    let server = server();
    let request =
        salesforce::client_credentials(&my_domain(&server), CONSUMER_KEY, CONSUMER_SECRET).unwrap();
    let token = request.send(&s2s_oauth::agent()).expect("token issued");
    assert!(token.extra()["signature"].is_string());
    salesforce::verify_signature(&token, &ClientSecret::new(CONSUMER_SECRET))
        .expect("the testkit signs as Salesforce does");
    assert!(matches!(
        salesforce::verify_signature(&token, &ClientSecret::new("another secret")),
        Err(Error::ResponseSignature(_))
    ));
    let info = TokenInfo::from_response(&token).unwrap();
    assert!(info.issued_at().is_some());
    let recorded = &server.requests()[0];
    assert_eq!(
        names(recorded.form()),
        ["grant_type", "client_id", "client_secret"]
    );
}

#[test]
fn refresh_token_end_to_end() {
    let server = server();
    let refresh = server.issue_refresh_token(CONSUMER_KEY, USER);
    let request = salesforce::refresh_token(
        &my_domain(&server),
        CONSUMER_KEY,
        Some(ClientSecret::new(CONSUMER_SECRET)),
        refresh.clone(),
    )
    .unwrap();
    let token = request.send(&s2s_oauth::agent()).expect("token issued");
    salesforce::verify_signature(&token, &ClientSecret::new(CONSUMER_SECRET)).unwrap();
    // Rotation is on by default: the answer carries the next refresh token, and
    // the old one is dead.
    let next = token.refresh_token().expect("rotated refresh token");
    assert_ne!(next.expose_secret(), refresh.expose_secret());
    let again = salesforce::refresh_token(
        &my_domain(&server),
        CONSUMER_KEY,
        Some(ClientSecret::new(CONSUMER_SECRET)),
        refresh,
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap_err();
    assert!(
        salesforce::hint(&again)
            .unwrap()
            .contains("refresh token was revoked")
    );
}

// ---- hints ----------------------------------------------------------------

fn refusal(code: &str, description: &str) -> Error {
    let body = serde_json::json!({"error": code, "error_description": description});
    TokenResponse::parse(
        &HttpResponse::new(400, vec![], body.to_string().into_bytes()),
        now(),
    )
    .unwrap_err()
}

#[test]
fn every_known_salesforce_error_has_a_hint() {
    let cases = [
        (
            "invalid_grant",
            "user hasn't approved this consumer",
            "pre-authorize",
        ),
        (
            "invalid_grant",
            "audience is invalid",
            "https://login.salesforce.com",
        ),
        (
            "invalid_grant",
            "Audience validation failed",
            "never the My Domain URL",
        ),
        ("invalid_grant", "expired authorization code", "clock"),
        (
            "invalid_grant",
            "invalid assertion",
            "certificate is uploaded",
        ),
        (
            "invalid_grant",
            "request not supported on this domain",
            "My Domain",
        ),
        (
            "invalid_grant",
            "no client credentials user enabled",
            "Run As",
        ),
        ("invalid_grant", "expired access/refresh token", "revoked"),
        (
            "invalid_app_access",
            "user is not admin approved to access this app",
            "permission set",
        ),
        (
            "invalid_client_id",
            "client identifier invalid",
            "Consumer Key",
        ),
        (
            "invalid_client",
            "invalid client credentials",
            "Consumer Secret",
        ),
    ];
    for (code, description, fragment) in cases {
        let hint = salesforce::hint(&refusal(code, description))
            .unwrap_or_else(|| panic!("no hint for {code}: {description}"));
        assert!(hint.contains(fragment), "{code}: {description} -> {hint}");
    }
    assert_eq!(
        salesforce::hint(&refusal("invalid_grant", "something else")),
        None
    );
    assert_eq!(
        salesforce::hint(&refusal("invalid_scope", "invalid assertion")),
        None
    );
    assert_eq!(salesforce::hint(&Error::Crypto), None);
}

// ---- the REST API classifier ----------------------------------------------

#[test]
fn api_classifier_against_the_testkit_resource() {
    let server = server();
    let token = salesforce::client_credentials(&my_domain(&server), CONSUMER_KEY, CONSUMER_SECRET)
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap();
    let access = token.access_token().expose_secret();
    let ok = get_with_token(&server.resource_url(), access);
    assert_eq!(salesforce::classify_api_response(&ok), ApiOutcome::Success);
    server.expire_access_tokens();
    let expired = get_with_token(&server.resource_url(), access);
    assert_eq!(expired.status(), 401);
    assert_eq!(
        salesforce::classify_api_response(&expired),
        ApiOutcome::SessionExpired
    );
}

#[test]
fn api_classifier_tells_limits_from_permissions() {
    let limit = HttpResponse::new(
        403,
        vec![],
        br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#
            .to_vec(),
    );
    assert_eq!(
        salesforce::classify_api_response(&limit),
        ApiOutcome::RequestLimitExceeded
    );
    let xml = HttpResponse::new(
        403,
        vec![],
        b"<Errors><Error><errorCode>REQUEST_LIMIT_EXCEEDED</errorCode></Error></Errors>".to_vec(),
    );
    assert_eq!(
        salesforce::classify_api_response(&xml),
        ApiOutcome::RequestLimitExceeded
    );
    let permission = HttpResponse::new(
        403,
        vec![],
        br#"[{"message":"no access","errorCode":"INSUFFICIENT_ACCESS"}]"#.to_vec(),
    );
    assert_eq!(
        salesforce::classify_api_response(&permission),
        ApiOutcome::Other
    );
    // A limit code on another status is not the API limit answer.
    let odd = HttpResponse::new(400, vec![], limit.body().to_vec());
    assert_eq!(salesforce::classify_api_response(&odd), ApiOutcome::Other);
    let session_403 = HttpResponse::new(
        403,
        vec![],
        br#"[{"errorCode":"INVALID_SESSION_ID"}]"#.to_vec(),
    );
    assert_eq!(
        salesforce::classify_api_response(&session_403),
        ApiOutcome::SessionExpired
    );
}
