//! `s2s-oauth google` over the real binary against the testkit: a service
//! account key file (JWT bearer at its token_uri, `--subject` for domain-wide
//! delegation), an external_account file (the STS exchange, then
//! generateAccessToken when it impersonates), an executable source only with
//! GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1, loopback endpoints only with
//! `--allow-loopback-endpoints`, refusals as the exit codes the contract names.
#![cfg(feature = "cli")]

mod common;
#[path = "cli/support.rs"]
mod support;

use common::{CLUSTER, cluster_key};
use s2s_oauth::testkit::{Client, Config, Fault, Profile, Server, TrustedIssuer};
use support::{TempDir, key, run, run_env};

const PROVIDER: &str =
    "//iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/ci/providers/k8s";
const ROBOT: &str = "robot@demo.iam.gserviceaccount.com";
const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
const LOOPBACK: &str = "--allow-loopback-endpoints";

fn server() -> Server {
    let rsa =
        s2s_oauth::VerifyingKey::from_pem(std::fs::read(key("rsa2048.pub.pem")).unwrap()).unwrap();
    Server::start(
        Config::new(Profile::Generic)
            .with_trusted_issuer(TrustedIssuer::new(CLUSTER, cluster_key().verifying_key()))
            .with_google_provider(PROVIDER)
            .with_google_service_account(ROBOT)
            .with_client(
                Client::new(ROBOT)
                    .with_public_key(rsa.clone())
                    .with_assertions_for_itself(true),
            )
            .with_client(
                Client::new("delegate@demo.iam.gserviceaccount.com")
                    .with_public_key(rsa)
                    .with_user("alice@example.com"),
            ),
    )
    .unwrap()
}

fn subject(aud: &str) -> String {
    common::ci_subject_token(aud)
}

fn good_subject() -> String {
    subject(&format!("https:{PROVIDER}"))
}

/// An external_account file against `server` reading its token from `source`.
fn external(
    server: &Server,
    dir: &TempDir,
    source: serde_json::Value,
    impersonate: Option<&str>,
) -> String {
    let mut json = serde_json::json!({
        "type": "external_account",
        "audience": PROVIDER,
        "subject_token_type": JWT_TYPE,
        "token_url": server.google_sts_url(),
        "credential_source": source,
    });
    if let Some(email) = impersonate {
        json["service_account_impersonation_url"] = server.google_impersonation_url(email).into();
    }
    dir.file("external.json", json.to_string())
}

fn service_account(server: &Server, dir: &TempDir, email: &str) -> String {
    let json = serde_json::json!({
        "type": "service_account",
        "client_email": email,
        "private_key": std::fs::read_to_string(key("rsa2048.pkcs8.pem")).unwrap(),
        "private_key_id": "k1",
        "token_uri": server.token_url(),
    });
    dir.file("sa.json", json.to_string())
}

