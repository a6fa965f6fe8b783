//! `s2s-oauth token-exchange --salesforce HOST` over the real binary against the
//! testkit's Salesforce profile: the token URL is the host's token endpoint, the
//! subject type is checked against Salesforce's five before anything is sent (exit
//! 2), the JWT type goes out in Salesforce's spelling, the app's `--client-id` is
//! required, an actor token makes it the asset token flow, and the org's refusals
//! are exit 3.
#![cfg(feature = "cli")]

mod common;
#[path = "cli/support.rs"]
mod support;

use common::{CLUSTER, STS_AUDIENCE, cluster_key, platform_token};
use s2s_oauth::providers::salesforce::{self, DeviceClaims, LoginHost};
use s2s_oauth::testkit::{Client, Config, Profile, Server, TrustedIssuer};
use support::{TempDir, run, run_env};

const APP: &str = "3MVG9exchangeApp";

fn server() -> Server {
    Server::start(
        Config::new(Profile::Salesforce)
            .with_trusted_issuer(
                TrustedIssuer::new(CLUSTER, cluster_key().verifying_key())
                    .with_audience(STS_AUDIENCE),
            )
            .with_client(Client::new(APP))
            .with_client(
                Client::new("3MVG9core")
                    .with_secret("core-secret")
                    .with_run_as("integration@acme.com"),
            ),
    )
    .unwrap()
}

fn subject_file(dir: &TempDir) -> String {
    dir.file(
        "subject",
        format!(
            "{}\n",
            platform_token(&cluster_key(), CLUSTER, "system:serviceaccount:jobs:report")
        ),
    )
}

#[test]
fn salesforce_host_exchanges_a_platform_jwt_at_its_token_endpoint() {
    let server = server();
    let dir = TempDir::new();
    let file = subject_file(&dir);
    let base = server.base_url();
    let json = run(&[
        "token-exchange",
        "--salesforce",
        &base,
        "--subject-token-file",
        &file,
        "--subject-token-type",
        "jwt",
        "--client-id",
        APP,
        "--scope",
        "api",
    ])
    .json();
    assert_eq!(
        json["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(json["instance_url"], base.as_str());
    assert!(json["id"].as_str().unwrap().contains("/id/00D"));
    let sent = server.requests().pop().unwrap();
    assert_eq!(sent.path(), "/services/oauth2/token");
    assert_eq!(
        sent.form_value("subject_token_type"),
        Some("urn:ietf:params:oauth:token-type:JWT")
    );
    assert_eq!(sent.form_value("client_id"), Some(APP));
}

#[test]
fn bad_local_input_is_exit_2_and_nothing_is_sent() {
    let server = server();
    let dir = TempDir::new();
    let file = subject_file(&dir);
    let base = server.base_url();
    for (extra, expected) in [
        (
            vec!["--subject-token-type", "saml1", "--client-id", APP],
            "access_token, refresh_token, id_token, jwt or saml2",
        ),
        (
            vec![
                "--subject-token-type",
                "urn:ietf:params:aws:token-type:aws4_request",
                "--client-id",
                APP,
            ],
            "--subject-token-type",
        ),
        (vec!["--subject-token-type", "jwt"], "needs --client-id"),
    ] {
        let mut args = vec![
            "token-exchange",
            "--salesforce",
            base.as_str(),
            "--subject-token-file",
            file.as_str(),
        ];
        args.extend(extra);
        let out = run(&args);
        let line = out.failure(2);
        assert!(line.contains(expected), "{args:?}: {line}");
        assert!(!line.contains("eyJ"), "no token echoed: {line}");
    }
    let out = run(&[
        "token-exchange",
        "--salesforce",
        "acme.my.salesforce.com",
        "--subject-token-file",
        &file,
        "--subject-token-type",
        "jwt",
        "--client-id",
        APP,
    ]);
    assert!(out.failure(2).contains("https://acme.my.salesforce.com"));
    assert!(server.requests().is_empty());
}

#[test]
fn the_orgs_refusal_is_exit_3() {
    let server = server();
    let dir = TempDir::new();
    let stranger = common::signing_key("rsa2048.pkcs8.pem");
    let forged = dir.file("forged", platform_token(&stranger, CLUSTER, "x"));
    let base = server.base_url();
    let out = run(&[
        "token-exchange",
        "--salesforce",
        &base,
        "--subject-token-file",
        &forged,
        "--subject-token-type",
        "id_token",
        "--client-id",
        APP,
    ]);
    assert_eq!(
        out.failure(3),
        "error: invalid_grant: invalid assertion (HTTP 400)"
    );
}

#[test]
fn an_actor_token_makes_it_the_asset_token_flow() {
    let server = server();
    let host = LoginHost::my_domain(server.base_url()).unwrap();
    let core = salesforce::client_credentials(&host, "3MVG9core", "core-secret")
        .unwrap()
        .send(&s2s_oauth::agent())
        .unwrap();
    let dir = TempDir::new();
    let device = common::signing_key("p256.pkcs8.pem");
    let actor = DeviceClaims::new("printer-4711")
        .unwrap()
        .sign(&device)
        .unwrap();
    let actor_file = dir.file("actor", actor.expose_secret());
    let base = server.base_url();
    let out = run_env(
        &[
            "token-exchange",
            "--salesforce",
            &base,
            "--subject-token-env",
            "SF_ACCESS_TOKEN",
            "--subject-token-type",
            "access_token",
            "--actor-token-file",
            &actor_file,
            "--actor-token-type",
            "jwt",
        ],
        &[("SF_ACCESS_TOKEN", core.access_token().expose_secret())],
    );
    let json = out.json();
    assert_eq!(
        json["issued_token_type"],
        "urn:ietf:params:oauth:token-type:jwt"
    );
    let asset = json["access_token"].as_str().unwrap();
    let claims = s2s_oauth::jwt::UnverifiedJwt::decode(asset).unwrap();
    assert_eq!(claims.claims()["did"], "printer-4711");
    let sent = server.requests().pop().unwrap();
    assert_eq!(
        sent.form_value("actor_token_type"),
        Some("urn:ietf:params:oauth:token-type:jwt")
    );
    assert_eq!(sent.form_value("client_id"), None);
}

/// Salesforce's asset token flow takes an access token as the subject and a JWT
/// as the actor token, nothing else (Help "OAuth 2.0 Asset Token Flow", the
/// Postman collection's "Asset Token Flow"): with an actor token, another subject
/// or actor type is exit 2 before anything is read or sent, not a request the org
/// refuses (or worse, a JWT subject sent in the other flow's spelling).
#[test]
fn the_asset_token_flow_takes_only_an_access_token_and_a_jwt_actor() {
    let server = server();
    let dir = TempDir::new();
    let subject = subject_file(&dir);
    let actor = dir.file("actor", "e30.e30.c2ln");
    let base = server.base_url();
    for (subject_type, actor_type, expected) in [
        ("jwt", "jwt", "--subject-token-type access_token"),
        ("id_token", "jwt", "--subject-token-type access_token"),
        ("access_token", "saml2", "--actor-token-type jwt"),
        ("access_token", "access_token", "--actor-token-type jwt"),
    ] {
        let out = run(&[
            "token-exchange",
            "--salesforce",
            &base,
            "--subject-token-file",
            &subject,
            "--subject-token-type",
            subject_type,
            "--actor-token-file",
            &actor,
            "--actor-token-type",
            actor_type,
        ]);
        let line = out.failure(2);
        assert!(
            line.contains(expected) && line.contains("asset token flow"),
            "{subject_type}/{actor_type}: {line}"
        );
    }
    assert!(server.requests().is_empty());
}
