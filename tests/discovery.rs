//! Discovery (RFC 8414, OpenID Connect Discovery): metadata URLs, the testkit's
//! metadata end to end, the issuer check (RFC 8414 §3.3), the fallback from RFC 8414
//! to OIDC, and the choice of a client authentication method.

use s2s_oauth::discovery::{AuthorizationServerMetadata, WellKnown, metadata_url};
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use s2s_oauth::{ClientAuth, Error, Grant, HttpResponse, SigningKey, VerifyingKey};

const RSA_KEY: &str = include_str!("data/keys/rsa2048.pkcs8.pem");
const RSA_CERT: &str = include_str!("data/keys/rsa2048.cert.pem");
const CLIENT: &str = "discovery-client";

fn server() -> Server {
    Server::start(
        Config::new(Profile::Generic).with_client(
            Client::new(CLIENT)
                .with_public_key(VerifyingKey::from_pem(RSA_CERT).unwrap())
                .with_run_as("service"),
        ),
    )
    .expect("testkit starts")
}

fn paths(server: &Server) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.path().to_owned())
        .collect()
}

fn parse(body: serde_json::Value, issuer: &str) -> Result<AuthorizationServerMetadata, Error> {
    let http = HttpResponse::new(200, vec![], body.to_string().into_bytes());
    AuthorizationServerMetadata::parse(&http, issuer)
}

#[test]
fn metadata_urls_are_path_aware() {
    let oauth = WellKnown::OAuthAuthorizationServer;
    let oidc = WellKnown::OpenIdConfiguration;
    let cases = [
        (
            "https://idp.example.com",
            "https://idp.example.com/.well-known/oauth-authorization-server",
            "https://idp.example.com/.well-known/openid-configuration",
        ),
        (
            "https://idp.example.com/",
            "https://idp.example.com/.well-known/oauth-authorization-server",
            "https://idp.example.com/.well-known/openid-configuration",
        ),
        (
            "https://acme.okta.com/oauth2/default",
            "https://acme.okta.com/.well-known/oauth-authorization-server/oauth2/default",
            "https://acme.okta.com/oauth2/default/.well-known/openid-configuration",
        ),
        (
            "https://login.microsoftonline.com/tenant/v2.0/",
            "https://login.microsoftonline.com/.well-known/oauth-authorization-server/tenant/v2.0",
            "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration",
        ),
        (
            "http://127.0.0.1:8080/t",
            "http://127.0.0.1:8080/.well-known/oauth-authorization-server/t",
            "http://127.0.0.1:8080/t/.well-known/openid-configuration",
        ),
    ];
    for (issuer, rfc8414, openid) in cases {
        assert_eq!(metadata_url(issuer, oauth).unwrap(), rfc8414, "{issuer}");
        assert_eq!(metadata_url(issuer, oidc).unwrap(), openid, "{issuer}");
    }
    for bad in [
        "http://idp.example.com",
        "idp.example.com",
        "https://idp.example.com/?tenant=1",
        "https://idp.example.com/#x",
    ] {
        assert!(
            matches!(metadata_url(bad, oauth), Err(Error::InvalidUrl { .. })),
            "{bad}"
        );
    }
    let request = AuthorizationServerMetadata::request("https://idp.example.com/t", oidc).unwrap();
    assert_eq!(request.method(), "GET");
    assert!(request.body().is_empty());
    assert_eq!(request.header("accept"), Some("application/json"));
}

#[test]
fn discover_against_the_testkit_then_get_a_token() {
    let server = server();
    let agent = s2s_oauth::agent();
    let metadata = AuthorizationServerMetadata::discover(&agent, &server.base_url()).unwrap();
    assert_eq!(paths(&server), ["/.well-known/oauth-authorization-server"]);
    assert_eq!(metadata.issuer(), server.base_url());
    assert_eq!(metadata.token_endpoint(), server.token_url());
    assert!(metadata.supports_grant(&Grant::client_credentials()));
    // The testkit serves SAML 2.0 Bearer only with the `saml` feature.
    let mut grants = vec!["urn:ietf:params:oauth:grant-type:jwt-bearer"];
    if cfg!(feature = "saml") {
        grants.push("urn:ietf:params:oauth:grant-type:saml2-bearer");
    }
    grants.extend([
        "client_credentials",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    ]);
    assert_eq!(metadata.grant_types_supported(), grants);
    assert!(
        metadata
            .auth_methods_supported()
            .contains(&"private_key_jwt")
    );
    assert!(
        metadata
            .auth_signing_algs_supported()
            .unwrap()
            .contains(&"RS256")
    );

    let key = SigningKey::from_pem(RSA_KEY).unwrap();
    let auth = metadata
        .choose_client_auth([ClientAuth::private_key_jwt(CLIENT, key).unwrap()])
        .unwrap();
    let token = metadata
        .token_request(Grant::client_credentials(), auth)
        .unwrap()
        .send(&agent)
        .expect("token from the discovered endpoint");
    assert!(token.expires_in().is_some());
    assert_eq!(server.requests()[1].path(), "/services/oauth2/token");
}

