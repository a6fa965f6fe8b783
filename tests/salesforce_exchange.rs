//! Salesforce's token exchange flow, asset token flow and Data Cloud exchange
//! (the `providers::salesforce` presets) against the testkit's Salesforce profile
//! on loopback: the wire shape Salesforce documents, the answers read through the
//! typed views, and refusals coming back as typed `OAuthError`s.
#![cfg(feature = "ureq")]

mod common;

use common::{CLUSTER, STS_AUDIENCE, cluster_key, platform_token};
use s2s_oauth::error::{ErrorCode, InputField, InputProblem};
use s2s_oauth::exchange::{TokenExchange, TokenSource, TokenTypeUri};
use s2s_oauth::providers::salesforce::{
    self, AssetToken, DataCloudToken, DeviceClaims, LoginHost, TokenInfo,
};
use s2s_oauth::secret::{SecurityToken, SignedAssertion};
use s2s_oauth::testkit::{Client, Config, Profile, Server, TrustedIssuer};
use s2s_oauth::{ClientAuth, Error, Grant, SigningKey, TokenRequest, TokenResponse};

const APP: &str = "3MVG9exchangeApp";

fn server() -> Server {
    let config = Config::new(Profile::Salesforce)
        .with_trusted_issuer(
            TrustedIssuer::new(CLUSTER, cluster_key().verifying_key()).with_audience(STS_AUDIENCE),
        )
        .with_client(Client::new(APP))
        .with_client(
            Client::new("3MVG9core")
                .with_secret("core-secret")
                .with_run_as("integration@acme.com"),
        );
    Server::start(config).unwrap()
}

fn host(server: &Server) -> LoginHost {
    LoginHost::my_domain(server.base_url()).unwrap()
}

fn subject() -> TokenSource {
    TokenSource::new(SecurityToken::new(platform_token(
        &cluster_key(),
        CLUSTER,
        "system:serviceaccount:jobs:report",
    )))
}

/// A core Salesforce access token from the client credentials flow.
fn core_token(server: &Server) -> TokenResponse {
    salesforce::client_credentials(&host(server), "3MVG9core", "core-secret")
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap()
}

fn oauth(error: Error) -> (u16, ErrorCode, String) {
    match error {
        Error::OAuth(e) => (
            e.status,
            e.code.clone(),
            e.description.clone().unwrap_or_default(),
        ),
        other => panic!("expected an OAuth error, got {other:?}"),
    }
}

#[test]
fn token_exchange_gets_a_salesforce_token_for_a_platform_jwt() {
    let server = server();
    let request =
        salesforce::token_exchange(&host(&server), APP, None, subject(), TokenTypeUri::Jwt)
            .unwrap()
            .with_scope("api")
            .unwrap();
    let token = request.send(&s2s_oauth::agent()).unwrap();
    assert!(token.is_access_token());
    assert_eq!(
        token.issued_token_type_uri(),
        Some(TokenTypeUri::AccessToken)
    );
    let info = TokenInfo::from_response(&token).unwrap();
    assert_eq!(info.instance_url(), server.base_url());
    assert!(info.user_id().starts_with("005"));
    let sent = server.requests().pop().unwrap();
    assert_eq!(
        sent.form_value("subject_token_type"),
        Some("urn:ietf:params:oauth:token-type:JWT")
    );
    assert_eq!(sent.form_value("client_id"), Some(APP));
    assert_eq!(sent.form_value("client_secret"), None);
}

#[test]
fn an_unsupported_subject_type_is_refused_locally_and_by_the_server() {
    let server = server();
    // The preset refuses before anything is sent.
    let err = salesforce::token_exchange(&host(&server), APP, None, subject(), TokenTypeUri::Saml1)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(e) if e.field() == InputField::TokenType && e.problem() == InputProblem::Unsupported),
        "{err:?}"
    );
    assert!(server.requests().is_empty());
    // Sent anyway through the generic grant, the server answers a typed OAuth error.
    let exchange = TokenExchange::new(subject(), TokenTypeUri::Saml1);
    let err = TokenRequest::new(
        server.token_url(),
        Grant::token_exchange(exchange),
        ClientAuth::none_with_client_id(APP),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap_err();
    let (status, code, description) = oauth(err);
    assert_eq!((status, code), (400, ErrorCode::InvalidRequest));
    assert!(
        description.contains("unsupported subject_token_type"),
        "{description}"
    );
}

