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
            "--auth",
            "tls",
            "--client-id",
            "mtls-client",
            "--client-cert",
            &cert,
            "--client-cert-key",
            &key,
            "--ca-file",
            &ca,
        ],
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
    let ok = client_credentials(
        &server,
        &[
            "--auth",
            "self-signed-tls",
            "--client-id",
            "self-signed",
            "--client-cert",
            &tls("self-signed-client.cert.pem"),
            "--client-cert-key",
            &tls("self-signed-client.key.pem"),
            "--ca-file",
            &tls("ca.cert.pem"),
            "--output",
            "token",
        ],
    );
    assert_eq!(ok.code, 0, "{ok:?}");
    assert!(!ok.stdout.trim().is_empty());
    // The same client with the CA-issued certificate: refused by the server.
    let refused = client_credentials(
        &server,
        &[
            "--auth",
            "self-signed-tls",
            "--client-id",
            "self-signed",
            "--client-cert",
            &tls("client.cert.pem"),
            "--client-cert-key",
            &tls("client.key.pem"),
            "--ca-file",
            &tls("ca.cert.pem"),
        ],
    );
    let line = refused.failure(3);
    assert!(line.contains("invalid_client"), "{line}");
}

#[test]
fn a_server_trusted_by_neither_the_roots_nor_the_ca_file_is_exit_5_with_a_tls_line() {
    let server = server();
    let (cert, key) = (tls("client.cert.pem"), tls("client.key.pem"));
    let common = [
        "--auth",
        "tls",
        "--client-id",
        "mtls-client",
        "--client-cert",
        &cert,
        "--client-cert-key",
        &key,
    ];
    // No --ca-file (the built-in roots only), and a CA file of another CA.
    let other_ca = tls("client-ca.cert.pem");
    for extra in [&[][..], &["--ca-file", other_ca.as_str()][..]] {
        let mut args = common.to_vec();
        args.extend(extra);
        let refused = client_credentials(&server, &args);
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
            vec![
                "--auth",
                "tls",
                "--client-id",
                "mtls-client",
                "--client-cert",
                &cert,
                "--client-cert-key",
                &key,
                "--ca-file",
                &empty,
            ],
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
            vec![
                "--auth",
                "tls",
                "--client-id",
                "mtls-client",
                "--client-cert",
                &cert,
                "--client-cert-key",
                &wrong_key,
            ],
            "does not belong",
        ),
        (
            vec![
                "--auth",
                "tls",
                "--client-id",
                "x",
                "--client-cert",
                &cert,
                "--client-cert-key",
                &key,
                "--ca-file",
                "/no/such/ca.pem",
            ],
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