#[test]
fn both_documents_are_served() {
    let server = server();
    let agent = s2s_oauth::agent();
    let oidc = AuthorizationServerMetadata::fetch(
        &agent,
        &server.base_url(),
        WellKnown::OpenIdConfiguration,
    )
    .unwrap();
    let oauth = AuthorizationServerMetadata::fetch(
        &agent,
        &format!("{}/", server.base_url()),
        WellKnown::OAuthAuthorizationServer,
    )
    .unwrap();
    assert_eq!(oidc, oauth);
    assert_eq!(
        paths(&server),
        [
            "/.well-known/openid-configuration",
            "/.well-known/oauth-authorization-server"
        ]
    );
}

#[test]
fn discover_falls_back_to_openid_configuration_on_a_4xx() {
    let server = server();
    server.inject(Fault::status(404, "text/html", "<h1>Not Found</h1>"), 1);
    let metadata =
        AuthorizationServerMetadata::discover(&s2s_oauth::agent(), &server.base_url()).unwrap();
    assert_eq!(metadata.token_endpoint(), server.token_url());
    assert_eq!(
        paths(&server),
        [
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration"
        ]
    );
}

#[test]
fn a_5xx_is_not_papered_over_by_the_fallback() {
    let server = server();
    server.inject(Fault::status(503, "text/plain", "down"), 1);
    let err =
        AuthorizationServerMetadata::discover(&s2s_oauth::agent(), &server.base_url()).unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(paths(&server).len(), 1);
}

#[test]
fn another_issuer_is_refused_and_not_retried_elsewhere() {
    let server = server();
    let forged = serde_json::json!({
        "issuer": "https://evil.example.com",
        "token_endpoint": "https://evil.example.com/token",
    });
    server.inject(
        Fault::status(200, "application/json", forged.to_string()),
        1,
    );
    let err =
        AuthorizationServerMetadata::discover(&s2s_oauth::agent(), &server.base_url()).unwrap_err();
    match &err {
        Error::IssuerMismatch { expected, found } => {
            assert_eq!(&**expected, server.base_url());
            assert_eq!(&**found, "https://evil.example.com");
        }
        other => panic!("expected IssuerMismatch, got {other:?}"),
    }
    assert!(err.to_string().contains("RFC 8414 §3.3"));
    assert_eq!(paths(&server).len(), 1, "no fallback after a mismatch");
}

#[test]
fn path_issuer_goes_to_the_inserted_well_known_path() {
    let server = server();
    let issuer = format!("{}/tenants/acme", server.base_url());
    let body = serde_json::json!({"issuer": issuer, "token_endpoint": server.token_url()});
    server.inject(Fault::status(200, "application/json", body.to_string()), 1);
    let metadata = AuthorizationServerMetadata::fetch(
        &s2s_oauth::agent(),
        &issuer,
        WellKnown::OAuthAuthorizationServer,
    )
    .unwrap();
    assert_eq!(metadata.issuer(), issuer);
    assert_eq!(
        paths(&server),
        ["/.well-known/oauth-authorization-server/tenants/acme"]
    );
}

#[test]
fn issuer_comparison_rules() {
    let body = |issuer: &str| serde_json::json!({"issuer": issuer, "token_endpoint": "https://idp.example.com/token"});
    // Scheme and host case, and an empty path versus "/": equal.
    assert!(parse(body("HTTPS://IdP.Example.COM"), "https://idp.example.com/").is_ok());
    assert!(parse(body("https://idp.example.com/"), "https://idp.example.com").is_ok());
    // The path, its trailing slash and the port: byte for byte.
    for (found, asked) in [
        (
            "https://idp.example.com/Tenant",
            "https://idp.example.com/tenant",
        ),
        ("https://idp.example.com/t/", "https://idp.example.com/t"),
        ("https://idp.example.com:443", "https://idp.example.com"),
        (
            "https://idp.example.com.evil.com",
            "https://idp.example.com",
        ),
    ] {
        assert!(
            matches!(parse(body(found), asked), Err(Error::IssuerMismatch { .. })),
            "{found} vs {asked}"
        );
    }
}

