//! Mutual TLS and trust (RFC 8705) over real sockets: `tls::AgentTls` agents
//! against the testkit's TLS listener (`Server::start_tls`), which asks for a
//! client certificate. Trust (extra CA, with or without the web roots),
//! `tls_client_auth` by subject DN and by dNSName, `self_signed_tls_client_auth`,
//! certificate-bound tokens at the resource and in introspection, and the typed
//! errors for bad certificate and key files. Fixtures: tests/data/tls/ (make.sh,
//! make-client.sh).
#![cfg(all(feature = "ureq", feature = "testkit"))]

use s2s_oauth::error::{KeyError, TransportErrorKind};
use s2s_oauth::testkit::{self, Client, Config, Profile, Server};
use s2s_oauth::tls::{AgentTls, BindingError, check_certificate_binding};
use s2s_oauth::{Certificate, ClientAuth, Error, Grant, HttpResponse, TokenRequest};

const CLIENT_CA: &str = include_str!("data/tls/client-ca.cert.pem");
const CLIENT_CERT: &str = include_str!("data/tls/client.cert.pem");
const CLIENT_KEY: &str = include_str!("data/tls/client.key.pem");
const SELF_SIGNED_CERT: &str = include_str!("data/tls/self-signed-client.cert.pem");
const SELF_SIGNED_KEY: &str = include_str!("data/tls/self-signed-client.key.pem");
const SERVER_KEY: &str = include_str!("data/tls/server.key.pem");
const SUBJECT_DN: &str = "CN=mtls-client,O=s2s-oauth tests";

fn cert(pem: &str) -> Certificate {
    Certificate::from_pem(pem).unwrap()
}

/// A TLS testkit with a `tls_client_auth` client by subject DN ("by-dn"), one by
/// DNS name ("by-san"), a self-signed one ("self-signed"), a bound-token client
/// ("bound", by DN) and a secret client that wants bound tokens ("secret-bound").
fn server() -> Server {
    Server::start_tls(
        Config::new(Profile::Generic)
            .with_client_ca(cert(CLIENT_CA))
            .with_client(Client::new("by-dn").with_tls_client_auth_subject_dn(SUBJECT_DN))
            .with_client(Client::new("by-san").with_tls_client_auth_san_dns("mtls-client.example"))
            .with_client(
                Client::new("self-signed").with_self_signed_certificate(cert(SELF_SIGNED_CERT)),
            )
            .with_client(
                Client::new("bound")
                    .with_tls_client_auth_subject_dn(SUBJECT_DN)
                    .with_certificate_bound_tokens(true),
            )
            .with_client(
                Client::new("secret-bound")
                    .with_secret("s3cr3t")
                    .with_certificate_bound_tokens(true),
            ),
    )
    .expect("TLS testkit")
}

fn trusting_testkit() -> AgentTls {
    AgentTls::new().with_ca_pem(testkit::TLS_CA_PEM).unwrap()
}

fn with_client_cert() -> AgentTls {
    trusting_testkit()
        .with_client_cert_pem(CLIENT_CERT, CLIENT_KEY)
        .unwrap()
}

fn with_self_signed_cert() -> AgentTls {
    trusting_testkit()
        .with_client_cert_pem(SELF_SIGNED_CERT, SELF_SIGNED_KEY)
        .unwrap()
}

fn cc(server: &Server, auth: ClientAuth) -> TokenRequest {
    TokenRequest::new(server.token_url(), Grant::client_credentials(), auth).unwrap()
}

fn invalid_client(err: &Error) -> String {
    let oauth = err
        .oauth_error()
        .unwrap_or_else(|| panic!("not an OAuth error: {err}"));
    assert_eq!(oauth.code.as_str(), "invalid_client", "{err}");
    oauth.description.clone().unwrap_or_default()
}

