//! Exit codes 2, 3 and 4 of the binary, each with its one line on stderr (and at
//! most one `hint:` line); exit 2 sends nothing, exit 4 only for what a retry may
//! fix. Exit 5 is in `wrong_endpoint.rs`.

use std::time::Duration;

use s2s_oauth::testkit::{Fault, Profile};

use super::support::{
    CLIENT, SECRET, TempDir, USER, endpoint, key, run, run_client_credentials, run_env, server,
    strs,
};

/// A secret that must never show in a message.
const CANARY: &str = "HUNTER2-canary";

#[test]
fn bad_local_input_is_exit_2_and_nothing_is_sent() {
    let server = server(Profile::Generic);
    let dir = TempDir::new();
    let url = server.token_url();
    let empty = dir.file("empty", "\n");
    let secret = dir.file("secret", SECRET);
    let missing = dir.path().join(CANARY).to_string_lossy().into_owned();
    let rsa = key("rsa2048.pkcs8.pem");
    let jwt = |more: &[&str]| -> Vec<String> {
        let mut args = vec!["jwt-bearer", "--token-url", &url, "--issuer", CLIENT];
        args.extend(["--subject", USER]);
        args.extend(more);
        args.into_iter().map(str::to_owned).collect()
    };
    let cc = |more: &[&str]| -> Vec<String> {
        let mut args = vec!["client-credentials", "--token-url", &url];
        args.extend(more);
        args.into_iter().map(str::to_owned).collect()
    };
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "unreadable key",
            jwt(&["--key", "/nonexistent/server.key"]),
            "--key /nonexistent/server.key: cannot read it",
        ),
        (
            "1024-bit RSA key",
            jwt(&["--key", &key("rsa1024.pkcs8.pem")]),
            "RSA key is 1024 bits; at least 2048 are required",
        ),
        (
            "encrypted key",
            jwt(&["--key", &key("rsa2048.encrypted.pem")]),
            "the private key is encrypted",
        ),
        (
            "certificate as key",
            jwt(&["--key", &key("rsa2048.cert.pem")]),
            "a certificate was given where a private key was expected; pass the PEM private key file to --key (saml-bearer and sign-saml take the certificate with --cert)",
        ),
        (
            "unsupported curve",
            jwt(&["--key", &key("secp256k1.pkcs8.pem")]),
            "unsupported key type",
        ),
        (
            "unknown alg",
            jwt(&["--key", &rsa, "--alg", "RS999"]),
            "--alg: invalid input: unknown JWT algorithm \"RS999\"",
        ),
        (
            "key/alg mismatch",
            jwt(&["--key", &rsa, "--alg", "ES256"]),
            "algorithm ES256 cannot be used with an RSA-2048 key",
        ),
        (
            "EdDSA alg with P-256 key",
            jwt(&["--key", &key("p256.pkcs8.pem"), "--alg", "EdDSA"]),
            "cannot be used with an EC P-256 key",
        ),
        (
            "registered claim",
            jwt(&["--key", &rsa, "--claim", "aud=x"]),
            "--claim aud: aud comes from --audience AUD",
        ),
        ("missing --key", jwt(&[]), "jwt-bearer needs --key FILE"),
        (
            "missing --issuer",
            vec![
                "jwt-bearer".into(),
                "--token-url".into(),
                url.clone(),
                "--key".into(),
                rsa.clone(),
            ],
            "jwt-bearer needs --issuer ISS",
        ),
        (
            "missing endpoint",
            vec![
                "jwt-bearer".into(),
                "--issuer".into(),
                "i".into(),
                "--key".into(),
                rsa.clone(),
            ],
            "jwt-bearer needs --token-url URL or --salesforce",
        ),
        (
            "both endpoints",
            [
                jwt(&["--key", &rsa]),
                vec!["--salesforce".into(), "login".into()],
            ]
            .concat(),
            "give --token-url or --salesforce, not both",
        ),
        (
            "http to a non-loopback host",
            vec![
                "client-credentials".into(),
                "--token-url".into(),
                "http://idp.example.com/token".into(),
            ],
            "URL \"http://idp.example.com/token\" refused",
        ),
        (
            "--salesforce http",
            vec![
                "refresh".into(),
                "--salesforce".into(),
                "http://acme.my.salesforce.com".into(),
            ],
            "--salesforce http://acme.my.salesforce.com: plain http is allowed only to a loopback host; did you mean --salesforce https://acme.my.salesforce.com",
        ),
        (
            "--client-id missing",
            cc(&["--client-secret-file", &secret]),
            "--auth basic needs --client-id ID",
        ),
        (
            "secret missing",
            cc(&["--client-id", CLIENT, "--auth", "post"]),
            "--auth post needs --client-secret-file FILE or --client-secret-env VAR",
        ),
        (
            "client key missing",
            cc(&["--client-id", CLIENT, "--auth", "private-key-jwt"]),
            "--auth private-key-jwt needs --client-key FILE",
        ),
        (
            "secret file missing",
            cc(&["--client-id", CLIENT, "--client-secret-file", &missing]),
            "cannot read the file given to --client-secret-file",
        ),
        (
            "secret file empty",
            cc(&["--client-id", CLIENT, "--client-secret-file", &empty]),
            "the file given to --client-secret-file is empty",
        ),
        (
            "secret env unset",
            cc(&["--client-id", CLIENT, "--client-secret-env", CANARY]),
            "the environment variable named by --client-secret-env is not set",
        ),
        (
            "secret env empty",
            cc(&["--client-id", CLIENT, "--client-secret-env", "EMPTY_SECRET"]),
            "the environment variable named by --client-secret-env is empty",
        ),
        (
            "secret and key",
            cc(&[
                "--client-id",
                CLIENT,
                "--client-secret-file",
                &secret,
                "--client-key",
                &rsa,
            ]),
            "choose with --auth",
        ),
        (
            "unused secret",
            cc(&["--auth", "none", "--client-secret-file", &secret]),
            "--auth none does not use one",
        ),
        (
            "unused key",
            cc(&[
                "--client-id",
                CLIENT,
                "--auth",
                "post",
                "--client-secret-file",
                &secret,
                "--client-key",
                &rsa,
            ]),
            "--client-key is given but --auth post does not use it",
        ),
        (
            "client-alg for basic",
            cc(&[
                "--client-id",
                CLIENT,
                "--client-secret-file",
                &secret,
                "--client-alg",
                "HS512",
            ]),
            "--client-alg and --client-kid apply to private-key-jwt and client-secret-jwt, not --auth basic",
        ),
        (
            "HMAC alg on a client key",
            cc(&[
                "--client-id",
                CLIENT,
                "--client-key",
                &rsa,
                "--client-alg",
                "HS256",
            ]),
            "algorithm HS256 cannot be used with an RSA-2048 key",
        ),
        (
            "refresh token missing",
            vec!["refresh".into(), "--token-url".into(), url.clone()],
            "refresh needs --refresh-token-file FILE or --refresh-token-env VAR",
        ),
        (
            "refresh token env unset",
            vec![
                "refresh".into(),
                "--token-url".into(),
                url.clone(),
                "--refresh-token-env".into(),
                CANARY.into(),
            ],
            "the environment variable named by --refresh-token-env is not set",
        ),
        (
            "control character in scope",
            cc(&[
                "--client-id",
                CLIENT,
                "--client-secret-file",
                &secret,
                "--scope",
                "a\tb",
            ]),
            "--scope: invalid input: the scope contains a control character",
        ),
        (
            "secret as a flag value",
            cc(&["--client-secret", CANARY]),
            "secrets are never taken as flag values",
        ),
        (
            "secret as a stray argument",
            cc(&["--client-id", CLIENT, CANARY]),
            "unexpected argument",
        ),
        (
            "flag of another subcommand",
            cc(&["--issuer", "x"]),
            "--issuer does not apply to client-credentials",
        ),
        (
            // Without the check this went to login.salesforce.com (exit 3 or 4).
            "Salesforce client credentials on the login host",
            vec![
                "client-credentials".into(),
                "--salesforce".into(),
                "test".into(),
                "--client-id".into(),
                CLIENT.into(),
                "--client-secret-file".into(),
                secret.clone(),
            ],
            "--salesforce https://test.salesforce.com: invalid input: Salesforce accepts the Client Credentials flow only on the org's My Domain host, not on https://test.salesforce.com",
        ),
        (
            // Was sent with the client id alone and refused (exit 3).
            "client credentials with a client id and no credentials",
            cc(&["--client-id", CLIENT]),
            "client-credentials needs client authentication",
        ),
        (
            "client credentials with --auth none",
            cc(&["--client-id", CLIENT, "--auth", "none"]),
            "client-credentials needs client authentication",
        ),
        (
            "secret env unset, named",
            cc(&[
                "--client-id",
                CLIENT,
                "--client-secret-env",
                "S2S_OAUTH_TEST_UNSET_SECRET",
            ]),
            "the environment variable S2S_OAUTH_TEST_UNSET_SECRET (named by --client-secret-env) is not set",
        ),
        (
            "--salesforce without https://",
            vec![
                "refresh".into(),
                "--salesforce".into(),
                "acme.my.salesforce.com".into(),
            ],
            "did you mean --salesforce https://acme.my.salesforce.com",
        ),
        (
            "--salesforce URL with a password",
            vec![
                "refresh".into(),
                "--salesforce".into(),
                format!("https://app:{CANARY}@acme.my.salesforce.com"),
            ],
            "the URL must not carry credentials",
        ),
        (
            "--salesforce http URL with a password",
            vec![
                "refresh".into(),
                "--salesforce".into(),
                format!("http://app:{CANARY}@acme.my.salesforce.com"),
            ],
            "the URL must not carry credentials",
        ),
        (
            "--salesforce host with a password and no scheme",
            vec![
                "refresh".into(),
                "--salesforce".into(),
                format!("app:{CANARY}@acme.my.salesforce.com"),
            ],
            "refused",
        ),
        (
            "--salesforce URL with a secret in the query",
            vec![
                "refresh".into(),
                "--salesforce".into(),
                format!("https://acme.my.salesforce.com?client_secret={CANARY}"),
            ],
            "a Salesforce base URL has no query",
        ),
        (
            "--retries out of range",
            cc(&["--retries", "1000"]),
            "--retries \"1000\": expected a whole number from 0 to 100",
        ),
        (
            "timeout zero",
            cc(&["--timeout", "0"]),
            "--timeout \"0\": expected a whole number of seconds above 0",
        ),
        (
            // ureq panicked adding this to the current instant (exit 101).
            "timeout beyond a day",
            cc(&["--timeout", "18446744073709551615"]),
            "--timeout \"18446744073709551615\": at most 86400 seconds",
        ),
    ];
    for (name, args, expected) in cases {
        let run = run_env(&strs(&args), &[("EMPTY_SECRET", "")]);
        let line = run.failure(2);
        assert!(line.contains(expected), "{name}: {line}");
        assert!(
            !line.contains(CANARY) && !line.contains(SECRET),
            "{name}: {line}"
        );
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn a_refusal_is_exit_3_with_the_oauth_error_line() {
    let server = server(Profile::Salesforce);
    let dir = TempDir::new();
    let jwt = |subject: &str, more: &[&str]| {
        let mut args = vec!["jwt-bearer".to_owned()];
        args.extend(endpoint(&server));
        args.extend(["--issuer", CLIENT, "--subject", subject].map(str::to_owned));
        args.extend(["--key".to_owned(), key("rsa2048.pkcs8.pem")]);
        args.extend(more.iter().map(|s| s.to_string()));
        run(&strs(&args))
    };
    let refused = jwt("mallory@example.com", &[]);
    assert_eq!(
        refused.failure(3),
        "error: invalid_grant: user hasn't approved this consumer (HTTP 400)"
    );
    // The preset's hint, on a line of its own.
    let hint = refused.hint().expect("a hint line");
    assert!(
        hint.starts_with("the user has not approved the connected app: pre-authorize the user"),
        "{hint}"
    );
    let wrong_audience = jwt(USER, &["--audience", "https://test.salesforce.com"]);
    assert_eq!(
        wrong_audience.failure(3),
        "error: invalid_grant: audience is invalid (HTTP 400)"
    );

    // A wrong secret: refused, and the secret is not echoed.
    let wrong = dir.file("wrong", CANARY);
    let mut args = vec!["client-credentials".to_owned()];
    args.extend(endpoint(&server));
    args.extend(["--client-id", CLIENT, "--client-secret-file", &wrong].map(str::to_owned));
    let wrong_secret = run(&strs(&args));
    assert_eq!(
        wrong_secret.failure(3),
        "error: invalid_client: invalid client credentials (HTTP 400)"
    );
    // The hint says what to fix, without the secret.
    let hint = wrong_secret.hint().expect("a hint line");
    assert!(hint.contains("the consumer secret is wrong"), "{hint}");
    assert!(!wrong_secret.stderr.contains(CANARY), "{wrong_secret:?}");

    // No description: the line has none either.
    server.inject(
        Fault::status(400, "application/json", r#"{"error":"invalid_scope"}"#),
        1,
    );
    assert_eq!(
        run(&strs(&args)).failure(3),
        "error: invalid_scope (HTTP 400)"
    );
}

#[test]
fn server_faults_and_transport_failures_are_exit_4() {
    let faults = [
        (
            "503 page",
            Fault::status(503, "text/html", "<h1>Down for maintenance</h1>"),
            "HTTP 503",
        ),
        (
            "429",
            Fault::status(429, "text/plain", "slow down").with_header("Retry-After", "7"),
            "HTTP 429",
        ),
        (
            "500 server_error",
            Fault::status(500, "application/json", r#"{"error":"server_error"}"#),
            "error: server_error (HTTP 500)",
        ),
        (
            "400 temporarily_unavailable",
            Fault::status(
                400,
                "application/json",
                r#"{"error":"temporarily_unavailable"}"#,
            ),
            "error: temporarily_unavailable (HTTP 400)",
        ),
        (
            "408",
            Fault::status(408, "text/plain", "request timeout"),
            "HTTP 408",
        ),
        (
            "dropped connection",
            Fault::DropConnection,
            "error: the connection to 127.0.0.1:",
        ),
        (
            "slow server",
            Fault::Delay(Duration::from_secs(4)),
            "error: no answer from 127.0.0.1:",
        ),
    ];
    for (name, fault, expected) in faults {
        let server = server(Profile::Generic);
        server.inject(fault, 1);
        let run = run_client_credentials(&endpoint(&server), &["--timeout", "1"], SECRET);
        let line = run.failure(4);
        assert!(line.contains(expected), "{name}: {line}");
        assert!(!line.contains(SECRET), "{name}: {line}");
        assert!(
            !line.contains("io:") && !line.contains("timeout: global"),
            "{line}"
        );
        if name == "slow server" {
            assert!(line.ends_with(" within 1 s"), "{line}");
        }
        if name == "429" {
            assert!(line.ends_with(" (retry after 7 s)"), "{line}");
        }
    }
}

#[test]
fn a_server_that_is_down_is_exit_4() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/services/oauth2/token");
    let args = [
        "jwt-bearer",
        "--token-url",
        &url,
        "--issuer",
        CLIENT,
        "--subject",
        USER,
    ];
    let key = key("ed25519.pkcs8.pem");
    let down = run(&[&args[..], &["--key", &key]].concat());
    let line = down.failure(4);
    assert_eq!(
        line,
        format!("error: could not connect to 127.0.0.1:{port}: connection refused")
    );
}

/// A token that cannot stand alone on one line (RFC 6749 Appendix A.12 allows
/// printable ASCII only) is not printed by --output token: exit 5 (the answer is
/// no proper token response; it was 4). Without the check the line break and the
/// terminal escape went to stdout, exit 0.
#[test]
fn output_token_refuses_a_token_that_is_not_one_printable_line() {
    let server = server(Profile::Generic);
    let body = r#"{"access_token":"abc\ndef\u001b[31m","token_type":"Bearer"}"#;
    server.inject(Fault::status(200, "application/json", body), 2);
    let mut args = vec![
        "client-credentials".to_owned(),
        "--output".into(),
        "token".into(),
    ];
    args.extend(endpoint(&server));
    args.extend(["--client-id".into(), CLIENT.into()]);
    args.extend(["--client-secret-env".into(), "CLIENT_SECRET".into()]);
    let env = [("CLIENT_SECRET", SECRET)];
    let line = run_env(&strs(&args), &env).failure(5).to_owned();
    assert!(line.contains("outside printable ASCII"), "{line}");
    assert!(!line.contains("abc"), "{line}");
    // --output json carries it, escaped, on one line.
    let json_args: Vec<String> = args
        .iter()
        .map(|a| {
            if a == "token" {
                "json".to_owned()
            } else {
                a.clone()
            }
        })
        .collect();
    let json = run_env(&strs(&json_args), &env).json();
    assert_eq!(json["access_token"], "abc\ndef\u{1b}[31m");
}
