//! `s2s-oauth verify-jwt` over the real binary: tokens the testkit issues checked
//! against its JWK Set URL, a JWK Set file and a key file; refusals (exit 3),
//! bad input (exit 2), keys that cannot be fetched (exit 4 when a retry may
//! help, 5 when the URL answers with no JWK Set).
#![cfg(feature = "cli")]

#[path = "cli/support.rs"]
mod support;

use std::time::{Duration, SystemTime};

use s2s_oauth::SigningKey;
use s2s_oauth::jwt::AccessTokenClaims;
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use support::{Run, TempDir, key, run, run_env};

const API: &str = "https://api.example";

fn at_key() -> SigningKey {
    SigningKey::from_pem_file(key("p256.pkcs8.pem"))
        .unwrap()
        .with_kid("at-1")
}

fn server() -> Server {
    Server::start(
        Config::new(Profile::Generic)
            .with_client(Client::new("billing").with_secret("s3cr3t"))
            .with_jwt_access_tokens(at_key(), API),
    )
    .unwrap()
}

/// An access token from the testkit.
fn token(server: &Server, lifetime: Duration, at: SystemTime) -> String {
    AccessTokenClaims::new(server.base_url(), API, "svc", "billing")
        .with_scope("orders:read")
        .with_lifetime(lifetime)
        .sign_at(&at_key(), at, &ring::rand::SystemRandom::new())
        .unwrap()
        .expose_secret()
        .to_owned()
}

fn verify(token: &str, more: &[&str]) -> Run {
    let mut args = vec!["verify-jwt", "--token-env", "TOKEN"];
    args.extend(more);
    run_env(&args, &[("TOKEN", token)])
}

#[test]
fn a_testkit_access_token_verifies_against_its_jwks_url() {
    let server = server();
    let jwt = token(&server, Duration::from_secs(600), SystemTime::now());
    let (url, iss) = (server.jwks_url(), server.base_url());
    let ok = verify(
        &jwt,
        &[
            "--jwks-url",
            &url,
            "--audience",
            API,
            "--issuer",
            &iss,
            "--access-token",
        ],
    );
    assert_eq!(ok.code, 0, "{ok:?}");
    let printed = ok.json();
    assert_eq!(printed["header"]["typ"], "at+jwt");
    assert_eq!(printed["header"]["kid"], "at-1");
    assert_eq!(printed["claims"]["client_id"], "billing");
    assert_eq!(printed["claims"]["scope"], "orders:read");
    // From a file too, with the trailing newline an editor leaves.
    let dir = TempDir::new();
    let file = dir.file("token", format!("{jwt}\n"));
    let ok = run(&[
        "verify-jwt",
        "--token-file",
        &file,
        "--jwks-url",
        &url,
        "--audience",
        API,
    ]);
    assert_eq!(ok.code, 0, "{ok:?}");
}

#[test]
fn invalid_tokens_are_exit_3_with_the_reason() {
    let server = server();
    let url = server.jwks_url();
    let jwt = token(&server, Duration::from_secs(600), SystemTime::now());
    let wrong_aud = verify(
        &jwt,
        &["--jwks-url", &url, "--audience", "https://other.example"],
    );
    assert!(wrong_aud.failure(3).contains("aud"), "{wrong_aud:?}");
    let mut tampered = jwt.clone();
    let at = tampered.len() - 5;
    tampered.replace_range(at..at + 1, if &jwt[at..at + 1] == "A" { "B" } else { "A" });
    let bad = verify(&tampered, &["--jwks-url", &url, "--audience", API]);
    assert!(bad.failure(3).contains("signature"), "{bad:?}");
    let old = token(
        &server,
        Duration::from_secs(60),
        SystemTime::now() - Duration::from_secs(3600),
    );
    let expired = verify(&old, &["--jwks-url", &url, "--audience", API]);
    assert!(expired.failure(3).contains("expired"), "{expired:?}");
    let wrong_iss = verify(
        &jwt,
        &[
            "--jwks-url",
            &url,
            "--audience",
            API,
            "--issuer",
            "https://evil.example",
        ],
    );
    assert!(wrong_iss.failure(3).contains("iss"), "{wrong_iss:?}");
    // An assertion (typ JWT) is no access token.
    let assertion = s2s_oauth::jwt::Claims::new(server.base_url(), "svc", API)
        .sign(&at_key())
        .unwrap();
    let iss = server.base_url();
    let not_at = verify(
        assertion.expose_secret(),
        &[
            "--jwks-url",
            &url,
            "--audience",
            API,
            "--issuer",
            &iss,
            "--access-token",
        ],
    );
    assert!(not_at.failure(3).contains("typ"), "{not_at:?}");
    // A key the set does not hold.
    let other = SigningKey::from_pem_file(key("p384.pkcs8.pem"))
        .unwrap()
        .with_kid("nope");
    let forged = AccessTokenClaims::new(server.base_url(), API, "svc", "billing")
        .sign_at(&other, SystemTime::now(), &ring::rand::SystemRandom::new())
        .unwrap();
    let unknown = verify(
        forged.expose_secret(),
        &["--jwks-url", &url, "--audience", API],
    );
    assert!(unknown.failure(3).contains("\"nope\""), "{unknown:?}");
    // Not a JWT at all.
    let garbage = verify("not-a-jwt", &["--jwks-url", &url, "--audience", API]);
    garbage.failure(3);
}

