//! The CLI's mutual TLS and trust flags (RFC 8705) over the real binary against
//! the testkit's TLS listener: `--ca-file` (built-in roots kept; an untrusted
//! server is exit 5 with a TLS error line), `--client-cert` / `--client-cert-key`
//! with `--auth tls|self-signed-tls`, a certificate-bound token, bad files as
//! exit 2, and doctor's metadata GETs with `--ca-file`.
#![cfg(feature = "cli")]

#[path = "cli/support.rs"]
mod support;

use s2s_oauth::Certificate;
use s2s_oauth::testkit::{Client, Config, Profile, Server};
use support::{Run, TempDir, run};

fn tls(name: &str) -> String {
    format!("{}/tests/data/tls/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn server() -> Server {
    Server::start_tls(
        Config::new(Profile::Generic)
            .with_client_ca(Certificate::from_pem_file(tls("client-ca.cert.pem")).unwrap())
            .with_client(
                Client::new("mtls-client")
                    .with_tls_client_auth_subject_dn("CN=mtls-client,O=s2s-oauth tests")
                    .with_certificate_bound_tokens(true),
            )
            .with_client(Client::new("self-signed").with_self_signed_certificate(
                Certificate::from_pem_file(tls("self-signed-client.cert.pem")).unwrap(),
            )),
    )
    .unwrap()
}

/// `--auth AUTH --client-id ID --client-cert CERT --client-cert-key KEY`.
fn tls_auth<'a>(auth: &'a str, client_id: &'a str, cert: &'a str, key: &'a str) -> Vec<&'a str> {
    vec![
        "--auth",
        auth,
        "--client-id",
        client_id,
        "--client-cert",
        cert,
        "--client-cert-key",
        key,
    ]
}

fn client_credentials(server: &Server, extra: &[&str]) -> Run {
    let url = server.token_url();
    let mut args = vec!["client-credentials", "--token-url", &url, "--timeout", "5"];
    args.extend(extra);
    run(&args)
}

#[test]
fn tls_client_auth_with_a_ca_file_gets_a_bound_token() {
    let server = server();
    let (ca, cert, key) = (
        tls("ca.cert.pem"),
        tls("client.cert.pem"),
        tls("client.key.pem"),
    );
    let ok = client_credentials(
        &server,
        &[
            tls_auth("tls", "mtls-client", &cert, &key),
            vec!["--ca-file", &ca],
        ]
        .concat(),
    );
    assert_eq!(ok.code, 0, "{ok:?}");
    let token = ok.json()["access_token"].as_str().unwrap().to_owned();
    let requests = server.requests();
    assert_eq!(requests[0].form_value("client_id"), Some("mtls-client"));
    assert_eq!(requests[0].header("Authorization"), None);

    // The token is bound to the certificate the CLI presented.
    let agent = s2s_oauth::tls::AgentTls::new()
        .with_ca_file(&ca)
        .unwrap()
        .agent();
    let answer = agent
        .post(server.introspection_url())
        .send_form([("token", token.as_str())])
        .unwrap();
    let answer: serde_json::Value =
        serde_json::from_slice(s2s_oauth::HttpResponse::from_ureq(answer).unwrap().body()).unwrap();
    let presented = Certificate::from_pem_file(&cert).unwrap();
    s2s_oauth::tls::check_certificate_binding(answer.as_object().unwrap(), presented.der())
        .unwrap();
}

#[test]
fn self_signed_tls_client_auth() {
    let server = server();
    let ca = tls("ca.cert.pem");
    let (cert, key) = (
        tls("self-signed-client.cert.pem"),
        tls("self-signed-client.key.pem"),
    );
    let ok = client_credentials(
        &server,
        &[
            tls_auth("self-signed-tls", "self-signed", &cert, &key),
            vec!["--ca-file", &ca, "--output", "token"],
        ]
        .concat(),
    );
    assert_eq!(ok.code, 0, "{ok:?}");
    assert!(!ok.stdout.trim().is_empty());
    // The same client with the CA-issued certificate: refused by the server.
    let (cert, key) = (tls("client.cert.pem"), tls("client.key.pem"));
    let refused = client_credentials(
        &server,
        &[
            tls_auth("self-signed-tls", "self-signed", &cert, &key),
            vec!["--ca-file", &ca],
        ]
        .concat(),
    );
    let line = refused.failure(3);
    assert!(line.contains("invalid_client"), "{line}");
}

#[test]
fn a_server_trusted_by_neither_the_roots_nor_the_ca_file_is_exit_5_with_a_tls_line() {
    let server = server();
    let (cert, key) = (tls("client.cert.pem"), tls("client.key.pem"));
    let common = tls_auth("tls", "mtls-client", &cert, &key);
    // No --ca-file (the built-in roots only), and a CA file of another CA.
    let other_ca = tls("client-ca.cert.pem");
    for extra in [&[][..], &["--ca-file", other_ca.as_str()][..]] {
        let refused = client_credentials(&server, &[&common[..], extra].concat());
        let line = refused.failure(5);
        assert!(line.contains("TLS"), "{line}");
        assert!(
            line.contains("UnknownIssuer") || line.contains("not trusted"),
            "{line}"
        );
        assert!(
            refused.hint().unwrap_or("").contains("--ca-file"),
            "{refused:?}"
        );
    }
    assert!(server.requests().is_empty(), "nothing reached the server");
}

#[test]
fn bad_tls_files_and_flags_are_exit_2() {
    let server = server();
    let dir = TempDir::new();
    let empty = dir.file("empty.pem", "");
    let (cert, key) = (tls("client.cert.pem"), tls("client.key.pem"));
    let wrong_key = tls("server.key.pem");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            [
                tls_auth("tls", "mtls-client", &cert, &key),
                vec!["--ca-file", &empty],
            ]
            .concat(),
            "no certificate",
        ),
        (
            vec![
                "--auth",
                "tls",
                "--client-id",
                "mtls-client",
                "--client-cert",
                &cert,
            ],
            "--client-cert-key",
        ),
        (
            vec![
                "--auth",
                "tls",
                "--client-id",
                "mtls-client",
                "--client-cert-key",
                &key,
            ],
            "--client-cert",
        ),
        (
            vec!["--auth", "tls", "--client-id", "mtls-client"],
            "--client-cert FILE",
        ),
        (
            tls_auth("tls", "mtls-client", &cert, &wrong_key),
            "does not belong",
        ),
        (
            [
                tls_auth("tls", "x", &cert, &key),
                vec!["--ca-file", "/no/such/ca.pem"],
            ]
            .concat(),
            "cannot read",
        ),
        (vec!["--auth", "tlz", "--client-id", "x"], "self-signed-tls"),
    ];
    for (args, expected) in cases {
        let failed = client_credentials(&server, &args);
        let line = failed.failure(2);
        assert!(line.contains(expected), "{args:?}: {line}");
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn help_lists_the_tls_flags() {
    for command in ["client-credentials", "jwt-bearer", "refresh", "saml-bearer"] {
        let help = run(&[command, "--help"]);
        assert_eq!(help.code, 0);
        for flag in [
            "--ca-file FILE",
            "--client-cert FILE",
            "--client-cert-key FILE",
            "self-signed-tls",
        ] {
            assert!(help.stdout.contains(flag), "{command}: {flag}");
        }
    }
    let doctor = run(&["doctor", "--help"]);
    assert!(doctor.stdout.contains("--ca-file FILE"));
    assert!(!doctor.stdout.contains("--client-cert "));
}

#[test]
fn doctor_trusts_the_ca_file_for_its_metadata_gets() {
    let server = server();
    let url = server.token_url();
    let ca = tls("ca.cert.pem");
    let trusted = run(&[
        "doctor",
        "--token-url",
        &url,
        "--timeout",
        "5",
        "--ca-file",
        &ca,
    ]);
    assert!(
        trusted
            .stdout
            .lines()
            .any(|l| l.starts_with("ok: ") && l.contains("answered")),
        "{trusted:?}"
    );
    let untrusted = run(&["doctor", "--token-url", &url, "--timeout", "5"]);
    assert_eq!(untrusted.code, 1, "{untrusted:?}");
    assert!(
        untrusted
            .stdout
            .contains("fail: cannot reach https://127.0.0.1:"),
        "{untrusted:?}"
    );
}

/// `--cache` with a certificate-bound token: the cached token is served only with
/// the certificate it is bound to. After a certificate rotation (another
/// `--client-cert`) the CLI asks for a new token instead of printing one the
/// resource server would refuse.
#[test]
fn the_cache_tells_client_certificates_apart() {
    let server = Server::start_tls(
        Config::new(Profile::Generic).with_client(
            Client::new("secret-bound")
                .with_secret("s3cr3t")
                .with_certificate_bound_tokens(true),
        ),
    )
    .unwrap();
    let dir = TempDir::new();
    let secret = dir.file("secret", "s3cr3t");
    let cache = dir.path().join("token.json").to_string_lossy().into_owned();
    let ca = tls("ca.cert.pem");
    let fetch = |cert: &str, key: &str| {
        let (cert, key) = (tls(cert), tls(key));
        let run = client_credentials(
            &server,
            &[
                "--client-id",
                "secret-bound",
                "--client-secret-file",
                &secret,
                "--client-cert",
                &cert,
                "--client-cert-key",
                &key,
                "--ca-file",
                &ca,
                "--cache",
                &cache,
            ],
        );
        assert_eq!(run.code, 0, "{run:?}");
        run.json()["access_token"].as_str().unwrap().to_owned()
    };
    let first = fetch("client.cert.pem", "client.key.pem");
    // The same certificate: served from the cache.
    assert_eq!(fetch("client.cert.pem", "client.key.pem"), first);
    assert_eq!(server.requests().len(), 1);
    // Another certificate: a new token, bound to it.
    let second = fetch("self-signed-client.cert.pem", "self-signed-client.key.pem");
    assert_ne!(second, first);
    assert_eq!(server.requests().len(), 2);
}

/// A TLS server on loopback that requires a client certificate from
/// `client-ca.cert.pem` at the handshake (as an https proxy in front of an
/// identity provider does): it accepts one connection, completes what it can of
/// the handshake, and returns the port.
fn strict_tls_server() -> u16 {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::sync::Arc;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(tls("client-ca.cert.pem")).unwrap())
        .unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let chain = CertificateDer::pem_file_iter(tls("loopback.cert.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(tls("server.key.pem")).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut sock, _)) = listener.accept() {
            sock.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .ok();
            let mut conn = rustls::ServerConnection::new(config).unwrap();
            // Until the handshake fails (the alert goes out) or the client leaves.
            while conn.complete_io(&mut sock).is_ok() && conn.is_handshaking() {}
            let _ = conn.complete_io(&mut sock);
        }
    });
    port
}