#[test]
fn a_service_account_file_gets_a_token_at_its_token_uri() {
    let server = server();
    let dir = TempDir::new();
    let file = service_account(&server, &dir, ROBOT);
    let json = run(&["google", "--credentials", &file, LOOPBACK]).json();
    assert!(json["access_token"].is_string());
    let sent = &server.requests()[0];
    assert_eq!(sent.path(), "/services/oauth2/token");
    assert_eq!(
        sent.form_value("grant_type"),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    // Domain-wide delegation: --subject is the assertion's sub.
    let file = service_account(&server, &dir, "delegate@demo.iam.gserviceaccount.com");
    let token = run(&[
        "google",
        "--credentials",
        &file,
        "--subject",
        "alice@example.com",
        "--output",
        "token",
    ]);
    assert_eq!(token.code, 0, "{token:?}");
    // ...and a user the server does not know is its refusal: exit 3.
    let refused = run(&[
        "google",
        "--credentials",
        &file,
        "--subject",
        "mallory@example.com",
    ]);
    assert!(refused.failure(3).contains("invalid_grant"), "{refused:?}");
}

#[test]
fn an_external_account_file_is_exchanged_at_the_sts() {
    let server = server();
    let dir = TempDir::new();
    let token_file = dir.file("token", good_subject());
    let file = external(
        &server,
        &dir,
        serde_json::json!({ "file": token_file }),
        None,
    );
    let scope = "https://www.googleapis.com/auth/devstorage.read_only";
    let json = run(&["google", "--credentials", &file, LOOPBACK, "--scope", scope]).json();
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(
        json["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    let sent = &server.requests()[0];
    assert_eq!(sent.path(), "/v1/token");
    assert_eq!(sent.form_value("audience"), Some(PROVIDER));
    assert_eq!(sent.form_value("scope"), Some(scope));
    assert_eq!(sent.form_value("subject_token_type"), Some(JWT_TYPE));

    // The STS refuses a token for another audience: exit 3, its error on stderr.
    dir.file("token", subject("https://elsewhere.example"));
    let refused = run(&["google", "--credentials", &file, LOOPBACK]);
    assert!(refused.failure(3).contains("invalid_grant"), "{refused:?}");
    // A token file that is gone: bad local input, exit 2, nothing sent.
    let before = server.requests().len();
    std::fs::remove_file(&token_file).unwrap();
    run(&["google", "--credentials", &file, LOOPBACK]).failure(2);
    assert_eq!(server.requests().len(), before);
}

#[test]
fn impersonation_follows_with_the_scopes_and_its_refusal_is_exit_5() {
    let server = server();
    let dir = TempDir::new();
    let token_file = dir.file("token", good_subject());
    let file = external(
        &server,
        &dir,
        serde_json::json!({ "file": token_file }),
        Some(ROBOT),
    );
    let json = run(&[
        "google",
        "--credentials",
        &file,
        LOOPBACK,
        "--scope",
        "https://www.googleapis.com/auth/a",
        "--scope",
        "https://www.googleapis.com/auth/b",
    ])
    .json();
    assert_eq!(json["token_type"], "Bearer");
    let expires_in = json["expires_in"].as_u64().unwrap();
    assert!((3500..=3600).contains(&expires_in), "{expires_in}");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].form_value("scope"),
        Some("https://www.googleapis.com/auth/cloud-platform")
    );
    assert!(requests[1].path().ends_with(":generateAccessToken"));
    // The impersonated token works at the resource.
    let token = json["access_token"].as_str().unwrap();
    let status = s2s_oauth::agent()
        .get(server.resource_url())
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 200);

    // A service account the principal may not impersonate: 403, exit 5.
    let other = external(
        &server,
        &dir,
        serde_json::json!({ "file": token_file }),
        Some("other@demo.iam.gserviceaccount.com"),
    );
    let refused = run(&["google", "--credentials", &other, LOOPBACK]);
    let line = refused.failure(5);
    assert!(line.contains("403"), "{line}");
}

#[test]
fn local_refusals_are_exit_2_and_say_what_to_do() {
    let server = server();
    let dir = TempDir::new();
    let token_file = dir.file("token", good_subject());
    let file = external(
        &server,
        &dir,
        serde_json::json!({ "file": token_file }),
        None,
    );
    // A loopback endpoint without the switch.
    let line = run(&["google", "--credentials", &file])
        .failure(2)
        .to_owned();
    assert!(line.contains("--allow-loopback-endpoints"), "{line}");
    // --subject is for service account files.
    let line = run(&[
        "google",
        "--credentials",
        &file,
        LOOPBACK,
        "--subject",
        "a@b",
    ])
    .failure(2)
    .to_owned();
    assert!(line.contains("leave --subject out"), "{line}");
    // No --credentials; flags google does not take.
    assert!(run(&["google"]).failure(2).contains("--credentials FILE"));
    run(&[
        "google",
        "--credentials",
        &file,
        "--token-url",
        "https://x.example",
    ])
    .failure(2);
    run(&["google", "--credentials", &file, "--client-id", "x"]).failure(2);
    run(&["google", "--credentials", &file, LOOPBACK, LOOPBACK]).failure(2);
    // Not a credential file.
    let junk = dir.file("junk.json", "{\"type\":\"authorized_user\"}");
    run(&["google", "--credentials", &junk]).failure(2);
    assert!(server.requests().is_empty());
}

#[cfg(unix)]
#[test]
fn an_executable_source_runs_only_when_allowed() {
    use std::os::unix::fs::PermissionsExt;
    let server = server();
    let dir = TempDir::new();
    let response = serde_json::json!({
        "version": 1, "success": true, "token_type": JWT_TYPE,
        "id_token": good_subject(), "expiration_time": 4_102_444_800u64,
    });
    let script = dir.file("token.sh", format!("#!/bin/sh\nprintf '%s' '{response}'\n"));
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = external(
        &server,
        &dir,
        serde_json::json!({ "executable": { "command": script, "timeout_millis": 5000 } }),
        None,
    );
    let args = [
        "google",
        "--credentials",
        &file,
        LOOPBACK,
        "--output",
        "token",
    ];
    let line = run(&args).failure(2).to_owned();
    assert!(
        line.contains("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1"),
        "{line}"
    );
    assert!(server.requests().is_empty());
    let ok = run_env(&args, &[("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", "1")]);
    assert_eq!(ok.code, 0, "{ok:?}");
    assert_eq!(
        server.requests()[0].form_value("subject_token"),
        response["id_token"].as_str()
    );
}

