//! `--dpop-key` and `dpop-proof` (RFC 9449): a DPoP-bound token from the testkit,
//! used at its resource with a proof printed by the binary; the nonce round; bad
//! input refused before anything is sent.

use std::collections::HashMap;
use std::time::SystemTime;

use s2s_oauth::jwt::Confirmation;
use s2s_oauth::jwt::dpop::{ProofValidation, verify_proof};
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server};
use s2s_oauth::{HttpResponse, SigningKey, agent};

use crate::support::{CLIENT, SECRET, key, run, run_client_credentials, run_env};

fn server(nonces: bool) -> Server {
    Server::start(
        Config::new(Profile::Generic)
            .with_dpop_nonces(nonces)
            .with_client(Client::new(CLIENT).with_secret(SECRET)),
    )
    .unwrap()
}

fn get(url: &str, token: &str, proof: &str) -> HttpResponse {
    let answer = agent()
        .get(url)
        .header("Authorization", format!("DPoP {token}"))
        .header("DPoP", proof)
        .call()
        .unwrap();
    HttpResponse::from_ureq(answer).unwrap()
}

/// `dpop-proof --dpop-key KEY --method GET --url URL`.
fn dpop_proof_get<'a>(dpop_key: &'a str, url: &'a str) -> Vec<&'a str> {
    vec![
        "dpop-proof",
        "--dpop-key",
        dpop_key,
        "--method",
        "GET",
        "--url",
        url,
    ]
}

fn proof(url: &str, token: &str, nonce: Option<&str>) -> String {
    let dpop_key = key("p256.pkcs8.pem");
    let mut args = dpop_proof_get(&dpop_key, url);
    args.extend(["--access-token-env", "ACCESS_TOKEN"]);
    if let Some(nonce) = nonce {
        args.extend(["--nonce", nonce]);
    }
    let out = run_env(&args, &[("ACCESS_TOKEN", token)]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1);
    assert!(!out.stdout.contains(token) && !out.stderr.contains(token));
    out.stdout.trim_end().to_owned()
}

#[test]
fn a_dpop_bound_token_and_a_proof_from_the_binary_work_at_the_resource() {
    for nonces in [false, true] {
        let server = server(nonces);
        let endpoint = vec!["--token-url".to_owned(), server.token_url()];
        let dpop_key = key("p256.pkcs8.pem");
        let json = run_client_credentials(&endpoint, &["--dpop-key", &dpop_key], SECRET).json();
        assert_eq!(json["token_type"], "DPoP", "{json:?}");
        // With nonces demanded, the binary sent once more with the server's nonce.
        assert_eq!(server.requests().len(), if nonces { 2 } else { 1 });
        let token = json["access_token"].as_str().unwrap();

        let url = server.resource_url();
        let first = get(&url, token, &proof(&url, token, None));
        if nonces {
            assert_eq!(first.status(), 401);
            let nonce = first.dpop_nonce_challenge().unwrap().to_owned();
            let ok = get(&url, token, &proof(&url, token, Some(&nonce)));
            assert_eq!(ok.status(), 200);
        } else {
            assert_eq!(
                first.status(),
                200,
                "{}",
                String::from_utf8_lossy(first.body())
            );
        }
    }
}

#[test]
fn the_printed_proof_verifies_with_ath_and_the_key_binding() {
    let url = "https://api.example.com/v1/items?page=2";
    let printed = proof(url, "the-token", Some("n-1"));
    let jkt = SigningKey::from_pem(std::fs::read(key("p256.pkcs8.pem")).unwrap())
        .unwrap()
        .jwk_thumbprint()
        .unwrap();
    let cnf = Confirmation::default().with_jkt(jkt);
    let validation = ProofValidation::new("GET", url)
        .with_nonce("n-1")
        .with_access_token("the-token", &cnf);
    verify_proof(
        &printed,
        &validation,
        SystemTime::now(),
        &mut HashMap::new(),
    )
    .unwrap();
}

#[test]
fn bad_dpop_input_is_exit_2_and_nothing_is_sent() {
    let dpop_key = key("p256.pkcs8.pem");
    let cert = key("p256.cert.pem");
    for (args, expected) in [
        (
            vec![
                "dpop-proof",
                "--method",
                "GET",
                "--url",
                "https://a.example/x",
            ],
            "--dpop-key",
        ),
        (
            vec![
                "dpop-proof",
                "--dpop-key",
                &dpop_key,
                "--url",
                "https://a.example/x",
            ],
            "--method",
        ),
        (
            vec!["dpop-proof", "--dpop-key", &dpop_key, "--method", "GET"],
            "--url",
        ),
        (dpop_proof_get(&dpop_key, "a.example/x"), "URL"),
        (dpop_proof_get(&cert, "https://a.example/x"), "--dpop-key"),
        (
            [
                dpop_proof_get(&dpop_key, "https://a.example/x"),
                vec!["--token-url", "https://a.example/t"],
            ]
            .concat(),
            "--token-url",
        ),
        (vec!["sign-jwt", "--dpop-key", &dpop_key], "--dpop-key"),
    ] {
        let out = run(&args);
        let line = out.failure(2);
        assert!(line.contains(expected), "{args:?}: {line}");
    }
    let server = server(false);
    let endpoint = vec!["--token-url".to_owned(), server.token_url()];
    let out = run_client_credentials(&endpoint, &["--dpop-key", &cert], SECRET);
    out.failure(2);
    assert!(server.requests().is_empty());
}

#[test]
fn a_bearer_answer_to_a_dpop_request_is_a_warning() {
    // RFC 9449 §5: a server without DPoP ignores the proof and answers Bearer.
    let server = server(false);
    server.inject(
        Fault::status(
            200,
            "application/json",
            r#"{"access_token":"at-unbound","token_type":"Bearer","expires_in":60}"#,
        ),
        1,
    );
    let endpoint = vec!["--token-url".to_owned(), server.token_url()];
    let dpop_key = key("p256.pkcs8.pem");
    let out = run_client_credentials(&endpoint, &["--dpop-key", &dpop_key], SECRET);
    assert_eq!(out.json()["token_type"], "Bearer");
    assert!(
        out.stderr.contains("warning: --dpop-key") && out.stderr.contains("not bound"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("at-unbound"), "{out:?}");
    // A DPoP answer is no warning.
    let out = run_client_credentials(&endpoint, &["--dpop-key", &dpop_key], SECRET);
    assert_eq!(out.json()["token_type"], "DPoP");
    assert!(!out.stderr.contains("warning"), "{out:?}");
}
