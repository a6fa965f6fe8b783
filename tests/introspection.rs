//! Token introspection (RFC 7662) and revocation (RFC 7009) over real sockets,
//! against the testkit's `/services/oauth2/introspect` and
//! `/services/oauth2/revoke`: every client authentication method, the wire
//! shape, active and revoked tokens, refresh-token revocation taking its grant's
//! access tokens along, and the typed errors (a bad secret, an unsupported token
//! type, a bad token given to the builder).
#![cfg(all(feature = "ureq", feature = "testkit"))]

mod common;

use s2s_oauth::error::{ErrorCode, InputField};
use s2s_oauth::introspection::{
    Introspection, IntrospectionRequest, RevocationRequest, TokenTypeHint,
};
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use s2s_oauth::{ClientAuth, Error, Grant, SigningKey, TokenRequest};

const SECRET: &str = "s3cr3t +/%";

fn key() -> SigningKey {
    common::signing_key("rsa2048.pkcs8.pem")
}

fn server(profile: Profile) -> Server {
    Server::start(
        Config::new(profile)
            .with_client(
                Client::new("app")
                    .with_secret(SECRET)
                    .with_public_key(key().verifying_key())
                    .with_run_as("integration@example.com")
                    .with_user("alice@example.com"),
            )
            .with_client(Client::new("other").with_secret("other-secret")),
    )
    .unwrap()
}

fn access_token(server: &Server) -> String {
    TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::basic("app", SECRET),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap()
    .access_token()
    .expose_secret()
    .to_owned()
}

fn introspect(server: &Server, token: &str, auth: ClientAuth) -> Result<Introspection, Error> {
    IntrospectionRequest::new(server.introspection_url(), token, auth)?.send(&s2s_oauth::agent())
}

fn revoke(server: &Server, token: &str, auth: ClientAuth) -> Result<(), Error> {
    RevocationRequest::new(server.revocation_url(), token, auth)?.send(&s2s_oauth::agent())
}

/// Every method the token endpoint takes, for the client "app".
fn every_auth() -> Vec<(&'static str, ClientAuth)> {
    vec![
        ("basic", ClientAuth::basic("app", SECRET)),
        ("post", ClientAuth::post("app", SECRET)),
        (
            "private_key_jwt",
            ClientAuth::private_key_jwt("app", key()).unwrap(),
        ),
        (
            "client_secret_jwt",
            ClientAuth::client_secret_jwt("app", SECRET).unwrap(),
        ),
    ]
}

