//! `s2s-oauth introspect` and `s2s-oauth revoke` over the real binary against the
//! testkit: the printed answer and exit 0 (active) or 1 (not active), revocation
//! then introspection, `--salesforce` presets, the token from a file or a
//! variable, client authentication by secret and by private_key_jwt, and the exit
//! codes of failures (2 bad input, 3 refused, 5 not such an endpoint).
#![cfg(feature = "cli")]

#[path = "cli/support.rs"]
mod support;

use s2s_oauth::testkit::{Fault, Profile, Server};
use support::{CLIENT, Run, SECRET, TempDir, key, run_env, server};

/// A token from client credentials, as a script would have it.
fn token(server: &Server) -> String {
    let run = support::run_client_credentials(&support::endpoint(server), &[], SECRET);
    run.json()["access_token"].as_str().unwrap().to_owned()
}

/// Runs `command` against `url` (`--token-url`) with the token in `TOKEN`, the
/// client's secret in `CLIENT_SECRET`, and `extra` flags.
fn run_with(command: &str, endpoint: &[&str], token: &str, extra: &[&str]) -> Run {
    let mut args = vec![command];
    args.extend(endpoint);
    args.extend(["--token-env", "TOKEN", "--timeout", "5"]);
    args.extend(extra);
    run_env(&args, &[("TOKEN", token), ("CLIENT_SECRET", SECRET)])
}

const SECRET_AUTH: [&str; 4] = [
    "--client-id",
    CLIENT,
    "--client-secret-env",
    "CLIENT_SECRET",
];

#[test]
fn introspect_prints_the_answer_and_exits_0_then_1_once_revoked() {
    let server = server(Profile::Generic);
    let token = token(&server);
    let introspection = server.introspection_url();
    let revocation = server.revocation_url();
    let endpoint = ["--token-url", introspection.as_str()];

    let active = run_with("introspect", &endpoint, &token, &SECRET_AUTH);
    let answer = active.json();
    assert_eq!(answer["active"], true);
    assert_eq!(answer["client_id"], CLIENT);
    assert!(answer["exp"].as_u64().is_some());
    assert_eq!(active.stderr, "");

    let revoked = run_with(
        "revoke",
        &["--token-url", revocation.as_str()],
        &token,
        &[&SECRET_AUTH[..], &["--token-type-hint", "access_token"]].concat(),
    );
    assert_eq!(
        (revoked.code, revoked.stdout.as_str()),
        (0, ""),
        "{revoked:?}"
    );

    let inactive = run_with("introspect", &endpoint, &token, &SECRET_AUTH);
    assert_eq!(inactive.code, 1, "{inactive:?}");
    assert_eq!(inactive.stdout, "{\"active\":false}\n");
    assert!(inactive.stderr.contains("not active"), "{inactive:?}");
    assert!(!inactive.stderr.contains(&token));

    // The wire: the token, the hint, Basic credentials (the default with a secret).
    let requests = server.requests();
    let sent = &requests[2];
    assert_eq!(sent.path(), "/services/oauth2/revoke");
    assert_eq!(sent.form_value("token"), Some(token.as_str()));
    assert_eq!(sent.form_value("token_type_hint"), Some("access_token"));
    assert!(sent.header("Authorization").unwrap().starts_with("Basic "));
}

#[test]
fn private_key_jwt_and_a_token_file() {
    let server = server(Profile::Generic);
    let token = token(&server);
    let dir = TempDir::new();
    let file = dir.file("token", format!("{token}\n"));
    let url = server.introspection_url();
    let rsa = key("rsa2048.pkcs8.pem");
    let run = support::run(&[
        "introspect",
        "--token-url",
        &url,
        "--token-file",
        &file,
        "--client-id",
        CLIENT,
        "--client-key",
        &rsa,
    ]);
    assert_eq!(run.json()["active"], true);
    let requests = server.requests();
    let sent = requests.last().unwrap();
    assert_eq!(
        sent.form_value("token"),
        Some(token.as_str()),
        "the newline is dropped"
    );
    assert!(sent.form_value("client_assertion").is_some());
}