/// An https issuer's metadata must not send credentials over plain http, not even
/// to a loopback address (a local service would read them); only a loopback http
/// issuer may name a loopback http token endpoint.
#[test]
fn https_issuer_cannot_downgrade_the_token_endpoint_to_http() {
    let issuer = "https://idp.example.com";
    for endpoint in [
        "http://127.0.0.1:8080/token",
        "http://localhost/token",
        "http://[::1]/token",
        "HTTP://127.0.0.1/token",
    ] {
        let err = parse(
            serde_json::json!({"issuer": issuer, "token_endpoint": endpoint}),
            issuer,
        )
        .unwrap_err();
        match &err {
            Error::InvalidUrl { reason, .. } => {
                assert!(reason.contains("https issuer"), "{endpoint}: {reason}")
            }
            other => panic!("{endpoint}: expected InvalidUrl, got {other:?}"),
        }
        assert!(!err.is_retryable(), "{err:?}");
    }
    let loopback = "http://127.0.0.1:8080";
    let metadata = parse(
        serde_json::json!({"issuer": loopback, "token_endpoint": "http://127.0.0.1:8080/token"}),
        loopback,
    )
    .unwrap();
    assert_eq!(metadata.token_endpoint(), "http://127.0.0.1:8080/token");
    // An https token endpoint is fine whatever the issuer.
    parse(
        serde_json::json!({"issuer": loopback, "token_endpoint": "https://idp.example.com/token"}),
        loopback,
    )
    .unwrap();
}

#[test]
fn malformed_metadata_is_refused_with_a_reason() {
    let issuer = "https://idp.example.com";
    let err = parse(serde_json::json!({"issuer": issuer}), issuer).unwrap_err();
    assert!(matches!(err, Error::MalformedResponse(_)));
    assert!(err.to_string().contains("no token_endpoint"), "{err}");
    let err = parse(serde_json::json!({"token_endpoint": "https://x/t"}), issuer).unwrap_err();
    assert!(err.to_string().contains("no issuer"), "{err}");
    let err = parse(
        serde_json::json!({"issuer": issuer, "token_endpoint": "http://idp.example.com/token"}),
        issuer,
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    let err = parse(
        serde_json::json!({"issuer": issuer, "token_endpoint": "https://idp.example.com/t", "grant_types_supported": "client_credentials"}),
        issuer,
    )
    .unwrap_err();
    assert!(err.to_string().contains("grant_types_supported"), "{err}");
    let html = HttpResponse::new(200, vec![], b"<html>".to_vec());
    assert!(matches!(
        AuthorizationServerMetadata::parse(&html, issuer),
        Err(Error::NotJson(_))
    ));
    let moved = HttpResponse::new(
        301,
        vec![("Location".into(), "https://elsewhere.example.com/".into())],
        Vec::new(),
    );
    assert!(matches!(
        AuthorizationServerMetadata::parse(&moved, issuer),
        Err(Error::Redirect { status: 301, .. })
    ));
}

/// Metadata goes through the same triage as a token response: a byte order mark
/// is ignored (RFC 8259 §8.1), and a field of the wrong type is named with the
/// type found and the type expected.
#[test]
fn metadata_shares_the_token_response_triage() {
    let issuer = "https://idp.example.com";
    let body = format!(
        "\u{feff}{}",
        serde_json::json!({"issuer": issuer, "token_endpoint": "https://idp.example.com/t"})
    );
    let response = HttpResponse::new(200, vec![], body.into_bytes());
    let metadata = AuthorizationServerMetadata::parse(&response, issuer).unwrap();
    assert_eq!(metadata.token_endpoint(), "https://idp.example.com/t");
    for (field, value, says) in [
        (
            "grant_types_supported",
            serde_json::json!("client_credentials"),
            "is a string; expected an array of strings",
        ),
        (
            "scopes_supported",
            serde_json::json!(["a", 1]),
            "has a member that is not a string",
        ),
        (
            "jwks_uri",
            serde_json::json!({"u": 1}),
            "is an object; expected a string",
        ),
    ] {
        let mut body =
            serde_json::json!({"issuer": issuer, "token_endpoint": "https://idp.example.com/t"});
        body[field] = value;
        let err = parse(body, issuer).unwrap_err();
        assert!(matches!(err, Error::MalformedResponse(_)), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains(&format!("metadata field \"{field}\" {says}")),
            "{message}"
        );
    }
    let array = HttpResponse::new(200, vec![], b"[1]".to_vec());
    let err = AuthorizationServerMetadata::parse(&array, issuer).unwrap_err();
    assert!(err.to_string().contains("JSON but not an object"), "{err}");
}

#[test]
fn defaults_and_the_client_auth_choice() {
    let issuer = "https://idp.example.com";
    let bare = parse(
        serde_json::json!({"issuer": issuer, "token_endpoint": "https://idp.example.com/token", "x-vendor": 1}),
        issuer,
    )
    .unwrap();
    // RFC 8414 §2 defaults.
    assert_eq!(bare.auth_methods_supported(), ["client_secret_basic"]);
    assert_eq!(
        bare.grant_types_supported(),
        ["authorization_code", "implicit"]
    );
    assert_eq!(bare.extra()["x-vendor"], 1);
    let chosen = bare
        .choose_client_auth([ClientAuth::post("app", "s"), ClientAuth::basic("app", "s")])
        .unwrap();
    assert_eq!(chosen.method_name(), "client_secret_basic");

    // private_key_jwt is listed, but only for ES256: an RSA key does not fit.
    let es_only = parse(
        serde_json::json!({
            "issuer": issuer,
            "token_endpoint": "https://idp.example.com/token",
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_post"],
            "token_endpoint_auth_signing_alg_values_supported": ["ES256"],
        }),
        issuer,
    )
    .unwrap();
    let rsa = ClientAuth::private_key_jwt("app", SigningKey::from_pem(RSA_KEY).unwrap()).unwrap();
    assert!(!es_only.supports_client_auth(&rsa));
    let chosen = es_only
        .choose_client_auth([rsa.clone(), ClientAuth::post("app", "s")])
        .unwrap();
    assert_eq!(chosen.method_name(), "client_secret_post");
    let err = es_only
        .choose_client_auth([rsa, ClientAuth::basic("app", "SECRET-VALUE")])
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("private_key_jwt") && message.contains("ES256"),
        "{message}"
    );
    assert!(!message.contains("SECRET-VALUE"));
}