#[test]
fn every_client_authentication_introspects_and_revokes() {
    let server = server(Profile::Generic);
    for (name, auth) in every_auth() {
        let token = access_token(&server);
        let answer =
            introspect(&server, &token, auth.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(answer.is_active(), "{name}");
        assert_eq!(answer.token_type().map(|t| t.as_str()), Some("Bearer"));
        assert!(answer.expires_at().unwrap() > std::time::SystemTime::now());

        revoke(&server, &token, auth.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let answer = introspect(&server, &token, auth).unwrap();
        assert!(!answer.is_active(), "{name}: revoked");
        assert_eq!(answer.to_json(), r#"{"active":false}"#);
    }
}

#[test]
fn the_wire_shape_of_both_requests() {
    let server = server(Profile::Generic);
    let token = access_token(&server);
    IntrospectionRequest::new(
        server.introspection_url(),
        &token,
        ClientAuth::basic("app", SECRET),
    )
    .unwrap()
    .with_token_type_hint(TokenTypeHint::AccessToken)
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap();
    RevocationRequest::new(
        server.revocation_url(),
        &token,
        ClientAuth::post("app", SECRET),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap();
    let requests = server.requests();
    let (introspected, revoked) = (&requests[1], &requests[2]);
    assert_eq!(introspected.method(), "POST");
    assert_eq!(introspected.path(), "/services/oauth2/introspect");
    assert_eq!(introspected.form_value("token"), Some(token.as_str()));
    assert_eq!(
        introspected.form_value("token_type_hint"),
        Some("access_token")
    );
    assert!(
        introspected
            .header("Authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(revoked.path(), "/services/oauth2/revoke");
    assert_eq!(revoked.form_value("token"), Some(token.as_str()));
    assert_eq!(revoked.form_value("token_type_hint"), None);
    assert_eq!(revoked.form_value("client_secret"), Some(SECRET));
    assert_eq!(
        revoked.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
}

#[test]
fn a_bad_secret_is_a_typed_invalid_client() {
    let server = server(Profile::Generic);
    let token = access_token(&server);
    for error in [
        introspect(&server, &token, ClientAuth::basic("app", "wrong")).unwrap_err(),
        revoke(&server, &token, ClientAuth::basic("app", "wrong")).unwrap_err(),
    ] {
        let oauth = error.oauth_error().unwrap_or_else(|| panic!("{error}"));
        assert_eq!(oauth.code, ErrorCode::InvalidClient);
        assert_eq!(oauth.status, 401);
        assert_eq!(
            oauth.www_authenticate.as_deref(),
            Some("Basic realm=\"testkit\"")
        );
        assert!(!error.is_retryable() && !error.is_local());
    }
    // Revocation wants client authentication (RFC 7009 §2.1).
    let error = revoke(&server, &token, ClientAuth::none()).unwrap_err();
    assert_eq!(
        error.oauth_error().map(|e| &e.code),
        Some(&ErrorCode::InvalidClient)
    );
    // Nothing was revoked by the refused requests.
    assert!(
        introspect(&server, &token, ClientAuth::none())
            .unwrap()
            .is_active()
    );
}

#[test]
fn unsupported_token_type_is_typed() {
    let server = server(Profile::Generic);
    let token = access_token(&server);
    let error = RevocationRequest::new(
        server.revocation_url(),
        &token,
        ClientAuth::basic("app", SECRET),
    )
    .unwrap()
    .with_token_type_hint(TokenTypeHint::from("delete_token"))
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap_err();
    let oauth = error.oauth_error().unwrap();
    assert_eq!(oauth.code, ErrorCode::UnsupportedTokenType);
    assert_eq!(oauth.status, 400);
    assert!(
        introspect(&server, &token, ClientAuth::none())
            .unwrap()
            .is_active()
    );
}

#[test]
fn an_unknown_token_is_revoked_without_complaint_and_inactive() {
    let server = server(Profile::Generic);
    revoke(&server, "never-issued", ClientAuth::basic("app", SECRET)).unwrap();
    assert!(
        !introspect(&server, "never-issued", ClientAuth::none())
            .unwrap()
            .is_active()
    );
}

#[test]
fn revoking_a_refresh_token_revokes_its_grant() {
    let server = server(Profile::Generic);
    let refresh = server.issue_refresh_token("app", "alice@example.com");
    let refresh = refresh.expose_secret().to_owned();
    let refreshed = TokenRequest::new(
        server.token_url(),
        Grant::refresh_token(refresh.as_str().into()),
        ClientAuth::basic("app", SECRET),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap();
    let access = refreshed.access_token().expose_secret().to_owned();
    let current = refreshed
        .refresh_token()
        .map_or(refresh.clone(), |r| r.expose_secret().to_owned());

    // A live refresh token says whose it is.
    let answer = IntrospectionRequest::new(
        server.introspection_url(),
        current.as_str(),
        ClientAuth::basic("app", SECRET),
    )
    .unwrap()
    .with_token_type_hint(TokenTypeHint::RefreshToken)
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap();
    assert!(answer.is_active());
    assert_eq!(answer.client_id(), Some("app"));
    assert_eq!(answer.username(), Some("alice@example.com"));

    // Another client may not revoke it.
    let error = revoke(
        &server,
        &current,
        ClientAuth::basic("other", "other-secret"),
    )
    .unwrap_err();
    assert_eq!(
        error.oauth_error().map(|e| e.code.as_str()),
        Some("unauthorized_client")
    );
    assert!(
        introspect(&server, &access, ClientAuth::none())
            .unwrap()
            .is_active()
    );

    RevocationRequest::new(
        server.revocation_url(),
        current.as_str(),
        ClientAuth::basic("app", SECRET),
    )
    .unwrap()
    .with_token_type_hint(TokenTypeHint::RefreshToken)
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap();
    assert!(
        !introspect(&server, &current, ClientAuth::none())
            .unwrap()
            .is_active()
    );
    assert!(
        !introspect(&server, &access, ClientAuth::none())
            .unwrap()
            .is_active(),
        "the grant's access token goes with it"
    );
    let error = TokenRequest::new(
        server.token_url(),
        Grant::refresh_token(current.as_str().into()),
        ClientAuth::basic("app", SECRET),
    )
    .unwrap()
    .send(&s2s_oauth::agent())
    .unwrap_err();
    assert_eq!(
        error.oauth_error().map(|e| &e.code),
        Some(&ErrorCode::InvalidGrant)
    );
}

#[test]
fn the_salesforce_profile_names_the_token_kind() {
    let server = server(Profile::Salesforce);
    let token = access_token(&server);
    let answer = introspect(&server, &token, ClientAuth::post("app", SECRET)).unwrap();
    assert!(answer.is_active());
    assert_eq!(
        answer.token_type().map(|t| t.as_str()),
        Some("access_token")
    );
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    for (token, field) in [
        ("", InputField::Token),
        ("abc\n", InputField::Token),
        ("  ", InputField::Token),
    ] {
        let error = IntrospectionRequest::new(
            "https://as.example.com/introspect",
            token,
            ClientAuth::none(),
        )
        .unwrap_err();
        assert!(error.is_local(), "{token:?}");
        assert!(
            matches!(&error, Error::InvalidInput(i) if i.field() == field),
            "{error:?}"
        );
    }
    let error = RevocationRequest::new("http://as.example.com/revoke", "t", ClientAuth::none())
        .unwrap_err();
    assert!(matches!(error, Error::InvalidUrl { .. }), "{error:?}");
    // The URL refused is this endpoint's, not a token endpoint's: the message
    // must not send the user looking for a token URL.
    for url in [
        "http://as.example.com/revoke",
        "",
        "https://as.example.com/i#x",
    ] {
        let revocation = RevocationRequest::new(url, "t", ClientAuth::none()).unwrap_err();
        let introspection = IntrospectionRequest::new(url, "t", ClientAuth::none()).unwrap_err();
        for error in [revocation, introspection] {
            let text = error.to_string();
            assert!(matches!(error, Error::InvalidUrl { .. }), "{error:?}");
            assert!(
                !text.contains("token URL") && !text.contains("token endpoint"),
                "{url:?}: {text}"
            );
            assert!(text.contains("refused"), "{url:?}: {text}");
        }
    }
    let error = RevocationRequest::new("https://as.example.com/revoke", "t", ClientAuth::none())
        .unwrap()
        .with_token_type_hint(TokenTypeHint::from(""))
        .unwrap_err();
    assert!(error.is_local());
    let error =
        IntrospectionRequest::new("https://as.example.com/i", "t", ClientAuth::basic("", "x"))
            .unwrap_err();
    assert!(error.is_local(), "{error:?}");
}

#[test]
fn debug_never_shows_the_token() {
    let request = IntrospectionRequest::new(
        "https://as.example.com/introspect?x=secret-query",
        "SECRET-TOKEN",
        ClientAuth::basic("app", "SECRET-PASSWORD"),
    )
    .unwrap();
    let debug = format!("{request:?}");
    for hidden in ["SECRET-TOKEN", "SECRET-PASSWORD", "secret-query"] {
        assert!(!debug.contains(hidden), "{debug}");
    }
}

#[test]
fn mutual_tls_client_authentication_and_the_bound_token() {
    use s2s_oauth::Certificate;
    use s2s_oauth::tls::{AgentTls, check_certificate_binding};
    let client_cert = include_str!("data/tls/client.cert.pem");
    let server = Server::start_tls(
        Config::new(Profile::Generic)
            .with_client_ca(
                Certificate::from_pem(include_str!("data/tls/client-ca.cert.pem")).unwrap(),
            )
            .with_client(
                Client::new("by-dn")
                    .with_tls_client_auth_subject_dn("CN=mtls-client,O=s2s-oauth tests")
                    .with_certificate_bound_tokens(true),
            ),
    )
    .unwrap();
    let agent = AgentTls::new()
        .with_ca_pem(s2s_oauth::testkit::TLS_CA_PEM)
        .unwrap()
        .with_client_cert_pem(client_cert, include_str!("data/tls/client.key.pem"))
        .unwrap()
        .agent();
    let auth = ClientAuth::tls_client_auth("by-dn").unwrap();
    let token = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        auth.clone(),
    )
    .unwrap()
    .send(&agent)
    .unwrap();
    let token = token.access_token().expose_secret();
    let answer = IntrospectionRequest::new(server.introspection_url(), token, auth.clone())
        .unwrap()
        .send(&agent)
        .unwrap();
    assert!(answer.is_active());
    let presented = Certificate::from_pem(client_cert).unwrap();
    check_certificate_binding(answer.as_json(), presented.der()).unwrap();
    RevocationRequest::new(server.revocation_url(), token, auth.clone())
        .unwrap()
        .send(&agent)
        .unwrap();
    let requests = server.requests();
    assert_eq!(
        requests.last().unwrap().form_value("client_id"),
        Some("by-dn")
    );
    assert!(
        !IntrospectionRequest::new(server.introspection_url(), token, auth)
            .unwrap()
            .send(&agent)
            .unwrap()
            .is_active()
    );
}

#[test]
fn salesforce_presets_introspect_identify_and_revoke() {
    use s2s_oauth::providers::salesforce::{self, Identity, LoginHost, TokenInfo, UserInfo};
    let server = server(Profile::Salesforce);
    let agent = s2s_oauth::agent();
    let host = LoginHost::my_domain(server.base_url()).unwrap();
    let token = salesforce::client_credentials(&host, "app", SECRET)
        .unwrap()
        .send(&agent)
        .unwrap();
    let info = TokenInfo::from_response(&token).unwrap();
    let access = token.access_token().expose_secret();

    let answer = salesforce::introspect(&host, access, ClientAuth::post("app", SECRET))
        .unwrap()
        .send(&agent)
        .unwrap();
    assert!(answer.is_active());
    assert_eq!(answer.client_id(), Some("app"));
    assert_eq!(answer.username(), Some("integration@example.com"));
    assert_eq!(
        answer.token_type().map(|t| t.as_str()),
        Some("access_token")
    );

    let user = UserInfo::fetch(&host, token.access_token(), &agent).unwrap();
    assert_eq!(user.user_id(), Some(info.user_id()));
    assert_eq!(user.organization_id(), Some(info.org_id()));
    assert_eq!(user.subject(), Some(info.identity_url()));
    assert_eq!(user.preferred_username(), Some("integration@example.com"));
    let identity = Identity::fetch(&info, token.access_token(), &agent).unwrap();
    assert_eq!(identity.username(), Some("integration@example.com"));
    assert_eq!(identity.user_id(), Some(info.user_id()));
    assert_eq!(identity.is_active(), Some(true));

    // Revocation with the token alone, as Salesforce takes it.
    salesforce::revoke(&host, access)
        .unwrap()
        .send(&agent)
        .unwrap();
    let requests = server.requests();
    let revoked = requests.last().unwrap();
    assert_eq!(revoked.path(), "/services/oauth2/revoke");
    assert_eq!(revoked.form(), [("token".to_owned(), access.to_owned())]);
    assert_eq!(revoked.header("Authorization"), None);
    assert!(
        !salesforce::introspect(&host, access, ClientAuth::post("app", SECRET))
            .unwrap()
            .send(&agent)
            .unwrap()
            .is_active()
    );
    let error = UserInfo::fetch(&host, token.access_token(), &agent).unwrap_err();
    assert_eq!(
        error.oauth_error().map(|e| (e.code.as_str(), e.status)),
        Some(("invalid_token", 401))
    );
    // Salesforce answers 400 invalid_token for a token it does not know.
    let error = salesforce::revoke(&host, access)
        .unwrap()
        .send(&agent)
        .unwrap_err();
    assert_eq!(
        error.oauth_error().map(|e| (e.code.as_str(), e.status)),
        Some(("invalid_token", 400))
    );
}

/// A server that echoes the token it was sent (in an OAuth error's description
/// or URI, or on an error page) does not get it printed: the error's `Display`
/// and `Debug` show `[redacted]` in its place.
#[test]
fn an_echoed_token_is_not_printed_in_errors() {
    let server = server(Profile::Generic);
    let token = "echoed-TOKEN-9f8e7d";
    let echoes = [
        Fault::status(
            400,
            "application/json",
            format!(
                r#"{{"error":"invalid_request","error_description":"bad token {token}","error_uri":"https://as.example.com/e?t={token}"}}"#
            ),
        ),
        Fault::status(503, "text/html", format!("<p>busy; your token {token}</p>")),
        Fault::status(404, "text/plain", format!("no such token {token}")),
    ];
    for fault in echoes {
        for revocation in [false, true] {
            server.inject(fault.clone(), 1);
            let error = if revocation {
                revoke(&server, token, ClientAuth::basic("app", SECRET)).unwrap_err()
            } else {
                introspect(&server, token, ClientAuth::basic("app", SECRET)).unwrap_err()
            };
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(token), "{shown}");
            assert!(error.to_string().contains("[redacted]"), "{error}");
        }
    }
}