#[test]
fn salesforce_presets() {
    let server = server(Profile::Salesforce);
    let token = token(&server);
    let base = server.base_url();
    let salesforce = ["--salesforce", base.as_str()];
    let answer = run_with("introspect", &salesforce, &token, &SECRET_AUTH).json();
    assert_eq!(answer["token_type"], "access_token");
    // Salesforce takes the token alone.
    let revoked = run_with("revoke", &salesforce, &token, &[]);
    assert_eq!(revoked.code, 0, "{revoked:?}");
    assert_eq!(
        server.requests().last().unwrap().path(),
        "/services/oauth2/revoke"
    );
    assert_eq!(
        run_with("introspect", &salesforce, &token, &SECRET_AUTH).code,
        1
    );
    // Revoked already: Salesforce's 400 invalid_token is a refusal.
    let again = run_with("revoke", &salesforce, &token, &[]);
    assert_eq!(
        again.failure(3),
        "error: invalid_token: Token was invalid (HTTP 400)"
    );
}

#[test]
fn failures_map_to_the_exit_codes() {
    let server = server(Profile::Generic);
    let token = token(&server);
    let introspection = server.introspection_url();
    let revocation = server.revocation_url();

    // A wrong secret: the server refuses, exit 3, the OAuth error line.
    let mut args = vec!["introspect", "--token-url", introspection.as_str()];
    args.extend([
        "--token-env",
        "TOKEN",
        "--client-id",
        CLIENT,
        "--client-secret-env",
        "CLIENT_SECRET",
    ]);
    let refused = run_env(&args, &[("TOKEN", &token), ("CLIENT_SECRET", "wrong")]);
    assert!(
        refused.failure(3).starts_with("error: invalid_client: "),
        "{refused:?}"
    );

    // unsupported_token_type: exit 3.
    let unsupported = run_with(
        "revoke",
        &["--token-url", revocation.as_str()],
        &token,
        &[&SECRET_AUTH[..], &["--token-type-hint", "delete_token"]].concat(),
    );
    assert!(
        unsupported
            .failure(3)
            .starts_with("error: unsupported_token_type: "),
        "{unsupported:?}"
    );

    // The token endpoint given as the introspection endpoint: no "active", exit 5.
    let token_url = server.token_url();
    let wrong = run_with(
        "introspect",
        &["--token-url", token_url.as_str()],
        &token,
        &SECRET_AUTH,
    );
    assert_eq!(
        wrong.code, 3,
        "the token endpoint refuses a request with no grant_type: {wrong:?}"
    );
    let not_found = format!("{}/nowhere", server.base_url());
    let wrong = run_with(
        "introspect",
        &["--token-url", not_found.as_str()],
        &token,
        &SECRET_AUTH,
    );
    wrong.failure(5);

    // Bad input: exit 2, nothing sent.
    let before = server.requests().len();
    for (args, env, says) in [
        (
            vec!["introspect", "--token-url", introspection.as_str()],
            vec![],
            "--token-file FILE or --token-env VAR",
        ),
        (
            vec!["revoke", "--token-env", "TOKEN"],
            vec![("TOKEN", "t")],
            "--token-url URL",
        ),
        (
            vec![
                "introspect",
                "--token-url",
                introspection.as_str(),
                "--token-env",
                "TOKEN",
            ],
            vec![],
            "is not set",
        ),
        (
            vec![
                "introspect",
                "--token-url",
                "http://example.com/i",
                "--token-env",
                "TOKEN",
            ],
            vec![("TOKEN", "t")],
            "plain http is refused",
        ),
        (
            vec![
                "introspect",
                "--token-url",
                introspection.as_str(),
                "--token-env",
                "TOKEN",
                "--scope",
                "x",
            ],
            vec![("TOKEN", "t")],
            "--scope",
        ),
        (
            vec![
                "revoke",
                "--token-url",
                revocation.as_str(),
                "--token-env",
                "TOKEN",
                "--token-file",
                "f",
            ],
            vec![("TOKEN", "t")],
            "not more",
        ),
    ] {
        let run = run_env(&args, &env);
        let line = run.failure(2);
        assert!(line.contains(says), "{args:?}: {line}");
    }
    assert_eq!(server.requests().len(), before, "nothing was sent");
}

