//! Token exchange (RFC 8693) and workload identity sources against the testkit on
//! loopback: the grant's wire shape, the testkit's trust decisions coming back as
//! typed `OAuthError`s, a rotated token file re-read on the next request, a
//! platform JWT as a client assertion, and the executable source's contract.
#![cfg(feature = "ureq")]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{CLUSTER, STS_AUDIENCE, cluster_key, platform_token};
use ring::rand::SystemRandom;
use s2s_oauth::error::{ErrorCode, SourceError};
use s2s_oauth::exchange::{Executable, TokenExchange, TokenSource, TokenTypeUri};
use s2s_oauth::jwt::Claims;
use s2s_oauth::secret::SecurityToken;
use s2s_oauth::testkit::{Client, Config, Profile, Server, TrustedIssuer};
use s2s_oauth::{ClientAuth, Error, Grant, HttpResponse, SigningKey, TokenRequest, TokenResponse};

fn other_key() -> SigningKey {
    common::signing_key("rsa2048.pkcs8.pem")
}

fn server() -> Server {
    Server::start(common::sts_config().with_client(Client::new("exchanger").with_secret("s3cr3t")))
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("s2s-tokex-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn exchange_request(server: &Server, exchange: TokenExchange) -> TokenRequest {
    TokenRequest::new(
        server.token_url(),
        Grant::token_exchange(exchange),
        ClientAuth::basic("exchanger", "s3cr3t"),
    )
    .unwrap()
}

fn oauth_code(error: &Error) -> ErrorCode {
    match error {
        Error::OAuth(e) => e.code.clone(),
        other => panic!("expected an OAuth error, got {other:?}"),
    }
}

#[test]
fn the_wire_shape_follows_rfc_8693() {
    let exchange = TokenExchange::new(
        TokenSource::new(SecurityToken::new("sub.jwt.sig")),
        TokenTypeUri::AccessToken,
    )
    .with_actor(
        TokenSource::new(SecurityToken::new("act.jwt.sig")),
        TokenTypeUri::Jwt,
    )
    .with_requested_token_type(TokenTypeUri::Saml2)
    .with_audience("urn:example:a")
    .unwrap()
    .with_audience("urn:example:b")
    .unwrap()
    .with_resource("https://api.example.com/x")
    .unwrap()
    .with_resource("https://api.example.com/y")
    .unwrap();
    let request = TokenRequest::new(
        "https://as.example.com/token",
        Grant::token_exchange(exchange),
        ClientAuth::none_with_client_id("app"),
    )
    .unwrap()
    .with_scope("read")
    .unwrap();
    let http = request
        .to_http_request(SystemTime::now(), &SystemRandom::new())
        .unwrap();
    let body = std::str::from_utf8(http.body()).unwrap();
    assert_eq!(
        body,
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
         &subject_token=sub.jwt.sig\
         &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token\
         &actor_token=act.jwt.sig\
         &actor_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt\
         &requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Asaml2\
         &audience=urn%3Aexample%3Aa&audience=urn%3Aexample%3Ab\
         &resource=https%3A%2F%2Fapi.example.com%2Fx&resource=https%3A%2F%2Fapi.example.com%2Fy\
         &client_id=app&scope=read"
    );
    // The tokens never show in Debug.
    let debug = format!("{request:?}");
    assert!(
        !debug.contains("sub.jwt.sig") && !debug.contains("act.jwt.sig"),
        "{debug}"
    );
    // with_param cannot smuggle a second subject token in.
    assert!(request.with_param("subject_token", "x").is_err());
}

#[test]
fn a_trusted_subject_token_is_exchanged_for_an_access_token() {
    let server = server();
    let subject = platform_token(&cluster_key(), CLUSTER, "system:serviceaccount:jobs:sync");
    let actor = platform_token(&cluster_key(), CLUSTER, "system:serviceaccount:jobs:proxy");
    let exchange = TokenExchange::new(TokenSource::new(subject), TokenTypeUri::Jwt)
        .with_actor(TokenSource::new(actor), TokenTypeUri::Jwt)
        .with_requested_token_type(TokenTypeUri::AccessToken)
        .with_audience("https://api.example.com")
        .unwrap();
    let token = exchange_request(&server, exchange)
        .with_scope("orders.read")
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap();
    assert_eq!(
        token.issued_token_type_uri(),
        Some(TokenTypeUri::AccessToken)
    );
    assert!(token.is_access_token());
    assert_eq!(token.scope(), Some("orders.read"));
    let seen = server.requests();
    let form = seen.last().unwrap();
    assert_eq!(form.form_value("audience"), Some("https://api.example.com"));
    assert!(!format!("{form:?}").contains(".eyJ"), "{form:?}");
}

#[test]
fn refusals_come_back_as_typed_oauth_errors() {
    let server = server();
    let agent = s2s_oauth::agent();
    let good = platform_token(&cluster_key(), CLUSTER, "system:serviceaccount:a:b");
    let send = |subject: &str, ty: TokenTypeUri| {
        exchange_request(
            &server,
            TokenExchange::new(TokenSource::new(SecurityToken::new(subject)), ty),
        )
        .send(&agent)
        .unwrap_err()
    };
    // A subject token type the server refuses: invalid_request.
    let err = send(&good, TokenTypeUri::Saml2);
    assert_eq!(oauth_code(&err), ErrorCode::InvalidRequest);
    assert!(err.to_string().contains("subject_token_type"), "{err}");
    assert!(!err.is_retryable() && !err.is_local());
    let err = send(&good, TokenTypeUri::parse("urn:example:custom").unwrap());
    assert_eq!(oauth_code(&err), ErrorCode::InvalidRequest);
    // An issuer the server does not trust: invalid_grant.
    let foreign = platform_token(&cluster_key(), "https://elsewhere.example", "x");
    let err = send(&foreign, TokenTypeUri::Jwt);
    assert_eq!(oauth_code(&err), ErrorCode::InvalidGrant);
    assert!(err.to_string().contains("not trusted"), "{err}");
    // The trusted issuer's name, signed by another key: invalid_grant.
    let forged = platform_token(&other_key(), CLUSTER, "system:serviceaccount:a:b");
    assert_eq!(
        oauth_code(&send(&forged, TokenTypeUri::Jwt)),
        ErrorCode::InvalidGrant
    );
    // The wrong audience.
    let wrong_aud = Claims::new(CLUSTER, "s", "another-audience")
        .sign(&cluster_key())
        .unwrap();
    let err = send(wrong_aud.expose_secret(), TokenTypeUri::Jwt);
    assert_eq!(oauth_code(&err), ErrorCode::InvalidGrant);
    // Not a JWT at all.
    assert_eq!(
        oauth_code(&send("opaque", TokenTypeUri::Jwt)),
        ErrorCode::InvalidGrant
    );
    // An actor token with no type is refused by the server; a wrong requested type too.
    let requested = TokenExchange::new(TokenSource::new(good.clone()), TokenTypeUri::Jwt)
        .with_requested_token_type(TokenTypeUri::RefreshToken);
    let err = exchange_request(&server, requested)
        .send(&agent)
        .unwrap_err();
    assert_eq!(oauth_code(&err), ErrorCode::InvalidRequest);
}

#[test]
fn a_rotated_token_file_is_read_again_on_the_next_request() {
    let server = server();
    let agent = s2s_oauth::agent();
    let dir = temp_dir("rotate");
    let path = dir.join("token");
    let first = platform_token(&cluster_key(), CLUSTER, "system:serviceaccount:jobs:first");
    std::fs::write(&path, format!("{first}\n")).unwrap();
    // One request value, built once, sent three times: as a long-running job does.
    let request = exchange_request(
        &server,
        TokenExchange::new(TokenSource::file(&path), TokenTypeUri::Jwt),
    );
    request.send(&agent).unwrap();
    // The platform replaces the file (atomically, as the kubelet does).
    let second = platform_token(&cluster_key(), CLUSTER, "system:serviceaccount:jobs:second");
    std::fs::write(dir.join("token.new"), &second).unwrap();
    std::fs::rename(dir.join("token.new"), &path).unwrap();
    request.send(&agent).unwrap();
    let sent: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.form_value("subject_token").map(str::to_owned))
        .collect();
    assert_eq!(sent, [first, second]);
    // A file that now holds a token from an untrusted issuer fails the next send.
    let foreign = platform_token(&cluster_key(), "https://elsewhere.example", "x");
    std::fs::write(&path, foreign).unwrap();
    assert_eq!(
        oauth_code(&request.send(&agent).unwrap_err()),
        ErrorCode::InvalidGrant
    );
    // A missing file is a typed local error naming the path; nothing is sent.
    std::fs::remove_file(&path).unwrap();
    let before = server.requests().len();
    let err = request.send(&agent).unwrap_err();
    assert!(err.is_local(), "{err:?}");
    assert!(
        matches!(&err, Error::TokenSource(e) if matches!(**e, SourceError::File { kind: std::io::ErrorKind::NotFound, .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("token"), "{err}");
    assert_eq!(server.requests().len(), before);
    std::fs::write(&path, "  \n").unwrap();
    let err = request.send(&agent).unwrap_err();
    assert!(
        matches!(&err, Error::TokenSource(e) if matches!(**e, SourceError::Empty { .. })),
        "{err:?}"
    );
    std::fs::write(&path, "two\nlines").unwrap();
    let err = request.send(&agent).unwrap_err();
    assert!(
        matches!(&err, Error::TokenSource(e) if matches!(**e, SourceError::Malformed { .. })),
        "{err:?}"
    );
    assert!(!err.to_string().contains("two"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_closure_source_is_called_for_every_request() {
    let server = server();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let source = TokenSource::from_fn(move || {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(SecurityToken::new(platform_token(
            &cluster_key(),
            CLUSTER,
            "fn",
        )))
    });
    let request = exchange_request(&server, TokenExchange::new(source, TokenTypeUri::IdToken));
    let agent = s2s_oauth::agent();
    request.send(&agent).unwrap();
    request.send(&agent).unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    // An error of the closure is the request's error, as it is.
    let failing = TokenSource::from_fn(|| Err(Error::Internal("vault sealed")));
    let err = exchange_request(&server, TokenExchange::new(failing, TokenTypeUri::Jwt))
        .send(&agent)
        .unwrap_err();
    assert!(matches!(err, Error::Internal("vault sealed")), "{err:?}");
}

#[test]
fn a_platform_jwt_from_a_file_authenticates_the_client() {
    // The client's registered key stands for the platform's: the assertion is made
    // elsewhere and only read here, as Entra or Keycloak would take a federated one.
    let key = other_key();
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_client(Client::new("workload").with_public_key(key.verifying_key())),
    )
    .unwrap();
    let dir = temp_dir("assertion");
    let path = dir.join("assertion.jwt");
    let assertion = |jti: &str| {
        Claims::for_client("workload", server.token_url())
            .with_jti(jti)
            .sign(&key)
            .unwrap()
            .into_exposed_secret()
    };
    std::fs::write(&path, assertion("one")).unwrap();
    let request = TokenRequest::new(
        server.token_url(),
        Grant::client_credentials(),
        ClientAuth::client_assertion("workload", TokenSource::file(&path)).unwrap(),
    )
    .unwrap();
    assert_eq!(request.auth().method_name(), "private_key_jwt");
    let agent = s2s_oauth::agent();
    request.send(&agent).unwrap();
    // The same assertion again is a replay the server refuses...
    let err = request.send(&agent).unwrap_err();
    assert_eq!(oauth_code(&err), ErrorCode::InvalidClient);
    // ...and the rotated one is read and accepted.
    std::fs::write(&path, assertion("two")).unwrap();
    request.send(&agent).unwrap();
    let sent = server.requests();
    let last = sent.last().unwrap();
    assert_eq!(
        last.form_value("client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert_eq!(last.form_value("client_id"), Some("workload"));
    // Without client_id.
    let only = ClientAuth::client_assertion_only(TokenSource::file(&path));
    assert_eq!(only.client_id(), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_federated_identity_authenticates_its_client_with_the_platform_jwt() {
    // Entra's model: the app registers (issuer, subject); the job sends the
    // cluster's token, audience api://AzureADTokenExchange, as its client assertion.
    const ENTRA_AUDIENCE: &str = "api://AzureADTokenExchange";
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_trusted_issuer(
                TrustedIssuer::new(CLUSTER, cluster_key().verifying_key())
                    .with_audience(ENTRA_AUDIENCE),
            )
            .with_client(
                Client::new("app-id")
                    .with_federated_identity(CLUSTER, "system:serviceaccount:jobs:sync"),
            ),
    )
    .unwrap();
    let token_for = |sub: &str| {
        Claims::new(CLUSTER, sub, ENTRA_AUDIENCE)
            .with_lifetime(Duration::from_secs(3600))
            .sign(&cluster_key())
            .unwrap()
    };
    let dir = temp_dir("federated");
    let path = dir.join("azure-identity-token");
    std::fs::write(
        &path,
        token_for("system:serviceaccount:jobs:sync").expose_secret(),
    )
    .unwrap();
    let request = |auth: ClientAuth| {
        TokenRequest::new(server.token_url(), Grant::client_credentials(), auth).unwrap()
    };
    let agent = s2s_oauth::agent();
    let federated =
        request(ClientAuth::client_assertion("app-id", TokenSource::file(&path)).unwrap());
    federated.send(&agent).unwrap();
    // The same platform token again: not a replay (it lives an hour).
    federated.send(&agent).unwrap();
    // Another service account of the same cluster is not this app.
    std::fs::write(
        &path,
        token_for("system:serviceaccount:jobs:other").expose_secret(),
    )
    .unwrap();
    let err = federated.send(&agent).unwrap_err();
    assert_eq!(oauth_code(&err), ErrorCode::InvalidClient);
    assert!(err.to_string().contains("federated identity"), "{err}");
    // Without client_id the server cannot tell which app.
    std::fs::write(
        &path,
        token_for("system:serviceaccount:jobs:sync").expose_secret(),
    )
    .unwrap();
    let err = request(ClientAuth::client_assertion_only(TokenSource::file(&path)))
        .send(&agent)
        .unwrap_err();
    assert_eq!(oauth_code(&err), ErrorCode::InvalidRequest);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_issued_token_that_is_not_an_access_token_is_told_apart() {
    let body = br#"{"access_token":"PHNhbWw","issued_token_type":"urn:ietf:params:oauth:token-type:saml2","token_type":"N_A","expires_in":60}"#;
    let token = TokenResponse::parse(
        &HttpResponse::new(200, vec![], body.to_vec()),
        SystemTime::now(),
    )
    .unwrap();
    assert_eq!(token.issued_token_type_uri(), Some(TokenTypeUri::Saml2));
    assert_eq!(token.token_type().map(|t| t.as_str()), Some("N_A"));
    assert!(!token.is_access_token());
    let custom =
        br#"{"access_token":"x","issued_token_type":"urn:example:t","token_type":"Bearer"}"#;
    let token = TokenResponse::parse(
        &HttpResponse::new(200, vec![], custom.to_vec()),
        SystemTime::now(),
    )
    .unwrap();
    assert_eq!(
        token.issued_token_type_uri(),
        Some(TokenTypeUri::Other("urn:example:t".into()))
    );
    assert!(!token.is_access_token());
}

#[test]
fn bad_sources_are_refused_before_anything_is_sent() {
    for source in [
        TokenSource::new(SecurityToken::new(" ")),
        TokenSource::file(""),
        TokenSource::env(""),
        TokenSource::env("A=B"),
        TokenSource::executable(
            Executable::new("/bin/true")
                .unwrap()
                .with_timeout(Duration::ZERO),
        ),
    ] {
        let err = TokenRequest::new(
            "https://as.example.com/token",
            Grant::token_exchange(TokenExchange::new(source.clone(), TokenTypeUri::Jwt)),
            ClientAuth::none(),
        )
        .unwrap_err();
        assert!(err.is_local(), "{source:?}: {err:?}");
        let err = ClientAuth::client_assertion("c", source.clone())
            .and_then(|auth| {
                TokenRequest::new(
                    "https://as.example.com/token",
                    Grant::client_credentials(),
                    auth,
                )
            })
            .unwrap_err();
        assert!(err.is_local(), "{source:?}: {err:?}");
    }
}

/// `Grant::token_exchange` keeps the exchange with the function that writes its
/// parameters: `Debug` stays what `#[derive(Debug)]` gave a grant holding the
/// exchange alone (no function address), and a clone writes the same parameters.
#[test]
fn a_token_exchange_grant_debugs_and_clones_as_the_exchange_it_holds() {
    /// The shape the grant's derived `Debug` printed before the function was kept.
    #[allow(dead_code)]
    mod shape {
        #[derive(Debug)]
        pub struct Grant {
            pub kind: GrantKind,
        }
        #[derive(Debug)]
        pub enum GrantKind {
            TokenExchange(Box<s2s_oauth::exchange::TokenExchange>),
        }
    }
    let exchange = TokenExchange::new(TokenSource::file("platform/token"), TokenTypeUri::Jwt)
        .with_actor(TokenSource::env("ACTOR_TOKEN"), TokenTypeUri::IdToken)
        .with_audience("urn:example:a")
        .unwrap();
    let grant = Grant::token_exchange(exchange.clone());
    let expected = shape::Grant {
        kind: shape::GrantKind::TokenExchange(Box::new(exchange)),
    };
    assert_eq!(format!("{grant:?}"), format!("{expected:?}"));
    assert_eq!(format!("{grant:#?}"), format!("{expected:#?}"));
    assert_eq!(format!("{:?}", grant.clone()), format!("{grant:?}"));
    assert!(
        format!("{grant:?}").starts_with(
            "Grant { kind: TokenExchange(TokenExchange { subject: TokenSource::File(\"platform/token\")"
        ),
        "{grant:?}"
    );

    // A clone (and a clone of the request) sends the same form.
    let body = |grant: Grant| {
        let http = TokenRequest::new(
            "https://as.example.com/token",
            grant,
            ClientAuth::none_with_client_id("app"),
        )
        .unwrap()
        .clone()
        .to_http_request(SystemTime::now(), &SystemRandom::new())
        .unwrap();
        String::from_utf8(http.body().to_vec()).unwrap()
    };
    let grant = Grant::token_exchange(
        TokenExchange::new(TokenSource::new("sub.jwt.sig"), TokenTypeUri::AccessToken)
            .with_audience("urn:example:a")
            .unwrap(),
    );
    let cloned = grant.clone();
    assert_eq!(cloned.grant_type(), grant.grant_type());
    let sent = body(grant);
    assert_eq!(body(cloned), sent);
    assert_eq!(
        sent,
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
         &subject_token=sub.jwt.sig\
         &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token\
         &audience=urn%3Aexample%3Aa&client_id=app"
    );
}

/// Each `TokenSource` constructor stores the functions that read it: `Debug`
/// names the kind exactly, and a clone reads as the original does (a file anew
/// each time, a function called each time).
#[test]
fn a_cloned_source_reads_and_debugs_as_the_original() {
    let dir = temp_dir("clone");
    let path = dir.join("token");
    std::fs::write(&path, "first.jwt.sig\n").unwrap();
    let file = TokenSource::file(&path);
    let copy = file.clone();
    let now = SystemTime::now();
    assert_eq!(copy.read(now).unwrap().expose_secret(), "first.jwt.sig");
    std::fs::write(&path, "second.jwt.sig").unwrap();
    assert_eq!(copy.read(now).unwrap().expose_secret(), "second.jwt.sig");
    assert_eq!(file.read(now).unwrap().expose_secret(), "second.jwt.sig");
    assert_eq!(format!("{copy:?}"), format!("TokenSource::File({path:?})"));

    let value = TokenSource::new(" v.jwt.sig\n").clone();
    assert_eq!(value.read(now).unwrap().expose_secret(), "v.jwt.sig");
    assert_eq!(format!("{value:?}"), "TokenSource::Value([redacted])");

    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let function = TokenSource::from_fn(move || {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(SecurityToken::new("fn.jwt.sig"))
    });
    let copy = function.clone();
    assert_eq!(copy.read(now).unwrap().expose_secret(), "fn.jwt.sig");
    function.read(now).unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(format!("{copy:?}"), "TokenSource::Fn(..)");

    let env = TokenSource::env("S2S_OAUTH_CLONE_TEST_UNSET").clone();
    assert_eq!(
        format!("{env:?}"),
        "TokenSource::Env(\"S2S_OAUTH_CLONE_TEST_UNSET\")"
    );
    assert!(matches!(
        env.read(now),
        Err(Error::TokenSource(e)) if matches!(*e, SourceError::EnvNotSet { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Executable sources: Google's executable-sourced credential contract.
#[cfg(unix)]
mod executable {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// Writes an executable shell script.
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn read(exe: Executable) -> Result<SecurityToken, Error> {
        TokenSource::executable(exe).read(SystemTime::now())
    }

    /// A timeout no deadline can hold (`Duration::MAX`, through the public
    /// `TokenSource::read`, which does not check it first) is no panic: the
    /// program is waited for, and its empty output is refused.
    #[test]
    fn an_unbounded_timeout_is_no_panic() {
        let exe = Executable::new("/bin/true")
            .unwrap()
            .with_timeout(Duration::MAX);
        let e = source_error(read(exe));
        assert!(!matches!(e, SourceError::Timeout { .. }), "{e:?}");
    }

    fn source_error(result: Result<SecurityToken, Error>) -> SourceError {
        match result {
            Err(Error::TokenSource(e)) => *e,
            other => panic!("expected a SourceError, got {other:?}"),
        }
    }

    fn future() -> u64 {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600
    }

    #[test]
    fn a_good_response_gives_its_token_and_the_exchange_works() {
        let dir = temp_dir("exe-ok");
        let jwt = platform_token(&cluster_key(), CLUSTER, "system:serviceaccount:x:y");
        let path = script(
            &dir,
            "ok.sh",
            &format!(
                r#"[ "$1" = "--audience" ] && [ "$2" = "{STS_AUDIENCE}" ] && [ "$EXTRA" = "set" ] || exit 9
printf '{{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"{jwt}","expiration_time":{}}}'"#,
                future()
            ),
        );
        let exe = Executable::new(&format!("{} --audience {STS_AUDIENCE}", path.display()))
            .unwrap()
            .with_env("EXTRA", "set");
        assert_eq!(read(exe.clone()).unwrap().expose_secret(), jwt);
        let server = server();
        exchange_request(
            &server,
            TokenExchange::new(TokenSource::executable(exe), TokenTypeUri::Jwt),
        )
        .send(&s2s_oauth::agent())
        .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn failures_are_typed() {
        let dir = temp_dir("exe-fail");
        let exe = |name: &str, body: &str| {
            Executable::new(&script(&dir, name, body).display().to_string()).unwrap()
        };
        // Timeout: killed, and no waiting for it.
        let started = std::time::Instant::now();
        let slow = exe("slow.sh", "exec sleep 30").with_timeout(Duration::from_millis(300));
        assert_eq!(
            source_error(read(slow)),
            SourceError::Timeout {
                program: dir.join("slow.sh").display().to_string().into(),
                after: Duration::from_millis(300)
            }
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        // The message gives the timeout in whole milliseconds.
        let timeout = SourceError::Timeout {
            program: "helper".into(),
            after: Duration::from_millis(120_000),
        };
        assert_eq!(
            timeout.to_string(),
            "the executable \"helper\" did not finish within 120000 ms and was killed; make it faster or raise its timeout"
        );
        // Output closed early, exit late: still the timeout.
        let lingering =
            exe("linger.sh", "exec >&- ; exec sleep 30").with_timeout(Duration::from_millis(300));
        assert!(matches!(
            source_error(read(lingering)),
            SourceError::Timeout { .. }
        ));
        // Bad JSON.
        assert!(matches!(
            source_error(read(exe("bad.sh", "echo not json"))),
            SourceError::BadOutput { .. }
        ));
        // Non-zero exit, even with a good-looking response.
        let good = r#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"a.b.c"}"#;
        assert!(matches!(
            source_error(read(exe("exit.sh", &format!("echo '{good}'; exit 3")))),
            SourceError::Exit { code: Some(3), .. }
        ));
        // success=false with its code and message.
        let refused = exe(
            "refused.sh",
            r#"echo '{"version":1,"success":false,"code":"401","message":"Caller not authorized."}'"#,
        );
        let err = source_error(read(refused));
        assert!(
            matches!(&err, SourceError::Refused { code, message, .. } if &**code == "401" && &**message == "Caller not authorized."),
            "{err:?}"
        );
        assert!(err.to_string().contains("Caller not authorized."));
        // Expired by its own expiration_time.
        let expired = r#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"a.b.c","expiration_time":1000}"#;
        assert!(matches!(
            source_error(read(exe("expired.sh", &format!("echo '{expired}'")))),
            SourceError::Expired { .. }
        ));
        // More than 1 MiB of output.
        assert!(matches!(
            source_error(read(exe("big.sh", "head -c 2000000 /dev/zero"))),
            SourceError::OutputTooLarge { .. }
        ));
        // A program that does not exist; a relative path.
        let missing = Executable::new("/nonexistent/s2s-oauth-helper").unwrap();
        assert!(matches!(
            source_error(read(missing)),
            SourceError::Spawn {
                kind: std::io::ErrorKind::NotFound,
                ..
            }
        ));
        assert!(Executable::new("helper --flag").is_err());
        // No shell: metacharacters are arguments.
        let echo = exe(
            "args.sh",
            r#"[ "$1" = '$(touch pwned)' ] || exit 4; echo '{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"a.b.c"}'"#,
        );
        let argv = [echo.program().to_owned(), "$(touch pwned)".to_owned()];
        read(Executable::from_argv(argv).unwrap()).unwrap();
        assert!(!Path::new("pwned").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Whether process `pid` still runs: a zombie (killed, waiting for init to
    /// reap it) counts as gone.
    fn alive(pid: u32) -> bool {
        if Path::new("/proc/self/stat").exists() {
            return match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
                // The state follows the command name's closing parenthesis.
                Ok(stat) => !matches!(
                    stat.rsplit_once(')')
                        .map(|(_, rest)| rest.trim_start().chars().next()),
                    Some(Some('Z' | 'X'))
                ),
                Err(_) => false,
            };
        }
        std::process::Command::new("/bin/sh")
            .args(["-c", "kill -0 \"$1\" 2>/dev/null", "sh", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    }

    /// The pid a grandchild wrote to `file`, waited for (bounded).
    fn pid_in(file: &Path) -> u32 {
        let until = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(pid) = std::fs::read_to_string(file)
                .ok()
                .and_then(|s| s.trim().parse().ok())
            {
                return pid;
            }
            assert!(std::time::Instant::now() < until, "no pid in {file:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits (bounded) for `pid` to be gone.
    fn gone(pid: u32) -> bool {
        let until = std::time::Instant::now() + Duration::from_secs(5);
        while alive(pid) {
            if std::time::Instant::now() > until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    /// A program given up on takes its process group with it: a `sleep` it
    /// started (holding its stdout, or not) does not live on after the error.
    #[test]
    fn a_program_given_up_on_leaves_no_grandchild() {
        let dir = temp_dir("exe-group");
        // Times out: the grandchild keeps the output open and the program hangs.
        let pid_file = dir.join("timeout.pid");
        let hangs = script(
            &dir,
            "hangs.sh",
            &format!(
                "/bin/sh -c 'echo $$ > \"$1\"; exec sleep 60' sh '{}' &\nsleep 60",
                pid_file.display()
            ),
        );
        let exe = Executable::new(&hangs.display().to_string())
            .unwrap()
            .with_timeout(Duration::from_secs(2));
        let err = source_error(read(exe));
        assert!(matches!(err, SourceError::Timeout { .. }), "{err:?}");
        let pid = pid_in(&pid_file);
        assert!(gone(pid), "the grandchild {pid} outlived the timeout");

        // Exits 0 with output that is no valid response, a grandchild left in
        // the background with its output elsewhere.
        let pid_file = dir.join("bad.pid");
        let bad = script(
            &dir,
            "bad-output.sh",
            &format!(
                "/bin/sh -c 'echo $$ > \"$1\"; exec sleep 60' sh '{}' >/dev/null &\nwhile [ ! -s '{}' ]; do sleep 0.01; done\necho not json",
                pid_file.display(),
                pid_file.display()
            ),
        );
        let err = source_error(read(Executable::new(&bad.display().to_string()).unwrap()));
        assert!(matches!(err, SourceError::BadOutput { .. }), "{err:?}");
        let pid = pid_in(&pid_file);
        assert!(gone(pid), "the grandchild {pid} outlived the bad output");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A non-zero exit (known only once the program was reaped) still takes the
    /// program's group along; a program that succeeds is left alone, and so is
    /// the helper it left in the background.
    #[test]
    fn a_failed_program_takes_its_group_along_and_a_good_one_does_not() {
        let dir = temp_dir("exe-exit");
        let helper = |name: &str, tail: &str| {
            let pid_file = dir.join(format!("{name}.pid"));
            let path = script(
                &dir,
                &format!("{name}.sh"),
                &format!(
                    "/bin/sh -c 'echo $$ > \"$1\"; exec sleep 60' sh '{}' >/dev/null &\nwhile [ ! -s '{}' ]; do sleep 0.01; done\n{tail}",
                    pid_file.display(),
                    pid_file.display()
                ),
            );
            (
                Executable::new(&path.display().to_string()).unwrap(),
                pid_file,
            )
        };
        let (fails, pid_file) = helper("fails", "exit 3");
        let err = source_error(read(fails));
        assert!(matches!(err, SourceError::Exit { .. }), "{err:?}");
        let pid = pid_in(&pid_file);
        assert!(gone(pid), "the helper {pid} outlived the failed program");

        let (good, pid_file) = helper(
            "good",
            &format!(
                r#"printf '{{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"e30.e30.c2ln","expiration_time":{}}}'"#,
                future()
            ),
        );
        assert_eq!(read(good).unwrap().expose_secret(), "e30.e30.c2ln");
        let pid = pid_in(&pid_file);
        std::thread::sleep(Duration::from_millis(200));
        let left_alone = alive(pid);
        // Ours to end: the helper this test's program started.
        let _ = std::process::Command::new("/bin/kill")
            .arg(pid.to_string())
            .status();
        assert!(
            left_alone,
            "the helper {pid} of a program that succeeded was killed"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A program that stops its own process group (`kill -STOP 0`) stops what
    /// would kill the group on the way out too: the timeout still comes back,
    /// bounded, and the group is gone.
    #[test]
    fn a_program_that_stops_its_group_still_times_out() {
        let dir = temp_dir("exe-stop");
        let pid_file = dir.join("stopped.pid");
        let path = script(
            &dir,
            "stops.sh",
            &format!(
                "echo $$ > '{}'\nkill -s STOP 0\nsleep 60",
                pid_file.display()
            ),
        );
        let exe = Executable::new(&path.display().to_string())
            .unwrap()
            .with_timeout(Duration::from_secs(1));
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = sender.send(read(exe).map(|_| ()));
        });
        let result = receiver
            .recv_timeout(Duration::from_secs(20))
            .expect("no answer 20 s after a 1 s timeout");
        let err = source_error(result.map(|()| SecurityToken::new("unused")));
        assert!(matches!(err, SourceError::Timeout { .. }), "{err:?}");
        let pid = pid_in(&pid_file);
        assert!(gone(pid), "the stopped program {pid} lives on");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The caller dies while its program runs (Ctrl-C, a kill, a crash): the
    /// program's process group, in which the terminal's signal does not arrive,
    /// goes with it instead of running on as an orphan. The caller is this test
    /// binary run again for [`caller_that_dies_mid_run`], killed once its
    /// program's helper is up.
    #[test]
    fn a_caller_that_dies_takes_its_programs_group_along() {
        let dir = temp_dir("exe-orphan");
        let pid_file = dir.join("helper.pid");
        let mut caller = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "executable::caller_that_dies_mid_run",
                "--ignored",
                "--test-threads=1",
            ])
            .env("S2S_TEST_CALLER_DIR", &dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = pid_in(&pid_file);
        caller.kill().unwrap();
        caller.wait().unwrap();
        assert!(gone(pid), "the helper {pid} outlived its caller");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Run by [`a_caller_that_dies_takes_its_programs_group_along`] only: runs a
    /// program whose helper writes its pid and sleeps, and waits to be killed.
    #[test]
    #[ignore = "the caller half of a_caller_that_dies_takes_its_programs_group_along"]
    fn caller_that_dies_mid_run() {
        let Some(dir) = std::env::var_os("S2S_TEST_CALLER_DIR").map(PathBuf::from) else {
            return;
        };
        let pid_file = dir.join("helper.pid");
        let hangs = script(
            &dir,
            "hangs.sh",
            &format!(
                "/bin/sh -c 'echo $$ > \"$1\"; exec sleep 60' sh '{}' >/dev/null &\nsleep 60",
                pid_file.display()
            ),
        );
        let exe = Executable::new(&hangs.display().to_string())
            .unwrap()
            .with_timeout(Duration::from_secs(60));
        let _ = read(exe);
    }

    /// `TokenSource::executable` stores the program's runner with it: a clone of
    /// the source runs the program each time it is read, as the original does,
    /// and `Debug` shows the executable.
    #[test]
    fn a_cloned_executable_source_runs_its_program_each_time() {
        let dir = temp_dir("exe-clone");
        let runs = dir.join("runs");
        let path = script(
            &dir,
            "counted.sh",
            &format!(
                r#"echo run >> "{runs}"
printf '{{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"exe.jwt.sig","expiration_time":{exp}}}'"#,
                runs = runs.display(),
                exp = future()
            ),
        );
        let exe = Executable::new(&path.display().to_string()).unwrap();
        let source = TokenSource::executable(exe.clone());
        let copy = source.clone();
        assert_eq!(
            format!("{copy:?}"),
            format!("TokenSource::Executable({exe:?})")
        );
        let now = SystemTime::now();
        assert_eq!(copy.read(now).unwrap().expose_secret(), "exe.jwt.sig");
        assert_eq!(source.read(now).unwrap().expose_secret(), "exe.jwt.sig");
        assert_eq!(copy.read(now).unwrap().expose_secret(), "exe.jwt.sig");
        let count = std::fs::read_to_string(&runs).unwrap().lines().count();
        assert_eq!(count, 3, "one run per read");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_output_file_is_used_until_its_token_expires() {
        let dir = temp_dir("exe-cache");
        let out = dir.join("out.json");
        let runs = dir.join("runs");
        let path = script(
            &dir,
            "cached.sh",
            &format!(
                r#"echo run >> "{runs}"
r='{{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"fresh.jwt.sig","expiration_time":{exp}}}'
printf '%s' "$r" > "$GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE"
printf '%s' "$r""#,
                runs = runs.display(),
                exp = future()
            ),
        );
        let exe = Executable::new(&path.display().to_string())
            .unwrap()
            .with_output_file(&out);
        assert_eq!(read(exe.clone()).unwrap().expose_secret(), "fresh.jwt.sig");
        assert_eq!(read(exe.clone()).unwrap().expose_secret(), "fresh.jwt.sig");
        let count = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
        assert_eq!(count(&runs), 1, "the second read came from the output file");
        // An expired response in the file: the program runs again.
        std::fs::write(
            &out,
            r#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"old.jwt.sig","expiration_time":1000}"#,
        )
        .unwrap();
        assert_eq!(read(exe.clone()).unwrap().expose_secret(), "fresh.jwt.sig");
        assert_eq!(count(&runs), 2);
        // A file that is no response at all is an error naming the file.
        std::fs::write(&out, "garbage").unwrap();
        let err = source_error(read(exe));
        assert!(err.to_string().contains("output file"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