#[test]
fn fetch_with_applies_the_body_limit_and_metadata_is_get_only() {
    let server = server();
    let err = AuthorizationServerMetadata::fetch_with(
        &s2s_oauth::agent(),
        &server.base_url(),
        WellKnown::OpenIdConfiguration,
        &s2s_oauth::SendOptions::new().with_body_limit(64),
    )
    .unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { limit: 64 }), "{err:?}");
    let mut answer = s2s_oauth::agent()
        .post(metadata_url(&server.base_url(), WellKnown::OAuthAuthorizationServer).unwrap())
        .send("")
        .unwrap();
    assert_eq!(answer.status().as_u16(), 405);
    assert_eq!(
        answer.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("GET")
    );
    let _ = answer.body_mut().read_to_vec();
}

// ---- RFC 8705 §5: mtls_endpoint_aliases ------------------------------------------

fn metadata_with(aliases: &str) -> Result<AuthorizationServerMetadata, Error> {
    let body = format!(
        r#"{{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token",
            "token_endpoint_auth_methods_supported":["tls_client_auth","self_signed_tls_client_auth","client_secret_basic"],
            "tls_client_certificate_bound_access_tokens":true{aliases}}}"#
    );
    AuthorizationServerMetadata::parse(
        &HttpResponse::new(200, vec![], body.into_bytes()),
        "https://idp.example.com",
    )
}