/// A server that wants a client certificate at the handshake and gets none (or
/// one it does not trust) ends the handshake with an alert: exit 5, and the hint
/// names --client-cert rather than blaming the server's certificate.
#[test]
fn a_server_that_refuses_the_handshake_for_a_client_certificate_hints_client_cert() {
    let ca = tls("ca.cert.pem");
    let secret_dir = TempDir::new();
    let secret = secret_dir.file("secret", "s3cr3t");
    let (cert, key) = (
        tls("self-signed-client.cert.pem"),
        tls("self-signed-client.key.pem"),
    );
    for extra in [
        &[][..],
        &[
            "--client-cert",
            cert.as_str(),
            "--client-cert-key",
            key.as_str(),
        ][..],
    ] {
        let port = strict_tls_server();
        let url = format!("https://127.0.0.1:{port}/token");
        let mut args = vec![
            "client-credentials",
            "--token-url",
            &url,
            "--timeout",
            "5",
            "--client-id",
            "app",
            "--client-secret-file",
            &secret,
            "--ca-file",
            &ca,
        ];
        args.extend(extra);
        let refused = run(&args);
        let line = refused.failure(5);
        assert!(line.contains("TLS"), "{line}");
        let hint = refused.hint().unwrap_or("");
        assert!(hint.contains("--client-cert"), "{refused:?}");
        assert!(!hint.contains("is not trusted here"), "{refused:?}");
    }
}

/// A CA file with a private key in it is exit 2 (nothing sent), and the line says
/// to pass the CA certificates alone, not the advice for a public-key slot.
#[test]
fn a_ca_file_with_a_private_key_is_exit_2_saying_what_to_do() {
    let server = server();
    let dir = TempDir::new();
    let ca_and_key = dir.file(
        "ca-and-key.pem",
        std::fs::read_to_string(tls("ca.cert.pem")).unwrap()
            + &std::fs::read_to_string(tls("server.key.pem")).unwrap(),
    );
    let secret = dir.file("secret", "s3cr3t");
    let refused = client_credentials(
        &server,
        &[
            "--client-id",
            "app",
            "--client-secret-file",
            &secret,
            "--ca-file",
            &ca_and_key,
        ],
    );
    let line = refused.failure(2);
    assert!(line.contains("--ca-file"), "{line}");
    assert!(line.contains("CA certificates alone"), "{line}");
    assert!(server.requests().is_empty(), "nothing reached the server");
}
