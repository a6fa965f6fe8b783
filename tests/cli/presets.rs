//! `--salesforce`: what Salesforce refuses is refused locally, with the preset's
//! message, before anything is sent (the testkit counts zero requests); and the
//! testkit's Salesforce profile refuses the same when the checks are bypassed
//! with `--token-url`.

use s2s_oauth::testkit::Profile;

use super::support::{CLIENT, USER, key, run, server, strs};

#[test]
fn salesforce_preset_refusals_happen_before_anything_is_sent() {
    let server = server(Profile::Salesforce);
    let base = |command: &str| -> Vec<String> {
        let mut args = vec![command.to_owned(), "--salesforce".into(), server.base_url()];
        args.extend(["--issuer", CLIENT, "--subject", USER].map(str::to_owned));
        args
    };
    let with = |command: &str, more: &[&str]| -> Vec<String> {
        let mut args = base(command);
        args.extend(more.iter().map(|s| s.to_string()));
        args
    };
    let (rsa, p256) = (key("rsa2048.pkcs8.pem"), key("p256.pkcs8.pem"));
    let (rsa_cert, p256_cert) = (key("rsa2048.cert.pem"), key("p256.cert.pem"));
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "JWT bearer with an EC key",
            with("jwt-bearer", &["--key", &p256]),
            "Salesforce verifies JWT Bearer assertions with RS256 only, and this key signs ES256",
        ),
        (
            "JWT bearer with --alg PS256",
            with("jwt-bearer", &["--key", &rsa, "--alg", "PS256"]),
            "Salesforce verifies JWT Bearer assertions with RS256 only, and this key signs PS256",
        ),
        (
            "JWT bearer with --lifetime 181",
            with("jwt-bearer", &["--key", &rsa, "--lifetime", "181"]),
            "Salesforce refuses JWT Bearer assertions valid for more than 180 s, and this one is valid for 181 s",
        ),
        (
            "SAML bearer with an EC key",
            with("saml-bearer", &["--key", &p256, "--cert", &p256_cert]),
            "Salesforce verifies SAML signatures made with RSA only",
        ),
        (
            "SAML bearer with --lifetime 301",
            with(
                "saml-bearer",
                &["--key", &rsa, "--cert", &rsa_cert, "--lifetime", "301"],
            ),
            "Salesforce refuses SAML Bearer assertions valid for more than 300 s",
        ),
    ];
    for (name, args, expected) in cases {
        let run = run(&strs(&args));
        let line = run.failure(2);
        assert!(
            line.starts_with("error: --salesforce: invalid input: "),
            "{name}: {line}"
        );
        assert!(line.contains(expected), "{name}: {line}");
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());

    // At the limits, the same flags get a token.
    let at_limit = run(&strs(&with(
        "jwt-bearer",
        &["--key", &rsa, "--lifetime", "180"],
    )));
    assert!(at_limit.json()["access_token"].is_string());
    assert_eq!(server.requests().len(), 1);
}

/// Without the preset (a plain --token-url to the same server), the PS256 and
/// ES256 assertions are sent, and the testkit refuses them as Salesforce does.
#[test]
fn the_salesforce_profile_refuses_what_the_preset_refuses() {
    let server = server(Profile::Salesforce);
    for (key_file, alg) in [
        ("rsa2048.pkcs8.pem", "PS256"),
        ("rsa2048.pkcs8.pem", "RS384"),
    ] {
        let mut args = vec![
            "jwt-bearer".to_owned(),
            "--token-url".into(),
            server.token_url(),
        ];
        args.extend(["--audience".to_owned(), server.audience()]);
        args.extend(["--issuer", CLIENT, "--subject", USER, "--alg", alg].map(str::to_owned));
        args.extend(["--key".to_owned(), key(key_file)]);
        let run = run(&strs(&args));
        assert_eq!(
            run.failure(3),
            "error: invalid_grant: invalid assertion (HTTP 400)",
            "{alg}"
        );
    }
    assert_eq!(server.requests().len(), 2);
}