#[test]
fn mtls_aliases_route_certificate_methods_and_bound_requests() {
    let metadata = metadata_with(
        r#","mtls_endpoint_aliases":{"token_endpoint":"https://mtls.idp.example.com/token","revocation_endpoint":"https://mtls.idp.example.com/revoke"}"#,
    )
    .unwrap();
    assert_eq!(
        metadata.mtls_token_endpoint(),
        Some("https://mtls.idp.example.com/token")
    );
    assert_eq!(
        metadata.mtls_endpoint_aliases()["revocation_endpoint"],
        "https://mtls.idp.example.com/revoke"
    );
    // Parsed once: the aliases are not left among the unknown members too.
    assert!(!metadata.extra().contains_key("mtls_endpoint_aliases"));
    assert_eq!(
        metadata.extra()["tls_client_certificate_bound_access_tokens"],
        true
    );
    for auth in [
        ClientAuth::tls_client_auth("app").unwrap(),
        ClientAuth::self_signed_tls_client_auth("app").unwrap(),
    ] {
        assert!(metadata.supports_client_auth(&auth));
        let request = metadata
            .token_request(Grant::client_credentials(), auth)
            .unwrap();
        assert_eq!(request.token_url(), "https://mtls.idp.example.com/token");
    }
    let basic = ClientAuth::basic("app", "s3cr3t");
    assert_eq!(
        metadata
            .token_request(Grant::client_credentials(), basic.clone())
            .unwrap()
            .token_url(),
        "https://idp.example.com/token"
    );
    assert_eq!(
        metadata
            .bound_token_request(Grant::client_credentials(), basic)
            .unwrap()
            .token_url(),
        "https://mtls.idp.example.com/token"
    );
}

#[test]
fn without_aliases_the_token_endpoint_serves_every_method() {
    let metadata = metadata_with("").unwrap();
    assert_eq!(metadata.mtls_token_endpoint(), None);
    assert!(metadata.mtls_endpoint_aliases().is_empty());
    let request = metadata
        .token_request(
            Grant::client_credentials(),
            ClientAuth::tls_client_auth("app").unwrap(),
        )
        .unwrap();
    assert_eq!(request.token_url(), "https://idp.example.com/token");
    // Aliases with no token endpoint keep the others.
    let metadata =
        metadata_with(r#","mtls_endpoint_aliases":{"userinfo_endpoint":"https://m.example/u"}"#)
            .unwrap();
    assert_eq!(metadata.mtls_token_endpoint(), None);
    assert_eq!(metadata.mtls_endpoint_aliases().len(), 1);
}

#[test]
fn malformed_mtls_aliases_are_refused() {
    for (aliases, expected) in [
        (
            r#","mtls_endpoint_aliases":"https://m.example""#,
            "not a JSON object",
        ),
        (r#","mtls_endpoint_aliases":[]"#, "not a JSON object"),
        (
            r#","mtls_endpoint_aliases":{"token_endpoint":7}"#,
            "token_endpoint",
        ),
    ] {
        let err = metadata_with(aliases).unwrap_err();
        assert!(
            matches!(err, Error::MalformedResponse(_)),
            "{aliases}: {err:?}"
        );
        assert!(err.to_string().contains(expected), "{aliases}: {err}");
    }
    // A plain-http alias of an https issuer would carry the client's traffic in
    // clear text.
    let err =
        metadata_with(r#","mtls_endpoint_aliases":{"token_endpoint":"http://127.0.0.1:9/token"}"#)
            .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    assert!(err.to_string().contains("mtls_endpoint_aliases"), "{err}");
    let err =
        metadata_with(r#","mtls_endpoint_aliases":{"token_endpoint":"http://m.example/token"}"#)
            .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    let err =
        metadata_with(r#","mtls_endpoint_aliases":{"token_endpoint":"not a url"}"#).unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
}

/// The other aliases (introspection, revocation, userinfo) are endpoints a caller
/// sends tokens and its certificate to: an https issuer naming a plain-http one,
/// or one that is no URL or no string, is refused as the token endpoint alias is.
#[test]
fn every_mtls_alias_is_checked_not_only_the_token_endpoint() {
    for alias in [
        r#""revocation_endpoint":"http://m.example/revoke""#,
        r#""introspection_endpoint":"http://127.0.0.1:9/introspect""#,
        r#""userinfo_endpoint":"not a url""#,
        r#""pushed_authorization_request_endpoint":"javascript:alert(1)""#,
    ] {
        let err = metadata_with(&format!(r#","mtls_endpoint_aliases":{{{alias}}}"#)).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl { .. }), "{alias}: {err:?}");
    }
    for alias in [
        r#""revocation_endpoint":7"#,
        r#""introspection_endpoint":null"#,
        r#""userinfo_endpoint":["https://m.example/u"]"#,
    ] {
        let err = metadata_with(&format!(r#","mtls_endpoint_aliases":{{{alias}}}"#)).unwrap_err();
        assert!(
            matches!(err, Error::MalformedResponse(_)),
            "{alias}: {err:?}"
        );
        assert!(
            err.to_string().contains("mtls_endpoint_aliases"),
            "{alias}: {err}"
        );
    }
}
