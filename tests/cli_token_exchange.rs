//! `s2s-oauth token-exchange` and `--client-assertion-file` over the real binary
//! against the testkit: the subject token from a file (read again by each run, so
//! a rotated file is picked up) or a variable, actor tokens, repeated audiences and
//! resources on the wire, the server's refusals as exit 3, bad local input as exit
//! 2 with no token or path echoed, and a platform JWT authenticating any grant.
#![cfg(feature = "cli")]

mod common;
#[path = "cli/support.rs"]
mod support;

use common::{CLUSTER, cluster_key};
use s2s_oauth::SigningKey;
use s2s_oauth::jwt::Claims;
use s2s_oauth::testkit::{Client, Server};
use support::{TempDir, run, run_env};

fn rsa_key() -> SigningKey {
    common::signing_key("rsa2048.pkcs8.pem")
}

fn platform_token(issuer: &str, subject: &str) -> String {
    common::platform_token(&cluster_key(), issuer, subject)
}

fn server() -> Server {
    Server::start(
        common::sts_config()
            .with_client(Client::new("workload").with_public_key(rsa_key().verifying_key()))
            .with_client(Client::new("app").with_secret("s3cr3t")),
    )
    .unwrap()
}

#[test]
fn a_projected_token_file_is_exchanged_and_read_again_by_the_next_run() {
    let server = server();
    let dir = TempDir::new();
    let first = platform_token(CLUSTER, "system:serviceaccount:jobs:first");
    let file = dir.file("token", format!("{first}\n"));
    let url = server.token_url();
    let args = [
        "token-exchange",
        "--token-url",
        &url,
        "--subject-token-file",
        &file,
        "--subject-token-type",
        "jwt",
        "--audience",
        "https://api.example.com",
        "--audience",
        "urn:example:second",
        "--resource",
        "https://api.example.com/orders",
        "--requested-token-type",
        "urn:ietf:params:oauth:token-type:access_token",
        "--scope",
        "orders.read",
    ];
    let json = run(&args).json();
    assert_eq!(
        json["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(json["scope"], "orders.read");
    // The platform rotates the file; the next run sends the new token.
    let second = platform_token(CLUSTER, "system:serviceaccount:jobs:second");
    dir.file("token", &second);
    run(&args).json();
    let seen = server.requests();
    let subjects: Vec<&str> = seen
        .iter()
        .filter_map(|r| r.form_value("subject_token"))
        .collect();
    assert_eq!(subjects, [first.as_str(), second.as_str()]);
    let form = seen[0].form();
    let values = |name: &str| -> Vec<&str> {
        form.iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(
        values("audience"),
        ["https://api.example.com", "urn:example:second"]
    );
    assert_eq!(values("resource"), ["https://api.example.com/orders"]);
    assert_eq!(
        values("subject_token_type"),
        ["urn:ietf:params:oauth:token-type:jwt"]
    );
}

#[test]
fn subject_and_actor_tokens_from_variables_with_client_authentication() {
    let server = server();
    let url = server.token_url();
    let subject = platform_token(CLUSTER, "system:serviceaccount:a:b");
    let actor = platform_token(CLUSTER, "system:serviceaccount:a:proxy");
    let out = run_env(
        &[
            "token-exchange",
            "--token-url",
            &url,
            "--subject-token-env",
            "SUBJECT_TOKEN",
            "--subject-token-type",
            "id_token",
            "--actor-token-env",
            "ACTOR_TOKEN",
            "--actor-token-type",
            "jwt",
            "--client-id",
            "app",
            "--client-secret-env",
            "CLIENT_SECRET",
            "--output",
            "token",
        ],
        &[
            ("SUBJECT_TOKEN", &subject),
            ("ACTOR_TOKEN", &actor),
            ("CLIENT_SECRET", "s3cr3t"),
        ],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1);
    let seen = server.requests();
    assert_eq!(seen[0].form_value("actor_token"), Some(actor.as_str()));
    assert!(seen[0].header("authorization").is_some());
}

#[test]
fn refusals_and_bad_input_have_their_exit_codes() {
    let server = server();
    let url = server.token_url();
    let dir = TempDir::new();
    let good = dir.file("good", platform_token(CLUSTER, "s"));
    let foreign = dir.file("foreign", platform_token("https://elsewhere.example", "s"));
    let exchange = |file: &str, ty: &str| {
        run(&[
            "token-exchange",
            "--token-url",
            &url,
            "--subject-token-file",
            file,
            "--subject-token-type",
            ty,
        ])
    };
    // A subject token type the server refuses: exit 3 with the OAuth error.
    let out = exchange(&good, "saml2");
    assert!(
        out.failure(3).starts_with("error: invalid_request: "),
        "{out:?}"
    );
    // An issuer the server does not trust.
    let out = exchange(&foreign, "jwt");
    assert!(
        out.failure(3).starts_with("error: invalid_grant: "),
        "{out:?}"
    );
    // A type that is no type: exit 2 before anything is read or sent.
    let line = exchange(&good, "jwt token").failure(2).to_owned();
    assert!(line.contains("--subject-token-type"), "{line}");
    // A token pasted where the path goes: exit 2, neither the value nor the path shown.
    let pasted = platform_token(CLUSTER, "pasted");
    let out = exchange(&pasted, "jwt");
    let line = out.failure(2);
    assert!(line.contains("--subject-token-file"), "{line}");
    assert!(!out.stderr.contains(&pasted[..20]), "{out:?}");
    // An empty file, a missing variable.
    let empty = dir.file("empty", "\n");
    exchange(&empty, "jwt").failure(2);
    let out = run(&[
        "token-exchange",
        "--token-url",
        &url,
        "--subject-token-env",
        "S2S_TEST_NO_SUCH_TOKEN",
        "--subject-token-type",
        "jwt",
    ]);
    assert!(out.failure(2).contains("S2S_TEST_NO_SUCH_TOKEN"), "{out:?}");
    // Usage: a subject without its type, an actor without its type, no subject,
    // a bad resource, a secret as a flag value.
    for (args, expected) in [
        (
            vec!["--subject-token-file", good.as_str()],
            "--subject-token-type",
        ),
        (
            vec![
                "--subject-token-file",
                good.as_str(),
                "--subject-token-type",
                "jwt",
                "--actor-token-file",
                good.as_str(),
            ],
            "--actor-token-type",
        ),
        (vec!["--subject-token-type", "jwt"], "--subject-token-file"),
        (
            vec![
                "--subject-token-file",
                good.as_str(),
                "--subject-token-type",
                "jwt",
                "--resource",
                "relative/path",
            ],
            "--resource",
        ),
        (
            vec!["--subject-token", "HUNTER2"],
            "never taken as flag values",
        ),
        (
            vec!["--salesforce", "login"],
            "give --token-url or --salesforce, not both",
        ),
    ] {
        let mut all = vec!["token-exchange", "--token-url", url.as_str()];
        all.extend(args);
        let out = run(&all);
        let line = out.failure(2);
        assert!(line.contains(expected), "{all:?}: {line}");
        assert!(!line.contains("HUNTER2"));
    }
    // Nothing but the two refused exchanges reached the server.
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_client_assertion_file_authenticates_any_grant_and_is_read_each_run() {
    let server = server();
    let url = server.token_url();
    let dir = TempDir::new();
    let assertion = |jti: &str| {
        Claims::for_client("workload", server.token_url())
            .with_jti(jti)
            .sign(&rsa_key())
            .unwrap()
            .into_exposed_secret()
    };
    let file = dir.file("assertion", assertion("one"));
    let args = [
        "client-credentials",
        "--token-url",
        &url,
        "--client-id",
        "workload",
        "--client-assertion-file",
        &file,
    ];
    run(&args).json();
    // The same file again: the server refuses the replayed assertion...
    let out = run(&args);
    assert!(
        out.failure(3).starts_with("error: invalid_client"),
        "{out:?}"
    );
    // ...and accepts the rotated one, read by this run.
    dir.file("assertion", assertion("two"));
    run(&args).json();
    let seen = server.requests();
    assert_eq!(
        seen[0].form_value("client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert_eq!(
        seen[2].form_value("client_assertion").map(str::len),
        Some(assertion("two").len())
    );
    // It is the client authentication: not with a secret, a key or --auth.
    let out = run_env(
        &[&args[..], &["--client-secret-env", "CLIENT_SECRET"]].concat(),
        &[("CLIENT_SECRET", "x")],
    );
    assert!(
        out.failure(2).contains("--client-assertion-file"),
        "{out:?}"
    );
    // With a token exchange too.
    let subject = dir.file(
        "subject",
        platform_token(CLUSTER, "system:serviceaccount:x:y"),
    );
    dir.file("assertion", assertion("three"));
    let out = run(&[
        "token-exchange",
        "--token-url",
        &url,
        "--subject-token-file",
        &subject,
        "--subject-token-type",
        "jwt",
        "--client-id",
        "workload",
        "--client-assertion-file",
        &file,
    ]);
    out.json();
}

#[test]
fn help_lists_the_subcommand_and_its_flags() {
    let top = run(&["--help"]);
    assert!(top.stdout.contains("  token-exchange "), "{top:?}");
    let help = run(&["token-exchange", "--help"]);
    assert_eq!(help.code, 0);
    for flag in [
        "--subject-token-file",
        "--subject-token-env",
        "--subject-token-type",
        "--actor-token-file",
        "--actor-token-env",
        "--actor-token-type",
        "--requested-token-type",
        "--audience",
        "--resource",
        "--client-assertion-file",
        "--scope",
    ] {
        assert!(help.stdout.contains(flag), "{flag}");
    }
    let cc = run(&["client-credentials", "--help"]);
    assert!(cc.stdout.contains("--client-assertion-file"));
}
