//! Google, Microsoft Entra, Okta and Keycloak presets: the exact wire shape each
//! produces (header fields, claims, form parameters, auth header), each end to end
//! against the testkit's Generic profile, and the refusals of bad input.

mod presets;

use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use ring::digest;
use s2s_oauth::providers::entra::{self, CertificateCredential};
use s2s_oauth::providers::google::{self, ServiceAccountKey};
use s2s_oauth::providers::{keycloak, okta};
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use s2s_oauth::{Certificate, Error, SigningKey, VerifyingKey};

use presets::{NOW_SECS, build, form, jwt, keys, names, value};

const RSA_KEY: &str = include_str!("data/keys/rsa2048.pkcs8.pem");
const RSA_CERT: &str = include_str!("data/keys/rsa2048.cert.pem");
const OTHER_CERT: &str = include_str!("data/keys/other.cert.pem");
const EMAIL: &str = "robot@my-project.iam.gserviceaccount.com";
const CLIENT_ID: &str = "00001111-aaaa-2222-bbbb-3333cccc4444";

fn rsa() -> SigningKey {
    SigningKey::from_pem(RSA_KEY).unwrap()
}

fn cert() -> Certificate {
    Certificate::from_pem(RSA_CERT).unwrap()
}

fn generic(client: Client) -> Server {
    Server::start(Config::new(Profile::Generic).with_client(client)).expect("testkit starts")
}

// ---- Google ---------------------------------------------------------------