#[test]
fn help_names_the_endpoint_and_the_exit_codes() {
    for command in ["introspect", "revoke"] {
        let run = support::run(&[command, "--help"]);
        assert_eq!(run.code, 0);
        assert!(
            run.stdout.contains("endpoint itself, not the token"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("--token-type-hint HINT"));
    }
    let top = support::run(&["--help"]).stdout;
    assert!(top.contains("introspect says the token is not active"));
    assert!(top.contains("  revoke "));
}

/// A failure at an introspection or revocation endpoint names that endpoint, not
/// the token endpoint: the error line and the hint send the user to the URL they
/// gave.
#[test]
fn failures_name_the_endpoint_that_failed() {
    let server = server(Profile::Generic);
    let not_found = format!("{}/nowhere", server.base_url());
    for (command, what, a_what) in [
        ("introspect", "introspection", "an introspection"),
        ("revoke", "revocation", "a revocation"),
    ] {
        let run = run_with(
            command,
            &["--token-url", not_found.as_str()],
            "t",
            &SECRET_AUTH,
        );
        run.failure(5);
        assert!(!run.stderr.contains("token endpoint"), "{run:?}");
        assert!(!run.stderr.contains("token URL"), "{run:?}");
        assert!(
            run.stderr.contains(&format!("{what} endpoint")),
            "{command}: {run:?}"
        );
        assert!(
            run.stderr.contains(&format!(
                "answered, but not as {a_what} endpoint: check the {what} URL"
            )),
            "{command}: {run:?}"
        );
    }
}

/// `--retries` retries what a retry may help (a 503 with Retry-After) for both
/// commands, as it does for a token request; a refusal is not retried.
#[test]
fn retries_apply_to_introspect_and_revoke() {
    let server = server(Profile::Generic);
    let token = token(&server);
    let introspection = server.introspection_url();
    let revocation = server.revocation_url();
    let busy = || {
        Fault::status(
            503,
            "application/json",
            r#"{"error":"temporarily_unavailable"}"#,
        )
        .with_header("Retry-After", "1")
    };

    server.inject(busy(), 1);
    let before = server.requests().len();
    let active = run_with(
        "introspect",
        &["--token-url", introspection.as_str()],
        &token,
        &[&SECRET_AUTH[..], &["--retries", "2"]].concat(),
    );
    assert_eq!(active.json()["active"], true);
    assert_eq!(server.requests().len(), before + 2, "one retry");

    server.inject(busy(), 1);
    let revoked = run_with(
        "revoke",
        &["--token-url", revocation.as_str()],
        &token,
        &[&SECRET_AUTH[..], &["--retries", "1"]].concat(),
    );
    assert_eq!(
        (revoked.code, revoked.stdout.as_str()),
        (0, ""),
        "{revoked:?}"
    );

    // Out of retries: exit 4, the attempts counted.
    server.inject(busy(), 2);
    let failed = run_with(
        "revoke",
        &["--token-url", revocation.as_str()],
        &token,
        &[&SECRET_AUTH[..], &["--retries", "1"]].concat(),
    );
    assert!(failed.failure(4).contains("(2 attempts)"), "{failed:?}");

    // A refusal is final: one request, exit 3.
    let before = server.requests().len();
    let refused = run_env(
        &[
            "introspect",
            "--token-url",
            introspection.as_str(),
            "--token-env",
            "TOKEN",
            "--retries",
            "3",
            "--client-id",
            CLIENT,
            "--client-secret-env",
            "CLIENT_SECRET",
        ],
        &[("TOKEN", &token), ("CLIENT_SECRET", "wrong")],
    );
    refused.failure(3);
    assert_eq!(server.requests().len(), before + 1);
}