fn expect_tls_error(err: &Error) {
    match err {
        Error::Transport(t) => assert_eq!(t.kind, TransportErrorKind::Tls, "{t}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }
    assert!(!err.is_retryable(), "{err}");
    assert!(err.is_wrong_endpoint(), "{err}");
}

// ---- trust -------------------------------------------------------------------

#[test]
fn a_ca_file_is_trusted_with_the_web_roots_kept_and_alone() {
    let server = Server::start_tls(
        Config::new(Profile::Generic).with_client(Client::new("app").with_secret("s3cr3t")),
    )
    .unwrap();
    let kept = trusting_testkit();
    assert!(kept.roots_len() > 100, "the web roots are kept");
    let alone = trusting_testkit().without_web_roots();
    assert_eq!(alone.roots_len(), 1);
    for tls in [kept, alone] {
        let token = cc(&server, ClientAuth::basic("app", "s3cr3t"))
            .send(&tls.agent())
            .unwrap_or_else(|e| panic!("{tls:?}: {e}"));
        assert!(!token.access_token().expose_secret().is_empty());
    }
}

#[test]
fn a_server_that_chains_to_neither_the_web_roots_nor_the_ca_file_is_refused() {
    let server = Server::start_tls(
        Config::new(Profile::Generic).with_client(Client::new("app").with_secret("s3cr3t")),
    )
    .unwrap();
    // The web roots only (the crate's default agent), another CA with the web
    // roots, another CA alone.
    let agents = [
        s2s_oauth::agent(),
        AgentTls::new().with_ca_pem(CLIENT_CA).unwrap().agent(),
        AgentTls::new()
            .with_ca_pem(CLIENT_CA)
            .unwrap()
            .without_web_roots()
            .agent(),
    ];
    for agent in agents {
        let err = cc(&server, ClientAuth::basic("app", "s3cr3t"))
            .send(&agent)
            .unwrap_err();
        expect_tls_error(&err);
        assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn bad_certificate_and_key_files_are_typed_errors() {
    let dir = std::env::temp_dir().join(format!("s2s-oauth-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    assert_eq!(
        AgentTls::new().with_ca_file(&empty).unwrap_err(),
        KeyError::NoCertificate
    );
    // A key where the CA file should be, and a file with no PEM at all.
    assert_eq!(
        AgentTls::new().with_ca_pem(CLIENT_KEY).unwrap_err(),
        KeyError::PrivateKeyInCaFile
    );
    assert_eq!(
        AgentTls::new()
            .with_ca_pem("not a certificate")
            .unwrap_err(),
        KeyError::NoCertificate
    );
    let damaged = CLIENT_CA.replace("MII", "M!I");
    assert_eq!(
        AgentTls::new().with_ca_pem(&damaged).unwrap_err(),
        KeyError::BadPem
    );
    assert!(matches!(
        AgentTls::new()
            .with_ca_file(dir.join("missing.pem"))
            .unwrap_err(),
        KeyError::ReadFile { .. }
    ));
    // The client certificate: a key of another certificate, a certificate as the
    // key, no certificate in the chain, an encrypted key.
    assert_eq!(
        AgentTls::new()
            .with_client_cert_pem(CLIENT_CERT, SERVER_KEY)
            .unwrap_err(),
        KeyError::CertificateMismatch
    );
    assert_eq!(
        AgentTls::new()
            .with_client_cert_pem(CLIENT_CERT, SELF_SIGNED_KEY)
            .unwrap_err(),
        KeyError::CertificateMismatch
    );
    assert_eq!(
        AgentTls::new()
            .with_client_cert_pem(CLIENT_CERT, CLIENT_CERT)
            .unwrap_err(),
        KeyError::CertificateNotKey
    );
    assert_eq!(
        AgentTls::new()
            .with_client_cert_pem(CLIENT_KEY, CLIENT_KEY)
            .unwrap_err(),
        KeyError::NoCertificate
    );
    let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n";
    assert_eq!(
        AgentTls::new()
            .with_client_cert_pem(CLIENT_CERT, encrypted)
            .unwrap_err(),
        KeyError::Encrypted
    );
    // Every message says what to do.
    assert!(
        KeyError::NoCertificate
            .to_string()
            .contains("BEGIN CERTIFICATE")
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A CA file is for certificates only: a private key beside the CA certificates
/// (a server's key, the CA's own, an encrypted one) is refused, not skipped, so
/// that the wrong file is noticed; text between the blocks is fine.
#[test]
fn a_ca_file_with_a_private_key_is_refused() {
    let encrypted = include_str!("data/keys/rsa2048.encrypted.pem");
    for bundle in [
        format!("{CLIENT_CA}{SERVER_KEY}"),
        format!("{SERVER_KEY}{CLIENT_CA}"),
        format!("{CLIENT_CA}{encrypted}"),
    ] {
        assert_eq!(
            AgentTls::new().with_ca_pem(&bundle).unwrap_err(),
            KeyError::PrivateKeyInCaFile,
            "{bundle}"
        );
    }
    let dir = std::env::temp_dir().join(format!("s2s-oauth-mtls-cakey-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ca-and-key.pem");
    std::fs::write(&file, format!("{CLIENT_CA}{SERVER_KEY}")).unwrap();
    assert_eq!(
        AgentTls::new().with_ca_file(&file).unwrap_err(),
        KeyError::PrivateKeyInCaFile
    );
    std::fs::remove_dir_all(&dir).ok();
    // The message says what to do.
    let message = KeyError::PrivateKeyInCaFile.to_string();
    assert!(message.contains("CA certificates alone"), "{message}");
    // Comments and blank lines between certificates, as in a system bundle.
    let ca = include_str!("data/tls/ca.cert.pem");
    let commented = format!("# Private root\n\n{ca}\nsubject=CN=clients\n{CLIENT_CA}\n");
    let tls = AgentTls::new().with_ca_pem(&commented).unwrap();
    assert_eq!(tls.without_web_roots().roots_len(), 2);
}

/// A file holding the chain and an encrypted key: the key's own error (decrypt
/// it), not "no certificate".
#[test]
fn a_chain_with_an_encrypted_key_says_the_key_is_encrypted() {
    let encrypted = include_str!("data/keys/rsa2048.encrypted.pem");
    let both = format!("{CLIENT_CERT}{encrypted}");
    assert_eq!(
        AgentTls::new()
            .with_client_cert_pem(&both, &both)
            .unwrap_err(),
        KeyError::Encrypted
    );
}

#[test]
fn a_chain_and_its_key_may_share_one_file() {
    let both = format!("{CLIENT_CERT}{CLIENT_KEY}");
    let tls = AgentTls::new().with_client_cert_pem(&both, &both).unwrap();
    assert_eq!(tls.client_certificate(), Some(&cert(CLIENT_CERT)));
    // Debug shows the certificate's thumbprint, never the key.
    let debug = format!("{tls:?}");
    assert!(debug.contains(&cert(CLIENT_CERT).x5t_s256()), "{debug}");
    let key_body = CLIENT_KEY.lines().nth(1).unwrap();
    assert!(!debug.contains(key_body), "{debug}");
    assert_eq!(
        format!("{:?}", AgentTls::new()),
        "AgentTls { web_roots: true, extra_roots: [], client_certificate: None, .. }"
    );
}

// ---- client authentication (RFC 8705 §2) ----------------------------------------

#[test]
fn tls_client_auth_by_subject_dn_and_by_dns_name() {
    let server = server();
    let agent = with_client_cert().agent();
    for id in ["by-dn", "by-san"] {
        let token = cc(&server, ClientAuth::tls_client_auth(id).unwrap())
            .send(&agent)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(!token.access_token().expose_secret().is_empty());
    }
    // The wire: client_id in the form, no secret, no Authorization header.
    let requests = server.requests();
    let last = requests.last().unwrap();
    assert_eq!(last.form_value("client_id"), Some("by-san"));
    assert_eq!(last.form_value("client_secret"), None);
    assert_eq!(last.header("Authorization"), None);
}

#[test]
fn tls_client_auth_refuses_no_certificate_another_subject_and_another_ca() {
    let server = server();
    // No client certificate at all.
    let err = cc(&server, ClientAuth::tls_client_auth("by-dn").unwrap())
        .send(&trusting_testkit().agent())
        .unwrap_err();
    assert!(invalid_client(&err).contains("has none"), "{err}");
    // The self-signed certificate chains to no client CA.
    let err = cc(&server, ClientAuth::tls_client_auth("by-dn").unwrap())
        .send(&with_self_signed_cert().agent())
        .unwrap_err();
    assert!(invalid_client(&err).contains("does not chain"), "{err}");
    // A certificate from the right CA for another subject / DNS name.
    let other = Server::start_tls(
        Config::new(Profile::Generic)
            .with_client_ca(cert(CLIENT_CA))
            .with_client(Client::new("dn").with_tls_client_auth_subject_dn("CN=someone-else"))
            .with_client(Client::new("san").with_tls_client_auth_san_dns("other.example")),
    )
    .unwrap();
    let agent = with_client_cert().agent();
    for (id, expected) in [("dn", "subject"), ("san", "dNSName")] {
        let err = cc(&other, ClientAuth::tls_client_auth(id).unwrap())
            .send(&agent)
            .unwrap_err();
        assert!(invalid_client(&err).contains(expected), "{id}: {err}");
    }
}

/// RFC 8705 §2.1.2: a `tls_client_auth` client registers exactly one name; a
/// client registered with two (or a name and a self-signed certificate) is a
/// misconfiguration the server refuses, even with a certificate that would
/// match either.
#[test]
fn a_client_registered_with_more_than_one_name_is_refused() {
    let server = Server::start_tls(
        Config::new(Profile::Generic)
            .with_client_ca(cert(CLIENT_CA))
            .with_client(
                Client::new("dn-and-san")
                    .with_tls_client_auth_subject_dn(SUBJECT_DN)
                    .with_tls_client_auth_san_dns("mtls-client.example"),
            )
            .with_client(
                Client::new("dn-and-self-signed")
                    .with_tls_client_auth_subject_dn(SUBJECT_DN)
                    .with_self_signed_certificate(cert(CLIENT_CERT)),
            ),
    )
    .unwrap();
    let agent = with_client_cert().agent();
    for id in ["dn-and-san", "dn-and-self-signed"] {
        let err = cc(&server, ClientAuth::tls_client_auth(id).unwrap())
            .send(&agent)
            .unwrap_err();
        assert!(invalid_client(&err).contains("exactly one"), "{id}: {err}");
    }
}

#[test]
fn self_signed_tls_client_auth_takes_the_registered_certificate_only() {
    let server = server();
    let token = cc(
        &server,
        ClientAuth::self_signed_tls_client_auth("self-signed").unwrap(),
    )
    .send(&with_self_signed_cert().agent())
    .unwrap();
    assert!(!token.access_token().expose_secret().is_empty());
    // A CA-issued certificate is not the registered one.
    let err = cc(
        &server,
        ClientAuth::self_signed_tls_client_auth("self-signed").unwrap(),
    )
    .send(&with_client_cert().agent())
    .unwrap_err();
    assert!(
        invalid_client(&err).contains("not the one registered"),
        "{err}"
    );
}

// ---- certificate-bound tokens (RFC 8705 §3) -------------------------------------

fn introspect(server: &Server, agent: &ureq::Agent, token: &str) -> serde_json::Value {
    let response = agent
        .post(server.introspection_url())
        .send_form([("token", token)])
        .unwrap();
    let response = HttpResponse::from_ureq(response).unwrap();
    assert_eq!(response.status(), 200);
    serde_json::from_slice(response.body()).unwrap()
}

fn call_resource(server: &Server, agent: &ureq::Agent, token: &str) -> u16 {
    let response = agent
        .get(server.resource_url())
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap();
    response.status().as_u16()
}

#[test]
fn a_bound_token_carries_the_certificate_thumbprint_and_works_only_with_it() {
    let server = server();
    let mine = with_client_cert();
    let agent = mine.agent();
    for auth in [
        ClientAuth::tls_client_auth("bound").unwrap(),
        ClientAuth::basic("secret-bound", "s3cr3t"),
    ] {
        let token = cc(&server, auth).send(&agent).unwrap();
        let token = token.access_token().expose_secret();

        let introspection = introspect(&server, &agent, token);
        assert_eq!(introspection["active"], true);
        let presented = mine.client_certificate().unwrap();
        assert_eq!(introspection["cnf"]["x5t#S256"], presented.x5t_s256());
        let claims = introspection.as_object().unwrap();
        assert_eq!(check_certificate_binding(claims, presented.der()), Ok(()));
        let other = cert(SELF_SIGNED_CERT);
        assert_eq!(
            check_certificate_binding(claims, other.der()),
            Err(BindingError::Mismatch)
        );

        // The resource: with the certificate, with another one, with none.
        assert_eq!(call_resource(&server, &agent, token), 200);
        assert_eq!(
            call_resource(&server, &with_self_signed_cert().agent(), token),
            401
        );
        assert_eq!(
            call_resource(&server, &trusting_testkit().agent(), token),
            401
        );
    }
}

#[test]
fn an_unbound_token_has_no_cnf_and_a_bound_client_needs_a_certificate() {
    let server = server();
    let agent = with_client_cert().agent();
    let token = cc(&server, ClientAuth::tls_client_auth("by-dn").unwrap())
        .send(&agent)
        .unwrap();
    let token = token.access_token().expose_secret();
    let introspection = introspect(&server, &agent, token);
    assert_eq!(introspection["active"], true);
    assert!(introspection.get("cnf").is_none(), "{introspection}");
    assert_eq!(
        check_certificate_binding(introspection.as_object().unwrap(), cert(CLIENT_CERT).der()),
        Err(BindingError::NoConfirmation)
    );
    // Any agent may use an unbound token.
    assert_eq!(
        call_resource(&server, &trusting_testkit().agent(), token),
        200
    );

    // A client registered for bound tokens that sends no certificate.
    let err = cc(&server, ClientAuth::basic("secret-bound", "s3cr3t"))
        .send(&trusting_testkit().agent())
        .unwrap_err();
    let oauth = err.oauth_error().unwrap();
    assert_eq!(oauth.code.as_str(), "invalid_request", "{err}");
    assert!(
        oauth
            .description
            .as_deref()
            .unwrap_or("")
            .contains("mutual TLS")
    );
    // An unknown token is inactive.
    assert_eq!(introspect(&server, &agent, "nope")["active"], false);
}

#[test]
fn discovery_on_the_tls_listener_names_the_mtls_methods_and_aliases() {
    use s2s_oauth::discovery::AuthorizationServerMetadata;
    let server = server();
    let agent = with_client_cert().agent();
    let metadata = AuthorizationServerMetadata::discover(&agent, &server.base_url()).unwrap();
    let auth = ClientAuth::tls_client_auth("bound").unwrap();
    assert!(metadata.supports_client_auth(&auth));
    assert_eq!(
        metadata.extra()["tls_client_certificate_bound_access_tokens"],
        true
    );
    assert_eq!(
        metadata.mtls_token_endpoint(),
        Some(server.token_url().as_str())
    );
    let token = metadata
        .token_request(Grant::client_credentials(), auth)
        .unwrap()
        .send(&agent)
        .unwrap();
    let introspection = introspect(&server, &agent, token.access_token().expose_secret());
    assert_eq!(
        check_certificate_binding(
            introspection.as_object().unwrap(),
            with_client_cert().client_certificate().unwrap().der()
        ),
        Ok(())
    );
}

#[test]
fn an_agent_tls_agent_keeps_the_safety_settings_of_agent() {
    let safe = s2s_oauth::agent();
    let tls = with_client_cert().agent();
    let (safe, tls) = (safe.config(), tls.config());
    assert_eq!(tls.max_redirects(), 0);
    assert!(!tls.http_status_as_error());
    assert_eq!(
        format!("{:?}", tls.user_agent()),
        format!("{:?}", safe.user_agent())
    );
    assert_eq!(
        format!("{:?}", tls.timeouts()),
        format!("{:?}", safe.timeouts())
    );
    // A redirect is still refused, not followed, over TLS.
    let server = server();
    server.inject(
        s2s_oauth::testkit::Fault::status(302, "text/plain", "moved")
            .with_header("Location", "https://elsewhere.example/token"),
        1,
    );
    let err = cc(&server, ClientAuth::tls_client_auth("by-dn").unwrap())
        .send(&with_client_cert().agent())
        .unwrap_err();
    assert!(
        matches!(err, Error::Redirect { status: 302, .. }),
        "{err:?}"
    );
}