#[test]
fn the_cache_serves_the_impersonated_token_again() {
    let server = server();
    let dir = TempDir::new();
    let token_file = dir.file("token", good_subject());
    let file = external(
        &server,
        &dir,
        serde_json::json!({ "file": token_file }),
        Some(ROBOT),
    );
    let cache = dir.path().join("cache.json").display().to_string();
    let args = [
        "google",
        "--credentials",
        &file,
        LOOPBACK,
        "--cache",
        &cache,
        "--output",
        "token",
    ];
    let first = run(&args);
    assert_eq!(first.code, 0, "{first:?}");
    let second = run(&args);
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(
        server.requests().len(),
        2,
        "the second run was served from the cache"
    );
    // Another scope is another request.
    let mut other: Vec<&str> = args.to_vec();
    other.extend(["--scope", "https://www.googleapis.com/auth/x"]);
    assert_eq!(run(&other).code, 0);
    assert_eq!(server.requests().len(), 4);
    // A rewritten credential file (here: no impersonation) is another request too.
    external(
        &server,
        &dir,
        serde_json::json!({ "file": token_file }),
        None,
    );
    let third = run(&args);
    assert_eq!(third.code, 0, "{third:?}");
    assert_ne!(third.stdout, first.stdout);
    assert_eq!(server.requests().len(), 5);
}

#[test]
fn an_impersonated_token_without_expire_time_is_cached_for_max_age() {
    // One canned answer that both steps can read: the STS's access_token, and
    // generateAccessToken's accessToken with no expireTime.
    let body = br#"{"access_token":"ya29.sts","token_type":"Bearer","expires_in":3600,"accessToken":"ya29.sa"}"#;
    let canned = common::CannedServer::start(
        common::http_response("200 OK", &["Content-Type: application/json"], body),
        4,
    );
    let dir = TempDir::new();
    let token_file = dir.file("token", "platform-token");
    let json = serde_json::json!({
        "type": "external_account",
        "audience": PROVIDER,
        "subject_token_type": JWT_TYPE,
        "token_url": canned.url("/v1/token"),
        "service_account_impersonation_url":
            canned.url(&format!("/v1/projects/-/serviceAccounts/{ROBOT}:generateAccessToken")),
        "credential_source": { "file": token_file },
    });
    let file = dir.file("external.json", json.to_string());
    let cache = dir.path().join("cache.json").display().to_string();
    let args = [
        "google",
        "--credentials",
        &file,
        LOOPBACK,
        "--cache",
        &cache,
    ];
    let first = run(&args).json();
    assert_eq!(first["access_token"], "ya29.sa");
    assert_eq!(first.get("expires_in"), None, "{first:?}");
    let second = run(&args).json();
    assert_eq!(second["access_token"], "ya29.sa");
    assert_eq!(
        canned.requests().len(),
        2,
        "the second run was served from the cache (--max-age), not sent again"
    );
}

/// A url-sourced file as `google-github-actions/auth` writes one: the testkit's
/// GitHub Actions OIDC endpoint with the request token as bearer, `json` format
/// (`value`); the token it issues is exchanged at the STS.
#[test]
fn a_url_sourced_file_fetches_the_token_then_exchanges_it() {
    let github =
        s2s_oauth::SigningKey::from_pem(std::fs::read(key("p256.pkcs8.pem")).unwrap()).unwrap();
    let server = Server::start(
        Config::new(Profile::Generic)
            .with_trusted_issuer(TrustedIssuer::new(
                s2s_oauth::testkit::GITHUB_ISSUER,
                github.verifying_key(),
            ))
            .with_google_provider(PROVIDER)
            .with_github_actions_oidc(github, "gh-request-token", "acme/deploy"),
    )
    .unwrap();
    let dir = TempDir::new();
    let audience = format!("https:{PROVIDER}")
        .replace(':', "%3A")
        .replace('/', "%2F");
    let source = |bearer: &str| {
        serde_json::json!({
            "url": format!("{}&audience={audience}", server.github_actions_oidc_url()),
            "headers": {"Authorization": format!("Bearer {bearer}")},
            "format": {"type": "json", "subject_token_field_name": "value"},
        })
    };
    let file = external(&server, &dir, source("gh-request-token"), None);
    let json = run(&["google", "--credentials", &file, LOOPBACK]).json();
    assert_eq!(json["token_type"], "Bearer");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "the OIDC GET, then the STS");
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer gh-request-token")
    );
    assert_eq!(requests[1].path(), "/v1/token");
    // A request token the endpoint refuses: the source's status, exit 5.
    let file = external(&server, &dir, source("wrong"), None);
    let refused = run(&["google", "--credentials", &file, LOOPBACK]);
    assert!(
        refused.failure(5).contains("credential_source.url"),
        "{refused:?}"
    );
    assert_eq!(server.requests().len(), 3, "nothing sent to the STS");
    // A source that is down (503) is what a retry may help with: exit 4, not 5.
    let good = external(&server, &dir, source("gh-request-token"), None);
    server.inject(Fault::status(503, "text/plain", "down"), 1);
    let down = run(&["google", "--credentials", &good, LOOPBACK]);
    assert!(
        down.failure(4).contains("credential_source.url"),
        "{down:?}"
    );
    // Without --allow-loopback-endpoints the source URL is refused: exit 2.
    run(&["google", "--credentials", &file]).failure(2);
}