#[test]
fn keys_from_a_file_or_one_key() {
    let server = server();
    let jwt = token(&server, Duration::from_secs(600), SystemTime::now());
    let dir = TempDir::new();
    let set = ureq_get(&server.jwks_url());
    let jwks = dir.file("jwks.json", set);
    let ok = verify(&jwt, &["--jwks-file", &jwks, "--audience", API]);
    assert_eq!(ok.code, 0, "{ok:?}");
    let pem = key("p256.pub.pem");
    let ok = verify(&jwt, &["--key", &pem, "--audience", API]);
    assert_eq!(ok.code, 0, "{ok:?}");
    let jwk = dir.file("key.jwk", at_key().public_jwk().unwrap());
    let ok = verify(&jwt, &["--key", &jwk, "--audience", API]);
    assert_eq!(ok.code, 0, "{ok:?}");
    let wrong = key("p384.pub.pem");
    verify(&jwt, &["--key", &wrong, "--audience", API]).failure(3);
}

fn ureq_get(url: &str) -> String {
    s2s_oauth::agent()
        .get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

#[test]
fn bad_input_is_exit_2_and_unreachable_keys_exit_4() {
    let server = server();
    let url = server.jwks_url();
    let jwt = token(&server, Duration::from_secs(600), SystemTime::now());
    let dir = TempDir::new();
    let pem = key("p256.pub.pem");
    for (args, text) in [
        (vec!["--audience", API], "exactly one of"),
        (
            vec!["--jwks-url", &url, "--key", &pem, "--audience", API],
            "exactly one of",
        ),
        (vec!["--jwks-url", &url], "--audience"),
        (
            vec!["--jwks-url", &url, "--audience", API, "--access-token"],
            "--issuer",
        ),
        (
            vec!["--jwks-url", "http://example.com/jwks", "--audience", API],
            "--jwks-url",
        ),
        // --timeout is for the --jwks-url request: refused, not ignored, without it.
        (
            vec!["--key", &pem, "--audience", API, "--timeout", "5"],
            "--timeout applies to the --jwks-url request only",
        ),
    ] {
        let failed = verify(&jwt, &args);
        assert!(failed.failure(2).contains(text), "{args:?}: {failed:?}");
    }
    let not_a_set = dir.file("bad.json", "<html>");
    assert!(
        verify(&jwt, &["--jwks-file", &not_a_set, "--audience", API])
            .failure(2)
            .contains("JWK Set")
    );
    let private = key("p256.pkcs8.pem");
    verify(&jwt, &["--key", &private, "--audience", API]).failure(2);
    let missing = run(&[
        "verify-jwt",
        "--token-env",
        "NO_SUCH_VARIABLE_S2S",
        "--jwks-url",
        &url,
        "--audience",
        API,
    ]);
    missing.failure(2);
    // The keys cannot be fetched: a server fault, a closed port.
    server.inject(Fault::status(503, "text/html", "<h1>down</h1>"), 1);
    let down = verify(&jwt, &["--jwks-url", &url, "--audience", API]);
    assert!(
        down.failure(4).contains("could not fetch the keys"),
        "{down:?}"
    );
    let closed = format!("http://127.0.0.1:{}/jwks", closed_port());
    verify(&jwt, &["--jwks-url", &closed, "--audience", API]).failure(4);
    // An answer that is no JWK Set: retrying won't help until --jwks-url is fixed
    // (design.md: exit 4 is strictly "a retry may help"; exit 5 a wrong endpoint).
    let not_found = format!("{}/nothing-here", server.base_url());
    let wrong = verify(&jwt, &["--jwks-url", &not_found, "--audience", API]);
    assert!(
        wrong.failure(5).contains("could not fetch the keys"),
        "{wrong:?}"
    );
    server.inject(Fault::status(200, "text/html", "<h1>sign in</h1>"), 1);
    verify(&jwt, &["--jwks-url", &url, "--audience", API]).failure(5);
    // --help names every flag.
    let help = run(&["verify-jwt", "--help"]);
    assert_eq!(help.code, 0);
    for flag in [
        "--token-file",
        "--token-env",
        "--jwks-url",
        "--jwks-file",
        "--key",
        "--audience",
        "--issuer",
        "--access-token",
        "--timeout",
    ] {
        assert!(help.stdout.contains(flag), "{flag}");
    }
    assert!(
        help.stdout.contains("Not in the documented contract"),
        "{}",
        help.stdout
    );
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