#[test]
fn token_exchange_without_client_id_or_with_an_untrusted_subject_is_refused() {
    let server = server();
    let exchange = TokenExchange::new(subject(), TokenTypeUri::IdToken);
    let err = TokenRequest::new(
        server.token_url(),
        Grant::token_exchange(exchange),
        ClientAuth::none(),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap_err();
    let (_, code, description) = oauth(err);
    assert_eq!(code, ErrorCode::Other("invalid_client_id".into()));
    assert_eq!(description, "client identifier invalid");

    let stranger = common::signing_key("rsa2048.pkcs8.pem");
    let forged = TokenSource::new(SecurityToken::new(platform_token(&stranger, CLUSTER, "x")));
    let err = salesforce::token_exchange(&host(&server), APP, None, forged, TokenTypeUri::Jwt)
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap_err();
    let (_, code, description) = oauth(err);
    assert_eq!(code, ErrorCode::InvalidGrant);
    assert_eq!(description, "invalid assertion");
}

fn device_key() -> SigningKey {
    common::signing_key("p256.pkcs8.pem")
}

#[test]
fn asset_token_flow_binds_the_device_key_into_a_jwt() {
    let server = server();
    let core = core_token(&server);
    let actor = DeviceClaims::new("printer-4711")
        .unwrap()
        .with_name("Office printer")
        .unwrap()
        .with_asset_field("SerialNumber", "SN-4711")
        .unwrap()
        .sign(&device_key())
        .unwrap();
    let access = TokenSource::new(SecurityToken::new(core.access_token().expose_secret()));
    let answer = salesforce::asset_token(&host(&server), access, actor)
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap();
    assert!(
        !answer.is_access_token(),
        "an asset token is a JWT to hand on"
    );
    let asset = AssetToken::from_response(&answer).unwrap();
    assert_eq!(asset.device_id(), Some("printer-4711"));
    assert_eq!(asset.claims()["Asset"]["SerialNumber"], "SN-4711");
    assert_eq!(asset.claims()["Name"], "Office printer");
    let jwk: serde_json::Value = serde_json::from_str(&device_key().public_jwk().unwrap()).unwrap();
    assert_eq!(asset.claims()["cnf"]["jwk"], jwk);
    let sent = server.requests().pop().unwrap();
    assert_eq!(
        sent.form_value("actor_token_type"),
        Some("urn:ietf:params:oauth:token-type:jwt")
    );
    assert_eq!(
        sent.form_value("subject_token_type"),
        Some("urn:ietf:params:oauth:token-type:access_token")
    );
}

#[test]
fn asset_token_flow_refusals_are_typed() {
    let server = server();
    let core = core_token(&server);
    let access = || TokenSource::new(SecurityToken::new(core.access_token().expose_secret()));
    // An actor token whose cnf.jwk is not the key that signed it.
    let honest = DeviceClaims::new("d1")
        .unwrap()
        .sign(&device_key())
        .unwrap();
    let other = DeviceClaims::new("d1")
        .unwrap()
        .sign(&common::signing_key("ed25519.pkcs8.pem"))
        .unwrap();
    let (h, o) = (honest.expose_secret(), other.expose_secret());
    let spliced = format!(
        "{}.{}",
        &h[..h.rfind('.').unwrap()],
        &o[o.rfind('.').unwrap() + 1..]
    );
    let err = salesforce::asset_token(&host(&server), access(), SignedAssertion::new(spliced))
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap_err();
    assert_eq!(oauth(err).1, ErrorCode::InvalidGrant);
    // A subject that is no live access token of the org.
    let unknown = TokenSource::new(SecurityToken::new("00Dxx!unknown"));
    let err = salesforce::asset_token(&host(&server), unknown, honest)
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap_err();
    let (_, code, description) = oauth(err);
    assert_eq!(code, ErrorCode::InvalidGrant);
    assert_eq!(description, "expired access/refresh token");
    // Not a JWT at all: refused before sending.
    assert!(salesforce::asset_token(&host(&server), access(), SignedAssertion::new("x")).is_err());
    // An answer that is no asset token.
    assert!(AssetToken::from_response(&core).is_err());
    assert!(DeviceClaims::new(" ").is_err());
    assert!(
        DeviceClaims::new("d")
            .unwrap()
            .with_asset_field("Name", "a\u{7}")
            .is_err()
    );
}

#[test]
fn data_cloud_exchange_returns_a_tenant_instance_url() {
    let server = server();
    let core = core_token(&server);
    let info = TokenInfo::from_response(&core).unwrap();
    let access = TokenSource::new(SecurityToken::new(core.access_token().expose_secret()));
    let answer = salesforce::data_cloud_token(info.instance_url(), access, Some("default"))
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap();
    let tenant = DataCloudToken::from_response(&answer).unwrap();
    assert_eq!(tenant.instance_url(), server.base_url());
    assert!(
        answer.expires_at().is_some(),
        "Data Cloud tokens carry expires_in"
    );
    let sent = server.requests().pop().unwrap();
    assert_eq!(sent.path(), "/services/a360/token");
    assert_eq!(
        sent.form_value("grant_type"),
        Some("urn:salesforce:grant-type:external:cdp")
    );
    assert_eq!(sent.form_value("dataspace"), Some("default"));
    // An unknown core token is a typed refusal.
    let bogus = TokenSource::new(SecurityToken::new("00Dxx!nope"));
    let err = salesforce::data_cloud_token(info.instance_url(), bogus, None)
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap_err();
    assert_eq!(oauth(err).1, ErrorCode::InvalidGrant);
}

#[test]
fn hostile_actor_tokens_are_refused_as_invalid_grant() {
    use base64ct::{Base64UrlUnpadded, Encoding};
    use std::time::Duration;
    let server = server();
    let core = core_token(&server);
    let access = || TokenSource::new(SecurityToken::new(core.access_token().expose_secret()));
    let b64 = |s: &str| Base64UrlUnpadded::encode_string(s.as_bytes());
    let jwk = device_key().public_jwk().unwrap();
    let no_cnf = s2s_oauth::jwt::Claims::new("device", "d1", "aud")
        .with_claim("did", "d1")
        .unwrap()
        .sign(&device_key())
        .unwrap();
    let alg_none = SignedAssertion::new(format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"none"}"#),
        b64(&format!(r#"{{"did":"d1","cnf":{{"jwk":{jwk}}}}}"#))
    ));
    let no_did = SignedAssertion::new(format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"ES256"}"#),
        b64(&format!(r#"{{"cnf":{{"jwk":{jwk}}}}}"#))
    ));
    let bad_jwk = SignedAssertion::new(format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"ES256"}"#),
        b64(r#"{"did":"d1","cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}}}"#)
    ));
    let expired = DeviceClaims::new("d1")
        .unwrap()
        .with_lifetime(Duration::ZERO)
        .sign(&device_key())
        .unwrap();
    for (name, actor) in [
        ("no cnf", no_cnf),
        ("alg none", alg_none),
        ("no did", no_did),
        ("bad jwk", bad_jwk),
        ("expired", expired),
    ] {
        let err = salesforce::asset_token(&host(&server), access(), actor)
            .unwrap()
            .send(&s2s_oauth::agent())
            .unwrap_err();
        assert_eq!(oauth(err).1, ErrorCode::InvalidGrant, "{name}");
    }
}