/// An aws1 file with the credentials and region in the environment (as on
/// Lambda or ECS): no metadata request, and the STS receives the signed
/// GetCallerIdentity request as the subject token (the testkit does not call
/// AWS, so it refuses it: exit 3).
#[test]
fn an_aws_file_signs_get_caller_identity_with_the_environment_credentials() {
    let server = server();
    let dir = TempDir::new();
    let json = serde_json::json!({
        "type": "external_account",
        "audience": PROVIDER,
        "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
        "token_url": server.google_sts_url(),
        "credential_source": {
            "environment_id": "aws1",
            "region_url": "http://169.254.169.254/latest/meta-data/placement/availability-zone",
            "url": "http://169.254.169.254/latest/meta-data/iam/security-credentials",
            "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
        },
    });
    let file = dir.file("aws.json", json.to_string());
    let run_aws = || {
        run_env(
            &["google", "--credentials", &file, LOOPBACK],
            &[
                ("AWS_REGION", "ap-south-1"),
                ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
                (
                    "AWS_SECRET_ACCESS_KEY",
                    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                ),
                ("AWS_SESSION_TOKEN", "session"),
            ],
        )
    };
    let refused = run_aws();
    assert!(refused.failure(3).contains("invalid"), "{refused:?}");
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        1,
        "only the STS: nothing asked of the metadata server"
    );
    let subject = requests[0].form_value("subject_token").unwrap();
    let decoded: String = {
        let mut out = Vec::new();
        let bytes = subject.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&subject[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    };
    let request: serde_json::Value = serde_json::from_str(&decoded).unwrap();
    assert_eq!(
        request["url"],
        "https://sts.ap-south-1.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"
    );
    let headers = request["headers"].as_array().unwrap();
    assert!(
        headers
            .iter()
            .any(|h| h["key"] == "x-goog-cloud-target-resource" && h["value"] == PROVIDER)
    );
    assert!(headers.iter().any(|h| {
        h["key"] == "Authorization"
            && h["value"]
                .as_str()
                .unwrap()
                .contains("Credential=AKIDEXAMPLE/")
    }));
    assert!(
        !decoded.contains("wJalrXUtnFEMI"),
        "the secret key is not sent"
    );
}

/// `--client-assertion-file` (the contract's flag for every token-getting
/// subcommand) authenticates the STS request with the file's JWT, re-read on each
/// run; without it the STS request carries no client authentication.
#[test]
fn a_client_assertion_file_authenticates_the_sts_request() {
    let body = br#"{"access_token":"ya29.sts","token_type":"Bearer","expires_in":3600,"issued_token_type":"urn:ietf:params:oauth:token-type:access_token"}"#;
    let canned = common::CannedServer::start(
        common::http_response("200 OK", &["Content-Type: application/json"], body),
        3,
    );
    let dir = TempDir::new();
    let token_file = dir.file("token", "platform-token");
    let json = serde_json::json!({
        "type": "external_account",
        "audience": PROVIDER,
        "subject_token_type": JWT_TYPE,
        "token_url": canned.url("/v1/token"),
        "credential_source": { "file": token_file },
    });
    let file = dir.file("external.json", json.to_string());
    let assertion = dir.file("assertion", "eyJhbGciOiJFUzI1NiJ9.first.sig\n");
    let with = [
        "google",
        "--credentials",
        &file,
        LOOPBACK,
        "--client-assertion-file",
        &assertion,
    ];
    assert_eq!(run(&with).json()["access_token"], "ya29.sts");
    dir.file("assertion", "eyJhbGciOiJFUzI1NiJ9.second.sig\n");
    run(&with).json();
    run(&["google", "--credentials", &file, LOOPBACK]).json();
    let bodies: Vec<String> = canned
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect();
    assert_eq!(bodies.len(), 3);
    assert!(
        bodies[0].contains("client_assertion=eyJhbGciOiJFUzI1NiJ9.first.sig"),
        "{}",
        bodies[0]
    );
    assert!(bodies[0].contains(
        "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
    ));
    assert!(
        bodies[1].contains("client_assertion=eyJhbGciOiJFUzI1NiJ9.second.sig"),
        "re-read: {}",
        bodies[1]
    );
    assert!(!bodies[2].contains("client_assertion"), "{}", bodies[2]);
}