/// A key file as Google writes it: the PEM's newlines as `\n` escapes.
fn key_file(token_uri: Option<&str>) -> String {
    let mut file = serde_json::json!({
        "type": "service_account",
        "project_id": "my-project",
        "private_key_id": "a1b2c3d4e5",
        "private_key": RSA_KEY,
        "client_email": EMAIL,
        "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    });
    if let Some(uri) = token_uri {
        file["token_uri"] = uri.into();
    }
    let text = file.to_string();
    assert!(text.contains("-----\\nMII"), "the PEM is \\n-escaped");
    text
}

#[test]
fn google_key_file_is_read() {
    let account =
        ServiceAccountKey::from_json(key_file(Some("https://oauth2.googleapis.com/token")))
            .unwrap();
    assert_eq!(account.client_email(), EMAIL);
    assert_eq!(account.private_key_id(), Some("a1b2c3d4e5"));
    assert_eq!(account.project_id(), Some("my-project"));
    assert_eq!(account.signing_key().kid(), Some("a1b2c3d4e5"));
    let debug = format!("{account:?}");
    assert!(debug.contains(EMAIL) && !debug.contains("MII"), "{debug}");
    // No token_uri: Google's.
    let defaulted = ServiceAccountKey::from_json(key_file(None)).unwrap();
    assert_eq!(defaulted.token_uri(), google::TOKEN_URI);
}

#[test]
fn google_wire_shape() {
    let account =
        ServiceAccountKey::from_json(key_file(Some("https://oauth2.googleapis.com/token")))
            .unwrap();
    let scope =
        "https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/pubsub";
    let http = build(&account.token_request(scope).unwrap());
    assert_eq!(http.url(), "https://oauth2.googleapis.com/token");
    assert_eq!(http.header("authorization"), None);
    let form = form(http.body());
    assert_eq!(names(&form), ["grant_type", "assertion"]);
    assert_eq!(
        value(&form, "grant_type"),
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    let (header, claims) = jwt(value(&form, "assertion"));
    assert_eq!(keys(&header), ["alg", "kid", "typ"]);
    assert_eq!(
        (
            header["alg"].as_str(),
            header["typ"].as_str(),
            header["kid"].as_str()
        ),
        (Some("RS256"), Some("JWT"), Some("a1b2c3d4e5"))
    );
    assert_eq!(keys(&claims), ["aud", "exp", "iat", "iss", "jti", "scope"]);
    assert_eq!(claims["iss"], EMAIL);
    assert_eq!(claims["aud"], "https://oauth2.googleapis.com/token");
    assert_eq!(claims["scope"], scope);
    assert_eq!(claims["iat"], NOW_SECS);
    assert_eq!(claims["exp"], NOW_SECS + 3600, "at most one hour");
    // Domain-wide delegation adds sub.
    let delegated = account.with_subject("alice@example.com");
    let (_, claims) = jwt(value(
        &presets::form(build(&delegated.token_request(scope).unwrap()).body()),
        "assertion",
    ));
    assert_eq!(claims["sub"], "alice@example.com");
}

#[test]
fn google_refuses_other_files_with_clear_errors() {
    let user = r#"{"type":"authorized_user","client_id":"x","client_secret":"SECRET-VALUE","refresh_token":"r"}"#;
    let err = ServiceAccountKey::from_json(user).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("\"authorized_user\"") && message.contains("service_account"),
        "{message}"
    );
    assert!(!message.contains("SECRET-VALUE"));

    let no_type = r#"{"client_email":"a@b"}"#;
    assert!(
        ServiceAccountKey::from_json(no_type)
            .unwrap_err()
            .to_string()
            .contains("no \"type\"")
    );

    let no_key = serde_json::json!({"type":"service_account","client_email":EMAIL}).to_string();
    assert!(
        ServiceAccountKey::from_json(no_key)
            .unwrap_err()
            .to_string()
            .contains("no private_key")
    );

    let broken_key = serde_json::json!({"type":"service_account","client_email":EMAIL,"private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}).to_string();
    assert!(matches!(
        ServiceAccountKey::from_json(broken_key),
        Err(Error::Key(_))
    ));

    // A wrong type on a secret field: the message must not quote the value.
    let wrong_type =
        r#"{"type":"service_account","client_email":EMAIL-NOT-JSON,"private_key":"SECRET-PEM"}"#;
    let message = ServiceAccountKey::from_json(wrong_type)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("not valid JSON") && !message.contains("SECRET"),
        "{message}"
    );
    let typed = r#"{"type":"service_account","client_email":"a@b","private_key":["SECRET-PEM"]}"#;
    let message = ServiceAccountKey::from_json(typed).unwrap_err().to_string();
    assert!(
        message.contains("wrong type") && !message.contains("SECRET"),
        "{message}"
    );

    let plain_http = serde_json::json!({"type":"service_account","client_email":EMAIL,"private_key":RSA_KEY,"token_uri":"http://oauth2.example.com/token"}).to_string();
    assert!(matches!(
        ServiceAccountKey::from_json(plain_http),
        Err(Error::InvalidUrl { .. })
    ));

    let account = ServiceAccountKey::from_json(key_file(None)).unwrap();
    assert!(
        account
            .token_request(" ")
            .unwrap_err()
            .to_string()
            .contains("scope is empty")
    );
}

#[test]
fn google_end_to_end() {
    let server = generic(
        Client::new(EMAIL)
            .with_public_key(VerifyingKey::from_pem(RSA_CERT).unwrap())
            .with_user("alice@example.com"),
    );
    let account = ServiceAccountKey::from_json(key_file(Some(&server.token_url())))
        .unwrap()
        .with_subject("alice@example.com");
    let token = account
        .token_request("https://www.googleapis.com/auth/cloud-platform")
        .unwrap()
        .send(&s2s_oauth::agent())
        .expect("token issued");
    assert_eq!(token.expires_in(), Some(Duration::from_secs(3600)));
    let recorded = &server.requests()[0];
    assert_eq!(names(recorded.form()), ["grant_type", "assertion"]);
    let (header, claims) = jwt(recorded.form_value("assertion").unwrap());
    assert_eq!(header["kid"], "a1b2c3d4e5");
    assert_eq!(claims["aud"], server.token_url());
}

#[test]
fn google_service_account_acting_for_itself_end_to_end() {
    // No `sub`: the usual Google call, without domain-wide delegation.
    let server = generic(
        Client::new(EMAIL)
            .with_public_key(VerifyingKey::from_pem(RSA_CERT).unwrap())
            .with_assertions_for_itself(true),
    );
    let account = ServiceAccountKey::from_json(key_file(Some(&server.token_url()))).unwrap();
    account
        .token_request("https://www.googleapis.com/auth/cloud-platform")
        .unwrap()
        .send(&s2s_oauth::agent())
        .expect("token issued to the service account itself");
    let (_, claims) = jwt(server.requests()[0].form_value("assertion").unwrap());
    assert!(claims.get("sub").is_none(), "{claims:?}");
    assert_eq!(claims["iss"], EMAIL);

    // A server that follows RFC 7523 to the letter refuses the same assertion.
    let strict =
        generic(Client::new(EMAIL).with_public_key(VerifyingKey::from_pem(RSA_CERT).unwrap()));
    let account = ServiceAccountKey::from_json(key_file(Some(&strict.token_url()))).unwrap();
    let err = account
        .token_request("https://www.googleapis.com/auth/cloud-platform")
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap_err();
    assert_eq!(
        err.oauth_error().map(|e| e.code.as_str()),
        Some("invalid_grant"),
        "{err}"
    );
}

// ---- Microsoft Entra ------------------------------------------------------

/// base64url of a digest of the certificate's DER, computed here.
fn thumbprint(algorithm: &'static digest::Algorithm) -> String {
    Base64UrlUnpadded::encode_string(digest::digest(algorithm, cert().der()).as_ref())
}

#[test]
fn entra_wire_shape() {
    let credential =
        CertificateCredential::new("contoso.onmicrosoft.com", CLIENT_ID, rsa(), &cert()).unwrap();
    let token_url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
    assert_eq!(credential.token_url(), token_url);
    let http = build(
        &credential
            .token_request("https://graph.microsoft.com/")
            .unwrap(),
    );
    assert_eq!(http.url(), token_url);
    assert_eq!(http.header("authorization"), None);
    let form = form(http.body());
    assert_eq!(
        names(&form),
        [
            "grant_type",
            "client_assertion_type",
            "client_assertion",
            "client_id",
            "scope"
        ]
    );
    assert_eq!(value(&form, "grant_type"), "client_credentials");
    assert_eq!(
        value(&form, "client_assertion_type"),
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert_eq!(value(&form, "client_id"), CLIENT_ID);
    assert_eq!(
        value(&form, "scope"),
        "https://graph.microsoft.com/.default"
    );
    let (header, claims) = jwt(value(&form, "client_assertion"));
    assert_eq!(keys(&header), ["alg", "typ", "x5t#S256"]);
    assert_eq!(header["alg"], "PS256");
    assert_eq!(header["x5t#S256"], thumbprint(&digest::SHA256));
    assert_eq!(
        keys(&claims),
        ["aud", "exp", "iat", "iss", "jti", "nbf", "sub"]
    );
    assert_eq!(claims["aud"], token_url);
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert_eq!(claims["nbf"], NOW_SECS);
    assert_eq!(claims["exp"], NOW_SECS + 300);
    let jti = claims["jti"].as_str().unwrap();
    assert_eq!(jti.len(), 36, "a GUID: {jti}");

    // Legacy: RS256 with the SHA-1 x5t.
    let legacy = CertificateCredential::legacy(
        "9188040d-6c67-4c5b-b112-36a304b66dad",
        CLIENT_ID,
        rsa(),
        &cert(),
    )
    .unwrap();
    let http = build(&legacy.token_request("api://my-api/.default").unwrap());
    let form = presets::form(http.body());
    assert_eq!(value(&form, "scope"), "api://my-api/.default");
    let (header, _) = jwt(value(&form, "client_assertion"));
    assert_eq!(keys(&header), ["alg", "typ", "x5t"]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5t"], thumbprint(&digest::SHA1_FOR_LEGACY_USE_ONLY));
}

#[test]
fn entra_refusals() {
    let other = Certificate::from_pem(OTHER_CERT).unwrap();
    assert!(matches!(
        CertificateCredential::new("contoso.onmicrosoft.com", CLIENT_ID, rsa(), &other),
        Err(Error::Key(s2s_oauth::error::KeyError::CertificateMismatch))
    ));
    for tenant in ["common", "Organizations", "consumers"] {
        let err = entra::token_url(tenant).unwrap_err();
        assert!(
            err.to_string().contains("cannot issue app-only tokens"),
            "{err}"
        );
    }
    assert!(entra::token_url("contoso/../evil").is_err());
    assert!(entra::token_url("").is_err());
    let ec = SigningKey::from_pem(include_str!("data/keys/p256.pkcs8.pem")).unwrap();
    let ec_cert = Certificate::from_pem(include_str!("data/keys/p256.cert.pem")).unwrap();
    let err =
        CertificateCredential::new("contoso.onmicrosoft.com", CLIENT_ID, ec, &ec_cert).unwrap_err();
    assert!(err.to_string().contains("RSA"), "{err}");
    assert!(CertificateCredential::new("contoso.onmicrosoft.com", "", rsa(), &cert()).is_err());
    let credential =
        CertificateCredential::new("contoso.onmicrosoft.com", CLIENT_ID, rsa(), &cert()).unwrap();
    assert!(credential.token_request("  ").is_err());
    let debug = format!("{credential:?}");
    assert!(
        debug.contains(CLIENT_ID) && !debug.contains("MII"),
        "{debug}"
    );
    let us = credential
        .clone()
        .with_authority("https://login.microsoftonline.us/")
        .unwrap();
    assert_eq!(
        us.token_url(),
        "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    assert!(matches!(
        credential.with_authority("http://login.example.com"),
        Err(Error::InvalidUrl { .. })
    ));
}

#[test]
fn entra_end_to_end() {
    let server = generic(
        Client::new(CLIENT_ID)
            .with_public_key(VerifyingKey::from_pem(RSA_CERT).unwrap())
            .with_run_as("app-only"),
    );
    let credential =
        CertificateCredential::new("contoso.onmicrosoft.com", CLIENT_ID, rsa(), &cert())
            .unwrap()
            .with_token_url(&server.token_url())
            .unwrap();
    let token = credential
        .token_request("https://graph.microsoft.com")
        .unwrap()
        .send(&s2s_oauth::agent())
        .expect("token issued");
    assert_eq!(token.scope(), Some("https://graph.microsoft.com/.default"));
    let recorded = &server.requests()[0];
    let (header, claims) = jwt(recorded.form_value("client_assertion").unwrap());
    assert_eq!(header["alg"], "PS256");
    assert_eq!(claims["aud"], server.token_url());
}

#[test]
fn entra_v1_string_expires_in_is_accepted() {
    let server =
        generic(Client::new(CLIENT_ID).with_public_key(VerifyingKey::from_pem(RSA_CERT).unwrap()));
    server.inject(
        Fault::status(
            200,
            "application/json; charset=utf-8",
            r#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","expires_on":"1700003599","resource":"https://graph.microsoft.com","access_token":"eyJ0eXAi.v1.token"}"#,
        ),
        1,
    );
    let credential =
        CertificateCredential::new("contoso.onmicrosoft.com", CLIENT_ID, rsa(), &cert())
            .unwrap()
            .with_token_url(&server.token_url())
            .unwrap();
    let token = credential
        .token_request("https://graph.microsoft.com")
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap();
    assert_eq!(token.expires_in(), Some(Duration::from_secs(3599)));
    assert_eq!(token.extra()["ext_expires_in"], "3599");
}

// ---- Okta and Keycloak ----------------------------------------------------

#[test]
fn okta_wire_shape_and_urls() {
    assert_eq!(
        okta::token_url("https://acme.okta.com/", Some("aus1a2b3c")).unwrap(),
        "https://acme.okta.com/oauth2/aus1a2b3c/v1/token"
    );
    assert_eq!(
        okta::token_url("https://acme.okta.com", None).unwrap(),
        "https://acme.okta.com/oauth2/v1/token"
    );
    assert!(okta::token_url("https://acme.okta.com", Some("a/b")).is_err());
    assert!(okta::token_url("http://acme.okta.com", None).is_err());

    let url = okta::token_url("https://acme.okta.com", Some("default")).unwrap();
    let key = rsa().with_kid("okta-key-1");
    let http = build(
        &okta::client_credentials(&url, "0oa1b2c3d4", key, "orders.read orders.write").unwrap(),
    );
    assert_eq!(http.url(), url);
    assert_eq!(http.header("authorization"), None);
    let form = form(http.body());
    assert_eq!(
        names(&form),
        [
            "grant_type",
            "client_assertion_type",
            "client_assertion",
            "client_id",
            "scope"
        ]
    );
    assert_eq!(value(&form, "scope"), "orders.read orders.write");
    let (header, claims) = jwt(value(&form, "client_assertion"));
    assert_eq!(keys(&header), ["alg", "kid", "typ"]);
    assert_eq!(header["kid"], "okta-key-1");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["aud"], url.as_str());
    assert_eq!(
        (claims["iss"].as_str(), claims["sub"].as_str()),
        (Some("0oa1b2c3d4"), Some("0oa1b2c3d4"))
    );
    let lifetime = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert!(lifetime <= 3600, "Okta accepts at most an hour: {lifetime}");

    let err = okta::client_credentials(&url, "0oa1b2c3d4", rsa(), "orders.read").unwrap_err();
    assert!(err.to_string().contains("kid"), "{err}");
    assert!(okta::client_credentials(&url, "0oa1b2c3d4", rsa().with_kid("k"), "").is_err());
}

#[test]
fn keycloak_wire_shape_and_urls() {
    assert_eq!(
        keycloak::token_url("https://sso.example.com/auth/", "acme").unwrap(),
        "https://sso.example.com/auth/realms/acme/protocol/openid-connect/token"
    );
    for realm in ["", "a/b", "a b", "..", "r?x"] {
        assert!(
            keycloak::token_url("https://sso.example.com", realm).is_err(),
            "{realm:?}"
        );
    }
    let url = keycloak::token_url("https://sso.example.com", "acme").unwrap();
    let http =
        build(&keycloak::client_credentials(&url, "billing-job", rsa().with_kid("kc-1")).unwrap());
    let form = form(http.body());
    assert_eq!(
        names(&form),
        [
            "grant_type",
            "client_assertion_type",
            "client_assertion",
            "client_id"
        ]
    );
    let (header, claims) = jwt(value(&form, "client_assertion"));
    assert_eq!(header["kid"], "kc-1");
    assert_eq!(claims["aud"], url.as_str());
    assert_eq!(claims["iss"], "billing-job");
}

#[test]
fn okta_and_keycloak_end_to_end() {
    let server = generic(
        Client::new("0oa1b2c3d4")
            .with_public_key(VerifyingKey::from_pem(RSA_CERT).unwrap())
            .with_run_as("service"),
    );
    let token = okta::client_credentials(
        &server.token_url(),
        "0oa1b2c3d4",
        rsa().with_kid("k1"),
        "orders.read",
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .expect("okta-shaped request accepted");
    assert_eq!(token.scope(), Some("orders.read"));
    let token = keycloak::client_credentials(&server.token_url(), "0oa1b2c3d4", rsa())
        .unwrap()
        .send(&s2s_oauth::agent())
        .expect("keycloak-shaped request accepted");
    assert!(token.expires_in().is_some());
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for recorded in &requests {
        assert_eq!(recorded.form_value("client_id"), Some("0oa1b2c3d4"));
    }
}
